#!/usr/bin/env bash
# tests/e2e/test_record.sh: record real commands (root, eBPF) and check the
# recordings against the format-1 schema and what the commands really did.
. "$(dirname "$0")/lib.sh"

# Run as root directly: under sudo, CMD would run as the invoking user and
# could not write into the test's root-owned directory.
unset SUDO_UID SUDO_GID SUDO_USER SUDO_COMMAND

# C helpers, built once per run into $HB.
build_helpers

# rec [OPTS...] -- CMD...: record into rec.jsonl; $RC is record's exit status,
# its stdout/stderr go to out/err.
rec() {
	RC=0
	timeout -k 10 "$GUARD" "$PROCTRACE" record -o rec.jsonl "$@" >out 2>err || RC=$?
}

# check_recording FILE: the whole file follows the format-1 schema: every
# line one object with one key, fields in the design's order with the right
# types, the Recording header first, End last, seq unique.
check_recording() {
	local f=$1 bad
	[ -s "$f" ] || fail "$f is empty"
	jq -e . "$f" >/dev/null || fail "$f: not JSON lines"
	bad=$(jq -c '
		def int: type == "number" and . == floor;
		def ints($ks): . as $o | all($ks[]; $o[.] | int);
		def strs: type == "array" and all(.[]; type == "string");
		def base: ["seq", "timestamp", "pid", "ppid", "pgid"];
		def ok:
		  if type != "object" or length != 1 then false
		  elif has("Recording") then .Recording
		    | (keys_unsorted - ["sample_interval_ns"]) == ["format", "tool", "root_pid", "command", "start_time",
		                        "host", "kernel", "failed_execs"]
		      and (.failed_execs | type == "boolean") and .format == 1 and (.tool | test("^proctrace [0-9]+\\.[0-9]+\\.[0-9]+$"))
		      and (.root_pid | int) and (.command | strs) and (.host | type == "string")
		      and (.kernel | type == "string")
		      and (.start_time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{9}Z$"))
		  elif has("End") then .End
		    | keys_unsorted == ["timestamp", "lost", "exit_code"] and ints(keys_unsorted)
		  elif has("Fork") then .Fork
		    | keys_unsorted == ["seq", "timestamp", "parent_pid", "child_pid", "parent_pgid"]
		      and ints(keys_unsorted)
		  elif has("Sample") then .Sample | ints(keys_unsorted)
		  elif has("Exec") then .Exec | del(.cwd, .cwd_truncated, .cwd_unknown)
		    | (keys_unsorted == base + ["filename", "cmdline"]
		       or (keys_unsorted == base + ["filename", "cmdline", "truncated"] and .truncated == true))
		      and ints(base) and (.filename | type == "string") and (.cmdline | strs)
		  elif has("BadExec") then .BadExec
		    | (keys_unsorted == ["seq", "timestamp", "pid", "filename", "errno"]
		       or (keys_unsorted == ["seq", "timestamp", "pid", "filename", "errno", "truncated"]
		           and .truncated == true))
		      and ints(["seq", "timestamp", "pid", "errno"]) and (.filename | type == "string")
		      and .errno > 0
		  elif has("Exit") then .Exit
		    | (keys_unsorted == base + ["exit_code", "user_ns", "system_ns", "max_rss_kb"]
		       or keys_unsorted == base + ["signal", "user_ns", "system_ns", "max_rss_kb"]
		       or (keys_unsorted == base + ["signal", "core_dumped", "user_ns", "system_ns", "max_rss_kb"]
		           and .core_dumped == true))
		      and ints(keys_unsorted - ["core_dumped"])
		  elif has("SetSID") then .SetSID | keys_unsorted == base + ["sid"] and ints(keys_unsorted)
		  elif has("SetPGID") then .SetPGID | keys_unsorted == base and ints(keys_unsorted)
		  else false end;
		select(ok | not)' "$f" | head -5)
	[ -z "$bad" ] || fail "$f: lines off the schema: $bad"
	jq -e -s '(.[0] | has("Recording")) and (.[-1] | has("End"))
		and ([.[] | select(has("Recording") or has("End"))] | length == 2)' "$f" >/dev/null ||
		fail "$f: want the Recording header first and End last, once each"
	jq -e -s '[.[] | .[] | .seq? // empty] | length == (unique | length)' "$f" >/dev/null ||
		fail "$f: seq values repeat"
	jq -e -s '.[-1].End.lost == 0' "$f" >/dev/null || fail "$f: events lost: $(tail -1 "$f")"
}

# More shorthands over rec.jsonl (ev, expect and root_pid are in lib.sh).
count() { jq -s "[.[] | $1] | length" rec.jsonl; }

# --- the header, the end, the schema --------------------------------------

test_header_describes_the_run() {
	need_root
	local before after
	before=$(date -u +%s)
	rec -- /bin/echo "hello world"
	after=$(date -u +%s)
	assert_eq "$RC" 0 "record exit status"
	check_recording rec.jsonl
	jq -e -s --arg host "$(uname -n)" --arg kernel "$(uname -r)" '.[0].Recording
		| .command == ["/bin/echo", "hello world"] and .host == $host and .kernel == $kernel
		  and .tool == "proctrace 0.1.0"' rec.jsonl >/dev/null ||
		fail "header: $(head -1 rec.jsonl)"
	jq -e -s --argjson a "$before" --argjson b "$after" '.[0].Recording.start_time
		| sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601 | . >= $a and . <= $b' rec.jsonl >/dev/null ||
		fail "start_time is not the time of the run ($before..$after): $(head -1 rec.jsonl)"
}

test_root_exec_is_recorded_with_its_argv() {
	need_root
	rec -- /bin/echo "hello world"
	check_recording rec.jsonl
	expect --argjson r "$(root_pid)" '[.[] | .Exec // empty | select(.pid == $r)]
		| length == 1 and .[0].cmdline == ["/bin/echo", "hello world"]
		  and .[0].filename == "/bin/echo"' \
		"want exactly one Exec of the root with its argv"
	# CMD's own output is untouched.
	assert_eq "$(cat out)" "hello world" "CMD stdout"
}

test_end_has_exit_code_and_no_loss() {
	need_root
	rec -- /bin/true
	check_recording rec.jsonl
	expect '.[-1].End | .exit_code == 0 and .lost == 0' "End: $(tail -1 rec.jsonl)"
}

test_timestamps_within_recording() {
	need_root
	rec -- sh -c '/bin/true; /bin/true | /bin/cat'
	check_recording rec.jsonl
	expect '.[-1].End.timestamp as $last
		| all(.[1:-1][] | .[]; .timestamp >= 0 and .timestamp <= $last)' \
		"an event's timestamp lies outside [0, End.timestamp]"
}

# A child's Fork, Exec and Exit are causally ordered: seq and time must agree.
test_seq_and_time_follow_causality() {
	need_root
	rec -- sh -c '/bin/true; /bin/echo x | /bin/cat >/dev/null; (/bin/true)'
	check_recording rec.jsonl
	expect '[.[] | .Fork // empty] | length >= 3' "want at least 3 Forks"
	expect '. as $all | all(.[] | .Fork // empty; .child_pid as $c | .seq as $s | .timestamp as $t
		| [$all[] | (.Exec // .Exit // empty) | select(.pid == $c)]
		| length >= 1 and all(.[]; .seq > $s and .timestamp >= $t))' \
		"a child's Exec/Exit has a seq or timestamp before its Fork"
	expect '. as $all | all(.[] | .Exec // empty; .pid as $p | .seq as $s | .timestamp as $t
		| [$all[] | .Exit // empty | select(.pid == $p)] | all(.[]; .seq > $s and .timestamp >= $t))' \
		"an Exit has a seq or timestamp before its process's Exec"
}

# --- Exec: the exact argv --------------------------------------------------

test_exec_argv_exact_spaces_empty_utf8() {
	need_root
	local args=("a b" "" " " "tab	x" 'q"uote\back' "héllo ✓ 😀" "new
line" "")
	rec -- /bin/true "${args[@]}"
	check_recording rec.jsonl
	jq -e -s --args '[.[] | .Exec // empty] | .[0] | .cmdline == ["/bin/true"] + $ARGS.positional
		and (has("truncated") | not)' "${args[@]}" <rec.jsonl >/dev/null ||
		fail "argv differs: $(jq -c 'select(.Exec)' rec.jsonl)"
}

test_exec_argv_40k_exact() {
	need_root
	local big small
	big=$(head -c 30000 /dev/zero | tr '\0' 'x')
	small=$(seq 1 2000 | tr '\n' ' ')
	rec -- /bin/true "$big" "$small" end
	check_recording rec.jsonl
	jq -e -s --args '[.[] | .Exec // empty] | .[0] | .cmdline == ["/bin/true"] + $ARGS.positional
		and (has("truncated") | not)' "$big" "$small" end <rec.jsonl >/dev/null ||
		fail "a 40 KiB argv is not recorded exactly"
}

# argv beyond what the recorder keeps: marked truncated, and what is kept is exact.
test_exec_argv_over_limit_is_truncated_prefix() {
	need_root
	local a
	a=$(head -c 100000 /dev/zero | tr '\0' 'a')
	rec -- /bin/true "$a" "$a" "$a"
	check_recording rec.jsonl
	jq -e -s --args '[.[] | .Exec // empty] | .[0] as $e | (["/bin/true"] + $ARGS.positional) as $w
		| $e.truncated == true and ($e.cmdline | length) >= 1 and ($e.cmdline | length) <= 4
		  and all(range(0; ($e.cmdline | length) - 1); $e.cmdline[.] == $w[.])
		  and ($e.cmdline[-1] as $l | $w[($e.cmdline | length) - 1] | startswith($l))' \
		"$a" "$a" "$a" <rec.jsonl >/dev/null ||
		fail "over-long argv: want truncated:true and an exact prefix"
}

test_exec_invalid_utf8_argv_replaced() {
	need_root
	rec -- /bin/true $'\xff\xfe' $'ok\xc3' $'\xed\xa0\x80' "é"
	check_recording rec.jsonl
	expect '[.[] | .Exec // empty] | .[0].cmdline == ["/bin/true", "\ufffd\ufffd", "ok\ufffd", "\ufffd\ufffd\ufffd", "é"]' \
		"each invalid byte should be U+FFFD: $(ev Exec)"
}

# A path near PATH_MAX is recorded whole.
test_exec_long_filename_exact() {
	need_root
	local long=$T comp i
	comp=$(printf 'd%.0s' $(seq 1 200))
	for i in $(seq 1 18); do long="$long/$comp"; done
	mkdir -p "$long"
	cp /bin/true "$long/true"
	rec -- "$long/true"
	check_recording rec.jsonl
	assert_eq "$RC" 0 "record exit status"
	jq -e -s --arg f "$long/true" '[.[] | .Exec // empty] | .[0] | .filename == $f and .cmdline == [$f]' \
		rec.jsonl >/dev/null || fail "a ${#long}-byte path is not recorded whole: $(ev Exec | cut -c1-300)"
}

test_execveat_and_fexecve_are_execs() {
	need_root
	rec -- sh -c "$HB/execat at /bin/echo echo via-execveat; $HB/execat fd /bin/echo echo via-fexecve"
	check_recording rec.jsonl
	assert_eq "$RC" 0 "record exit status"
	expect '[.[] | .Exec // empty | select(.cmdline == ["echo", "via-execveat"])] | length == 1' \
		"no Exec for execveat(dirfd, \"echo\")"
	expect '[.[] | .Exec // empty | select(.cmdline == ["echo", "via-fexecve"])] | length == 1' \
		"no Exec for fexecve"
}

# --- BadExec ---------------------------------------------------------------

test_badexec_from_path_search() {
	need_root
	rec --failed-execs -- env proctrace-no-such-command-xyz
	check_recording rec.jsonl
	assert_eq "$RC" 127 "record exit status (env's 127)"
	expect '.[0].Recording.failed_execs == true' "header: $(head -1 rec.jsonl)"
	expect --argjson r "$(root_pid)" '[.[] | .BadExec // empty
		| select(.pid == $r and .errno == 2 and (.filename | endswith("/proctrace-no-such-command-xyz")))]
		| length >= 1' "want a BadExec errno 2 for each PATH entry env tried: $(ev BadExec)"
}

# Failed execs need the syscall exit hook, which slows every syscall on the
# machine: without --failed-execs there are none, and the header says so.
test_badexec_only_with_failed_execs() {
	need_root
	rec -- env proctrace-no-such-command-xyz
	check_recording rec.jsonl
	assert_eq "$RC" 127 "record exit status (env's 127)"
	expect '.[0].Recording.failed_execs == false' "header: $(head -1 rec.jsonl)"
	expect '[.[] | .BadExec // empty] | length == 0' "BadExec without --failed-execs: $(ev BadExec)"
}

# The kernel refuses a path of PATH_MAX (4096) bytes or more with
# ENAMETOOLONG, but what was asked for can be any length: kept up to 4095
# bytes, and flagged when cut. One of 4095 bytes is kept whole, unflagged.
test_badexec_long_filename_is_cut_and_flagged() {
	need_root
	local long exact comp i
	long=$(head -c 5000 /dev/zero | tr '\0' x)
	comp=/$(head -c 254 /dev/zero | tr '\0' d)
	exact=/proctrace-nonexistent
	for i in $(seq 1 15); do exact=$exact$comp; done
	exact=$exact/$(head -c $((4095 - ${#exact} - 1)) /dev/zero | tr '\0' e)
	assert_eq "${#exact}" 4095 "test path length"
	rec --failed-execs -- sh -c 'env "$1"; env "$2"; true' sh "/$long" "$exact"
	check_recording rec.jsonl
	assert_eq "$RC" 0 "record exit status"
	expect --arg f "/$long" --arg e "$exact" '[.[] | .BadExec // empty] | length == 2
		and (.[0] | .errno == 36 and .truncated == true and .filename == $f[:4095])
		and (.[1] | .errno == 2 and has("truncated") == false and .filename == $e)' \
		"want the 5001-byte path cut to 4095 bytes and flagged, the 4095-byte one whole: $(ev BadExec | cut -c1-200)"
}

# Without --failed-execs no syscall hook is loaded at all (every syscall on
# the machine would pay for it); with it, sys_exit is attached. CMD notes
# what its parent (the recorder) holds, as fdinfo lists it.
test_syscall_hook_only_with_failed_execs() {
	need_root
	local opt
	for opt in "" --failed-execs; do
		rm -f rec.jsonl
		rec ${opt:+"$opt"} -- sh -c 'cat /proc/$PPID/fdinfo/* >fdinfo.txt 2>/dev/null; true'
		assert_eq "$RC" 0 "record $opt exit status ($(cat err))"
		sed -n 's/^tp_name:[[:space:]]*//p' fdinfo.txt | sort >tps.txt
		sed -n 's/^prog_id:[[:space:]]*//p' fdinfo.txt | sort -u >progs.txt
		if [ -z "$opt" ]; then
			assert_eq "$(tr '\n' ' ' <tps.txt)" "sched_process_exec sched_process_exit sched_process_fork sched_switch " \
				"tracepoints attached by default"
			assert_eq "$(wc -l <progs.txt)" 4 "programs loaded by default"
		else
			assert_eq "$(tr '\n' ' ' <tps.txt)" "sched_process_exec sched_process_exit sched_process_fork sched_switch sys_exit " \
				"tracepoints attached with --failed-execs"
			assert_eq "$(wc -l <progs.txt)" 5 "programs loaded with --failed-execs"
		fi
	done
}

# --- Exit: status and cost -------------------------------------------------

test_exit_code_nonzero() {
	need_root
	rec -- sh -c 'exit 7'
	check_recording rec.jsonl
	assert_eq "$RC" 7 "record exit status"
	expect --argjson r "$(root_pid)" '[.[] | .Exit // empty | select(.pid == $r)]
		| length == 1 and .[0].exit_code == 7' "root Exit: $(ev Exit)"
	expect '.[-1].End.exit_code == 7' "End: $(tail -1 rec.jsonl)"
}

test_exit_killed_by_signal() {
	need_root
	rec -- sh -c 'kill -KILL $$'
	check_recording rec.jsonl
	assert_eq "$RC" 137 "record exit status"
	expect --argjson r "$(root_pid)" '[.[] | .Exit // empty | select(.pid == $r)]
		| length == 1 and .[0].signal == 9 and (.[0] | has("exit_code") | not)
		  and (.[0] | has("core_dumped") | not)' "root Exit: $(ev Exit)"
}

# The helper reports what its own waitpid saw: the recording must agree.
test_exit_core_dumped_as_wait_status_says() {
	need_root
	rec -- "$HB/core"
	check_recording rec.jsonl
	assert_eq "$RC" 0 "record exit status"
	local core
	core=$(sed -n 's/^core=\([01]\) signal=3$/\1/p' out)
	[ -n "$core" ] || fail "helper output: $(cat out)"
	expect --argjson r "$(root_pid)" --argjson c "$core" '[.[] | .Exit // empty | select(.pid != $r)]
		| length == 1 and .[0].signal == 3 and (.[0] | has("exit_code") | not)
		  and (.[0].core_dumped // false) == ($c == 1)' \
		"child Exit (waitpid saw core=$core): $(ev Exit)"
}

test_exit_max_rss_of_50mb() {
	need_root
	rec -- "$HB/memhog" 50
	check_recording rec.jsonl
	expect --argjson r "$(root_pid)" '[.[] | .Exit // empty | select(.pid == $r)]
		| length == 1 and .[0].max_rss_kb >= 50000 and .[0].max_rss_kb < 10000000' \
		"Exit of a 50 MB process: $(ev Exit)"
}

test_exit_user_cpu_of_a_busy_loop() {
	need_root
	rec -- "$HB/burn" 300
	check_recording rec.jsonl
	# The helper stops once getrusage says 300 ms of user CPU: the kernel's
	# own figure for the same process cannot be far below.
	expect --argjson r "$(root_pid)" '[.[] | .Exit // empty | select(.pid == $r)]
		| length == 1 and .[0].user_ns >= 200000000 and .[0].user_ns < 1000000000000' \
		"Exit of a 300 ms CPU loop: $(ev Exit)"
}

# Threads that ended before the process still count in its CPU time.
test_exit_cpu_includes_dead_threads() {
	need_root
	rec -- "$HB/tburn" 200
	check_recording rec.jsonl
	assert_eq "$RC" 0 "record exit status"
	# Two threads of at least 200 ms each: more than any one thread alone.
	expect --argjson r "$(root_pid)" '[.[] | .Exit // empty | select(.pid == $r)]
		| length == 1 and .[0].user_ns >= 300000000' \
		"Exit of two 200 ms threads ($(cat out)): $(ev Exit)"
}

# --- threads are not processes ----------------------------------------------

test_threads_make_no_events() {
	need_root
	rec -- "$HB/threads"
	check_recording rec.jsonl
	assert_eq "$RC" 0 "record exit status (the helper checks its child's status)"
	local r
	r=$(root_pid)
	expect --argjson r "$r" '[.[] | .Fork // empty] | length == 1 and .[0].parent_pid == $r' \
		"want exactly one Fork (the child process), none for threads: $(ev Fork)"
	expect --argjson r "$r" '[.[] | .Fork // empty | .child_pid] as $k
		| [.[] | .Exit // empty] | length == 2 and (map(.pid) | sort) == ([$r] + $k | sort)
		  and all(.[]; if .pid == $r then .exit_code == 0 else .exit_code == 3 end)' \
		"want exactly two Exits (root 0, child 3): $(ev Exit)"
}

# The leader thread ends first: the process ends later, with another thread's exit(6).
test_exit_when_leader_thread_exits_first() {
	need_root
	rec -- "$HB/leader_exit"
	check_recording rec.jsonl
	assert_eq "$RC" 6 "record exit status"
	expect --argjson r "$(root_pid)" '[.[] | .Exit // empty] | length == 1 and .[0].pid == $r and .[0].exit_code == 6' \
		"want one Exit, the process's, with code 6: $(ev Exit)"
}

test_posix_spawn_and_clone_vm_children_are_processes() {
	need_root
	rec -- "$HB/spawn"
	check_recording rec.jsonl
	assert_eq "$RC" 0 "record exit status"
	local sp cl
	sp=$(sed -n 's/^spawn=\([0-9]*\) clone=.*/\1/p' out)
	cl=$(sed -n 's/^spawn=.* clone=\([0-9]*\)$/\1/p' out)
	[ -n "$sp" ] && [ -n "$cl" ] || fail "helper output: $(cat out)"
	expect --argjson r "$(root_pid)" --argjson s "$sp" --argjson c "$cl" '
		([.[] | .Fork // empty | select(.parent_pid == $r) | .child_pid] | sort) == ([$s, $c] | sort)
		and ([.[] | .Exec // empty | select(.pid == $s and .ppid == $r and .cmdline == ["echo", "spawned"])] | length == 1)
		and ([.[] | .Exit // empty | select(.pid == $c and .exit_code == 5)] | length == 1)' \
		"posix_spawn child $sp / clone(CLONE_VM) child $cl: $(jq -c 'select(.Fork or .Exit)' rec.jsonl)"
}

test_exec_from_a_thread_is_the_process() {
	need_root
	rec -- "$HB/thread_exec" /bin/echo from-thread
	check_recording rec.jsonl
	assert_eq "$RC" 0 "record exit status"
	expect --argjson r "$(root_pid)" '[.[] | .Exec // empty | select(.cmdline == ["/bin/echo", "from-thread"])]
		| length == 1 and .[0].pid == $r' \
		"the non-leader thread's exec must be under the process pid: $(ev Exec)"
	expect --argjson r "$(root_pid)" '[.[] | .Exit // empty] | length == 1 and .[0].pid == $r' \
		"want one Exit, of the process: $(ev Exit)"
	expect '[.[] | .Fork // empty] | length == 0' "a thread made a Fork: $(ev Fork)"
}

# --- the whole tree ----------------------------------------------------------

# strace -f is the oracle: processes created and execs that succeeded.
test_pipes_and_subshells_match_strace() {
	need_root
	command -v strace >/dev/null || fail "strace is needed for this test"
	local cmd='echo a | tr a b | cat; (true; false)'
	strace -f -qq -e trace=process -e signal=none -o st.txt sh -c "$cmd" >/dev/null || true
	local procs execs
	procs=$(awk '{print $1}' st.txt | sort -u | wc -l)
	execs=$(grep -E 'execve\(|<\.\.\. execve resumed>' st.txt | grep -cE '\) += 0$')
	rec -- sh -c "$cmd"
	check_recording rec.jsonl
	assert_eq "$(cat out)" b "CMD stdout"
	assert_eq "$RC" 1 "record exit status"
	assert_eq "$(count '.Fork // empty')" "$((procs - 1))" "Forks (strace saw $procs processes)"
	assert_eq "$(count '.Exec // empty')" "$execs" "Execs (strace saw $execs)"
	assert_eq "$(count '.Exit // empty')" "$procs" "Exits"
	expect --argjson r "$(root_pid)" '([$r] + [.[] | .Fork // empty | .child_pid]) as $known
		| all(.[] | .Fork // empty; .parent_pid as $p | $known | index([$p]))' \
		"a Fork's parent is neither the root nor a forked child"
	expect --argjson r "$(root_pid)" '[.[] | .Exec // empty | select(.cmdline == ["tr", "a", "b"] or .cmdline == ["cat"])]
		| length == 2 and all(.[]; .ppid == $r)' "tr and cat: want ppid = root: $(ev Exec)"
}

test_orphan_is_waited_for() {
	need_root
	rec -- sh -c '(sleep 0.3; echo done >marker) &'
	check_recording rec.jsonl
	assert_eq "$RC" 0 "record exit status"
	[ -f marker ] || fail "record returned before the orphan finished"
	# Every process forked in the tree has its Exit, the orphans included.
	expect '[.[] | .Fork // empty | .child_pid] as $k | [.[] | .Exit // empty | .pid] as $e
		| ($k | length) >= 2 and all($k[]; . as $c | $e | index([$c]))' \
		"a forked process has no Exit: forks $(ev Fork | jq -s -c 'map(.child_pid)') exits $(ev Exit | jq -s -c 'map(.pid)')"
	expect '[.[] | .Exec // empty | select(.cmdline[0] == "sleep")] | length == 1' "the orphan's sleep Exec is missing"
}

test_no_wait_returns_at_cmd_exit() {
	need_root
	RC=0
	# Were the recorder to wait for the orphan, the timeout would end it.
	timeout -k 10 60 "$PROCTRACE" record --no-wait -o rec.jsonl -- \
		sh -c 'sleep 1000 & echo $! >orphan.pid' >out 2>err || RC=$?
	local p
	p=$(cat orphan.pid)
	# Were the recorder waiting, it would still be running (or killed by timeout).
	if ! kill -0 "$p" 2>/dev/null; then
		fail "the orphan is gone: --no-wait should neither wait for it nor kill it (rc $RC)"
	fi
	kill "$p"
	assert_eq "$RC" 0 "record exit status"
	check_recording rec.jsonl
	expect --argjson r "$(root_pid)" '[.[] | .Exit // empty | select(.pid == $r)] | length == 1' \
		"CMD's Exit is missing"
}

test_setsid_reports_new_session() {
	need_root
	rec -- setsid -w sh -c true
	check_recording rec.jsonl
	expect '[.[] | .SetSID // empty] | length == 1 and .[0].sid == .[0].pid and .[0].pgid == .[0].pid' \
		"want one SetSID with sid == pgid == pid: $(ev SetSID)"
	# The sh that setsid runs is in that session's group.
	expect '([.[] | .SetSID // empty][0].pid) as $s
		| [.[] | .Exec // empty | select(.cmdline == ["sh", "-c", "true"])]
		| length == 1 and .[0].pgid == $s' "sh's Exec pgid is not the new session's: $(ev Exec)"
}

# bash with job control puts each pipeline in a new process group.
test_setpgid_from_job_control() {
	need_root
	rec -- bash -c 'set -m; /bin/sleep 0.1 | /bin/cat; true'
	check_recording rec.jsonl
	assert_eq "$RC" 0 "record exit status"
	local r
	r=$(root_pid)
	# The pipeline's group is the pid of its first process (sleep).
	local sl
	sl=$(jq -r 'select(.Exec.cmdline == ["/bin/sleep", "0.1"]) | .Exec.pid' rec.jsonl)
	[ -n "$sl" ] || fail "no Exec of sleep"
	local ct
	ct=$(jq -r 'select(.Exec.cmdline == ["/bin/cat"]) | .Exec.pid' rec.jsonl)
	[ -n "$ct" ] || fail "no Exec of cat"
	# bash calls setpgid in both parent and child (either may run first).
	expect --argjson g "$sl" --argjson c "$ct" '[.[] | .SetPGID // empty | select(.pgid == $g)]
		| (map(.pid) | unique) == ([$g, $c] | sort)' \
		"want SetPGID of sleep ($sl) and cat ($ct) into group $sl: $(ev SetPGID)"
	expect --argjson g "$sl" --argjson r "$r" '[.[] | (.Exec // .Exit // empty)
		| select(.pid != $r and (.cmdline? // ["x"] | .[0] | IN("/bin/sleep", "/bin/cat")))] as $x
		| ($x | length) == 2 and all($x[]; .pgid == $g)' "Execs of sleep and cat: want pgid $sl: $(ev Exec)"
	expect --argjson g "$sl" '[.[] | .Exit // empty | select(.pgid == $g)] | length == 2' \
		"want the Exits of sleep and cat in group $sl: $(ev Exit)"
	# A move is seen after the Fork of the process moved, and before its Exec.
	expect --argjson g "$sl" '. as $all | [.[] | .SetPGID // empty | select(.pgid == $g)]
		| all(.[]; .pid as $p | .seq as $s
		      | ([$all[] | .Fork // empty | select(.child_pid == $p)][0].seq < $s)
		        and ([$all[] | .Exec // empty | select(.pid == $p)][0].seq > $s))' \
		"a SetPGID before its process's Fork or after its Exec: $(jq -c 'select(.Fork or .SetPGID or .Exec)' rec.jsonl | cut -c1-120)"
	expect --argjson g "$sl" --argjson r "$r" '[.[] | .Exit // empty | select(.pid == $r)][0].pgid != $g' \
		"bash itself must not be in the pipeline's group"
}

# Calls that fail change nothing and are not events.
test_failed_setsid_and_setpgid_make_no_events() {
	need_root
	rec -- "$HB/pgrp"
	check_recording rec.jsonl
	assert_eq "$RC" 0 "record exit status (the helper checks its calls)"
	local a
	a=$(sed -n 's/^a=\([0-9]*\) b=.*/\1/p' out)
	[ -n "$a" ] || fail "helper output: $(cat out)"
	expect '[.[] | .SetSID // empty] | length == 0' "a failed setsid was recorded: $(ev SetSID)"
	expect --argjson a "$a" '[.[] | .SetPGID // empty | select(.pid == $a)] | length == 1 and .[0].pgid == $a' \
		"want only the setpgid that worked (into $a): $(ev SetPGID)"
}

# setpgid(child, child) by the parent is about the child.
test_setpgid_by_parent_names_the_child() {
	need_root
	rec -- "$HB/pgrp"
	check_recording rec.jsonl
	local b
	b=$(sed -n 's/^a=.* b=\([0-9]*\)$/\1/p' out)
	[ -n "$b" ] || fail "helper output: $(cat out)"
	expect --argjson b "$b" --argjson r "$(root_pid)" '[.[] | .SetPGID // empty | select(.pid == $b)]
		| length == 1 and .[0].pgid == $b and .[0].ppid == $r' "want SetPGID of $b into $b: $(ev SetPGID)"
	expect --argjson b "$b" '[.[] | .Exit // empty | select(.pid == $b)] | length == 1 and .[0].pgid == $b' \
		"$b's Exit: want pgid $b: $(ev Exit)"
}

# A child moved while it sleeps, then killed before it runs again: the move
# is seen at its exit, just before its Exit.
test_setpgid_of_a_child_killed_asleep() {
	need_root
	rec -- "$HB/pgrp_killed"
	check_recording rec.jsonl
	assert_eq "$RC" 0 "record exit status (the helper checks its calls)"
	local c
	c=$(sed -n 's/^child=\([0-9]*\)$/\1/p' out)
	[ -n "$c" ] || fail "helper output: $(cat out)"
	expect --argjson c "$c" --argjson r "$(root_pid)" '[.[] | select(.SetPGID.pid == $c or .Exit.pid == $c)]
		| map(keys[0]) == ["SetPGID", "Exit"] and .[0].SetPGID.pgid == $c and .[0].SetPGID.ppid == $r
		  and .[1].Exit.pgid == $c and .[1].Exit.signal == 9' \
		"want SetPGID of $c into $c, then its Exit (SIGKILL): $(jq -c 'select(.SetPGID or .Exit)' rec.jsonl)"
}

# Any thread switching out will do: a second thread's setsid() is seen when
# it sleeps, while the main thread waits in pthread_join(), and so before
# the Fork the second thread makes next.
test_setsid_of_a_thread_is_seen_at_its_switch() {
	need_root
	rec -- "$HB/thread_setsid"
	check_recording rec.jsonl
	assert_eq "$RC" 0 "record exit status (the helper checks its calls)"
	local c
	c=$(sed -n 's/^child=\([0-9]*\)$/\1/p' out)
	[ -n "$c" ] || fail "helper output: $(cat out)"
	expect --argjson c "$c" '[.[] | select(.SetSID.pid == $c or .Fork.parent_pid == $c or .Exit.pid == $c)]
		| map(keys[0]) == ["SetSID", "Fork", "Exit"] and (.[0].SetSID | .sid == $c and .pgid == $c)
		  and .[1].Fork.parent_pgid == $c' \
		"want $c's SetSID, then its Fork, then its Exit: $(jq -c 'select(.SetSID or .Fork or .Exit)' rec.jsonl)"
}

# Processes outside CMD's tree are not recorded, however busy.
test_unrelated_processes_not_recorded() {
	need_root
	sh -c 'while :; do /bin/echo proctrace-outsider >/dev/null; done' &
	local busy=$!
	rec -- sh -c '/bin/sleep 0.3; /bin/true'
	kill "$busy"
	wait "$busy" 2>/dev/null || true
	check_recording rec.jsonl
	expect '[.[] | .Exec // empty | select(.cmdline[1]? == "proctrace-outsider")] | length == 0' \
		"an outside process was recorded: $(jq -c 'select(.Exec.cmdline[1]? == "proctrace-outsider")' rec.jsonl | head -3)"
	expect '[.[] | .Exec // empty | .cmdline[0]] == ["sh", "/bin/sleep", "/bin/true"]' \
		"want exactly the tree's Execs: $(ev Exec)"
}

# Two recorders at once: each records its own tree only.
test_two_recorders_at_once() {
	need_root
	local rc1=0 rc2=0
	"$PROCTRACE" record -q -o one.jsonl -- sh -c '/bin/sleep 0.3; /bin/echo one' >out1 2>err1 &
	local p1=$!
	"$PROCTRACE" record -q -o two.jsonl -- sh -c '/bin/sleep 0.3; /bin/echo two' >out2 2>err2 &
	local p2=$!
	wait "$p1" || rc1=$?
	wait "$p2" || rc2=$?
	assert_eq "$rc1:$rc2" 0:0 "exit statuses ($(cat err1 err2))"
	check_recording one.jsonl
	check_recording two.jsonl
	jq -e -s '[.[] | .Exec // empty | .cmdline] == [["sh", "-c", "/bin/sleep 0.3; /bin/echo one"], ["/bin/sleep", "0.3"], ["/bin/echo", "one"]]' \
		one.jsonl >/dev/null || fail "one.jsonl: $(jq -c 'select(.Exec)' one.jsonl)"
	jq -e -s '[.[] | .Exec // empty | .cmdline] == [["sh", "-c", "/bin/sleep 0.3; /bin/echo two"], ["/bin/sleep", "0.3"], ["/bin/echo", "two"]]' \
		two.jsonl >/dev/null || fail "two.jsonl: $(jq -c 'select(.Exec)' two.jsonl)"
}

# --- failures of the command or the recorder ----------------------------------

test_missing_command_exit_127() {
	need_root
	rec -- /no/such/cmd
	assert_eq "$RC" 127 "record exit status"
	grep -q /no/such/cmd err || fail "stderr does not name the command: $(cat err)"
	check_recording rec.jsonl
	expect '.[-1].End.exit_code == 127' "End: $(tail -1 rec.jsonl)"
}

# The output is opened before CMD starts: if it cannot be, nothing runs.
test_unwritable_output_runs_nothing() {
	need_root
	RC=0
	timeout -k 10 "$GUARD" "$PROCTRACE" record -o "$T/no/such/dir/rec.jsonl" -- touch ran >out 2>err || RC=$?
	assert_eq "$RC" 1 "record exit status"
	[ ! -e ran ] || fail "CMD ran although the recording could not be written"
	grep -q "no/such/dir/rec.jsonl" err || fail "the message does not name the file: $(cat err)"
}

# in_small_memcg CMD...: run CMD in a fresh memory cgroup capped at 256 MB
# (v1 or v2), so that a 1 GB ring buffer really cannot be allocated.
in_small_memcg() {
	local cg
	if [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
		cg=/sys/fs/cgroup/proctrace-test-$$
		mkdir "$cg" && echo $((256 << 20)) >"$cg/memory.max"
	elif [ -d /sys/fs/cgroup/memory ]; then
		cg=/sys/fs/cgroup/memory/proctrace-test-$$
		mkdir "$cg" && echo $((256 << 20)) >"$cg/memory.limit_in_bytes"
	else
		fail "no memory cgroup controller to make the load fail"
	fi
	RC=0
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "$@" || RC=$?
	rmdir "$cg"
}

# A load the kernel refuses (here: no memory for the ring) is one clear error
# and exit 1; CMD never runs, a new file is not left behind and a file given
# with --force keeps what it held.
test_load_failure_runs_nothing_and_keeps_files() {
	need_root
	in_small_memcg "$PROCTRACE" record --buffer-size 1G -o new.jsonl -- touch ran >out 2>err
	assert_eq "$RC" 1 "record exit status"
	grep -q "cannot load the BPF programs: Cannot allocate memory" err || fail "message: $(cat err)"
	grep -q "PROCTRACE_DEBUG=1" err || fail "no hint about PROCTRACE_DEBUG: $(cat err)"
	[ ! -e ran ] || fail "CMD ran although tracing could not start"
	[ ! -e new.jsonl ] || fail "an empty new.jsonl was left behind"
	echo precious >old.jsonl
	PROCTRACE_DEBUG=1 in_small_memcg "$PROCTRACE" record --buffer-size 1G -f -o old.jsonl -- touch ran >out 2>err
	assert_eq "$RC" 1 "record --force exit status"
	grep -q "the kernel's log:" err || fail "PROCTRACE_DEBUG=1 shows no log: $(head -5 err)"
	assert_eq "$(cat old.jsonl)" precious "old.jsonl after a failed --force"
	[ ! -e ran ] || fail "CMD ran although tracing could not start"
	# Once recording starts, --force does replace the file.
	rec -f -o old.jsonl -- true
	check_recording old.jsonl
}

test_unprivileged_refused_nothing_run() {
	need_root
	command -v setpriv >/dev/null || fail "setpriv is needed for this test"
	local d
	d=$(mktemp -d /tmp/proctrace-unpriv.XXXXXX)
	chmod 1777 "$d"
	RC=0
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$PROCTRACE" record -o "$d/x" -- touch "$d/ran" >out 2>err || RC=$?
	local files
	files=$(ls -A "$d")
	rm -rf "$d"
	[ "$RC" -ne 0 ] || fail "record succeeded without privileges"
	grep -qiE 'root|CAP_BPF' err || fail "message does not mention root/CAP_BPF: $(cat err)"
	assert_eq "$files" "" "files left in the output directory"
}

test_sudo_runs_cmd_as_invoking_user() {
	need_root
	local d
	d=$(mktemp -d /tmp/proctrace-sudo.XXXXXX)
	chmod 1777 "$d"
	RC=0
	SUDO_UID=65534 SUDO_GID=65534 SUDO_USER=nobody timeout -k 10 "$GUARD" \
		"$PROCTRACE" record -o "$d/rec.jsonl" -- sh -c "id -u >$d/uid; id -g >$d/gid; id -G >$d/groups" \
		>out 2>err || RC=$?
	local uid gid groups owner
	uid=$(cat "$d/uid" 2>/dev/null || true)
	gid=$(cat "$d/gid" 2>/dev/null || true)
	groups=$(cat "$d/groups" 2>/dev/null || true)
	owner=$(stat -c %u:%g "$d/rec.jsonl" 2>/dev/null || true)
	cp "$d/rec.jsonl" rec.jsonl 2>/dev/null || true
	rm -rf "$d"
	assert_eq "$RC" 0 "record exit status ($(cat err))"
	assert_eq "$uid" 65534 "CMD uid"
	assert_eq "$gid" 65534 "CMD gid"
	case " $groups " in *" 0 "*) fail "CMD kept root's group 0: $groups" ;; esac
	assert_eq "$owner" 65534:65534 "recording owner"
	check_recording rec.jsonl
}

# --- output ----------------------------------------------------------------

test_default_output_is_new_timestamped_file() {
	need_root
	RC=0
	timeout -k 10 "$GUARD" "$PROCTRACE" record -- /bin/true >out 2>err || RC=$?
	assert_eq "$RC" 0 "record exit status"
	local f
	f=$(ls -A | grep -vxE 'out|err' || true)
	[ "$(printf '%s\n' "$f" | grep -c .)" = 1 ] || fail "want exactly one new file, got: $f"
	grep -qF "$f" err || fail "stderr does not name $f: $(cat err)"
	check_recording "$f"
}

test_existing_output_not_overwritten() {
	need_root
	echo keep >rec.jsonl
	rec -- /bin/true
	[ "$RC" -ne 0 ] || fail "record overwrote an existing file"
	assert_eq "$(cat rec.jsonl)" keep "existing file content"
	rec --force -- /bin/true
	assert_eq "$RC" 0 "record --force exit status"
	check_recording rec.jsonl
}

test_output_to_stdout() {
	need_root
	RC=0
	timeout -k 10 "$GUARD" "$PROCTRACE" record -o - -- /bin/true >stdout.jsonl 2>err || RC=$?
	assert_eq "$RC" 0 "record exit status"
	check_recording stdout.jsonl
	[ "$(ls -A | sort | tr '\n' ' ')" = "err stdout.jsonl " ] || fail "files created: $(ls -A)"
}

test_cmd_stdout_stderr_untouched() {
	need_root
	rec -- sh -c 'echo to-out; echo to-err >&2; echo more-out'
	assert_eq "$RC" 0 "record exit status"
	assert_eq "$(cat out)" "$(printf 'to-out\nmore-out')" "CMD stdout"
	grep -qx to-err err || fail "CMD stderr missing: $(cat err)"
	# The summary line comes after CMD's output, and only -q removes it.
	local last
	last=$(tail -1 err)
	[ "$last" != to-err ] && [ -n "$last" ] || fail "no summary line on stderr: $(cat err)"
	rec --force -q -- sh -c 'echo to-err >&2'
	assert_eq "$(cat err)" to-err "stderr with -q"
}

# --- cleanliness -------------------------------------------------------------

test_no_bpf_programs_or_fds_left() {
	need_root
	# CMD notes the BPF programs its parent (the recorder) holds, as the
	# kernel lists them in fdinfo, and its own open fds.
	rec -- sh -c 'cat /proc/$PPID/fdinfo/* 2>/dev/null | sed -n "s/^prog_id:[[:space:]]*//p" >ids.txt
		ls -l /proc/self/fd/ >fds.txt'
	assert_eq "$RC" 0 "record exit status"
	check_recording rec.jsonl
	local ids now id
	ids=$(sort -u ids.txt)
	[ -n "$ids" ] || fail "the recorder held no BPF programs while recording"
	# The kernel frees a program asynchronously (link release runs from a
	# workqueue, then RCU) a moment after its last fd is closed; a leaked
	# (pinned, or still held) program never goes: wait for them to go.
	local i left
	for i in $(seq 1 100); do
		now=$(bpftool prog list -j | jq -r '.[].id')
		left=""
		for id in $ids; do
			printf '%s\n' "$now" | grep -qx "$id" && left="$left $id"
		done
		[ -z "$left" ] && break
		sleep 0.1
	done
	[ -z "$left" ] || fail "programs still loaded 10 s after record exited:$left"
	grep -q 'anon_inode:bpf' fds.txt && fail "CMD inherited BPF fds: $(grep bpf fds.txt)"
	true
}

test_no_processes_left() {
	need_root
	local tag
	tag=proctrace-leftover-$$-$RANDOM
	# The tag is in the recorder's argv, so in any helper process it forks.
	rec -- sh -c 'sleep 0.1; /bin/true' "$tag"
	assert_eq "$RC" 0 "record exit status"
	check_recording rec.jsonl
	local left
	left=$(pgrep -af -- "$tag" || true)
	[ -z "$left" ] || fail "processes left: $left"
	# Every process of the recorded tree is gone.
	local p
	for p in $(jq -r '.Exec.pid // .Fork.child_pid // empty' rec.jsonl | sort -u); do
		kill -0 "$p" 2>/dev/null && fail "pid $p of the tree is still alive: $(ps -o pid,args -p "$p")"
	done
	true
}

# --- signals to the recorder ---------------------------------------------------

# Ctrl-C in a terminal signals the whole foreground process group.
test_ctrl_c_ends_recording_with_cmd_status() {
	need_root
	# A background job of a script ignores SIGINT; a terminal's foreground
	# job does not: restore it, and take a new session and group (setsid).
	env --default-signal=INT setsid "$PROCTRACE" record -o rec.jsonl -- \
		sh -c 'trap "exit 5" INT; touch started; sleep 5 & wait' >out 2>err &
	local pid=$! pgid
	wait_for started
	pgid=$(ps -o pgid= -p "$pid" | tr -d ' ')
	kill -INT -- -"$pgid"
	wait_exit "$pid"
	assert_eq "$RC" 5 "record exit status (CMD's trap)"
	check_recording rec.jsonl
	expect '.[-1].End.exit_code == 5' "End: $(tail -1 rec.jsonl)"
}

test_ctrl_c_on_sleep_exit_130() {
	need_root
	env --default-signal=INT setsid "$PROCTRACE" record -o rec.jsonl -- \
		sh -c 'touch started; exec sleep 10' >out 2>err &
	local pid=$! pgid
	wait_for started
	pgid=$(ps -o pgid= -p "$pid" | tr -d ' ')
	# started is made before the exec: wait until sleep runs, so it gets the signal.
	local i
	for i in $(seq 1 600); do
		pgrep -g "$pgid" -x sleep >/dev/null && break
		sleep 0.1
	done
	kill -INT -- -"$pgid"
	wait_exit "$pid"
	assert_eq "$RC" 130 "record exit status (sleep killed by SIGINT)"
	check_recording rec.jsonl
	expect --argjson r "$(root_pid)" '[.[] | .Exit // empty | select(.pid == $r)] | length == 1 and .[0].signal == 2' \
		"root Exit: $(ev Exit)"
}

# Killed mid-write, the recorder must still leave only whole lines.
test_sigkill_leaves_only_complete_lines() {
	need_root
	"$PROCTRACE" record -o rec.jsonl -- sh -c 'echo $$ >cmd.pid; while :; do /bin/true "$(seq 1 50)"; done' \
		>out 2>err &
	local pid=$! i
	for i in $(seq 1 600); do
		[ "$(wc -l <rec.jsonl 2>/dev/null || echo 0)" -ge 2000 ] && break
		sleep 0.1
	done
	kill -KILL "$pid"
	wait "$pid" || true
	# CMD outlives its recorder: stop the loop, then its last child.
	if [ -f cmd.pid ]; then
		kill -KILL "$(cat cmd.pid)" 2>/dev/null || true
		pkill -KILL -P "$(cat cmd.pid)" 2>/dev/null || true
	fi
	[ "$(wc -l <rec.jsonl)" -ge 2000 ] || fail "the recorder wrote too little before being killed ($(wc -l <rec.jsonl) lines)"
	# Every line, the last one included, is complete JSON.
	jq -c . rec.jsonl >/dev/null || fail "a line is not complete JSON: $(tail -c 300 rec.jsonl)"
	[ "$(tail -c 1 rec.jsonl | od -An -c | tr -d ' ')" = '\n' ] || fail "the file ends mid-line"
}

run_tests
