/* tests/test_summary_running.c: the summary of recordings with processes already running (record --all, -p), and its --clear. */
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
	const char *comm[HAND_MAX_EVENTS][1];
};

/* A system-wide recording (record --all without CMD): no root_pid. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	hand_init(&f->h);
	f->h.rec.has_header = true;
	f->h.rec.hdr.format = 1;
	f->h.rec.hdr.system_wide = true;
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

static struct event *exit_(struct fixture *f, uint64_t ts, int32_t pid, int code)
{
	struct event *ev = hand_add(&f->h, EV_EXIT, ts, pid);

	ev->flags |= EVF_STATUS | EVF_RUSAGE;
	ev->u.exit.code = code;
	ev->u.exit.user_ns = 10;
	return ev;
}

/* A Running with no argv (a kernel thread): its comm only, in argv[argc] (jsonl.h). */
static struct event *running_comm(struct fixture *f, uint64_t ts, int32_t pid, int64_t start,
				  const char *comm)
{
	struct event *ev = hand_running(&f->h, ts, pid, 0, start, NULL);

	f->comm[f->h.rec.n - 1][0] = comm;
	ev->flags |= EVF_COMM | EVF_CMDLINE;
	ev->u.running.argv = f->comm[f->h.rec.n - 1];
	ev->u.running.argc = 0;
	return ev;
}

static void end_at(struct fixture *f, uint64_t ts)
{
	f->h.rec.has_end = true;
	f->h.rec.end.ts = ts;
	f->h.rec.end.has_lost = true;
}

/* render -f summary [--pid pid] [--json] */
static const char *render(struct fixture *f, int32_t pid, bool json)
{
	struct render_opts o = { .top = 10, .json = json };

	trace_free(f->t);
	f->t = NULL;
	assert_int_equal(trace_build(&f->t, &f->h.rec, pid), 0);
	return hand_render(&f->out, render_summary, f->t, &o);
}

/* The model's wall of the process with pid (the first with it), in the summary's format. */
static uint64_t model_wall(const struct fixture *f, int32_t pid)
{
	for (size_t k = 0; k < f->t->nprocs; k++)
		if (f->t->procs[k].pid == pid)
			return f->t->procs[k].end - f->t->procs[k].start;
	fail_msg("no process %d in the model", pid);
	return 0;
}

/*
 * A Fork from make comes before make's Running (the walk met make after
 * its child was forked): make is one process, as in the model, not a
 * nameless one of its own plus a Running.
 */
static void test_fork_before_running_is_one_process(void **state)
{
	struct fixture *f = *state;
	const char *out;

	hand_fork(&f->h, 100, 50, 60);
	hand_running(&f->h, 200, 50, 1, -1000, "make");
	hand_exec(&f->h, 300, 60, "cc");
	exit_(f, 5000, 60, 1);
	exit_(f, 6000, 50, 2);
	end_at(f, 7000);
	out = render(f, 0, false);

	assert_int_equal(f->t->nprocs, 2);
	assert_string_equal(hand_line_of(out, NULL, "processes:"), "processes:        2 (forks without exec: 0)");
	assert_null(strstr(out, "(unknown)"));
	/* cc's parent is make */
	assert_non_null(strstr(hand_line_of(out, "failed processes:", "  exit 1 "), " cc       make "));
}

/*
 * A system-wide recording is about no process in particular: the command
 * and the exit status are no process's, in the text and the JSON.
 */
static void test_system_wide_has_no_root(void **state)
{
	struct fixture *f = *state;
	const char *out;

	hand_running(&f->h, 200, 50, 1, -1000, "make");
	hand_exec(&f->h, 300, 60, "cc");
	exit_(f, 5000, 60, 1);
	exit_(f, 6000, 50, 2);
	end_at(f, 7000);
	out = render(f, 0, false);

	assert_string_equal(hand_line_of(out, NULL, "command:"),
			    "command:          (system-wide: every process of the machine, no single root)");
	assert_string_equal(hand_line_of(out, NULL, "                  ("), "                  (2 top-level processes)");
	assert_string_equal(hand_line_of(out, NULL, "exit status:"), "exit status:      none (system-wide: no single root)");
	out = render(f, 0, true);
	assert_non_null(strstr(out, "{\"summary_format\":1,\"command\":null,\"system_wide\":true,"));
	assert_non_null(strstr(out, ",\"exit\":null,"));
	/* --pid still picks a root */
	out = render(f, 50, false);
	assert_string_equal(hand_line_of(out, NULL, "command:"), "command:          make");
	assert_string_equal(hand_line_of(out, NULL, "exit status:"), "exit status:      2");
}

/*
 * COUNT's % is of every image, execs and those of processes already
 * running: a subtree holds at most all of them (100%), never 200%.
 */
static void test_count_percentages_of_all_images(void **state)
{
	struct fixture *f = *state;
	const char *out;

	f->h.rec.hdr.system_wide = false;
	f->h.rec.hdr.root_pid = 10;
	f->h.rec.hdr.attached_pid = 10;
	hand_running(&f->h, 10, 10, 0, -5000, "bash");
	hand_running(&f->h, 20, 11, 10, -4000, "sleep");
	hand_fork(&f->h, 100, 10, 12);
	hand_exec(&f->h, 110, 12, "echo");
	exit_(f, 200, 12, 0);
	hand_fork(&f->h, 300, 10, 13);
	hand_exec(&f->h, 310, 13, "echo");
	exit_(f, 400, 13, 0);
	exit_(f, 500, 11, 0);
	exit_(f, 600, 10, 0);
	end_at(f, 700);
	out = render(f, 0, false);

	assert_string_equal(hand_line_of(out, NULL, "execs:"), "execs:            2");
	assert_non_null(strstr(hand_line_of(out, "subtrees by", "  bash "), "  bash           4 (100.0)"));
	assert_non_null(strstr(hand_line_of(out, "commands by", "  echo "), "  echo           2 ( 50.0)"));
	assert_non_null(strstr(hand_line_of(out, "commands by", "  bash "), "  bash           1 ( 25.0)"));
}

/* A Running without argv is named by its comm, as every view names it ("[kthreadd]"). */
static void test_running_without_argv_named_by_comm(void **state)
{
	struct fixture *f = *state;
	char buf[TRACE_NAME_MAX];
	const char *out;

	running_comm(f, 200, 2, -1000, "kthreadd");
	end_at(f, 7000);
	out = render(f, 0, false);

	assert_string_equal(trace_proc_name(&f->t->procs[0], buf, sizeof(buf)), "[kthreadd]");
	assert_null(strstr(out, "(unknown)"));
	assert_non_null(strstr(hand_line_of(out, "slowest", "      7.000 us"), "  [kthreadd]  [kthreadd]"));
	assert_non_null(strstr(hand_line_of(out, "commands by", "  [kthreadd] "), " 1 (100.0)"));
}

/*
 * The wall time of a process already running counts from the recording's
 * start (or its own start, if later), as recording(5) says and the model
 * counts, not from its Running.
 */
static void test_running_wall_from_recording_start(void **state)
{
	struct fixture *f = *state;
	const char *out;

	hand_running(&f->h, 200, 50, 0, -1000, "make");
	hand_running(&f->h, 210, 51, 0, 150, "cc");
	exit_(f, 5000, 51, 0);
	exit_(f, 6000, 50, 0);
	end_at(f, 7000);
	out = render(f, 0, false);

	assert_int_equal(model_wall(f, 50), 6000);
	assert_int_equal(model_wall(f, 51), 4850);
	assert_non_null(strstr(hand_line_of(out, "slowest", "      6.000 us"), " make "));
	assert_non_null(strstr(hand_line_of(out, "slowest", "      4.850 us"), " cc "));
	assert_string_equal(hand_line_of(out, NULL, "wall time:"), "wall time:        6.000 us");
	assert_non_null(strstr(hand_line_of(out, "commands by", "  make "), "     6.000 us (100.0)     6.000 us"));
	/* JSON too */
	out = render(f, 0, true);
	assert_non_null(strstr(out, "\"wall_ns\":6000,"));
}

/*
 * --pid: a process of the subtree whose pid a process outside it takes
 * (its own Exit lost) ends there, as in the model, not with the recording.
 */
static void test_pid_subtree_ends_where_the_model_does(void **state)
{
	struct fixture *f = *state;
	const char *out;

	f->h.rec.hdr.system_wide = false;
	f->h.rec.hdr.root_pid = 1;
	hand_exec(&f->h, 0, 1, "sh");
	hand_fork(&f->h, 10, 1, 3);
	hand_exec(&f->h, 20, 3, "make");
	hand_fork(&f->h, 30, 3, 4);
	hand_exec(&f->h, 40, 4, "cc");
	/* cc's Exit is lost; sh forks a new 4 outside make's subtree */
	hand_fork(&f->h, 1000, 1, 4);
	hand_exec(&f->h, 1010, 4, "ls");
	exit_(f, 1100, 4, 0);
	exit_(f, 2000, 3, 0);
	exit_(f, 3000, 1, 0);
	end_at(f, 3000);
	out = render(f, 3, false);

	assert_int_equal(model_wall(f, 4), 970);
	assert_non_null(strstr(hand_line_of(out, "slowest", "        970 ns"), " cc "));
	assert_null(strstr(out, " ls "));
}

/* A summary fed by hand, as record --summary feeds it; printed to a string the caller frees. */
static char *print(struct summary *s, enum summary_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	assert_non_null(m);
	assert_int_equal(summary_print(s, m, NULL, fmt), 0);
	assert_int_equal(fclose(m), 0);
	return buf;
}

/*
 * record --clear: the processes alive at a clear are still known after
 * it; their Exit counts in the next period, with their name, parent and
 * wall, not as a nameless process of 0 ns.
 */
static void test_clear_keeps_live_processes(void **state)
{
	struct fixture *f = *state;
	struct summary_opts so = { .top = 5, .root_pid = 1, .root_is_recorded = true };
	struct summary *s = summary_new(&so);
	char *buf;

	assert_non_null(s);
	hand_exec(&f->h, 0, 1, "make");
	hand_fork(&f->h, 10, 1, 2);
	hand_exec(&f->h, 10, 2, "cc");
	hand_fork(&f->h, 20, 1, 3);
	hand_exec(&f->h, 20, 3, "ld");
	exit_(f, 50, 3, 0);
	for (size_t i = 0; i < f->h.rec.n; i++)
		assert_int_equal(summary_add(s, &f->h.ev[i]), 0);
	summary_advance(s, 100);
	free(print(s, SUMMARY_TEXT));
	summary_clear(s);
	/* the next period: cc fails, make ends */
	assert_int_equal(summary_add(s, exit_(f, 300, 2, 1)), 0);
	assert_int_equal(summary_add(s, exit_(f, 400, 1, 0)), 0);
	assert_int_equal(summary_end(s, NULL, 400), 0);
	buf = print(s, SUMMARY_TEXT);

	assert_null(strstr(buf, "(unknown)"));
	assert_string_equal(hand_line_of(buf, NULL, "command:"), "command:          make");
	assert_non_null(strstr(buf, "\nexit status:      0\n"));
	/* cc, forked at 10, failed at 300: its wall is its life; its parent is make */
	assert_non_null(strstr(hand_line_of(buf, "failed processes:", "  exit 1 "), "290 ns        2  cc       make "));
	/* the processes of the period are make and cc, alive at the clear; ld's exit was in the last */
	assert_string_equal(hand_line_of(buf, NULL, "processes:"), "processes:        2 (forks without exec: 0)");
	assert_string_equal(hand_line_of(buf, NULL, "execs:"), "execs:            0");
	assert_null(strstr(buf, " ld "));
	/* make and cc ran during the period, from the clear (at 100) on */
	assert_non_null(strstr(hand_line_of(buf, "commands by", "  make "), "     300 ns (100.0)"));
	assert_non_null(strstr(hand_line_of(buf, "commands by", "  cc "), "     200 ns ( 66.7)"));
	assert_non_null(strstr(buf, "wall time:        300 ns\n"));
	free(buf);
	summary_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fork_before_running_is_one_process, setup, teardown),
		cmocka_unit_test_setup_teardown(test_system_wide_has_no_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_percentages_of_all_images, setup, teardown),
		cmocka_unit_test_setup_teardown(test_running_without_argv_named_by_comm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_running_wall_from_recording_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pid_subtree_ends_where_the_model_does, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear_keeps_live_processes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
