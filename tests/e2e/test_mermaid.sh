#!/usr/bin/env bash
# tests/e2e/test_mermaid.sh: the mermaid view of the examples, of hostile argv, of big
# generated builds and of a real one, each checked in the real Mermaid renderer
# (tests/mermaid/check.mjs): every bar drawn, every label readable, no error.
# UPDATE_GOLDEN=1 rewrites tests/golden/*.mermaid from the current output.
. "$(dirname "$0")/lib.sh"

# Every example renders as its golden chart, and the real renderer draws every bar.
test_examples_match_golden_and_render() {
	local f name n=0 args=()
	for f in "$REPO_DIR"/examples/*.jsonl; do
		[ -f "$f" ] || continue
		name=$(basename "$f" .jsonl)
		"$PROCTRACE" render -f mermaid "$f" >"$name.mmd" 2>"$name.err" ||
			fail "$name: render failed: $(cat "$name.err")"
		if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
			cp "$name.mmd" "$REPO_DIR/tests/golden/$name.mermaid"
		fi
		[ -f "$REPO_DIR/tests/golden/$name.mermaid" ] ||
			fail "$name: no tests/golden/$name.mermaid (UPDATE_GOLDEN=1 writes it; review it)"
		diff -u "$REPO_DIR/tests/golden/$name.mermaid" "$name.mmd" ||
			fail "$name: differs from tests/golden/$name.mermaid"
		[ "$(task_lines "$name.mmd")" -gt 0 ] || fail "$name: no bars"
		args+=("$name.mmd" "$(task_lines "$name.mmd")")
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || fail "no examples/*.jsonl"
	mermaid_check "${args[@]}"
}

# For a format-1 example, the number of bars is independent of the golden:
# with --all-bars (a real build has more than the 50 drawn by default), one
# per Exec, plus one per process that never exec'd.
test_examples_bar_count_from_events() {
	local f name want n=0
	for f in "$REPO_DIR"/examples/*.jsonl; do
		[ -f "$f" ] || continue
		head -1 "$f" | grep -q '^{"Recording"' || continue
		name=$(basename "$f" .jsonl)
		want=$(jqr "$f" '
			([.[] | (.Exec // .Running) | select(.) | .pid]) as $execs
			| ([.[] | .Running.pid | select(.)]) as $running
			| ([.[] | .Recording.root_pid | select(.) | select(. as $r | $running | index($r) | not)]
			   + [.[] | .Fork.child_pid | select(.)] + $running) as $procs
			| ($execs | length) + ([$procs[] | select(. as $p | $execs | index($p) | not)] | length)')
		"$PROCTRACE" render -f mermaid --all-bars "$f" >"$name.mmd" 2>/dev/null
		assert_eq "$(task_lines "$name.mmd")" "$want" "$name: bars"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || fail "no format-1 examples/*.jsonl"
}

# The argv of each child of the root, and the label it must show.
hostile_cases() {
	local long
	long=$(printf 'x%.0s' $(seq 300))
	jq -n -c --arg long "$long" '[
		[["echo", "key:value", "a:b:c"], "echo key:value a:b:c"],
		[["%d"], "%d"],
		[["5% load"], "5% load"],
		[["%%{init: {}}%%"], "%%{init: {}}%%"],
		[["title x"], "title x"],
		[["section y"], "section y"],
		[["gantt"], "gantt"],
		[["click z"], "click z"],
		[["call f()"], "call f()"],
		[["href \"u\""], "href \"u\""],
		[["dateFormat x"], "dateFormat x"],
		[["excludes weekends"], "excludes weekends"],
		[["todayMarker on"], "todayMarker on"],
		[["weekday monday"], "weekday monday"],
		[["topAxis"], "topAxis"],
		[["accDescr {"], "accDescr {"],
		[["2024-01-01"], "2024-01-01"],
		[["#word;"], "#word;"],
		[["<b>bold</b>", "<script>x</script>"], "<b>bold</b> <script>x</script>"],
		[["&amp;", "&lt;"], "&amp; &lt;"],
		[["say", "\"hi\"", "it'\''s"], "say \"hi\" it'\''s"],
		[[""], "\u00a0"],
		[["a\rb", "c\nd", "\te"], "a b c d  e"],
		[["h\u00e9llo", "w\u00f6rld", "\u2713", "\u65e5\u672c", "\ud83d\ude00"], "h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c \ud83d\ude00"],
		[["\u00e9t\u00e9"], "\u00e9t\u00e9"],
		[["a;b", "c,d", "e|f", "g\\h"], "a;b c,d e|f g\\h"],
		[["line\u2028sep", "para\u2029sep"], "line\u2028sep para\u2029sep"],
		[["cmd", $long], "cmd x+\u2026x+"]
	]'
}

# jq functions for regular expressions (JavaScript's, with the u flag): re, one that
# matches exactly the string; cut, the string or a cut in its middle; star, a pattern
# after the star that marks a bar on the critical path if there is one.
RE_QUOTE='def re: gsub("(?<c>[\\[\\]\\\\/.*+?^${}()|])"; "\\\(.c)");
	def cut: "\(re)|\(.[0:4] | re).*\u2026.*\(.[-4:] | re)"; def star: "(?:\u2605 )?(?:\(.))";'

# star_patterns: each line of stdin as such a regular expression.
star_patterns() { jq -R -r "$RE_QUOTE"'re | star'; }


# hostile_recording OUT: a format-1 recording whose root runs every hostile argv,
# then `false` (exit 1) and a process killed by SIGKILL.
hostile_recording() {
	hostile_cases | jq -c '
		def ms: . * 1000000;
		. as $cases
		| ["sh", "-c", "title: <b>&amp; %d #x;"] as $cmd
		| [{Recording: {format: 1, tool: "proctrace 0.1.0", root_pid: 1000, command: $cmd,
			start_time: "2026-01-01T00:00:00.000000000Z", host: "h", kernel: "k"}},
		   {Exec: {timestamp: 0, pid: 1000, ppid: 1, pgid: 1000, filename: "/bin/sh", cmdline: $cmd}}]
		+ ([($cases | map(.[0])) + [["false"], ["sleep", "100"]] | to_entries[]
			| .key as $i | (1001 + $i) as $pid | ($i * 10 + 10 | ms) as $t
			| {Fork: {timestamp: $t, parent_pid: 1000, child_pid: $pid, parent_pgid: 1000}},
			  {Exec: {timestamp: ($t + 1), pid: $pid, ppid: 1000, pgid: 1000,
				filename: "/bin/x", cmdline: .value}},
			  {Exit: ({timestamp: ($t + (5 | ms)), pid: $pid, ppid: 1000, pgid: 1000,
				user_ns: 0, system_ns: 0, max_rss_kb: 0}
				+ (if .value == ["false"] then {exit_code: 1}
				   elif .value[0] == "sleep" then {signal: 9}
				   else {exit_code: 0} end))}])
		+ [{Exit: {timestamp: (1000 | ms), pid: 1000, ppid: 1, pgid: 1000, exit_code: 0,
			user_ns: 0, system_ns: 0, max_rss_kb: 0}},
		   {End: {timestamp: (1000 | ms), lost: 0, exit_code: 0}}]
		| to_entries[] | .key as $seq | .value | with_entries(.value.seq = $seq)
		| if .End then .End |= del(.seq) elif .Recording then .Recording |= del(.seq) else . end'
}

# Any argv survives: every label, section name and the title read back intact, and failures are crit.
# Sections are named as every view names a command (argv[0]'s basename here),
# cut in the middle to what the left margin holds; the 300-character argument
# is cut in the middle to what the chart has room for.
test_hostile_argv_labels_intact() {
	local title="sh -c title: <b>&amp; %d #x;"
	hostile_recording >hostile.jsonl
	{
		jq -n -r --arg t "$title" "$RE_QUOTE"' $t | cut | star'
		# With the star, labels with many entities may be cut; blank text is the star alone.
		hostile_cases | jq -r "$RE_QUOTE"'.[] | .[1] | if startswith("cmd x") then star
			elif . == "\u00a0" then "\u00a0|\u2605" else cut | star end'
		printf '%s\n' false "sleep 100" | star_patterns
	} >labels
	{
		echo sh
		hostile_cases | jq -r "$RE_QUOTE"'.[] | .[0][0] | explode | map(if . < 32 then 32 else . end) | implode
			| split("/") | last // "" | if . == "" then "x" else "\(re)|\(.[0:2] | re).*\u2026.*\(.[-2:] | re)" end'
		printf '%s\n' false sleep
	} >sections
	"$PROCTRACE" render -f mermaid hostile.jsonl >hostile.mmd
	grep -q ':crit, ' hostile.mmd || fail "no crit bar in the chart"
	mermaid_check hostile.mmd "$(wc -l <labels)" --label-patterns labels --section-patterns sections \
		--crit 2 --title "$title"
}

# big_recording N [LONG]: the root (make) forks N children, one after the other; child i
# runs i ms. The LONG last (longest) children have a 200-character argument.
big_recording() {
	# %.0f: mawk's %d stops at 2^31.
	awk -v n="$1" -v long="${2:-0}" 'BEGIN {
		ms = 1000000; seq = 0
		pad = sprintf("%200s", ""); gsub(/ /, "x", pad)
		printf "{\"Recording\":{\"format\":1,\"tool\":\"proctrace 0.1.0\",\"root_pid\":1000,\"command\":[\"make\",\"-j2\"],\"start_time\":\"2026-01-01T00:00:00.000000000Z\",\"host\":\"h\",\"kernel\":\"k\"}}\n"
		printf "{\"Exec\":{\"seq\":%d,\"timestamp\":0,\"pid\":1000,\"ppid\":1,\"pgid\":1000,\"filename\":\"/usr/bin/make\",\"cmdline\":[\"make\",\"-j2\"]}}\n", seq++
		for (i = 1; i <= n; i++) {
			pid = 2000 + i
			t = (i * (i - 1) / 2 + i) * ms
			printf "{\"Fork\":{\"seq\":%d,\"timestamp\":%.0f,\"parent_pid\":1000,\"child_pid\":%d,\"parent_pgid\":1000}}\n", seq++, t, pid
			printf "{\"Exec\":{\"seq\":%d,\"timestamp\":%.0f,\"pid\":%d,\"ppid\":1000,\"pgid\":1000,\"filename\":\"/usr/bin/cc\",\"cmdline\":[\"cc\",\"-c\",\"f%d.c\"%s]}}\n", seq++, t, pid, i, (i > n - long ? ",\"-D" pad "\"" : "")
			printf "{\"Exit\":{\"seq\":%d,\"timestamp\":%.0f,\"pid\":%d,\"ppid\":1000,\"pgid\":1000,\"exit_code\":0,\"user_ns\":0,\"system_ns\":0,\"max_rss_kb\":0}}\n", seq++, t + i * ms, pid
		}
		t = (n * (n + 1) / 2 + n + 1) * ms
		printf "{\"Exit\":{\"seq\":%d,\"timestamp\":%.0f,\"pid\":1000,\"ppid\":1,\"pgid\":1000,\"exit_code\":0,\"user_ns\":0,\"system_ns\":0,\"max_rss_kb\":0}}\n", seq++, t
		printf "{\"End\":{\"timestamp\":%.0f,\"lost\":0,\"exit_code\":0}}\n", t
	}'
}

# A 5,000-process build, its steps one after the other: by default the 50
# longest bars (no failures, and every bar is on the critical path or none
# is) and a note of what was left out; --all-bars draws every bar, too big for
# Mermaid (and says so on stderr); --max-bars keeps more of the longest;
# --min-duration drops the short ones.
test_big_build_default_max_bars_and_min_duration() {
	local n=5000 max=200 min=4990 i fit
	big_recording $n >big.jsonl

	"$PROCTRACE" render -f mermaid big.jsonl >default.mmd 2>default.err
	[ ! -s default.err ] || fail "warning by default: $(cat default.err)"
	{
		echo "make -j2"
		for ((i = n - 48; i <= n; i++)); do echo "cc -c f$i.c"; done
		echo "$((n + 1 - 50)) of $((n + 1)) bars not shown, the longest $((n - 49))ms (see --max-bars, --all-bars)"
	} | star_patterns >default.labels
	head -1 default.mmd | grep -qx "%% proctrace: 50 of $((n + 1)) bars shown, in tree order: the longest [a-z ]* (50\( of $((n + 1))\)\?\(, marked .\)\?)\. Not shown: $((n + 1 - 50)), the longest $((n - 49))ms\. More: --max-bars N; every bar: --all-bars\." ||
		fail "first line: $(head -1 default.mmd)"

	"$PROCTRACE" render -f mermaid --all-bars big.jsonl >all.mmd 2>all.err
	grep -q 'warning: mermaid: .*more than the 50000.*--max-bars' all.err ||
		fail "no size warning: $(cat all.err)"
	assert_eq "$(task_lines all.mmd)" $((n + 1)) "bars with --all-bars"
	# The checker must refuse what Mermaid refuses.
	if mermaid_check all.mmd $((n + 1)) >all.check; then
		fail "the checker accepted a chart over Mermaid's size limit"
	fi
	grep -q 'Maximum text size' all.check || fail "unexpected checker output: $(cat all.check)"
	# The --max-bars the warning suggests gives a chart under the limit.
	fit=$(sed -n 's/.*; try --max-bars \([0-9]*\)$/\1/p' all.err)
	[ -n "$fit" ] || fail "no --max-bars suggestion: $(cat all.err)"
	"$PROCTRACE" render -f mermaid --max-bars "$fit" big.jsonl >fit.mmd 2>fit.err
	[ ! -s fit.err ] || fail "--max-bars $fit still warns: $(cat fit.err)"

	"$PROCTRACE" render -f mermaid --max-bars $max big.jsonl >max.mmd 2>max.err
	[ ! -s max.err ] || fail "warning with --max-bars: $(cat max.err)"
	{
		echo "make -j2"
		for ((i = n - max + 2; i <= n; i++)); do echo "cc -c f$i.c"; done
		echo "$((n + 1 - max)) of $((n + 1)) bars not shown, the longest $((n + 1 - max))ms (see --max-bars, --all-bars)"
	} | star_patterns >max.labels

	"$PROCTRACE" render -f mermaid --min-duration ${min}ms big.jsonl >min.mmd
	{
		echo "make -j2"
		for ((i = min; i <= n; i++)); do echo "cc -c f$i.c"; done
		echo "$((min - 1)) of $((n + 1)) bars not shown, the longest $((min - 1))ms (see --max-bars, --all-bars)"
	} | star_patterns >min.labels
	mermaid_check default.mmd 51 --label-patterns default.labels max.mmd $((max + 1)) \
		--label-patterns max.labels min.mmd $((n - min + 3)) --label-patterns min.labels fit.mmd $((fit + 1))
}

# The longest bars have the longest labels: the --max-bars the warning suggests
# still gives a chart Mermaid draws (it is the largest that does), with or
# without a --max-bars already given.
test_big_build_suggestion_with_long_labels() {
	local n=5000 fit again
	big_recording $n 1000 >big.jsonl
	"$PROCTRACE" render -f mermaid --all-bars big.jsonl >all.mmd 2>all.err
	fit=$(sed -n 's/.*; try --max-bars \([0-9]*\)$/\1/p' all.err)
	[ -n "$fit" ] || fail "no --max-bars suggestion: $(cat all.err)"
	"$PROCTRACE" render -f mermaid --max-bars $((fit + 50)) big.jsonl >/dev/null 2>again.err
	again=$(sed -n 's/.*; try --max-bars \([0-9]*\)$/\1/p' again.err)
	assert_eq "$again" "$fit" "suggestion with --max-bars $((fit + 50))"
	"$PROCTRACE" render -f mermaid --max-bars "$fit" big.jsonl >fit.mmd 2>fit.err
	[ ! -s fit.err ] || fail "--max-bars $fit still warns: $(cat fit.err)"
	[ "$(wc -m <fit.mmd)" -le 50000 ] || fail "--max-bars $fit: $(wc -m <fit.mmd) characters"
	"$PROCTRACE" render -f mermaid --max-bars $((fit + 1)) big.jsonl >/dev/null 2>over.err
	grep -q 'more than the 50000' over.err || fail "--max-bars $((fit + 1)) fits too: $fit is not the largest"
	mermaid_check fit.mmd $((fit + 1))
}

# The default chart of the benchmark's generated build (sh -> gcc -> cc1/as,
# long argv): 50 bars and the note, all drawn, labels readable, within the
# size Mermaid draws.
test_generated_build_default_chart() {
	cc -O2 -o "$T/gen" "$REPO_DIR/tests/bench/gen.c" || fail "cannot build gen"
	"$T/gen" -n 5000 -s 1 -o gen.jsonl 2>/dev/null
	"$PROCTRACE" render -f mermaid gen.jsonl >gen.mmd 2>gen.err
	[ ! -s gen.err ] || fail "stderr: $(cat gen.err)"
	[ "$(wc -m <gen.mmd)" -le 50000 ] || fail "$(wc -m <gen.mmd) characters"
	head -1 gen.mmd | grep -q '^%% proctrace: 50 of [0-9]* bars shown' || fail "first line: $(head -1 gen.mmd)"
	# Compiles keep their source file although their labels are cut in the middle.
	grep -E "$(printf '\xe2\x80\xa6').*\.c :[0-9]+, [0-9]+ms$" gen.mmd >compiles || true
	[ "$(wc -l <compiles)" -gt 10 ] || fail "no compiles kept their source file: $(cat gen.mmd)"
	mermaid_check gen.mmd 51
}

# A real recording: every exec drawn with its argv, the failures in red.
test_recorded_command_renders() {
	need_root
	"$PROCTRACE" record -q -o rec.jsonl -- sh -c '/bin/true a:b; /bin/false "%d"; sh -c "kill -9 \$\$"; exit 0'
	# This tree has one exec per process, in time order: the labels are the
	# argvs, the root's maybe cut in the middle (as the chart is wide, it is
	# the first bar's whole width: its ":;%" are each measured as an entity).
	jqr rec.jsonl "$RE_QUOTE"'.[] | .Exec | select(.) | .cmdline | join(" ")
		| cut | star' >labels
	assert_eq "$(wc -l <labels)" 4 "execs recorded"
	"$PROCTRACE" render -f mermaid rec.jsonl >rec.mmd
	mermaid_check rec.mmd 4 --label-patterns labels --crit 2
}

# A real build: make -j2 of four files, one of which does not compile, with
# long command lines. The chart draws every process; the failed compile (its
# driver and cc1) and make are crit, the driver's execvp misses while it
# looks for its programs along PATH are not; the compiles' labels are cut
# and keep their program and source file, cc1's too (whose source file is in
# the middle of its command line).
test_recorded_make_build() {
	need_root
	local defs="" i n crit
	mkdir src
	for i in a b c; do printf 'int %s(void) { return 1; }\n' $i >src/$i.c; done
	printf 'int broken(void) { return }\n' >src/bad.c
	for i in $(seq 1 12); do defs+=" -DA_RATHER_LONG_DEFINITION_NUMBER_$i=1"; done
	printf 'CFLAGS =%s\nall: a.o b.o c.o bad.o\n' "$defs" >src/Makefile
	RC=0
	"$PROCTRACE" record -q --failed-execs -o rec.jsonl -- make -C src -j2 >make.out 2>&1 || RC=$?
	assert_eq "$RC" 2 "make's exit status"
	crit=$(jqr rec.jsonl '[.[] | .Exit | select(.) | select((.exit_code // 0) != 0 or .signal)] | length')
	assert_eq "$crit" 3 "processes that failed (make, cc and cc1 of bad.c)"
	[ "$(jqr rec.jsonl '[.[] | .BadExec | select(.)] | length')" -gt 0 ] ||
		fail "no failed exec recorded: the execvp misses this test is about did not happen"
	"$PROCTRACE" render -f mermaid rec.jsonl >rec.mmd 2>rec.err
	[ ! -s rec.err ] || fail "stderr: $(cat rec.err)"
	n=$(task_lines rec.mmd)
	assert_eq "$n" "$(jqr rec.jsonl '[.[] | .Exec | select(.)] | length')" "bars (one per exec)"
	grep -qE "^    (#99;c|#9733; cc) .*$(printf '\xe2\x80\xa6').* -o bad\.o bad\.c :crit, " rec.mmd ||
		fail "no crit bar for the failed compile, cut: $(cat rec.mmd)"
	[ "$(grep -cE '^    (#99;c|#9733; cc) .* -o ([abc]|bad)\.o ([abc]|bad)\.c :' rec.mmd)" -eq 4 ] ||
		fail "compiles lost their source file: $(cat rec.mmd)"
	[ "$(grep -cE "^    (#47;|#9733; /)usr/lib/gcc/.*/cc1 .*$(printf '\xe2\x80\xa6') ([abc]|bad)\.c( |$(printf '\xe2\x80\xa6')).* :" rec.mmd)" -eq 4 ] ||
		fail "cc1 lost its source file: $(cat rec.mmd)"
	mermaid_check rec.mmd "$n" --crit "$crit"
}

# --pid draws only that process's subtree, titled by its command, with the
# axis starting when it started: each bar is the full chart's, moved by as
# much as the chosen process started after the first one (1 ms here).
test_pid_subtree() {
	local f="$REPO_DIR/examples/hand-build.jsonl" pid=1001 title c
	title=$(jqr "$f" "[.[] | .Exec | select(.pid == $pid) | .cmdline | join(\" \")][0]")
	"$PROCTRACE" render -f mermaid --pid $pid "$f" >sub.mmd
	"$PROCTRACE" render -f mermaid "$f" >all.mmd
	[ "$(task_lines sub.mmd)" -lt "$(task_lines all.mmd)" ] || fail "--pid did not drop bars"
	# Whether a bar is on the critical path depends on the tree drawn: the star
	# is left out, and the first character, which follows it, is decoded.
	for c in sub all; do
		perl -CSD -pe 's/^    #9733; /    /; s/^    #(\d+);/"    " . chr($1)/e' $c.mmd >$c.plain
	done
	grep -q '^    make -j2 :crit, 0, ' sub.plain || fail "the chosen process does not start at 0: $(cat sub.mmd)"
	grep -E ' :((crit|active|done), )?[0-9]+, [0-9]+ms$' sub.plain |
		sed -E 's/^(.*[ :])([0-9]+), ([0-9]+ms)$/\1\t\2\t\3/' |
		awk -F '\t' '{ printf "%s%d, %s\n", $1, $2 + 1, $3 }' >sub.bars
	grep -qvxF -f all.plain sub.bars && fail "--pid changed bars: $(grep -vxF -f all.plain sub.bars)"
	mermaid_check sub.mmd "$(task_lines sub.mmd)" --title "$title"
}

# one_bar_recording MS: a recording of one process that runs MS milliseconds from 0.
one_bar_recording() {
	jq -n -c --argjson ns "$(($1 * 1000000))" '
		{Recording: {format: 1, tool: "proctrace 0.1.0", root_pid: 1, command: ["sleep"],
			start_time: "2026-01-01T00:00:00.000000000Z", host: "h", kernel: "k"}},
		{Exec: {seq: 0, timestamp: 0, pid: 1, ppid: 0, pgid: 1, filename: "/bin/sleep", cmdline: ["sleep"]}},
		{Exit: {seq: 1, timestamp: $ns, pid: 1, ppid: 0, pgid: 1, exit_code: 0, user_ns: 0, system_ns: 0, max_rss_kb: 0}},
		{End: {timestamp: $ns, lost: 0, exit_code: 0}}'
}

# The axis reads the same in every time zone. Mermaid formats and places ticks
# in the viewer's local time, near the epoch: Asia/Kolkata is +5:30, and
# Africa/Monrovia was -0:44:30 in 1970, which shifted even %S by 30 s.
test_axis_is_independent_of_time_zone() {
	local tz z
	"$PROCTRACE" render -f mermaid "$REPO_DIR/examples/hand-build.jsonl" >ms.mmd
	one_bar_recording 90000 >min.jsonl
	"$PROCTRACE" render -f mermaid min.jsonl >min.mmd
	one_bar_recording 7200000 >hours.jsonl
	"$PROCTRACE" render -f mermaid hours.jsonl >hours.mmd
	for tz in UTC Asia/Kolkata Africa/Monrovia; do
		z=${tz//\//-}
		cp ms.mmd "ms-$z.mmd"
		cp min.mmd "min-$z.mmd"
		cp hours.mmd "hours-$z.mmd"
		TZ=$tz mermaid_check "ms-$z.mmd" 11 --ticks "0.000 0.010 0.020 0.030 0.040 0.050 0.060 0.070 0.080" \
			"min-$z.mmd" 1 --ticks "0 10 20 30 40 50 60 70 80 90" \
			"hours-$z.mmd" 1 --ticks "0 900 1800 2700 3600 4500 5400 6300 7200"
	done
}

# Events the kernel dropped are flagged in the title.
test_lost_events_in_title() {
	big_recording 3 | sed 's/"lost":0/"lost":17/' >lost.jsonl
	"$PROCTRACE" render -f mermaid lost.jsonl >lost.mmd 2>/dev/null
	mermaid_check lost.mmd 4 --title "make -j2 (incomplete: 17 events lost)"
}

run_tests
