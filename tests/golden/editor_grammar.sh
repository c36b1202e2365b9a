#!/bin/sh
# The editor files under editors/: the VS Code extension's TextMate
# grammar tokenizes every policy in policies/ with no keyword, name,
# number, text, regex, date or comment left unscoped, and gives the
# right classes (editors/vscode/test/grammar_test.js, on vscode-textmate
# and vscode-oniguruma, installed by `npm ci` in that folder as .ci/run
# does); the Vim syntax file gives the right groups on the SME policy.
set -u
fail() { echo "FAIL: $*"; exit 1; }
command -v node > /dev/null 2>&1 || { echo "skip: node not installed"; exit 0; }
dir=editors/vscode/test
if [ ! -d "$dir/node_modules/vscode-textmate" ]; then
    # .ci/run installs them; a fresh clone gets them here from the lock file
    (cd "$dir" && timeout 300 npm ci --prefer-offline --no-audit --no-fund > /dev/null 2>&1) ||
        fail "cannot install the grammar test's packages: run npm ci in $dir"
fi
out=$(cd "$dir" && timeout 120 node grammar_test.js) || { printf '%s\n' "$out"; fail "the TextMate grammar"; }
vimres=""
if command -v vim > /dev/null 2>&1; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    printf 'set nocompatible\nlet &rtp = "%s/editors/vim," . &rtp\nsyntax on\nfiletype on\n' "$(pwd)" > "$tmp/vimrc"
    # line:column group, on policies/sme_tax_loan.credo
    checks="7:1:credoItem 7:22:credoString 9:13:credoDate 36:22:credoRegex 48:3:credoOutcome 48:10:credoCode 48:67:credoControl 48:78:credoNumber"
    cmds=""
    for c in $checks; do
        l=${c%%:*}; rest=${c#*:}; col=${rest%%:*}
        cmds="$cmds|echo '$c ' . synIDattr(synID($l,$col,1),'name')"
    done
    timeout 30 vim -Nu "$tmp/vimrc" -i NONE -es -c 'edit policies/sme_tax_loan.credo' \
        -c "redir! > $tmp/out" -c "echo 'filetype ' . &filetype${cmds}" -c 'redir END' -c 'qa!' < /dev/null > /dev/null 2>&1
    grep -q '^filetype credo$' "$tmp/out" || fail "vim: ftdetect did not set the filetype: $(cat "$tmp/out")"
    for c in $checks; do
        grp=${c##*:}; at=${c%:*}
        grep -q "^$at:$grp $grp\$" "$tmp/out" || fail "vim: at $at expected $grp: $(grep "^$at" "$tmp/out")"
    done
    vimres="; Vim: filetype and $(echo "$checks" | wc -w) syntax groups right"
fi
echo "$out$vimres"
