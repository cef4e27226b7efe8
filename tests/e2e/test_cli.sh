#!/usr/bin/env bash
# tests/e2e/test_cli.sh: the proctrace command itself: help, usage errors,
# what it says on a terminal, counts in messages (no root needed).
source "$(dirname "$0")/lib.sh"
EX=$REPO_DIR/examples

# 'proctrace help COMMAND' is 'proctrace COMMAND --help', as 'git help' does.
test_help_command() {
	local c rc
	for c in record sort render; do
		"$PROCTRACE" help "$c" >got || fail "help $c: exit $?"
		"$PROCTRACE" "$c" --help >want
		cmp got want || fail "help $c is not $c --help"
		grep -q "^Usage: proctrace $c" got || fail "help $c: $(head -1 got)"
	done
	"$PROCTRACE" help >got
	"$PROCTRACE" --help >want
	cmp got want
	grep -q "^  help " got || fail "the help does not list help"
	rc=0; "$PROCTRACE" help nosuch >out 2>err || rc=$?
	assert_eq "$rc" 2 "exit status of help nosuch"
	assert_eq "$(cat err)" "proctrace: error: help: unknown command 'nosuch' (try 'proctrace help')" "message"
	[ ! -s out ] || fail "help nosuch printed: $(cat out)"
	rc=0; "$PROCTRACE" help sort render 2>err || rc=$?
	assert_eq "$rc" 2 "exit status of help with two commands"
}

# An unknown format is told the formats there are: those of render --help.
test_unknown_format_lists_the_formats() {
	local rc=0 formats
	"$PROCTRACE" render -f pie "$EX/hand-build.jsonl" >out 2>err || rc=$?
	assert_eq "$rc" 2 "exit status"
	formats=$("$PROCTRACE" render --help | sed -n '/^Formats:/,/^$/s/^  \([^ ]*\) .*/\1/p' | paste -sd, | sed 's/,/, /g')
	[ -n "$formats" ] || fail "no formats in render --help"
	assert_eq "$(cat err)" "proctrace: error: render: unknown format 'pie' (formats: $formats)" "message"
	case $formats in *multiplexed*summary*) ;; *) fail "formats: $formats" ;; esac
}

run_tests
