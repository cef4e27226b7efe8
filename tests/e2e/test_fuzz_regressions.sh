#!/usr/bin/env bash
# tests/e2e/test_fuzz_regressions.sh: every input in tests/fuzz/regressions/
# (crashes and oddities the fuzzer found, kept forever) goes through sort and
# every view: each must end with 0 (read) or 1 (rejected with a message),
# never a crash or a sanitizer report; a chart that is made must draw in the
# real Mermaid renderer.
. "$(dirname "$0")/lib.sh"

test_regressions_never_crash() {
	local n=0 f view rc charts=()
	for f in "$REPO_DIR"/tests/fuzz/regressions/*; do
		for view in sort multiplexed by-process mermaid summary; do
			rc=0
			if [ "$view" = sort ]; then
				"$PROCTRACE" sort "$f" >out 2>err || rc=$?
			else
				"$PROCTRACE" render -f "$view" "$f" >out 2>err || rc=$?
			fi
			[ "$rc" -le 1 ] || fail "$(basename "$f") $view: exit $rc: $(head -5 err)"
			! grep -qE 'runtime error|Sanitizer|Segmentation' err ||
				fail "$(basename "$f") $view: $(head -5 err)"
			[ "$rc" -eq 0 ] || grep -q '^proctrace: error: ' err ||
				fail "$(basename "$f") $view: rejected without a message"
			if [ "$view" = mermaid ] && [ "$rc" -eq 0 ]; then
				cp out "$(basename "$f").mmd"
				charts+=("$(basename "$f").mmd" "$(task_lines out)")
			fi
			n=$((n + 1))
		done
	done
	[ "$n" -gt 0 ] || fail "no regression inputs"
	[ "${#charts[@]}" -gt 0 ] || fail "no chart made"
	mermaid_check "${charts[@]}"
}

run_tests
