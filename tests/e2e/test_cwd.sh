#!/usr/bin/env bash
# tests/e2e/test_cwd.sh: Exec's cwd as the kernel side walks it at each exec:
# after a chdir, deep, through a bind mount, in a chroot, deleted.
. "$(dirname "$0")/lib.sh"

unset SUDO_UID SUDO_GID SUDO_USER SUDO_COMMAND

# cdexec is built static, to run alone in a chroot.
HB=$(mktemp -d /tmp/proctrace-helpers.XXXXXX)
trap 'rm -rf "$HB"' EXIT
cc -O1 -static -Wall -o "$HB/cdexec" "$E2E_DIR/helpers/cdexec.c" ||
	echo "test_cwd.sh: cannot build helpers/cdexec.c with cc -static" >&2

rec() {
	RC=0
	timeout -k 10 "$GUARD" "$PROCTRACE" record -q -f --sample-interval off -o rec.jsonl "$@" >out 2>err || RC=$?
	assert_eq "$RC" 0 "record exit status ($(cat err))"
}

# cwds ARGV0: the cwd (or "unknown", "+cut") of each Exec whose argv[0] is ARGV0, one a line.
cwds() {
	jq -r --arg a "$1" 'select(.Exec.cmdline[0] == $a) | .Exec |
		if .cwd_unknown then "unknown" elif .cwd_truncated then "+cut " + .cwd else .cwd end' rec.jsonl
}

test_cwd_follows_chdir_in_a_script() {
	need_root
	mkdir -p "a b/c"
	rec -- sh -c 'cd "a b/c" && /bin/true 1; cd .. && /bin/true 2; cd / && /bin/true 3'
	assert_eq "$(cwds /bin/true | tr '\n' '|')" "$T/a b/c|$T/a b|/|" "cwds"
	# The root's own exec: where record was started.
	assert_eq "$(jq -r 'select(.Exec.cmdline[0] == "sh") | .Exec.cwd' rec.jsonl)" "$T" "the root's cwd"
	# -f processes and -f perfetto show it.
	"$PROCTRACE" render -f processes rec.jsonl | grep -qF ",$T/a b/c,\"[\"\"/bin/true\"\",\"\"1\"\"]\"" ||
		fail "-f processes lacks the cwd: $("$PROCTRACE" render -f processes rec.jsonl)"
	"$PROCTRACE" render -f perfetto rec.jsonl | jq -e --arg d "$T/a b" \
		'[.traceEvents[] | select(.args.cwd? == $d)] | length == 1' >/dev/null ||
		fail "-f perfetto lacks the cwd"
}

# Deep: exact up to 4095 bytes; deeper, the deepest part after ".../".
# cdexec goes down a part at a time (a path given to chdir() is at most 4 KB).
test_deep_cwd_is_exact_or_cut_from_the_top() {
	need_root
	local name=dddddddddddddddddddddddddddddddddddddddd i parts=() # 40 bytes a name
	for i in 0 1 2; do
		parts[i]=$(printf "$name%s/" $(seq $((i * 70 + 1)) $((i * 70 + 70))))
	done
	parts[0]=deep/${parts[0]}
	mkdir -p "${parts[0]}${parts[1]}${parts[2]}" # about 2.9, 5.8 and 8.6 KB deep
	rec -- "$HB/cdexec" "${parts[0]}" "$HB/cdexec" "${parts[1]}" "$HB/cdexec" "${parts[2]}" /bin/true
	assert_eq "$(cwds "$HB/cdexec" | sed -n 2p)" "$T/${parts[0]%/}" "the cwd 2.9 KB deep"
	local cut full=$T/${parts[0]}${parts[1]}${parts[2]}
	cut=$(cwds /bin/true)
	[[ $cut == "+cut .../"* ]] || fail "the 8.6 KB deep cwd is not cut: ${cut:0:80}"
	cut=${cut#"+cut ..."}
	[ ${#cut} -le 4093 ] && [ ${#cut} -ge 3800 ] || fail "the cut cwd is ${#cut} bytes long"
	# What is kept is the end of the real path, from a directory on.
	[[ $full == *"$cut/" ]] || fail "the cut cwd is not the end of the path: ${cut: -80}"
}

test_cwd_in_a_bind_mount_is_the_mount_point() {
	need_root
	mkdir -p src/sub mnt
	mount --bind src mnt 2>err || skip_capability mount "mount --bind: $(cat err)"
	RC=0
	"$PROCTRACE" record -q --sample-interval off -o rec.jsonl -- sh -c 'cd mnt/sub && /bin/true' >out 2>err || RC=$?
	umount mnt
	assert_eq "$RC" 0 "record exit status ($(cat err))"
	assert_eq "$(cwds /bin/true)" "$T/mnt/sub" "cwd in the bind mount"
}

# In a chroot, the path the process sees from its root; outside its root, unknown.
test_cwd_in_a_chroot_is_seen_from_its_root() {
	need_root
	[ -x "$HB/cdexec" ] || fail "no static cdexec"
	mkdir -p root/sub/dir
	cp "$HB/cdexec" root/cdexec
	rec -- "$HB/cdexec" -r root /sub/dir /cdexec
	assert_eq "$(cwds /cdexec)" "/sub/dir" "cwd in the chroot"
	rec -- "$HB/cdexec" -r root - /cdexec
	assert_eq "$(cwds /cdexec)" "unknown" "cwd left outside the chroot"
}

test_deleted_cwd_is_unknown() {
	need_root
	rec -- sh -c 'mkdir gone && cd gone && rmdir ../gone && /bin/true'
	assert_eq "$(cwds /bin/true)" "unknown" "cwd deleted"
	jq -e -s '[.[] | select(.Exec.cmdline[0] == "/bin/true") | .Exec | has("cwd")] == [false]' rec.jsonl >/dev/null ||
		fail "an unknown cwd still has a cwd"
}

run_tests
