#!/usr/bin/env bash
# tests/run.sh: run every unit test binary and every end-to-end script, then
# print one closing line "N passed, N failed, N skipped" (and, if any, ", N
# capabilities missing (NAME, ...)").
# A skipped test counts as a failure unless PROCTRACE_ALLOW_SKIP=1: recording
# tests must run (root, eBPF) wherever the suite is run for real, e.g. in CI.
# The one exception is a test of a kernel capability the machine lacks (an
# e2e line "skip NAME # capability CAP: WHY", from lib.sh's skip_capability):
# counted apart, named in the closing line, and not a failure.
# Usage: tests/run.sh [--unit] [FILTER]   (FILTER: substring of a script or binary name)
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${PROCTRACE:=$here/../proctrace}"
: "${TEST_BIN_DIR:=$here/../build/tests}"
export PROCTRACE TEST_BIN_DIR
unit_only=0
[ "${1:-}" = --unit ] && { unit_only=1; shift; }
filter=${1:-}
passed=0 failed=0 skipped=0
failures=() caps=()

for bin in "$TEST_BIN_DIR"/test_*; do
	[ -x "$bin" ] || continue
	case "$bin" in *"$filter"*) ;; *) continue ;; esac
	out=$("$bin" 2>&1); rc=$?
	printf '%s\n' "$out" | grep -E '^\[ +(OK|FAILED|ERROR|SKIPPED) +\]' | sed "s|^|$(basename "$bin"): |"
	p=$(printf '%s\n' "$out" | grep -c '^\[       OK \]')
	f=$(printf '%s\n' "$out" | grep -cE '^\[  (FAILED|ERROR)  \] [^0-9]')
	s=$(printf '%s\n' "$out" | grep -c '^\[  SKIPPED \]')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		printf '%s\n' "$out" | tail -20
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	[ "$f" -gt 0 ] && failures+=("$(basename "$bin")")
done

if [ "$unit_only" -eq 0 ]; then
	for script in "$here"/e2e/test_*.sh; do
		[ -f "$script" ] || continue
		case "$script" in *"$filter"*) ;; *) continue ;; esac
		while IFS= read -r line; do
			printf '%s\n' "$line"
			if [[ $line =~ ^skip\ [^\ ]+\ \#\ capability\ ([A-Za-z0-9_-]+):\ .+$ ]]; then
				cap=${BASH_REMATCH[1]}
				[[ " ${caps[*]} " == *" $cap "* ]] || caps+=("$cap")
				continue
			fi
			case "$line" in
			"ok "*) passed=$((passed + 1)) ;;
			"not ok "*) failed=$((failed + 1)); failures+=("${line#not ok }") ;;
			"skip "*) skipped=$((skipped + 1)); failures+=("${line#skip } (skipped)") ;;
			esac
		done < <(bash "$script" 2>&1)
	done
fi

if [ "${#failures[@]}" -gt 0 ]; then
	echo "failing:"
	printf '  %s\n' "${failures[@]}"
fi
closing="$passed passed, $failed failed, $skipped skipped"
if [ "${#caps[@]}" -gt 0 ]; then
	list=$(printf ', %s' "${caps[@]}")
	closing+=", ${#caps[@]} capabilit$([ "${#caps[@]}" -eq 1 ] && echo y || echo ies) missing (${list#, })"
fi
echo "$closing"
[ "$failed" -eq 0 ] || exit 1
[ "$skipped" -eq 0 ] || [ "${PROCTRACE_ALLOW_SKIP:-0}" = 1 ] || exit 1
exit 0
