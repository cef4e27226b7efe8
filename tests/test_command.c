/* tests/test_command.c: how commands are named (render/command.c) and packed into lanes (render/lanes.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "render/trace.h"
#include "tests/hand_recording.h"

/* The name of an exec of argv (NULL-terminated), with filename "/usr/bin/x". */
static const char *name_of(char *buf, const char *const *argv)
{
	static struct event ev;
	uint32_t argc = 0;

	while (argv[argc])
		argc++;
	memset(&ev, 0, sizeof(ev));
	ev.type = EV_EXEC;
	ev.flags = EVF_FILENAME | EVF_CMDLINE;
	ev.u.exec.filename = "/usr/bin/x";
	ev.u.exec.argv = argv;
	ev.u.exec.argc = argc;
	return trace_command_name(&ev, buf, TRACE_NAME_MAX);
}

#define NAMES(want, ...)                                                                   \
	do {                                                                               \
		char buf_[TRACE_NAME_MAX];                                                 \
		const char *argv_[] = { __VA_ARGS__, NULL };                               \
		assert_string_equal(name_of(buf_, argv_), want);                           \
	} while (0)

static void program_is_argv0_basename(void **state)
{
	(void)state;
	NAMES("gcc", "/usr/bin/gcc", "-c", "x.c");
	NAMES("cc1", "cc1");
	NAMES("bash", "-bash");        /* a login shell */
	NAMES("make", "make", "-j2", "all");
}

static void no_argv_falls_back_to_the_filename(void **state)
{
	struct event ev = { .type = EV_EXEC, .flags = EVF_FILENAME, .u.exec.filename = "/bin/ls" };
	struct event none = { .type = EV_EXEC };
	char buf[TRACE_NAME_MAX];

	(void)state;
	assert_string_equal(trace_command_name(&ev, buf, sizeof(buf)), "ls");
	assert_string_equal(trace_command_name(&none, buf, sizeof(buf)), "(unknown)");
	NAMES("x", "");
}

static void interpreters_are_named_by_their_script(void **state)
{
	(void)state;
	NAMES("configure", "sh", "./configure", "--prefix=/usr");
	NAMES("config.status", "/bin/bash", "./config.status", "--recheck");
	NAMES("s.sh", "/bin/sh", "-e", "./s.sh", "x");
	NAMES("test.sh", "bash", "-o", "pipefail", "-x", "tests/test.sh");
	NAMES("setup.py", "python3", "-u", "setup.py", "build");
	NAMES("pytest", "python3", "-m", "pytest", "-q");
	NAMES("pytest", "/usr/bin/python3.11", "-W", "ignore", "-mpytest");
	NAMES("build.pl", "perl", "-MTest::More", "-w", "build.pl");
	NAMES("app.js", "node", "--require", "x", "app.js");
	NAMES("x.sh", "sh", "--", "x.sh");
}

static void code_on_the_command_line_keeps_the_interpreter(void **state)
{
	(void)state;
	NAMES("sh", "sh", "-c", "make && make test");
	NAMES("bash", "bash", "-ec", "true", "name");
	NAMES("python3", "python3", "-c", "print(1)");
	NAMES("perl", "perl", "-le", "print 1");
	NAMES("node", "node", "--eval", "1");
	NAMES("sh", "sh", "-s");
	NAMES("sh", "sh", "-", "x");
	NAMES("bash", "bash", "--login");
}

static void tools_are_named_with_their_subcommand(void **state)
{
	(void)state;
	NAMES("git gc", "git", "gc", "--auto");
	NAMES("git status", "git", "-C", "/src", "-c", "a=b", "--no-pager", "status");
	NAMES("git", "git", "--version");
	NAMES("cargo build", "cargo", "+nightly", "build");
	NAMES("go test", "/usr/local/go/bin/go", "test", "./...");
	NAMES("npm", "npm", "--silent");
	/* Not a plain word: not a subcommand. */
	NAMES("git", "git", "a b");
}

/* Processes with fork and exit times; lanes are reused as soon as they are free. */
/*
 * A process that forked and never exec'd is "(fork) " and what it
 * inherited, through any number of such forks: a subshell of configure is
 * not configure. Cut to the buffer, never inside a UTF-8 character.
 */
static void a_fork_is_named_by_what_it_inherited(void **state)
{
	static const char *const configure[] = { "sh", "./configure" };
	static struct hand_recording h;
	struct trace *t = NULL;
	char buf[TRACE_NAME_MAX];
	const char *p;

	(void)state;
	memset(&h, 0, sizeof(h));
	hand_init(&h);
	hand_exec(&h, 0, 1, "sh");
	h.ev[0].u.exec.argv = configure;
	h.ev[0].u.exec.argc = 2;
	hand_fork(&h, 1, 1, 2);
	hand_fork(&h, 2, 2, 3);
	hand_fork(&h, 3, 3, 4);
	hand_exec(&h, 4, 4, "gcc");
	assert_int_equal(trace_build(&t, &h.rec, 0), 0);
	assert_int_equal(t->nprocs, 4);
	assert_string_equal(trace_proc_name(&t->procs[0], buf, sizeof(buf)), "configure");
	assert_string_equal(trace_proc_name(&t->procs[1], buf, sizeof(buf)), "(fork) configure");
	assert_string_equal(trace_proc_name(&t->procs[2], buf, sizeof(buf)), "(fork) configure");
	assert_string_equal(trace_proc_name(&t->procs[3], buf, sizeof(buf)), "gcc");
	trace_free(t);

	/* "(fork) " is 7 bytes: in 11 bytes, é would be cut after its first byte */
	p = trace_fork_name("ab\xc3\xa9", buf, 11);
	assert_string_equal(p, "(fork) ab");
	p = trace_fork_name("a\xe2\x98\x85", buf, 11);
	assert_string_equal(p, "(fork) a");
	p = trace_fork_name("a\xe2\x98\x85", buf, 12);
	assert_string_equal(p, "(fork) a\xe2\x98\x85");
}

static void lanes_pack_by_time(void **state)
{
	static struct hand_recording h;
	struct trace *t = NULL;
	uint32_t lane[8], n;
	struct event *ev;

	(void)state;
	memset(&h, 0, sizeof(h));
	hand_init(&h);
	hand_exec(&h, 0, 1, "make");
	hand_fork(&h, 10, 1, 2);   /* 2: 10..50 */
	hand_fork(&h, 20, 1, 3);   /* 3: 20..30 */
	ev = hand_add(&h, EV_EXIT, 30, 3);
	ev->flags |= EVF_STATUS;
	hand_fork(&h, 40, 1, 4);   /* 4: 40..60, takes 3's lane */
	ev = hand_add(&h, EV_EXIT, 50, 2);
	ev->flags |= EVF_STATUS;
	ev = hand_add(&h, EV_EXIT, 60, 4);
	ev->flags |= EVF_STATUS;
	ev = hand_add(&h, EV_EXIT, 70, 1);
	ev->flags |= EVF_STATUS;
	assert_int_equal(trace_build(&t, &h.rec, 0), 0);
	assert_int_equal(t->nprocs, 4);
	assert_int_equal(trace_lanes(t, lane, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(lane[0], 0); /* make, 0..70 */
	assert_int_equal(lane[1], 1);
	assert_int_equal(lane[2], 2);
	assert_int_equal(lane[3], 2);
	trace_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(program_is_argv0_basename),
		cmocka_unit_test(no_argv_falls_back_to_the_filename),
		cmocka_unit_test(interpreters_are_named_by_their_script),
		cmocka_unit_test(code_on_the_command_line_keeps_the_interpreter),
		cmocka_unit_test(tools_are_named_with_their_subcommand),
		cmocka_unit_test(a_fork_is_named_by_what_it_inherited),
		cmocka_unit_test(lanes_pack_by_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
