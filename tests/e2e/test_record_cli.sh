#!/usr/bin/env bash
# tests/e2e/test_record_cli.sh: 'proctrace record' as a command-line tool:
# signals, closed standard fds, sudo's environment, exec failures, messages.
. "$(dirname "$0")/lib.sh"

# Run as root directly: each sudo test sets the variables it needs.
unset SUDO_UID SUDO_GID SUDO_USER SUDO_COMMAND

# The C helpers this script uses, built once per run into $HB.
build_helpers ignchld rusage sigstate

# kill_orphan: end the orphan a test left (its pid is in ./orphan), if any.
kill_orphan() { [ ! -s orphan ] || kill -KILL "$(cat orphan)" 2>/dev/null || true; }

# running PID: PID is there and not a zombie. kill -0 also succeeds on a
# zombie, and an orphan killed after its recorder exited is one until init
# reaps it: at once on most machines, seconds later on some, at once again
# under an outer 'proctrace record' (a subreaper).
running() {
	local st
	st=$(ps -o stat= -p "$1") || return 1
	[ "${st#Z}" = "$st" ]
}

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
		running "$orphan" || fail "SIG$sig: the orphan was killed"
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
# The recorder is the session leader here (script runs it with exec): when
# it exits, the kernel hangs up the terminal's foreground process group,
# the orphan's, with SIGHUP, as it would on the exit of any session leader
# (CMD itself, without proctrace). So the orphan ignores SIGHUP, as one
# started with nohup does, and it must still be running afterwards.
test_ctrl_c_after_cmd_exit_ends_recording() {
	need_root
	command -v script >/dev/null || fail "script (util-linux) is needed for this test"
	trap kill_orphan EXIT
	local spid root
	mkfifo keys
	env --default-signal=INT,QUIT script -qfec "exec $PROCTRACE record -q -o rec.jsonl -- sh -c 'trap \"\" HUP; sleep 300 & echo \$! >o.t; mv o.t orphan; exec sleep 300'" \
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
	running "$(cat orphan)" || fail "the orphan was killed"
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

# sudo_rec UID FILE: record, as sudo would run it for uid UID (sudo's
# env_reset sets HOME, USER, LOGNAME, SHELL and MAIL to root's, PATH to its
# secure_path, and the SUDO_* variables), a CMD that writes its uid and
# those variables into FILE, one a line.
sudo_rec() {
	local d
	d=$(mktemp -d /tmp/proctrace-sudo.XXXXXX)
	chmod 1777 "$d"
	RC=0
	HOME=/root USER=root LOGNAME=root SHELL=/bin/bash MAIL=/var/mail/root \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		SUDO_UID="$1" SUDO_GID="$1" SUDO_USER=someone SUDO_COMMAND="/usr/bin/proctrace record" \
		"$PROCTRACE" record -q -o "$d/rec.jsonl" -- \
		sh -c '{ id -u; for v in HOME USER LOGNAME SHELL MAIL PATH SUDO_UID SUDO_GID SUDO_USER SUDO_COMMAND
			do eval "echo $v=\${$v-unset}"; done; } >"$1"' sh "$d/env" 2>err || RC=$?
	cp "$d/env" "$2" 2>/dev/null || true
	rm -rf "$d"
	assert_eq "$RC" 0 "record's exit status ($(cat err))"
}

# Under sudo, CMD gets the environment 'sudo -u USER CMD' would give it:
# the invoking user's HOME (build caches under $HOME), USER, LOGNAME, SHELL
# and MAIL, from the passwd database, where sudo had set root's; PATH and
# the SUDO_* variables as sudo left them.
test_sudo_gives_cmd_the_invokers_environment() {
	need_root
	local pw name home shell unknown=54321 kept
	pw=$(getent passwd 65534) || fail "no user with uid 65534"
	IFS=: read -r name _ _ _ _ home shell <<<"$pw"
	kept="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
SUDO_UID=%s
SUDO_GID=%s
SUDO_USER=someone
SUDO_COMMAND=/usr/bin/proctrace record"
	sudo_rec 65534 env
	# shellcheck disable=SC2059
	assert_eq "$(cat env)" "65534
HOME=$home
USER=$name
LOGNAME=$name
SHELL=${shell:-/bin/sh}
MAIL=/var/mail/$name
$(printf "$kept" 65534 65534)" "CMD's uid and environment"
	# A uid the passwd database does not know: nothing better to set.
	while getent passwd "$unknown" >/dev/null; do unknown=$((unknown + 1)); done
	sudo_rec "$unknown" env2
	# shellcheck disable=SC2059
	assert_eq "$(cat env2)" "$unknown
HOME=/root
USER=root
LOGNAME=root
SHELL=/bin/bash
MAIL=/var/mail/root
$(printf "$kept" "$unknown" "$unknown")" "unknown uid: CMD's uid and environment"
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

# CMD gets what the recorder itself inherited, none of the recorder's own
# changes: the signal mask and dispositions (the recorder blocks the
# signals it reads, ignores SIGPIPE, resets SIGCHLD), the resource limits
# (libbpf may raise RLIMIT_MEMLOCK) and oom_score_adj (the recorder lowers
# its own, when it may).
test_cmd_inherits_what_the_recorder_inherited() {
	need_root
	not_under_valgrind "it keeps signals and resource limits of its own for its client"
	command -v choom >/dev/null && command -v prlimit >/dev/null ||
		fail "choom and prlimit (util-linux) are needed for this test"
	# cat, not sh, which unblocks every signal as it starts
	local show=(cat /proc/self/status /proc/self/limits /proc/self/oom_score_adj)
	local parent=(choom -n 123 -- prlimit --nofile=500:1000 --memlock=65536:131072 --nproc=3000:4000
		-- "$HB/sigstate")
	local keep='^(Sig(Blk|Ign):|Max |-?[0-9]+$)'
	"${parent[@]}" "${show[@]}" | grep -E "$keep" >want
	"${parent[@]}" "$PROCTRACE" record -q -o rec.jsonl -- "${show[@]}" | grep -E "$keep" >got
	grep -q '^SigBlk:.*[1-9a-f]' want || fail "sigstate blocked nothing: $(cat want)"
	diff want got >&2 || fail "CMD's signals, limits or oom_score_adj differ from the recorder's parent's"
	# and from a parent that changed nothing
	"${show[@]}" | grep -E "$keep" >want2
	"$PROCTRACE" record -q -o rec2.jsonl -- "${show[@]}" | grep -E "$keep" >got2
	diff want2 got2 >&2 || fail "CMD's signals, limits or oom_score_adj differ from the shell's"
}

# The recorder spares itself from the OOM killer a little (the recording of
# what ran out of memory is wanted then most), where it may: that needs
# CAP_SYS_RESOURCE. CMD gets the inherited value back (above).
test_recorder_lowers_its_own_oom_score_adj() {
	need_root
	command -v choom >/dev/null || fail "choom (util-linux) is needed for this test"
	local want=-250
	# CapEff bit 24: CAP_SYS_RESOURCE
	(($(printf '%d' "0x$(awk '/^CapEff/ {print $2}' /proc/self/status)") >> 24 & 1)) || want=123
	choom -n 123 -- "$PROCTRACE" record -q -o rec.jsonl -- sh -c 'cat /proc/$PPID/oom_score_adj /proc/self/oom_score_adj' >got
	assert_eq "$(cat got)" "$(printf '%s\n123' "$want")" "the recorder's and CMD's oom_score_adj"
}

# --- tracing that cannot start ------------------------------------------------

# Stopped and continued while it starts (Ctrl-Z then fg, a debugger), the
# recorder still starts: the kernel's verifier gives up with EAGAIN when a
# signal comes in while it works, and the load is tried again.
test_stop_and_continue_during_start_up() {
	need_root
	local i pid
	for i in $(seq 1 20); do
		"$PROCTRACE" record -q -o "rec$i.jsonl" -- true 2>err &
		pid=$!
		# builtins only: the signals come while the recorder loads its programs
		until [ -e "rec$i.jsonl" ] || ! kill -0 "$pid" 2>/dev/null; do :; done
		kill -STOP "$pid" 2>/dev/null || true
		kill -CONT "$pid" 2>/dev/null || true
		wait_exit "$pid"
		assert_eq "$RC" 0 "run $i: record's exit status ($(cat err))"
	done
}

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
	assert_eq "$rc" 126 "record's exit status, not executable"
	assert_eq "$(cat err)" "proctrace: error: cannot run 'plain': Permission denied" "message, not executable"
	assert_eq "$(jqr rec2.jsonl '[.[] | .BadExec // empty | [.filename, .errno]] | tojson')" \
		"[[\"$T/bin/plain\",13]]" "BadExec lines, not executable"
	assert_eq "$(jqr rec2.jsonl '[.[] | .Exit // empty | .exit_code] + [.[-1].End.exit_code] | tojson')" \
		"[126,126]" "Exit and End"
}

# rec_cannot_run FILE MESSAGE: FILE is there but cannot be run: one
# BadExec with the kernel's errno, and 126 everywhere, as a shell says.
rec_cannot_run() {
	rc=0; "$PROCTRACE" record -q --failed-execs -o rec.jsonl -- "$1" a 2>err || rc=$?
	assert_eq "$rc" 126 "$1: record's exit status"
	assert_eq "$(cat err)" "proctrace: error: cannot run '$1': $2" "$1: message"
	assert_eq "$(jqr rec.jsonl '[.[] | select(.Exec or .BadExec) | keys[0]] | tojson')" '["BadExec"]' \
		"$1: exec lines (nothing run by /bin/sh)"
	assert_eq "$(jqr rec.jsonl '[.[] | .Exit // empty | .exit_code] + [.[-1].End.exit_code] | tojson')" \
		"[126,126]" "$1: Exit and End"
	rm rec.jsonl
}

# A binary the kernel refuses (ENOEXEC) is never fed to /bin/sh, which
# would say something like 'Syntax error: "(" unexpected': it gives 126 and
# bash's "cannot execute binary file", saying what the ELF file is for.
# Only a text file without #! runs under sh (next test).
test_refused_binary_is_126_and_not_run_by_sh() {
	need_root
	not_under_valgrind "it checks the file of an execve itself, and dies when an execve fails"
	local m
	# /bin/true for another machine: its e_machine (2 bytes at 18) changed
	m=$(od -An -tu2 -j18 -N2 /bin/true | tr -d ' ')
	cp /bin/true foreign
	if [ "$m" = 62 ]; then
		printf '\267\000' | dd of=foreign bs=1 seek=18 conv=notrunc 2>/dev/null
		rec_cannot_run ./foreign "cannot execute binary file: Exec format error (a program for arm64, not x86-64)"
	else
		printf '\076\000' | dd of=foreign bs=1 seek=18 conv=notrunc 2>/dev/null
		rec_cannot_run ./foreign "cannot execute binary file: Exec format error (a program for x86-64, not $(
			uname -m | sed 's/aarch64/arm64/'))"
	fi
	# not ELF, but binary: a NUL before the first newline
	printf 'echo \000 x\n' >blob
	chmod +x blob
	rec_cannot_run ./blob "cannot execute binary file: Exec format error"
	mkdir dir
	rec_cannot_run ./dir "Is a directory"
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
