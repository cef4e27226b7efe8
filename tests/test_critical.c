/* tests/test_critical.c: the critical path (trace_critical_path) and its view, on recordings where the answer is known. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

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

static void exit_(struct fixture *f, uint64_t ts, int32_t pid)
{
	hand_add(&f->h, EV_EXIT, ts, pid)->flags |= EVF_STATUS;
}

static void build(struct fixture *f, int32_t pid)
{
	trace_free(f->t);
	f->t = NULL;
	assert_int_equal(trace_build(&f->t, &f->h.rec, pid), 0);
}

/* The path as "pid:start-end/wait pid:..." */
static const char *path(struct fixture *f)
{
	static char buf[512];
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < f->t->ncrit; i++) {
		const struct crit_link *l = &f->t->crit[i];

		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%d:%llu-%llu/%llu", i ? " " : "",
				      l->p->pid, (unsigned long long)l->start, (unsigned long long)l->end,
				      (unsigned long long)l->wait);
	}
	return buf;
}

static const char *view(struct fixture *f, bool json)
{
	struct render_opts o = { .json = json };

	return hand_render(&f->out, render_critical_path, f->t, &o);
}

/*
 * make -j2 runs two compiles side by side, each under a shell; the slower
 * (pid 5, under 3) decides when make could go on: make, 3 and 5 are the
 * path, 2 and 4 are not.
 */
static void test_make_j2_slowest_compile(void **state)
{
	struct fixture *f = *state;

	hand_exec(&f->h, 0, 1, "make");
	hand_fork(&f->h, 10, 1, 2);
	hand_exec(&f->h, 11, 2, "sh");
	hand_fork(&f->h, 12, 1, 3);
	hand_exec(&f->h, 13, 3, "sh");
	hand_fork(&f->h, 20, 2, 4);
	hand_exec(&f->h, 21, 4, "cc1");
	hand_fork(&f->h, 22, 3, 5);
	hand_exec(&f->h, 23, 5, "cc1");
	exit_(f, 500, 4);
	exit_(f, 510, 2);
	exit_(f, 900, 5);
	exit_(f, 910, 3);
	exit_(f, 1000, 1);
	build(f, 0);
	assert_string_equal(path(f), "1:0-1000/898 3:12-910/878 5:22-900/0");
	assert_true(f->t->procs[0].on_crit);
	for (size_t k = 0; k < f->t->nprocs; k++)
		assert_int_equal(f->t->procs[k].on_crit,
				 f->t->procs[k].pid == 1 || f->t->procs[k].pid == 3 ||
				 f->t->procs[k].pid == 5);
}

/* Three steps one after the other (configure, make, make check): all three are on the path, in order. */
static void test_three_sequential_steps(void **state)
{
	struct fixture *f = *state;
	const char *out;

	hand_exec(&f->h, 0, 1, "sh");
	hand_fork(&f->h, 10, 1, 2);
	hand_exec(&f->h, 11, 2, "configure");
	exit_(f, 100, 2);
	hand_fork(&f->h, 110, 1, 3);
	hand_exec(&f->h, 111, 3, "make");
	exit_(f, 300, 3);
	hand_fork(&f->h, 310, 1, 4);
	hand_exec(&f->h, 311, 4, "check");
	exit_(f, 400, 4);
	exit_(f, 420, 1);
	build(f, 0);
	/* sh waits 90 + 190 + 90 ns of its 420 */
	assert_string_equal(path(f), "1:0-420/370 2:10-100/0 3:110-300/0 4:310-400/0");
	out = view(f, false);
	assert_non_null(strstr(out, "critical path of pid 1: 4 processes, from 0 ns to 420 ns (420 ns)\n"));
	assert_non_null(strstr(out, "\n          0 ns       420 ns        50 ns       370 ns        1  sh: sh\n"));
	assert_non_null(strstr(out, "\n        110 ns       300 ns       190 ns         0 ns        3    make: make\n"));
	assert_null(strstr(out, "outliving"));
}

/*
 * A background job that outlives the root is not on the path (the root did
 * not wait for it) but is reported beside it; a child that ended before
 * the root went on still is.
 */
static void test_background_job_outlives_root(void **state)
{
	struct fixture *f = *state;
	const char *out;

	hand_exec(&f->h, 0, 1, "sh");
	hand_fork(&f->h, 10, 1, 2);
	hand_exec(&f->h, 11, 2, "daemon");      /* sh ... & */
	hand_fork(&f->h, 20, 2, 3);             /* the daemon's worker, outlives too */
	hand_fork(&f->h, 30, 1, 4);
	hand_exec(&f->h, 31, 4, "step");
	exit_(f, 60, 4);
	exit_(f, 100, 1);
	exit_(f, 500, 3);
	exit_(f, 700, 2);
	build(f, 0);
	assert_string_equal(path(f), "1:0-100/30 4:30-60/0");
	out = view(f, false);
	assert_non_null(strstr(out, "\noutliving the root (not on the path: the root did not wait for it): 1\n"));
	assert_non_null(strstr(out, "        2  daemon: daemon\n"));
	/* only the top of what outlived the root: not its worker */
	assert_null(strstr(out, "        3  daemon"));
	out = view(f, true);
	assert_non_null(strstr(out, "\"outliving_root\":[{\"pid\":2,\"command\":\"daemon\",\"argv\":[\"daemon\"],"
				    "\"start_ns\":10,\"end_ns\":700,\"running_at_end\":false}]"));
	assert_non_null(strstr(out, "\"links\":[{\"pid\":1,"));
}

/* An Exit not recorded: the process ends where the model ends it; with --pid the path starts there. */
static void test_missing_exit_and_pid(void **state)
{
	struct fixture *f = *state;

	hand_exec(&f->h, 0, 1, "make");
	hand_fork(&f->h, 10, 1, 2);
	hand_exec(&f->h, 11, 2, "cc");
	hand_fork(&f->h, 20, 2, 3);
	hand_exec(&f->h, 21, 3, "cc1");         /* its Exit was lost: its pid is taken again at 50 */
	exit_(f, 60, 2);
	hand_fork(&f->h, 50, 1, 3);
	exit_(f, 55, 3);
	exit_(f, 100, 1);
	/* events are in time order once sorted; this hand recording is built sorted but one */
	recording_sort(&f->h.rec);
	build(f, 0);
	assert_string_equal(path(f), "1:0-100/50 2:10-60/30 3:20-50/0");
	build(f, 2);
	assert_string_equal(path(f), "2:10-60/30 3:20-50/0");
	/* --pid 3@2: the second process that had pid 3, forked at 50 */
	trace_free(f->t);
	assert_int_equal(trace_build_nth(&f->t, &f->h.rec, 3, 2), 0);
	assert_int_equal(f->t->root->start, 50);
	assert_false(f->t->root_is_recorded);
	assert_string_equal(path(f), "3:50-55/0");
	trace_free(f->t);
	f->t = NULL;
	assert_int_equal(trace_build_nth(&f->t, &f->h.rec, 3, 3), -ESRCH);
	assert_null(f->t);
	assert_int_equal(trace_build_nth(&f->t, &f->h.rec, 1, 1), 0);
	assert_true(f->t->root_is_recorded);
}

/*
 * A child already running (start -5000) when its parent was first seen
 * (an Exec at 100): its stretch starts at the parent's, so the parent's
 * own time is not negative.
 */
static void test_running_child_before_parent(void **state)
{
	struct fixture *f = *state;

	f->h.rec.hdr.root_pid = 50;
	hand_exec(&f->h, 100, 50, "make");
	hand_running(&f->h, 200, 60, 50, -5000, "cc");
	exit_(f, 350, 60);
	exit_(f, 400, 50);
	build(f, 50);
	assert_string_equal(path(f), "50:100-400/250 60:100-350/0");
	assert_non_null(strstr(view(f, true), "\"own_ns\":50,\"wait_ns\":250"));
}

/* No process: no path, and the view says so. */
static void test_empty(void **state)
{
	struct fixture *f = *state;

	f->h.rec.has_header = false;
	build(f, 0);
	assert_int_equal(f->t->ncrit, 0);
	assert_string_equal(view(f, false), "critical path: none (no process)\n");
	assert_string_equal(view(f, true), "{\"critical_path_format\":1,\"root\":null,\"links\":[],\"outliving_root\":[]}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_make_j2_slowest_compile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_three_sequential_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_background_job_outlives_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_exit_and_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_running_child_before_parent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
