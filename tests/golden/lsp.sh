#!/bin/sh
# credo lsp, driven over pipes by a scripted editing session
# (tests/golden/lsp_session.py): diagnostics with their ranges as the text
# changes, hover, definition, references, symbols, formatting, completion,
# shutdown and exit.  Bounded: the session gives up after 60 seconds.
set -u
credo=${CREDO:-build/credo}
command -v python3 > /dev/null 2>&1 || { echo "skip: python3 not installed"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp tests/golden/lsp/demo.credo "$tmp/demo.credo"
timeout 90 python3 tests/golden/lsp_session.py "$credo" "$tmp/demo.credo"
