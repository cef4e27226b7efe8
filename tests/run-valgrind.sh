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
# Memcheck's own notices about bpf commands and syscalls it does not model
# (pidfd_open, 434, in valgrind 3.19) are not errors.
notices=(-e 'WARNING: unhandled eBPF command' -e 'WARNING: unhandled amd64-linux syscall: 434$'
	-e 'You may be able to write your own handler\.$' -e 'Read the file README_MISSING_SYSCALL_OR_IOCTL\.$'
	-e 'Nevertheless we consider this a bug\.  Please report$' -e 'it at http://valgrind\.org/support/bug_reports\.html\.$')
reports=$(grep -l -v "${notices[@]}" "$logs"/vg.*.log 2>/dev/null)
if [ -n "$reports" ]; then
	echo "memcheck found errors in proctrace:"
	grep -h -v "${notices[@]}" $reports | head -100
	rc=1
fi
echo "memcheck: $(ls "$logs" | wc -l) runs of proctrace, $(printf '%s' "$reports" | grep -c .) with errors"
rm -rf "$logs"
exit $rc
