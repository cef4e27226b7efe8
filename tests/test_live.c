/* tests/test_live.c: unit tests of the live exec log's lines (record/live.c) and of shell quoting (formats/shell.c). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "formats/shell.h"
#include "record/live.h"

/* shell_quote(s) as a NUL-terminated string (static buffer). */
static const char *q(const char *s, size_t len)
{
	static char out[1024];
	struct sbuf b = { 0 };

	assert_int_equal(shell_quote(&b, s, len), 0);
	assert_true(b.len < sizeof(out));
	memcpy(out, b.buf, b.len);
	out[b.len] = 0;
	sbuf_free(&b);
	return out;
}
#define Q(lit) q(lit, sizeof(lit) - 1)

static void test_quote_bare_words(void **state)
{
	(void)state;
	assert_string_equal(Q("ls"), "ls");
	assert_string_equal(Q("/usr/bin/cc"), "/usr/bin/cc");
	assert_string_equal(Q("-O2"), "-O2");
	assert_string_equal(Q("a=b,c:d@e%f+g"), "a=b,c:d@e%f+g");
}

static void test_quote_single_quotes(void **state)
{
	(void)state;
	assert_string_equal(Q(""), "''");
	assert_string_equal(Q("a b"), "'a b'");
	assert_string_equal(Q("it's"), "'it'\\''s'");
	assert_string_equal(Q("$HOME"), "'$HOME'");
	assert_string_equal(Q("*"), "'*'");
	assert_string_equal(Q("~"), "'~'");
	assert_string_equal(Q("#x"), "'#x'");
	assert_string_equal(Q("back\\slash"), "'back\\slash'");
	assert_string_equal(Q("café"), "'café'");
}

static void test_quote_controls_escaped(void **state)
{
	(void)state;
	assert_string_equal(Q("a\nb"), "$'a\\nb'");
	assert_string_equal(Q("\t\r\a\b\v\f"), "$'\\t\\r\\a\\b\\v\\f'");
	assert_string_equal(Q("\x1b[31mred"), "$'\\E[31mred'");
	assert_string_equal(Q("\x01\x7f"), "$'\\x01\\x7f'");
	/* A quote and a backslash beside a control. */
	assert_string_equal(Q("it's\\\n"), "$'it\\'s\\\\\\n'");
	/* Not UTF-8: each bad byte. */
	assert_string_equal(Q("\xff\xfe"), "$'\\xff\\xfe'");
	assert_string_equal(Q("\x9b" "2J"), "$'\\x9b2J'");
	/* C1 controls are valid UTF-8, and still escaped, byte by byte. */
	assert_string_equal(Q("\xc2\x9b"), "$'\\xc2\\x9b'");
	/* UTF-8 text beside them stays as it is. */
	assert_string_equal(Q("é\n"), "$'é\\n'");
	/* A NUL cannot be in argv, but a length says where a string ends. */
	assert_string_equal(q("a\0b", 3), "$'a\\x00b'");
}

static void test_quote_argv(void **state)
{
	const char *argv[] = { "sh", "-c", "echo 'hi'", "" };
	struct sbuf b = { 0 };

	(void)state;
	assert_int_equal(shell_quote_argv(&b, argv, 4), 0);
	assert_int_equal(b.len, strlen("sh -c 'echo '\\''hi'\\''' ''"));
	assert_memory_equal(b.buf, "sh -c 'echo '\\''hi'\\''' ''", b.len);
	sbuf_free(&b);
}

/* The lines of a log fed evs, as one string. */
static char *lines_of(const struct live_log_opts *o, const struct event *evs, size_t n)
{
	struct live_log *l;
	struct sbuf b = { 0 };
	int lines;
	char *s;

	assert_int_equal(live_log__new(&l, o, NULL), 0);
	assert_int_equal(live_log__header(l, &b), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(live_log__format(l, &b, &evs[i], &lines), 0);
	s = strndup(b.buf, b.len);
	sbuf_free(&b);
	live_log__free(l);
	return s;
}

static const char *const true_argv[] = { "/bin/true", "a b" };

static void test_log_exec_and_failed_exec(void **state)
{
	struct event evs[] = {
		{ .type = EV_EXEC, .ts = 1500000, .pid = 42, .ppid = 41,
		  .flags = EVF_PPID | EVF_FILENAME | EVF_CMDLINE,
		  .u.exec = { .filename = "/bin/true", .argv = true_argv, .argc = 2 } },
		{ .type = EV_BADEXEC, .ts = 2000000, .pid = 43, .ppid = 42,
		  .flags = EVF_FILENAME | EVF_ERRNO,
		  .u.badexec = { .filename = "/no such", .err = 2 } },
		{ .type = EV_FORK, .ts = 2500000, .pid = 42, .u.fork.child_pid = 44 },
	};
	struct live_log_opts o = { .time = LIVE_TIME_NONE };
	char *s = lines_of(&o, evs, 3);

	(void)state;
	assert_string_equal(s, "    PID    PPID  RET ARGS\n"
			       "     42      41    0 /bin/true 'a b'\n"
			       "     43      42   -2 '/no such'\n");
	free(s);
	o.time = LIVE_TIME_RELATIVE;
	s = lines_of(&o, evs, 1);
	assert_string_equal(s, "TIME(s)             PID    PPID  RET ARGS\n"
			       "0.001500             42      41    0 /bin/true 'a b'\n");
	free(s);
}

static void test_log_exits(void **state)
{
	static const char *const sleep_argv[] = { "/bin/sleep", "1" };
	struct event evs[] = {
		{ .type = EV_FORK, .ts = 1000, .pid = 42, .u.fork.child_pid = 44 },
		{ .type = EV_EXEC, .ts = 2000, .pid = 44, .ppid = 42,
		  .flags = EVF_PPID | EVF_FILENAME | EVF_CMDLINE,
		  .u.exec = { .filename = "/bin/sleep", .argv = sleep_argv, .argc = 2 } },
		{ .type = EV_EXIT, .ts = 1000001000, .pid = 44, .ppid = 42,
		  .flags = EVF_STATUS | EVF_SIGNALED | EVF_CORE | EVF_RUSAGE,
		  .u.exit = { .code = 9, .user_ns = 1000000, .system_ns = 500000, .max_rss_kb = 1500 } },
		{ .type = EV_FORK, .ts = 3000, .pid = 42, .u.fork.child_pid = 45 },
		{ .type = EV_EXIT, .ts = 3500, .pid = 45, .ppid = 42,
		  .flags = EVF_STATUS, .u.exit = { .code = 3 } },
	};
	struct live_log_opts o = { .exits = true };
	char *s = lines_of(&o, evs, 5);

	(void)state;
	assert_string_equal(s, "    PID    PPID  RET ARGS\n"
			       "     44      42    0 /bin/sleep 1\n"
			       "     44      42 exit signal=SIGKILL core=dumped wall=1.000s cpu=1.5ms "
			       "maxrss=1500KiB cmd=sleep\n"
			       "     45      42 exit code=3 wall=500ns\n");
	free(s);
	/* Without exits, no exit line. */
	o.exits = false;
	s = lines_of(&o, evs, 5);
	assert_string_equal(s, "    PID    PPID  RET ARGS\n"
			       "     44      42    0 /bin/sleep 1\n");
	free(s);
}

static void test_log_many_processes(void **state)
{
	/* The table of living processes grows and shrinks: every exit finds its fork. */
	struct live_log_opts o = { .exits = true };
	struct live_log *l;
	struct sbuf b = { 0 };
	int lines;

	(void)state;
	assert_int_equal(live_log__new(&l, &o, NULL), 0);
	for (int i = 1; i <= 5000; i++) {
		struct event f = { .type = EV_FORK, .ts = (uint64_t)i, .pid = 1, .u.fork.child_pid = i * 7 };

		assert_int_equal(live_log__format(l, &b, &f, &lines), 0);
	}
	for (int i = 5000; i >= 1; i--) {
		struct event e = { .type = EV_EXIT, .ts = 10000, .pid = i * 7, .ppid = 1,
				   .flags = EVF_STATUS };
		char want[64];

		b.len = 0;
		assert_int_equal(live_log__format(l, &b, &e, &lines), 0);
		assert_int_equal(lines, 1);
		snprintf(want, sizeof(want), " exit code=0 wall=%.1fus\n", (10000 - i) / 1e3);
		if ((10000 - i) < 1000)
			snprintf(want, sizeof(want), " exit code=0 wall=%dns\n", 10000 - i);
		assert_non_null(memmem(b.buf, b.len, want, strlen(want)));
	}
	sbuf_free(&b);
	live_log__free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_bare_words),
		cmocka_unit_test(test_quote_single_quotes),
		cmocka_unit_test(test_quote_controls_escaped),
		cmocka_unit_test(test_quote_argv),
		cmocka_unit_test(test_log_exec_and_failed_exec),
		cmocka_unit_test(test_log_exits),
		cmocka_unit_test(test_log_many_processes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
