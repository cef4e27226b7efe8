#!/usr/bin/env bash
# tests/e2e/test_record_syscalls.sh: record --syscalls against the real kernel:
# exact counts of known syscalls, one set of counts per exec image, threads
# counted to their process, 32-bit programs by the ia32 table, processes
# still alive at the end, with --all and -p too; render -f syscalls and the
# summary's section.
. "$(dirname "$0")/lib.sh"

# As root directly: under sudo, CMD would run as the invoking user.
unset SUDO_UID SUDO_GID SUDO_USER SUDO_COMMAND

build_helpers sccount thread_exec
# The 32-bit helpers are freestanding (int $0x80, no C library): cc -m32 is all they need.
for src in sccount exit0; do
	cc -m32 -static -nostdlib -ffreestanding -fno-pie -no-pie -fno-stack-protector -O1 -Wall \
		-o "$HB/ia32-$src" "$E2E_DIR/helpers/ia32/$src.c" ||
		echo "test_record_syscalls.sh: cannot build helpers/ia32/$src.c with cc -m32" >&2
done

# rec [OPTS...] -- CMD...: record into rec.jsonl; $RC is record's exit status,
# its stdout/stderr go to out/err.
rec() {
	RC=0
	timeout -k 10 "$GUARD" "$PROCTRACE" record -f -o rec.jsonl "$@" >out 2>err || RC=$?
	jq -e . rec.jsonl >/dev/null || fail "rec.jsonl is not JSON lines: $(head -c 300 rec.jsonl)"
}

# sc PID: the Syscalls events of PID, one per line, in file order.
sc() { jq -c --argjson p "$1" 'select(.Syscalls.pid == $p) | .Syscalls' rec.jsonl; }

# The counts of a program's own calls are exact: its getppid() and write()
# calls, its exit_group() (which never returns), its execve() (counted to
# the program it started, as strace -c counts it); the header says so, and
# End has syscalls_lost.
test_counts_are_exact() {
	need_root
	rec --syscalls -- "$HB/sccount" 1000 7
	assert_eq "$RC" 0 "record exit status ($(cat err))"
	local r
	r=$(root_pid)
	assert_eq "$(sc "$r" | wc -l)" 1 "Syscalls lines of the root (the recorder's work before the exec is not its): $(sc "$r")"
	assert_eq "$(sc "$r" | jq -c '.syscalls | [.getppid, .write, .exit_group, .execve]')" "[1000,7,1,1]" \
		"getppid, write, exit_group, execve: $(sc "$r")"
	expect '.[0].Recording.syscalls == true' "header: $(head -1 rec.jsonl)"
	expect '.[-1].End.syscalls_lost == 0 and .[-1].End.lost == 0' "End: $(tail -1 rec.jsonl)"
	# just before the Exit, after the Exec
	expect --argjson r "$r" '[.[] | select(.Exec.pid == $r or .Syscalls.pid == $r or .Exit.pid == $r) | keys[0]]
		== ["Exec", "Syscalls", "Exit"]' "order: $(grep -v Recording rec.jsonl | cut -c1-80)"
}

# A shell that execs a program: two exec images of one process, two sets of
# counts, two rows in render -f syscalls (bash's and sccount's), as
# syscallbypid shows bash becoming curl.
test_exec_gives_one_set_of_counts_per_image() {
	need_root
	rec --syscalls -- bash -c "$HB/sccount 0 0; exec $HB/sccount 1000 7"
	assert_eq "$RC" 0 "record exit status ($(cat err))"
	local r
	r=$(root_pid)
	assert_eq "$(sc "$r" | wc -l)" 2 "Syscalls lines of the root: $(sc "$r")"
	# bash forked sccount once, waited for it, and exec'd: its own counts
	sc "$r" | head -1 | jq -e '.syscalls | (.wait4 >= 1) and (.getppid // 0) < 1000' >/dev/null ||
		fail "bash's counts: $(sc "$r" | head -1)"
	assert_eq "$(sc "$r" | tail -1 | jq -c '.syscalls | [.getppid, .write, .exit_group, .execve]')" "[1000,7,1,1]" \
		"sccount's counts: $(sc "$r" | tail -1)"
	expect --argjson r "$r" '[.[] | select(.Exec.pid == $r or .Syscalls.pid == $r or .Exit.pid == $r) | keys[0]]
		== ["Exec", "Syscalls", "Exec", "Syscalls", "Exit"]' "order: $(grep -v Recording rec.jsonl | cut -c1-80)"
	"$PROCTRACE" render -f syscalls --pid "$r" rec.jsonl >view || fail "render -f syscalls: $(cat view)"
	head -1 view | grep -Eq '^PID +CMD +SYSCALL +COUNT$' || fail "header: $(head -1 view)"
	awk -v r="$r" '$1 == r { print $2 }' view | sort -u | tr '\n' ' ' >cmds
	assert_eq "$(cat cmds)" "bash sccount " "commands of pid $r: $(cat view)"
	awk -v r="$r" '$1 == r && $2 == "sccount" && $3 == "getppid" { print $4 }' view >n
	assert_eq "$(cat n)" 1000 "sccount's getppid row: $(cat view)"
	# by count, most first
	awk 'NR > 1 { print $4 }' view | sort -c -n -r || fail "not sorted by count: $(cat view)"
	"$PROCTRACE" render -f syscalls --top 1 rec.jsonl >top || fail "--top 1: $(cat top)"
	assert_eq "$(wc -l <top)" 2 "--top 1: a header and one row: $(cat top)"
	# the fork-only child of bash (sccount 0 0) has its image's row too
	[ "$(awk 'NR > 1 { print $1 }' view | sort -u | wc -l)" -ge 1 ] || fail "$(cat view)"
}

# Threads are not processes: every thread's calls count to its process.
test_threads_count_to_their_process() {
	need_root
	rec --syscalls -- "$HB/sccount" 1000 8 4
	assert_eq "$RC" 0 "record exit status ($(cat err))"
	local r
	r=$(root_pid)
	assert_eq "$(sc "$r" | wc -l)" 1 "one Syscalls line: $(sc "$r")"
	assert_eq "$(sc "$r" | jq -c '.syscalls | [.getppid, .write, .exit, .exit_group]')" "[1000,8,4,1]" \
		"getppid, write of the 4 threads, their exit and the process's exit_group: $(sc "$r")"
}

# A thread other than the leader execs: the leader's table, which goes with
# it, is sent before the Exec, and the new image counts from there.
test_exec_from_a_thread() {
	need_root
	rec --syscalls -- "$HB/thread_exec" "$HB/sccount" 1000 7
	assert_eq "$RC" 0 "record exit status ($(cat err))"
	local r
	r=$(root_pid)
	expect --argjson r "$r" '[.[] | select(.Exec.pid == $r or .Syscalls.pid == $r or .Exit.pid == $r) | keys[0]]
		== ["Exec", "Syscalls", "Exec", "Syscalls", "Exit"]' "order: $(grep -v Recording rec.jsonl | cut -c1-80)"
	sc "$r" | head -1 | jq -e '.syscalls | (.clone3 // .clone) >= 1' >/dev/null ||
		fail "thread_exec's counts (it made a thread): $(sc "$r" | head -1)"
	assert_eq "$(sc "$r" | tail -1 | jq -c '.syscalls | [.getppid, .write, .exit_group]')" "[1000,7,1]" \
		"sccount's counts: $(sc "$r" | tail -1)"
}

# A 32-bit program's syscalls are counted by the ia32 table, under their
# own names (its getppid is x86_64's dup2, its write x86_64's stat).
test_ia32_syscalls_have_their_own_table() {
	need_root
	[ -x "$HB/ia32-sccount" ] && [ -x "$HB/ia32-exit0" ] ||
		fail "no 32-bit helpers: cc -m32 could not build helpers/ia32/*.c (a build dependency: run tests/deps.sh)"
	kernel_execs "$HB/ia32-exit0" ||
		skip_capability ia32 "the kernel cannot execute 32-bit programs ($WHY)"
	rec --syscalls -- "$HB/ia32-sccount"
	assert_eq "$RC" 0 "record exit status ($(cat err))"
	local r
	r=$(root_pid)
	assert_eq "$(sc "$r" | jq -c '[.syscalls_ia32.getppid, .syscalls_ia32.write, .syscalls_ia32.exit]')" "[1000,3,1]" \
		"ia32 counts: $(sc "$r")"
	assert_eq "$(sc "$r" | jq -c '.syscalls')" '{"execve":1}' \
		"native counts: only the execve that started it: $(sc "$r")"
	"$PROCTRACE" render -f syscalls rec.jsonl >view || fail "render: $(cat view)"
	awk -v r="$r" '$1 == r && $3 == "ia32:getppid" { print $4 }' view >n
	assert_eq "$(cat n)" 1000 "the ia32 row: $(cat view)"
}

# A process still running when the recording stops (-x) gets its counts in
# a last Syscalls line, with no Exit.
test_process_alive_at_the_end() {
	need_root
	not_under_valgrind "valgrind 3.19 does not implement pidfd_open (syscall 434), through which a live process's counts are read"
	rec -x --syscalls -- bash -c "$HB/sccount 500 2 0 pause & echo \$! >bg.pid; while [ ! -e /proc/\$!/fd/3 ]; do sleep 0.01; done; sleep 0.2"
	local bg
	bg=$(cat bg.pid)
	kill "$bg"
	assert_eq "$RC" 0 "record exit status ($(cat err))"
	assert_eq "$(sc "$bg" | tail -1 | jq -c '.syscalls | [.getppid, .write]')" "[500,2]" \
		"the running process's counts: $(sc "$bg")"
	expect --argjson b "$bg" '[.[] | select(.Exit.pid == $b)] | length == 0' "no Exit of $bg"
}

# --all -- CMD: CMD's process has the same exact counts as when it is
# recorded alone, in a system-wide recording.
test_all_counts_a_command_exactly() {
	need_root
	rec --all --syscalls -- "$HB/sccount" 1000 7
	assert_eq "$RC" 0 "record exit status ($(cat err))"
	expect '.[0].Recording | .system_wide == true and .syscalls == true' "header: $(head -1 rec.jsonl)"
	local r
	r=$(root_pid)
	assert_eq "$(sc "$r" | wc -l)" 1 "Syscalls lines of the root: $(sc "$r")"
	assert_eq "$(sc "$r" | jq -c '.syscalls | [.getppid, .write, .exit_group, .execve]')" "[1000,7,1,1]" \
		"getppid, write, exit_group, execve: $(sc "$r")"
	expect '.[-1].End | has("syscalls_lost") and .stopped == "command"' "End: $(tail -1 rec.jsonl)"
}

# until_syscall PID NR: until PID is in syscall NR (/proc/PID/syscall).
until_syscall() {
	local i
	for i in $(seq 1 $((GUARD * 10))); do
		[ "$(cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	fail "pid $1 never came to syscall $2: $(cat "/proc/$1/syscall" 2>&1)"
}

# wait_line PATTERN: until rec.jsonl has a line matching PATTERN.
wait_line() {
	local i
	for i in $(seq 1 $((GUARD * 10))); do
		grep -q -- "$1" rec.jsonl 2>/dev/null && return 0
		sleep 0.1
	done
	fail "no line matching $1 in rec.jsonl"
}

# -p PID of a shell waiting on a fifo: the child it starts after the attach
# has exact counts; the shell, already running (a Running line), is counted
# from when it was first seen: its read of the fifo, its fork and wait, its
# exit_group, but not the execve that started it before the recording.
test_p_counts_the_attached_tree() {
	need_root
	local pid child
	mkfifo fifo
	# opened read-write, so that the open does not wait for a writer
	bash -c "exec 3<>fifo; read -r x <&3; \"$HB/sccount\" 1000 7; exit 4" &
	pid=$!
	until_syscall "$pid" 0 # read(2): waiting on the fifo
	"$PROCTRACE" record -q -f -p "$pid" --syscalls -o rec.jsonl 2>err &
	REC=$!
	wait_line "\"Running\".*\"pid\":$pid,"
	echo go >fifo
	wait_exit "$REC"
	assert_eq "$RC" 0 "record's exit status ($(cat err))"
	expect '.[0].Recording | .attached_pid == '"$pid"' and .syscalls == true' "header: $(head -1 rec.jsonl)"
	child=$(jq -r 'select(.Exec.cmdline[0] == "'"$HB/sccount"'") | .Exec.pid' rec.jsonl)
	[ -n "$child" ] || fail "no Exec of sccount: $(cat rec.jsonl)"
	assert_eq "$(sc "$child" | tail -1 | jq -c '.syscalls | [.getppid, .write, .exit_group, .execve]')" "[1000,7,1,1]" \
		"the child's counts: $(sc "$child")"
	assert_eq "$(sc "$pid" | wc -l)" 1 "Syscalls lines of the attached shell: $(sc "$pid")"
	sc "$pid" | jq -e '.syscalls | .read >= 1 and .wait4 >= 1 and .exit_group == 1 and (has("execve") | not)' \
		>/dev/null || fail "the attached shell's counts: $(sc "$pid")"
	expect --argjson p "$pid" '[.[] | select(.Running.pid == $p or .Syscalls.pid == $p or .Exit.pid == $p) | keys[0]]
		== ["Running", "Syscalls", "Exit"]' "order: $(grep -v Recording rec.jsonl | cut -c1-80)"
	assert_eq "$(jq -c 'select(.End) | [.End.exit_code, .End.stopped, .End.syscalls_lost]' rec.jsonl)" '[4,"tree",0]' "End"
}

# --all until Ctrl-C: a process started during the recording and still
# alive at its end gets its counts in a last Syscalls line, with no Exit.
test_all_process_alive_at_the_end() {
	need_root
	not_under_valgrind "valgrind 3.19 does not implement pidfd_open (syscall 434), through which a live process's counts are read"
	local bg
	"$PROCTRACE" record -q -f --all --syscalls -o rec.jsonl 2>err &
	REC=$!
	wait_line '"Running"'
	"$HB/sccount" 500 2 0 pause &
	bg=$!
	until_syscall "$bg" 34 # pause(2): its calls are made
	kill -INT "$REC"
	wait_exit "$REC"
	kill "$bg"
	assert_eq "$RC" 0 "record's exit status ($(cat err))"
	assert_eq "$(sc "$bg" | tail -1 | jq -c '.syscalls | [.getppid, .write, .execve, .exit_group]')" "[500,2,1,null]" \
		"the running process's counts: $(sc "$bg")"
	expect --argjson b "$bg" '[.[] | select(.Exit.pid == $b)] | length == 0' "no Exit of $bg"
	expect '.[-1].End.stopped == "signal"' "End: $(tail -1 rec.jsonl)"
}

# Without --syscalls, nothing is counted and no syscall is hooked for it;
# render -f syscalls says the recording has no counts (a warning: every
# view renders every recording), its table empty.
test_without_the_option() {
	need_root
	rec -- "$HB/sccount" 10 1
	assert_eq "$RC" 0 "record exit status ($(cat err))"
	expect '[.[] | select(.Syscalls)] | length == 0' "Syscalls lines without --syscalls"
	expect '.[0].Recording | has("syscalls") | not' "header: $(head -1 rec.jsonl)"
	expect '.[-1].End | has("syscalls_lost") | not' "End: $(tail -1 rec.jsonl)"
	local rc=0
	"$PROCTRACE" render -f syscalls rec.jsonl >out 2>err || rc=$?
	assert_eq "$rc" 0 "render -f syscalls exit status"
	grep -q '^proctrace: warning: rec.jsonl: no syscall counts: it was recorded without --syscalls' err ||
		fail "message: $(cat err)"
	assert_eq "$(cat out)" "PID  CMD  SYSCALL         COUNT" "output"
}

# --- views of a recording made by hand (no root needed) ---------------------

test_view_golden() {
	golden syscalls.txt -f syscalls "$REPO_DIR/tests/data/syscalls.jsonl"
	golden syscalls-top-pid.txt -f syscalls --top 3 --pid 200 "$REPO_DIR/tests/data/syscalls.jsonl"
	golden syscalls-summary.txt -f summary "$REPO_DIR/tests/data/syscalls.jsonl"
}

# The recording's lines round-trip through the reader and writer unchanged.
test_round_trip() {
	"$PROCTRACE" render "$REPO_DIR/tests/data/syscalls.jsonl" >out || fail "render failed"
	jq -c 'select(.Syscalls)' "$REPO_DIR/tests/data/syscalls.jsonl" >want
	jq -c 'select(.Syscalls)' out >got
	diff -u want got || fail "Syscalls lines changed"
}

# Bad input names file:line, exits 1.
test_bad_input() {
	local rc
	for bad in '{"Syscalls":{"seq":1,"timestamp":2,"pid":3}}|missing "syscalls"' \
		'{"Syscalls":{"seq":1,"timestamp":2,"pid":3,"syscalls":{"read":-1}}}|"syscalls"."read" is not a count' \
		'{"Syscalls":{"seq":1,"timestamp":2,"pid":3,"syscalls":[1]}}|"syscalls" is not an object of counts' \
		'{"Syscalls":{"seq":1,"timestamp":2,"pid":3,"syscalls":{"read":1,"read":2}}}|"read" given twice' \
		'{"Syscalls":{"seq":1,"timestamp":2,"pid":3,"syscalls":{},"syscalls_ia32":{"write":"x"}}}|"syscalls_ia32"."write" is not a count'; do
		printf '{"Recording":{"format":1,"syscalls":true}}\n{"Fork":{"seq":0,"timestamp":1,"parent_pid":1,"child_pid":3}}\n%s\n' "${bad%%|*}" >bad.jsonl
		rc=0
		"$PROCTRACE" render -f syscalls bad.jsonl >out 2>err || rc=$?
		assert_eq "$rc" 1 "exit status for ${bad%%|*}"
		grep -qF "bad.jsonl:3: Syscalls: ${bad##*|}" err || fail "message for ${bad%%|*}: $(cat err)"
	done
}

run_tests
