#!/usr/bin/env bash
# tests/e2e/test_record_end.sh: how a recording ends (root, eBPF): the
# closing line, and a disk that fills up while recording.
. "$(dirname "$0")/lib.sh"

# As root directly: under sudo, CMD would run as the invoking user.
unset SUDO_UID SUDO_GID SUDO_USER SUDO_COMMAND

# The closing line counts what the file holds, in words that fit the count.
test_closing_line_counts() {
	need_root
	local f procs events
	"$PROCTRACE" record -o one.jsonl -- true 2>err
	assert_eq "$(tail -1 err)" "proctrace: recorded 1 process, 2 events, 0 lost -> one.jsonl" "closing line"
	assert_eq "$(grep -vc '^{"Recording"\|^{"End"' one.jsonl)" 2 "events in the file"
	"$PROCTRACE" record -o more.jsonl -- sh -c '/bin/true; /bin/true; /bin/true' 2>err
	procs=$(($(grep -c '^{"Fork"' more.jsonl) + 1))
	events=$(grep -vc '^{"Recording"\|^{"End"' more.jsonl)
	[ "$procs" -gt 1 ] || fail "no Fork: $(cat more.jsonl)"
	assert_eq "$(tail -1 err)" "proctrace: recorded $procs processes, $events events, 0 lost -> more.jsonl" "closing line"
}

# A file system that fills up while recording: the recorder says "disk
# full", and the recording ends on its last whole line (cut back if the
# write stopped inside one), so readers only miss its End line. On a tmpfs
# of 64 KiB, mounted for the test.
test_full_disk_ends_on_a_whole_line() {
	need_root
	mkdir full
	mount -t tmpfs -o size=64k proctrace-test-full full 2>mount.err ||
		skip_capability mount "cannot mount a tmpfs: $(cat mount.err)"
	trap 'umount "$T/full"' EXIT
	RC=0
	"$PROCTRACE" record -o full/rec.jsonl -- sh -c 'for i in $(seq 2000); do /bin/true; done' 2>err || RC=$?
	assert_eq "$RC" 1 "exit status ($(cat err))"
	grep -qxF "proctrace: error: cannot write to full/rec.jsonl: disk full" err || fail "stderr: $(cat err)"
	grep -q 'recorded' err && fail "a closing line after the error: $(cat err)"
	[ "$(stat -c %s full/rec.jsonl)" -gt 32768 ] || fail "only $(stat -c %s full/rec.jsonl) bytes written"
	[ "$(tail -c 1 full/rec.jsonl | od -An -tx1 | tr -d ' ')" = 0a ] ||
		fail "the last line is cut: $(tail -c 100 full/rec.jsonl)"
	jq -e . full/rec.jsonl >/dev/null || fail "not JSON lines"
	grep -q '^{"End"' full/rec.jsonl && fail "an End line"
	# readers take it as it is, and do not guess the recorder was killed
	"$PROCTRACE" sort full/rec.jsonl >sorted.jsonl 2>sort.err || fail "sort: exit $? ($(cat sort.err))"
	assert_eq "$(cat sort.err)" "proctrace: warning: full/rec.jsonl: no End line: the recording is cut short (the recorder was killed, or its disk was full?), read as it is" "sort's warning"
}

run_tests
