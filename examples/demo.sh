#!/bin/sh
# examples/demo.sh: a small script whose process tree shows what proctrace records:
# pipelines, a subshell, a background job, a failing command and a signal.
set -u
echo "counting words" | tr a-z A-Z | wc -w >/dev/null
(cd /tmp && ls >/dev/null; sleep 0.05)
sleep 0.1 &
for i in 1 2 3; do
	printf 'line %s\n' "$i" | grep -q "line $i"
done
false || true
sh -c 'kill -TERM $$' || true
wait
