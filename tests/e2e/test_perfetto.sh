#!/usr/bin/env bash
# tests/e2e/test_perfetto.sh: the perfetto view (Chrome Trace Event JSON) of the examples
# (tests/golden/<example>.perfetto) and of real recordings made here, each loaded by the trace
# engine of Chrome DevTools and its model checked against the recording (tests/perfetto/check.mjs).
# UPDATE_GOLDEN=1 rewrites the goldens: review them before committing.
. "$(dirname "$0")/lib.sh"

EX=$REPO_DIR/examples

# perfetto_check TRACE.json RECORDING.jsonl [--pid PID] [--crit N]
perfetto_check() {
	[ -d "$REPO_DIR/tests/perfetto/node_modules/@paulirish/trace_engine" ] ||
		fail "the trace engine is not installed: run tests/deps.sh"
	node "$REPO_DIR/tests/perfetto/check.mjs" "$@" || fail "check.mjs $*"
}

# One test per example: its golden, and the engine's model of it against the recording
# (sorted: the check reads format 1, which sort makes of the original proctrace's shapes).
for f in "$EX"/*.jsonl; do
	[ -f "$f" ] || continue
	ex=$(basename "$f" .jsonl)
	eval "test_golden_$(printf '%s' "$ex" | tr -c 'A-Za-z0-9_' '_')() {
		golden '$ex.perfetto' -f perfetto '$f'
		\"\$PROCTRACE\" sort '$f' >rec.jsonl
		\"\$PROCTRACE\" render -f metrics rec.jsonl >metrics.tsv 2>/dev/null
		perfetto_check out rec.jsonl --metrics metrics.tsv
	}"
done

test_golden_pid() {
	golden hand-build.pid1001.perfetto -f perfetto --pid 1001 "$EX/hand-build.jsonl"
	perfetto_check out "$EX/hand-build.jsonl" --pid 1001
}

test_every_example_has_a_golden() {
	local f n=0
	for f in "$EX"/*.jsonl; do
		[ -f "$REPO_DIR/tests/golden/$(basename "$f" .jsonl).perfetto" ] || fail "no golden for $f"
		n=$((n + 1))
	done
	[ "$n" -ge 3 ] || fail "only $n examples"
}

# A real make -j2, a process that fails, one killed, a subshell that never execs.
test_recorded_build() {
	need_root
	c_project proj 5
	"$PROCTRACE" record -q -o rec.jsonl -- sh -c \
		'make -s -j2 -C proj; ( sh -c "exit 3"; true ); sh -c "kill -KILL \$\$"; true'
	"$PROCTRACE" render -f perfetto rec.jsonl >trace.json
	perfetto_check trace.json rec.jsonl
	jq -e . trace.json >/dev/null
	# process slices: the critical path's own track repeats some (cat critical_path)
	sel() { jq -r --arg n "$1" '[.traceEvents[] | select(.ph == "X" and .cat != "critical_path" and .name == $n)] | length' trace.json; }
	assert_eq "$(sel cc1)" 6 "cc1 slices"
	assert_eq "$(sel '[exit 3] sh')" 1 "failed sh"
	assert_eq "$(sel '[SIGKILL] sh')" 1 "killed sh"
	assert_eq "$(sel '(fork) sh')" 1 "subshell"
	assert_eq "$(sel make)" 1 "make"
	# the make subtree alone
	local make
	make=$(jq -r 'select(.Exec.cmdline[0] == "make") | .Exec.pid' rec.jsonl)
	"$PROCTRACE" render -f perfetto --pid "$make" rec.jsonl >sub.json
	perfetto_check sub.json rec.jsonl --pid "$make"
	assert_eq "$(jq -r '[.traceEvents[] | select(.ph == "X" and .cat != "critical_path" and .name == "make")] | length' sub.json)" 1 "make"
	assert_eq "$(jq -r '[.traceEvents[] | select(.ph == "X" and .cat != "critical_path" and (.name | test("sh$")))] | length' sub.json)" 0 "sh under --pid"
}

# Empty, header only, a process that never exec'd: valid traces of what there is.
test_small_recordings() {
	: >empty.jsonl
	head -1 "$EX/hand-build.jsonl" >header-only.jsonl
	{
		head -1 "$EX/hand-build.jsonl"
		echo '{"Fork":{"seq":0,"timestamp":1000,"parent_pid":1000,"child_pid":1001,"parent_pgid":1000}}'
		echo '{"Exit":{"seq":1,"timestamp":5500,"pid":1001,"ppid":1000,"pgid":1000,"exit_code":0,"user_ns":0,"system_ns":0,"max_rss_kb":0}}'
		echo '{"End":{"timestamp":9000,"lost":0,"exit_code":0}}'
	} >no-exec.jsonl
	for f in empty header-only no-exec; do
		"$PROCTRACE" render -f perfetto "$f.jsonl" >"$f.json" 2>/dev/null || fail "$f: exit $?"
		perfetto_check "$f.json" "$f.jsonl"
	done
	assert_eq "$(jq -c '[.traceEvents[] | select(.ph == "X")]' empty.json)" "[]" "empty"
	assert_eq "$(jq -r '[.traceEvents[] | select(.ph == "X" and .cat != "critical_path") | .name] | join(",")' header-only.json)" \
		"(unknown)" "header only"
	assert_eq "$(jq -r '[.traceEvents[] | select(.ph == "X" and .cat != "critical_path") | .name] | join(",")' no-exec.json)" \
		"(unknown),(unknown)" "never exec'd"
	assert_eq "$(jq -r '.traceEvents[] | select(.ph == "X" and .cat != "critical_path" and .args.pid == 1001) | .ts' no-exec.json)" 1 "ts"
	assert_eq "$(jq -r '.traceEvents[] | select(.ph == "X" and .cat != "critical_path" and .args.pid == 1001) | .dur' no-exec.json)" 4.5 "dur"
}

# Whatever argv holds (quotes, controls, a bidi override, an emoji), the output is JSON and
# argv reads back exactly (the reader takes only valid UTF-8 and no NUL).
test_hostile_argv() {
	local h='"ppid":1,"pgid":10'
	{
		echo '{"Recording":{"format":1,"tool":"proctrace 0.1.0","root_pid":10,"command":["x"],"start_time":"2026-01-01T00:00:00.000000000Z","host":"h","kernel":"k"}}'
		printf '{"Exec":{"seq":0,"timestamp":1001,"pid":10,%s,"filename":"/bin/\\ufffe","cmdline":["a\\"b\\\\c","\\u001b[31m\\n\\u0001x","\\u0085\\u202e\\ud83d\\ude00","]},{"]}}\n' "$h"
		echo '{"Exit":{"seq":1,"timestamp":2000,"pid":10,'"$h"',"exit_code":1,"user_ns":0,"system_ns":0,"max_rss_kb":0}}'
	} >hostile.jsonl
	"$PROCTRACE" render -f perfetto hostile.jsonl >hostile.json 2>/dev/null
	perfetto_check hostile.json hostile.jsonl
	assert_eq "$(jq -c '.traceEvents[] | select(.ph == "X" and .cat != "critical_path") | .args.argv' hostile.json)" \
		"$(jq -c 'select(.Exec) | .Exec.cmdline' hostile.jsonl)" "argv"
	assert_eq "$(jq -r '.traceEvents[] | select(.ph == "X" and .cat != "critical_path") | .name' hostile.json)" '[exit 1] a"b\c' "name"
}

test_help_has_an_example() {
	"$PROCTRACE" render --help >help
	grep -q '^  perfetto ' help || fail "--help does not list perfetto"
	grep -q 'render -f perfetto' help || fail "no example"
}

run_tests
