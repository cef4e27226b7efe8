#!/usr/bin/env bash
# tests/e2e/test_runner.sh: tests/run.sh and lib.sh's skips. A test of a
# kernel capability the machine lacks skips without failing the suite and is
# named in the closing line; any other skip fails it (unless
# PROCTRACE_ALLOW_SKIP=1). Run on fake suites: a copy of run.sh and one
# script of the given test functions over the real lib.sh.
source "$(dirname "$0")/lib.sh"

# fake_suite < FUNCTIONS: ./suite/run.sh, whose only script is e2e/test_fake.sh.
fake_suite() {
	mkdir -p suite/e2e bin
	cp "$REPO_DIR/tests/run.sh" suite/
	{ echo "source '$E2E_DIR/lib.sh'"; cat; echo run_tests; } >suite/e2e/test_fake.sh
}
# run_suite [ALLOW_SKIP]: run it; $RC is its exit status, ./out its output.
run_suite() {
	RC=0
	PROCTRACE_ALLOW_SKIP=${1:-0} TEST_BIN_DIR=$PWD/bin bash suite/run.sh >out 2>&1 || RC=$?
}

test_capability_skip_is_not_a_failure() {
	fake_suite <<'F'
test_passes() { true; }
test_needs_ia32() { skip_capability ia32 "the kernel cannot execute 32-bit programs (Exec format error)"; }
F
	run_suite
	assert_eq "$RC" 0 "exit status ($(cat out))"
	grep -qxF "skip test_fake:needs_ia32 # capability ia32: the kernel cannot execute 32-bit programs (Exec format error)" out ||
		fail "no capability skip line: $(cat out)"
	assert_eq "$(tail -1 out)" "1 passed, 0 failed, 0 skipped, 1 capability missing (ia32)" "closing line"
	! grep -q '^failing:' out || fail "listed as failing: $(cat out)"
}

test_plain_skip_is_a_failure() {
	fake_suite <<'F'
test_passes() { true; }
test_skips() { echo "    no reason given" >&2; exit 77; }
F
	run_suite
	assert_eq "$RC" 1 "exit status ($(cat out))"
	assert_eq "$(tail -1 out)" "1 passed, 0 failed, 1 skipped" "closing line"
	grep -qxF "  test_fake:skips (skipped)" out || fail "not listed as failing: $(cat out)"
	run_suite 1
	assert_eq "$RC" 0 "exit status with PROCTRACE_ALLOW_SKIP=1 ($(cat out))"
}

# Capabilities are named once each; a failure or a plain skip still fails.
test_capabilities_with_other_results() {
	fake_suite <<'F'
test_a_needs_ia32() { skip_capability ia32 "the kernel cannot execute 32-bit programs (Exec format error)"; }
test_b_needs_ia32_too() { skip_capability ia32 "the kernel cannot execute 32-bit programs (Exec format error)"; }
test_c_needs_mount() { skip_capability mount "cannot mount a tmpfs: permission denied"; }
test_d_fails() { false; }
F
	run_suite
	assert_eq "$RC" 1 "exit status ($(cat out))"
	assert_eq "$(tail -1 out)" "0 passed, 1 failed, 0 skipped, 2 capabilities missing (ia32, mount)" "closing line"
	# a skip line that only looks like one (no reason) is a plain skip
	fake_suite <<'F'
test_fake_marker() { echo "x" >"$T.cap"; exit 77; }
F
	run_suite
	assert_eq "$RC" 1 "exit status ($(cat out))"
	assert_eq "$(tail -1 out)" "0 passed, 0 failed, 1 skipped" "closing line"
}

# lib.sh's kernel_execs tells a format the kernel refuses (ENOEXEC) from one
# it runs: here an ELF whose e_machine (bytes 18-19) no kernel knows, which
# bash must not then run as a script.
test_kernel_execs_detects_a_refused_format() {
	cp /bin/true foreign
	printf '\xef\xbe' | dd of=foreign bs=1 seek=18 conv=notrunc status=none
	WHY=
	if kernel_execs ./foreign; then fail "an ELF for machine 0xbeef was executed"; fi
	assert_eq "$WHY" "Exec format error" "why"
	kernel_execs /bin/true || fail "/bin/true was refused"
	kernel_execs /bin/false || fail "/bin/false was refused (its exit status is not the question)"
}

run_tests
