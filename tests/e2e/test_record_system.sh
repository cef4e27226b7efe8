#!/usr/bin/env bash
# tests/e2e/test_record_system.sh: 'proctrace record --all' (every process of
# the machine) and 'record -p PID' (a tree already running), against the real
# kernel: Running events, filters, --duration, --max-size, and the options
# that contradict each other.
. "$(dirname "$0")/lib.sh"

unset SUDO_UID SUDO_GID SUDO_USER SUDO_COMMAND

# wait_grep PATTERN [FILE]: until FILE (./rec.jsonl) has a line matching PATTERN.
wait_grep() {
	local i
	for i in $(seq 1 $((GUARD * 10))); do
		grep -q -- "$1" "${2:-rec.jsonl}" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "no line matching $1 in ${2:-rec.jsonl}"
}

# record_bg OPTIONS...: 'proctrace record -q -o rec.jsonl OPTIONS' in the
# background ($REC), stderr in ./err; returns once the walk's Running lines
# (or, with filters, the header) are written: what runs from then on is
# seen by the hooks.
record_bg() {
	"$PROCTRACE" record -q -o rec.jsonl "$@" 2>err &
	REC=$!
	wait_grep '"Recording"'
}

# stop_rec: Ctrl-C for the background recorder, which must end well.
stop_rec() {
	kill -INT "$REC"
	wait_exit "$REC"
	assert_eq "$RC" 0 "record's exit status ($(cat err))"
}

# some TYPE [JQ_OPTIONS...] FILTER: the events of TYPE for which FILTER holds,
# one per line on stdout; fails (the caller says why) if there is none.
some() {
	local t=$1
	shift
	ev "$t" | jq -c "${@:1:$#-1}" "select(${@: -1})" >some.out
	cat some.out
	[ -s some.out ]
}

# all_json: every line of rec.jsonl is JSON, and the last one is End.
all_json() {
	jq -e . rec.jsonl >/dev/null || fail "a line is not JSON"
	tail -1 rec.jsonl | jq -e 'has("End")' >/dev/null || fail "the last line is not End: $(tail -1 rec.jsonl)"
}

test_a_process_started_before_is_running_with_its_start() {
	need_root
	local before pid after
	before=$(date +%s%N)
	sleep 1234.5 &
	pid=$!
	"$PROCTRACE" record -q --all --duration 200ms -o rec.jsonl 2>err || fail "record: $(cat err)"
	after=$(date +%s%N)
	kill "$pid"
	all_json
	expect '.[0].Recording | .system_wide == true and (has("root_pid") | not) and (has("command") | not)' \
		"the header: system-wide, with no root_pid or command"
	some Running --argjson p "$pid" '.pid == $p' >run || fail "no Running for pid $pid"
	assert_eq "$(jq -c .cmdline run)" '["sleep","1234.5"]' "its argv"
	assert_eq "$(jq -r .comm run)" sleep "its comm"
	assert_eq "$(jq -r .ppid run)" "$BASHPID" "its parent"
	# Started between $before and the recording's start (negative), which
	# came before $after: a bound, not a time limit.
	jq -e --argjson span $((after - before)) '.start < 0 and -.start <= $span' run >/dev/null ||
		fail "start $(jq .start run) is not within the $((after - before)) ns before the recording"
	assert_eq "$(ev Running | jq -r .pid | sort | uniq -d | head -1)" "" "a process told twice"
	assert_eq "$(ev End | jq -r .stopped)" duration "End's stopped"
	# --duration is a lower bound of the length
	ev End | jq -e '.timestamp >= 200000000' >/dev/null || fail "End at $(ev End | jq .timestamp) ns"
}

# The walk's output is read in pieces: a Running that does not fit in one
# is written again at the next read, not lost (the walk runs again on it).
test_every_process_has_its_running_when_the_walk_output_overflows() {
	need_root
	local i pids=() zeros missing
	zeros=$(printf ' 0%.0s' $(seq 1 150)) # sleep adds its arguments: ~300 bytes of argv
	for i in $(seq 1 400); do
		# shellcheck disable=SC2086
		sleep 60 $zeros &
		pids+=($!)
	done
	RC=0
	"$PROCTRACE" record -q --all --duration 1s -o rec.jsonl 2>err || RC=$?
	kill "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	assert_eq "$RC" 0 "record ($(cat err))"
	all_json
	ev Running | jq -r .pid | sort -u >running
	missing=$(printf '%s\n' "${pids[@]}" | sort -u | comm -23 - running | wc -l)
	assert_eq "$missing" 0 "sleepers with no Running (of 400)"
	assert_eq "$(ev Running | jq -r .pid | sort | uniq -d | head -1)" "" "a process told twice"
}

test_a_command_run_during_all_has_its_exact_argv() {
	need_root
	record_bg --all
	wait_grep '"Running"'
	/bin/echo "two words" 'q"uote' '' ünï >/dev/null
	wait_grep 'two words'
	stop_rec
	all_json
	some Exec '.cmdline == ["/bin/echo","two words","q\"uote","","ünï"]' >ex ||
		fail "no Exec with the exact argv"
	# its Fork came from this shell, which was already running
	some Fork --argjson p "$(jq .pid ex)" '.child_pid == $p' >/dev/null ||
		fail "no Fork of the echo"
	assert_eq "$(ev End | jq -r .stopped)" signal "End's stopped"
	assert_eq "$(ev End | jq -r .lost)" 0 "lost events"
	# every process is told of once: by a Running or by a Fork
	jq -r -s '[.[] | (.Running.pid // .Fork.child_pid // empty)] | group_by(.) | map(select(length > 1)) | length' \
		rec.jsonl >dups
	assert_eq "$(cat dups)" 0 "pids told of twice (by Running and Fork)"
}

test_all_with_a_command_ends_with_its_status() {
	need_root
	RC=0
	"$PROCTRACE" record -q --all -o rec.jsonl -- sh -c 'exit 3' 2>err || RC=$?
	assert_eq "$RC" 3 "record's exit status ($(cat err))"
	all_json
	expect '.[0].Recording | .system_wide and .command == ["sh","-c","exit 3"] and .root_pid > 0' "the header"
	assert_eq "$(ev End | jq -c '[.exit_code, .stopped]')" '[3,"command"]' "End"
	expect '(.[0].Recording.root_pid) as $r | any(.[]; .Exec.pid == $r)' "the command's Exec"
}

test_max_size_ends_it_with_end() {
	need_root
	local loop
	# something to record, however quiet the machine
	(while :; do /bin/true; done) &
	loop=$!
	RC=0
	"$PROCTRACE" record -q --all --max-size 64K -o rec.jsonl 2>err || RC=$?
	kill "$loop"
	assert_eq "$RC" 0 "record's exit status ($(cat err))"
	all_json
	[ "$(stat -c %s rec.jsonl)" -le 65536 ] || fail "the file is $(stat -c %s rec.jsonl) bytes"
	assert_eq "$(ev End | jq -r .stopped)" max-size "End's stopped"
}

# A process named by argv[0] (exec -a) that runs children until ./go exists.
looper() { bash -c "exec -a $1 bash -c 'while [ ! -e go ]; do /bin/true $1; sleep 0.02; done'" & }

test_comm_keeps_matches_and_their_whole_subtree() {
	need_root
	looper ptmatch-$$
	looper ptother-$$
	record_bg --all --comm ptmatch-$$ --comm nosuchname
	wait_grep "true\",\"ptmatch-$$"
	touch go
	stop_rec
	all_json
	expect '.[0].Recording.comm == ["ptmatch-'$$'","nosuchname"]' "the header's comm"
	# the children (comm true) are kept as descendants of the match
	[ "$(ev Exec | jq -r 'select(.cmdline[0] == "/bin/true") | .cmdline[1]' | sort -u)" = "ptmatch-$$" ] ||
		fail "Execs of true: $(ev Exec | jq -c .cmdline | sort -u | head)"
	! grep -q "ptother-$$" rec.jsonl || fail "the other loop was recorded"
}

test_uid_keeps_that_users_processes() {
	need_root
	setpriv --reuid=65534 --regid=65534 --clear-groups bash -c \
		'while [ ! -e go ]; do /bin/true asnobody; sleep 0.02; done' &
	bash -c 'while [ ! -e go ]; do /bin/true asroot; sleep 0.02; done' &
	chmod 777 .
	record_bg --all --uid 65534
	wait_grep 'asnobody'
	touch go
	stop_rec
	all_json
	expect '.[0].Recording.uid == [65534]' "the header's uid"
	! grep -q asroot rec.jsonl || fail "root's loop was recorded"
}

test_p_records_a_running_tree_with_its_children() {
	need_root
	local pid
	mkfifo fifo
	bash -c 'sleep 999 & read -r x <fifo; /bin/echo "after attach"; kill $!; exit 4' &
	pid=$!
	# until the sleep is there
	for _ in $(seq 1 $((GUARD * 10))); do pgrep -P "$pid" -x sleep >/dev/null && break; sleep 0.1; done
	"$PROCTRACE" record -q -p "$pid" -o rec.jsonl 2>err &
	REC=$!
	wait_grep "\"Running\".*\"pid\":$pid,"
	echo go >fifo
	wait_exit "$REC"
	assert_eq "$RC" 0 "record's exit status ($(cat err))"
	all_json
	expect '.[0].Recording | .attached_pid == '"$pid"' and .root_pid == '"$pid"' and (has("command") | not)' "the header"
	some Running --argjson p "$pid" '.pid == $p and .cmdline[0] == "bash"' >/dev/null ||
		fail "no Running for the attached bash"
	some Running --argjson p "$pid" '.ppid == $p and .cmdline == ["sleep","999"]' >/dev/null ||
		fail "no Running for its child sleep"
	# only the tree: every Running is the bash or its child
	assert_eq "$(ev Running | jq -r --argjson p "$pid" 'select(.pid != $p and .ppid != $p) | .pid' | head -1)" "" \
		"a Running outside the tree"
	some Exec '.cmdline == ["/bin/echo","after attach"]' >/dev/null || fail "no Exec of echo"
	assert_eq "$(ev End | jq -c '[.exit_code, .stopped]')" '[4,"tree"]' "End"
}

test_cpu_of_a_running_process_counts_from_the_start() {
	need_root
	local pid before ticks
	mkfifo fifo
	# ~0.5 s of CPU in bash itself, then wait without using any
	bash -c 'i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done; touch ready; read -r x <fifo' &
	pid=$!
	wait_for ready
	ticks=$(getconf CLK_TCK)
	before=$(awk -v t="$ticks" '{ print int(($14 + $15) * 1000000000 / t) }' "/proc/$pid/stat")
	[ "$before" -ge 100000000 ] || fail "the burn used only $before ns"
	"$PROCTRACE" record -q -p "$pid" -o rec.jsonl 2>err &
	REC=$!
	wait_grep '"Running"'
	echo go >fifo
	wait_exit "$REC"
	assert_eq "$RC" 0 "record's exit status ($(cat err))"
	some Exit --argjson p "$pid" --argjson b "$before" '.pid == $p and .user_ns + .system_ns < $b / 2' >/dev/null ||
		fail "its Exit counts the CPU used before ($before ns): $(ev Exit)"
}

test_views_read_a_system_wide_recording() {
	need_root
	local f pid
	sleep 777 &
	pid=$!
	"$PROCTRACE" record -q --all -o rec.jsonl -- /bin/sh -c "sleep 0.2" 2>err ||
		fail "record: $(cat err)"
	kill "$pid"
	for f in summary tree mermaid perfetto html metrics processes multiplexed by-process; do
		"$PROCTRACE" render -f "$f" rec.jsonl >out."$f" 2>err.$f || fail "render -f $f: $(cat err.$f)"
		[ -s out."$f" ] || fail "render -f $f printed nothing"
	done
	grep -q 'already running at the start' out.summary || fail "the summary: $(head -8 out.summary)"
	grep -q 'sleep 777' out.tree || fail "the tree does not show the sleep: $(head out.tree)"
	# --pid picks a subtree: the sleep alone
	"$PROCTRACE" render -f processes --pid "$pid" rec.jsonl >sub || fail "render --pid $pid"
	assert_eq "$(($(wc -l <sub) - 1))" 1 "processes under --pid $pid"
}

# Under sudo, -p only for a process the invoking user could trace.
test_p_under_sudo_follows_ptraces_rule() {
	need_root
	local mine theirs
	chmod 777 .
	sleep 600 &
	theirs=$!
	setpriv --reuid=65534 --regid=65534 --clear-groups sleep 600 &
	mine=$!
	wait_execd "$mine" sleep
	RC=0
	SUDO_UID=65534 SUDO_GID=65534 "$PROCTRACE" record -q -p "$theirs" -o rec.jsonl 2>err || RC=$?
	assert_eq "$RC" 1 "-p of root's process ($(cat err))"
	grep -q "may not trace it" err || fail "the message: $(cat err)"
	[ ! -e rec.jsonl ] || fail "a file was made"
	RC=0
	SUDO_UID=65534 SUDO_GID=65534 "$PROCTRACE" record -q -p "$mine" --duration 100ms -o rec.jsonl 2>err || RC=$?
	kill "$theirs" "$mine"
	assert_eq "$RC" 0 "-p of the user's own process ($(cat err))"
	some Running --argjson p "$mine" '.pid == $p' >/dev/null || fail "no Running for it"
	assert_eq "$(stat -c %u rec.jsonl)" 65534 "the file's owner"
}

# wait_execd PID COMM: until PID has exec'd COMM. Until then, setpriv, having
# changed its uids, is not dumpable: the invoking user could not trace it.
wait_execd() {
	local i
	for i in $(seq 1 $((GUARD * 10))); do
		[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	fail "pid $1 never became $2"
}

# wait_fifo_open PID: until a child of PID waits in open() for a fifo's other end.
wait_fifo_open() {
	local i c
	for i in $(seq 1 $((GUARD * 10))); do
		for c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
			[ "$(cat "/proc/$c/wchan" 2>/dev/null)" = wait_for_partner ] && return 0
		done
		kill -0 "$1" 2>/dev/null || fail "record ended: $(cat err)"
		sleep 0.1
	done
	fail "no child of $1 ever waited for the fifo"
}

# take_pid PID CMD...: run CMD in the background as pid PID, free now, by
# setting the kernel's last pid given (other forks on the machine may take
# it first: tried again, with a new CMD each time). $TOOK: CMD's pid.
take_pid() {
	local want=$1 i
	shift
	for i in $(seq 1 200); do
		echo $((want - 1)) >/proc/sys/kernel/ns_last_pid
		"$@" &
		TOOK=$!
		[ "$TOOK" = "$want" ] && return 0
		kill "$TOOK"
		wait "$TOOK" 2>/dev/null || true
	done
	fail "pid $want never came back (the machine forks too much)"
}

# Under sudo, -p PID follows the process that was checked, not whatever has
# PID later: here the user's process ends between the check and the attach
# (while the recorder waits for the output, a fifo, to have a reader), and
# a process of root's gets its pid. Refused, with nothing of root's process
# written; the check holds the process by a pidfd.
test_p_under_sudo_pid_reused_after_the_check_is_refused() {
	need_root
	not_under_valgrind "valgrind 3.19 has no pidfd_open: the check falls back on the start time, to the clock tick"
	local mine rec theirs
	chmod 777 .
	mkfifo -m 666 fifo
	setpriv --reuid=65534 --regid=65534 --clear-groups sleep 600 &
	mine=$!
	wait_execd "$mine" sleep
	SUDO_UID=65534 SUDO_GID=65534 "$PROCTRACE" record -q -p "$mine" --duration 1s -o fifo 2>err &
	rec=$!
	wait_fifo_open "$rec"
	kill "$mine"
	wait "$mine" 2>/dev/null || true
	take_pid "$mine" sleep 601
	theirs=$TOOK
	cat fifo >out.jsonl
	wait_exit "$rec"
	kill "$theirs"
	assert_eq "$RC" 1 "-p of a pid reused after the check ($(cat err))"
	grep -qF -- "-p $mine: the process ended as tracing started" err || fail "the message: $(cat err)"
	[ ! -s out.jsonl ] || fail "something was written: $(head -c 500 out.jsonl)"
}

test_contradictions_are_usage_errors() {
	usage() {
		local want=$1
		shift
		RC=0
		"$PROCTRACE" record "$@" >out 2>err || RC=$?
		assert_eq "$RC" 2 "record $* ($(cat err))"
		grep -qF -- "$want" err || fail "record $*: $(cat err), want '$want'"
	}
	usage "-p and a command" -p 1 -- true
	usage "-p and --all" --all -p 1
	usage "--duration and a command" --all --duration 1s -- true
	usage "-x and --all" -x --all
	usage "-x and -p" -x -p 1
	usage "--comm needs --all or -p" --comm sh -- true
	usage "--uid needs --all or -p" --uid 0 -- true
	usage "--max-size needs --all or -p" --max-size 1M -- true
	usage "--duration needs --all or -p" --duration 1s
	usage "--duration '5'" --all --duration 5
	usage "--duration '0s'" --all --duration 0s
	usage "--duration '-1s'" --all --duration -1s
	usage "--duration 'soon'" --all --duration soon
	# Too long: never a length that wraps around (5124095h is just below 2^64 ns).
	usage "--duration '8761h': too long: at most 8760h" --all --duration 8761h
	usage "--duration '5124095h': too long" --all --duration 5124095h
	usage "--sample-interval '5124095h' is too long" --all --sample-interval 5124095h
	usage "--interval '5124095h': too long" --summary --interval 5124095h -- true
	usage "--comm needs a name" --all --comm ''
	usage "needs a value" --all --comm
	usage "--uid 'nosuchuser-x'" --all --uid nosuchuser-x
	usage "-p '0'" -p 0
	usage "--max-size '100'" --all --max-size 100
	usage "no command given" -q
}

run_tests
