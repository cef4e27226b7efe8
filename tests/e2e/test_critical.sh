#!/usr/bin/env bash
# tests/e2e/test_critical.sh: the critical path of real recordings whose answer is known,
# -f critical-path and the summary's section, as text and JSON (checked with jq).
# The hand-made cases (exact times) are in tests/test_critical.c.
. "$(dirname "$0")/lib.sh"

# links FILE [--pid P]: the critical path's links as "command:depth" words, in order.
links() { "$PROCTRACE" render -f critical-path --json "$@" | jq -r '[.links[] | "\(.command):\(.depth)"] | join(" ")'; }

# make -j2 runs two jobs side by side; b waits until a has written to a fifo and
# exited, then works on: b decides when make ends, a is not on the path.
test_make_j2_slowest_job_decides() {
	need_root
	mkfifo fifo
	printf 'all: a b\na:\n\techo x > fifo\nb:\n\tcat fifo >/dev/null; sleep 1\n' >Makefile
	"$PROCTRACE" record -q -o rec.jsonl -- make -s -j2 >/dev/null
	links rec.jsonl >got
	# make -> sh (b's recipe) -> sleep; the shell running a's echo is not there
	grep -Eq '^make:0( [a-z]+:1)* sh:1 cat:2 sleep:2$' got || fail "path: $(cat got)"
	"$PROCTRACE" render -f critical-path --json rec.jsonl >cp.json
	jq -e '.links[0].command == "make" and .links[0].wait_ns > 0 and
		([.links[] | select(.argv == ["sh", "-c", "echo x > fifo"])] | length == 0) and
		([.links[] | .own_ns + .wait_ns == .end_ns - .start_ns] | all) and
		.outliving_root == []' cp.json >/dev/null || fail "$(jq -c . cp.json)"
	# the summary's section lists the same links
	"$PROCTRACE" render -f summary --json rec.jsonl |
		jq -e --slurpfile cp cp.json '[.critical_path[] | .pid] == [$cp[0].links[] | .pid]' >/dev/null ||
		fail "the summary's critical path differs"
}

# Three steps one after the other: each is on the path, in order.
test_three_sequential_steps() {
	need_root
	"$PROCTRACE" record -q -o rec.jsonl -- sh -c 'ls / >/dev/null; sleep 0.01; cat /dev/null; :'
	assert_eq "$(links rec.jsonl)" "sh:0 ls:1 sleep:1 cat:1" "path"
}

# A background job outlives the root: beside the path, never on it.
test_background_job_outlives_root() {
	need_root
	"$PROCTRACE" record -q -o rec.jsonl -- sh -c 'sleep 2 & ls / >/dev/null'
	assert_eq "$(links rec.jsonl)" "sh:0 ls:1" "path"
	"$PROCTRACE" render -f critical-path --json rec.jsonl |
		jq -e '.outliving_root | length == 1 and .[0].command == "sleep"' >/dev/null ||
		fail "outliving: $("$PROCTRACE" render -f critical-path rec.jsonl)"
	"$PROCTRACE" render -f critical-path rec.jsonl | grep -q '^outliving the root' ||
		fail "not said in the text"
}

# Every example: a path whose links fit their parents', and the same under --pid as on the subtree alone.
test_examples_are_consistent() {
	local f
	for f in "$REPO_DIR"/examples/*.jsonl; do
		"$PROCTRACE" render -f critical-path --json "$f" >cp.json 2>/dev/null || fail "$f"
		jq -e '(.links | length) as $n | ($n == 0 and .root == null) or
			(.links[0].pid == .root.pid and ([.links[] | .own_ns >= 0 and .start_ns <= .end_ns] | all))' \
			cp.json >/dev/null || fail "$f: $(jq -c . cp.json)"
	done
	"$PROCTRACE" render --pid 1001 "$REPO_DIR/examples/hand-build.jsonl" >sub.jsonl
	assert_eq "$(links sub.jsonl)" "$(links "$REPO_DIR/examples/hand-build.jsonl" --pid 1001)" "--pid"
}

# --json applies to summary and critical-path; elsewhere it is flagged.
test_json_option_of_other_views_flagged() {
	"$PROCTRACE" render -f tree --json "$REPO_DIR/examples/hand-build.jsonl" >/dev/null 2>err
	grep -q -- '--json applies to -f summary and -f critical-path only' err || fail "$(cat err)"
}

run_tests
