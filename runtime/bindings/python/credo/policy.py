"""credo.Policy: a compiled policy, shared by threads, each deciding on a
session of its own."""
import ctypes
import decimal
import os
import threading

from . import _json
from ._lib import CODES, CREDO_OK, Error, check_config, lib, text

# Decisions go to the library this many applications at a time.
BATCH = 10000

DECIMAL_TYPES = ("number", "money", "rate")


class CredoError(Exception):
    """A policy that cannot be loaded, or an application that cannot be
    explained: kind is "io", "compile", "input", "runtime", "memory" or
    "usage"; file, line and column say where when there is a place."""

    def __init__(self, err):
        self.kind = CODES.get(err.code, str(err.code))
        self.message = err.message.decode("utf-8", "replace")
        self.file = err.file.decode("utf-8", "replace") or None
        self.line = err.line or None
        self.column = err.column or None
        where = self.file or ""
        if self.line:
            where += ":%d:%d" % (self.line, self.column)
        super().__init__((where + ": " if where else "") + self.message)


class _Handle:
    """Owns the C policy; freed after every session made from it (each
    session holds this handle, not the Policy)."""

    def __init__(self, ptr):
        self.ptr = ptr

    def __del__(self):
        if self.ptr:
            lib.credo_policy_free(self.ptr)
            self.ptr = None


class _Session:
    """One thread's C session on a policy."""

    def __init__(self, handle, config, as_of):
        err = Error()
        self.handle = handle
        self.ptr = lib.credo_session_new_with(handle.ptr, ctypes.byref(config), ctypes.byref(err))
        if not self.ptr:
            raise CredoError(err)
        if as_of is not None and lib.credo_session_set_as_of(self.ptr, as_of.encode()) != CREDO_OK:
            raise ValueError("credo: as_of %r is not a date YYYY-MM-DD" % as_of)

    def __del__(self):
        if getattr(self, "ptr", None):
            lib.credo_session_free(self.ptr)
            self.ptr = None

    def decide_lines(self, data):
        """data: bytes, JSON lines.  The decision lines, as bytes."""
        n, errors, err = ctypes.c_size_t(), ctypes.c_size_t(), Error()
        p = lib.credo_decide_lines(self.ptr, data, len(data), ctypes.byref(n), ctypes.byref(errors),
                                   ctypes.byref(err))
        if not p:
            raise CredoError(err)
        return ctypes.string_at(p, n.value)

    def decide_columns(self, columns, rows):
        """columns: a ctypes array of _lib.Column.  The decisions of the
        rows, column by column: one JSON object, as bytes."""
        n, errors, err = ctypes.c_size_t(), ctypes.c_size_t(), Error()
        p = lib.credo_decide_columns(self.ptr, columns, len(columns), rows, ctypes.byref(n), ctypes.byref(errors),
                                     ctypes.byref(err))
        if not p:
            raise CredoError(err)
        return ctypes.string_at(p, n.value)

    def explain(self, line):
        n, err = ctypes.c_size_t(), Error()
        p = lib.credo_explain_json(self.ptr, line, len(line), ctypes.byref(n), ctypes.byref(err))
        if not p:
            raise CredoError(err)
        return ctypes.string_at(p, n.value)


def _as_of_text(as_of):
    if as_of is None or isinstance(as_of, str):
        return as_of
    return as_of.isoformat()[:10]   # a date, datetime or pandas Timestamp


class Policy:
    """A policy loaded from its source (.credo) or a compiled .credoc.

    as_of: the date `today` means ("YYYY-MM-DD" or a date; default: the
    current date, UTC), as credo run --as-of.  limits: a dict of the
    limits of credo.h's credo_config (max_instructions, max_memory,
    regex_match_limit, regex_depth_limit, json_max_depth, json_max_text,
    json_max_list, max_line, deadline_ms), each at most its maximum
    (ValueError).

    One Policy may be shared by any number of threads: each thread
    decides on a session of its own, made on its first call."""

    def __init__(self, path, as_of=None, limits=None):
        self._config = check_config(limits)
        self.as_of = _as_of_text(as_of)
        err = Error()
        ptr = lib.credo_policy_load(os.fsencode(path), ctypes.byref(err))
        if not ptr:
            raise CredoError(err)
        self._handle = _Handle(ptr)
        self.path = os.fspath(path)
        self.name = text(lib.credo_policy_name(ptr))
        self.title = text(lib.credo_policy_title(ptr))
        self.version = text(lib.credo_policy_version(ptr))
        self.effective = text(lib.credo_policy_effective(ptr))
        self.owner = text(lib.credo_policy_owner(ptr))
        self.sha256 = text(lib.credo_policy_sha256(ptr))
        self.program_sha256 = text(lib.credo_policy_program_sha256(ptr))
        self.key = text(lib.credo_policy_key(ptr))   # the member naming each decision
        self.fields = [(text(lib.credo_policy_field_name(ptr, i)), text(lib.credo_policy_field_type(ptr, i)))
                       for i in range(lib.credo_policy_field_count(ptr))]
        self.results = [(text(lib.credo_policy_result_name(ptr, i)), text(lib.credo_policy_result_type(ptr, i)))
                        for i in range(lib.credo_policy_result_count(ptr))]
        self._decimal_results = [n for n, t in self.results if t.rstrip("?") in DECIMAL_TYPES]
        self._local = threading.local()
        self._session()   # a bad as_of fails here, not at the first decision

    def _session(self):
        s = getattr(self._local, "session", None)
        if s is None:
            s = self._local.session = _Session(self._handle, self._config, self.as_of)
        return s

    def __repr__(self):
        return "<credo.Policy %s %s (%s)>" % (getattr(self, "name", None), getattr(self, "version", None) or "",
                                              getattr(self, "path", None))

    # ---- deciding ------------------------------------------------------------

    def _typed(self, d):
        """A decision dict with every decimal result a Decimal (JSON writes
        a decimal of scale 0 as an integer)."""
        for n in self._decimal_results:
            v = d.get(n)
            if type(v) is int:
                d[n] = decimal.Decimal(v)
        return d

    def decide_json_lines(self, lines):
        """JSON lines (str or bytes) in, decision lines out (bytes), exactly
        what `credo run` writes for them."""
        if isinstance(lines, str):
            lines = lines.encode("utf-8", "surrogateescape")
        return self._session().decide_lines(lines)

    def decide(self, application):
        """One application (a dict, or a JSON text) decided: the decision
        line as a dict ({"app_id", "decision", "reasons", every named
        result}; for an application credo cannot decide, {"app_id",
        "line": 1, "decision": "ERROR", "error": "<field>: <what>"})."""
        line = _json.application(application).encode("utf-8", "surrogateescape")
        return self._typed(_json.decision(self._session().decide_lines(line + b"\n")))

    def decide_many(self, applications, batch=BATCH):
        """Every application of an iterable, decided in order: one decision
        dict each, as decide() gives, with ERROR lines numbered from 1 over
        the whole iterable, as credo run numbers a file's lines."""
        session = self._session()
        done = 0
        chunk = []
        for app in applications:
            chunk.append(_json.application(app))
            if len(chunk) == batch:
                yield from self._decide_chunk(session, chunk, done)
                done += len(chunk)
                chunk = []
        if chunk:
            yield from self._decide_chunk(session, chunk, done)

    def _decide_chunk(self, session, chunk, done):
        # every line ended by a newline: an empty last application is one too
        out = session.decide_lines(("\n".join(chunk) + "\n").encode("utf-8", "surrogateescape"))
        for line in out.decode("utf-8").splitlines():
            d = self._typed(_json.decision(line))
            if done and "line" in d:
                d["line"] += done
            yield d

    def explain(self, application):
        """Why one application got its decision: the object `credo explain
        --json` writes, as a dict.  CredoError when the application is an
        ERROR (kind "input" or "runtime", the message credo run gives)."""
        line = _json.application(application).encode("utf-8", "surrogateescape")
        return _json.decision(self._session().explain(line))

    def decide_frame(self, df, batch=5000, threads=None):
        """A pandas DataFrame of applications (one column per input field;
        other columns are ignored) decided row by row: a DataFrame with the
        same index and the columns app_id (or the policy's input key,
        self.key), decision, reasons (a list of
        codes), error (the message of an ERROR row, else None) and every
        named result, typed by the policy (see credo.frame).  The columns
        go to the library whole (credo._columns), each row read as the
        JSON line json.dumps would write for it, so it decides as credo run
        decides that line.  batch: rows per call of the library; threads:
        how many threads decide batches while this one reads their
        decisions (default: the cores, at most 4)."""
        from . import frame
        return frame.decide_frame(self, df, batch, threads)
