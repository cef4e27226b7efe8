#!/usr/bin/env bash
# tests/e2e/test_tables.sh: the metrics and processes views against golden files, Samples in
# every view, bad Samples, and the processes CSV loaded by real consumers (sqlite3, DuckDB).
# Goldens: every examples/*.jsonl and tests/data/sampled.jsonl (a hand-made recording with
# Samples) × {metrics, processes} in tests/golden/<name>.<view>; UPDATE_GOLDEN=1 rewrites them.
. "$(dirname "$0")/lib.sh"

EX=$REPO_DIR/examples
SAMPLED=$REPO_DIR/tests/data/sampled.jsonl
GOLDEN=$REPO_DIR/tests/golden
TABLES="metrics processes"
SQL=$REPO_DIR/tests/duckdb/sql.mjs

# golden NAME ARGS...: render with ARGS and compare with tests/golden/NAME.
golden() {
	local name=$1
	shift
	"$PROCTRACE" render "$@" >out 2>err || fail "render $*: exit $?: $(cat err)"
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		cp out "$GOLDEN/$name"
	fi
	[ -f "$GOLDEN/$name" ] || fail "no golden tests/golden/$name (UPDATE_GOLDEN=1 makes it)"
	diff -u "$GOLDEN/$name" out || fail "render $* differs from tests/golden/$name"
}

for f in "$EX"/*.jsonl "$SAMPLED"; do
	[ -f "$f" ] || continue
	ex=$(basename "$f" .jsonl)
	for view in $TABLES; do
		fn="test_golden_$(printf '%s_%s' "$ex" "$view" | tr -c 'A-Za-z0-9_' '_')"
		eval "$fn() { golden '$ex.$view' -f '$view' '$f'; }"
	done
done

test_golden_sampled_other_views() {
	golden sampled.multiplexed -f multiplexed "$SAMPLED"
	golden sampled.by-process -f by-process "$SAMPLED"
	golden sampled.interval-500ms.metrics -f metrics --interval 500ms "$SAMPLED"
	golden sampled.pid102.metrics -f metrics --pid 102 "$SAMPLED"
	golden hand-build.pid1001.metrics -f metrics --pid 1001 "$EX/hand-build.jsonl"
	golden hand-build.pid1001.processes -f processes --pid 1001 "$EX/hand-build.jsonl"
	golden hand-build.interval-10ms.metrics -f metrics --interval 10ms "$EX/hand-build.jsonl"
}

test_every_example_has_its_tables() {
	local f view n=0
	for f in "$EX"/*.jsonl; do
		for view in $TABLES; do
			[ -f "$GOLDEN/$(basename "$f" .jsonl).$view" ] || fail "missing golden for $f, $view"
			n=$((n + 1))
		done
	done
	[ "$n" -ge 10 ] || fail "only $n goldens: where are the examples?"
}

# The most processes of any row is the summary's peak concurrency, at any interval.
test_metrics_processes_peak_is_the_summary_peak() {
	local f peak i
	for f in "$EX"/*.jsonl "$SAMPLED"; do
		peak=$("$PROCTRACE" render -f summary "$f" 2>/dev/null | sed -n 's/^peak concurrency: *//p')
		[ -n "$peak" ] || fail "$f: no peak concurrency in the summary"
		for i in 1ms 1s; do
			assert_eq "$("$PROCTRACE" render -f metrics --interval "$i" "$f" 2>/dev/null |
				tail -n +2 | cut -f2 | sort -n | tail -1)" "$peak" "$(basename "$f"), --interval $i"
		done
	done
}

# views: every view render --help lists.
views() { "$PROCTRACE" render --help | sed -n '/^Formats:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'; }

# with_samples FILE: FILE with a Sample after every Exec, of that process, at that time (and
# seq: it sorts right after the Exec).
with_samples() {
	jq -c 'if .Exec then ., {Sample: ((if .Exec.seq then {seq: .Exec.seq} else {} end) +
		{timestamp: .Exec.timestamp, pid: .Exec.pid, user_ns: 1, system_ns: 2, rss_kb: 300,
		 swap_kb: 4, threads: 5})} else . end' "$1"
}

# Every view but metrics ignores Samples: adding them to a recording changes
# nothing, except that multiplexed and by-process show them, in place, and
# perfetto and html plot the metrics' series (counters; the page's "M").
test_views_other_than_metrics_ignore_samples() {
	local f name view n=0
	# the same file names in both (the html view shows the name)
	mkdir with without
	for f in "$EX"/*.jsonl; do
		name=$(basename "$f")
		# a recording made with sampling on (pv-build) loses its own Samples first
		grep -v '^{"Sample"' "$f" | sed 's/,"sample_interval_ns":[0-9]*//' >"without/$name"
		with_samples "without/$name" >"with/$name"
	done
	grep -v '^{"Sample"' "$SAMPLED" | sed 's/,"sample_interval_ns":[0-9]*//' >without/sampled.jsonl
	cp "$SAMPLED" with/sampled.jsonl
	[ "$(grep -c '^{"Sample"' with/demo.jsonl)" -ge 10 ] || fail "with_samples added no Samples"
	for name in $(cd with && ls); do
		for view in $(views); do
			[ "$view" != metrics ] || continue
			(cd with && "$PROCTRACE" render -f "$view" "$name") >out.with 2>err.with ||
				fail "$name $view: exit $?"
			(cd without && "$PROCTRACE" render -f "$view" "$name") >out.without 2>err.without
			case $view in
			multiplexed | by-process)
				grep -c '"Sample"' out.with >/dev/null || fail "$name: $view shows no Sample"
				grep -v '^{"Sample"' out.with | sed 's/,"sample_interval_ns":[0-9]*//' >stripped
				mv stripped out.with
				;;
			perfetto)
				grep -q '"name":"cores busy"' out.with || fail "$name: perfetto plots no cores busy"
				grep -v '"name":"\(cores busy\|memory (MiB)\|threads\)"' out.with >stripped
				mv stripped out.with
				;;
			html)
				for side in with without; do
					sed -n 's/.*<script type="application\/octet-stream" id="proctrace-data"[^>]*>\([^<]*\)<\/script>.*/\1/p' \
						"out.$side" | base64 -d | gunzip | jq -c '.M' >"m.$side"
				done
				[ "$(cat m.with)" != null ] || fail "$name: the page has no metrics strip"
				for side in with without; do
					sed 's/id="proctrace-data"[^>]*>[^<]*</id="proctrace-data"></' "out.$side" >stripped
					mv stripped "out.$side"
				done
				;;
			esac
			diff -u out.without out.with || fail "$name: -f $view changed when Samples were added"
			diff -u err.without err.with || fail "$name: -f $view said more with Samples"
			n=$((n + 1))
		done
	done
	[ "$n" -ge 30 ] || fail "only $n comparisons"
}

# multiplexed keeps Samples in time order; by-process in their process's block; sort too, from any order.
test_samples_in_place() {
	local b
	"$PROCTRACE" render "$SAMPLED" >out
	jq -s -e '[.[] | to_entries[0].value.timestamp // empty] | . == sort' out >/dev/null || fail "not in time order"
	assert_eq "$(grep -c '^{"Sample"' out)" "$(grep -c '^{"Sample"' "$SAMPLED")" "Samples"
	"$PROCTRACE" render -f by-process "$SAMPLED" >out
	# each block is about one process: a Fork's child, or every event's pid
	awk 'BEGIN { RS = "" } { print > ("block." NR) }' out
	[ "$(ls block.* | wc -l)" -eq 6 ] || fail "blocks: $(ls block.*)"
	for b in block.*; do
		jq -r 'if .Fork then .Fork.child_pid else (to_entries[0].value.pid) end' "$b" | sort -u >pids
		[ "$(wc -l <pids)" -eq 1 ] || fail "$b has events of pids $(tr '\n' ' ' <pids)"
		grep -q '^{"Sample"' "$b" || [ "$(cat pids)" -ge 103 ] || fail "$b (pid $(cat pids)) has no Sample"
	done
	tac "$SAMPLED" | "$PROCTRACE" sort >sorted
	cmp sorted "$SAMPLED" || fail "sort of the lines reversed is not the recording"
}

# bad_samples: the hand-made recording with Samples that fit no process.
test_bad_samples_warn_with_file_and_line() {
	{
		head -3 "$SAMPLED"
		echo '{"Sample":{"timestamp":1000000000,"pid":4242,"user_ns":0,"system_ns":0,"rss_kb":1,"swap_kb":0,"threads":1}}'
		tail -n +4 "$SAMPLED" | grep -v '^{"End"'
		# after 101's Exit (3.5 s), but written here
		echo '{"Sample":{"timestamp":3600000000,"pid":101,"user_ns":0,"system_ns":0,"rss_kb":1,"swap_kb":0,"threads":1}}'
		# out of order in the file, but in 101's life: no warning
		echo '{"Sample":{"timestamp":3400000000,"pid":101,"user_ns":2500000000,"system_ns":400000000,"rss_kb":9,"swap_kb":0,"threads":1}}'
		grep '^{"End"' "$SAMPLED"
	} >bad.jsonl
	for view in $(views); do
		"$PROCTRACE" render -f "$view" bad.jsonl >out 2>err || fail "$view: exit $?: $(cat err)"
		grep -q '^proctrace: warning: bad.jsonl:4: Sample for pid 4242 at 1000000000 ns: no such process then; left out$' err ||
			fail "$view: stderr: $(cat err)"
		grep -q '^proctrace: warning: bad.jsonl: 1 more Sample fits no process; left out$' err ||
			fail "$view: stderr: $(cat err)"
	done
	"$PROCTRACE" render bad.jsonl >out 2>/dev/null
	! grep -q '"pid":4242' out || fail "the stray Sample is in the multiplexed view"
	grep -q '"timestamp":3400000000,"pid":101' out || fail "the Sample out of order was left out"
	# the late one alone is named with its line
	grep -v '"pid":4242' bad.jsonl >late.jsonl
	"$PROCTRACE" render -f summary late.jsonl >/dev/null 2>err
	line=$(grep -n '"timestamp":3600000000' late.jsonl | cut -d: -f1)
	assert_eq "$(cat err)" "proctrace: warning: late.jsonl:$line: Sample for pid 101 at 3600000000 ns: after its Exit (at 3500000000 ns); left out" "stderr"
	"$PROCTRACE" render -f metrics late.jsonl >out 2>/dev/null
	"$PROCTRACE" render -f metrics "$SAMPLED" >want
	# the Sample in 101's life changes the rows it is in, and only them
	[ "$(diff want out | grep -c '^>')" -le 2 ] || fail "metrics: $(diff want out)"
}

# A malformed Sample is bad input: an error naming file and line, for every command that reads.
test_malformed_sample_is_an_error() {
	local rc
	sed '5s/,"rss_kb":[0-9]*//' "$SAMPLED" >bad.jsonl
	for cmd in "render -f metrics" "render -f processes" "render" "sort"; do
		rc=0
		# shellcheck disable=SC2086
		"$PROCTRACE" $cmd bad.jsonl >out 2>err || rc=$?
		assert_eq "$rc" 1 "exit status of $cmd"
		assert_eq "$(cat err)" 'proctrace: error: bad.jsonl:5: Sample: missing "rss_kb"' "$cmd: stderr"
	done
	sed '1s/"sample_interval_ns":1000000000/"sample_interval_ns":0/' "$SAMPLED" >bad.jsonl
	rc=0
	"$PROCTRACE" render -f metrics bad.jsonl >/dev/null 2>err || rc=$?
	assert_eq "$rc" 1 "exit status"
	grep -q 'bad.jsonl:1: Recording: "sample_interval_ns" is out of range (0)' err || fail "stderr: $(cat err)"
}

# An empty file, a header alone and a process that never exec'd are valid tables.
test_tables_of_degenerate_recordings() {
	: >empty.jsonl
	head -1 "$EX/hand-build.jsonl" >header-only.jsonl
	printf '%s\n' '{"Exec":{"timestamp":1,"pid":1,"cmdline":["sh"]}}' \
		'{"Fork":{"timestamp":5,"parent_pid":1,"child_pid":2}}' \
		'{"Exit":{"timestamp":9,"pid":2,"exit_code":0,"user_ns":1,"system_ns":2,"max_rss_kb":3}}' >fork-only.jsonl
	"$PROCTRACE" render -f metrics empty.jsonl >out 2>/dev/null || fail "metrics of empty"
	assert_eq "$(cat out)" "$(printf 'time_s\tprocesses\tthreads\tcores_busy\trss_kb\tswap_kb')" "metrics of empty"
	"$PROCTRACE" render -f metrics header-only.jsonl >out 2>/dev/null
	assert_eq "$(tail -n +2 out)" "$(printf '0.000\t1\t\t0.000\t\t')" "metrics of a header alone"
	"$PROCTRACE" render -f metrics fork-only.jsonl >out 2>/dev/null
	assert_eq "$(tail -n +2 out)" "$(printf '0.000\t2\t\t0.000\t\t')" "metrics of a fork-only process"
	"$PROCTRACE" render -f processes empty.jsonl >out
	assert_eq "$(wc -l <out)" 1 "processes of empty: lines"
	"$PROCTRACE" render -f processes header-only.jsonl >out
	assert_eq "$(tail -n +2 out)" "$(printf '2026-11-22T03:00:00.000000000Z,builder,1000,0,,,,,,,,,,0,0,(unknown),,\r')" \
		"processes of a header alone"
	"$PROCTRACE" render -f processes fork-only.jsonl >out
	assert_eq "$(tail -n +2 out | tr -d '\r')" "$(printf ',,1,1,,,,,,,,,,1,0,sh,,"[""sh""]"\n,,2,5,1,1,9,4,1,2,3,0,,0,0,(fork) sh,,"[""sh""]"')" \
		"processes of a fork-only process"
	# every one of them loads
	for f in empty header-only fork-only; do
		"$PROCTRACE" render -f processes -o "$f.csv" "$f.jsonl"
		sqlite3 -batch :memory: ".import --csv $f.csv p" "SELECT count(*) FROM p" >n || fail "sqlite3: $f"
		assert_eq "$(cat n)" "$(($(wc -l <"$f.csv") - 1))" "sqlite3 rows of $f"
	done
	(node "$SQL" - >out <<-EOF
		SELECT count(*) AS n FROM read_csv('empty.csv');
		SELECT count(*) AS n FROM read_csv('header-only.csv');
		SELECT count(*) AS n FROM read_csv('fork-only.csv');
	EOF
	) || fail "duckdb: $(cat out)"
	assert_eq "$(grep -v '^#' out | jq -r .n | tr '\n' ' ')" "0 1 2 " "DuckDB rows"
}

test_interval_option() {
	local rc
	"$PROCTRACE" render -f metrics --interval 1m "$SAMPLED" >out
	assert_eq "$(tail -n +2 out | cut -f1,2 | tr '\t\n' ', ')" "0.000,4 " "one row a minute"
	"$PROCTRACE" render -f metrics --interval 0.25s "$SAMPLED" >out
	assert_eq "$(sed -n 3p out | cut -f1)" 0.250 "second row of 0.25s"
	for bad in 999us 0 x 1d 5 18446744073709551616ms; do
		rc=0
		"$PROCTRACE" render -f metrics --interval "$bad" "$SAMPLED" >out 2>err || rc=$?
		assert_eq "$rc" 2 "exit status of --interval $bad"
		grep -q "^proctrace: error: render: --interval: '$bad' is " err || fail "--interval $bad: $(cat err)"
		[ ! -s out ] || fail "--interval $bad wrote output"
	done
	"$PROCTRACE" render -f summary --interval 1s "$SAMPLED" >out 2>err
	grep -q -- '--interval applies to -f metrics only; ignored for -f summary' err || fail "no warning: $(cat err)"
	"$PROCTRACE" render -f summary "$SAMPLED" | cmp - out
	# --min-duration takes minutes too, through the same parser
	"$PROCTRACE" render -f mermaid --min-duration 1m "$EX/hand-build.jsonl" >out
	grep -q '#49;1 of 11 bars not shown' out || fail "--min-duration 1m: $(tail -1 out)"
}

# The number of processes the summary counts in FILE.
summary_processes() { "$PROCTRACE" render -f summary "$1" 2>/dev/null | sed -n 's/^processes: *\([0-9]*\).*/\1/p'; }

# weird.jsonl: argvs that CSV and JSON must both carry: commas, quotes, CR LF, controls, non-ASCII.
weird_recording() {
	cat <<-'EOF'
	{"Recording":{"format":1,"tool":"proctrace 0.1.0","root_pid":10,"command":["sh"],"start_time":"2026-12-01T00:00:00.000000000Z","host":"a,b \"c\"","kernel":"k"}}
	{"Exec":{"seq":0,"timestamp":1000,"pid":10,"ppid":1,"pgid":10,"filename":"/bin/sh","cmdline":["sh","-c","printf '%s,%s\\n' \"a\" 'b'"]}}
	{"Fork":{"seq":1,"timestamp":2000,"parent_pid":10,"child_pid":11,"parent_pgid":10}}
	{"Exec":{"seq":2,"timestamp":3000,"pid":11,"ppid":10,"pgid":10,"filename":"/usr/bin/x,y","cmdline":["/usr/bin/x,y","line\r\nbreak","\u0001\u001b[31m","","é ✓ 🙂","\"\"\"",",,,","back\\slash"]}}
	{"Exit":{"seq":3,"timestamp":4000,"pid":11,"ppid":10,"pgid":10,"signal":9,"user_ns":1,"system_ns":2,"max_rss_kb":3}}
	{"Exit":{"seq":4,"timestamp":5000,"pid":10,"ppid":1,"pgid":10,"exit_code":0,"user_ns":1,"system_ns":2,"max_rss_kb":3}}
	{"End":{"timestamp":6000,"lost":0,"exit_code":0}}
	EOF
}

# sqlite3 loads the CSV of every example: one row per process, every number an integer, argv JSON.
test_processes_load_in_sqlite() {
	local f name want
	weird_recording >weird.jsonl
	for f in "$EX"/*.jsonl "$SAMPLED" weird.jsonl; do
		name=$(basename "$f" .jsonl)
		"$PROCTRACE" render -f processes -o "$name.csv" "$f"
		want=$(summary_processes "$f")
		sqlite3 -batch :memory: >out 2>err <<-EOF || fail "$name: sqlite3: $(cat err)"
			CREATE TABLE p (recording_start_time TEXT, recording_host TEXT, pid INTEGER,
				start_ns INTEGER, ppid INTEGER, parent_start_ns INTEGER, end_ns INTEGER,
				wall_ns INTEGER, user_ns INTEGER, system_ns INTEGER, max_rss_kb INTEGER,
				exit_code INTEGER, signal INTEGER, execs INTEGER, failed_execs INTEGER,
				command TEXT, cwd TEXT, argv TEXT);
			.import --csv --skip 1 $name.csv p
			SELECT count(*) FROM p;
			SELECT count(*) FROM p WHERE typeof(pid) != 'integer' OR typeof(start_ns) != 'integer'
				OR typeof(execs) != 'integer' OR (wall_ns != '' AND typeof(wall_ns) != 'integer')
				OR (exit_code != '' AND typeof(exit_code) != 'integer');
			SELECT count(*) FROM p WHERE argv != '' AND (NOT json_valid(argv) OR json_type(argv) != 'array');
			SELECT count(*) FROM (SELECT DISTINCT pid, start_ns FROM p);
		EOF
		[ ! -s err ] || fail "$name: sqlite3 said: $(cat err)"
		assert_eq "$(tr '\n' ' ' <out)" "$want 0 0 $want " "$name: rows, bad types, bad argv, distinct (pid, start)"
	done
	# the argv comes back exactly: the last exec's cmdline of pid 11
	sqlite3 -batch :memory: ".import --csv weird.csv p" "SELECT argv FROM p WHERE pid = 11" >argv
	jq -c 'select(.Exec.pid == 11) | .Exec.cmdline' weird.jsonl >want
	jq -c . argv | cmp - want || fail "argv: $(cat argv)"
	sqlite3 -batch :memory: ".import --csv weird.csv p" "SELECT recording_host, command, signal FROM p WHERE pid = 11" >got
	assert_eq "$(cat got)" 'a,b "c"|x,y|9' "host, command, signal"
}

# DuckDB reads every CSV at once, with the types a query wants.
test_processes_load_in_duckdb() {
	local f name total=0
	[ -d "$REPO_DIR/tests/duckdb/node_modules/@duckdb/node-api" ] || fail "@duckdb/node-api is not installed: run tests/deps.sh"
	weird_recording >weird.jsonl
	mkdir tables
	for f in "$EX"/*.jsonl "$SAMPLED" weird.jsonl; do
		name=$(basename "$f" .jsonl)
		"$PROCTRACE" render -f processes -o "tables/$name.csv" "$f"
		total=$((total + $(summary_processes "$f")))
	done
	node "$SQL" - >out 2>err <<-'EOF' || fail "duckdb: $(cat err)"
		CREATE VIEW p AS SELECT * FROM read_csv('tables/*.csv', union_by_name = true, filename = true);
		SELECT count(*) AS n FROM p;
		SELECT column_name AS c, column_type AS t FROM (DESCRIBE p);
		SELECT count(*) AS n FROM p WHERE argv IS NOT NULL AND json_type(argv::JSON) != 'ARRAY';
		SELECT argv::JSON AS argv FROM p WHERE filename LIKE '%weird.csv' AND pid = 11;
	EOF
	grep -v '^#' out >rows
	assert_eq "$(sed -n 1p rows | jq -r .n)" "$total" "rows"
	sed -n '2,19p' rows | jq -r '"\(.c) \(.t)"' >types
	for want in "recording_start_time TIMESTAMP WITH TIME ZONE" "recording_host VARCHAR" "pid BIGINT" \
		"start_ns BIGINT" "ppid BIGINT" "parent_start_ns BIGINT" "end_ns BIGINT" "wall_ns BIGINT" \
		"user_ns BIGINT" "system_ns BIGINT" "max_rss_kb BIGINT" "exit_code BIGINT" "signal BIGINT" \
		"execs BIGINT" "failed_execs BIGINT" "command VARCHAR" "argv VARCHAR"; do
		grep -qx "$want" types || fail "no column '$want': $(cat types)"
	done
	assert_eq "$(sed -n 21p rows | jq -r .n)" 0 "argvs that are not JSON arrays"
	jq -c 'select(.Exec.pid == 11) | .Exec.cmdline' weird.jsonl >want
	sed -n 22p rows | jq -c '.argv | fromjson' | cmp - want || fail "argv: $(sed -n 22p rows)"
}

run_tests
