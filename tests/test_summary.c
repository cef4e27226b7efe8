/* tests/test_summary.c: what the summary view counts, on recordings built by hand. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "render/summary.h"
#include "render/trace.h"
#include "tests/hand_recording.h"

struct fixture {
	struct hand_recording h;
	struct trace *t;
	char *out;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	hand_init(&f->h);
	f->h.rec.has_header = true;
	f->h.rec.hdr.format = 1;
	f->h.rec.hdr.root_pid = 1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	trace_free(f->t);
	free(f->out);
	free(f);
	return 0;
}

static struct event *exit_(struct fixture *f, uint64_t ts, int32_t pid, uint64_t cpu_ns)
{
	struct event *ev = hand_add(&f->h, EV_EXIT, ts, pid);

	ev->flags |= EVF_STATUS | EVF_RUSAGE;
	ev->u.exit.user_ns = cpu_ns;
	return ev;
}

static const char *render(struct fixture *f, unsigned top, enum summary_sort sort)
{
	struct render_opts o = { .top = top, .sort = sort };

	trace_free(f->t);
	f->t = NULL;
	assert_int_equal(trace_build(&f->t, &f->h.rec, 0), 0);
	return hand_render(&f->out, render_summary, f->t, &o);
}

/* The COUNT column of command name in a top list. */
static unsigned long count_of(const char *out, const char *section, const char *name)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "  %s ", name);
	return strtoul(hand_line_of(out, section, prefix) + strlen(prefix), NULL, 10);
}

/* The CPU column (last) of command name, as printed. */
static const char *cpu_of(const char *out, const char *section, const char *name)
{
	char prefix[64];
	const char *l, *p;

	snprintf(prefix, sizeof(prefix), "  %s ", name);
	l = hand_line_of(out, section, prefix);
	/* the last column: a number and its unit */
	p = strrchr(l, ' ');
	assert_non_null(p);
	while (p > l && p[-1] != ' ')
		p--;
	return p;
}

/* sh → sh → sh → cc: the subtree of sh holds 4 execs, each counted once for sh. */
static void test_subtree_counts_each_exec_once_per_name(void **state)
{
	struct fixture *f = *state;
	const char *out;

	hand_exec(&f->h, 1, 1, "sh");
	hand_fork(&f->h, 2, 1, 2);
	hand_exec(&f->h, 3, 2, "/bin/sh");
	hand_fork(&f->h, 4, 2, 3);
	hand_exec(&f->h, 5, 3, "sh");
	hand_fork(&f->h, 6, 3, 4);
	hand_exec(&f->h, 7, 4, "/usr/bin/cc");
	exit_(f, 8, 4, 0);
	exit_(f, 9, 3, 0);
	exit_(f, 10, 2, 0);
	exit_(f, 11, 1, 0);
	out = render(f, 10, SORT_COUNT);

	assert_int_equal(count_of(out, "commands by", "sh"), 3);
	assert_int_equal(count_of(out, "commands by", "cc"), 1);
	assert_int_equal(count_of(out, "subtrees by", "sh"), 4);
	assert_int_equal(count_of(out, "subtrees by", "cc"), 1);
	assert_string_equal(hand_line_of(out, NULL, "execs:"), "execs:            4");
}

/* env → make in one process, make forks cc: env's subtree holds all three. */
static void test_exec_chain_is_a_subtree(void **state)
{
	struct fixture *f = *state;
	const char *out;

	hand_exec(&f->h, 1, 1, "env");
	hand_exec(&f->h, 2, 1, "make");
	hand_fork(&f->h, 3, 1, 2);
	hand_exec(&f->h, 4, 2, "cc");
	hand_fork(&f->h, 5, 1, 3);
	hand_exec(&f->h, 6, 3, "cc");
	exit_(f, 7, 2, 0);
	exit_(f, 7, 3, 0);
	exit_(f, 8, 1, 0);
	out = render(f, 10, SORT_COUNT);

	assert_int_equal(count_of(out, "subtrees by", "env"), 4);
	assert_int_equal(count_of(out, "subtrees by", "make"), 3);
	assert_int_equal(count_of(out, "subtrees by", "cc"), 2);
	assert_int_equal(count_of(out, "commands by", "cc"), 2);
}

/*
 * A fork-only child runs the image its parent had when it forked: its CPU
 * belongs to that command, not to what the parent exec'd later. A process's
 * own CPU belongs to its last image.
 */
static void test_cpu_attribution(void **state)
{
	struct fixture *f = *state;
	const char *out;

	hand_exec(&f->h, 1, 1, "a");
	hand_fork(&f->h, 2, 1, 2);          /* fork-only child of a */
	hand_exec(&f->h, 3, 1, "b");
	hand_exec(&f->h, 4, 1, "c");
	exit_(f, 5, 2, 5000000);    /* 5 ms to a */
	exit_(f, 6, 1, 7000000);    /* 7 ms to c */
	out = render(f, 10, SORT_CPU);

	assert_string_equal(cpu_of(out, "commands by", "a"), "5.000 ms");
	assert_string_equal(cpu_of(out, "commands by", "b"), "0 ns");
	assert_string_equal(cpu_of(out, "commands by", "c"), "7.000 ms");
	/* the subtree of a holds b and c (the same process, later) and the child */
	assert_string_equal(cpu_of(out, "subtrees by", "a"), "12.000 ms");
	assert_string_equal(cpu_of(out, "subtrees by", "b"), "7.000 ms");
	/* --sort cpu: c first */
	assert_non_null(strstr(out, "top 3 commands by cpu (of 3)\n"));
	assert_non_null(strstr(strstr(out, "commands by cpu"), "\n  c "));
	assert_true(strstr(strstr(out, "commands by cpu"), "\n  c ") <
		    strstr(strstr(out, "commands by cpu"), "\n  a "));
	assert_non_null(strstr(hand_line_of(out, NULL, "cpu time:"), "12.000 ms"));
	assert_non_null(strstr(hand_line_of(out, NULL, "processes:"), "2 (forks without exec: 1)"));
}

/* A process that exits just before the next is forked, at the same timestamp, does not overlap it. */
static void test_peak_concurrency(void **state)
{
	struct fixture *f = *state;

	hand_exec(&f->h, 1, 1, "sh");
	hand_fork(&f->h, 10, 1, 2);
	exit_(f, 20, 2, 0);
	hand_fork(&f->h, 20, 1, 3);
	exit_(f, 30, 3, 0);
	exit_(f, 40, 1, 0);
	assert_string_equal(hand_line_of(render(f, 10, SORT_COUNT), NULL, "peak concurrency:"),
			    "peak concurrency: 2");
}

/*
 * Lifetimes fall in [10^k, 10^(k+1)) ns; one of 0 ns has a line of its own
 * (it is in no such bucket); processes with no Exit are left out and said so.
 */
static void test_histogram_buckets(void **state)
{
	struct fixture *f = *state;
	const char *out;

	hand_exec(&f->h, 0, 1, "sh");
	hand_fork(&f->h, 100, 1, 2);
	exit_(f, 109, 2, 0);       /* 9 ns */
	hand_fork(&f->h, 200, 1, 3);
	exit_(f, 210, 3, 0);       /* 10 ns */
	hand_fork(&f->h, 300, 1, 4);
	exit_(f, 399, 4, 0);       /* 99 ns */
	hand_fork(&f->h, 400, 1, 5);       /* no Exit */
	hand_fork(&f->h, 500, 1, 6);
	exit_(f, 500, 6, 0);       /* 0 ns */
	exit_(f, 1000, 1, 0);      /* 1000 ns */
	out = render(f, 10, SORT_COUNT);

	assert_string_equal(hand_line_of(out, "per process", "     0ns"), "     0ns                1 |####################");
	assert_string_equal(hand_line_of(out, "per process", "     1ns.."), "     1ns..10ns          1 |####################");
	assert_string_equal(hand_line_of(out, "per process", "    10ns.."), "    10ns..100ns         2 |########################################");
	assert_string_equal(hand_line_of(out, "per process", "   100ns.."), "   100ns..1us           0 |");
	assert_string_equal(hand_line_of(out, "per process", "     1us.."), "     1us..10us          1 |####################");
	assert_string_equal(hand_line_of(out, "per process", "  ("), "  (1 process with no Exit left out)");
}

static void test_exit_status_and_names(void **state)
{
	struct fixture *f = *state;
	struct event *ev;
	const char *out;

	hand_exec(&f->h, 1, 1, "/opt/tool/run.sh");
	hand_fork(&f->h, 2, 1, 2);
	ev = hand_exec(&f->h, 3, 2, NULL);
	ev->flags |= EVF_FILENAME | EVF_CMDLINE;
	ev->u.exec.filename = "/usr/bin/from-filename"; /* argc 0: the filename names it */
	hand_fork(&f->h, 4, 1, 3);
	hand_exec(&f->h, 5, 3, NULL);                           /* nothing at all */
	ev = exit_(f, 9, 1, 0);
	ev->flags |= EVF_SIGNALED;
	ev->u.exit.code = 9;
	f->h.rec.has_end = true;
	f->h.rec.end.lost = 2;
	f->h.rec.end.has_lost = true;
	out = render(f, 10, SORT_COUNT);

	assert_string_equal(hand_line_of(out, NULL, "exit status:"), "exit status:      killed by signal 9 (SIGKILL)");
	assert_string_equal(hand_line_of(out, NULL, "lost events:"), "lost events:      2 (the recording is incomplete)");
	assert_string_equal(hand_line_of(out, NULL, "command:"), "command:          /opt/tool/run.sh");
	assert_int_equal(count_of(out, "commands by", "run.sh"), 1);
	assert_int_equal(count_of(out, "commands by", "from-filename"), 1);
	assert_int_equal(count_of(out, "commands by", "(unknown)"), 1);
}

/* lost events: from the End line when it says; unknown without one, or when it does not say. */
static void test_lost_events(void **state)
{
	struct fixture *f = *state;

	hand_exec(&f->h, 1, 1, "sh");
	exit_(f, 9, 1, 0);
	assert_string_equal(hand_line_of(render(f, 10, SORT_COUNT), NULL, "lost events:"),
			    "lost events:      unknown (no End line: the recording may be incomplete)");
	f->h.rec.has_end = true;
	assert_string_equal(hand_line_of(render(f, 10, SORT_COUNT), NULL, "lost events:"),
			    "lost events:      unknown (not in the End line)");
	f->h.rec.end.has_lost = true;
	assert_string_equal(hand_line_of(render(f, 10, SORT_COUNT), NULL, "lost events:"), "lost events:      0");
}

/* A recording made without --failed-execs says so: its failed execs are not known to be 0. */
static void test_failed_execs_not_recorded(void **state)
{
	struct fixture *f = *state;

	hand_exec(&f->h, 1, 1, "sh");
	exit_(f, 9, 1, 0);
	assert_string_equal(hand_line_of(render(f, 10, SORT_COUNT), NULL, "failed execs:"),
			    "failed execs:     0 (0 PATH-search misses, 0 real failures)");
	f->h.rec.hdr.has_failed_execs = true;
	f->h.rec.hdr.failed_execs = true;
	assert_string_equal(hand_line_of(render(f, 10, SORT_COUNT), NULL, "failed execs:"),
			    "failed execs:     0 (0 PATH-search misses, 0 real failures)");
	f->h.rec.hdr.failed_execs = false;
	assert_string_equal(hand_line_of(render(f, 10, SORT_COUNT), NULL, "failed execs:"),
			    "failed execs:     not recorded (record with --failed-execs)");
	assert_string_equal(hand_line_of(render(f, 10, SORT_COUNT), NULL, "execs:"), "execs:            1");
}

/*
 * The header is about the recorded command (the header's root_pid), even
 * when another top-level process shows up first: an unrelated pid 99's Exit.
 */
static void test_header_is_about_the_recorded_root(void **state)
{
	static const char *const command[] = { "make" };
	struct fixture *f = *state;
	struct event *ev;
	const char *out;

	f->h.rec.hdr.root_pid = 10;
	f->h.rec.hdr.command = command;
	f->h.rec.hdr.command_len = 1;
	ev = exit_(f, 1, 99, 0);
	ev->flags |= EVF_SIGNALED;
	ev->u.exit.code = 9;
	hand_exec(&f->h, 2, 10, "make");
	exit_(f, 3, 10, 0);
	f->h.rec.has_end = true;
	f->h.rec.end.ts = 3;
	f->h.rec.end.has_exit_code = true;
	out = render(f, 10, SORT_COUNT);

	assert_string_equal(hand_line_of(out, NULL, "command:"), "command:          make");
	assert_string_equal(hand_line_of(out, NULL, "exit status:"), "exit status:      0");
	assert_non_null(strstr(out, "(and 1 other top-level process)\n"));
}

/* Sums of CPU and wall times do not wrap around 2^64 ns: they are exact. */
static void test_sums_do_not_wrap(void **state)
{
	struct fixture *f = *state;
	const uint64_t max = INT64_MAX; /* the largest the reader takes */
	struct event *ev;
	const char *out;

	hand_exec(&f->h, 0, 1, "sh");
	hand_fork(&f->h, 1, 1, 2);
	hand_exec(&f->h, 1, 2, "cc");
	hand_fork(&f->h, 2, 1, 3);
	hand_exec(&f->h, 2, 3, "cc");
	for (int32_t pid = 1; pid <= 2; pid++) {
		ev = exit_(f, max, pid, max);
		ev->u.exit.system_ns = max;
	}
	exit_(f, max, 3, 0);
	out = render(f, 10, SORT_COUNT);

	assert_string_equal(hand_line_of(out, NULL, "cpu time:"),
			    "cpu time:         36893488147.419 s (user 18446744073.709 s, system 18446744073.709 s)");
	assert_string_equal(cpu_of(out, "commands by", "sh"), "18446744073.709 s");
	assert_string_equal(cpu_of(out, "commands by", "cc"), "18446744073.709 s");
	assert_string_equal(cpu_of(out, "subtrees by", "sh"), "36893488147.419 s");
	/*
	 * sh runs 2^63-1 ns, the two cc 2^63-2 and 2^63-3 ns at once: they
	 * cover 2^63-2 ns of the run, their own times add up to twice that.
	 */
	assert_non_null(strstr(hand_line_of(out, "subtrees by", "  sh "), " 9223372036.854 s (100.0) "));
	assert_non_null(strstr(hand_line_of(out, "commands by", "  cc "),
			       " 9223372036.854 s (100.0) 18446744073.709 s "));
}

/*
 * The COMMAND column is padded by what a terminal shows, not by bytes: a
 * character is one column (a combining mark none), an East Asian wide one
 * or an emoji two. Long names are cut to 32 columns.
 */
static void test_columns_of_non_ascii_names(void **state)
{
	static const char *const names[] = {
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",        /* 日本語: 6 columns, 9 bytes */
		"he\xcc\x81llo",                          /* he + U+0301 + llo: 5 columns */
		"\xc3\xa9t\xc3\xa9",                      /* été: 3 columns */
		"\xf0\x9f\x9a\x80go",                     /* rocket + go: 4 columns */
		"ab",
	};
	struct fixture *f = *state;
	const char *out;

	hand_exec(&f->h, 1, 1, "sh");
	for (int i = 0; i < 5; i++) {
		hand_fork(&f->h, 10 + 10 * (uint64_t)i, 1, 10 + i);
		hand_exec(&f->h, 11 + 10 * (uint64_t)i, 10 + i, names[i]);
		exit_(f, 12 + 10 * (uint64_t)i, 10 + i, 0);
	}
	exit_(f, 90, 1, 0);
	out = render(f, 10, SORT_COUNT);

	/* "  " NAME padded to 7 columns (COMMAND), " ", COUNT in 8 */
	assert_non_null(strstr(out, "\n  COMMAND    COUNT ("));
	assert_non_null(strstr(out, "\n  \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e         1 ("));
	assert_non_null(strstr(out, "\n  he\xcc\x81llo          1 ("));
	assert_non_null(strstr(out, "\n  \xc3\xa9t\xc3\xa9            1 ("));
	assert_non_null(strstr(out, "\n  \xf0\x9f\x9a\x80go           1 ("));
	assert_non_null(strstr(out, "\n  ab" "             1 ("));
}

/* A long name is cut to 29 columns and "...", never inside a character or a wide one's two columns. */
static void test_long_wide_name_is_cut_by_columns(void **state)
{
	struct fixture *f = *state;
	char name[64] = "";
	const char *out;

	for (int i = 0; i < 20; i++)
		strcat(name, "\xe6\x97\xa5"); /* 40 columns */
	hand_exec(&f->h, 1, 1, name);
	exit_(f, 9, 1, 0);
	out = render(f, 10, SORT_COUNT);
	/* 14 wide characters (28 columns) and "...": 31 columns, the widest cell */
	assert_non_null(strstr(out, "\n  COMMAND                            COUNT ("));
	assert_non_null(strstr(out, "\n  \xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5"
				    "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5"
				    "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5...        1 ("));
}

/* --top N keeps the N first lines; ties are ordered by name, so the output is stable. */
static void test_top_limits_lines(void **state)
{
	struct fixture *f = *state;
	static const char *const names[] = { "e", "d", "c", "b", "a" };
	const char *out;

	hand_exec(&f->h, 1, 1, "sh");
	for (int i = 0; i < 5; i++) {
		hand_fork(&f->h, 10 + 10 * (uint64_t)i, 1, 10 + i);
		hand_exec(&f->h, 11 + 10 * (uint64_t)i, 10 + i, names[i]);
		exit_(f, 12 + 10 * (uint64_t)i, 10 + i, 0);
	}
	hand_exec(&f->h, 80, 1, "sh");
	exit_(f, 90, 1, 0);
	out = render(f, 3, SORT_COUNT);

	assert_non_null(strstr(out, "top 3 commands by count (of 6)\n"));
	assert_int_equal(count_of(out, "commands by", "sh"), 2);
	assert_int_equal(count_of(out, "commands by", "a"), 1);
	assert_int_equal(count_of(out, "commands by", "b"), 1);
	assert_null(strstr(strstr(out, "commands by"), "\n  c "));
}

/* A failed exec followed by a successful one in the same process is a PATH-search miss; the rest are real. */
static void test_failed_execs_split(void **state)
{
	struct fixture *f = *state;

	hand_exec(&f->h, 1, 1, "sh");
	hand_fork(&f->h, 2, 1, 2);
	hand_add(&f->h, EV_BADEXEC, 3, 2);       /* /usr/local/bin/make: ENOENT */
	hand_add(&f->h, EV_BADEXEC, 4, 2);
	hand_exec(&f->h, 5, 2, "make");          /* found: both were misses */
	hand_add(&f->h, EV_BADEXEC, 6, 2);       /* after the last exec, nothing followed: real */
	exit_(f, 7, 2, 0);
	hand_fork(&f->h, 8, 1, 3);
	hand_add(&f->h, EV_BADEXEC, 9, 3);       /* never exec'd: real */
	exit_(f, 10, 3, 0)->u.exit.code = 127;
	exit_(f, 11, 1, 0);
	assert_string_equal(hand_line_of(render(f, 10, SORT_COUNT), NULL, "failed execs:"),
			    "failed execs:     4 (2 PATH-search misses, 2 real failures)");
}

/* Struct argv for an exec of several arguments (hand_exec() gives argv[0] only). */
static struct event *exec_argv(struct fixture *f, uint64_t ts, int32_t pid, const char *const *argv,
			       uint32_t argc)
{
	struct event *ev = hand_exec(&f->h, ts, pid, argv[0]);

	ev->u.exec.argv = argv;
	ev->u.exec.argc = argc;
	return ev;
}

/*
 * Failures: a process's own failure (no descendant failed) comes before one
 * passed up from a child, each group by start; the status, wall and the
 * parent's command are shown.
 */
static void test_failures_listed_own_first(void **state)
{
	static const char *const configure[] = { "sh", "./configure", "--prefix=/usr" };
	static const char *const cc[] = { "cc", "-c", "x.c" };
	struct fixture *f = *state;
	struct event *ev;
	const char *out, *a, *b, *c;

	exec_argv(f, 0, 1, configure, 3);
	hand_fork(&f->h, 10, 1, 2);
	exec_argv(f, 11, 2, cc, 3);
	exit_(f, 1011, 2, 0)->u.exit.code = 1;    /* cc: its own failure, 1 us */
	hand_fork(&f->h, 2000, 1, 3);
	hand_exec(&f->h, 2001, 3, "sleep");
	ev = exit_(f, 3000, 3, 0);                 /* sleep: killed */
	ev->flags |= EVF_SIGNALED;
	ev->u.exit.code = 9;
	exit_(f, 4000, 1, 0)->u.exit.code = 2;    /* configure: passed on */
	out = render(f, 10, SORT_COUNT);

	assert_non_null(strstr(out, "\nfailed processes: 3 exited non-zero or were killed"));
	a = hand_line_of(out, "failed processes", "  exit 1 ");
	assert_non_null(strstr(a, "1.001 us        2  cc         configure  cc -c x.c"));
	b = strstr(out, "  SIGKILL ");
	c = strstr(out, "  exit 2 ");
	assert_non_null(b);
	assert_non_null(c);
	assert_true(strstr(out, "  exit 1 ") < b && b < c);
	assert_non_null(strstr(hand_line_of(out, "failed processes", "  exit 2 "),
			       "  configure  -          sh ./configure --prefix=/usr"));
	/* the command is named by the script, in the top lists too */
	assert_int_equal(count_of(out, "commands by", "configure"), 1);
}

/*
 * A process that forked and never exec'd (a subshell of configure) is
 * "(fork) configure" wherever the summary lists processes, as every view
 * names it (trace_proc_name()), so that it is not taken for the script;
 * the per-command tables still count exec images only.
 */
static void test_subshell_named_fork(void **state)
{
	static const char *const configure[] = { "sh", "./configure" };
	struct fixture *f = *state;
	struct render_opts o = { .top = 10, .json = true };
	const char *out;
	char *js = NULL;
	size_t len = 0;
	FILE *m;

	exec_argv(f, 0, 1, configure, 2);
	hand_fork(&f->h, 10, 1, 2);               /* a subshell of configure */
	hand_fork(&f->h, 20, 2, 3);               /* and one of it */
	exit_(f, 3000, 3, 0)->u.exit.code = 1;
	exit_(f, 4000, 2, 0)->u.exit.code = 1;
	exit_(f, 5000, 1, 0);
	out = render(f, 10, SORT_COUNT);

	assert_non_null(strstr(hand_line_of(out, "failed processes", "  exit 1 "),
			       "3  (fork) configure  (fork) configure  sh ./configure"));
	assert_non_null(strstr(hand_line_of(out, "slowest", "      3.990 us"),
			       "2  (fork) configure  sh ./configure"));
	assert_non_null(strstr(out, "        2    (fork) configure\n"));
	assert_int_equal(count_of(out, "commands by", "configure"), 1);
	assert_null(strstr(strstr(out, "commands by"), "(fork)"));

	m = open_memstream(&js, &len);
	assert_non_null(m);
	assert_int_equal(render_summary(m, f->t, &o), 0);
	assert_int_equal(fclose(m), 0);
	assert_non_null(strstr(js, "{\"pid\":3,\"command\":\"(fork) configure\","));
	assert_non_null(strstr(js, "\"parent_command\":\"(fork) configure\""));
	assert_non_null(strstr(js, "\"parent_command\":\"configure\""));
	free(js);
}

/* The slowest processes, longest first, with CPU, RSS and how each ended. */
static void test_slowest(void **state)
{
	struct fixture *f = *state;
	struct event *ev;
	const char *out;

	hand_exec(&f->h, 0, 1, "sh");
	hand_fork(&f->h, 10, 1, 2);
	hand_exec(&f->h, 11, 2, "short");
	exit_(f, 20, 2, 0);
	hand_fork(&f->h, 30, 1, 3);
	hand_exec(&f->h, 31, 3, "long");
	ev = exit_(f, 3000030, 3, 2000000);
	ev->u.exit.max_rss_kb = 20480;
	exit_(f, 4000000, 1, 0);
	out = render(f, 2, SORT_COUNT);

	assert_non_null(strstr(out, "\nslowest 2 processes (of 3; wall time from fork to end)\n"));
	assert_non_null(strstr(hand_line_of(out, "slowest", "      4.000 ms"), "ok"));
	assert_non_null(strstr(hand_line_of(out, "slowest", "      3.000 ms"),
			       "     2.000 ms    20 MiB ok                    3  long     long"));
	assert_null(strstr(out, "short     short"));
}

/*
 * Concurrency: a parent waiting for a child is alive, not running. make
 * runs two compiles at once for 10 ns, one alone for 10 ns: time at 1 and
 * 2 running, and the averages.
 */
static void test_concurrency_levels(void **state)
{
	struct fixture *f = *state;
	const char *out;

	hand_exec(&f->h, 0, 1, "make");
	hand_fork(&f->h, 10, 1, 2);
	hand_fork(&f->h, 10, 1, 3);
	exit_(f, 20, 2, 0);
	exit_(f, 30, 3, 0);
	exit_(f, 40, 1, 0);
	out = render(f, 10, SORT_COUNT);

	/* 0..10 make alone; 10..20 two compiles; 20..30 one; 30..40 make alone */
	assert_string_equal(hand_line_of(out, "concurrency: time", "          1 "),
			    "          1        30 ns ( 75.0) |########################################");
	assert_string_equal(hand_line_of(out, "concurrency: time", "          2 "),
			    "          2        10 ns ( 25.0) |##############");
	assert_string_equal(hand_line_of(out, "concurrency: time", "  on average"),
			    "  on average 1.25 running, 1.75 alive (peak 3 alive)");
}

/*
 * Wall per command: ELAPSED is the time covered by its images (never more
 * than the run), OWN their times added up.
 */
static void test_elapsed_and_own(void **state)
{
	struct fixture *f = *state;
	const char *l;

	hand_exec(&f->h, 0, 1, "make");
	hand_fork(&f->h, 0, 1, 2);
	hand_exec(&f->h, 0, 2, "cc");
	hand_fork(&f->h, 0, 1, 3);
	hand_exec(&f->h, 500, 3, "cc");
	exit_(f, 1000, 2, 0);
	exit_(f, 1500, 3, 0);
	hand_fork(&f->h, 3000, 1, 4);
	hand_exec(&f->h, 3000, 4, "cc");
	exit_(f, 4000, 4, 0);
	exit_(f, 4000, 1, 0);
	l = hand_line_of(render(f, 10, SORT_TIME), "commands by", "  cc ");
	/* [0, 1000] ∪ [500, 1500] ∪ [3000, 4000]: 2.5 us of the 4 us run; own 1 + 1 + 1 us */
	assert_non_null(strstr(l, " 2.500 us ( 62.5)     3.000 us "));
}

/* The accumulator on its own, fed as record would feed it: printed before the end, cleared, reused. */
static void test_accumulator_incremental(void **state)
{
	struct fixture *f = *state;
	struct summary_opts so = { .top = 5, .root_pid = 1 };
	struct summary *s = summary_new(&so);
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	assert_non_null(s);
	hand_exec(&f->h, 0, 1, "make");
	hand_fork(&f->h, 10, 1, 2);
	hand_exec(&f->h, 10, 2, "cc");
	for (size_t i = 0; i < f->h.rec.n; i++)
		assert_int_equal(summary_add(s, &f->h.ev[i]), 0);
	summary_advance(s, 110);
	m = open_memstream(&buf, &len);
	assert_int_equal(summary_print(s, m, NULL, SUMMARY_TEXT), 0);
	assert_int_equal(fclose(m), 0);
	/* cc has run 100 ns so far, make 110 ns */
	assert_non_null(strstr(buf, "wall time:        110 ns\n"));
	assert_non_null(strstr(hand_line_of(buf, "commands by", "  cc "), "100 ns ( 90.9)"));
	assert_non_null(strstr(buf, "processes:        2 (forks without exec: 0)\n"));
	free(buf);
	buf = NULL;

	summary_clear(s);
	m = open_memstream(&buf, &len);
	assert_int_equal(summary_print(s, m, NULL, SUMMARY_JSON), 0);
	assert_int_equal(fclose(m), 0);
	assert_non_null(strstr(buf, "\"processes\":2,"));
	assert_non_null(strstr(buf, "\"execs\":0,"));
	free(buf);
	summary_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_subtree_counts_each_exec_once_per_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_chain_is_a_subtree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_attribution, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peak_concurrency, setup, teardown),
		cmocka_unit_test_setup_teardown(test_histogram_buckets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_status_and_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_execs_not_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_top_limits_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_is_about_the_recorded_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sums_do_not_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_columns_of_non_ascii_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_wide_name_is_cut_by_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_execs_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures_listed_own_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slowest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subshell_named_fork, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrency_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elapsed_and_own, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accumulator_incremental, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
