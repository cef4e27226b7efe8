#!/usr/bin/env bash
# tests/e2e/test_record_cli.sh: 'proctrace record' as a command-line tool:
# signals, closed standard fds, sudo's environment, exec failures, messages.
. "$(dirname "$0")/lib.sh"

# Run as root directly: each sudo test sets the variables it needs.
unset SUDO_UID SUDO_GID SUDO_USER SUDO_COMMAND

# The C helpers this script uses, built once per run into $HB.
build_helpers ignchld rusage

# kill_orphan: end the orphan a test left (its pid is in ./orphan), if any.
kill_orphan() { [ ! -s orphan ] || kill -KILL "$(cat orphan)" 2>/dev/null || true; }

# --- stopping the recorder --------------------------------------------------

# Once CMD has exited, a signal to the recorder ends the recording as -x
# would: orphans run on (untraced), End and the exit status are CMD's.
test_signal_after_cmd_exit_ends_recording() {
	need_root
	trap kill_orphan EXIT
	local sig pid orphan
	for sig in TERM INT HUP QUIT; do
		rm -f orphan rec.jsonl
		"$PROCTRACE" record -q -o rec.jsonl -- sh -c 'sleep 300 & echo $! >o.t; mv o.t orphan; exit 3' 2>err &
		pid=$!
		wait_for orphan # whole once there: written, then renamed
		orphan=$(cat orphan)
		# CMD has been reaped by the recorder: only the orphan is left.
		wait_gone "$(root_pid)"
		kill -"$sig" "$pid"
		wait_exit "$pid"
		assert_eq "$RC" 3 "SIG$sig: record's exit status (CMD's)"
		kill -0 "$orphan" 2>/dev/null || fail "SIG$sig: the orphan was killed"
		expect '.[-1].End.exit_code == 3' "SIG$sig: End: $(tail -1 rec.jsonl)"
		expect --argjson o "$orphan" '[.[] | select(.Exit.pid == $o)] | length == 0' \
			"SIG$sig: an Exit for the orphan, which still runs"
		kill -KILL "$orphan"
	done
}

# While CMD runs, a kill(2) to the recorder is still passed on to CMD.
test_signal_while_cmd_runs_goes_to_cmd() {
	need_root
	local pid
	"$PROCTRACE" record -q -o rec.jsonl -- sh -c 'trap "exit 7" HUP; touch started; while :; do sleep 0.1; done' \
		2>err &
	pid=$!
	wait_for started
	kill -HUP "$pid"
	wait_exit "$pid"
	assert_eq "$RC" 7 "record's exit status (CMD's trap)"
	expect '.[-1].End.exit_code == 7' "End: $(tail -1 rec.jsonl)"
}

# On a terminal, Ctrl-C reaches CMD; once CMD is gone, the next Ctrl-C ends
# the recording (an orphan of a script ignores SIGINT: the prompt would
# come back without proctrace).
test_ctrl_c_after_cmd_exit_ends_recording() {
	need_root
	command -v script >/dev/null || fail "script (util-linux) is needed for this test"
	trap kill_orphan EXIT
	local spid root
	mkfifo keys
	env --default-signal=INT,QUIT script -qfec "exec $PROCTRACE record -q -o rec.jsonl -- sh -c 'sleep 300 & echo \$! >o.t; mv o.t orphan; exec sleep 300'" \
		/dev/null <keys >out 2>&1 &
	spid=$!
	exec 3>keys
	wait_for orphan # whole once there: written, then renamed
	root=$(root_pid)
	printf '\003' >&3 # the first Ctrl-C: CMD dies of it
	wait_gone "$root"
	kill -0 "$spid" 2>/dev/null || fail "the recorder stopped at CMD's exit: $(cat out)"
	printf '\003' >&3 # the second: only the orphan is left, and it ignores it
	wait_exit "$spid"
	exec 3>&-
	assert_eq "$RC" 130 "record's exit status (CMD killed by SIGINT): $(cat out)"
	kill -0 "$(cat orphan)" 2>/dev/null || fail "the orphan was killed"
	expect '.[-1].End.exit_code == 130' "End: $(tail -1 rec.jsonl)"
}

# --- closed standard fds ----------------------------------------------------

# With stderr closed, the recording must not take fd 2 and get the messages.
test_closed_stderr_keeps_messages_out_of_the_recording() {
	need_root
	not_under_valgrind "its own log file takes a closed fd before proctrace starts"
	"$PROCTRACE" record -o e2.jsonl -- true 2>&-
	jq -e -s '.[0].Recording and .[-1].End' e2.jsonl >/dev/null || fail "e2.jsonl: $(cat e2.jsonl)"
	! grep -q '^proctrace' e2.jsonl || fail "a message in the recording: $(grep '^proctrace' e2.jsonl)"
	# no -o: the file is named on stderr, which is closed
	mkdir d && (cd d && "$PROCTRACE" record -- true 2>&-)
	jq -e -s '.[0].Recording and .[-1].End' d/proctrace-*.jsonl >/dev/null ||
		fail "the default file: $(cat d/proctrace-*.jsonl)"
}

# -o - with stdout closed: the recording can go nowhere; say so, run nothing.
test_closed_stdout_with_output_to_stdout_is_an_error() {
	need_root
	not_under_valgrind "its own log file takes a closed fd before proctrace starts"
	rc=0; "$PROCTRACE" record -o - -- touch ran >&- 2>err || rc=$?
	assert_eq "$rc" 1 "record's exit status"
	grep -q 'proctrace: error: record: .*stdout is closed' err || fail "message: $(cat err)"
	[ ! -e ran ] || fail "CMD ran"
	# -o FILE does not need stdout
	"$PROCTRACE" record -q -o f.jsonl -- true >&- 2>err || fail "with -o FILE: $(cat err)"
	jq -e -s '.[-1].End' f.jsonl >/dev/null || fail "f.jsonl: $(cat f.jsonl)"
}

# A closed fd is still closed in CMD, as it would be without proctrace.
test_closed_fds_stay_closed_in_cmd() {
	need_root
	not_under_valgrind "it keeps descriptors of its own open in the child"
	sh -c 'exec ls /proc/self/fd >want' <&- 2>&-
	"$PROCTRACE" record -q -o f.jsonl -- sh -c 'exec ls /proc/self/fd >got' <&- 2>&-
	assert_eq "$(cat got)" "$(cat want)" "CMD's fds"
	"$PROCTRACE" record -q -o f2.jsonl -- sh -c 'exec ls /proc/self/fd 2>got2' >&- || true
	sh -c 'exec ls /proc/self/fd 2>want2' >&- || true
	[ -s want2 ] || fail "ls did not complain about a closed stdout"
	assert_eq "$(cat got2)" "$(cat want2)" "ls's complaint about its closed stdout"
}

# sort and render: a closed stdin is not an empty recording, a closed stdout
# not a place to write to.
test_sort_and_render_refuse_closed_stdin_and_stdout() {
	not_under_valgrind "its own log file takes a closed fd before proctrace starts"
	rec=$REPO_DIR/examples/hand-build.jsonl
	for c in sort "render -f summary"; do
		rc=0; $PROCTRACE $c "$rec" >&- 2>err || rc=$?
		assert_eq "$rc" 1 "$c, stdout closed"
		grep -q 'stdout is closed' err || fail "$c, stdout closed: $(cat err)"
		rc=0; $PROCTRACE $c <&- >out 2>err || rc=$?
		assert_eq "$rc" 1 "$c, stdin closed"
		grep -q 'stdin is closed' err || fail "$c, stdin closed: $(cat err)"
		$PROCTRACE $c -o out "$rec" <&- >&- 2>&- || fail "$c with a file in and out"
		[ -s out ] || fail "$c: no output"
	done
}

# --- sudo ------------------------------------------------------------------

# sudo_rec UID FILE: record, as sudo would run it for uid UID (sudo sets
# HOME, USER and LOGNAME to root's), a CMD that writes its id and those
# variables into FILE.
sudo_rec() {
	local d
	d=$(mktemp -d /tmp/proctrace-sudo.XXXXXX)
	chmod 1777 "$d"
	RC=0
	HOME=/root USER=root LOGNAME=root SUDO_UID=$1 SUDO_GID=$1 SUDO_USER=someone \
		"$PROCTRACE" record -q -o "$d/rec.jsonl" -- \
		sh -c 'echo "$(id -u) $HOME $USER $LOGNAME" >"$1"' sh "$d/env" 2>err || RC=$?
	cp "$d/env" "$2" 2>/dev/null || true
	rm -rf "$d"
	assert_eq "$RC" 0 "record's exit status ($(cat err))"
}

# Under sudo, CMD gets the invoking user's HOME, USER and LOGNAME (build
# caches under $HOME), not root's.
test_sudo_gives_cmd_the_invokers_home_and_name() {
	need_root
	local pw unknown=54321
	pw=$(getent passwd 65534) || fail "no user with uid 65534"
	sudo_rec 65534 env
	assert_eq "$(cat env)" "65534 $(echo "$pw" | cut -d: -f6) $(echo "$pw" | cut -d: -f1) $(echo "$pw" | cut -d: -f1)" \
		"CMD's uid HOME USER LOGNAME"
	# A uid the passwd database does not know: nothing better to set.
	while getent passwd "$unknown" >/dev/null; do unknown=$((unknown + 1)); done
	sudo_rec "$unknown" env2
	assert_eq "$(cat env2)" "$unknown /root root root" "unknown uid: CMD's uid HOME USER LOGNAME"
}

# --- what the recorder inherits ------------------------------------------------

# A parent that ignores SIGCHLD (children are then reaped by the kernel)
# must not cost CMD's exit status.
test_inherited_ignored_sigchld_keeps_cmds_status() {
	need_root
	rc=0; "$HB/ignchld" "$PROCTRACE" record -q -o rec.jsonl -- sh -c 'exit 5' 2>err || rc=$?
	assert_eq "$rc" 5 "record's exit status ($(cat err))"
	assert_eq "$(jqr rec.jsonl '.[-1].End.exit_code')" 5 "End exit_code"
}

# CMD inherits the signals ignored as it would without proctrace, SIGCHLD
# included.
test_cmd_inherits_the_ignored_signals() {
	need_root
	not_under_valgrind "it does not keep an ignored signal ignored through the execve of its client"
	"$HB/ignchld" grep SigIgn /proc/self/status >want
	"$HB/ignchld" "$PROCTRACE" record -q -o rec2.jsonl -- grep SigIgn /proc/self/status >got
	assert_eq "$(cat got)" "$(cat want)" "CMD's ignored signals"
	# and a parent that does not ignore it passes that on too
	grep SigIgn /proc/self/status >want2
	"$PROCTRACE" record -q -o rec3.jsonl -- grep SigIgn /proc/self/status >got2
	assert_eq "$(cat got2)" "$(cat want2)" "CMD's ignored signals, none inherited"
}

# --- tracing that cannot start ------------------------------------------------

# A header that cannot be written is a recording that cannot start: CMD
# does not run.
test_unwritable_header_runs_nothing() {
	need_root
	rc=0; "$PROCTRACE" record -o /dev/full -- touch ran 2>err || rc=$?
	assert_eq "$rc" 1 "record's exit status"
	grep -q 'proctrace: error: cannot write to /dev/full: No space left on device' err ||
		fail "message: $(cat err)"
	[ ! -e ran ] || fail "CMD ran"
	assert_eq "$(grep -c . err)" 1 "lines on stderr: $(cat err)"
}

# -o /dev/stdout or /dev/fd/N writes to that fd as it is: a file the shell
# opened with '>>' keeps what it held, and is not emptied as --force would.
test_output_to_an_fd_path_appends() {
	need_root
	echo kept >log
	"$PROCTRACE" record -q -o /dev/stdout -- true >>log
	"$PROCTRACE" record -q -o /dev/fd/5 -- true 5>>log
	assert_eq "$(head -1 log)" kept "the first line"
	assert_eq "$(grep -c '"Recording"' log)" 2 "headers"
	assert_eq "$(grep -c '"End"' log)" 2 "End lines"
	rc=0; "$PROCTRACE" record -q -o /dev/fd/9 -- touch ran 2>err || rc=$?
	assert_eq "$rc" 1 "exit status for a closed fd"
	grep -q 'cannot write to /dev/fd/9: not an open file descriptor' err || fail "message: $(cat err)"
	[ ! -e ran ] || fail "CMD ran"
}

# --- running CMD ---------------------------------------------------------------

# A command found in PATH is exec'd once: one attempt, one BadExec. A file
# that exists but whose #! interpreter does not is named as such.
test_path_command_that_fails_is_one_badexec() {
	need_root
	not_under_valgrind "it checks the file of an execve itself, and dies when an execve fails"
	mkdir bin
	printf '#!/nonexistent/interp -x\necho hi\n' >bin/s
	chmod +x bin/s
	rc=0; PATH=$T/bin:$PATH "$PROCTRACE" record -q --failed-execs -o rec.jsonl -- s 2>err || rc=$?
	assert_eq "$rc" 127 "record's exit status"
	assert_eq "$(jqr rec.jsonl '[.[] | .BadExec // empty | [.filename, .errno]] | tojson')" \
		"[[\"$T/bin/s\",2]]" "BadExec lines"
	assert_eq "$(cat err)" "proctrace: error: cannot run 's': its interpreter (#!/nonexistent/interp) was not found" \
		"message"
	rc=0; "$PROCTRACE" record -q -o rec2.jsonl -- ./bin/s 2>err || rc=$?
	assert_eq "$rc" 127 "record's exit status, ./bin/s"
	assert_eq "$(cat err)" "proctrace: error: cannot run './bin/s': its interpreter (#!/nonexistent/interp) was not found" \
		"message, ./bin/s"
	# DOS line ends: the kernel looks for "/bin/sh\r"
	printf '#!/bin/sh\r\necho hi\r\n' >bin/dos
	chmod +x bin/dos
	rc=0; "$PROCTRACE" record -q -o rec4.jsonl -- bin/dos 2>err || rc=$?
	assert_eq "$rc" 127 "record's exit status, bin/dos"
	assert_eq "$(cat err)" "proctrace: error: cannot run 'bin/dos': its #! line ends in a carriage return (DOS line ends), so its interpreter was looked for as '/bin/sh\\r'" \
		"message, bin/dos"
	# nothing to explain: a file that is not there
	rc=0; "$PROCTRACE" record -q -o rec3.jsonl -- ./bin/nosuch 2>err || rc=$?
	assert_eq "$rc" 127 "record's exit status, ./bin/nosuch"
	assert_eq "$(cat err)" "proctrace: error: cannot run './bin/nosuch': No such file or directory" \
		"message, ./bin/nosuch"
}

# A name that no PATH entry holds is not exec'd at all: no BadExec for each
# PATH entry proctrace itself would have tried. One that is there but not
# executable (next test) is exec'd once, for the kernel's errno.
test_command_not_in_path_is_not_execd() {
	need_root
	rc=0; PATH=/usr/bin:/bin "$PROCTRACE" record -q -o rec.jsonl -- no-such-command-x a 2>err || rc=$?
	assert_eq "$rc" 127 "record's exit status"
	assert_eq "$(cat err)" "proctrace: error: cannot run 'no-such-command-x': command not found (in PATH)" \
		"message"
	assert_eq "$(jqr rec.jsonl '[.[] | select(.BadExec or .Exec)] | length')" 0 "exec lines"
	assert_eq "$(jqr rec.jsonl '[.[] | .Exit // empty | .exit_code] | tojson')" "[127]" "Exit"
	assert_eq "$(jqr rec.jsonl '.[-1].End.exit_code')" 127 "End"
}

test_command_in_path_not_executable_is_one_badexec() {
	need_root
	not_under_valgrind "it checks the file of an execve itself, and dies when an execve fails"
	mkdir bin
	: >bin/plain
	rc=0; PATH=$T/bin:/usr/bin:/bin "$PROCTRACE" record -q --failed-execs -o rec2.jsonl -- plain 2>err || rc=$?
	assert_eq "$rc" 127 "record's exit status, not executable"
	assert_eq "$(cat err)" "proctrace: error: cannot run 'plain': Permission denied" "message, not executable"
	assert_eq "$(jqr rec2.jsonl '[.[] | .BadExec // empty | [.filename, .errno]] | tojson')" \
		"[[\"$T/bin/plain\",13]]" "BadExec lines, not executable"
}

# A script without #! found in PATH runs under /bin/sh, as execvp() runs it.
test_path_script_without_shebang_runs_under_sh() {
	need_root
	not_under_valgrind "it checks the file of an execve itself, and dies when an execve fails"
	mkdir bin
	printf 'echo from-script "$@"\n' >bin/ns
	chmod +x bin/ns
	rc=0; PATH=$T/bin:$PATH "$PROCTRACE" record -q --failed-execs -o rec.jsonl -- ns a 'b c' >out 2>err || rc=$?
	assert_eq "$rc" 0 "record's exit status ($(cat err))"
	assert_eq "$(cat out)" "from-script a b c" "the script's output"
	assert_eq "$(jqr rec.jsonl '[.[] | .BadExec // empty | [.filename, .errno]] | tojson')" \
		"[[\"$T/bin/ns\",8]]" "BadExec lines (ENOEXEC)"
	assert_eq "$(jqr rec.jsonl '[.[] | .Exec // empty][0].cmdline | tojson')" \
		"[\"/bin/sh\",\"$T/bin/ns\",\"a\",\"b c\"]" "the Exec of /bin/sh"
}

# A refused load is one line: what, why, what would help, and where the
# kernel's log is. In a user namespace (unshare -Ur) the capabilities are
# the namespace's: the capability check passes, the kernel says EPERM.
test_refused_load_is_one_line_that_says_why() {
	need_root
	command -v unshare >/dev/null || fail "unshare (util-linux) is needed for this test"
	rc=0; unshare -Ur "$PROCTRACE" record -o x.jsonl -- touch ran 2>err || rc=$?
	assert_eq "$rc" 1 "record's exit status"
	assert_eq "$(grep -c . err)" 1 "lines on stderr: $(cat err)"
	grep -q "^proctrace: error: cannot load the BPF programs: Operation not permitted: " err ||
		fail "message: $(cat err)"
	grep -q "user namespace.*CAP_BPF and CAP_PERFMON" err || fail "no word of the user namespace: $(cat err)"
	grep -q " (PROCTRACE_DEBUG=1 shows the kernel's log)$" err || fail "no hint about PROCTRACE_DEBUG: $(cat err)"
	[ ! -e ran ] || fail "CMD ran"
	[ ! -e x.jsonl ] || fail "x.jsonl was left behind"
}

# Without -o, the file is named once it holds a recording: not when tracing
# could not start and the file was removed. The name comes before CMD's
# own output.
test_default_file_is_named_once_recording_starts() {
	need_root
	command -v unshare >/dev/null || fail "unshare (util-linux) is needed for this test"
	rc=0; unshare -Ur "$PROCTRACE" record -- touch ran 2>err || rc=$?
	assert_eq "$rc" 1 "record's exit status, load refused"
	! grep -q 'recording to' err || fail "a removed file was named: $(cat err)"
	assert_eq "$(ls -A | grep -v '^err$' || true)" "" "files left"
	"$PROCTRACE" record -- sh -c 'echo from-cmd >&2' 2>err
	f=$(ls proctrace-*.jsonl)
	assert_eq "$(sed -n 1,2p err)" "$(printf 'proctrace: recording to %s\nfrom-cmd' "$f")" "stderr"
}

# --- what the recording says ----------------------------------------------------

# An Exit's CPU time is the process's own (all its threads), without the
# children it reaped, which wait4()'s rusage adds: for a parent P that
# waited for its child C, wait4(P) = P's own + C's.
test_exit_cpu_is_the_process_own_without_reaped_children() {
	need_root
	# P: sh, which forks one busy child (not the last command: no exec) and waits for it
	"$PROCTRACE" record -q -o rec.jsonl -- "$HB/rusage" \
		sh -c 'sh -c "i=0; while [ \$i -lt 20000 ]; do i=\$((i+1)); done"; true' >want
	read -r p u s <want
	us=$(((u + s) / 1000))
	c=$(jqr rec.jsonl "[.[] | .Fork // empty | select(.parent_pid == $p)][0].child_pid")
	own=$(jqr rec.jsonl "[.[] | .Exit // empty | select(.pid == $p)][0] | (.user_ns + .system_ns) / 1000 | floor")
	child=$(jqr rec.jsonl "[.[] | .Exit // empty | select(.pid == $c)][0] | (.user_ns + .system_ns) / 1000 | floor")
	[ "$child" -gt 0 ] || fail "the child used no CPU"
	# rusage truncates user and system to microseconds, for each of the two
	[ $((own + child - us)) -ge -4 ] && [ $((own + child - us)) -le 4 ] ||
		fail "P ${own}us + its child ${child}us, wait4(P) says ${us}us"
}

run_tests
