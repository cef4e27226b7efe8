#!/usr/bin/env bash
# tests/e2e/test_render.sh: 'proctrace render' text views against golden files, and its errors.
# Every examples/*.jsonl × {multiplexed, by-process, summary, critical-path} must match
# tests/golden/<example>.<view> (mermaid goldens are checked by test_mermaid.sh).
# Every Mermaid chart made here is drawn by the real renderer too (mermaid_check).
# UPDATE_GOLDEN=1 bash tests/e2e/test_render.sh rewrites the goldens: review them before committing.
. "$(dirname "$0")/lib.sh"

EX=$REPO_DIR/examples
GOLDEN=$REPO_DIR/tests/golden
VIEWS="multiplexed by-process summary critical-path"

# golden NAME ARGS...: render with ARGS and compare with tests/golden/NAME.
golden() {
	local name=$1
	shift
	"$PROCTRACE" render "$@" >out 2>err || fail "render $*: exit $?: $(cat err)"
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		cp out "$GOLDEN/$name"
	fi
	[ -f "$GOLDEN/$name" ] || fail "no golden tests/golden/$name (UPDATE_GOLDEN=1 makes it)"
	diff -u "$GOLDEN/$name" out || fail "render $* differs from tests/golden/$name"
}

# One test per example and view, so a failure names both.
for f in "$EX"/*.jsonl; do
	[ -f "$f" ] || continue
	ex=$(basename "$f" .jsonl)
	for view in $VIEWS; do
		fn="test_golden_$(printf '%s_%s' "$ex" "$view" | tr -c 'A-Za-z0-9_' '_')"
		eval "$fn() { golden '$ex.$view' -f '$view' '$f'; }"
	done
done

# --pid re-roots every view at one process of the hand-written build (make).
for view in $VIEWS; do
	eval "test_golden_pid_$(printf '%s' "$view" | tr -c 'A-Za-z0-9_' '_')() {
		golden 'hand-build.pid1001.$view' -f '$view' --pid 1001 '$EX/hand-build.jsonl'; }"
done

test_golden_summary_top_and_sort() {
	golden hand-build.top3-cpu.summary -f summary --top 3 --sort cpu "$EX/hand-build.jsonl"
	golden hand-build.top2-time.summary -f summary --top 2 --sort time "$EX/hand-build.jsonl"
}

test_every_example_has_every_golden() {
	local n=0
	for f in "$EX"/*.jsonl; do
		for view in $VIEWS; do
			[ -f "$GOLDEN/$(basename "$f" .jsonl).$view" ] || fail "missing golden for $f, $view"
			n=$((n + 1))
		done
	done
	[ "$n" -ge 9 ] || fail "only $n goldens: where are the examples?"
}

# The multiplexed view of a format-1 recording is a recording: it renders to itself.
test_multiplexed_is_a_recording() {
	"$PROCTRACE" render "$EX/hand-build.jsonl" >once
	"$PROCTRACE" render once >twice
	cmp once twice
	assert_eq "$(head -1 once | jq -r 'keys[0]')" Recording "first line"
	assert_eq "$(tail -1 once | jq -r 'keys[0]')" End "last line"
	# every event of the input, and nothing else
	assert_eq "$(wc -l <once)" "$(wc -l <"$EX/hand-build.jsonl")" "lines"
	assert_eq "$(sort once | md5sum)" "$(sort "$EX/hand-build.jsonl" | md5sum)" "same lines"
}

# by-process: every non-blank line is JSON; one block per process; a child's block starts with its Fork.
test_by_process_blocks() {
	local blocks procs
	"$PROCTRACE" render -f by-process "$EX/hand-build.jsonl" >out
	grep -v '^$' out | jq -e . >/dev/null || fail "a non-blank line is not JSON"
	blocks=$(($(grep -c '^$' out) + 1))
	# processes: the root plus one per Fork
	procs=$(jqr "$EX/hand-build.jsonl" '[.[] | select(.Fork)] | length + 1')
	assert_eq "$blocks" "$procs" "blocks"
	awk 'BEGIN { RS = "" } { split($0, l, "\n"); print l[1] }' out | tail -n +2 | grep -vc '^{"Fork"' >bad || true
	assert_eq "$(cat bad)" 0 "blocks not starting with a Fork"
	grep -q . out || fail "empty output"
	[ "$(tail -c 2 out | od -An -c | tr -d ' ')" != '\n\n' ] || fail "ends with a blank line"
}

# --pid keeps exactly the subtree: the events of pid 1003 (cc) and its child 1005.
test_pid_keeps_subtree_only() {
	"$PROCTRACE" render --pid 1003 "$EX/hand-build.jsonl" >out
	jqr out '[.[] | .Exec.pid // .Exit.pid // .Fork.child_pid // empty] | unique | map(tostring) | join(" ")' >pids
	assert_eq "$(cat pids)" "1003 1005" "pids"
	assert_eq "$(head -1 out | jq .Recording.root_pid)" 1003 "header root_pid"
	# rendering the subtree again gives the same summary as --pid on the whole recording
	"$PROCTRACE" render -f summary out >a
	"$PROCTRACE" render -f summary --pid 1003 "$EX/hand-build.jsonl" >b
	diff -u b a
}

# pids_of FILE: every pid that is a process of the recording, once each.
pids_of() {
	jqr "$1" '[.[] | .Recording.root_pid // .Fork.child_pid // .Exec.pid // .Exit.pid // empty]
		| unique | .[]'
}

# subtree_recording: sh -c x forks pid 30, which never execs and is still
# running at the end, pid 31, killed by SIGKILL, and pid 32, which runs true.
subtree_recording() {
	local h='"ppid":10,"pgid":10' r='"user_ns":0,"system_ns":0,"max_rss_kb":0'
	cat <<-EOF
	{"Recording":{"format":1,"tool":"proctrace 0.1.0","root_pid":10,"command":["sh","-c","x"],"start_time":"2026-01-01T00:00:00.000000000Z","host":"h","kernel":"k"}}
	{"Exec":{"seq":0,"timestamp":1000000,"pid":10,"ppid":1,"pgid":10,"filename":"/bin/sh","cmdline":["sh","-c","x"]}}
	{"Fork":{"seq":1,"timestamp":2000000,"parent_pid":10,"child_pid":30,"parent_pgid":10}}
	{"Fork":{"seq":2,"timestamp":3000000,"parent_pid":10,"child_pid":31,"parent_pgid":10}}
	{"Exec":{"seq":3,"timestamp":3500000,"pid":31,$h,"filename":"/bin/sleep","cmdline":["sleep","9"]}}
	{"Exit":{"seq":4,"timestamp":4000000,"pid":31,$h,"signal":9,$r}}
	{"Fork":{"seq":5,"timestamp":5000000,"parent_pid":10,"child_pid":32,"parent_pgid":10}}
	{"Exec":{"seq":6,"timestamp":5500000,"pid":32,$h,"filename":"/bin/true","cmdline":["true"]}}
	{"Exit":{"seq":7,"timestamp":6000000,"pid":32,$h,"exit_code":0,$r}}
	{"Exit":{"seq":8,"timestamp":7000000,"pid":10,"ppid":1,"pgid":10,"exit_code":0,$r}}
	{"End":{"timestamp":7000000,"lost":0,"exit_code":0}}
	EOF
}

# some_pids FILE: the pids of FILE to check one by one: all of them in a small
# recording; in a real build (pv-build: 1,481 processes, each checked in
# about half a second) the root, the processes that run make or a script
# (configure, config.status) and every 25th of the others, which meets each
# kind of process (shells, their subshells, gcc and what it runs, leaves)
# and keeps the test short.
some_pids() {
	if [ "$(pids_of "$1" | wc -l)" -le 100 ]; then
		pids_of "$1"
		return
	fi
	jqr "$1" '([.[] | .Recording.root_pid // empty]
		+ [.[] | .Exec | select(.) | select(.cmdline[0] == "make" or (.cmdline[1] // "" | startswith("./"))) | .pid]) as $keep
		| [.[] | .Recording.root_pid // .Fork.child_pid // .Exec.pid // .Exit.pid // empty] | unique
		| to_entries[] | select(.key % 25 == 0 or (.value as $p | $keep | index($p))) | .value'
}

# render --pid P writes a recording of P's subtree: every view of it is that
# view of --pid P on the whole recording, for every process of every example
# (of a real build, the processes some_pids chooses).
# Except hand-lost's 2002: the first process with that pid lost its Exit and
# ends where another 2002, outside its subtree, is forked; the output cannot
# tell, so there it ends with the recording (README, --pid).
test_pid_output_renders_the_same_subtree() {
	local f name pid view n=0 charts=()
	subtree_recording >sub-tree.jsonl
	for f in "$EX"/*.jsonl sub-tree.jsonl; do
		name=$(basename "$f" .jsonl)
		for pid in $(some_pids "$f"); do
			[ "$name.$pid" != hand-lost.2002 ] || continue
			"$PROCTRACE" render --pid "$pid" "$f" >sub.jsonl 2>/dev/null ||
				fail "$name: render --pid $pid: exit $?"
			for view in $VIEWS mermaid; do
				"$PROCTRACE" render -f "$view" --pid "$pid" "$f" >want 2>/dev/null
				"$PROCTRACE" render -f "$view" - <sub.jsonl >got 2>/dev/null
				diff -u want got || fail "$name: -f $view of 'render --pid $pid' differs from -f $view --pid $pid"
			done
			cp got "$name.$pid.mmd"
			charts+=("$name.$pid.mmd" "$(task_lines got)")
			n=$((n + 1))
		done
	done
	[ "$n" -ge 30 ] || fail "only $n processes in the examples"
	mermaid_check "${charts[@]}"
}

# The header and the End line of render --pid P are about P.
test_pid_output_header_and_end() {
	subtree_recording >sub-tree.jsonl
	"$PROCTRACE" render --pid 30 sub-tree.jsonl >sub.jsonl
	assert_eq "$(head -1 sub.jsonl | jq -c '.Recording | [.root_pid, .command]')" '[30,[]]' "header"
	assert_eq "$(tail -1 sub.jsonl | jq -c .End)" '{"timestamp":7000000,"lost":0}' "End"
	"$PROCTRACE" render -f summary sub.jsonl >summary
	grep -q '^command: *(unknown)$' summary || fail "summary: $(grep command: summary)"
	grep -q '^exit status: *unknown$' summary || fail "summary: $(grep 'exit status:' summary)"
	"$PROCTRACE" render --pid 31 sub-tree.jsonl >sub.jsonl
	assert_eq "$(head -1 sub.jsonl | jq -c '.Recording | [.root_pid, .command]')" '[31,["sleep","9"]]' "header"
	assert_eq "$(tail -1 sub.jsonl | jq -c .End.exit_code)" 137 "exit_code of a process killed by SIGKILL"
	"$PROCTRACE" render --pid 32 sub-tree.jsonl >sub.jsonl
	assert_eq "$(tail -1 sub.jsonl | jq -c .End.exit_code)" 0 "exit_code"
	"$PROCTRACE" render --pid 1001 "$EX/hand-build.jsonl" >sub.jsonl
	assert_eq "$(head -1 sub.jsonl | jq -c '.Recording | [.root_pid, .command]')" '[1001,["make","-j2"]]' "header"
	assert_eq "$(tail -1 sub.jsonl | jq -c .End.exit_code)" 2 "exit_code"
	# --pid of the recorded command itself keeps the recording's header and End
	"$PROCTRACE" render --pid 10 sub-tree.jsonl >sub.jsonl
	cmp sub.jsonl sub-tree.jsonl
}

test_stdin_and_output_file() {
	"$PROCTRACE" render -f summary "$EX/hand-build.jsonl" >want
	"$PROCTRACE" render -f summary - <"$EX/hand-build.jsonl" >got
	cmp want got
	"$PROCTRACE" render -f summary <"$EX/hand-build.jsonl" >got2
	cmp want got2
	"$PROCTRACE" render -f summary -o out.txt "$EX/hand-build.jsonl" >stdout
	cmp want out.txt
	[ ! -s stdout ] || fail "wrote to stdout with -o"
	ls out.txt.* proctrace-*.tmp 2>/dev/null && fail "a temporary file was left"
	# --display-mode and -d are -f
	"$PROCTRACE" render --display-mode summary "$EX/hand-build.jsonl" >got3
	cmp want got3
	"$PROCTRACE" render -d summary "$EX/hand-build.jsonl" >got4
	cmp want got4
	true
}

# -o replaces a regular file (through a symlink, keeping its mode) and writes into anything else.
test_output_targets() {
	"$PROCTRACE" render -f summary "$EX/hand-build.jsonl" >want
	echo old >target.txt
	chmod 640 target.txt
	ln -s target.txt link.txt
	"$PROCTRACE" render -f summary -o link.txt "$EX/hand-build.jsonl"
	[ -L link.txt ] || fail "the symlink was replaced"
	cmp want target.txt
	assert_eq "$(stat -c %a target.txt)" 640 "mode"
	"$PROCTRACE" render -f summary -o /dev/null "$EX/hand-build.jsonl"
	[ -c /dev/null ] || fail "/dev/null is no longer a device"
	mkfifo fifo
	cat fifo >from-fifo &
	"$PROCTRACE" render -f summary -o fifo "$EX/hand-build.jsonl"
	wait
	cmp want from-fifo
	"$PROCTRACE" render -f summary -o - "$EX/hand-build.jsonl" >dash
	cmp want dash
	ls ./*.XXXXXX* target.txt.* proctrace-*.tmp 2>/dev/null && fail "a temporary file was left"
	true
}

# render -o FILE makes its temporary file before it reads the input; a
# signal that ends it then removes the file. Here render reads a fifo that
# is kept open (so it blocks, its temporary file made) and gets a real
# SIGINT, SIGTERM or SIGHUP: it dies of that signal, and leaves no
# temporary file and FILE as it was. A signal that was ignored when render
# started (nohup) stays ignored.
test_signal_removes_the_temporary_file() {
	local sig pid
	"$PROCTRACE" render -f summary "$EX/hand-build.jsonl" >want
	mkfifo in.fifo
	echo old >out.txt
	for sig in INT TERM HUP; do
		exec 3<>in.fifo
		# a background job of a script starts with SIGINT ignored: not this one
		env --default-signal=INT "$PROCTRACE" render -f summary -o out.txt in.fifo 3>&- 2>err &
		pid=$!
		wait_glob 'proctrace-*.tmp'
		kill -"$sig" "$pid"
		wait_exit "$pid"
		exec 3>&-
		assert_eq "$RC" $((128 + $(kill -l "$sig"))) "exit status of render killed by SIG$sig ($(cat err))"
		ls proctrace-*.tmp 2>/dev/null && fail "SIG$sig left the temporary file"
		assert_eq "$(cat out.txt)" old "out.txt after SIG$sig"
	done
	exec 3<>in.fifo
	(trap '' HUP; exec "$PROCTRACE" render -f summary -o out.txt in.fifo 3>&-) &
	pid=$!
	wait_glob 'proctrace-*.tmp'
	kill -HUP "$pid"
	cat "$EX/hand-build.jsonl" >&3
	exec 3>&-
	wait_exit "$pid"
	assert_eq "$RC" 0 "exit status of render under nohup"
	cmp want out.txt
	assert_eq "$(ls | tr '\n' ' ')" "err in.fifo out.txt want " "files left"
}

test_output_is_never_the_input() {
	cp "$EX/hand-build.jsonl" in.jsonl
	ln -s in.jsonl link.jsonl
	set +e
	"$PROCTRACE" render -o in.jsonl in.jsonl 2>err
	rc=$?
	"$PROCTRACE" render -o link.jsonl in.jsonl 2>err2
	rc2=$?
	set -e
	assert_eq "$rc" 2 "exit status"
	assert_eq "$rc2" 2 "exit status through a symlink"
	grep -q 'input file' err || fail "message: $(cat err)"
	cmp in.jsonl "$EX/hand-build.jsonl"
	# the input is standard input, redirected from OUT
	local args
	for args in "-o in.jsonl -" "-o in.jsonl" "-o link.jsonl -" "-o /dev/stdin -"; do
		set +e
		# shellcheck disable=SC2086
		"$PROCTRACE" render -f summary $args <in.jsonl >out 2>err
		rc=$?
		set -e
		assert_eq "$rc" 2 "exit status of render $args < in.jsonl"
		grep -q 'input file' err || fail "render $args: message: $(cat err)"
		cmp in.jsonl "$EX/hand-build.jsonl" || fail "render $args < in.jsonl replaced the input"
	done
	# "-o -" is standard output, whatever a file named "-" is
	cp in.jsonl ./-
	"$PROCTRACE" render -o - ./- >out
	"$PROCTRACE" render in.jsonl >want
	cmp out want
}

test_lost_events_are_flagged() {
	"$PROCTRACE" render -f summary "$EX/hand-lost.jsonl" >out 2>err
	grep -q '^lost events: *3 (the recording is incomplete)$' out || fail "summary: $(grep lost out)"
	grep -q 'warning: .*3 events were lost' err || fail "no warning: $(cat err)"
	for view in multiplexed by-process; do
		"$PROCTRACE" render -f "$view" "$EX/hand-lost.jsonl" >/dev/null 2>err
		grep -q 'warning: .*3 events were lost' err || fail "$view: no warning"
	done
	"$PROCTRACE" render -f summary "$EX/hand-build.jsonl" >out 2>err
	[ ! -s err ] || fail "warning without loss: $(cat err)"
	grep -q '^lost events: *0$' out || fail "summary of a complete recording: $(grep lost out)"
	# an End line without "lost" does not say nothing was lost
	sed 's/"lost":0,//' "$EX/hand-build.jsonl" >no-lost.jsonl
	"$PROCTRACE" render -f summary no-lost.jsonl >out 2>err
	[ ! -s err ] || fail "warning: $(cat err)"
	grep -q '^lost events: *unknown (not in the End line)$' out || fail "summary: $(grep lost out)"
	"$PROCTRACE" render no-lost.jsonl | tail -1 | grep -q '^{"End":{"timestamp":86000000,"exit_code":1}}$' ||
		fail "multiplexed End line: $("$PROCTRACE" render no-lost.jsonl | tail -1)"
}

# A recorder killed between two lines leaves a header and no End: every view
# and sort read it, exit 0 and warn, and the chart's title says so.
test_killed_recording_warns() {
	grep -v '"End"' "$EX/hand-build.jsonl" >killed.jsonl
	for view in $VIEWS mermaid; do
		"$PROCTRACE" render -f "$view" killed.jsonl >"out.$view" 2>err || fail "$view: exit $?"
		grep -q 'warning: killed.jsonl: no End line: the recording is cut short' err ||
			fail "$view: no warning: $(cat err)"
	done
	"$PROCTRACE" sort killed.jsonl >/dev/null 2>err || fail "sort: exit $?"
	grep -q 'warning: killed.jsonl: no End line' err || fail "sort: no warning: $(cat err)"
	grep -q '^    title .*#40;incomplete#58; the recording is cut short)$' out.mermaid ||
		fail "title: $(grep title out.mermaid)"
	"$PROCTRACE" render "$EX/hand-build.jsonl" >/dev/null 2>err
	[ ! -s err ] || fail "a complete recording warns: $(cat err)"
	# the original proctrace wrote no End line, nor does its conversion by sort
	"$PROCTRACE" sort "$EX/legacy-flox-curl.jsonl" | "$PROCTRACE" render -f mermaid >converted.mmd 2>err
	[ ! -s err ] || fail "a converted recording warns: $(cat err)"
	! grep -q incomplete converted.mmd || fail "converted: $(grep title converted.mmd)"
	cp out.mermaid killed.mmd
	mermaid_check killed.mmd "$(task_lines killed.mmd)" \
		--title "sh build.sh (incomplete: the recording is cut short)" \
		converted.mmd "$(task_lines converted.mmd)"
}

# expect_exit CODE PATTERN ARGS...: render ARGS must exit CODE with PATTERN on stderr.
expect_exit() {
	local want=$1 pat=$2 rc
	shift 2
	set +e
	"$PROCTRACE" render "$@" >out 2>err
	rc=$?
	set -e
	assert_eq "$rc" "$want" "exit status of render $*"
	grep -q -- "$pat" err || fail "render $*: stderr: $(cat err)"
	[ ! -s out ] || fail "render $*: wrote output"
}

test_errors() {
	expect_exit 1 'no-such-file.jsonl' no-such-file.jsonl
	expect_exit 2 "unknown format 'pie'" -f pie "$EX/hand-build.jsonl"
	expect_exit 1 'pid 4242' --pid 4242 "$EX/hand-build.jsonl"
	expect_exit 2 'pid' --pid abc "$EX/hand-build.jsonl"
	expect_exit 2 'pid' --pid 0 "$EX/hand-build.jsonl"
	expect_exit 2 'top' -f summary --top 0 "$EX/hand-build.jsonl"
	expect_exit 2 'top' -f summary --top ten "$EX/hand-build.jsonl"
	expect_exit 2 'top' -f summary --top -3 "$EX/hand-build.jsonl"
	expect_exit 2 'sort' -f summary --sort size "$EX/hand-build.jsonl"
	expect_exit 2 'max-bars' -f mermaid --max-bars x "$EX/hand-build.jsonl"
	expect_exit 2 "max-bars: '0' is not a number from 1" -f mermaid --max-bars 0 "$EX/hand-build.jsonl"
	expect_exit 2 'min-duration' -f mermaid --min-duration 5parsecs "$EX/hand-build.jsonl"
	expect_exit 2 'min-duration' --min-duration ms "$EX/hand-build.jsonl"
	# more than 2^64 - 1 ns: refused, not wrapped around to a short one
	expect_exit 2 'min-duration: .* is too long' -f mermaid --min-duration 18446744073.71s "$EX/hand-build.jsonl"
	expect_exit 2 'min-duration: .* is too long' -f mermaid --min-duration 18446744073709551616 "$EX/hand-build.jsonl"
	expect_exit 2 'min-duration: .* is too long' -f mermaid --min-duration 18446744073709551616ns "$EX/hand-build.jsonl"
	expect_exit 2 'min-duration: .* is too long' -f mermaid --min-duration 18446744073709552us "$EX/hand-build.jsonl"
	expect_exit 2 'one recording' "$EX/hand-build.jsonl" "$EX/hand-lost.jsonl"
	expect_exit 2 "^proctrace: error: render: unknown option '--no-such-option' (try 'proctrace render --help')$" \
		--no-such-option "$EX/hand-build.jsonl"
	expect_exit 2 "^proctrace: error: render: unknown option '-z' (try" -z "$EX/hand-build.jsonl"
	expect_exit 2 "^proctrace: error: render: option '--pid' needs a value (try" "$EX/hand-build.jsonl" --pid
	expect_exit 1 "cannot create 'no-dir/out.txt'" -o no-dir/out.txt "$EX/hand-build.jsonl"
	# as sort says it
	expect_exit 2 "^proctrace: error: render: -o needs a file name$" -o '' "$EX/hand-build.jsonl"
	expect_exit 2 "^proctrace: error: render: -o needs a file name$" --output= "$EX/hand-build.jsonl"
	printf '{"Exec":{"timestamp":1,"pid":1}}\nnot json\n{"Exit":{"timestamp":2,"pid":1}}\n' >bad.jsonl
	expect_exit 1 'bad.jsonl:2' bad.jsonl
}

# An empty file and a header alone are recordings: every view renders them.
test_empty_recordings() {
	: >empty.jsonl
	head -1 "$EX/hand-build.jsonl" >header-only.jsonl
	for f in empty.jsonl header-only.jsonl; do
		for view in $VIEWS; do
			"$PROCTRACE" render -f "$view" "$f" >"$f.$view" || fail "$view of $f"
		done
		[ ! -s "$f.by-process" ] || fail "by-process of $f is not empty"
		grep -q '^  (no exec recorded)$' "$f.summary" || fail "summary of $f: $(cat "$f.summary")"
	done
	[ ! -s empty.jsonl.multiplexed ] || fail "multiplexed of an empty file is not empty"
	cmp header-only.jsonl header-only.jsonl.multiplexed
	grep -q '^processes: *0 ' empty.jsonl.summary || fail "processes of an empty file"
	grep -q '^processes: *1 ' header-only.jsonl.summary || fail "the header's root is a process"
}

test_durations_accepted() {
	local d
	for d in 5ms 250us 1s 100ns 42 1.5ms 0 18446744073709551615 18446744073.709551615s; do
		"$PROCTRACE" render -f summary --min-duration "$d" "$EX/hand-build.jsonl" >/dev/null ||
			fail "--min-duration $d refused"
	done
	# the longest duration there is drops every bar
	"$PROCTRACE" render -f mermaid --min-duration 18446744073.709551615s "$EX/hand-build.jsonl" >none.mmd
	assert_eq "$(task_lines none.mmd)" 1 "bars"
	grep -q '#49;1 of 11 bars not shown' none.mmd || fail "note: $(tail -1 none.mmd)"
	mermaid_check none.mmd 1
}

test_options_of_another_view_are_flagged() {
	"$PROCTRACE" render -f summary --max-bars 3 "$EX/hand-build.jsonl" >out 2>err
	grep -q -- '--max-bars applies to -f mermaid only' err || fail "no warning: $(cat err)"
	"$PROCTRACE" render -f summary "$EX/hand-build.jsonl" >want
	cmp -s out want || fail "the ignored option changed the summary"
	"$PROCTRACE" render --sort cpu "$EX/hand-build.jsonl" >/dev/null 2>err
	grep -q -- '--sort applies to -f summary only' err || fail "no warning: $(cat err)"
	"$PROCTRACE" render -f mermaid --max-bars 3 "$EX/hand-build.jsonl" >max3.mmd 2>err
	[ ! -s err ] || fail "a warning for an option of the view itself: $(cat err)"
	mermaid_check max3.mmd 4
}

test_help_lists_formats_and_examples() {
	"$PROCTRACE" render --help >help
	for view in multiplexed by-process mermaid summary; do
		grep -q "^  $view " help || fail "--help does not list $view"
	done
	for opt in --format --display-mode --output --pid --top --sort --max-bars --min-duration; do
		grep -q -- "$opt" help || fail "--help does not mention $opt"
	done
	grep -q '^EXAMPLES' help || fail "no EXAMPLES block"
}

# --pid PID@N: the N-th process that had PID (1-based, in order of fork), in every view;
# --pid PID on a reused pid takes the first and says so, with how to choose another.
test_pid_at_n_for_reused_pids() {
	local view
	"$PROCTRACE" render -f tree --ascii --pid 1002@2 "$EX/hand-build.jsonl" >tree 2>err
	grep -q "echo 'build failed: see log'" tree || fail "tree: $(cat tree)"
	! grep -q 'cc -c' tree || fail "the first 1002 is there: $(cat tree)"
	[ ! -s err ] || fail "a note for an explicit @N: $(cat err)"
	for view in $VIEWS mermaid tree perfetto html metrics processes; do
		"$PROCTRACE" render -f "$view" --pid 1002@2 "$EX/hand-build.jsonl" >/dev/null 2>err ||
			fail "-f $view --pid 1002@2: $(cat err)"
	done
	"$PROCTRACE" render -f summary --pid 1002@2 "$EX/hand-build.jsonl" >at2
	grep -q '^command: *echo ' at2 || fail "summary: $(head -3 at2)"
	"$PROCTRACE" render -f summary --pid 1002 "$EX/hand-build.jsonl" >first 2>err
	grep -q '^command: */bin/sh -c ' first || fail "--pid 1002: $(head -3 first)"
	grep -q -- '--pid 1002: 2 processes had pid 1002; this is the first (started at 3000000 ns); --pid 1002@N chooses the N-th, 1 to 2' err ||
		fail "no note: $(cat err)"
	"$PROCTRACE" render -f summary --pid 1002@1 "$EX/hand-build.jsonl" 2>/dev/null | cmp - first
	"$PROCTRACE" render -f summary --pid 1001 "$EX/hand-build.jsonl" >/dev/null 2>err
	[ ! -s err ] || fail "a note for a pid not reused: $(cat err)"
	"$PROCTRACE" render --pid 1002@3 "$EX/hand-build.jsonl" >/dev/null 2>err && fail "1002@3 accepted"
	grep -q -- '--pid 1002@3: only 2 processes had pid 1002 in' err || fail "$(cat err)"
	for bad in 1002@0 1002@ 1002@x @2 1002@2@2; do
		"$PROCTRACE" render --pid "$bad" "$EX/hand-build.jsonl" >/dev/null 2>err && fail "--pid $bad accepted"
		[ $? -eq 2 ] || fail "--pid $bad: not a usage error"
	done
}

run_tests
