#!/usr/bin/env bash
# tests/e2e/test_tree.sh: the tree view of the examples (tests/golden/<example>.tree and a few
# variants) and of real recordings made here: folding, failure marks, colour on a terminal.
# UPDATE_GOLDEN=1 rewrites the goldens: review them before committing.
. "$(dirname "$0")/lib.sh"

EX=$REPO_DIR/examples

for f in "$EX"/*.jsonl; do
	[ -f "$f" ] || continue
	ex=$(basename "$f" .jsonl)
	eval "test_golden_$(printf '%s' "$ex" | tr -c 'A-Za-z0-9_' '_')() { golden '$ex.tree' -f tree '$f'; }"
done

test_golden_variants() {
	golden hand-build.pid1001.tree -f tree --pid 1001 "$EX/hand-build.jsonl"
	golden hand-build.depth1.tree -f tree --depth 1 "$EX/hand-build.jsonl"
	golden demo.ascii-nofold.tree -f tree --ascii --fold 0 "$EX/demo.jsonl"
	golden hand-build.color.tree -f tree --color=always "$EX/hand-build.jsonl"
	golden legacy-flox-curl.width100.tree -f tree --width 100 "$EX/legacy-flox-curl.jsonl"
}

test_every_example_has_a_golden() {
	local f n=0
	for f in "$EX"/*.jsonl; do
		[ -f "$REPO_DIR/tests/golden/$(basename "$f" .jsonl).tree" ] || fail "no golden for $f"
		n=$((n + 1))
	done
	[ "$n" -ge 3 ] || fail "only $n examples"
}

# A real make -j2 and a shell loop: runs of one command fold with their subtrees; a failure
# and a kill are marked in the STATUS column.
test_recorded_build() {
	need_root
	c_project proj 5
	"$PROCTRACE" record -q -o rec.jsonl -- sh -c \
		'make -s -j2 -C proj; for i in 1 2 3 4 5; do awk "BEGIN { exit 0 }"; done; sh -c "exit 3"; sh -c "kill -KILL \$\$"; true'
	"$PROCTRACE" render -f tree rec.jsonl >tree
	cat tree
	# six compiles and the link: cc, each with its cc1 and as (or collect2 and ld)
	grep -q '└─ 7×\[cc …\] (+[0-9]* descendants, CPU [0-9.]* [mu]*s)$' tree || fail "compiles not folded"
	grep -q '─ 5×\[awk …\]$' tree || fail "awk not folded"
	grep -q '  3 .*─ sh -c '\''exit 3'\''$' tree || fail "exit status 3 not shown"
	grep -q '  SIGKILL .*─ sh -c '\''kill -KILL \$\$'\''$' tree || fail "the kill not shown"
	grep -q '─ make -s -j2 -C proj$' tree || fail "no make line"
	[ "$(grep -c 'cc1' tree)" = 0 ] || fail "cc1 shown though folded"
	# every compile, with --fold 0
	"$PROCTRACE" render -f tree --fold 0 rec.jsonl >all
	assert_eq "$(grep -c '─ cc1 ' all)" 6 "cc1 lines"
	assert_eq "$(grep -c '─ awk ' all)" 5 "awk lines"
	# --pid: the make subtree alone, make as the root
	local make
	make=$(jq -r 'select(.Exec.cmdline[0] == "make") | .Exec.pid' rec.jsonl)
	"$PROCTRACE" render -f tree --pid "$make" rec.jsonl >sub
	assert_eq "$(sed -n 2p sub | sed 's/.*  //; s/^\* //')" "make -s -j2 -C proj" "root of --pid"
	[ "$(grep -c awk sub)" = 0 ] || fail "--pid shows awk"
}

# run_on_tty FILE CMD...: run CMD on a pseudo-terminal 100 columns wide; its output goes to FILE.
run_on_tty() {
	local file=$1
	shift
	script -qec "stty cols 100; $(printf '%q ' "$@")" /dev/null >"$file" </dev/null
}

test_color_auto_never_always_and_no_color() {
	command -v script >/dev/null || fail "script (util-linux) is needed"
	local esc=$'\033['
	run_on_tty tty.out "$PROCTRACE" render -f tree "$EX/hand-build.jsonl"
	grep -qF "$esc" tty.out || fail "no colour on a terminal"
	grep -qF "${esc}31m2" tty.out || fail "make's exit status 2 is not red"
	# the terminal's width: no line wider than 100 columns
	[ "$(tr -d '\r' <tty.out | sed 's/\x1b\[[0-9;]*m//g' | awk '{ print length($0) }' | sort -n | tail -1)" -le 100 ] ||
		fail "a line is wider than the terminal"
	NO_COLOR=1 run_on_tty no-color.out "$PROCTRACE" render -f tree "$EX/hand-build.jsonl"
	! grep -qF "$esc" no-color.out || fail "colour despite NO_COLOR"
	run_on_tty never.out "$PROCTRACE" render -f tree --color=never "$EX/hand-build.jsonl"
	! grep -qF "$esc" never.out || fail "colour despite --color=never"
	NO_COLOR=1 run_on_tty always.out "$PROCTRACE" render -f tree --color=always "$EX/hand-build.jsonl"
	grep -qF "$esc" always.out || fail "--color=always gave no colour"
	# not a terminal: no colour unless asked
	"$PROCTRACE" render -f tree "$EX/hand-build.jsonl" >file.out
	! grep -qF "$esc" file.out || fail "colour into a file"
	"$PROCTRACE" render -f tree --color "$EX/hand-build.jsonl" >always-file.out
	grep -qF "$esc" always-file.out || fail "--color gave no colour"
	tr -d '\r' <never.out | diff - <("$PROCTRACE" render -f tree --width 100 "$EX/hand-build.jsonl") ||
		fail "on a terminal without colour, not the same as --width 100"
}

# Nothing from argv reaches the terminal as a control character.
test_hostile_argv() {
	local h='"ppid":1,"pgid":10'
	{
		echo '{"Recording":{"format":1,"tool":"proctrace 0.1.0","root_pid":10,"command":["x"],"start_time":"2026-01-01T00:00:00.000000000Z","host":"h","kernel":"k"}}'
		printf '{"Exec":{"seq":0,"timestamp":1001,"pid":10,%s,"filename":"/bin/x","cmdline":["\\u001b]0;title\\u0007","\\u001b[31m\\n\\r\\u0001x","\\u0085\\u202e\\u2028y","it'"'"'s"]}}\n' "$h"
	} >hostile.jsonl
	"$PROCTRACE" render -f tree hostile.jsonl >out 2>/dev/null
	! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' out || fail "a control character: $(cat -A out)"
	! grep -q $'\xc2[\x80-\x9f]' out || fail "a C1 control: $(cat -A out)"
	grep -qF "running      * \\x1b]0;title\\x07 '\\x1b[31m\\n\\x0d\\x01x' \\u0085\\u202e\\u2028y 'it'\\''s'" out ||
		fail "escaping: $(sed -n 2p out)"
}

# Empty, header only, a process that never exec'd: the tree of what there is.
test_small_recordings() {
	: >empty.jsonl
	head -1 "$EX/hand-build.jsonl" >header-only.jsonl
	{
		head -1 "$EX/hand-build.jsonl"
		echo '{"Exec":{"seq":0,"timestamp":500,"pid":1000,"ppid":900,"pgid":1000,"filename":"/bin/sh","cmdline":["sh","build.sh"]}}'
		echo '{"Fork":{"seq":1,"timestamp":1000,"parent_pid":1000,"child_pid":1001,"parent_pgid":1000}}'
		echo '{"Exit":{"seq":2,"timestamp":5500,"pid":1001,"ppid":1000,"pgid":1000,"exit_code":0,"user_ns":0,"system_ns":0,"max_rss_kb":0}}'
		echo '{"End":{"timestamp":9000,"lost":0,"exit_code":0}}'
	} >no-exec.jsonl
	"$PROCTRACE" render -f tree empty.jsonl >empty.out
	assert_eq "$(cat empty.out)" "(no process recorded)" "empty"
	"$PROCTRACE" render -f tree header-only.jsonl >header-only.out 2>/dev/null
	assert_eq "$(sed -n 2p header-only.out | sed 's/  */ /g')" " 1000 0 ns - - running * (unknown): sh build.sh" "header only"
	"$PROCTRACE" render -f tree no-exec.jsonl >no-exec.out
	assert_eq "$(sed -n 3p no-exec.out | sed 's/  */ /g')" " 1001 4.500 us 0 ns 0 KiB 0 * └─ (fork) build.sh" "never exec'd"
}

test_errors_and_other_views() {
	local args rc
	for args in "--depth x" "--depth -1" "--fold 1" "--fold x" "--width x" "--width 100001" "--color=sometimes"; do
		set +e
		# shellcheck disable=SC2086
		"$PROCTRACE" render -f tree $args "$EX/hand-build.jsonl" >out 2>err
		rc=$?
		set -e
		assert_eq "$rc" 2 "exit status of render -f tree $args"
		grep -q -- "${args%%[ =]*}" err || fail "$args: $(cat err)"
	done
	"$PROCTRACE" render -f summary --depth 2 "$EX/hand-build.jsonl" >out 2>err
	grep -q -- '--depth applies to -f tree only' err || fail "no warning: $(cat err)"
	"$PROCTRACE" render -f tree --top 3 "$EX/hand-build.jsonl" >out 2>err
	grep -q -- '--top applies to -f summary only' err || fail "no warning: $(cat err)"
}

test_help_has_options_and_an_example() {
	"$PROCTRACE" render --help >help
	grep -q '^  tree ' help || fail "--help does not list tree"
	for opt in --depth --fold --width --color --ascii NO_COLOR 'render -f tree'; do
		grep -q -- "$opt" help || fail "--help does not mention $opt"
	done
}

run_tests
