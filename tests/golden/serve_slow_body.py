"""POST a body in two halves with a pause between (run by serve_sigterm.sh).
Writes "sent" on stderr once the first half is sent; prints the
response's status ("000" when the connection closed first).
Usage: serve_slow_body.py PORT PATH BODY_FILE PAUSE_SECONDS"""
import socket, sys, time

port, path, body, pause = int(sys.argv[1]), sys.argv[2], open(sys.argv[3], "rb").read(), float(sys.argv[4])
s = socket.create_connection(("127.0.0.1", port), timeout=30)
half = len(body) // 2
s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (path.encode(), len(body)) + body[:half])
sys.stderr.write("sent\n")
sys.stderr.flush()
time.sleep(pause)
data = b""
try:
    s.sendall(body[half:])
    while b"\r\n" not in data:
        d = s.recv(4096)
        if not d:
            break
        data += d
except OSError:
    pass
print(data.split(b" ")[1].decode() if data.startswith(b"HTTP/1.1 ") else "000")
