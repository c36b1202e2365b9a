#!/bin/sh
# Adds up the counts every runner left in build/**/test-results and prints
# the one summary line CI ends with.
passed=0; failed=0
for f in $(find build -path '*test-results/*.count' | sort); do
    read -r p q < "$f"
    passed=$((passed + p)); failed=$((failed + q))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
