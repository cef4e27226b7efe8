# tests/e2e/lib.sh: a tiny harness for end-to-end tests, sourced by tests/e2e/test_*.sh.
# Each test is a function named test_*; it runs in a subshell with `set -e` in
# a fresh temporary directory ($T). It passes if it returns 0, is skipped if it
# exits 77, and fails otherwise. Output: "ok NAME", "not ok NAME", "skip NAME",
# or, for a test of a kernel capability the machine lacks (skip_capability),
# "skip NAME # capability CAP: WHY", which tests/run.sh does not count as a
# failure (every other skip is one, unless PROCTRACE_ALLOW_SKIP=1).
: "${PROCTRACE:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/proctrace}"
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$E2E_DIR/../.." && pwd)

# fail MESSAGE: print why and fail the current test.
fail() { echo "    FAIL: $*" >&2; exit 1; }
# need_root: recording needs root; skipping is reported (and is a failure in CI).
need_root() { [ "$(id -u)" -eq 0 ] || { echo "    needs root" >&2; exit 77; }; }
# skip_capability CAP WHY: skip the current test because the machine lacks
# the kernel capability CAP (a short name: ia32, mount); WHY is what was found.
# Only for what the kernel cannot do: a missing package or tool is a failure.
skip_capability() {
	echo "$1: $2" >"$T.cap"
	echo "    capability $1 missing: $2" >&2
	exit 77
}
# kernel_execs FILE: run FILE (with no arguments, its output discarded): true
# if the kernel executed it (whatever its exit status), false if execve()
# refused its format (ENOEXEC: "Exec format error", in $WHY). Bash reports a
# binary it cannot execute and never runs it as a script, unlike execvp().
kernel_execs() {
	local out rc=0
	out=$(LC_ALL=C; "$1" 2>&1 >/dev/null) || rc=$?
	if [ "$rc" -eq 126 ] && [[ $out == *"cannot execute binary file: Exec format error"* ]]; then
		WHY="Exec format error"
		return 1
	fi
	[ "$rc" -ne 126 ] && [ "$rc" -ne 127 ] || fail "cannot execute $1: $out"
}
# not_under_valgrind WHY: skip a check that valgrind itself changes, when
# tests/run-valgrind.sh runs the suite with proctrace under memcheck (it
# allows skips); everywhere else the check runs.
not_under_valgrind() {
	[ "${PROCTRACE_VALGRIND:-0}" = 1 ] || return 0
	echo "    not under valgrind: $*" >&2
	exit 77
}
# assert_eq GOT WANT [WHAT]
assert_eq() { [ "$1" = "$2" ] || fail "${3:-value}: got '$1', want '$2'"; }
# jqr FILE FILTER: jq -r over a recording, slurped (.[] is each line).
jqr() { jq -r -s "$2" "$1"; }
# mermaid_check CHART.mmd BARS [OPTIONS] [CHART2.mmd BARS ...]: draw the charts in the
# real Mermaid renderer and inspect the SVG (tests/mermaid/check.mjs: mermaid-cli on
# Debian's chromium, installed by tests/deps.sh); the SVGs are left in $T.
mermaid_check() {
	[ -d "$REPO_DIR/tests/mermaid/node_modules/@mermaid-js/mermaid-cli" ] ||
		fail "mermaid-cli is not installed: run tests/deps.sh"
	node "$REPO_DIR/tests/mermaid/check.mjs" --svg-dir "$T" "$@"
}
# task_lines FILE: the number of bars a chart asks for.
task_lines() { grep -cE '^    .* :((crit|active|done), )?[0-9]+, [0-9]+ms$' "$1" || true; }

# A guard against a hung recorder, not a time limit on anything tested: the
# waits below give up (and fail the test) after $GUARD seconds.
: "${GUARD:=300}"

# wait_for FILE: until FILE exists (the recorded command made it).
wait_for() {
	local i
	for i in $(seq 1 $((GUARD * 10))); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	fail "$1 never appeared"
}

# wait_glob PATTERN: until a file matches the glob PATTERN; $GOT is the first match.
wait_glob() {
	local i f
	for i in $(seq 1 $((GUARD * 10))); do
		for f in $1; do
			[ -e "$f" ] && { GOT=$f; return 0; }
		done
		sleep 0.1
	done
	fail "nothing matching $1 appeared"
}

# wait_gone PID: until PID no longer exists (a zombie still does: it is gone
# once its parent has reaped it).
wait_gone() {
	local i
	for i in $(seq 1 $((GUARD * 10))); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	fail "pid $1 is still there"
}

# wait_exit PID: $RC is the exit status of background job PID; one still
# running after $GUARD s is killed and the test fails (never hang).
wait_exit() {
	local i
	for i in $(seq 1 $((GUARD * 10))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -KILL "$1"
		fail "the recorder did not exit"
	fi
	RC=0
	wait "$1" || RC=$?
}

# build_helpers [NAME...]: compile tests/e2e/helpers/NAME.c (all of them if
# none is named) once per run into $HB, removed when the script exits.
build_helpers() {
	local src names=("$@")
	HB=$(mktemp -d /tmp/proctrace-helpers.XXXXXX)
	trap 'rm -rf "$HB"' EXIT
	[ ${#names[@]} -gt 0 ] || names=("$E2E_DIR"/helpers/*.c)
	for src in "${names[@]}"; do
		src=$E2E_DIR/helpers/$(basename "$src" .c).c
		cc -O1 -pthread -Wall -o "$HB/$(basename "$src" .c)" "$src" ||
			echo "$(basename "$0"): cannot build $src" >&2
	done
}

# root_pid [FILE]: the recorded command's pid, from the header of FILE (./rec.jsonl).
root_pid() { jq -r 'select(has("Recording")) | .Recording.root_pid' "${1:-rec.jsonl}"; }

# Shorthands over ./rec.jsonl. ev TYPE: every event of that type, one per line.
ev() { jq -c --arg t "$1" 'select(has($t)) | .[$t]' rec.jsonl; }
# expect [JQ_OPTIONS...] JQ_FILTER MESSAGE: the slurped recording satisfies the filter.
expect() { jq -e -s "${@:1:$#-1}" rec.jsonl >/dev/null || fail "${@: -1}"; }

# golden NAME ARGS...: `render ARGS` must print tests/golden/NAME (UPDATE_GOLDEN=1 rewrites it).
golden() {
	local name=$1
	shift
	"$PROCTRACE" render "$@" >out 2>err || fail "render $*: exit $?: $(cat err)"
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		cp out "$REPO_DIR/tests/golden/$name"
	fi
	[ -f "$REPO_DIR/tests/golden/$name" ] || fail "no golden tests/golden/$name (UPDATE_GOLDEN=1 makes it)"
	diff -u "$REPO_DIR/tests/golden/$name" out || fail "render $* differs from tests/golden/$name"
}

# c_project DIR N: a C project in DIR: main.c and f1.c .. fN.c, each compiled by
# its own `cc -c` (make runs it without a shell), then linked into prog.
c_project() {
	local i objs=main.o
	mkdir -p "$1"
	printf 'int main(void) { return 0; }\n' >"$1/main.c"
	for i in $(seq 1 "$2"); do
		printf 'int f%d(void) { return %d; }\n' "$i" "$i" >"$1/f$i.c"
		objs="$objs f$i.o"
	done
	printf 'prog: %s\n\tcc -o $@ %s\n%%.o: %%.c\n\tcc -O0 -c $< -o $@\n' "$objs" "$objs" >"$1/Makefile"
}

run_tests() {
	local fn rc name cap
	for fn in $(declare -F | awk '{print $3}' | grep '^test_'); do
		name="$(basename "$0" .sh):${fn#test_}"
		T=$(mktemp -d /tmp/proctrace-e2e.XXXXXX)
		(cd "$T" && set -e && "$fn") >"$T.log" 2>&1
		rc=$?
		case $rc in
		0) echo "ok $name" ;;
		77) cap=
		    [ -s "$T.cap" ] && cap=" # capability $(head -1 "$T.cap")"
		    echo "skip $name$cap"
		    sed 's/^/    /' "$T.log" ;;
		*) echo "not ok $name"; sed 's/^/    /' "$T.log" | tail -40 ;;
		esac
		rm -rf "$T" "$T.log" "$T.cap"
	done
}
