#!/usr/bin/env bash
# tests/e2e/test_sample.sh: record --sample-interval against the real kernel:
# memory that rises and falls, CPU that only grows, threads, and the option.
. "$(dirname "$0")/lib.sh"

unset SUDO_UID SUDO_GID SUDO_USER SUDO_COMMAND

build_helpers memstep tburn burn

# wait_sample FILTER: until rec.jsonl (still being written) has a line that
# satisfies the jq FILTER over the whole file slurped (flushes come every 200 ms).
wait_sample() {
	local i
	for i in $(seq 1 $((GUARD * 10))); do
		jq -e -s "$1" rec.jsonl >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "the recording never showed: $1"
}

# memstep maps and touches 310 MB and marks it held by an exec of `true
# held`; on go-free it marks `true freeing`, unmaps it and marks `true
# freed`. Every Sample between the first two marks must show the memory,
# every one after the last must not: a round after a mark looks at the
# process after the mark, so the rise and the fall show within one
# interval. The test lets memstep go on only once the recording has a
# Sample after the mark, so that each window holds at least one.
test_memory_rise_and_fall() {
	need_root
	"$PROCTRACE" record -q --sample-interval 10ms -o rec.jsonl -- "$HB/memstep" 310 "$T" /bin/true 2 >out 2>err &
	local rec=$!
	local marks='[.[] | select(.Exec.cmdline[0] == "/bin/true") | .Exec]'
	local mem='(.[] | select(.Exec.cmdline[0] | tostring | endswith("memstep")) | .Exec.pid) as $p'
	wait_sample "$marks | length >= 1"
	wait_sample "$mem | ($marks[0].timestamp) as \$t | [.[] | select(.Sample.pid == \$p and .Sample.timestamp > \$t)] | length >= 1"
	touch go-free
	wait_sample "$marks | length >= 3"
	wait_sample "$mem | ($marks[2].timestamp) as \$t | [.[] | select(.Sample.pid == \$p and .Sample.timestamp > \$t)] | length >= 1"
	touch go-exit
	wait_exit "$rec"
	assert_eq "$RC" 0 "record exit status ($(cat err))"
	jq -e -s '.[0].Recording.sample_interval_ns == 10000000' rec.jsonl >/dev/null ||
		fail "the header does not say 10ms: $(head -c 300 rec.jsonl)"
	# Held: every Sample between the marks has the 310 MB (the kernel's
	# per-CPU counters may lag by a few pages: 300 MB is asked for).
	jq -e -s "$mem | ($marks) as \$m |
		[.[] | .Sample | select(. != null and .pid == \$p and .timestamp > \$m[0].timestamp and .timestamp < \$m[1].timestamp)] |
		length >= 1 and all(.rss_kb >= 300 * 1024)" rec.jsonl >/dev/null ||
		fail "a Sample between the marks lacks the 300 MB: $(jq -c 'select(.Sample)' rec.jsonl | tail -5)"
	# Its two spinning threads were running all along.
	jq -e -s "$mem | ($marks) as \$m |
		[.[] | .Sample | select(. != null and .pid == \$p and .timestamp > \$m[0].timestamp and
					.timestamp < \$m[2].timestamp)] |
		length >= 1 and all(.threads == 3)" rec.jsonl >/dev/null || fail "memstep was not seen with its 3 threads"
	check_cpu
	# Freed: every Sample after the last mark is back below 100 MB.
	jq -e -s "$mem | ($marks) as \$m |
		[.[] | .Sample | select(. != null and .pid == \$p and .timestamp > \$m[2].timestamp)] |
		length >= 1 and all(.rss_kb < 100 * 1024)" rec.jsonl >/dev/null ||
		fail "a Sample after the free still has the memory: $(jq -c 'select(.Sample)' rec.jsonl | tail -5)"
	# The views take it without a word.
	"$PROCTRACE" render -f metrics rec.jsonl >metrics.tsv 2>merr || fail "render -f metrics: $(cat merr)"
	[ ! -s merr ] || fail "render warned: $(cat merr)"
}

# check_cpu: in rec.jsonl, CPU so far only grows from Sample to Sample of a
# process, and no Sample has more than its process's Exit, or comes after it.
check_cpu() {
	jq -e -s '
		[.[] | .Sample // empty] | group_by(.pid) | map(sort_by(.timestamp, .seq)) |
		all(. as $s | [range(1; length)] | all($s[.].user_ns >= $s[. - 1].user_ns and
							$s[.].system_ns >= $s[. - 1].system_ns))' rec.jsonl >/dev/null ||
		fail "a Sample has less CPU than the one before it"
	jq -e -s '
		([.[] | .Exit // empty] | map({key: (.pid | tostring), value: .}) | from_entries) as $x |
		[.[] | .Sample // empty] |
		all($x[.pid | tostring] as $e | $e != null and .user_ns <= $e.user_ns and
		    .system_ns <= $e.system_ns and .timestamp < $e.timestamp)' rec.jsonl >/dev/null ||
		fail "a Sample has more CPU than its Exit, or comes after it"
}

# The same of a tree of CPU burners, threaded and not, sampled every 10 ms.
test_cpu_is_monotonic_and_below_exit() {
	need_root
	"$PROCTRACE" record -q --sample-interval 10ms -o rec.jsonl -- sh -c "$HB/tburn 300 >/dev/null; $HB/burn 200" \
		>out 2>err || fail "record: $(cat err)"
	check_cpu
}

# Samples are on by default (1 s); a command shorter than that has none.
test_default_interval_and_off() {
	need_root
	"$PROCTRACE" record -q -o rec.jsonl -- true || fail "record failed"
	jq -e -s '.[0].Recording.sample_interval_ns == 1000000000' rec.jsonl >/dev/null ||
		fail "the default interval is not in the header"
	"$PROCTRACE" record -q --sample-interval off -o rec.jsonl -f -- "$HB/burn" 100 || fail "record failed"
	jq -e -s '(.[0].Recording | has("sample_interval_ns") | not) and ([.[] | select(.Sample)] | length == 0)' \
		rec.jsonl >/dev/null || fail "--sample-interval off still samples"
}

# Bad values are usage errors (2) that say what is wanted.
test_bad_intervals() {
	local v rc
	for v in 5 1.5 5ms 9.99ms abc "" 1x; do
		rc=0
		"$PROCTRACE" record --sample-interval "$v" -o rec.jsonl -- true 2>err || rc=$?
		assert_eq "$rc" 2 "exit status for --sample-interval '$v'"
		grep -q -- "--sample-interval" err || fail "no word about --sample-interval for '$v': $(cat err)"
	done
	grep -q "needs a unit" <("$PROCTRACE" record --sample-interval 5 -- true 2>&1) ||
		fail "a bare number does not ask for a unit"
	[ ! -e rec.jsonl ] || fail "a usage error left a file"
}

run_tests
