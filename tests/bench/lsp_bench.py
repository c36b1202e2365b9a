"""credo lsp's response times, from a scripted client over pipes:
python3 lsp_bench.py CREDO POLICY...  For each policy, the time from
sending a changed text (the whole text, as editors send it under full
synchronisation) to receiving its diagnostics, and of a hover; each the
best of five rounds of N requests (LSP_BENCH_N, 200).  Reports, never
fails on a time."""
import json
import os
import subprocess
import sys
import time

credo, policies = sys.argv[1], sys.argv[2:]
N = int(os.environ.get("LSP_BENCH_N", "200"))
proc = subprocess.Popen([credo, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
buf = b""


def send(msg):
    body = json.dumps(msg).encode()
    proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    proc.stdin.flush()


def read():
    global buf
    while True:
        head, sep, rest = buf.partition(b"\r\n\r\n")
        if sep:
            n = int(head.split(b":")[1])
            if len(rest) >= n:
                buf = rest[n:]
                return json.loads(rest[:n])
        chunk = os.read(proc.stdout.fileno(), 1 << 20)
        if not chunk:
            sys.exit("credo lsp closed its output")
        buf += chunk


def best_of(rounds, fn):
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        for i in range(N):
            fn(i)
        best = min(best, (time.perf_counter() - t) / N)
    return best * 1000


send({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {}})
read()
for policy in policies:
    text = open(policy, encoding="utf-8").read()
    uri = "file://" + os.path.abspath(policy)
    send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
          "params": {"textDocument": {"uri": uri, "languageId": "credo", "text": text}}})
    read()

    def change(i):
        send({"jsonrpc": "2.0", "method": "textDocument/didChange",
              "params": {"textDocument": {"uri": uri}, "contentChanges": [{"text": text}]}})
        read()

    def hover(i):
        send({"jsonrpc": "2.0", "id": i + 1, "method": "textDocument/hover",
              "params": {"textDocument": {"uri": uri}, "position": {"line": 20, "character": 4}}})
        read()

    print(f"  {policy}: {len(text.splitlines())} lines, a change to its diagnostics "
          f"{best_of(5, change):.2f} ms, a hover {best_of(5, hover):.2f} ms")
send({"jsonrpc": "2.0", "id": -1, "method": "shutdown"})
read()
send({"jsonrpc": "2.0", "method": "exit"})
proc.wait()
