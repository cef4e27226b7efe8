#!/usr/bin/env bash
# tests/e2e/test_record_sudo.sh: 'proctrace record' as root and under sudo:
# a start cut short leaves no file behind.
. "$(dirname "$0")/lib.sh"

# Run as root directly; each test says which user ran "sudo".
unset SUDO_UID SUDO_GID SUDO_USER SUDO_COMMAND

# The invoking user: nobody, unless a test makes its own.
U=65534
G=65534

# user_dir: $T readable by everyone and writable by root only, with u/ the
# invoking user's own directory in it.
user_dir() {
	chmod 755 .
	mkdir u
	chown "$U:$G" u
}

# start_then_term DIR OUT [SUDO]: start 'record -o OUT -- touch DIR/ran'
# (under sudo if SUDO is given), send it SIGTERM as soon as the file is
# there, and wait: $RC. Whether that was before tracing started is what
# the file then holds.
start_then_term() {
	local pid
	RC=0
	if [ -n "${3:-}" ]; then
		SUDO_UID=$U SUDO_GID=$G "$PROCTRACE" record -q --buffer-size 64M -o "$2" -- touch "$1/ran" 2>err &
	else
		"$PROCTRACE" record -q --buffer-size 64M -o "$2" -- touch "$1/ran" 2>err &
	fi
	pid=$!
	# builtins only: the signal comes while the recorder loads its programs
	until [ -e "$2" ] || ! kill -0 "$pid" 2>/dev/null; do :; done
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" || RC=$?
}

# SIGTERM (or SIGINT) before tracing has started cancels the start: CMD
# never runs, the file made is removed (as the user, under sudo), and the
# recorder dies of the signal; a second run with the same -o then works.
# Once tracing has started, the signal goes to CMD instead, and the file
# holds a whole recording: that run tried again.
test_signal_before_tracing_starts_leaves_no_file() {
	need_root
	user_dir
	local how i hit
	for how in "" sudo; do
		hit=0
		for i in $(seq 1 50); do
			rm -f u/x u/ran
			start_then_term u u/x $how
			if [ -s u/x ]; then
				jq -e -s '.[0].Recording and .[-1].End' u/x >/dev/null ||
					fail "$how: a cut recording: $(cat u/x)"
				continue
			fi
			hit=1
			assert_eq "$RC" 143 "$how: record's exit status ($(cat err))"
			[ ! -e u/x ] || fail "$how: an empty u/x was left"
			[ ! -e u/ran ] || fail "$how: CMD ran"
			assert_eq "$(cat err)" "" "$how: messages"
			break
		done
		[ "$hit" = 1 ] || fail "$how: tracing started before the signal in all 50 tries"
		[ -z "$how" ] && "$PROCTRACE" record -q -o u/x -- true
		[ -n "$how" ] && SUDO_UID=$U SUDO_GID=$G "$PROCTRACE" record -q -o u/x -- true
		jq -e -s '.[-1].End' u/x >/dev/null || fail "$how: the next run: $(cat u/x)"
	done
}

run_tests
