#!/usr/bin/env bash
# tests/e2e/test_sort.sh: 'proctrace sort' on hand-written recordings (no root needed).
source "$(dirname "$0")/lib.sh"
DATA=$REPO_DIR/tests/data
EX=$REPO_DIR/examples

# shuffle FILE: the lines of FILE in a fixed pseudo-random order (header and End included)
shuffle() { shuf --random-source=<(yes 1234567) "$1"; }

test_shuffled_sorts_back_to_original() {
	shuffle "$DATA/sorted.jsonl" > shuffled.jsonl
	cmp -s shuffled.jsonl "$DATA/sorted.jsonl" && fail "the shuffle did not move anything"
	"$PROCTRACE" sort shuffled.jsonl > out.jsonl
	cmp out.jsonl "$DATA/sorted.jsonl"
}

test_header_first_end_last() {
	# lines reversed: End first, header last
	tac "$DATA/sorted.jsonl" > rev.jsonl
	"$PROCTRACE" sort -o out.jsonl rev.jsonl
	assert_eq "$(head -1 out.jsonl | jq -r 'keys[0]')" Recording "first line"
	assert_eq "$(tail -1 out.jsonl | jq -r 'keys[0]')" End "last line"
	# (timestamp, seq) never goes down
	jqr out.jsonl '[.[] | to_entries[0].value | select(.seq) | [.timestamp, .seq]] as $k | $k == ($k | sort)' > ok
	assert_eq "$(cat ok)" true "events in (timestamp, seq) order"
}

test_equal_timestamps_without_seq_keep_file_order() {
	printf '%s\n' \
		'{"Exit":{"timestamp":5,"pid":1}}' \
		'{"Exit":{"timestamp":5,"pid":2}}' \
		'{"Exit":{"timestamp":1,"pid":3}}' \
		'{"Exit":{"timestamp":5,"pid":4}}' > in.jsonl
	"$PROCTRACE" sort in.jsonl > out.jsonl
	assert_eq "$(jq -r 'select(.Exit) | .Exit.pid' out.jsonl | tr '\n' ' ')" "3 1 2 4 " "pids"
}

# Events with and without seq at one timestamp (recordings put together by
# hand): by timestamp, then those with seq in seq order, then those without
# in file order. So where the seq'd events were in the file does not
# matter, and sorting the output again changes nothing.
test_mixed_seq_order_is_total() {
	# after every seq'd event of sorted.jsonl, one without seq at its timestamp
	grep '"seq"' "$DATA/sorted.jsonl" >seqd
	jq -c '{Exit: {timestamp: (to_entries[0].value.timestamp), pid: (90000 + input_line_number)}}' seqd >plain
	paste -d '\n' seqd plain >a.jsonl
	paste -d '\n' <(tac seqd) plain >b.jsonl
	paste -d '\n' <(shuffle seqd) plain >c.jsonl
	"$PROCTRACE" sort a.jsonl >a.out
	"$PROCTRACE" sort b.jsonl | cmp - a.out || fail "the seq'd events' order in the file changed the output"
	"$PROCTRACE" sort c.jsonl | cmp - a.out || fail "the seq'd events' order in the file changed the output"
	"$PROCTRACE" sort a.out | cmp - a.out || fail "sorting the sorted output changed it"
	jqr a.out '[.[] | to_entries[0].value | select(.timestamp)
		| [.timestamp, (if .seq then 0 else 1 end), (.seq // .pid)]] as $k | $k == ($k | sort)' >ok
	assert_eq "$(cat ok)" true "order: timestamp, with seq (by seq) before without (in file order)"
}

test_legacy_recording_becomes_format_1() {
	"$PROCTRACE" sort "$EX/legacy-flox-curl.jsonl" > out.jsonl
	# split exec lines are merged: no ExecArgs left, one Exec per original Exec line
	assert_eq "$(grep -c ExecArgs out.jsonl || true)" 0 "ExecArgs lines"
	assert_eq "$(jq -r 'keys[0]' out.jsonl | grep -c '^Exec$')" \
		"$(grep -c '^{"Exec":' "$EX/legacy-flox-curl.jsonl")" "Exec lines"
	# the Exec with a null cmdline took its argv from the ExecArgs line after it
	assert_eq "$(jq -c 'select(.Exec.pid == 181866) | .Exec.cmdline[0:3]' out.jsonl)" \
		'["/nix/store/ha241bhagian5dbg9ddi2b6y2m449fh1-gnused-4.9/bin/sed","-e","s/^/unset"]' "argv"
	# out of order in the input (an Exit before a Fork), in order in the output
	jqr out.jsonl '[.[] | to_entries[0].value.timestamp] as $t | $t == ($t | sort)' > ok
	assert_eq "$(cat ok)" true "timestamps sorted"
	# a header is made: the root and its first argv (the rest is unknown)
	assert_eq "$(head -1 out.jsonl | jq -c '.Recording | [.format, .root_pid, .command[0], .host]')" \
		'[1,181852,"/nix/store/lm10ywzflq9qfhr4fl0zqxrhiksf28ks-bash-5.2-p15/bin/bash",""]' "header"
	# the output reads back unchanged
	"$PROCTRACE" sort out.jsonl | cmp - out.jsonl
}

test_legacy_pieces_before_exec() {
	"$PROCTRACE" sort "$EX/legacy-seq-exec-pieces.jsonl" > out.jsonl
	grep -qE 'ExecFilename|ExecArgs|ExecFull' out.jsonl && fail "pieces left in the output"
	assert_eq "$(jq -c 'select(.Exec.pid == 5001) | .Exec | [.filename, .cmdline]' out.jsonl)" \
		'["/usr/bin/make",["make","-j2","all"]]' "make exec"
	assert_eq "$(jq -r 'select(.BadExec) | .BadExec.filename' out.jsonl)" /usr/bin/does-not-exist "bad exec"
	assert_eq "$(jq -c 'select(.Exec.pid == 5002) | .Exec.cmdline' out.jsonl)" '["sh","-c","echo","hi"]' "ExecFull"
	# equal timestamps: seq decides (12 before 13 though the file has them the other way)
	assert_eq "$(tail -2 out.jsonl | jq -r .Exit.seq | tr '\n' ' ')" "12 13 " "seq order"
}

test_errors_name_file_and_line() {
	local rc
	for f in 'bad-missing-pid|2: Exit: missing "pid"' 'bad-not-json|2: not JSON: ' \
		'bad-wrong-type|1: Fork: "child_pid" is not an integer'; do
		name=${f%%|*} rest=${f#*|}
		rc=0
		"$PROCTRACE" sort "$DATA/$name.jsonl" > out 2> err || rc=$?
		assert_eq "$rc" 1 "exit status for $name"
		grep -qF "proctrace: error: $DATA/$name.jsonl:$rest" err || fail "$name: stderr: $(cat err)"
		[ -s out ] && fail "$name: output written despite the error"
	done
	rc=0
	"$PROCTRACE" sort nonexistent.jsonl 2> err || rc=$?
	assert_eq "$rc" 1 "missing file"
	grep -qF "proctrace: error: cannot open 'nonexistent.jsonl': No such file or directory" err ||
		fail "stderr: $(cat err)"
}

test_warnings_are_not_errors() {
	"$PROCTRACE" sort "$DATA/truncated-tail.jsonl" > out 2> err
	grep -qF "truncated-tail.jsonl:3: last line is cut short (the recorder was killed, or its disk was full?), ignored" err || fail "$(cat err)"
	assert_eq "$(grep -vc Recording out)" 2 "events kept"
	"$PROCTRACE" sort "$DATA/unknown-types.jsonl" > out 2> err
	grep -qF "unknown-types.jsonl: skipped 3 lines of unknown event types (Mmap, Signal)" err || fail "$(cat err)"
	assert_eq "$(grep -vc Recording out)" 2 "events kept"
	# a name from the input cannot paint the terminal red
	printf '{"Foo\\u001b[31mRED":{}}\n{"Exit":{"timestamp":1,"pid":2}}\n' > esc.jsonl
	"$PROCTRACE" sort esc.jsonl > out 2> err
	grep -qF 'esc.jsonl: skipped 1 line of unknown event types (Foo\x1b[31mRED)' err || fail "$(cat err)"
	grep -q "$(printf '\033')" err && fail "an escape character reached stderr"
	"$PROCTRACE" sort "$DATA/lost.jsonl" > out 2> err
	grep -qF "warning: 12 events were lost while recording; the recording is incomplete" err || fail "$(cat err)"
	assert_eq "$(tail -1 out | jq -r .End.lost)" 12 "End kept"
}

# An End line that does not say how many events were lost stays so: not "lost":0.
test_end_without_lost() {
	printf '%s\n' '{"Recording":{"format":1,"root_pid":2}}' \
		'{"Exit":{"seq":1,"timestamp":5,"pid":2,"exit_code":0}}' \
		'{"End":{"timestamp":7,"exit_code":0}}' > in.jsonl
	"$PROCTRACE" sort in.jsonl > out.jsonl 2> err
	assert_eq "$(tail -1 out.jsonl)" '{"End":{"timestamp":7,"exit_code":0}}' "End line"
	[ ! -s err ] || fail "stderr: $(cat err)"
}

test_stdin() {
	shuffle "$DATA/sorted.jsonl" > shuffled.jsonl
	"$PROCTRACE" sort - < shuffled.jsonl | cmp - "$DATA/sorted.jsonl"
	"$PROCTRACE" sort < shuffled.jsonl | cmp - "$DATA/sorted.jsonl"
	local rc=0
	"$PROCTRACE" sort - < "$DATA/bad-missing-pid.jsonl" 2> err > /dev/null || rc=$?
	assert_eq "$rc" 1 "exit status"
	grep -qF '<stdin>:2: Exit: missing "pid"' err || fail "$(cat err)"
	# a line longer than the reader's buffer, arriving through a pipe in pieces
	long=$(head -c 3000000 /dev/zero | tr '\0' x)
	printf '{"Exec":{"timestamp":2,"pid":3,"filename":"%s"}}\n{"Exit":{"timestamp":1,"pid":3}}\n' "$long" |
		"$PROCTRACE" sort - > out.jsonl
	assert_eq "$(tail -1 out.jsonl | jq -r '.Exec.filename | length')" 3000000 "long filename"
}

test_in_place() {
	shuffle "$DATA/sorted.jsonl" > rec.jsonl
	chmod 640 rec.jsonl
	"$PROCTRACE" sort -o rec.jsonl rec.jsonl
	cmp rec.jsonl "$DATA/sorted.jsonl"
	assert_eq "$(stat -c %a rec.jsonl)" 640 "mode kept"
	assert_eq "$(ls | tr '\n' ' ')" "rec.jsonl " "files left behind"
	# a failed sort leaves the file alone
	cp "$DATA/bad-missing-pid.jsonl" bad.jsonl
	"$PROCTRACE" sort -o bad.jsonl bad.jsonl 2> /dev/null && fail "bad input sorted"
	cmp bad.jsonl "$DATA/bad-missing-pid.jsonl"
	"$PROCTRACE" sort --output=other.jsonl rec.jsonl
	cmp other.jsonl "$DATA/sorted.jsonl"
	# in place through stdin: the input is read completely before FILE is replaced
	shuffle "$DATA/sorted.jsonl" > rec.jsonl
	"$PROCTRACE" sort -o rec.jsonl - < rec.jsonl
	cmp rec.jsonl "$DATA/sorted.jsonl"
	shuffle "$DATA/sorted.jsonl" > rec.jsonl
	"$PROCTRACE" sort -o /dev/stdin < rec.jsonl
	cmp rec.jsonl "$DATA/sorted.jsonl"
	assert_eq "$(ls | tr '\n' ' ')" "bad.jsonl other.jsonl rec.jsonl " "files left behind"
}

# sort -o FILE FILE replaces FILE by a new file: as root, with FILE's owner
# and group (root sorting a user's file must not make it root's); a hard
# link to FILE keeps the old content (said in the documentation).
test_in_place_keeps_owner_and_mode() {
	need_root
	shuffle "$DATA/sorted.jsonl" > rec.jsonl
	chown 65534:65534 rec.jsonl
	chmod 604 rec.jsonl
	ln rec.jsonl hard.jsonl
	"$PROCTRACE" sort -o rec.jsonl rec.jsonl
	cmp rec.jsonl "$DATA/sorted.jsonl"
	assert_eq "$(stat -c '%u:%g %a %h' rec.jsonl)" "65534:65534 604 1" "owner, group, mode, links"
	shuffle "$DATA/sorted.jsonl" | cmp - hard.jsonl || fail "the hard link changed"
	# a new file is the caller's
	"$PROCTRACE" sort -o new.jsonl rec.jsonl
	assert_eq "$(stat -c '%u:%g' new.jsonl)" "$(id -u):$(id -g)" "owner of a new file"
}

# The temporary file's name is short: a FILE whose name is as long as the
# directory allows (NAME_MAX, 255 bytes here) is replaced like any other.
test_output_name_at_name_max() {
	local max name
	max=$(getconf NAME_MAX .)
	name=$(head -c "$max" /dev/zero | tr '\0' n)
	shuffle "$DATA/sorted.jsonl" > "$name"
	"$PROCTRACE" sort -o "$name" "$name"
	cmp "$name" "$DATA/sorted.jsonl"
	"$PROCTRACE" sort -o "${name%n}m" "$name"
	cmp "${name%n}m" "$DATA/sorted.jsonl"
	mkdir d
	"$PROCTRACE" sort -o "d/$name" "$name"
	cmp "d/$name" "$DATA/sorted.jsonl"
	assert_eq "$(ls | wc -l) $(ls d | wc -l)" "3 1" "files left"
}

# An interrupted sort -o leaves no temporary file (render's test tries each
# signal): sort reads a fifo that is kept open, its temporary file made.
test_sigterm_removes_the_temporary_file() {
	local pid
	mkfifo in.fifo
	shuffle "$DATA/sorted.jsonl" > out.jsonl
	cp out.jsonl before.jsonl
	exec 3<>in.fifo
	"$PROCTRACE" sort -o out.jsonl in.fifo 3>&- &
	pid=$!
	wait_glob 'proctrace-*.tmp'
	kill -TERM "$pid"
	wait_exit "$pid"
	exec 3>&-
	assert_eq "$RC" 143 "exit status of sort killed by SIGTERM"
	ls proctrace-*.tmp 2>/dev/null && fail "the temporary file was left"
	cmp out.jsonl before.jsonl
}

test_output_targets() {
	shuffle "$DATA/sorted.jsonl" > real.jsonl
	ln -s real.jsonl link.jsonl
	# through a symlink: the file it points to is replaced, the link stays
	"$PROCTRACE" sort -o link.jsonl link.jsonl
	[ -L link.jsonl ] || fail "the symlink was replaced"
	cmp real.jsonl "$DATA/sorted.jsonl"
	# not a regular file: written to, never renamed over
	"$PROCTRACE" sort -o /dev/stdout real.jsonl | cmp - "$DATA/sorted.jsonl"
	"$PROCTRACE" sort -o - real.jsonl | cmp - "$DATA/sorted.jsonl"
	# an fd path is written to as it is: a '>>' file keeps what it held
	echo kept > log
	"$PROCTRACE" sort -o /dev/stdout real.jsonl >> log
	"$PROCTRACE" sort -o /dev/fd/5 real.jsonl 5>> log
	cat - "$DATA/sorted.jsonl" "$DATA/sorted.jsonl" <<<kept | cmp - log
	local rc=0
	"$PROCTRACE" sort -o /dev/fd/9 real.jsonl 2> err || rc=$?
	assert_eq "$rc" 1 "exit status for a closed fd"
	grep -q "cannot write '/dev/fd/9': not an open file descriptor" err || fail "$(cat err)"
	rc=0
	"$PROCTRACE" sort -o no/such/dir/out.jsonl real.jsonl 2> err || rc=$?
	assert_eq "$rc" 1 "exit status"
	grep -q "proctrace: error: cannot create 'no/such/dir/out.jsonl" err || fail "$(cat err)"
}

test_empty_input() {
	: > empty.jsonl
	"$PROCTRACE" sort empty.jsonl > out 2> err
	[ -s out ] && fail "output for empty input: $(cat out)"
	[ -s err ] && fail "messages for empty input: $(cat err)"
	true
}

test_usage() {
	local rc
	"$PROCTRACE" sort --help > out
	grep -q '^Usage: proctrace sort' out || fail "no usage line"
	grep -q '^EXAMPLES' out || fail "no EXAMPLES"
	rc=0; "$PROCTRACE" sort --bogus 2> err || rc=$?
	assert_eq "$rc" 2 "unknown option"
	# one line, in proctrace's own words, saying where the help is
	assert_eq "$(cat err)" "proctrace: error: sort: unknown option '--bogus' (try 'proctrace sort --help')" "message"
	rc=0; "$PROCTRACE" sort -o 2> err || rc=$?
	assert_eq "$rc" 2 "-o without a value"
	assert_eq "$(cat err)" "proctrace: error: sort: option '-o' needs a value (try 'proctrace sort --help')" "message"
	rc=0; "$PROCTRACE" sort -o '' "$DATA/sorted.jsonl" 2> err || rc=$?
	assert_eq "$rc" 2 "-o ''"
	assert_eq "$(cat err)" "proctrace: error: sort: -o needs a file name" "message"
	rc=0; "$PROCTRACE" sort a.jsonl b.jsonl 2> err || rc=$?
	assert_eq "$rc" 2 "two files"
	grep -q 'too many arguments' err || fail "$(cat err)"
}

run_tests
