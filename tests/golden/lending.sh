#!/bin/sh
# pow, equal_instalment, equal_principal_instalment and apr against the
# same formulas computed independently by Python's decimal module at 50
# digits: every payment to the cent, every APR to its 4 places, powers
# with an exact result exactly, and pow's rounding within 1e-15.
set -u
credo=${CREDO:-build/credo}
fail() { echo "FAIL: $*"; exit 1; }
command -v python3 >/dev/null || fail "python3 is needed to compute the expected values"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/lending.credo" <<'POLICY'
policy lending
input loan {
  app_id: text
  principal: money
  annual_rate: rate
  months: int
  k: int
  flows: list of money
}
level = equal_instalment(principal, annual_rate, months)
first = equal_principal_instalment(principal, annual_rate, months, 1)
kth = equal_principal_instalment(principal, annual_rate, months, k)
apr_of_flows = apr(flows)
growth = pow(1 + annual_rate / 1200, months)
POLICY

# The cases: loans of many sizes, rates and terms, and their flows: the
# principal less a fee paid out, then the level payment each month.
python3 - "$tmp" <<'PY'
import json, random, sys
from decimal import Decimal as D, getcontext, ROUND_HALF_UP
getcontext().prec = 50
random.seed(20261207)
out = open(sys.argv[1] + "/cases.jsonl", "w")
rates = ["0", "3.10", "4.35", "5.5", "6.30", "7.2", "9.99", "12.40", "18", "23.99", "36"]
for i in range(60):
    p = D(random.choice([1000, 5000, 20000, 100000, 300000, 999999]) + random.randint(0, 999)) + D(random.randint(0, 99)) / 100
    rate = random.choice(rates)
    n = random.choice([1, 3, 6, 12, 24, 36, 60, 120, 240, 360])
    r = D(rate) / 1200
    pay = (p / n if r == 0 else p * r * (1 + r) ** n / ((1 + r) ** n - 1)).quantize(D("0.01"), ROUND_HALF_UP)
    fee = (p * D(random.choice(["0", "0.005", "0.01", "0.03"]))).quantize(D("0.01"))
    flows = [-(p - fee)] + [pay] * n
    out.write('{"app_id":"c%d","principal":%s,"annual_rate":%s,"months":%d,"k":%d,"flows":[%s]}\n'
              % (i, p, rate, n, random.randint(1, n), ",".join(str(f) for f in flows)))
PY

"$credo" run "$tmp/lending.credo" "$tmp/cases.jsonl" > "$tmp/out.jsonl" 2>&1 || { head -5 "$tmp/out.jsonl"; fail "credo run"; }

python3 - "$tmp" <<'PY' || exit 1
import json, sys
from decimal import Decimal as D, getcontext, ROUND_HALF_UP
getcontext().prec = 50
d = sys.argv[1]
cases = [json.loads(l, parse_float=D) for l in open(d + "/cases.jsonl")]
outs = [json.loads(l, parse_float=D) for l in open(d + "/out.jsonl")]
cent, bp = D("0.01"), D("0.0001")
def level(p, rate, n):
    r = D(rate) / 1200
    if r == 0:
        return (D(p) / n).quantize(cent, ROUND_HALF_UP)
    g = (1 + r) ** n
    return (D(p) * r * g / (g - 1)).quantize(cent, ROUND_HALF_UP)
def principal_k(p, rate, n, k):
    r = D(rate) / 1200
    part = D(p) / n
    return (part + (D(p) - (k - 1) * part) * r).quantize(cent, ROUND_HALF_UP)
def apr(flows):
    f = lambda r: sum(D(c) / (1 + r) ** i for i, c in enumerate(flows))
    lo, hi = D("-0.5"), D(1)
    flo = f(lo)
    for _ in range(75):
        mid = (lo + hi) / 2
        fm = f(mid)
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return ((lo + hi) / 2 * 1200).quantize(bp, ROUND_HALF_UP)
bad = 0
for c, o in zip(cases, outs):
    want = {"level": level(c["principal"], c["annual_rate"], c["months"]),
            "first": principal_k(c["principal"], c["annual_rate"], c["months"], 1),
            "kth": principal_k(c["principal"], c["annual_rate"], c["months"], c["k"]),
            "apr_of_flows": apr(c["flows"])}
    for k, v in want.items():
        if D(str(o[k])) != v:
            bad += 1
            print("FAIL %s %s: credo %s, python %s" % (c["app_id"], k, o[k], v))
    # the monthly rate as credo's '/' gives it, to 16 places
    exact = (1 + (D(c["annual_rate"]) / 1200).quantize(D("1e-16"))) ** c["months"]
    if abs(D(str(o["growth"])) - exact) > D("1e-15") * exact:
        bad += 1
        print("FAIL %s growth: credo %s, python %s" % (c["app_id"], o["growth"], exact))
if len(outs) != len(cases) or bad:
    sys.exit(1)
PY

# powers whose result fits 18 places are exact; errors name the call
cat > "$tmp/pow.credo" <<'POLICY'
policy powers
input a {
  app_id: text
  x: number
  n: int
}
p = pow(x, n)
POLICY
printf '%s\n' '{"app_id":"a","x":1.05,"n":6}' '{"app_id":"b","x":2,"n":64}' '{"app_id":"c","x":-1.5,"n":3}' \
  '{"app_id":"d","x":2,"n":-2}' '{"app_id":"e","x":7,"n":0}' '{"app_id":"f","x":10,"n":38}' '{"app_id":"g","x":0,"n":-1}' \
  > "$tmp/pow.jsonl"
"$credo" run "$tmp/pow.credo" "$tmp/pow.jsonl" > "$tmp/pow.out" 2>&1
for want in '"app_id":"a",.*"p":1.340095640625}' '"app_id":"b",.*"p":18446744073709551616}' '"app_id":"c",.*"p":-3.375}' \
            '"app_id":"d",.*"p":0.25}' '"app_id":"e",.*"p":1}' '"app_id":"f",.*"decision":"ERROR"' \
            '"app_id":"g",.*"error":".*pow: zero to a negative power'; do
  grep -q "$want" "$tmp/pow.out" || { cat "$tmp/pow.out"; fail "pow: no line matching $want"; }
done
echo "lending: 60 loans' equal instalments, equal-principal instalments and APRs equal Python decimal's at 50 digits; pow exact where it fits"
