#!/usr/bin/env bash
# tests/e2e/test_record_kernel.sh: record real programs (root, eBPF) where the
# kernel side must read the kernel right: pid namespaces, the whole range of
# pids, the CPU time of threads, 32-bit programs, execs that race.
. "$(dirname "$0")/lib.sh"

# As root directly: under sudo, CMD would run as the invoking user.
unset SUDO_UID SUDO_GID SUDO_USER SUDO_COMMAND

# C helpers, built once per run into $HB.
build_helpers

# The 32-bit helpers are freestanding (int $0x80, no C library): gcc's -m32
# is all they need, no 32-bit libc (tests/deps.sh installs gcc-multilib
# where cc -m32 cannot build them). Built here only: the other scripts build
# every helpers/*.c as a 64-bit program. exit0 tells whether the kernel runs
# 32-bit programs at all.
for src in calls exit0; do
	cc -m32 -static -nostdlib -ffreestanding -fno-pie -no-pie -fno-stack-protector -O1 -Wall \
		-o "$HB/ia32-$src" "$E2E_DIR/helpers/ia32/$src.c" ||
		echo "test_record_kernel.sh: cannot build helpers/ia32/$src.c with cc -m32" >&2
done

# rec [OPTS...] -- CMD...: record into rec.jsonl; $RC is record's exit status,
# its stdout/stderr go to out/err.
rec() {
	RC=0
	timeout -k 10 "$GUARD" "$PROCTRACE" record -f -o rec.jsonl "$@" >out 2>err || RC=$?
	jq -e . rec.jsonl >/dev/null || fail "rec.jsonl is not JSON lines: $(head -c 300 rec.jsonl)"
}

# --- the recorder in a pid namespace ---------------------------------------

# Run inside a pid namespace, the recorder knows CMD and -p PID by this
# namespace's numbers, the kernel side by global ones: it recorded nothing
# and said it was done (or, -p 1, the machine's init and all of it). It
# refuses, before CMD runs; --all alone works, pids being global.
test_recorder_in_a_pid_namespace_refuses_cmd_and_p() {
	need_root
	command -v unshare >/dev/null || fail "unshare (util-linux) is needed for this test"
	local want="runs in a pid namespace other than the initial one"
	for proc in --mount-proc ""; do
		RC=0
		timeout -k 10 "$GUARD" unshare -pf $proc "$PROCTRACE" record -q -o a.jsonl -- \
			touch ran 2>err || RC=$?
		assert_eq "$RC" 1 "record -- CMD in a pid namespace ($proc): $(cat err)"
		grep -qF "$want" err || fail "no word of the pid namespace: $(cat err)"
		grep -qF "the command's tree" err || fail "no word of CMD: $(cat err)"
		[ ! -e ran ] || fail "CMD ran"
		[ ! -e a.jsonl ] || fail "a file was left: $(cat a.jsonl)"
		RC=0
		timeout -k 10 "$GUARD" unshare -pf $proc "$PROCTRACE" record -q -p 1 --duration 1s \
			-o b.jsonl 2>err || RC=$?
		assert_eq "$RC" 1 "record -p 1 in a pid namespace ($proc): $(cat err)"
		grep -qF "$want" err && grep -qF -- "-p PID's tree" err || fail "-p: $(cat err)"
		[ ! -e b.jsonl ] || fail "a file was left: $(cat b.jsonl)"
	done
	timeout -k 10 "$GUARD" unshare -pf --mount-proc "$PROCTRACE" snoop -q -- true >out 2>err &&
		fail "snoop -- CMD in a pid namespace: exit 0"
	grep -qF "snoop: $want" err || fail "snoop: $(cat err)"
	RC=0
	timeout -k 10 "$GUARD" unshare -pf --mount-proc "$PROCTRACE" record -q --all --duration 100ms \
		-o c.jsonl 2>err || RC=$?
	assert_eq "$RC" 0 "record --all in a pid namespace: $(cat err)"
	[ "$(jq -r 'select(.End) | .End.stopped' c.jsonl)" = duration ] || fail "--all: $(tail -1 c.jsonl)"
}

# --- setpgid in a pid namespace --------------------------------------------

# setpgid()'s arguments are numbers of the caller's pid namespace; the event
# has the moved process's global pid, its parent and its real new group,
# whether the parent or the child itself made the call (bash makes both).
test_setpgid_in_a_pid_namespace_has_global_pids() {
	need_root
	rec -- unshare -pf bash -c "set -m; $HB/ids & wait"
	assert_eq "$RC" 0 "record exit status ($(cat err))"
	local g b inner
	g=$(jq -r --arg f "$HB/ids" 'select(.Exec.filename == $f) | .Exec.pid' rec.jsonl)
	[ -n "$g" ] || fail "no Exec of ids: $(ev Exec)"
	b=$(jq -r --argjson g "$g" 'select(.Fork.child_pid == $g) | .Fork.parent_pid' rec.jsonl)
	[ -n "$b" ] || fail "no Fork of ids ($g): $(ev Fork)"
	inner=$(sed -n 's/^pid=\([0-9]*\) .*/\1/p' out)
	[ -n "$inner" ] && [ "$inner" != "$g" ] ||
		fail "ids did not run in a pid namespace: it says '$(cat out)', its global pid is $g"
	expect --argjson g "$g" --argjson b "$b" '[.[] | .SetPGID // empty]
		| length >= 1 and all(.[]; .pid == $g and .ppid == $b and .pgid == $g)' \
		"want SetPGID of $g (parent $b) into group $g, never namespace numbers ($inner): $(ev SetPGID)"
	expect --argjson g "$g" '[.[] | .Exec // empty | select(.pid == $g)][0].pgid == $g' \
		"Exec of ids: want pgid $g: $(ev Exec)"
}

# A move is seen by comparing the moved process's real group, by its
# global pid, with the one last seen: how old the child is among its
# parent's children, and the pid namespace the call was made in, do not
# matter. Either child may be seen first.
test_setpgid_of_an_old_child_in_the_initial_namespace() {
	need_root
	rec -- "$HB/many_children" 70
	assert_eq "$RC" 0 "record exit status ($(cat err))"
	local first last
	first=$(sed -n 's/^first=\([0-9]*\) .*/\1/p' out)
	last=$(sed -n 's/.* last=\([0-9]*\)$/\1/p' out)
	[ -n "$first" ] && [ -n "$last" ] || fail "helper output: $(cat out)"
	expect --argjson f "$first" --argjson l "$last" '.[0].Recording.root_pid as $r
		| [.[] | .SetPGID // empty] | map([.pid, .ppid, .pgid]) | sort == ([[$f, $r, $f], [$l, $r, $l]] | sort)' \
		"want SetPGID of $first and $last into their own groups: $(ev SetPGID)"
	expect '.[-1].End.lost == 0' "End: $(tail -1 rec.jsonl)"
}

test_setpgid_of_an_old_child_in_a_pid_namespace_is_recorded() {
	need_root
	rec -- unshare -pf "$HB/many_children" 70
	assert_eq "$RC" 0 "record exit status ($(cat err))"
	local h
	h=$(jq -r --arg f "$HB/many_children" 'select(.Exec.filename == $f) | .Exec.pid' rec.jsonl)
	[ -n "$h" ] || fail "no Exec of many_children: $(ev Exec)"
	expect --argjson h "$h" '[.[] | .Fork // empty | select(.parent_pid == $h) | .child_pid] as $k
		| ($k | length) == 70
		  and ([.[] | .SetPGID // empty] | map([.pid, .ppid, .pgid]) | sort
		       == ([[$k[0], $h, $k[0]], [$k[-1], $h, $k[-1]]] | sort))' \
		"want 70 children, and the SetPGIDs of the oldest and the newest, in global pids: $(ev SetPGID)"
	expect '.[-1].End.lost == 0' "End: want nothing lost: $(tail -1 rec.jsonl)"
	grep -q "warning" err && fail "record warns: $(cat err)"
	true
}

# --- the CPU time of threads --------------------------------------------------

# cpu_vs_wait4 N MODE [getrusage]: record tspin (N threads spinning, one
# calling exit()) under the rusage helper; $CPU_GOT is the Exit's "user
# system" in ns, $CPU_WANT wait4()'s (each cut to microseconds by struct timeval).
cpu_vs_wait4() {
	local pid
	rec -- "$HB/rusage" "$HB/tspin" "$1" "$2" 50 ${3:+"$3"}
	case $2 in leader) assert_eq "$RC" 3 "record exit status" ;; *) assert_eq "$RC" 4 "record exit status" ;; esac
	read -r pid CPU_WANT <out || fail "rusage printed: $(cat out)"
	CPU_GOT=$(jq -r -s --argjson p "$pid" '[.[] | .Exit // empty | select(.pid == $p)]
		| if length == 1 then "\(.[0].user_ns) \(.[0].system_ns)" else "none" end' rec.jsonl)
	[ "$CPU_GOT" != none ] || fail "want one Exit of $pid: $(ev Exit)"
}

# Threads killed by exit() may still be running when the thread that
# finds the group dead exits: the Exit must wait for them, and give the
# exact runtime of all threads that wait4() gives. Only the total is
# compared: rusage cuts user and system to microseconds each, so the two
# may be up to 1998 ns apart, and never the other way.
test_exit_cpu_of_spinning_threads_is_wait4s() {
	need_root
	local n mode i u s wu ws d
	for n in 8 3 2; do
		for mode in leader thread gone; do
			for i in 1 2 3; do
				cpu_vs_wait4 "$n" "$mode"
				read -r u s <<<"$CPU_GOT"
				read -r wu ws <<<"$CPU_WANT"
				d=$((u + s - wu - ws))
				[ "$d" -ge 0 ] && [ "$d" -le 1998 ] ||
					fail "$n threads, exit from $mode (run $i): recorded $((u + s)) ns of CPU, wait4 says $((wu + ws)) ns"
			done
		done
	done
}

# The split between user and system is wait4()'s too, microsecond for
# microsecond: the kernel splits the runtime by the ticks' ratio, but never
# below what it reported before to getrusage() or /proc/PID/stat. tspin
# asking getrusage(RUSAGE_SELF) all along makes that matter in most runs.
test_exit_cpu_split_is_wait4s() {
	need_root
	local mode how i u s wu ws
	for how in getrusage clock; do
		for mode in leader thread gone; do
			for i in 1 2 3; do
				cpu_vs_wait4 3 "$mode" "$how"
				read -r u s <<<"$CPU_GOT"
				read -r wu ws <<<"$CPU_WANT"
				[ $((u / 1000 * 1000)) = "$wu" ] && [ $((s / 1000 * 1000)) = "$ws" ] ||
					fail "exit from $mode, CPU asked of $how (run $i): recorded user $u system $s ns, wait4 says $wu $ws"
			done
		done
	done
}

# --- 32-bit programs ------------------------------------------------------------

# An ia32 program numbers its syscalls its own way (and passes arguments in
# bx, cx...): its failed execs (with --failed-execs, at the syscall's exit)
# are what they are; its olduname (109, x86_64's setpgid) moves nothing, and
# its setsid and setpgid are seen as any other process's.
test_ia32_program_syscalls_are_decoded_as_ia32() {
	need_root
	[ -x "$HB/ia32-calls" ] && [ -x "$HB/ia32-exit0" ] ||
		fail "no 32-bit helpers: cc -m32 could not build helpers/ia32/*.c (a build dependency: run tests/deps.sh)"
	# a kernel that cannot run them is no fault of the recorder
	kernel_execs "$HB/ia32-exit0" ||
		skip_capability ia32 "the kernel cannot execute 32-bit programs ($WHY)"
	rec --failed-execs -- "$HB/ia32-calls"
	assert_eq "$RC" 0 "record exit status (the helper checks each of its calls)"
	local r c
	r=$(root_pid)
	c=$(jq -r --argjson r "$r" 'select(.Fork.parent_pid == $r) | .Fork.child_pid' rec.jsonl)
	[ -n "$c" ] || fail "no Fork of the helper's child: $(ev Fork)"
	expect --argjson r "$r" '[.[] | .BadExec // empty | select(.pid == $r) | [.filename, .errno]]
		== [["/nonexistent/ia32-execve", 2], ["/nonexistent/ia32-execveat", 2]]' \
		"want the failed execve and execveat, with their file names: $(ev BadExec)"
	expect --argjson r "$r" '[.[] | .SetSID // empty] | map([.pid, .pgid, .sid]) == [[$r, $r, $r]]' \
		"want one SetSID of $r: $(ev SetSID)"
	expect --argjson r "$r" --argjson c "$c" '[.[] | .SetPGID // empty] | map([.pid, .ppid, .pgid]) == [[$c, $r, $c]]' \
		"want only the child's setpgid(0, 0) (olduname is not setpgid): $(ev SetPGID)"
}

# --- the whole range of pids -------------------------------------------------------

# The traced set has a bit for every pid a kernel can give, below
# PID_MAX_LIMIT (4194304): the processes with the last pids of the range,
# and those after the kernel wraps around to small ones, are all recorded.
test_pids_at_the_top_of_the_range_are_traced() {
	need_root
	local old
	old=$(cat /proc/sys/kernel/pid_max)
	# shellcheck disable=SC2064 # $old now: the function's locals are gone at exit
	trap "echo $old >/proc/sys/kernel/pid_max" EXIT
	echo 4194304 >/proc/sys/kernel/pid_max
	# Set by the traced shell itself just before it forks, so that the rest
	# of the machine (or a recorder slow to start, as under valgrind) cannot
	# use up the pids below the top before the children get them.
	rec -- sh -c 'echo 4194270 >/proc/sys/kernel/ns_last_pid; for i in $(seq 60); do /bin/true; done'
	echo "$old" >/proc/sys/kernel/pid_max
	assert_eq "$RC" 0 "record exit status ($(cat err))"
	expect '[.[] | .Fork // empty | .child_pid] | length == 61 and max >= 4194290 and min < 4194240' \
		"want 61 Forks, some with pids near 4194303 and some wrapped around: $(ev Fork | jq -r .child_pid | tr '\n' ' ')"
	expect '([.[] | .Fork // empty | .child_pid] | sort) as $f
		| ([.[] | .Exec // empty | .pid] | unique) as $x
		| ([.[] | .Exit // empty | .pid] | sort) as $e
		| ($f - $x) == [] and ($f - $e) == [] and ($e | length) == 62' \
		"want an Exec and an Exit for every child, and the root's Exit: $(ev Exit | jq -r .pid | tr '\n' ' ')"
	expect '.[-1].End.lost == 0' "End: $(tail -1 rec.jsonl)"
}

# --- execs that race --------------------------------------------------------------

# When threads exec at once, one wins and the kernel kills the others: their
# execs end with kernel-internal codes (ERESTARTNOINTR 513, ERESTARTNOHAND
# 514) or, killed while their argv is being copied, with E2BIG; they return
# to no one and are no BadExec. Thirty races in a row with a short argv,
# thirty with 100 KB of it (the copy the kill is likely to meet).
test_threads_exec_at_once_make_no_badexec() {
	need_root
	local big
	big=$(head -c 50000 /dev/zero | tr '\0' x)
	rec --failed-execs --buffer-size 64M -- sh -c "for i in \$(seq 30); do $HB/exec_race /bin/true || exit 1; done
		for i in \$(seq 30); do $HB/exec_race /bin/true \"\$1\" \"\$1\" || exit 1; done" sh "$big"
	assert_eq "$RC" 0 "record exit status (every race ends in /bin/true)"
	expect '[.[] | .Exec // empty | select(.filename == "/bin/true")] | length == 60' \
		"want 60 Execs of /bin/true: $(ev Exec | grep -c '"/bin/true"')"
	expect '[.[] | .BadExec // empty] | length == 0' \
		"want no BadExec (the losers of a race did not fail to exec): count and errno: $(ev BadExec | jq -r .errno | sort | uniq -c | tr -s ' \n' ' ')"
	expect '.[-1].End.lost == 0' "End: $(tail -1 rec.jsonl)"
}

run_tests
