"""The C library, libcredo.so, through ctypes: where it is found and the
signatures of the credo.h functions this package calls.

The library is found, in order: the path in the environment variable
CREDO_LIBRARY; the libcredo.so.0 that `make install` put beside this
package (it installs the package in PREFIX/lib/python3/dist-packages and
the library in PREFIX/lib); libcredo.so.0 where the dynamic loader looks
(LD_LIBRARY_PATH, ldconfig's folders).  ctypes releases the GIL
during each call, so threads deciding on their own sessions run in
parallel."""
import ctypes
import os

CREDO_OK = 0
CODES = {1: "io", 2: "compile", 3: "input", 4: "runtime", 5: "memory", 6: "usage"}


class Error(ctypes.Structure):
    """credo_error."""
    _fields_ = [("code", ctypes.c_int), ("message", ctypes.c_char * 512),
                ("file", ctypes.c_char * 256), ("line", ctypes.c_uint), ("column", ctypes.c_uint)]


class Config(ctypes.Structure):
    """credo_config: the limits of a session."""
    _fields_ = [("max_instructions", ctypes.c_uint64), ("max_memory", ctypes.c_uint64),
                ("regex_match_limit", ctypes.c_uint32), ("regex_depth_limit", ctypes.c_uint32),
                ("json_max_depth", ctypes.c_uint32), ("json_max_text", ctypes.c_uint32),
                ("json_max_list", ctypes.c_uint32), ("max_line", ctypes.c_uint64),
                ("deadline_ms", ctypes.c_uint32)]


LIMITS = [name for name, _ in Config._fields_]

# credo_column's types (credo.h)
COLUMN_INT64, COLUMN_DOUBLE, COLUMN_BOOL, COLUMN_TEXT, COLUMN_JSON, COLUMN_DOUBLE_LIST = range(1, 7)


class Column(ctypes.Structure):
    """credo_column: one input field's values for credo_decide_columns
    (addresses, as ints: the arrays belong to the caller)."""
    _fields_ = [("field", ctypes.c_char_p), ("type", ctypes.c_int), ("values", ctypes.c_void_p),
                ("nulls", ctypes.c_void_p), ("offsets", ctypes.c_void_p)]

_P = ctypes.c_void_p
_S = ctypes.c_char_p
_E = ctypes.POINTER(Error)
_SIZE = ctypes.c_size_t
_SIZEP = ctypes.POINTER(ctypes.c_size_t)

_SIGNATURES = {
    "credo_version": (_S, []),
    "credo_policy_load": (_P, [_S, _E]),
    "credo_policy_free": (None, [_P]),
    "credo_policy_name": (_S, [_P]),
    "credo_policy_title": (_S, [_P]),
    "credo_policy_version": (_S, [_P]),
    "credo_policy_effective": (_S, [_P]),
    "credo_policy_owner": (_S, [_P]),
    "credo_policy_sha256": (_S, [_P]),
    "credo_policy_program_sha256": (_S, [_P]),
    "credo_policy_key": (_S, [_P]),
    "credo_policy_field_count": (_SIZE, [_P]),
    "credo_policy_field_name": (_S, [_P, _SIZE]),
    "credo_policy_field_type": (_S, [_P, _SIZE]),
    "credo_policy_result_count": (_SIZE, [_P]),
    "credo_policy_result_name": (_S, [_P, _SIZE]),
    "credo_policy_result_type": (_S, [_P, _SIZE]),
    "credo_config_init": (None, [ctypes.POINTER(Config)]),
    "credo_config_check": (ctypes.c_int, [ctypes.POINTER(Config), _E]),
    "credo_session_new_with": (_P, [_P, ctypes.POINTER(Config), _E]),
    "credo_session_free": (None, [_P]),
    "credo_session_set_as_of": (ctypes.c_int, [_P, _S]),
    # returns a pointer, not a NUL-terminated string we copy whole: the length is given
    "credo_decide_lines": (ctypes.c_void_p, [_P, ctypes.c_char_p, _SIZE, _SIZEP, _SIZEP, _E]),
    "credo_explain_json": (ctypes.c_void_p, [_P, ctypes.c_char_p, _SIZE, _SIZEP, _E]),
    "credo_decide_columns": (ctypes.c_void_p, [_P, ctypes.POINTER(Column), _SIZE, _SIZE, _SIZEP, _SIZEP, _E]),
}


# PREFIX/lib/libcredo.so.0 seen from PREFIX/lib/python3/dist-packages/credo
_INSTALLED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "libcredo.so.0")


def _where():
    """The library to load, and how it was chosen (for an error)."""
    path = os.environ.get("CREDO_LIBRARY")
    if path:
        return path, "CREDO_LIBRARY=" + path
    if os.path.exists(_INSTALLED):
        path = os.path.normpath(_INSTALLED)
        return path, path + " (installed beside the package)"
    return "libcredo.so.0", "libcredo.so.0 (not found by the dynamic loader)"


def _load():
    try:
        lib = ctypes.CDLL(PATH)
    except OSError as e:
        raise ImportError("credo: cannot load the C library " + _WHY + ": " + str(e) +
                          "; build it with `make` and set CREDO_LIBRARY=/path/to/build/libcredo.so,"
                          " or `make install` it") from None
    for name, (restype, argtypes) in _SIGNATURES.items():
        try:
            f = getattr(lib, name)
        except AttributeError:
            raise ImportError("credo: " + PATH + " has no " + name + ": an older library than this package") from None
        f.restype = restype
        f.argtypes = argtypes
    return lib


PATH, _WHY = _where()   # the library this package uses
lib = _load()


def text(p):
    """A C string the library owns, as str (None for NULL)."""
    return None if p is None else p.decode("utf-8")


def check_config(limits):
    """A credo_config with the defaults and the given limits (a dict of
    credo_config's field names); ValueError naming what is out of range."""
    c = Config()
    lib.credo_config_init(ctypes.byref(c))
    wide = None
    for name, value in (limits or {}).items():
        if name not in LIMITS:
            raise ValueError("credo: unknown limit %r (limits are: %s)" % (name, ", ".join(LIMITS)))
        if not isinstance(value, int) or isinstance(value, bool) or value < 0 or value >= 1 << 64:
            raise ValueError("credo: limit %s must be a positive int, got %r" % (name, value))
        # ctypes would cut a value wider than the C field short: give the
        # field its largest value instead, which the library then refuses
        # naming the maximum (and the caller's value, below)
        top = (1 << ctypes.sizeof(dict(Config._fields_)[name]) * 8) - 1
        setattr(c, name, min(value, top))
        if value > top:
            wide = (str(top), str(value))
    err = Error()
    if lib.credo_config_check(ctypes.byref(c), ctypes.byref(err)) != CREDO_OK:
        message = err.message.decode("utf-8", "replace")
        if wide:
            message = message.replace(*wide)
        raise ValueError("credo: " + message)
    return c
