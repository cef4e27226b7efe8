#!/usr/bin/env bash
# tests/e2e/test_load.sh: recording under load: fork storms with the default
# ring buffer lose nothing, a tiny buffer counts and reports its losses, and
# busy CPUs outside the traced tree do not make the recorder drop events,
# even with long argv.
. "$(dirname "$0")/lib.sh"

# forker: build the storm generator (fork+exec N times, J at a time) into $T.
forker() {
	cc -O2 -o "$T/forker" "$REPO_DIR/tests/bench/forker.c" || fail "cannot build forker"
}

# storm_check FILE N: the recording holds exactly N children of the root, each
# with its Fork, its Exec of /bin/true and its Exit, and End.lost == 0.
# Events are counted, not distinct pids: with pid_max at 32768, 20,000 forks
# may wrap around and reuse pids within one recording.
storm_check() {
	local f=$1 n=$2
	assert_eq "$(jq -r 'select(.End) | .End.lost' "$f")" 0 "End.lost"
	assert_eq "$(jq -r 'select(.Recording) | .Recording.root_pid' "$f" | wc -l)" 1 "header lines"
	jq -r 'select(.Recording) | .Recording.root_pid' "$f" >root
	assert_eq "$(jq --argjson r "$(cat root)" -r 'select(.Fork and .Fork.parent_pid == $r) | .Fork.child_pid' "$f" |
		wc -l)" "$n" "children forked by the root"
	assert_eq "$(jq -r 'select(.Exec and .Exec.filename == "/bin/true") | .Exec.pid' "$f" | wc -l)" \
		"$n" "execs of /bin/true"
	assert_eq "$(jq --argjson r "$(cat root)" -r 'select(.Exit and .Exit.ppid == $r) | "\(.Exit.pid) \(.Exit.exit_code)"' "$f" |
		grep -c ' 0$')" "$n" "children that exited with 0"
}

test_tiny_buffer_counts_and_reports_losses() {
	need_root
	forker
	# Execs with 3 KB of argv, 4 at a time, into a 4 KB ring: the reader
	# cannot keep up, so records must be dropped, and counted.
	local arg
	arg=$(head -c 3000 /dev/zero | tr '\0' a)
	"$PROCTRACE" record -q --buffer-size 4096 -o rec.jsonl -- \
		"$T/forker" -n 2000 -j 4 -- /bin/true "$arg" 2>err || fail "record failed: $(cat err)"
	lost=$(jq -r 'select(.End) | .End.lost' rec.jsonl)
	[ "$lost" -gt 0 ] || fail "End.lost is $lost with a 4 KB buffer"
	grep -q "warning: $lost events lost" err || fail "no loss warning on stderr: $(cat err)"
	"$PROCTRACE" render -f summary rec.jsonl >summary 2>rerr || fail "render failed: $(cat rerr)"
	grep -i 'lost' summary | grep -qw "$lost" || fail "summary does not show $lost lost: $(head -20 summary)"
}

test_storm_default_buffer_loses_nothing() {
	need_root
	forker
	"$PROCTRACE" record -q -o rec.jsonl -- "$T/forker" -n 20000 -j 4 -- /bin/true 2>err ||
		fail "record failed: $(cat err)"
	[ ! -s err ] || fail "unexpected stderr: $(cat err)"
	storm_check rec.jsonl 20000
}

test_busy_cpus_lose_nothing() {
	need_root
	forker
	# Two busy loops outside the traced tree, one per core: the recorder's
	# reader must still drain the ring in time.
	local hogs=() i
	for i in 1 2; do
		sh -c 'while :; do :; done' &
		hogs+=($!)
	done
	trap 'kill "${hogs[@]}" 2>/dev/null' EXIT
	"$PROCTRACE" record -q -o rec.jsonl -- "$T/forker" -n 5000 -j 4 -- /bin/true 2>err ||
		fail "record failed: $(cat err)"
	kill "${hogs[@]}"
	trap - EXIT
	storm_check rec.jsonl 5000
}

test_busy_cpus_long_argv_lose_nothing() {
	need_root
	forker
	# The same with 16 KB of argv per exec: 3000 of them are 48 MB through a
	# default (4 MB) ring, drained by a reader competing with the hogs.
	local hogs=() i arg
	arg=$(printf '%016000d' 7)
	for i in 1 2; do
		sh -c 'while :; do :; done' &
		hogs+=($!)
	done
	trap 'kill "${hogs[@]}" 2>/dev/null' EXIT
	"$PROCTRACE" record -q -o rec.jsonl -- "$T/forker" -n 3000 -j 4 -- /bin/true "$arg" 2>err ||
		fail "record failed: $(cat err)"
	kill "${hogs[@]}"
	trap - EXIT
	storm_check rec.jsonl 3000
	assert_eq "$(jq -r 'select(.Exec and .Exec.filename == "/bin/true") | .Exec.cmdline[1] | length' rec.jsonl |
		sort -u)" 16000 "argv[1] length of every exec"
}

run_tests
