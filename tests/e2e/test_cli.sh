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
	grep -q "proctrace help <command>" got || fail "the help does not mention help <command>"
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

# on_terminal CMD: run proctrace CMD with a terminal (a pty) on stdin; it must
# say on stderr, before it has read anything, that it reads the recording
# from standard input and how to end it; then hand-build.jsonl is typed,
# and Ctrl-D. Its stdout goes to ./out, its stderr to ./err.
on_terminal() {
	python3 - "$PROCTRACE" "$EX/hand-build.jsonl" "$GUARD" "$@" <<'PY'
import os, select, subprocess, sys, termios
proctrace, rec, guard, args = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4:]
master, slave = os.openpty()
attrs = termios.tcgetattr(slave)
attrs[3] &= ~termios.ECHO  # nobody reads the echo: it must not fill the pty
termios.tcsetattr(slave, termios.TCSANOW, attrs)
out, err = open("out", "wb"), open("err", "wb")
p = subprocess.Popen([proctrace] + args, stdin=slave, stdout=out, stderr=subprocess.PIPE)
os.close(slave)
told = b""
while b"\n" not in told:
    if not select.select([p.stderr], [], [], guard)[0]:
        p.kill()
        sys.exit("nothing on stderr while it waits for the terminal")
    chunk = os.read(p.stderr.fileno(), 4096)
    if not chunk:
        break
    told += chunk
with open(rec, "rb") as f:
    for line in f:
        os.write(master, line)
os.write(master, b"\x04")
told += p.stderr.read()
err.write(told)
sys.exit(p.wait())
PY
}

test_terminal_on_stdin_is_told_how_to_end() {
	local c
	for c in sort render; do
		on_terminal "$c" || fail "$c on a terminal: exit $? ($(cat err))"
		assert_eq "$(head -1 err)" "proctrace: $c: reading the recording from standard input (a terminal); end it with Ctrl-D, or give a file: proctrace $c FILE" "$c's message"
		"$PROCTRACE" "$c" "$EX/hand-build.jsonl" | cmp - out || fail "$c read something else from the terminal"
	done
	on_terminal render -f summary - || fail "render - on a terminal: exit $?"
	grep -q "^proctrace: render: reading the recording from standard input" err || fail "render -: $(cat err)"
	# not a terminal: nothing said
	"$PROCTRACE" render <"$EX/hand-build.jsonl" >/dev/null 2>err
	[ ! -s err ] || fail "said on a file: $(cat err)"
}

# A count of one is singular: "1 event was lost", "1 event lost".
test_counts_are_singular() {
	local n
	for n in 1 2; do
		sed "s/\"lost\":0/\"lost\":$n/" "$EX/hand-build.jsonl" >lost.jsonl
		"$PROCTRACE" sort lost.jsonl >/dev/null 2>sort.err
		"$PROCTRACE" render lost.jsonl >/dev/null 2>render.err
		"$PROCTRACE" render -f mermaid lost.jsonl >lost.mmd
		case $n in
		1) assert_eq "$(cat sort.err)" "proctrace: warning: 1 event was lost while recording; the recording is incomplete" "sort"
		   assert_eq "$(cat render.err)" "proctrace: warning: lost.jsonl: 1 event was lost while recording: this view is incomplete" "render"
		   grep -q '^    title .*#40;incomplete#58; 1 event lost)$' lost.mmd || fail "title: $(grep title lost.mmd)" ;;
		2) grep -q ": 2 events were lost while" sort.err || fail "sort: $(cat sort.err)"
		   grep -q ": 2 events were lost while" render.err || fail "render: $(cat render.err)"
		   grep -q '^    title .*#40;incomplete#58; 2 events lost)$' lost.mmd || fail "title: $(grep title lost.mmd)" ;;
		esac
	done
}

run_tests
