"""Slowloris against credo serve (run by serve_slowloris.sh).

Opens CONNS connections from 10 loopback source addresses (127.0.0.2 to
127.0.0.11; the server listens on 127.0.0.1), each sending the start of a
request and then one more header line every second, never finishing it.
Meanwhile, from 127.0.0.1, asks GET /healthz every 100 ms on a new
connection.  Prints one JSON object: the /healthz latencies and failures,
how many slow connections the server closed, and how long they lived.
Usage: serve_slowloris.py PORT CONNS SECONDS"""
import json, resource, socket, sys, time

port, conns, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = conns + 100
if soft < want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))

start = time.monotonic()
slow = []          # [socket, opened_at, closed_at or None]
refused = 0
for i in range(conns):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.%d" % (2 + i % 10), 0))
        s.settimeout(2)
        s.connect(("127.0.0.1", port))
        s.setblocking(False)
        s.send(b"POST /v1/decide/x HTTP/1.1\r\nHost: x\r\n")
        slow.append([s, time.monotonic(), None])
    except OSError:
        refused += 1
        s.close()

def check_closed(now):
    for c in slow:
        if c[2] is not None:
            continue
        try:
            if c[0].recv(4096) == b"":
                c[2] = now
        except BlockingIOError:
            pass
        except OSError:
            c[2] = now

def healthz():
    t = time.monotonic()
    try:
        h = socket.create_connection(("127.0.0.1", port), timeout=2)
        h.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            d = h.recv(4096)
            if not d:
                break
            data += d
        h.close()
        if not data.startswith(b"HTTP/1.1 200") or not data.endswith(b"ok\n"):
            return None
    except OSError:
        return None
    return (time.monotonic() - t) * 1000

lat, failed, tick = [], 0, 0
next_line = time.monotonic() + 1
while time.monotonic() - start < seconds:
    ms = healthz()
    if ms is None:
        failed += 1
    else:
        lat.append(ms)
    now = time.monotonic()
    check_closed(now)
    if now >= next_line:            # one more header line on every open one
        next_line += 1
        tick += 1
        for c in slow:
            if c[2] is None:
                try:
                    c[0].send(b"X-Slow-%d: 1\r\n" % tick)
                except OSError:
                    c[2] = now
    time.sleep(0.1)
check_closed(time.monotonic())
closed = [c for c in slow if c[2] is not None]
lived = sorted(c[2] - c[1] for c in closed)
lat.sort()
print(json.dumps({
    "slow_opened": len(slow), "slow_refused_at_connect": refused,
    "slow_closed_by_server": len(closed), "slow_still_open": len(slow) - len(closed),
    "longest_lived_s": round(lived[-1], 2) if lived else None,
    "healthz_ok": len(lat), "healthz_failed": failed,
    "healthz_median_ms": round(lat[len(lat) // 2], 2) if lat else None,
    "healthz_max_ms": round(lat[-1], 2) if lat else None,
}))
