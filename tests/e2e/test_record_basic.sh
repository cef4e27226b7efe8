#!/usr/bin/env bash
# tests/e2e/test_record_basic.sh: quick end-to-end checks of 'proctrace record' on real commands.
. "$(dirname "$0")/lib.sh"

# rec FILE ARGS...: record quietly into FILE; the exit status is CMD's.
rec() { local f=$1; shift; "$PROCTRACE" record -q -f -o "$f" "$@"; }

test_tree_status_and_orphans() {
	need_root
	rc=0; rec r.jsonl -- sh -c 'ls / | wc -l >/dev/null; (sleep 0.2 &); exit 3' || rc=$?
	assert_eq "$rc" 3 "record's exit status"
	assert_eq "$(jqr r.jsonl '.[0].Recording.command[0]')" sh "header command"
	assert_eq "$(jqr r.jsonl '.[-1].End.exit_code')" 3 "End exit_code"
	assert_eq "$(jqr r.jsonl '.[-1].End.lost')" 0 "lost"
	# the orphaned sleep was waited for
	assert_eq "$(jqr r.jsonl '[.[] | select(.Exec.filename == "/usr/bin/sleep")] | length')" 1 "sleep Exec"
	pid=$(jqr r.jsonl '.[] | select(.Exec.filename == "/usr/bin/sleep") | .Exec.pid')
	assert_eq "$(jqr r.jsonl "[.[] | select(.Exit.pid == $pid)] | length")" 1 "sleep Exit"
	# every process exits once; seq is 0..n-1 with nothing lost
	root=$(jqr r.jsonl '.[0].Recording.root_pid')
	assert_eq "$(jqr r.jsonl "[$root] + [.[] | .Fork.child_pid // empty] | sort | tojson")" \
		"$(jqr r.jsonl '[.[] | .Exit.pid // empty] | sort | tojson')" "forks vs exits"
	assert_eq "$(jqr r.jsonl '[.[] | .[] | .seq // empty] | sort == [range(length)]')" true "seq"
	assert_eq "$(jqr r.jsonl "[.[] | select(.Exit.pid == $root)][0].Exit.exit_code")" 3 "root Exit"
}

test_argv_exact() {
	need_root
	a=$(head -c 40000 /dev/zero | tr '\0' a)
	rec r.jsonl -- /bin/echo "$a" "" "two  spaces" "é✓ ü" >/dev/null
	want=$(jq -cn --arg a "$a" '["/bin/echo", $a, "", "two  spaces", "é✓ ü"]')
	assert_eq "$(jqr r.jsonl '[.[] | .Exec // empty][0].cmdline | tojson')" "$want" "argv"
	assert_eq "$(jqr r.jsonl '[.[] | .Exec // empty][0].truncated')" null "truncated"
}

test_argv_truncated() {
	need_root
	a=$(head -c 40000 /dev/zero | tr '\0' a)
	rec r.jsonl -- /bin/echo "$a" "$a" "$a" "$a" >/dev/null
	assert_eq "$(jqr r.jsonl '[.[] | .Exec // empty][0].truncated')" true "truncated"
	assert_eq "$(jqr r.jsonl '[.[] | .Exec // empty][0].cmdline[1:4] | map(length)')" \
		"$(jq -cn '[40000,40000,40000]' | jq .)" "the first arguments are whole"
}

test_thread_exec_is_the_process() {
	need_root
	cat >thr.c <<'C'
#include <pthread.h>
#include <unistd.h>
static char *args[] = { "/bin/echo", "from-thread", 0 };
static void *run(void *a) { (void)a; execv(args[0], args); return 0; }
int main(void) { pthread_t t; pthread_create(&t, 0, run, 0); pthread_join(t, 0); return 1; }
C
	cc -pthread -o thr thr.c
	rc=0; rec r.jsonl -- ./thr >/dev/null || rc=$?
	assert_eq "$rc" 0 "status of echo"
	root=$(jqr r.jsonl '.[0].Recording.root_pid')
	assert_eq "$(jqr r.jsonl '[.[] | select(.Fork)] | length')" 0 "no Fork for the thread"
	assert_eq "$(jqr r.jsonl '[.[] | .Exec // empty | .pid] | unique | tojson')" "[$root]" "exec pids"
	assert_eq "$(jqr r.jsonl '[.[] | .Exec // empty][1].cmdline | tojson')" '["/bin/echo","from-thread"]' "argv"
	assert_eq "$(jqr r.jsonl '[.[] | select(.Exit)] | length')" 1 "one Exit"
}

# CPU time is the process's exact runtime, as wait4(2)'s rusage has it, down
# to processes shorter than a scheduler tick (which would read 0 if taken
# before the task's last context switch).
test_cpu_matches_wait4_rusage() {
	need_root
	cat >w4.c <<'C'
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void)
{
	char *cmds[][4] = { { "/bin/true", 0 }, { "/bin/ls", "/usr", 0 },
			    { "/bin/sh", "-c", "i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done", 0 } };
	for (int i = 0; i < 3; i++) {
		struct rusage ru;
		int st;
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (!pid) {
			freopen("/dev/null", "w", stdout);
			execv(cmds[i][0], cmds[i]);
			_exit(127);
		}
		wait4(pid, &st, 0, &ru);
		printf("%d %ld\n", pid, (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L +
					  ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	}
	return 0;
}
C
	cc -o w4 w4.c
	rec r.jsonl -- ./w4 >want
	[ "$(wc -l <want)" -eq 3 ] || fail "helper output: $(cat want)"
	while read -r pid us; do
		got=$(jqr r.jsonl "[.[] | .Exit // empty | select(.pid == $pid)][0] | (.user_ns + .system_ns) / 1000 | floor")
		[ "$us" -gt 0 ] || fail "wait4 says pid $pid used no CPU"
		# rusage truncates user and system to microseconds separately.
		[ $((got - us)) -ge -2 ] && [ $((got - us)) -le 2 ] ||
			fail "pid $pid: recorded ${got}us of CPU, wait4 says ${us}us"
	done <want
}

test_killed_by_signal() {
	need_root
	rc=0; rec r.jsonl -- sh -c 'kill -9 $$' || rc=$?
	assert_eq "$rc" 137 "status"
	assert_eq "$(jqr r.jsonl '[.[] | .Exit // empty][0] | [.signal, .exit_code] | tojson')" '[9,null]' "Exit"
	assert_eq "$(jqr r.jsonl '.[-1].End.exit_code')" 137 "End"
}

test_missing_command() {
	need_root
	not_under_valgrind "it checks the path of an execve itself and fails it without the syscall: no BadExec"
	rc=0; rec r.jsonl --failed-execs -- /nonexistent/cmd 2>err || rc=$?
	assert_eq "$rc" 127 "status"
	grep -q "cannot run '/nonexistent/cmd'" err || fail "no message: $(cat err)"
	assert_eq "$(jqr r.jsonl '[.[] | .BadExec // empty][0] | [.filename, .errno] | tojson')" \
		'["/nonexistent/cmd",2]' "BadExec"
	assert_eq "$(jqr r.jsonl '.[-1].End.exit_code')" 127 "End"
}

test_setsid_and_setpgid() {
	need_root
	rec r.jsonl -- setsid sh -c 'true'
	root=$(jqr r.jsonl '.[0].Recording.root_pid')
	assert_eq "$(jqr r.jsonl '[.[] | .SetSID // empty][0] | [.pid, .sid, .pgid] | tojson')" \
		"[$root,$root,$root]" "SetSID"
	assert_eq "$(jqr r.jsonl '[.[] | .Exec // empty][-1] | [.pgid] | tojson')" "[$root]" "Exec pgid"
	# bash with job control puts the job in its own group (both sides call setpgid)
	rec r2.jsonl -- bash -c 'set -m; /bin/true; exit 0'
	child=$(jqr r2.jsonl '[.[] | .Fork // empty][0].child_pid')
	assert_eq "$(jqr r2.jsonl "[.[] | .SetPGID // empty | select(.pid == $child) | .pgid] | unique | tojson")" \
		"[$child]" "SetPGID"
	assert_eq "$(jqr r2.jsonl "[.[] | .Exec // empty | select(.pid == $child)][0].pgid")" "$child" "Exec pgid"
}

test_no_wait_stops_at_cmd_exit() {
	need_root
	rec r.jsonl -x -- sh -c 'sleep 3 & exit 5' || true
	assert_eq "$(jqr r.jsonl '.[-1].End.exit_code')" 5 "End"
	assert_eq "$(jqr r.jsonl '[.[] | .Exit // empty | select(.exit_code == 0)] | length')" 0 "no sleep Exit"
}

# SIGTERM sent to the recorder is passed on to CMD.
test_forwarded_sigterm() {
	need_root
	"$PROCTRACE" record -q -o r.jsonl -- sleep 30 &
	pid=$!
	# wait for the Exec line to be written
	for _ in $(seq 100); do grep -q Exec r.jsonl 2>/dev/null && break; sleep 0.1; done
	kill -TERM "$pid"
	rc=0; wait "$pid" || rc=$?
	assert_eq "$rc" 143 "status"
	assert_eq "$(jqr r.jsonl '.[-1].End.exit_code')" 143 "End"
}

# CMD sees the same open fds with and without the recorder.
test_stdout_and_fds() {
	need_root
	not_under_valgrind "it keeps descriptors of its own open in the child"
	sh -c 'exec ls /proc/self/fd >want'
	"$PROCTRACE" record -q -o - -- sh -c 'echo marker; exec ls /proc/self/fd >got1' >out
	grep -qx marker out || fail "CMD output missing"
	assert_eq "$(cat got1)" "$(cat want)" "fds with -o -"
	grep '^{' out | jq -e -s '.[0].Recording and .[-1].End' >/dev/null || fail "bad recording on stdout"
	rec f.jsonl -- sh -c 'exec ls /proc/self/fd >got2'
	assert_eq "$(cat got2)" "$(cat want)" "fds with -o FILE"
}

test_output_files() {
	need_root
	"$PROCTRACE" record -- true 2>err1
	"$PROCTRACE" record -- true 2>err2
	n=$(ls proctrace-*.jsonl | wc -l)
	assert_eq "$n" 2 "two timestamped files"
	for f in proctrace-*.jsonl; do
		grep -q "$f" err1 err2 || fail "$f not named on stderr"
		jq -e -s '.[-1].End' "$f" >/dev/null || fail "$f incomplete"
	done
	echo keep >x.jsonl
	rc=0; "$PROCTRACE" record -o x.jsonl -- true 2>err || rc=$?
	assert_eq "$rc" 1 "existing file"
	assert_eq "$(cat x.jsonl)" keep "file untouched"
	"$PROCTRACE" record -q --force -o x.jsonl -- true
	jq -e -s '.[-1].End' x.jsonl >/dev/null || fail "not overwritten with --force"
	# --force cannot help with a directory: say what is wrong instead
	mkdir d
	rc=0; "$PROCTRACE" record -o d -- touch ran 2>err || rc=$?
	assert_eq "$rc" 1 "a directory"
	grep -q 'record: d is a directory' err || fail "message: $(cat err)"
	[ ! -e ran ] || fail "the command ran"
}

# The help's '-o -' example pipes into jq: it must work for a CMD that prints.
test_help_example_stdout_pipes_into_jq() {
	need_root
	ex=$("$PROCTRACE" record --help | grep -- ' -o - ' | sed 's/^ *sudo proctrace //')
	[ -n "$ex" ] || fail "no '-o -' example in record --help"
	printf '#!/bin/sh\necho checking for cc... yes\n' >configure
	chmod +x configure
	eval "\"\$PROCTRACE\" $ex" >got || fail "example failed: $ex"
	grep -q configure got || fail "example printed: $(cat got)"
}

test_write_error_is_not_called_recorded() {
	need_root
	rc=0; "$PROCTRACE" record -f -o /dev/full -- true 2>err || rc=$?
	assert_eq "$rc" 1 "status"
	grep -q 'cannot write to /dev/full' err || fail "no error: $(cat err)"
	! grep -q 'recorded' err || fail "a summary line after the error: $(cat err)"
}

test_output_fifo_and_device() {
	need_root
	# nothing to overwrite: a fifo or a device is written to without --force
	mkfifo ff
	cat ff >got &
	"$PROCTRACE" record -q -o ff -- true
	wait
	jq -e -s '.[-1].End' got >/dev/null || fail "fifo: $(cat got)"
	"$PROCTRACE" record -q -o >(cat >got2) -- true
	for _ in $(seq 50); do [ -s got2 ] && grep -q End got2 && break; sleep 0.1; done
	jq -e -s '.[-1].End' got2 >/dev/null || fail ">(...): $(cat got2)"
	# under sudo, a device written to is not given to the invoking user
	# (who must be able to open it: it is opened as that user)
	chmod 755 .
	mknod -m 666 dev c 1 3
	SUDO_UID=65534 SUDO_GID=65534 "$PROCTRACE" record -q -f -o dev -- true
	assert_eq "$(stat -c %u:%g:%F dev)" "0:0:character special file" "device owner"
}

test_unprivileged_error() {
	need_root
	command -v setpriv >/dev/null || fail "setpriv missing"
	chmod 777 .
	rc=0; setpriv --reuid=65534 --regid=65534 --clear-groups "$PROCTRACE" record -o u.jsonl -- touch ran \
		2>err || rc=$?
	assert_eq "$rc" 1 "status"
	grep -q CAP_BPF err || fail "message: $(cat err)"
	[ ! -e ran ] || fail "the command ran"
	[ ! -e u.jsonl ] || fail "a file was created"
}

test_sudo_runs_as_invoker() {
	need_root
	chmod 777 .
	SUDO_UID=65534 SUDO_GID=65534 "$PROCTRACE" record -q -o s.jsonl -- id -u >out
	assert_eq "$(cat out)" 65534 "CMD's uid"
	assert_eq "$(stat -c %u:%g s.jsonl)" 65534:65534 "file owner"
}

test_tiny_buffer_counts_losses() {
	need_root
	a=$(head -c 40000 /dev/zero | tr '\0' a)
	# a 40 KB Exec record cannot fit in a 4 KiB ring: it must be counted
	"$PROCTRACE" record --buffer-size 4K -o r.jsonl -- /bin/echo "$a" >/dev/null 2>err
	lost=$(jqr r.jsonl '.[-1].End.lost')
	[ "$lost" -ge 1 ] || fail "lost=$lost"
	grep -q "$lost lost" err || fail "summary: $(cat err)"
	assert_eq "$(jqr r.jsonl '[.[] | select(.Exec)] | length')" 0 "Exec"
	assert_eq "$(jqr r.jsonl '[.[] | select(.Exit)] | length')" 1 "Exit"
}

test_killed_recorder_leaves_whole_lines() {
	need_root
	"$PROCTRACE" record -q -o r.jsonl -- sh -c 'for i in 1 2 3 4 5 6 7 8; do /bin/true; done; exec sleep 30' &
	pid=$!
	# Wait until the recorder has written the exec of sleep (seconds under memcheck).
	for _ in $(seq 600); do grep -q sleep r.jsonl 2>/dev/null && break; sleep 0.1; done
	kill -KILL "$pid"
	wait "$pid" || true
	kill "$(jqr r.jsonl '.[] | select(.Exec.filename == "/usr/bin/sleep") | .Exec.pid')" || true
	jq -c . r.jsonl >/dev/null || fail "a partial line"
	assert_eq "$(tail -c 1 r.jsonl | od -An -c | tr -d ' ')" '\n' "last byte"
}

run_tests
