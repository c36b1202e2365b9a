"""Raw HTTP requests to credo serve (run by serve_smuggling.sh), for what
curl will not send: duplicate Content-Length, Content-Length together
with chunked encoding, control characters in the path.  Prints, per
case, its name, the status line of every response on the connection
(a smuggled second request would show as a second one), tab-separated.
Every connection ends with a request carrying "Connection: close", so
the server closes it once all is answered; libmicrohttpd 0.9.75 writes
the header of its own 400 (a Content-Length list) twice, so repeated
status lines in a row are printed once.
Usage: serve_raw.py PORT APPLICATION_JSON"""
import socket, sys

port, app = int(sys.argv[1]), sys.argv[2].encode()
n = len(app)
head = b"POST /v1/decide/sme_tax_loan HTTP/1.1\r\nHost: x\r\n"
close = b"Connection: close\r\n"
smuggled = b"GET /no-such-route HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
chunked = b"%x\r\n" % n + app + b"\r\n0\r\n\r\n"
cases = [
    ("plain", head + b"Content-Length: %d\r\n\r\n" % n + app),
    ("chunked", head + b"Transfer-Encoding: chunked\r\n\r\n" + chunked),
    ("two-equal-content-length", head + b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (n, n) + app + smuggled),
    ("two-content-length", head + b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (n, n + len(smuggled)) + app + smuggled),
    ("content-length-list", head + b"Content-Length: %d, %d\r\n\r\n" % (n, n) + app + smuggled),
    ("content-length-and-chunked", head + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked + smuggled),
    ("chunked-and-content-length", head + b"Transfer-Encoding: chunked\r\nContent-Length: %d\r\n\r\n" % len(chunked) + chunked + smuggled),
    ("two-transfer-encoding", head + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n" + chunked + smuggled),
    ("nul-in-path", b"POST /v1/decide/sme_tax_loan%%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % n + app),
    ("nul-in-path-get", b"GET /healthz%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    ("escape-in-path", b"POST /v1/decide/sme_tax_loan%%1b HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % n + app),
    ("raw-control-in-path", b"POST /v1/decide/sme_tax_loan\x01 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % n + app),
    ("del-in-path", b"POST /v1/decide/sme_tax_loan%%7f HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % n + app),
    ("escaped-name", b"POST /v1/decide/sme%%5ftax_loan HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % n + app),
]
for name, raw in cases:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(raw + smuggled if name in ("plain", "chunked") else raw)
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except OSError:
        pass
    s.close()
    statuses = []
    for l in data.split(b"\n"):       # a JSON body ends with "\n", not "\r\n"
        if l.startswith(b"HTTP/1.1 "):
            code = l.split(b" ")[1].decode()
            if not statuses or statuses[-1] != code:
                statuses.append(code)
    print(name + "\t" + " ".join(statuses))
