"""Decides applications over one keep-alive connection, round and round,
until STOP_FILE exists (run by serve_reload.sh).  Prints one JSON object:
for each policy, how many answers had each "version decision rate"
(rate: the result of that name, or -), and how many requests failed.
Usage: serve_decide_loop.py PORT STOP_FILE POLICY=BODY..."""
import http.client, json, os, sys

port, stop = int(sys.argv[1]), sys.argv[2]
jobs = [a.split("=", 1) for a in sys.argv[3:]]
seen = {name: {} for name, _ in jobs}
failed = 0
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
while not os.path.exists(stop):
    for name, body in jobs:
        try:
            conn.request("POST", "/v1/decide/" + name, body, {"Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
            if r.status != 200:
                failed += 1
                continue
            d = json.loads(data)
            key = "%s %s %s" % (d.get("version"), d.get("decision"), d.get("rate", "-"))
            seen[name][key] = seen[name].get(key, 0) + 1
        except (OSError, http.client.HTTPException, ValueError):
            failed += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
print(json.dumps({"answers": seen, "failed": failed}, sort_keys=True))
