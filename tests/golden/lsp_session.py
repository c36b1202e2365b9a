"""Drives `credo lsp` over pipes through one editing session and checks
every answer: python3 lsp_session.py CREDO POLICY.  Initialize; open the
policy (no diagnostics); change it to one with an unknown name (a
diagnostic on exactly that name); hover on a field, a let and a scorecard
bin; go to the definition of a label; find the references of a field;
document symbols; formatting (the text `credo fmt` writes); completion
(fields, labels, built-ins; after `score.` its methods lowest and reasons
and its characteristics, after `admission.` and `applicant.` their
members); shutdown and exit (status 0).  Every read is
bounded in time.  Exits 1 naming the first wrong answer."""
import json
import os
import select
import subprocess
import sys
import time

CREDO, POLICY = sys.argv[1], sys.argv[2]
DEADLINE = time.time() + 60


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


proc = subprocess.Popen([CREDO, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
buf = b""


def send(msg):
    body = json.dumps(msg).encode()
    proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    proc.stdin.flush()


def read_message():
    global buf
    while True:
        head, sep, rest = buf.partition(b"\r\n\r\n")
        if sep:
            length = int(head.split(b":")[1])
            if len(rest) >= length:
                buf = rest[length:]
                return json.loads(rest[:length])
        left = DEADLINE - time.time()
        if left <= 0 or not select.select([proc.stdout], [], [], left)[0]:
            proc.kill()
            fail("no answer within the time allowed")
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            fail("credo lsp closed its output")
        buf += chunk


next_id = 0


def request(method, params):
    global next_id
    next_id += 1
    send({"jsonrpc": "2.0", "id": next_id, "method": method, "params": params})
    while True:
        m = read_message()
        if m.get("id") == next_id:
            if "error" in m:
                fail(f"{method}: error {m['error']}")
            return m["result"]


def notification(method):
    while True:
        m = read_message()
        if m.get("method") == method:
            return m["params"]


text = open(POLICY, encoding="utf-8").read()
lines = text.split("\n")
uri = "file://" + os.path.abspath(POLICY)
doc = {"textDocument": {"uri": uri}}


def at(line_text, word, nth=0):
    """The position of the nth `word` on the first line holding line_text."""
    for i, l in enumerate(lines):
        if line_text in l:
            col = -1
            for _ in range(nth + 1):
                col = l.index(word, col + 1)
            return {"line": i, "character": col + 1}
    fail(f"no line holds {line_text!r}")


init = request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
caps = init["capabilities"]
for cap in ("hoverProvider", "definitionProvider", "referencesProvider", "documentSymbolProvider",
            "documentFormattingProvider", "completionProvider"):
    if not caps.get(cap):
        fail(f"initialize: no {cap}")
send({"jsonrpc": "2.0", "method": "initialized", "params": {}})

send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
      "params": {"textDocument": {"uri": uri, "languageId": "credo", "version": 1, "text": text}}})
d = notification("textDocument/publishDiagnostics")
if d["uri"] != uri or d["diagnostics"]:
    fail(f"didOpen: expected no diagnostics, got {d['diagnostics']}")

bad = text.replace("let dti = debt / income", "let dti = debts / income")
send({"jsonrpc": "2.0", "method": "textDocument/didChange",
      "params": {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": bad}]}})
d = notification("textDocument/publishDiagnostics")["diagnostics"]
line = next(i for i, l in enumerate(lines) if l.startswith("let dti"))
want = {"start": {"line": line, "character": 10}, "end": {"line": line, "character": 15}}
if len(d) != 1 or d[0]["range"] != want or d[0]["severity"] != 1 or "debts" not in d[0]["message"]:
    fail(f"didChange: expected one error on 'debts' at {want}, got {d}")
# Columns count UTF-16 units: a text of a 3-byte and a 4-byte character
# (1 and 2 units) before the mistake.
wide = text + 'let note = "€𝄞" + nowhere\n'
send({"jsonrpc": "2.0", "method": "textDocument/didChange",
      "params": {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": wide}]}})
d = notification("textDocument/publishDiagnostics")["diagnostics"]
col = len('let note = "€𝄞" + '.encode("utf-16-le")) // 2
want = {"start": {"line": len(lines) - 1, "character": col}, "end": {"line": len(lines) - 1, "character": col + 7}}
if not any(x["range"] == want and "nowhere" in x["message"] for x in d):
    fail(f"a mistake after wide characters: expected {want}, got {d}")
send({"jsonrpc": "2.0", "method": "textDocument/didChange",
      "params": {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": text}]}})
if notification("textDocument/publishDiagnostics")["diagnostics"]:
    fail("the corrected text still has diagnostics")

h = request("textDocument/hover", {**doc, "position": at("reject AGE", "age <")})
v = h and h["contents"]["value"] or ""
if "**field** `age`: `int`" not in v or "line 4" not in v or "input applicant" not in v:
    fail(f"hover on a field: {v!r}")
h = request("textDocument/hover", {**doc, "position": at("refer  DTI_HIGH", "dti")})
v = h and h["contents"]["value"] or ""
if "**let** `dti`: `money`" not in v and "**let** `dti`: `number`" not in v:
    fail(f"hover on a let: {v!r}")
h = request("textDocument/hover", {**doc, "position": at("age: < 25", "-10")})
v = h and h["contents"]["value"] or ""
if "**bin** `< 25 -> -10`: -10 points" != v:
    fail(f"hover on a bin: {v!r}")
h = request("textDocument/hover", {**doc, "position": at("let dti", "income")})
if "money" not in (h and h["contents"]["value"] or ""):
    fail(f"hover on a field's type: {h}")

loc = request("textDocument/definition", {**doc, "position": at("  PRIME    -> 0.80", "PRIME")})
label_line = next(i for i, l in enumerate(lines) if "PRIME    when" in l)
if not loc or loc["uri"] != uri or loc["range"]["start"] != {"line": label_line, "character": 2}:
    fail(f"definition of the label PRIME: {loc}")
loc = request("textDocument/definition", {**doc, "position": at("reject AGE", "MIN_AGE")})
if not loc or loc["range"]["start"]["line"] != next(i for i, l in enumerate(lines) if l.startswith("const MIN_AGE")):
    fail(f"definition of a const: {loc}")

refs = request("textDocument/references",
               {**doc, "position": at("  age: int", "age"), "context": {"includeDeclaration": True}})
got = sorted((r["range"]["start"]["line"], r["range"]["start"]["character"]) for r in refs)
want = sorted((i, l.index("age")) for i, l in enumerate(lines)
              if l.strip().startswith("age") or " age <" in l)
if got != want:
    fail(f"references of age: {got}, expected {want}")

syms = request("textDocument/documentSymbol", doc)
names = {(s["name"], s["kind"]) for s in syms}
for want in [("applicant", 23), ("age", 8), ("MIN_AGE", 14), ("dti", 13), ("score", 5), ("tier", 10),
             ("PRIME", 22), ("premium", 18), ("rate", 13), ("AGE", 24)]:
    if want not in names:
        fail(f"documentSymbol: no {want} in {sorted(names)}")

messy = text.replace("  reject AGE", "reject   AGE").replace("rate = 3.10 + premium", "rate   =   3.10+premium")
send({"jsonrpc": "2.0", "method": "textDocument/didChange",
      "params": {"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": messy}]}})
notification("textDocument/publishDiagnostics")
edits = request("textDocument/formatting", {**doc, "options": {"tabSize": 2, "insertSpaces": True}})
fmt = subprocess.run([CREDO, "fmt", "-"], input=messy, capture_output=True, text=True, timeout=30)
if fmt.returncode != 0 or fmt.stdout == messy:
    fail(f"credo fmt - did not reformat the messy text: {fmt.returncode}")
if len(edits) != 1 or edits[0]["newText"] != fmt.stdout:
    fail(f"formatting: {edits}")

comp = request("textDocument/completion", {**doc, "position": {"line": len(lines) - 1, "character": 0}})
labels = {c["label"]: c["kind"] for c in comp["items"]}
for want, kind in [("income", 5), ("PRIME", 20), ("min", 3), ("floor_to", 3), ("dti", 6), ("when", 14)]:
    if labels.get(want) != kind:
        fail(f"completion: {want} has kind {labels.get(want)}, expected {kind}")

# After `NAME.`: the members of what NAME is, and nothing else.
def members(line_text):
    typed = text + line_text
    send({"jsonrpc": "2.0", "method": "textDocument/didChange",
          "params": {"textDocument": {"uri": uri, "version": 5}, "contentChanges": [{"text": typed}]}})
    notification("textDocument/publishDiagnostics")
    last = typed.split("\n")[-1]
    got = request("textDocument/completion", {**doc, "position": {"line": len(typed.split("\n")) - 1,
                                                                  "character": len(last)}})
    return {c["label"]: c["kind"] for c in got["items"]}


got = members("x = score.")
if got != {"lowest": 2, "reasons": 2, "age": 5, "dti": 5}:
    fail(f"completion after 'score.': {got}")
got = members("y = score.re")
if got.get("reasons") != 2 or "income" in got:
    fail(f"completion after 'score.re': {got}")
got = members("z = admission.")
if sorted(got) != ["reasons", "referrals", "referred", "rejected", "rejections"]:
    fail(f"completion after 'admission.': {got}")
got = members("table offer(age) -> (limit: money, rate: rate) hit first {\n  - -> 1000, 3.5\n}\nv = offer.")
if got != {"limit": 5, "rate": 5}:
    fail(f"completion after 'offer.', a table of named outputs: {got}")
got = members("w = applicant.")
if sorted(got) != ["age", "app_id", "debt", "income"]:
    fail(f"completion after 'applicant.': {got}")

# Bad requests get errors, and the server goes on.
body = b"{not json"
proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
proc.stdin.flush()
m = read_message()
if m.get("error", {}).get("code") != -32700:
    fail(f"a message that is not JSON: {m}")
next_id += 1
send({"jsonrpc": "2.0", "id": next_id, "method": "textDocument/hover",
      "params": {"textDocument": {"uri": "file:///nowhere.credo"}, "position": {"line": 0, "character": 0}}})
m = read_message()
if m.get("id") != next_id or m.get("error", {}).get("code") != -32602:
    fail(f"hover in a document never opened: {m}")
if request("textDocument/hover", {**doc, "position": {"line": 99999, "character": 99999}}) is not None:
    fail("hover past the end of the text must be null")

if request("shutdown", None) is not None:
    fail("shutdown must answer null")
send({"jsonrpc": "2.0", "method": "exit"})
proc.stdin.close()
try:
    rc = proc.wait(timeout=max(1, DEADLINE - time.time()))
except subprocess.TimeoutExpired:
    proc.kill()
    fail("credo lsp did not exit")
if rc != 0:
    fail(f"exit status {rc} after shutdown and exit")
print(f"credo lsp: {next_id} requests answered right (diagnostic range, hover, definition, "
      f"{len(refs)} references, {len(syms)} symbols, formatting, {len(comp['items'])} completions), exit 0")
