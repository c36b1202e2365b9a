/* The native half of the Java binding (credo.Native): each method calls
 * the functions of runtime/credo.h and nothing else.  Texts cross as
 * UTF-8 byte arrays, never through JNI's modified UTF-8, so a character
 * outside the Basic Multilingual Plane or a NUL in an application
 * reaches the library, and its decision returns, byte for byte.
 *
 * A Java Session owns one jsession: the library's session and the buffer
 * an application is copied into.  The Java side serialises the calls on
 * one session and never passes a freed handle (Policy.java). */
#include <jni.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/credo.h"

typedef struct {
    credo_session *s;
    char *buf;   /* the application being decided, newlines made spaces */
    size_t cap;
} jsession;

/* credo.CredoException.of(int, byte[], byte[], int, int), found once. */
static jclass exc_class;
static jmethodID exc_of;

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved)
{
    JNIEnv *env;
    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK)
        return JNI_ERR;
    jclass c = (*env)->FindClass(env, "credo/CredoException");
    if (!c)
        return JNI_ERR;
    exc_class = (*env)->NewGlobalRef(env, c);
    exc_of = (*env)->GetStaticMethodID(env, c, "of", "(I[B[BII)Lcredo/CredoException;");
    if (!exc_class || !exc_of)
        return JNI_ERR;
    return JNI_VERSION_1_8;
}

static jlong handle(const void *p)
{
    return (jlong)(intptr_t)p;
}

static jsession *session_of(jlong h)
{
    return (jsession *)(intptr_t)h;
}

/* A byte[] of text[0..len); NULL for a NULL text (or when Java is out of
 * memory, with its OutOfMemoryError pending). */
static jbyteArray bytes_n(JNIEnv *env, const char *text, size_t len)
{
    if (!text)
        return NULL;
    if (len > INT32_MAX) {
        (*env)->ThrowNew(env, (*env)->FindClass(env, "java/lang/OutOfMemoryError"),
                         "credo: the result is larger than a Java array");
        return NULL;
    }
    jbyteArray a = (*env)->NewByteArray(env, (jsize)len);
    if (a)
        (*env)->SetByteArrayRegion(env, a, 0, (jsize)len, (const jbyte *)text);
    return a;
}

static jbyteArray bytes(JNIEnv *env, const char *text)
{
    return bytes_n(env, text, text ? strlen(text) : 0);
}

static void throw_named(JNIEnv *env, const char *cls, const char *message)
{
    jclass c = (*env)->FindClass(env, cls);
    if (c)
        (*env)->ThrowNew(env, c, message);
}

/* Throws a credo.CredoException for err. */
static void throw_credo(JNIEnv *env, const credo_error *err)
{
    jbyteArray m = bytes(env, err->message);
    jbyteArray f = err->file[0] ? bytes(env, err->file) : NULL;
    if ((*env)->ExceptionCheck(env))
        return;
    jobject e = (*env)->CallStaticObjectMethod(env, exc_class, exc_of, (jint)err->code, m, f, (jint)err->line,
                                               (jint)err->column);
    if (e && !(*env)->ExceptionCheck(env))
        (*env)->Throw(env, (jthrowable)e);
}

/* A NUL-terminated copy of a byte[] (a path, a date); NULL with an
 * exception pending when memory runs out. */
static char *c_text(JNIEnv *env, jbyteArray a)
{
    jsize n = (*env)->GetArrayLength(env, a);
    char *p = malloc((size_t)n + 1);
    if (!p) {
        throw_named(env, "java/lang/OutOfMemoryError", "credo: out of memory");
        return NULL;
    }
    (*env)->GetByteArrayRegion(env, a, 0, n, (jbyte *)p);
    p[n] = '\0';
    return p;
}

JNIEXPORT jbyteArray JNICALL Java_credo_Native_version(JNIEnv *env, jclass c)
{
    return bytes(env, credo_version());
}

JNIEXPORT jlong JNICALL Java_credo_Native_policyLoad(JNIEnv *env, jclass c, jbyteArray path)
{
    char *p = c_text(env, path);
    if (!p)
        return 0;
    credo_error err;
    credo_policy *policy = credo_policy_load(p, &err);
    free(p);
    if (!policy)
        throw_credo(env, &err);
    return handle(policy);
}

JNIEXPORT void JNICALL Java_credo_Native_policyFree(JNIEnv *env, jclass c, jlong p)
{
    credo_policy_free((credo_policy *)(intptr_t)p);
}

/* The policy's identity: name, title, version, effective, owner, sha256,
 * program_sha256, signed_by (null where the header has none). */
JNIEXPORT jobjectArray JNICALL Java_credo_Native_policyInfo(JNIEnv *env, jclass c, jlong h)
{
    const credo_policy *p = (const credo_policy *)(intptr_t)h;
    const char *v[] = {credo_policy_name(p),    credo_policy_title(p),  credo_policy_version(p),
                       credo_policy_effective(p), credo_policy_owner(p), credo_policy_sha256(p),
                       credo_policy_program_sha256(p), credo_policy_signed_by(p)};
    jobjectArray a = (*env)->NewObjectArray(env, (jsize)(sizeof v / sizeof *v), (*env)->FindClass(env, "[B"), NULL);
    for (jsize i = 0; a && i < (jsize)(sizeof v / sizeof *v); i++) {
        jbyteArray b = bytes(env, v[i]);
        if ((*env)->ExceptionCheck(env))
            return NULL;
        (*env)->SetObjectArrayElement(env, a, i, b);
        (*env)->DeleteLocalRef(env, b);
    }
    return a;
}

/* The input fields (results false) or the named results, as name, type,
 * name, type... */
JNIEXPORT jobjectArray JNICALL Java_credo_Native_policyNames(JNIEnv *env, jclass c, jlong h, jboolean results)
{
    const credo_policy *p = (const credo_policy *)(intptr_t)h;
    size_t n = results ? credo_policy_result_count(p) : credo_policy_field_count(p);
    jobjectArray a = (*env)->NewObjectArray(env, (jsize)(2 * n), (*env)->FindClass(env, "[B"), NULL);
    for (size_t i = 0; a && i < n; i++) {
        const char *name = results ? credo_policy_result_name(p, i) : credo_policy_field_name(p, i);
        const char *type = results ? credo_policy_result_type(p, i) : credo_policy_field_type(p, i);
        jbyteArray bn = bytes(env, name), bt = bytes(env, type);
        if ((*env)->ExceptionCheck(env))
            return NULL;
        (*env)->SetObjectArrayElement(env, a, (jsize)(2 * i), bn);
        (*env)->SetObjectArrayElement(env, a, (jsize)(2 * i + 1), bt);
        (*env)->DeleteLocalRef(env, bn);
        (*env)->DeleteLocalRef(env, bt);
    }
    return a;
}

/* limits: credo_config's nine fields in the order credo.h declares them,
 * each 0 for its default; null for every default.  A limit out of range
 * is an IllegalArgumentException naming it, a date that is not one too. */
JNIEXPORT jlong JNICALL Java_credo_Native_sessionNew(JNIEnv *env, jclass c, jlong h, jbyteArray as_of,
                                                     jlongArray limits)
{
    credo_config cfg;
    credo_config_init(&cfg);
    if (limits) {
        jlong v[9];
        if ((*env)->GetArrayLength(env, limits) != 9) {
            throw_named(env, "java/lang/IllegalArgumentException", "credo: nine limits expected");
            return 0;
        }
        (*env)->GetLongArrayRegion(env, limits, 0, 9, v);
        uint64_t *u64[] = {&cfg.max_instructions, &cfg.max_memory, NULL, NULL, NULL, NULL, NULL, &cfg.max_line, NULL};
        uint32_t *u32[] = {NULL, NULL, &cfg.regex_match_limit, &cfg.regex_depth_limit, &cfg.json_max_depth,
                           &cfg.json_max_text, &cfg.json_max_list, NULL, &cfg.deadline_ms};
        char wide[24] = "";   /* a value wider than its field, which gets its largest value instead */
        for (int i = 0; i < 9; i++) {
            if (v[i] == 0)
                continue;
            if (u64[i]) {
                *u64[i] = (uint64_t)v[i];
            } else if (v[i] > (jlong)UINT32_MAX) {
                *u32[i] = UINT32_MAX;
                snprintf(wide, sizeof wide, "%lld", (long long)v[i]);
            } else {
                *u32[i] = (uint32_t)v[i];
            }
        }
        credo_error err;
        if (credo_config_check(&cfg, &err) != CREDO_OK) {
            /* "json_max_depth 4294967295 is more than ...": the caller's value, not the field's */
            char m[sizeof err.message + 32];
            const char *top = wide[0] ? strstr(err.message, "4294967295") : NULL;
            if (top)
                snprintf(m, sizeof m, "credo: %.*s%s%s", (int)(top - err.message), err.message, wide, top + 10);
            else
                snprintf(m, sizeof m, "credo: %s", err.message);
            throw_named(env, "java/lang/IllegalArgumentException", m);
            return 0;
        }
    }
    jsession *js = calloc(1, sizeof *js);
    if (!js) {
        throw_named(env, "java/lang/OutOfMemoryError", "credo: out of memory for a session");
        return 0;
    }
    credo_error err;
    js->s = credo_session_new_with((const credo_policy *)(intptr_t)h, &cfg, &err);
    if (!js->s) {   /* out of memory (the limits were checked above) */
        free(js);
        throw_named(env, err.code == CREDO_E_MEMORY ? "java/lang/OutOfMemoryError" : "java/lang/IllegalArgumentException",
                    err.message);
        return 0;
    }
    if (as_of) {
        char *d = c_text(env, as_of);
        int rc = d ? credo_session_set_as_of(js->s, d) : CREDO_E_MEMORY;
        free(d);
        if (rc != CREDO_OK) {
            credo_session_free(js->s);
            free(js);
            if (!(*env)->ExceptionCheck(env))
                throw_named(env, "java/lang/IllegalArgumentException", "credo: as-of is not a date YYYY-MM-DD");
            return 0;
        }
    }
    return handle(js);
}

JNIEXPORT void JNICALL Java_credo_Native_sessionFree(JNIEnv *env, jclass c, jlong h)
{
    jsession *js = session_of(h);
    if (!js)
        return;
    credo_session_free(js->s);
    free(js->buf);
    free(js);
}

/* The session's copy of a byte[] of n bytes; NULL with an
 * OutOfMemoryError pending. */
static char *copy_in(JNIEnv *env, jsession *js, jbyteArray a, jsize n)
{
    if ((size_t)n + 1 > js->cap) {
        size_t cap = js->cap ? js->cap : 4096;
        while (cap < (size_t)n + 1)
            cap *= 2;
        char *p = realloc(js->buf, cap);
        if (!p) {
            throw_named(env, "java/lang/OutOfMemoryError", "credo: out of memory for the application");
            return NULL;
        }
        js->buf = p;
        js->cap = cap;
    }
    (*env)->GetByteArrayRegion(env, a, 0, n, (jbyte *)js->buf);
    return js->buf;
}

static jbyteArray decide_lines(JNIEnv *env, jsession *js, const char *lines, size_t len, int one)
{
    size_t n = 0;
    credo_error err;
    const char *out = credo_decide_lines(js->s, lines, len, &n, NULL, &err);
    if (!out) {
        throw_named(env, "java/lang/OutOfMemoryError", err.message);
        return NULL;
    }
    if (one && n > 0 && out[n - 1] == '\n')   /* one decision: its line without the newline */
        n--;
    return bytes_n(env, out, n);
}

/* One application: its decision line, without the newline.  A newline in
 * the text is JSON whitespace (one can be nowhere else in valid JSON), so
 * it is made a space: the text is one application, numbered line 1. */
JNIEXPORT jbyteArray JNICALL Java_credo_Native_decide(JNIEnv *env, jclass c, jlong h, jbyteArray json)
{
    jsession *js = session_of(h);
    jsize n = (*env)->GetArrayLength(env, json);
    char *p = copy_in(env, js, json, n);
    if (!p)
        return NULL;
    char *end = p + n;
    for (char *nl = memchr(p, '\n', (size_t)n); nl; nl = memchr(nl + 1, '\n', (size_t)(end - nl - 1)))
        *nl = ' ';
    if (n == 0) {   /* an empty application is one application too: an ERROR */
        p[0] = '\n';
        n = 1;
    }
    return decide_lines(env, js, p, (size_t)n, 1);
}

/* JSON lines: exactly what credo run writes for them. */
JNIEXPORT jbyteArray JNICALL Java_credo_Native_decideLines(JNIEnv *env, jclass c, jlong h, jbyteArray lines)
{
    jsession *js = session_of(h);
    jsize n = (*env)->GetArrayLength(env, lines);
    char *p = copy_in(env, js, lines, n);
    return p ? decide_lines(env, js, p, (size_t)n, 0) : NULL;
}

/* credo explain --json's object; a CredoException when the application is
 * an ERROR. */
JNIEXPORT jbyteArray JNICALL Java_credo_Native_explain(JNIEnv *env, jclass c, jlong h, jbyteArray json)
{
    jsession *js = session_of(h);
    jsize n = (*env)->GetArrayLength(env, json);
    char *p = copy_in(env, js, json, n);
    if (!p)
        return NULL;
    size_t len = 0;
    credo_error err;
    const char *out = credo_explain_json(js->s, p, (size_t)n, &len, &err);
    if (!out) {
        throw_credo(env, &err);
        return NULL;
    }
    return bytes_n(env, out, len);
}
