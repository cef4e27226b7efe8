#!/usr/bin/env bash
# tests/e2e/test_live.sh: 'proctrace snoop' against the real kernel: one line
# per exec with the exact argv (shell-quoted: each line's ARGS is eval'd back
# and compared), failed execs with -x, exits with --exits, a recording with
# -o, lines as they happen through a pipe, terminal-safe escapes, and every
# line that could not be printed counted.
. "$(dirname "$0")/lib.sh"

forker() {
	cc -O2 -o "$T/forker" "$REPO_DIR/tests/bench/forker.c" || fail "cannot build forker"
}

# args_of LINE: the ARGS column of a snoop line without a time column
# (PID, PPID and RET are the first three fields, right-aligned).
args_of() { sed -E 's/^ *[0-9]+ +[0-9]+ +(-?[0-9]+|exit) //' <<<"$1"; }

# The hostile argv: blanks, quotes, globs, expansions, an empty word, every
# C0 control, DEL, C1 controls, bytes that are not UTF-8, and UTF-8 text.
hostile_argv() {
	WANT=('a b' "it's" '' $'line\nbreak' $'tab\there' $'\e[31mred\e[0m' $'\x9b2J' $'\xff\xfe'
		'café ☕' $'\xc2\x9b' '$HOME' '`id`' '$(id)' '*' '!x' 'back\slash' '"dq"' '~' '#c'
		'a=b' '-n' $'\x7f' $'\x01\x02\x03' $'cr\r' '{a,b}' '&;|<>()' "'" "''" '\' $'\\x41')
	local c
	for c in $(seq 1 31); do
		WANT+=("$(printf "c\\$(printf %03o "$c")c")")
	done
}

test_snoop_argv_round_trips_through_a_shell() {
	need_root
	hostile_argv
	"$PROCTRACE" snoop -q --no-header -- /bin/true "${WANT[@]}" >out 2>err ||
		fail "snoop failed: $(cat err)"
	[ ! -s err ] || fail "unexpected stderr: $(cat err)"
	assert_eq "$(wc -l <out)" 1 "exec lines"
	local line args got=() i
	line=$(cat out)
	[[ $line =~ ^\ *[0-9]+\ +[0-9]+\ +0\ /bin/true\  ]] || fail "not a PID PPID RET ARGS line: $line"
	args=$(args_of "$line")
	eval "got=($args)"
	assert_eq "${#got[@]}" $((${#WANT[@]} + 1)) "words read back"
	[ "${got[0]}" = /bin/true ] || fail "argv[0] read back as '${got[0]}'"
	for i in "${!WANT[@]}"; do
		[ "${got[i + 1]}" = "${WANT[i]}" ] ||
			fail "argv[$((i + 1))] read back as $(printf %q "${got[i + 1]}"), want $(printf %q "${WANT[i]}")"
	done
}

test_snoop_output_is_terminal_safe() {
	need_root
	hostile_argv
	"$PROCTRACE" snoop -q -- /bin/true "${WANT[@]}" >out 2>err || fail "snoop failed: $(cat err)"
	# No control byte but the newlines, no C1 control, and valid UTF-8 throughout.
	! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' out || fail "a control character reached the output: $(cat -A out)"
	! LC_ALL=C grep -q $'\xc2[\x80-\x9f]' out || fail "a C1 control reached the output: $(cat -A out)"
	iconv -f UTF-8 -t UTF-8 out >/dev/null || fail "the output is not UTF-8: $(cat -A out)"
	grep -qF "'café ☕'" out || fail "UTF-8 text not kept as it is: $(cat out)"
	grep -qF "\$'\\E[31mred\\E[0m'" out || fail "ESC not escaped as \\E: $(cat -A out)"
}

test_snoop_one_line_per_exec_with_pid_and_ppid() {
	need_root
	"$PROCTRACE" snoop -q --no-header -o rec.jsonl -- sh -c '/bin/echo one >/dev/null; (/bin/echo two >/dev/null); exec /bin/true x' >out 2>err ||
		fail "snoop failed: $(cat err)"
	# Each Exec of the recording made at the same time is one line, in order, with its pid, ppid and argv.
	jq -r 'select(.Exec) | .Exec | "\(.pid) \(.ppid) \(.cmdline | join(" "))"' rec.jsonl >want
	sed -E 's/^ *([0-9]+) +([0-9]+) +0 /\1 \2 /' out | sed "s/'//g" >got
	assert_eq "$(wc -l <want)" 4 "execs recorded"
	diff -u want got || fail "lines differ from the recording's Execs"
}

test_snoop_header_and_timestamps() {
	need_root
	"$PROCTRACE" snoop -q -t -- /bin/true a >rel 2>err || fail "snoop -t failed: $(cat err)"
	"$PROCTRACE" snoop -q --timestamps wall -- /bin/true a >wall 2>err || fail "snoop --timestamps wall failed: $(cat err)"
	"$PROCTRACE" snoop -q -- /bin/true a >none 2>err || fail "snoop failed: $(cat err)"
	head -1 rel | grep -qE '^TIME\(s\) +PID +PPID +RET ARGS$' || fail "header: $(head -1 rel)"
	head -1 wall | grep -qE '^TIME +PID +PPID +RET ARGS$' || fail "header: $(head -1 wall)"
	head -1 none | grep -qE '^ +PID +PPID +RET ARGS$' || fail "header: $(head -1 none)"
	sed -n 2p rel | grep -qE '^[0-9]+\.[0-9]{6} +[0-9]+ +[0-9]+ +0 /bin/true a$' || fail "-t line: $(sed -n 2p rel)"
	sed -n 2p wall | grep -qE '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} +[0-9]+ +[0-9]+ +0 /bin/true a$' ||
		fail "wall line: $(sed -n 2p wall)"
	"$PROCTRACE" snoop -q --timestamps nope -- /bin/true >/dev/null 2>err && fail "bad --timestamps accepted"
	grep -q "timestamps 'nope'" err || fail "message: $(cat err)"
}

test_snoop_failed_execs_with_errno() {
	need_root
	echo 'echo no' >noexec
	chmod 644 noexec
	"$PROCTRACE" snoop -q -x -- bash -c '/nonexistent/prog arg; ./noexec; /bin/true; exit 0' >out 2>err ||
		fail "snoop -x failed: $(cat err)"
	grep -qE '^ +[0-9]+ +[0-9]+ +-2 /nonexistent/prog$' out || fail "no ENOENT line: $(cat out)"
	grep -qE '^ +[0-9]+ +[0-9]+ +-13 \./noexec$' out || fail "no EACCES line: $(cat out)"
	grep -qE '^ +[0-9]+ +[0-9]+ +0 /bin/true$' out || fail "no line for /bin/true: $(cat out)"
	# Without -x, no syscall hook and no failed exec.
	"$PROCTRACE" snoop -q -- bash -c '/nonexistent/prog arg; exit 0' >out 2>err || fail "snoop failed: $(cat err)"
	! grep -qE ' -2 ' out || fail "a failed exec without -x: $(cat out)"
	"$PROCTRACE" snoop -x -- bash -c '/nonexistent/prog; /bin/true; exit 0' >out 2>err || fail "snoop failed: $(cat err)"
	grep -q '^proctrace: snoop: 2 execs, 1 failed exec, 0 lines not printed$' err || fail "closing line: $(cat err)"
}

test_snoop_exits() {
	need_root
	"$PROCTRACE" snoop -q --no-header --exits -o rec.jsonl -- bash -c '(exit 3); sh -c "kill -KILL \$\$"; /bin/sleep 0.01; exit 0' >out 2>err ||
		fail "snoop --exits failed: $(cat err)"
	grep -E '^ +[0-9]+ +[0-9]+ +exit code=3 wall=[0-9.]+(ns|us|ms|s) cpu=[0-9.]+(ns|us|ms|s) maxrss=[0-9]+KiB cmd=bash$' out >/dev/null ||
		fail "no exit line for the subshell: $(cat out)"
	grep -qE ' exit signal=SIGKILL wall=.* cmd=sh$' out || fail "no killed line: $(cat out)"
	grep -qE ' exit code=0 wall=.* cmd=sleep$' out || fail "no exit line for sleep: $(cat out)"
	# One exit line per Exit of the recording, with its pid and status.
	jq -r 'select(.Exit) | .Exit | "\(.pid) \(.ppid) \(if .signal then "signal" else "code=\(.exit_code)" end)"' rec.jsonl | sort >want
	grep -E '^ *[0-9]+ +[0-9]+ +exit ' out | sed -E 's/^ *([0-9]+) +([0-9]+) +exit (code=[0-9]+|signal).*/\1 \2 \3/' | sort >got
	assert_eq "$(wc -l <want)" 4 "Exits recorded"
	diff -u want got || fail "exit lines differ from the recording's Exits"
}

test_snoop_recording_is_record_s_shape() {
	need_root
	local cmd=(sh -c '/bin/true a; (/bin/echo b >/dev/null); exit 2') rc=0
	"$PROCTRACE" snoop -q -o snoop.jsonl -- "${cmd[@]}" >out 2>err || rc=$?
	assert_eq "$rc" 2 "snoop's exit status (CMD's)"
	rc=0
	"$PROCTRACE" record -q -o record.jsonl -- "${cmd[@]}" 2>err || rc=$?
	assert_eq "$rc" 2 "record's exit status"
	# Same header fields, same events (types, argv, statuses), an End line.
	assert_eq "$(jq -c 'select(.Recording) | .Recording | keys' snoop.jsonl)" \
		"$(jq -c 'select(.Recording) | .Recording | keys' record.jsonl)" "header fields"
	shape() { jq -c 'to_entries[0] | [.key, (.value | del(.seq, .timestamp, .pid, .ppid, .pgid, .parent_pid, .child_pid, .parent_pgid, .user_ns, .system_ns, .max_rss_kb, .start_time, .root_pid))]' "$1"; }
	diff -u <(shape record.jsonl) <(shape snoop.jsonl) || fail "the recordings differ in shape"
	"$PROCTRACE" render -f summary snoop.jsonl >/dev/null 2>err || fail "render: $(cat err)"
	# -o - would mix the recording with the log.
	"$PROCTRACE" snoop -o - -- /bin/true >/dev/null 2>err && fail "-o - accepted"
	grep -q 'stdout has the exec log' err || fail "message: $(cat err)"
}

test_snoop_lines_come_through_a_pipe_as_they_happen() {
	need_root
	# CMD waits, after its first exec, for a file the reader makes only once
	# it has read that exec's line from the pipe: a log held back until the
	# end (block-buffered) would never let CMD finish, and the guard fails.
	mkfifo pipe
	"$PROCTRACE" snoop -q --no-header -- sh -c '/bin/echo marker >/dev/null; while [ ! -e go ]; do sleep 0.05; done' >pipe 2>err &
	local pid=$! line found=0
	while IFS= read -r line; do
		if [[ $line == *"/bin/echo marker"* ]]; then
			found=1
			touch go
		fi
	done < <(timeout "$GUARD" cat pipe)
	wait_exit "$pid"
	assert_eq "$RC" 0 "snoop's exit status"
	assert_eq "$found" 1 "the marker line was read"
}

test_snoop_storm_prints_every_line_or_counts_it() {
	need_root
	forker
	local n=5000 lines missing
	"$PROCTRACE" snoop --no-header -- "$T/forker" -n $n -j 4 -- /bin/true >out 2>err ||
		fail "snoop failed: $(cat err)"
	lines=$(grep -cE '^ *[0-9]+ +[0-9]+ +0 /bin/true$' out || true)
	missing=$(sed -nE 's/^proctrace: snoop: [0-9]+ execs, ([0-9]+) lines? not printed$/\1/p' err)
	[ -n "$missing" ] || fail "no closing line: $(cat err)"
	assert_eq "$((lines + missing))" "$n" "lines printed + lines counted as not printed"
	echo "    $lines lines, $missing not printed" >&2
}

test_snoop_slow_reader_lines_counted() {
	need_root
	forker
	# 400 execs with 100 KB of argv each (40 MB of lines) into a pipe that
	# nobody reads until CMD is over: what the output queue cannot hold is
	# counted, and what is printed is whole lines.
	local arg n=400 lines dropped
	arg=$(printf '%0100000d' 7)
	"$PROCTRACE" snoop --no-header -- sh -c "'$T/forker' -n $n -- /bin/true $arg; touch done" 2>err |
		{ while [ ! -e done ]; do sleep 0.1; done; cat >out; }
	lines=$(grep -c "^ *[0-9]* *[0-9]* *0 /bin/true 0*7$" out || true)
	assert_eq "$(wc -l <out)" "$((lines + 3))" "whole lines (sh's, forker's, /bin/true's, touch's)"
	dropped=$(sed -nE 's/^proctrace: warning: snoop: ([0-9]+) lines? not printed: the output did not keep up$/\1/p' err)
	[ -n "$dropped" ] && [ "$dropped" -gt 0 ] || fail "no lines counted as not printed: $(cat err)"
	assert_eq "$((lines + dropped))" "$n" "lines printed + counted"
	grep -q "^proctrace: snoop: $((n + 3)) execs, $dropped lines not printed$" err || fail "closing line: $(cat err)"
}

# wait_line ERE FILE: until FILE has a line matching ERE.
wait_line() {
	local i
	for i in $(seq 1 $((GUARD * 10))); do
		grep -qE -- "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "no line with $1 in $2: $(tail -5 "$2" 2>&1)"
}

# Without CMD, snoop traces the whole machine (record --all): a command this
# shell runs, outside anything snoop started, has its line with its exact
# argv, and the recording -o writes is system-wide, read by every view.
test_snoop_without_cmd_traces_the_machine() {
	need_root
	local marker="snoop-marker-$$-$RANDOM" pid line
	"$PROCTRACE" snoop --no-header -o rec.jsonl >out 2>err &
	pid=$!
	# the walk is written once the hooks are on: what runs from then on is seen
	wait_line '"Running"' rec.jsonl
	/bin/echo "$marker" 'two words' "it's" >/dev/null
	# (the greps that wait have lines of their own, with the marker in their argv)
	wait_line "^ *[0-9]+ +[0-9]+ +0 /bin/echo $marker " out
	kill -INT "$pid"
	wait_exit "$pid"
	assert_eq "$RC" 0 "snoop's exit status ($(cat err))"
	line=$(grep -E "^ *[0-9]+ +[0-9]+ +0 /bin/echo $marker " out)
	assert_eq "$(wc -l <<<"$line")" 1 "lines of the marker: $(grep -F "$marker" out)"
	assert_eq "$(args_of "$line")" "/bin/echo $marker 'two words' 'it'\\''s'" "ARGS of: $line"
	# PPID: this shell, which forked it
	assert_eq "$(awk '{ print $2 }' <<<"$line")" "$BASHPID" "PPID of: $line"
	grep -qE '^proctrace: snoop: [0-9]+ execs?, 0 lines not printed$' err || fail "closing line: $(cat err)"
	expect '.[0].Recording | .system_wide == true and (has("root_pid") | not)' "header: $(head -1 rec.jsonl)"
	expect --arg m "$marker" 'any(.[]; .Exec.cmdline == ["/bin/echo", $m, "two words", "it'"'"'s"])' \
		"no Exec of the marker in the recording"
	expect '.[-1].End.stopped == "signal"' "End: $(tail -1 rec.jsonl)"
	# every line is an Exec of the recording
	assert_eq "$(grep -cvE '^ *[0-9]+ +[0-9]+ +0 ' out || true)" 0 "lines that are not exec lines"
	assert_eq "$(wc -l <out)" "$(jq -c 'select(.Exec)' rec.jsonl | wc -l)" "lines and Execs"
	"$PROCTRACE" render -f summary rec.jsonl >sum 2>err || fail "render: $(cat err)"
	grep -q 'already running at the start' sum || fail "the summary: $(head -8 sum)"
	"$PROCTRACE" render -f processes rec.jsonl | grep -qF "$marker" || fail "render -f processes has no marker"
}

# --duration ends it (as record --all's); record's rules for --all hold.
test_snoop_without_cmd_duration_and_usage() {
	need_root
	local rc=0
	"$PROCTRACE" snoop -q --duration 100ms -o rec.jsonl >out 2>err || rc=$?
	assert_eq "$rc" 0 "exit status ($(cat err))"
	head -1 out | grep -qE '^ +PID +PPID +RET ARGS$' || fail "header line: $(head -1 out)"
	expect '.[0].Recording.system_wide == true and .[-1].End.stopped == "duration"' "End: $(tail -1 rec.jsonl)"
}

# Under sudo, as record --all: every user's execs are shown (the invoking
# user asked for the machine), and the recording is the user's file.
test_snoop_without_cmd_under_sudo() {
	need_root
	local rc=0
	chmod 777 .
	SUDO_UID=65534 SUDO_GID=65534 "$PROCTRACE" snoop -q --duration 100ms -o rec.jsonl >out 2>err || rc=$?
	assert_eq "$rc" 0 "exit status ($(cat err))"
	assert_eq "$(stat -c %u rec.jsonl)" 65534 "the recording's owner"
	expect --argjson p "$BASHPID" '.[0].Recording.system_wide == true and any(.[]; .Running.pid == $p)' \
		"no Running for this shell (root's)"
}

test_snoop_usage_errors() {
	usage() {
		local want=$1 rc=0
		shift
		"$PROCTRACE" snoop "$@" >out 2>err || rc=$?
		assert_eq "$rc" 2 "snoop $* ($(cat err))"
		grep -qF -- "$want" err || fail "snoop $*: $(cat err), want '$want'"
	}
	usage "snoop: --no-wait and no command (the whole machine, as --all)" --no-wait
	usage "snoop: --duration and a command (CMD) contradict" --duration 1s -- true
	usage "snoop: --comm needs --all or -p, or no command" --comm sh -- true
	usage "snoop: -p and --all contradict" --all -p 1
	usage "snoop: --duration '5'" --duration 5
	usage "snoop: unknown option '--bogus'" --bogus -- true
	"$PROCTRACE" snoop --help | grep -q EXAMPLES || fail "no --help"
	"$PROCTRACE" snoop --help | grep -q "Without CMD, snoop traces the whole machine" || fail "--help on no CMD"
}

# --- record --summary: the summary so far, while recording ----------------

# summary_block FILE WHY [N]: the Nth (default: last) summary of FILE printed for WHY, without its heading.
summary_block() {
	awk -v why="($2)" -v n="${3:-0}" '
		/^# proctrace summary / { k++; keep = index($0, why) > 0; if (keep) { m++; buf[m] = "" } next }
		keep { buf[m] = buf[m] $0 "\n" }
		END { printf "%s", buf[n ? n : m] }' "$1"
}

# no_crit: render -f summary's text without its critical path section,
# which needs the whole tree and which the live summaries leave out.
no_crit() { awk '/^critical path:/ { skip = 1 } skip && /^$/ { skip = 0; next } !skip'; }

# field BLOCK NAME: the first number after "NAME:" in a summary.
field() { sed -nE "s/^$2: +([0-9]+).*/\1/p" <<<"$1" | head -1; }

test_summary_final_equals_render_summary() {
	need_root
	local rc=0
	"$PROCTRACE" record -q --summary --summary-file sum.txt -o rec.jsonl -- sh "$REPO_DIR/examples/demo.sh" 2>err || rc=$?
	assert_eq "$rc" 0 "record's exit status: $(cat err)"
	assert_eq "$(grep -c '^# proctrace summary (end): the events of the first [0-9]*\.[0-9]* s$' sum.txt)" 1 "end summaries"
	summary_block sum.txt end >live
	"$PROCTRACE" render -f summary rec.jsonl | no_crit >rendered
	# The same code on the same events: the same text, but the blank line that
	# ends each print, and the critical path.
	printf '\n' >>rendered
	diff -u rendered live || fail "the live summary differs from render -f summary"
	# With --top and --sort too.
	"$PROCTRACE" record -q --summary --top 2 --sort time --summary-file sum2.txt -o rec2.jsonl -- \
		sh -c '/bin/true; /bin/true; /bin/sleep 0.01; (exit 3); /bin/false; exit 0' 2>err || fail "record: $(cat err)"
	summary_block sum2.txt end >live
	{ "$PROCTRACE" render -f summary --top 2 --sort time rec2.jsonl | no_crit; echo; } >rendered
	diff -u rendered live || fail "--top 2 --sort time: the live summary differs from render -f summary"
	grep -q '^top 2 commands by ' live || fail "--top 2: $(cat live)"
}

test_summary_every_interval() {
	need_root
	# CMD runs until the test has read two periodic summaries: no timing is assumed.
	mkfifo go
	"$PROCTRACE" record -q --summary --interval 200ms --summary-file sum.txt -o rec.jsonl -- \
		sh -c '/bin/true; read x <go' 2>err &
	local pid=$! i
	for i in $(seq 1 $((GUARD * 10))); do
		[ "$(grep -c '^# proctrace summary (interval)' sum.txt 2>/dev/null)" -ge 2 ] && break
		kill -0 "$pid" 2>/dev/null || fail "record ended early: $(cat err)"
		sleep 0.1
	done
	echo >go
	wait_exit "$pid"
	assert_eq "$RC" 0 "record's exit status: $(cat err)"
	grep '^# proctrace summary (interval)' sum.txt | head -2 >heads
	assert_eq "$(sed -n 1p heads)" "# proctrace summary (interval): the events of the first 0.200 s" "first heading"
	assert_eq "$(sed -n 2p heads)" "# proctrace summary (interval): the events of the first 0.400 s" "second heading"
	grep -q '^# proctrace summary (end)' sum.txt || fail "no end summary"
}

# usr1_run SCRIPT STEPS [OPTIONS]: record SCRIPT (sh -c) with --summary OPTIONS, to sum.txt;
# SCRIPT makes ready1, ready2... and waits on fifos go1, go2...; for each
# step, the test sends SIGUSR1 once readyN is there, waits for the Nth
# SIGUSR1 summary, then lets CMD on. $RC is record's status.
usr1_run() {
	local script=$1 steps=$2 pid k i
	shift 2
	for k in $(seq 1 "$steps"); do mkfifo "go$k"; done
	"$PROCTRACE" record -q --summary "$@" --summary-file sum.txt -o rec.jsonl -- sh -c "$script" 2>err &
	pid=$!
	for k in $(seq 1 "$steps"); do
		for i in $(seq 1 $((GUARD * 10))); do
			[ -e "ready$k" ] && break
			kill -0 "$pid" 2>/dev/null || fail "record ended early: $(cat err)"
			sleep 0.1
		done
		kill -USR1 "$pid"
		for i in $(seq 1 $((GUARD * 10))); do
			[ "$(grep -c '^# proctrace summary (SIGUSR1)' sum.txt 2>/dev/null)" -ge "$k" ] && break
			sleep 0.1
		done
		echo >"go$k"
	done
	wait_exit "$pid"
}

test_summary_at_once_on_sigusr1() {
	need_root
	usr1_run '/bin/true; /bin/true; : >ready1; read x <go1' 1
	assert_eq "$RC" 0 "record's exit status: $(cat err)"
	assert_eq "$(grep -c '^# proctrace summary (SIGUSR1)' sum.txt)" 1 "SIGUSR1 summaries"
	assert_eq "$(grep -c '^# proctrace summary' sum.txt)" 2 "summaries (SIGUSR1, end)"
	# Everything before the signal is in it: sh and two /bin/true.
	assert_eq "$(field "$(summary_block sum.txt SIGUSR1)" execs)" 3 "execs at SIGUSR1"
	"$PROCTRACE" record --help | grep -q 'SIGUSR1' || fail "--help does not say what SIGUSR1 does"
}

test_summary_clear_resets_counters() {
	need_root
	usr1_run '/bin/true; /bin/true; /bin/true; : >ready1; read x <go1; /bin/true; /bin/true; : >ready2; read x <go2' 2 --clear
	assert_eq "$RC" 0 "record's exit status: $(cat err)"
	assert_eq "$(field "$(summary_block sum.txt SIGUSR1 1)" execs)" 4 "execs in the first summary (sh, 3 true)"
	assert_eq "$(field "$(summary_block sum.txt SIGUSR1 2)" execs)" 2 "execs in the second (2 true since the first)"
	assert_eq "$(field "$(summary_block sum.txt end)" execs)" 0 "execs in the last (none since the second)"
	# Without --clear the counts go on.
	rm -f go* ready* sum.txt rec.jsonl
	usr1_run '/bin/true; : >ready1; read x <go1; /bin/true; : >ready2; read x <go2' 2
	assert_eq "$(field "$(summary_block sum.txt SIGUSR1 2)" execs)" 3 "execs without --clear"
	assert_eq "$(field "$(summary_block sum.txt end)" execs)" 3 "execs at the end without --clear"
}

# same_as_render: the end summary of sum.txt is render -f summary's of rec.jsonl
# (without the critical path), byte for byte.
same_as_render() {
	summary_block sum.txt end >live
	{ "$PROCTRACE" render -f summary rec.jsonl | no_crit; printf '\n'; } >rendered
	diff -u rendered live || fail "the live summary differs from render -f summary ($1)"
}

# -p: processes already running (Running lines), the attached one the root.
test_summary_final_equals_render_summary_under_p() {
	need_root
	local pid
	mkfifo fifo
	bash -c 'sleep 999 & read -r x <fifo; /bin/echo one; /bin/echo two; kill $!; wait; exit 3' &
	pid=$!
	for _ in $(seq 1 $((GUARD * 10))); do pgrep -P "$pid" -x sleep >/dev/null && break; sleep 0.1; done
	"$PROCTRACE" record -q -p "$pid" --summary --summary-file sum.txt -o rec.jsonl 2>err &
	REC=$!
	wait_line "\"Running\".*\"pid\":$pid," rec.jsonl
	echo go >fifo
	wait_exit "$REC"
	assert_eq "$RC" 0 "record's exit status ($(cat err))"
	same_as_render "-p"
	grep -q "^command: *bash -c 'sleep 999 &" live || fail "command: $(head -3 live)"
	grep -q '^exit status: *3$' live || fail "exit status: $(grep '^exit status' live)"
	grep -q '(2 already running at the start' live || fail "Running: $(head -8 live)"
	grep -qE '^  sleep +[0-9]+ +SIGTERM|SIGTERM .* sleep ' live || fail "no sleep killed: $(cat live)"
}

# --all: a forest of processes already running; with a command, it is the
# root; without one, the summary is about no process in particular.
test_summary_final_equals_render_summary_under_all() {
	need_root
	local spid rc=0
	sleep 777 &
	spid=$!
	"$PROCTRACE" record -q --all --summary --summary-file sum.txt -o rec.jsonl -- /bin/sh -c '/bin/true; exit 5' 2>err || rc=$?
	assert_eq "$rc" 5 "record's exit status: $(cat err)"
	same_as_render "--all -- CMD"
	grep -qxF "command:          /bin/sh -c '/bin/true; exit 5'" live || fail "command: $(head -3 live)"
	grep -q '^exit status: *5$' live || fail "exit status: $(grep '^exit status' live)"
	rm -f sum.txt rec.jsonl
	"$PROCTRACE" record -q --all --duration 300ms --summary --summary-file sum.txt -o rec.jsonl 2>err ||
		fail "record --all --duration: $(cat err)"
	kill "$spid"
	same_as_render "--all"
	grep -q '^command: *(system-wide: every process of the machine, no single root)$' live ||
		fail "command: $(head -3 live)"
	grep -q '^exit status: *none (system-wide: no single root)$' live || fail "exit status: $(grep '^exit status' live)"
	grep -q 'already running at the start' live || fail "Running: $(head -8 live)"
}

test_summary_to_stderr_by_default() {
	need_root
	"$PROCTRACE" record -q --summary -o rec.jsonl -- /bin/true 2>err || fail "record: $(cat err)"
	grep -q '^# proctrace summary (end)' err || fail "no summary on stderr: $(cat err)"
	grep -q '^execs: *1$' err || fail "execs: $(cat err)"
	# --summary-file appends: a log of summaries.
	echo previous >sum.txt
	"$PROCTRACE" record -q --summary --summary-file sum.txt -o rec2.jsonl -- /bin/true 2>err || fail "record: $(cat err)"
	assert_eq "$(head -1 sum.txt)" previous "what the file held"
	grep -q '^# proctrace summary (end)' sum.txt || fail "no summary appended"
}

test_summary_usage_errors() {
	local args rc want
	while IFS='|' read -r args want; do
		rc=0
		eval "\"\$PROCTRACE\" record $args -- true" >out 2>err || rc=$?
		assert_eq "$rc" 2 "exit status of record $args"
		grep -qF -- "$want" err || fail "record $args: $(cat err)"
	done <<'EOF'
--summary --interval 5|--interval '5': want a duration with a unit
--summary --interval 0s|--interval '0s'
--summary --interval -1s|--interval '-1s'
--summary --interval 1x|--interval '1x'
--interval 1s|--interval needs --summary
--summary-file f|--summary-file needs --summary
--clear|--clear needs --summary
--top 3|--top needs --summary
--summary --top 0|--top '0'
--summary --sort size|--sort 'size': want count, time or cpu
EOF
	[ ! -e f ] || fail "a usage error made a file"
}

run_tests
