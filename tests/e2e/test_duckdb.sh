#!/usr/bin/env bash
# tests/e2e/test_duckdb.sh: the README's "Many recordings" section, run as written on three
# real recordings of one script, the second made slower on purpose: its shell step makes the
# CSVs, and its SQL, through DuckDB's npm package (tests/duckdb/sql.mjs), finds the slower command.
. "$(dirname "$0")/lib.sh"

SQL=$REPO_DIR/tests/duckdb/sql.mjs

# readme_blocks LANG PREFIX: the ```LANG blocks of the README's "Many recordings" section, in
# files PREFIX1.LANG, PREFIX2.LANG...; prints how many there are.
readme_blocks() {
	sed -n '/^## Many recordings/,/^## /p' "$REPO_DIR/README.md" |
		awk -v lang="$1" -v pre="$2" '$0 == "```" lang { n++; on = 1; next }
			on && $0 == "```" { on = 0; next }
			on { print > (pre n "." lang) }
			END { print n + 0 }'
}

# runs: three recordings of work.sh, whose sleep is 0.01 s, then 1.5 s, then 0.01 s again.
runs() {
	local i delay
	cat >work.sh <<-'EOF'
	ls / >/dev/null
	cat /etc/hostname >/dev/null
	sleep "$1"
	echo done >/dev/null
	EOF
	mkdir recordings
	i=0
	for delay in 0.01 1.5 0.01; do
		i=$((i + 1))
		"$PROCTRACE" record -o "recordings/run$i.jsonl" -- sh work.sh "$delay" 2>>record.err ||
			fail "record run $i: $(cat record.err)"
	done
}

test_readme_finds_the_command_that_got_slower() {
	need_root
	[ -d "$REPO_DIR/tests/duckdb/node_modules/@duckdb/node-api" ] || fail "@duckdb/node-api is not installed: run tests/deps.sh"
	runs
	# the shell step, as written, with proctrace on the PATH
	mkdir bin
	ln -s "$PROCTRACE" bin/proctrace
	assert_eq "$(readme_blocks sh step)" 1 "README: shell blocks"
	grep -q 'render -f processes' step1.sh || fail "README: the shell step makes no CSV: $(cat step1.sh)"
	PATH="$PWD/bin:$PATH" bash -e step1.sh >out 2>&1 || fail "README's shell step: $(cat out)"
	assert_eq "$(ls tables)" "$(printf 'run1.csv\nrun2.csv\nrun3.csv')" "tables made"
	# the SQL blocks, in order: the slower commands, then the execs from the JSON lines
	assert_eq "$(readme_blocks sql query)" 2 "README: SQL blocks"
	node "$SQL" query1.sql >slower 2>err || fail "README's first query: $(cat err)"
	grep -v '^#' slower >rows
	# the run that slept 1.5 s is reported for sleep, against the one before it
	jq -e -s 'map(select(.command == "sleep")) | length == 1' rows >/dev/null ||
		fail "sleep is not reported once as slower: $(cat slower)"
	printf "SELECT TIMESTAMPTZ '%s' AS run;\n" "$(jq -r 'select(.Recording) | .Recording.start_time' recordings/run2.jsonl)" >run2.sql
	node "$SQL" run2.sql | grep -v '^#' | jq -r .run >run2
	assert_eq "$(jq -r 'select(.command == "sleep") | .run' rows)" "$(cat run2)" "the slower run"
	assert_eq "$(jq -r 'select(.command == "sleep") | .n' rows)" 1 "sleeps in that run"
	# the JSON lines: every Exec of the three recordings, with its argv
	node "$SQL" query2.sql >execs 2>err || fail "README's second query: $(cat err)"
	assert_eq "$(grep -vc '^#' execs)" "$(cat recordings/*.jsonl | grep -c '^{"Exec"')" "execs"
	grep -v '^#' execs | jq -e -s 'map(select(.cmdline == ["sleep","1.5"])) | length == 1' >/dev/null ||
		fail "no exec of 'sleep 1.5': $(cat execs)"
}

run_tests
