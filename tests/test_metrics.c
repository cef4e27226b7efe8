/* tests/test_metrics.c: the metrics view (TSV over time) on recordings built by hand. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "render/trace.h"
#include "tests/hand_recording.h"

#define MS 1000000ull
#define HEAD "time_s\tprocesses\tthreads\tcores_busy\trss_kb\tswap_kb\n"

struct fixture {
	struct hand_recording h;
	struct trace *t;
	char *out;  /* the view's output */
	char *err;  /* and its stderr */
	int ret;
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
	free(f->err);
	free(f);
	return 0;
}

static void exit_cpu(struct fixture *f, uint64_t ts, int32_t pid, uint64_t cpu_ns)
{
	struct event *ev = hand_add(&f->h, EV_EXIT, ts, pid);

	ev->flags |= EVF_STATUS | EVF_RUSAGE;
	ev->u.exit.user_ns = cpu_ns;
}

/* Render the metrics with --interval interval (0: the default) into f->out, stderr into f->err. */
static void render(struct fixture *f, uint64_t interval)
{
	struct render_opts o = { .interval_ns = interval };
	char tmpl[] = "/tmp/test_metrics.XXXXXX";
	size_t len = 0;
	FILE *out;
	int fd = mkstemp(tmpl), saved;
	off_t n;

	assert_true(fd >= 0);
	unlink(tmpl);
	free(f->out);
	free(f->err);
	trace_free(f->t);
	f->t = NULL;
	out = open_memstream(&f->out, &len);
	assert_non_null(out);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	assert_int_equal(trace_build(&f->t, &f->h.rec, 0), 0);
	f->ret = render_metrics(out, f->t, &o);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	assert_int_equal(fclose(out), 0);
	n = lseek(fd, 0, SEEK_END);
	f->err = calloc(1, (size_t)n + 1);
	assert_int_equal(pread(fd, f->err, (size_t)n, 0), n);
	close(fd);
}

/*
 * Without Samples: processes from forks and exits, cores busy from each
 * Exit's CPU spread over the process's life, threads and memory empty
 * (and said so on stderr).
 */
static void test_without_samples(void **state)
{
	struct fixture *f = *state;

	hand_exec(&f->h, 0, 1, "sh");
	hand_fork(&f->h, 10 * MS, 1, 2);
	hand_exec(&f->h, 11 * MS, 2, "cc");
	exit_cpu(f, 30 * MS, 2, 20 * MS);  /* one core for its 20 ms */
	exit_cpu(f, 100 * MS, 1, 50 * MS); /* half a core over 100 ms */
	render(f, 10 * MS);
	assert_int_equal(f->ret, 0);
	assert_string_equal(f->out, HEAD
			    "0.000\t1\t\t0.500\t\t\n"
			    "0.010\t2\t\t1.500\t\t\n"
			    "0.020\t2\t\t1.500\t\t\n"
			    /* cc is alive until its Exit at 0.030 */
			    "0.030\t2\t\t0.500\t\t\n"
			    "0.040\t1\t\t0.500\t\t\n"
			    "0.050\t1\t\t0.500\t\t\n"
			    "0.060\t1\t\t0.500\t\t\n"
			    "0.070\t1\t\t0.500\t\t\n"
			    "0.080\t1\t\t0.500\t\t\n"
			    "0.090\t1\t\t0.500\t\t\n"
			    "0.100\t1\t\t0.000\t\t\n");
	assert_string_equal(f->err, "proctrace: warning: test.jsonl: no Samples (recorded without sampling): "
			    "threads, rss_kb and swap_kb are left empty, processes and cores_busy come from "
			    "forks and exits\n");
	/* the default interval is 1s: everything in one row */
	render(f, 0);
	assert_string_equal(f->out, HEAD "0.000\t2\t\t0.070\t\t\n");
}

/*
 * With Samples: a process's CPU in pieces between its Samples and Exit;
 * a process too short to be sampled counted from its Exit; memory and
 * threads from the rounds, carried through rows without one, gone with
 * the process.
 */
static void test_with_samples(void **state)
{
	struct fixture *f = *state;

	f->h.rec.hdr.sample_interval_ns = 100 * MS;
	hand_exec(&f->h, 0, 1, "sh");
	hand_fork(&f->h, 10 * MS, 1, 2);
	hand_exec(&f->h, 10 * MS, 2, "hog");
	hand_sample(&f->h, 100 * MS, 1, 0, 1000, 1);
	hand_sample(&f->h, 100 * MS, 2, 45 * MS, 5000, 2);  /* 45 ms over its first 90 */
	hand_fork(&f->h, 150 * MS, 1, 3);
	exit_cpu(f, 160 * MS, 3, 10 * MS);                  /* never sampled: 1 core for 10 ms */
	hand_sample(&f->h, 200 * MS, 1, 0, 1000, 1);
	hand_sample(&f->h, 200 * MS, 2, 245 * MS, 300000, 2); /* 2 cores */
	exit_cpu(f, 250 * MS, 2, 270 * MS);                 /* half a core until its Exit */
	exit_cpu(f, 390 * MS, 1, 0);
	render(f, 0);
	assert_int_equal(f->ret, 0);
	assert_string_equal(f->err, "");
	assert_string_equal(f->out, HEAD
			    "0.000\t2\t0\t0.450\t0\t0\n"
			    "0.100\t3\t3\t2.100\t6000\t0\n"
			    "0.200\t2\t3\t0.250\t301000\t0\n"
			    /* a row with no round shows the sums at its end: none, sh has exited */
			    "0.300\t1\t0\t0.000\t0\t0\n");
	/* finer rows: the sums carry between rounds, and drop with the process */
	render(f, 50 * MS);
	assert_string_equal(f->out, HEAD
			    "0.000\t2\t0\t0.400\t0\t0\n"
			    "0.050\t2\t0\t0.500\t0\t0\n"
			    "0.100\t2\t3\t2.000\t6000\t0\n"
			    "0.150\t3\t3\t2.200\t6000\t0\n"
			    "0.200\t2\t3\t0.500\t301000\t0\n"
			    "0.250\t2\t1\t0.000\t1000\t0\n"
			    "0.300\t1\t1\t0.000\t1000\t0\n"
			    "0.350\t1\t0\t0.000\t0\t0\n");
	/* coarser rows: the largest round in each */
	render(f, 1000 * MS);
	assert_string_equal(f->out, HEAD "0.000\t3\t3\t0.280\t301000\t0\n");
}

/* CPU that goes down from one Sample to the next, or at the Exit, counts as none used, with a warning. */
static void test_cpu_going_down(void **state)
{
	struct fixture *f = *state;

	hand_exec(&f->h, 0, 1, "sh");
	hand_sample(&f->h, 100 * MS, 1, 80 * MS, 10, 1);
	hand_sample(&f->h, 200 * MS, 1, 30 * MS, 10, 1);
	hand_sample(&f->h, 300 * MS, 1, 90 * MS, 10, 1); /* 10 ms more than the most seen */
	exit_cpu(f, 400 * MS, 1, 50 * MS);
	render(f, 100 * MS);
	assert_string_equal(f->out, HEAD
			    "0.000\t1\t0\t0.800\t0\t0\n"
			    "0.100\t1\t1\t0.000\t10\t0\n"
			    "0.200\t1\t1\t0.100\t10\t0\n"
			    "0.300\t1\t1\t0.000\t10\t0\n"
			    "0.400\t1\t0\t0.000\t0\t0\n");
	assert_string_equal(f->err,
			    "proctrace: warning: test.jsonl:3: Sample for pid 1: CPU time went down "
			    "(30000000 ns, after 80000000); counted as no CPU used\n"
			    "proctrace: warning: test.jsonl: CPU time went down 1 more time; counted as no CPU used\n");
}

/* A process whose pid was taken again without its Exit ends there, its Samples with it. */
static void test_lost_exit(void **state)
{
	struct fixture *f = *state;

	f->h.rec.hdr.sample_interval_ns = 100 * MS;
	hand_exec(&f->h, 0, 1, "sh");
	hand_fork(&f->h, 10 * MS, 1, 2);
	hand_sample(&f->h, 100 * MS, 2, 0, 700, 1);
	hand_fork(&f->h, 250 * MS, 1, 2); /* pid 2 again: the first one's Exit was lost */
	hand_sample(&f->h, 300 * MS, 2, 0, 50, 1);
	render(f, 0);
	assert_string_equal(f->out, HEAD
			    "0.000\t2\t0\t0.000\t0\t0\n"
			    "0.100\t2\t1\t0.000\t700\t0\n"
			    "0.200\t2\t0\t0.000\t0\t0\n"
			    "0.300\t2\t1\t0.000\t50\t0\n");
}

/* Empty, a header alone, and a process that never exec'd are all views of their own. */
static void test_degenerate(void **state)
{
	struct fixture *f = *state;

	f->h.rec.has_header = false;
	render(f, 0);
	assert_int_equal(f->ret, 0);
	assert_string_equal(f->out, HEAD);
	f->h.rec.has_header = true;
	render(f, 0);
	assert_string_equal(f->out, HEAD "0.000\t1\t\t0.000\t\t\n");
	f->h.rec.hdr.sample_interval_ns = MS;
	render(f, 0);
	assert_string_equal(f->out, HEAD "0.000\t1\t0\t0.000\t0\t0\n");
	/* forked, never exec'd */
	hand_fork(&f->h, 2 * MS, 1, 2);
	exit_cpu(f, 3 * MS, 2, MS);
	render(f, 0);
	assert_string_equal(f->out, HEAD
			    "0.002\t2\t0\t1.000\t0\t0\n"
			    "0.003\t2\t0\t0.000\t0\t0\n");
}

/* Rows at the time stamps of the recording, rounded to the millisecond, from where it starts. */
static void test_times(void **state)
{
	struct fixture *f = *state;

	hand_exec(&f->h, 7200000000000ull + 1499999, 1, "sh");
	exit_cpu(f, 7200000000000ull + 3 * MS, 1, 0);
	render(f, 1500000);
	assert_string_equal(f->out, HEAD
			    "7200.000\t1\t\t0.000\t\t\n"
			    "7200.002\t1\t\t0.000\t\t\n"
			    "7200.003\t1\t\t0.000\t\t\n");
}

/* An interval that would make more than a million rows (and than events) is an error, not the rows. */
static void test_too_many_rows(void **state)
{
	struct fixture *f = *state;

	hand_exec(&f->h, 0, 1, "sh");
	exit_cpu(f, 1001ull * 1000 * MS, 1, 0);
	render(f, MS);
	assert_int_equal(f->ret, -E2BIG);
	assert_string_equal(f->out, HEAD);
	assert_non_null(strstr(f->err, "proctrace: error: metrics: an interval of 1000000 ns makes more "
				       "than 1000000 rows of the recording's 1001.000 s: choose a longer --interval\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_without_samples, setup, teardown),
		cmocka_unit_test_setup_teardown(test_with_samples, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_going_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_degenerate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_rows, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
