/* tests/test_record_opts.c: unit tests of 'proctrace record' option parsing, status arithmetic and start-up. */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "cmd/cmd.h"
#include "cmd/record.h"
#include "record/recorder.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static void test_defaults(void **state)
{
	char *argv[] = { "record", "--", "true", NULL };
	struct record_cli c;

	(void)state;
	assert_int_equal(record_parse_opts(ARGC(argv), argv, &c), RECORD_RUN);
	assert_null(c.output);
	assert_false(c.force);
	assert_false(c.no_wait);
	assert_false(c.quiet);
	assert_false(c.failed_execs);
	assert_int_equal(c.buffer_size, RECORDER_DEFAULT_BUFFER);
	assert_int_equal(c.sample_interval_ns, 1000000000ull);
	assert_string_equal(c.cmd[0], "true");
	assert_null(c.cmd[1]);
}

static void test_sample_interval(void **state)
{
	static const struct {
		const char *arg;
		int ret;
		uint64_t ns;
	} cases[] = {
		{ "off", 0, 0 },           { "10ms", 0, 10000000 },  { "1s", 0, 1000000000 },
		{ "2.5s", 0, 2500000000 }, { "1m", 0, 60000000000 }, { "10000us", 0, 10000000 },
		{ "5", -EINVAL, 0 },       { "1.5", -EINVAL, 0 },    { "9ms", -EINVAL, 0 },
		{ "9999999ns", -EINVAL, 0 }, { "abc", -EINVAL, 0 },  { "", -EINVAL, 0 },
		{ "1x", -EINVAL, 0 },      { "Off", -EINVAL, 0 },
		{ "99999999999999999999s", -EINVAL, 0 },
		/* Up to a year: never wraps around when added to a clock. */
		{ "8760h", 0, 8760ull * 3600000000000 }, { "8760.1h", -EINVAL, 0 },
		{ "5124095h", -EINVAL, 0 }, { "18446744073709551615ns", -EINVAL, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char arg[64];
		char *argv[] = { "record", "--sample-interval", arg, "--", "true", NULL };
		struct record_cli c;
		int ret;

		snprintf(arg, sizeof(arg), "%s", cases[i].arg);
		ret = record_parse_opts(ARGC(argv), argv, &c);
		if (ret != cases[i].ret)
			fail_msg("--sample-interval '%s': %d, want %d", cases[i].arg, ret, cases[i].ret);
		if (!ret && c.sample_interval_ns != cases[i].ns)
			fail_msg("--sample-interval '%s': %llu ns", cases[i].arg,
				 (unsigned long long)c.sample_interval_ns);
	}
}

/*
 * --duration and --interval: up to a year (8760h); more is a usage error,
 * never a length that wraps around (5124095h is just below 2^64 ns).
 */
static void test_duration_limits(void **state)
{
	static const struct {
		const char *arg;
		int ret;
	} cases[] = {
		{ "8760h", 0 }, { "525600m", 0 }, { "31536000s", 0 }, { "1ms", 0 },
		{ "8761h", -EINVAL }, { "525601m", -EINVAL }, { "5124095h", -EINVAL },
		{ "18446744073709551615ns", -EINVAL }, { "18446744073709551616ns", -EINVAL },
		{ "99999999999999999999h", -EINVAL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char arg[64];
		char *a1[] = { "record", "--all", "--duration", arg, NULL };
		char *a2[] = { "record", "--summary", "--interval", arg, "--", "true", NULL };
		struct record_cli c;
		int ret;

		snprintf(arg, sizeof(arg), "%s", cases[i].arg);
		ret = record_parse_opts(ARGC(a1), a1, &c);
		if (ret != cases[i].ret)
			fail_msg("--duration '%s': %d, want %d", cases[i].arg, ret, cases[i].ret);
		if (!ret && c.duration_ns > DURATION_UNIT_MAX_NS)
			fail_msg("--duration '%s': %llu ns", arg, (unsigned long long)c.duration_ns);
		ret = record_parse_opts(ARGC(a2), a2, &c);
		if (ret != cases[i].ret)
			fail_msg("--interval '%s': %d, want %d", cases[i].arg, ret, cases[i].ret);
		if (!ret && c.interval_ns > DURATION_UNIT_MAX_NS)
			fail_msg("--interval '%s': %llu ns", arg, (unsigned long long)c.interval_ns);
	}
}

static void test_all_options(void **state)
{
	char *argv[] = { "record", "-o", "out.jsonl", "-f", "-x", "-q", "--buffer-size", "64K",
			 "--", "ls", NULL };
	struct record_cli c;

	(void)state;
	assert_int_equal(record_parse_opts(ARGC(argv), argv, &c), RECORD_RUN);
	assert_string_equal(c.output, "out.jsonl");
	assert_true(c.force);
	assert_true(c.no_wait);
	assert_true(c.quiet);
	assert_int_equal(c.buffer_size, 65536);
	assert_string_equal(c.cmd[0], "ls");
}

static void test_long_options(void **state)
{
	char *argv[] = { "record", "--output=-", "--force", "--no-wait", "--quiet",
			 "--buffer-size=1M", "--failed-execs", "make", NULL };
	struct record_cli c;

	(void)state;
	assert_int_equal(record_parse_opts(ARGC(argv), argv, &c), RECORD_RUN);
	assert_string_equal(c.output, "-");
	assert_true(c.force && c.no_wait && c.quiet && c.failed_execs);
	assert_int_equal(c.buffer_size, 1 << 20);
	assert_string_equal(c.cmd[0], "make");
}

/* --syscalls asks for nothing else (not --failed-execs), and is off by default. */
static void test_syscalls_option(void **state)
{
	char *a1[] = { "record", "--syscalls", "make", NULL };
	char *a2[] = { "record", "make", "--syscalls", NULL };
	struct record_cli c;

	(void)state;
	assert_int_equal(record_parse_opts(ARGC(a1), a1, &c), RECORD_RUN);
	assert_true(c.syscalls);
	assert_false(c.failed_execs);
	assert_int_equal(record_parse_opts(ARGC(a2), a2, &c), RECORD_RUN);
	assert_false(c.syscalls);
}

/* Options after CMD belong to CMD, with or without "--". */
static void test_cmd_options_untouched(void **state)
{
	char *a1[] = { "record", "ls", "-l", "-o", "x", NULL };
	char *a2[] = { "record", "-q", "--", "-weird-name", "--help", NULL };
	struct record_cli c;

	(void)state;
	assert_int_equal(record_parse_opts(ARGC(a1), a1, &c), RECORD_RUN);
	assert_null(c.output);
	assert_string_equal(c.cmd[0], "ls");
	assert_string_equal(c.cmd[1], "-l");
	assert_string_equal(c.cmd[2], "-o");
	assert_int_equal(record_parse_opts(ARGC(a2), a2, &c), RECORD_RUN);
	assert_true(c.quiet);
	assert_string_equal(c.cmd[0], "-weird-name");
	assert_string_equal(c.cmd[1], "--help");
}

static void test_help(void **state)
{
	char *argv[] = { "record", "--help", "ignored", NULL };
	struct record_cli c;

	(void)state;
	assert_int_equal(record_parse_opts(ARGC(argv), argv, &c), RECORD_HELP);
}

static void test_usage_errors(void **state)
{
	char *no_cmd[] = { "record", NULL };
	char *only_dashes[] = { "record", "-o", "f", "--", NULL };
	char *unknown[] = { "record", "--frobnicate", "--", "true", NULL };
	char *unknown_short[] = { "record", "-Z", "true", NULL };
	char *missing_value[] = { "record", "-o", NULL };
	char *empty_output[] = { "record", "-o", "", "true", NULL };
	struct record_cli c;

	(void)state;
	assert_int_equal(record_parse_opts(ARGC(no_cmd), no_cmd, &c), -EINVAL);
	assert_int_equal(record_parse_opts(ARGC(only_dashes), only_dashes, &c), -EINVAL);
	assert_int_equal(record_parse_opts(ARGC(unknown), unknown, &c), -EINVAL);
	assert_int_equal(record_parse_opts(ARGC(unknown_short), unknown_short, &c), -EINVAL);
	assert_int_equal(record_parse_opts(ARGC(missing_value), missing_value, &c), -EINVAL);
	assert_int_equal(record_parse_opts(ARGC(empty_output), empty_output, &c), -EINVAL);
}

static void test_buffer_size_rejected(void **state)
{
	static const char *bad[] = { "3000", "0", "2K", "2G", "1.5M", "abc", "K", "-4096", "" };
	struct record_cli c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { "record", "--buffer-size", (char *)bad[i], "true", NULL };

		assert_int_equal(record_parse_opts(ARGC(argv), argv, &c), -EINVAL);
	}
}

static void test_buffer_size_accepted(void **state)
{
	static const struct {
		const char *s;
		uint64_t want;
	} ok[] = { { "4096", 4096 }, { "4k", 4096 }, { "8K", 8192 }, { "16M", 16u << 20 },
		   { "1G", 1u << 30 }, { "1048576", 1u << 20 } };
	struct record_cli c;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *argv[] = { "record", "--buffer-size", (char *)ok[i].s, "true", NULL };

		assert_int_equal(record_parse_opts(ARGC(argv), argv, &c), RECORD_RUN);
		assert_int_equal(c.buffer_size, ok[i].want);
	}
}

static void test_parse_size(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(record_parse_size("12", &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(record_parse_size("3m", &v), 0);
	assert_int_equal(v, 3u << 20);
	assert_int_equal(record_parse_size("99999999999999999999", &v), -ERANGE);
	assert_int_equal(record_parse_size("17179869184G", &v), -ERANGE);
	assert_int_equal(record_parse_size("12X", &v), -EINVAL);
	assert_int_equal(record_parse_size(" 12", &v), -EINVAL);
	assert_int_equal(record_parse_size(NULL, &v), -EINVAL);
}

static void test_shell_status(void **state)
{
	(void)state;
	assert_int_equal(recorder__shell_status(0), 0);
	assert_int_equal(recorder__shell_status(3 << 8), 3);
	assert_int_equal(recorder__shell_status(127 << 8), 127);
	assert_int_equal(recorder__shell_status(9), 137);
	assert_int_equal(recorder__shell_status(11 | 0x80), 139);
}

/* split(rtime, utime, stime, prev_utime, prev_stime): user_ns and system_ns in u, s */
#define split(...) recorder__split_cpu(&(struct recorder_cputime){ __VA_ARGS__ }, &u, &s)

/* Same results as the kernel's cputime_adjust(). */
static void test_split_cpu(void **state)
{
	uint64_t u, s;

	(void)state;
	split(1000, 0, 0, 0, 0);
	assert_int_equal(u, 1000);
	assert_int_equal(s, 0);
	split(1000, 0, 4, 0, 0);
	assert_int_equal(u, 0);
	assert_int_equal(s, 1000);
	split(1000, 3, 1, 0, 0);
	assert_int_equal(s, 250);
	assert_int_equal(u, 750);
	/* rtime * stime overflows 64 bits: needs the 128-bit product */
	split(UINT64_MAX / 2, 1ull << 40, 1ull << 40, 0, 0);
	assert_int_equal(s, UINT64_MAX / 4);
	assert_int_equal(u + s, UINT64_MAX / 2);
}

/* A split reported before (getrusage(), /proc/PID/stat) is never gone back on. */
static void test_split_cpu_keeps_to_the_last_split(void **state)
{
	uint64_t u, s;

	(void)state;
	/* Below the proportion's system part (250): keeps it. */
	split(1000, 3, 1, 500, 100);
	assert_int_equal(s, 250);
	assert_int_equal(u, 750);
	/* System was 400 already: stays 400, user gets the rest. */
	split(1000, 3, 1, 100, 400);
	assert_int_equal(s, 400);
	assert_int_equal(u, 600);
	/* User was 900 already: stays 900, system gets the rest. */
	split(1000, 3, 1, 900, 50);
	assert_int_equal(u, 900);
	assert_int_equal(s, 100);
	/* No tick in system time: all user, unless user would go back. */
	split(1000, 5, 0, 300, 200);
	assert_int_equal(u, 800);
	assert_int_equal(s, 200);
	/* Nothing run since: the last split as it was, whatever its sum. */
	split(1000, 3, 1, 700, 300);
	assert_int_equal(u, 700);
	assert_int_equal(s, 300);
	split(1000, 3, 1, 700, 400);
	assert_int_equal(u, 700);
	assert_int_equal(s, 400);
}

/* The first 20 bytes of an ELF header: class, byte order, e_machine. */
static void elf_header(unsigned char *h, unsigned char class, unsigned machine)
{
	memset(h, 0, 20);
	memcpy(h, ELFMAG, SELFMAG);
	h[EI_CLASS] = class;
	h[EI_DATA] = ELFDATA2LSB;
	h[18] = machine & 0xff;
	h[19] = machine >> 8;
}

/* What the message says of an ELF file the kernel refused. */
static void test_describe_elf(void **state)
{
	unsigned char self[20], h[20];
	char buf[160];

	(void)state;
	elf_header(self, ELFCLASS64, EM_X86_64);
	elf_header(h, ELFCLASS64, EM_AARCH64);
	recorder__describe_elf(h, sizeof(h), self, sizeof(self), buf, sizeof(buf));
	assert_string_equal(buf, "a program for arm64, not x86-64");
	elf_header(h, ELFCLASS32, EM_386);
	recorder__describe_elf(h, sizeof(h), self, sizeof(self), buf, sizeof(buf));
	assert_string_equal(buf, "a 32-bit program: this kernel may have no 32-bit support, "
				 "or have it off, as ia32_emulation=0 does");
	elf_header(self, ELFCLASS64, EM_AARCH64);
	elf_header(h, ELFCLASS32, EM_ARM);
	recorder__describe_elf(h, sizeof(h), self, sizeof(self), buf, sizeof(buf));
	assert_non_null(strstr(buf, "a 32-bit program"));
	elf_header(h, ELFCLASS64, 4242);
	recorder__describe_elf(h, sizeof(h), self, sizeof(self), buf, sizeof(buf));
	assert_string_equal(buf, "a program for ELF machine 4242, not arm64");
	/* this machine's own, or not ELF, or cut short: nothing to say */
	elf_header(h, ELFCLASS64, EM_AARCH64);
	recorder__describe_elf(h, sizeof(h), self, sizeof(self), buf, sizeof(buf));
	assert_string_equal(buf, "");
	recorder__describe_elf((const unsigned char *)"#!/bin/sh\necho hello\n", 20, self,
			       sizeof(self), buf, sizeof(buf));
	assert_string_equal(buf, "");
	recorder__describe_elf(h, 19, self, sizeof(self), buf, sizeof(buf));
	assert_string_equal(buf, "");
}

/*
 * A stop signal held pending before tracing starts cancels the start,
 * unless the recorder inherited it as ignored.
 */
static void test_stop_pending(void **state)
{
	struct recorder_inherited *inh = calloc(1, sizeof(*inh));
	struct timespec zero = { 0 };
	sigset_t stop, old;

	(void)state;
	assert_non_null(inh);
	recorder__stop_signals(&stop);
	assert_int_equal(sigismember(&stop, SIGTERM), 1);
	assert_int_equal(sigismember(&stop, SIGINT), 1);
	assert_int_equal(sigismember(&stop, SIGCHLD), 0);
	recorder__save_inherited(inh);
	sigprocmask(SIG_BLOCK, &stop, &old);
	assert_int_equal(recorder__stop_pending(inh), 0);
	raise(SIGHUP);
	assert_int_equal(recorder__stop_pending(inh), SIGHUP);
	inh->has_act[SIGHUP] = true;
	inh->act[SIGHUP].sa_handler = SIG_IGN;
	assert_int_equal(recorder__stop_pending(inh), 0);
	assert_int_equal(sigtimedwait(&stop, NULL, &zero), SIGHUP);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(inh);
}

/* What the recorder inherited is what it saves, for CMD. */
static void test_save_inherited(void **state)
{
	struct recorder_inherited *inh = calloc(1, sizeof(*inh));
	struct sigaction ign = { .sa_handler = SIG_IGN }, prev;
	struct rlimit lim;
	sigset_t usr1, old;

	(void)state;
	assert_non_null(inh);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	sigaction(SIGUSR2, &ign, &prev);
	recorder__save_inherited(inh);
	sigaction(SIGUSR2, &prev, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	assert_int_equal(sigismember(&inh->mask, SIGUSR1), 1);
	assert_true(inh->has_act[SIGUSR2]);
	assert_ptr_equal(inh->act[SIGUSR2].sa_handler, SIG_IGN);
	assert_false(inh->has_act[SIGKILL]);
	assert_true(inh->has_lim[RLIMIT_NOFILE]);
	getrlimit(RLIMIT_NOFILE, &lim);
	assert_int_equal(inh->lim[RLIMIT_NOFILE].rlim_cur, lim.rlim_cur);
	assert_true(inh->has_oom);
	free(inh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_sample_interval),
		cmocka_unit_test(test_duration_limits),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_long_options),
		cmocka_unit_test(test_syscalls_option),
		cmocka_unit_test(test_cmd_options_untouched),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_buffer_size_rejected),
		cmocka_unit_test(test_buffer_size_accepted),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_shell_status),
		cmocka_unit_test(test_split_cpu),
		cmocka_unit_test(test_split_cpu_keeps_to_the_last_split),
		cmocka_unit_test(test_describe_elf),
		cmocka_unit_test(test_stop_pending),
		cmocka_unit_test(test_save_inherited),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
