#!/usr/bin/env bash
# tests/e2e/test_diff.sh: 'proctrace diff' against golden files (a hand-made pair of CI runs,
# tests/data/diff-{a,b}.jsonl), every example diffed with itself, the JSON schema through jq,
# --fail-over's exit statuses, bad input and usage errors, and two real recordings of one
# workload. UPDATE_GOLDEN=1 rewrites tests/golden/diff-*.
. "$(dirname "$0")/lib.sh"

EX=$REPO_DIR/examples
DATA=$REPO_DIR/tests/data
GOLDEN=$REPO_DIR/tests/golden
A=$DATA/diff-a.jsonl
B=$DATA/diff-b.jsonl

# golden_diff NAME ARGS...: `diff ARGS` (run in tests/data, so file names are short) must
# print tests/golden/NAME.
golden_diff() {
	local name=$1
	shift
	(cd "$DATA" && "$PROCTRACE" diff "$@") >out 2>err || fail "diff $*: exit $?: $(cat err)"
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		cp out "$GOLDEN/$name"
	fi
	[ -f "$GOLDEN/$name" ] || fail "no golden tests/golden/$name (UPDATE_GOLDEN=1 makes it)"
	diff -u "$GOLDEN/$name" out || fail "diff $* differs from tests/golden/$name"
}

test_golden_text() { golden_diff diff-a-b.text diff-a.jsonl diff-b.jsonl; }
test_golden_json() { golden_diff diff-a-b.json -f json diff-a.jsonl diff-b.jsonl; }
test_golden_reversed() { golden_diff diff-b-a.text diff-b.jsonl diff-a.jsonl; }
test_golden_top_sort() { golden_diff diff-a-b.top1-cpu.text --top 1 --sort cpu diff-a.jsonl diff-b.jsonl; }
test_golden_pid() { golden_diff diff-a-b.pid.json -f json --pid-a 2004 --pid-b 3004 diff-a.jsonl diff-b.jsonl; }
test_golden_legacy() {
	golden_diff diff-legacy.text ../../examples/legacy-flox-curl.jsonl ../../examples/legacy-seq-exec-pieces.jsonl
}

# What the pair was made to show, asked of the JSON as a CI script would.
test_json_names_what_changed() {
	"$PROCTRACE" diff -f json "$A" "$B" >d.json
	assert_eq "$(jq -c '[.only_in_a.commands[].name, .only_in_b.commands[].name]' d.json)" \
		'["strip","lint"]' "commands only in one"
	# temporary names, a hash and a pid differ, yet these lines are the same command line
	assert_eq "$(jq -c '[.only_in_a.command_lines[].line]' d.json)" '["cc -o app a.o b.o"]' "lines only in A"
	assert_eq "$(jq -c '[.only_in_b.command_lines[].line]' d.json)" \
		'["cc -c d.c -o d.o","cc -o app a.o b.o d.o"]' "lines only in B"
	assert_eq "$(jq -r '.changed | map(.name) | join(" ")' d.json)" "ci.sh make cc" "changed, by wall change"
	assert_eq "$(jq -c '.changed[2].count' d.json)" '{"a":3,"b":4,"change":1,"pct":33.3333}' "cc count"
	assert_eq "$(jq -c '.totals.wall_ns' d.json)" '{"a":40000000,"b":92000000,"change":52000000,"pct":130}' "wall"
	assert_eq "$(jq -c '.totals.failed' d.json)" '{"a":0,"b":3,"change":3,"pct":null}' "failed"
	assert_eq "$(jq -c '.totals.failed_execs' d.json)" '{"a":null,"b":null,"change":null,"pct":null}' \
		"failed execs not recorded"
	assert_eq "$(jq '.same' d.json)" false "same"
	assert_eq "$(jq '.wall_growth_pct' d.json)" 130 "wall growth"
}

# The schema the man page documents: every key, and the type of each.
test_json_schema() {
	"$PROCTRACE" diff -f json --top 0 "$A" "$B" >d.json
	jq -e '
	  def pair: type == "object" and (keys == ["a","b","change","pct"]);
	  def side: keys == ["command","file","host","start_time"];
	  def only: (keys == ["command_lines","command_lines_total","commands","commands_total"])
	    and all(.commands[]; keys == ["count","cpu_ns","name","wall_ns"])
	    and all(.command_lines[]; keys == ["count","line","name"])
	    and (.commands | length) == .commands_total
	    and (.command_lines | length) == .command_lines_total;
	  (keys == ["a","b","changed","changed_total","critical_path","only_in_a","only_in_b","same","sort","totals","wall_growth_pct"])
	  and (.a | side) and (.b | side)
	  and (.totals | keys == ["cpu_ns","execs","failed","failed_execs","killed","lost_events","peak_concurrency","processes","wall_ns"])
	  and all(.totals[]; pair)
	  and (.only_in_a | only) and (.only_in_b | only)
	  and all(.changed[]; (keys == ["count","cpu_ns","name","wall_ns"]) and (.count | pair) and (.wall_ns | pair) and (.cpu_ns | pair))
	  and (.changed | length) == .changed_total
	  and (.critical_path | keys == ["a","b"])
	  and all(.critical_path[][]; keys == ["name","pid","start_ns","wait_ns","wall_ns"])
	  and (.sort == "wall")
	' d.json >/dev/null || fail "the JSON does not have the documented shape: $(jq -c . d.json | head -c 600)"
}

# A recording diffed with itself reports no change: every example (the original
# proctrace's too) and every hand-made recording the reader reads.
test_self_diff_reports_no_change() {
	local f
	for f in "$EX"/*.jsonl "$DATA"/diff-*.jsonl "$DATA"/sampled.jsonl "$DATA"/lost.jsonl \
		"$DATA"/unknown-types.jsonl "$DATA"/truncated-tail.jsonl; do
		"$PROCTRACE" diff -f json --fail-over 0 "$f" "$f" >d.json 2>/dev/null || fail "$f: exit $?"
		jq -e '.same and .changed == [] and .only_in_a.commands == [] and .only_in_b.commands == []
		   and .only_in_a.command_lines == [] and .only_in_b.command_lines == []
		   and all(.totals[]; .change == 0 or .change == null)
		   and .critical_path.a == .critical_path.b' d.json >/dev/null ||
			fail "$f diffed with itself: $(jq -c . d.json | head -c 400)"
		"$PROCTRACE" diff "$f" "$f" >d.txt 2>/dev/null || fail "$f: text: exit $?"
		[ "$(tail -1 d.txt)" = "no change" ] || fail "$f: text does not end in 'no change'"
	done
}

# The lines only in A have their texts whatever A is: a file read again, stdin, a pipe.
test_a_from_stdin_or_a_pipe() {
	"$PROCTRACE" diff -f json "$A" "$B" >file.json
	"$PROCTRACE" diff -f json - "$B" <"$A" >stdin.json
	"$PROCTRACE" diff -f json <(cat "$A") "$B" >pipe.json
	"$PROCTRACE" diff -f json "$A" - <"$B" >stdinb.json
	for f in stdin pipe stdinb; do
		assert_eq "$(jq -c 'del(.a.file, .b.file)' $f.json)" "$(jq -c 'del(.a.file, .b.file)' file.json)" "$f"
	done
	assert_eq "$(jq -r .a.file stdin.json)" "<stdin>" "stdin's name"
}

test_fail_over() {
	local rc
	rc=0; "$PROCTRACE" diff --fail-over 100 "$A" "$B" >/dev/null || rc=$?
	assert_eq "$rc" 3 "wall grew 130% > 100%"
	rc=0; "$PROCTRACE" diff --fail-over 130 "$A" "$B" >/dev/null || rc=$?
	assert_eq "$rc" 0 "wall grew 130%, not more than 130%"
	rc=0; "$PROCTRACE" diff --fail-over 2.5 "$B" "$A" >/dev/null || rc=$?
	assert_eq "$rc" 0 "wall shrank"
	rc=0; "$PROCTRACE" diff --fail-over 0 "$A" "$A" >/dev/null || rc=$?
	assert_eq "$rc" 0 "no change"
	rc=0; "$PROCTRACE" diff "$A" "$B" >/dev/null || rc=$?
	assert_eq "$rc" 0 "they differ, no --fail-over"
	# the report is written before the status says it grew
	rc=0; "$PROCTRACE" diff -o rep.txt --fail-over 1 "$A" "$B" || rc=$?
	assert_eq "$rc" 3 "with -o"
	grep -q '^wall time: .*+130.0%' rep.txt || fail "report not written: $(cat rep.txt)"
}

test_bad_input_names_file_and_line() {
	local rc f
	for f in bad-not-json bad-missing-pid bad-wrong-type; do
		rc=0; "$PROCTRACE" diff "$A" "$DATA/$f.jsonl" >out 2>err || rc=$?
		assert_eq "$rc" 1 "$f as B"
		grep -q "^proctrace: error: .*$f.jsonl:[0-9]*: " err || fail "$f: $(cat err)"
		rc=0; "$PROCTRACE" diff "$DATA/$f.jsonl" "$A" >out 2>err || rc=$?
		assert_eq "$rc" 1 "$f as A"
		grep -q "^proctrace: error: .*$f.jsonl:[0-9]*: " err || fail "$f: $(cat err)"
	done
	rc=0; "$PROCTRACE" diff "$A" nosuchfile.jsonl 2>err || rc=$?
	assert_eq "$rc" 1 "missing file"
	grep -q "nosuchfile.jsonl" err || fail "$(cat err)"
	rc=0; "$PROCTRACE" diff --pid 99999 "$A" "$B" 2>err || rc=$?
	assert_eq "$rc" 1 "--pid of no process"
}

test_usage_errors() {
	local rc args
	for args in "" "$A" "$A $B $B" "-f xml $A $B" "--top x $A $B" "--sort name $A $B" \
		"--pid 0 $A $B" "--pid-a x $A $B" "--fail-over -1 $A $B" "--fail-over ten $A $B" \
		"--fail-over 0x10 $A $B" "--bogus $A $B" "- -" "-o $A $A $B" "-o $B $A $B"; do
		rc=0; "$PROCTRACE" diff $args </dev/null >out 2>err || rc=$?
		assert_eq "$rc" 2 "diff $args"
		grep -q '^proctrace: error: diff: ' err || fail "diff $args: $(cat err)"
	done
	"$PROCTRACE" diff --help | grep -q '^EXAMPLES' || fail "--help has no EXAMPLES"
	"$PROCTRACE" help diff | grep -q -- '--fail-over' || fail "help diff"
	"$PROCTRACE" --help | grep -q '^  diff ' || fail "diff is not in the main help"
}

# work.sh DURATION: a script, the same command line each time, whose last sleep lasts DURATION.
work() { printf 'for i in 1 2 3; do /bin/true; done\nls / >/dev/null\nsleep %s\n' "$1" >work.sh; }

# Two real recordings of one workload: a loop whose last sleep is longer the second time.
# The pids differ from run to run; the diff must still match every other command line,
# and name the sleep.
test_real_recordings_name_the_longer_sleep() {
	need_root
	work 0.1
	"$PROCTRACE" record -q -o a.jsonl -- sh work.sh
	work 1
	"$PROCTRACE" record -q -o b.jsonl -- sh work.sh
	"$PROCTRACE" diff -f json a.jsonl b.jsonl >d.json
	"$PROCTRACE" diff a.jsonl b.jsonl >d.txt
	cat d.txt
	assert_eq "$(jq -c '[.only_in_a.command_lines[].line]' d.json)" '["sleep 0.1"]' "lines only in A"
	assert_eq "$(jq -c '[.only_in_b.command_lines[].line]' d.json)" '["sleep 1"]' "lines only in B"
	assert_eq "$(jq -c '[.only_in_a.commands, .only_in_b.commands]' d.json)" '[[],[]]' "commands"
	jq -e '.changed | map(.name) | index("sleep") != null' d.json >/dev/null || fail "sleep not among the changed"
	# sleep 1 sleeps at least a second: B's sleep is at least that long
	jq -e '.changed[] | select(.name == "sleep") | .wall_ns.b >= 1000000000' d.json >/dev/null ||
		fail "B's sleep: $(jq -c '.changed' d.json)"
	grep -q '^  *1  sleep 1$' d.txt || fail "the text does not name 'sleep 1'"
	assert_eq "$(jq -c '[.totals.processes.change, .totals.execs.change]' d.json)" '[0,0]' "same processes"
	# the same workload twice: nothing only on one side, pids and all
	work 0.1
	"$PROCTRACE" record -q -o c.jsonl -- sh work.sh
	"$PROCTRACE" diff -f json a.jsonl c.jsonl >s.json
	jq -e '.only_in_a.command_lines == [] and .only_in_b.command_lines == []
	       and .only_in_a.commands == [] and .only_in_b.commands == []' s.json >/dev/null ||
		fail "the same workload: $(jq -c '.only_in_a, .only_in_b' s.json)"
}

run_tests
