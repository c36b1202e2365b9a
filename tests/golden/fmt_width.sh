#!/bin/sh
# credo fmt lines columns up in the terminal's columns: rules whose codes
# and descriptions mix Chinese and ASCII, Chinese scorecard names, segment
# labels, grid cells and trailing comments.  The columns of the formatted
# text are measured with python3's unicodedata (East Asian Width: W and F
# take two columns, combining marks none), not compared to a stored file;
# formatting again changes nothing.
set -u
credo=${CREDO:-build/credo}
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/in.credo" <<'CREDO'
policy 宽度 "display width"
input 申请人 {
  年龄: int  # 周岁
  monthly_income: money # ASCII name
  纳税信用等级: text # A, B, M, C, D
}
admission {
  reject AGE "年龄不足十八岁1234" when 年龄 < 18
  reject INCOME_LOW "income below 3000" when monthly_income < 3000
  refer  TAX "纳税等级C" when 纳税信用等级 == "C"
  refer  X when 年龄 > 99
}
scorecard 评分 base 600 {
  年龄 as SC_AGE: < 30 -> 5 | else -> 20
  monthly_income as SC_INCOME: < 5000 -> -10 | else -> 15
  纳税信用等级 as SC_TAX: "A" -> 40 | else -> 0
}
segment 客户分层 {
  优质客户 when 评分 >= 680
  standard when 评分 >= 630
  关注 otherwise
}
table 加点(客户分层, 年龄) -> rate {
  | <= 30 | <= 45 | else
  优质客户 | 0.20 | 0.4 | 0.60
  standard | 0.80 | 1.00 | 1.3
  关注 | 1.80 | 2.10 | 2.50
}
table 系数(客户分层) -> number hit unique {
  优质客户 -> 0.30
  standard -> 0.2
  关注 -> 0.10
}
CREDO
"$credo" fmt - <"$tmp/in.credo" >"$tmp/out.credo" || fail "fmt exit $?"
"$credo" fmt - <"$tmp/out.credo" | cmp -s - "$tmp/out.credo" || fail "formatting the output again changes it"

python3 - "$tmp/out.credo" <<'PY' || { cat "$tmp/out.credo"; fail "columns do not line up by display width"; }
import sys, unicodedata
def width(s):
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
def block(head):
    i = next(k for k, l in enumerate(lines) if l.startswith(head))
    j = next(k for k in range(i, len(lines)) if lines[k] == "}")
    return lines[i + 1:j]
def one_column(what, cols):
    if len(set(cols)) != 1:
        sys.exit("%s at display columns %s" % (what, cols))
rules = block("admission")
one_column("admission: 'when'", [width(l[:l.index(" when ")]) for l in rules])
one_column("admission: descriptions", [width(l[:l.index('"')]) for l in rules if '"' in l])
one_column("admission: codes", [width(l[:l.index(l.split()[1])]) for l in rules])
card = block("scorecard")
one_column("scorecard: first bin", [width(l[:l.index(": ") + 2]) + len(l[l.index(": ") + 2:]) - len(l[l.index(": ") + 2:].lstrip()) for l in card])
seg = block("segment")
one_column("segment: when/otherwise", [width(l[:max(l.find(" when "), l.find(" otherwise"))]) for l in seg])
grid = block("table 加点")
bars = [tuple(width(l[:k]) for k, c in enumerate(l) if c == "|") for l in grid]
one_column("grid: '|'", bars)
rows = block("table 系数")
one_column("table: '->'", [width(l[:l.index(" -> ")]) for l in rows])
fields = block("input")
one_column("input: trailing comments", [width(l[:l.index("#")]) for l in fields])
# and the Chinese cells are padded by display width, not by characters:
# the widest label (优质客户, 8 columns) sets the grid's first column
if bars[0][0] != width("  优质客户 "):
    sys.exit("grid: first '|' at %d, want %d" % (bars[0][0], width("  优质客户 ")))
PY
echo "fmt_width: admission, scorecard, segment, grid, table and comment columns line up in display columns (East Asian Width) with Chinese and ASCII mixed"
