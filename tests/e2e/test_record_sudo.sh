#!/usr/bin/env bash
# tests/e2e/test_record_sudo.sh: 'proctrace record' under sudo: every path the
# invoking user names is opened with that user's credentials, never root's,
# and a start cut short leaves no file behind.
. "$(dirname "$0")/lib.sh"

# Run as root directly; each test says which user ran "sudo".
unset SUDO_UID SUDO_GID SUDO_USER SUDO_COMMAND

# The invoking user: nobody, unless a test makes its own.
U=65534
G=65534

# as_sudo CMD...: run CMD as sudo runs it for uid $U: $RC, stderr in ./err.
as_sudo() {
	RC=0
	SUDO_UID=$U SUDO_GID=$G SUDO_USER=$(id -nu "$U") "$@" 2>err || RC=$?
}

# rec_sudo OPTIONS...: 'proctrace record OPTIONS -- touch u/ran' under sudo.
rec_sudo() { as_sudo "$PROCTRACE" record -q "$@" -- touch "$T/u/ran"; }

# user_dir: $T readable by everyone and writable by root only, with u/ the
# invoking user's own directory in it.
user_dir() {
	chmod 755 .
	mkdir u
	chown "$U:$G" u
}

# refused WHAT MESSAGE: the last rec_sudo failed with MESSAGE, CMD never ran.
refused() {
	assert_eq "$RC" 1 "$1: record's exit status ($(cat err))"
	assert_eq "$(cat err)" "proctrace: error: record: $2" "$1: message"
	[ ! -e u/ran ] || fail "$1: CMD ran"
}

# snap FILE: what must not change about a file root owns.
snap() { stat -c '%u:%g %a %s %Y %i' "$1"; md5sum <"$1"; }

# A symlink of the user's to a file only root may write: not followed by
# root, with or without -f; the file keeps its content and its owner.
test_symlink_to_a_root_file_is_not_followed() {
	need_root
	user_dir
	echo 'root only' >secret
	chmod 600 secret
	ln -s "$T/secret" u/link
	local before
	before=$(snap secret)
	rec_sudo -o u/link
	refused "without -f" "cannot open u/link as uid $U (who ran sudo): Permission denied"
	rec_sudo -f -o u/link
	refused "with -f" "cannot open u/link as uid $U (who ran sudo): Permission denied"
	assert_eq "$(snap secret)" "$before" "the root file"
}

# A file root owns, named as it is with -f, in a directory of the user's
# (who may remove it, but not write it): left as it is.
test_root_file_with_force_is_untouched() {
	need_root
	user_dir
	echo 'root only' >u/rootfile
	chmod 600 u/rootfile
	local before
	before=$(snap u/rootfile)
	rec_sudo -f -o u/rootfile
	refused "-f" "cannot open u/rootfile as uid $U (who ran sudo): Permission denied"
	assert_eq "$(snap u/rootfile)" "$before" "the root file"
}

# Nothing is made where only root may write: not -o FILE, not the default
# proctrace-*.jsonl in the current directory.
test_directory_only_root_can_write_is_refused() {
	need_root
	user_dir
	mkdir rootdir
	rec_sudo -o rootdir/rec.jsonl
	refused "-o" "cannot create rootdir/rec.jsonl as uid $U (who ran sudo): Permission denied"
	(cd rootdir && rec_sudo)
	mv rootdir/err err
	refused "default file" \
		"cannot create $(grep -o 'proctrace-[0-9-]*\.jsonl' err) as uid $U (who ran sudo): Permission denied"
	assert_eq "$(ls -A rootdir)" "" "files made in rootdir"
}

# A symlink of the user's to a device or a fifo only root may open: not
# opened by root (which would write the recording into it), with or without
# -f.
test_symlink_to_a_device_or_fifo_is_not_opened() {
	need_root
	user_dir
	mknod -m 600 dev c 1 3
	ln -s "$T/dev" u/dev
	mkfifo -m 600 fifo
	ln -s "$T/fifo" u/fifo
	local reader f
	cat fifo >got &
	reader=$!
	for f in "" -f; do
		rec_sudo $f -o u/dev
		refused "device $f" "cannot open u/dev as uid $U (who ran sudo): Permission denied"
		rec_sudo $f -o u/fifo
		refused "fifo $f" "cannot open u/fifo as uid $U (who ran sudo): Permission denied"
	done
	: >fifo # let the reader go: it got nothing before this
	wait "$reader"
	assert_eq "$(wc -c <got)" 0 "bytes written into the fifo"
}

# Swapping the path while record opens it gains nothing, by construction:
# the one open of u/out is made by a child process with the user's
# credentials, and everything decided after it (is it a regular file that
# was there, empty it with -f) is decided on the descriptor that open
# returned (fstat, ftruncate), never on the path again. Whatever u/out led
# to at the moment of the open, the user could have opened anyway; a swap
# changes which file the user opens, never what root does. Here the link
# flips between the user's file and root's, as fast as it can, while
# record runs 30 times with -f.
test_swapping_the_path_cannot_reach_a_root_file() {
	need_root
	user_dir
	echo 'root only' >secret
	chmod 600 secret
	echo mine >u/mine
	chown "$U:$G" u/mine
	local before flipper i ok=0
	before=$(snap secret)
	(while :; do ln -sfn "$T/secret" u/out; ln -sfn mine u/out; done) &
	flipper=$!
	for i in $(seq 1 30); do
		rec_sudo -f -o u/out
		[ "$RC" -ne 0 ] || ok=$((ok + 1))
	done
	kill "$flipper"
	wait "$flipper" || true
	assert_eq "$(snap secret)" "$before" "the root file"
	# each run that could open the user's file wrote a whole recording into it
	[ "$ok" -eq 0 ] || jq -e -s '.[0].Recording and .[-1].End' u/mine >/dev/null ||
		fail "u/mine: $(head -c 300 u/mine)"
	assert_eq "$(stat -c %u:%g u/mine)" "$U:$G" "the user's file's owner"
}

# Where the user may write, the file is made by the user, so it is the
# user's without a chown; -f replaces the user's own file in place.
test_file_made_is_the_users() {
	need_root
	user_dir
	rec_sudo -o u/rec.jsonl
	assert_eq "$RC" 0 "record's exit status ($(cat err))"
	assert_eq "$(stat -c '%u:%g %a' u/rec.jsonl)" "$U:$G $(printf '%o' $((0644 & ~0$(umask))))" \
		"owner and mode"
	assert_eq "$(stat -c %u u/ran)" "$U" "CMD's file's owner"
	jq -e -s '.[0].Recording and .[-1].End' u/rec.jsonl >/dev/null || fail "u/rec.jsonl: $(cat u/rec.jsonl)"
	local ino
	ino=$(stat -c %i u/rec.jsonl)
	rm u/ran
	rec_sudo -f -o u/rec.jsonl
	assert_eq "$RC" 0 "-f: record's exit status ($(cat err))"
	assert_eq "$(stat -c '%u:%g %i' u/rec.jsonl)" "$U:$G $ino" "-f: owner and inode"
	assert_eq "$(grep -c '"Recording"' u/rec.jsonl)" 1 "-f: headers"
	# the default name, in the user's current directory
	(cd u && as_sudo "$PROCTRACE" record -q -- true)
	assert_eq "$RC" 0 "default file: record's exit status"
	assert_eq "$(stat -c %u:%g u/proctrace-*.jsonl)" "$U:$G" "default file: owner"
}

# The file is opened with the user's supplementary groups too (as sudo
# gives them to CMD): a directory writable by one of them only is fine.
test_users_groups_open_the_file() {
	need_root
	local tool
	for tool in useradd userdel groupadd groupdel; do
		command -v "$tool" >/dev/null || fail "$tool (passwd) is needed for this test"
	done
	local user=ptsudo$$ group=ptsudog$$
	groupadd -r "$group"
	# shellcheck disable=SC2064 # the names now: the locals are gone at exit
	trap "userdel $user 2>/dev/null; groupdel $group || true" EXIT
	useradd -r -M -d /nonexistent -s /bin/sh -g 65534 -G "$group" "$user"
	U=$(id -u "$user")
	G=65534
	chmod 755 .
	mkdir gdir
	chgrp "$group" gdir
	chmod 770 gdir
	as_sudo "$PROCTRACE" record -q -o gdir/rec.jsonl -- id -G >groups
	assert_eq "$RC" 0 "record's exit status ($(cat err))"
	assert_eq "$(stat -c %u gdir/rec.jsonl)" "$U" "owner"
	assert_eq "$(cat groups)" "$G $(getent group "$group" | cut -d: -f3)" "CMD's groups"
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

# The child that opens a path as the user holds nothing of root's: no BPF
# map or program, not the pidfd of -p's process, not the output opened
# before; stdin, stdout, stderr and its socket to the recorder, that is all.
# It is seen waiting to open --summary-file, a fifo with no reader yet.
test_child_opening_as_the_user_holds_no_fd_of_roots() {
	need_root
	user_dir
	mkfifo -m 666 u/sum
	local mine rec c i fds=
	setpriv --reuid=$U --regid=$G --clear-groups sleep 600 &
	mine=$!
	for i in $(seq 1 $((GUARD * 10))); do
		[ "$(cat /proc/$mine/comm)" = sleep ] && break
		sleep 0.1
	done
	SUDO_UID=$U SUDO_GID=$G "$PROCTRACE" record -q -p "$mine" --duration 100ms -o u/rec.jsonl \
		--summary --summary-file u/sum 2>err &
	rec=$!
	for i in $(seq 1 $((GUARD * 10))); do
		for c in $(cat "/proc/$rec/task/$rec/children" 2>/dev/null); do
			[ "$(cat "/proc/$c/wchan" 2>/dev/null)" = wait_for_partner ] || continue
			fds=$(cd "/proc/$c/fd" && for f in *; do echo "$f $(readlink "$f")"; done)
			break 2
		done
		kill -0 "$rec" 2>/dev/null || fail "record ended: $(cat err)"
		sleep 0.1
	done
	cat u/sum >/dev/null
	wait_exit "$rec"
	kill "$mine"
	assert_eq "$RC" 0 "record ($(cat err))"
	[ -n "$fds" ] || fail "no child ever waited to open the fifo"
	# Under memcheck the child also holds valgrind's own descriptors, which
	# valgrind keeps above the client's limit (1024 and up): not ours.
	[ "${PROCTRACE_VALGRIND:-0}" = 1 ] && fds=$(awk '$1 < 1024' <<<"$fds")
	if grep -E 'bpf|pidfd' <<<"$fds"; then
		fail "the user's side holds root's BPF objects or pidfd: $fds"
	fi
	assert_eq "$(awk '$1 > 2' <<<"$fds" | grep -vc ' socket:\[')" 0 "fds but the socket above 2: $fds"
	assert_eq "$(awk '$1 > 2' <<<"$fds" | grep -c ' socket:\[')" 1 "sockets: $fds"
}

run_tests
