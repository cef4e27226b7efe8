#!/usr/bin/env bash
# tests/run-valgrind.sh: the end-to-end recording tests with the recorder under
# valgrind's memcheck; fails on any memcheck error or leak in proctrace itself.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${PROCTRACE:=$here/../proctrace}"
logs=$(mktemp -d /tmp/proctrace-vg.XXXXXX)
# The unprivileged test runs proctrace as nobody: it must be able to log too.
chmod 1777 "$logs"
export VALGRIND_LOG_DIR=$logs PROCTRACE_REAL=$PROCTRACE PROCTRACE=$here/valgrind-proctrace
# The few checks that valgrind itself changes skip themselves here, saying why.
export PROCTRACE_VALGRIND=1 PROCTRACE_ALLOW_SKIP=1
bash "$here/run.sh" test_record
rc=$?
# Memcheck's own notices about bpf commands it does not model are not errors.
reports=$(grep -l -v -e 'WARNING: unhandled eBPF command' "$logs"/vg.*.log 2>/dev/null)
if [ -n "$reports" ]; then
	echo "memcheck found errors in proctrace:"
	grep -h -v -e 'WARNING: unhandled eBPF command' $reports | head -100
	rc=1
fi
echo "memcheck: $(ls "$logs" | wc -l) runs of proctrace, $(printf '%s' "$reports" | grep -c .) with errors"
rm -rf "$logs"
exit $rc
