/* tests/test_sample.c: the Sample event: written, read back, and given to its process by the model. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "formats/recording.h"
#include "render/trace.h"
#include "tests/hand_recording.h"

struct fixture {
	struct hand_recording h;
	struct trace *t;
	struct recording *r;
	struct sbuf b;
	char path[64];
	char *err; /* what the last captured call printed on stderr */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int fd;

	if (!f)
		return -1;
	hand_init(&f->h);
	strcpy(f->path, "/tmp/test_sample.XXXXXX");
	fd = mkstemp(f->path);
	if (fd < 0)
		return -1;
	close(fd);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	trace_free(f->t);
	recording_free(f->r);
	sbuf_free(&f->b);
	unlink(f->path);
	free(f->err);
	free(f);
	return 0;
}

/* stderr into a temporary file until stop_capture(), which reads it into f->err. */
static int capture(void)
{
	char tmpl[] = "/tmp/test_sample.err.XXXXXX";
	int fd = mkstemp(tmpl), saved;

	assert_true(fd >= 0);
	unlink(tmpl);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	return saved;
}

static void stop_capture(struct fixture *f, int saved)
{
	off_t n;

	fflush(stderr);
	n = lseek(STDERR_FILENO, 0, SEEK_END);
	free(f->err);
	f->err = calloc(1, (size_t)n + 1);
	assert_non_null(f->err);
	assert_int_equal(pread(STDERR_FILENO, f->err, (size_t)n, 0), n);
	dup2(saved, STDERR_FILENO);
	close(saved);
}

static void assert_err_has(const struct fixture *f, const char *want)
{
	if (!strstr(f->err, want))
		fail_msg("stderr is '%s', expected it to contain '%s'", f->err, want);
}

static int load(struct fixture *f, const char *text)
{
	FILE *fp = fopen(f->path, "w");
	int saved, ret;

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	recording_free(f->r);
	f->r = NULL;
	saved = capture();
	ret = recording_load(&f->r, f->path);
	stop_capture(f, saved);
	return ret;
}

static void build(struct fixture *f)
{
	int saved;

	trace_free(f->t);
	f->t = NULL;
	saved = capture();
	assert_int_equal(trace_build(&f->t, &f->h.rec, 0), 0);
	stop_capture(f, saved);
}

/* ------------------------------------------------------------------ writer */

static const char sample_line[] =
	"{\"Sample\":{\"seq\":9,\"timestamp\":2000000000,\"pid\":42,\"user_ns\":1500000,"
	"\"system_ns\":250000,\"rss_kb\":307200,\"swap_kb\":4096,\"threads\":3}}\n";

static void test_write(void **state)
{
	struct fixture *f = *state;
	struct event ev = {
		.type = EV_SAMPLE, .flags = EVF_SEQ, .seq = 9, .ts = 2000000000, .pid = 42,
		.u.sample = { .user_ns = 1500000, .system_ns = 250000, .rss_kb = 307200,
			      .swap_kb = 4096, .threads = 3 },
	};
	struct rec_header h = { .format = 1, .tool = "t", .root_pid = 42, .start_time = "s",
				.host = "h", .kernel = "k" };

	/* the memory budget of a view is counted per event: a Sample takes no more room */
	assert_int_equal(sizeof(struct event), 64);
	assert_int_equal(jsonl_write_event(&f->b, &ev), 0);
	assert_int_equal(f->b.len, strlen(sample_line));
	assert_memory_equal(f->b.buf, sample_line, f->b.len);
	f->b.len = 0;
	assert_int_equal(jsonl_write_header(&f->b, &h), 0);
	assert_null(memmem(f->b.buf, f->b.len, "sample_interval_ns", 18));
	f->b.len = 0;
	h.sample_interval_ns = 1000000000;
	assert_int_equal(jsonl_write_header(&f->b, &h), 0);
	assert_memory_equal(f->b.buf,
			    "{\"Recording\":{\"format\":1,\"tool\":\"t\",\"root_pid\":42,\"command\":[],"
			    "\"start_time\":\"s\",\"host\":\"h\",\"kernel\":\"k\",\"sample_interval_ns\":1000000000}}\n",
			    f->b.len);
}

/* ------------------------------------------------------------------ reader */

static void test_read(void **state)
{
	struct fixture *f = *state;
	char text[1024];
	const struct event *e;

	snprintf(text, sizeof(text),
		 "{\"Recording\":{\"format\":1,\"root_pid\":42,\"sample_interval_ns\":10000000}}\n"
		 "{\"Exec\":{\"seq\":1,\"timestamp\":5,\"pid\":42,\"cmdline\":[\"x\"]}}\n"
		 "\n%s"
		 /* the slow path (a non-ASCII key elsewhere on the line) reads it the same */
		 "{\"Sample\":{\"timestamp\":7,\"pid\":42,\"user_ns\":0,\"system_ns\":0,\"rss_kb\":0,"
		 "\"swap_kb\":4294967295,\"threads\":0,\"\u00e9\":1}}\n"
		 "{\"End\":{\"timestamp\":2000000001}}\n",
		 sample_line);
	assert_int_equal(load(f, text), 0);
	assert_string_equal(f->err, "");
	assert_int_equal(f->r->hdr.sample_interval_ns, 10000000);
	assert_int_equal(f->r->n, 3);
	e = &f->r->ev[1];
	assert_int_equal(e->type, EV_SAMPLE);
	assert_int_equal(e->flags, EVF_SEQ);
	assert_int_equal(e->seq, 9);
	assert_int_equal(e->ts, 2000000000);
	assert_int_equal(e->pid, 42);
	assert_int_equal(e->u.sample.user_ns, 1500000);
	assert_int_equal(e->u.sample.system_ns, 250000);
	assert_int_equal(e->u.sample.rss_kb, 307200);
	assert_int_equal(e->u.sample.swap_kb, 4096);
	assert_int_equal(e->u.sample.threads, 3);
	assert_int_equal(e->line, 4);
	assert_int_equal(f->r->ev[2].u.sample.swap_kb, UINT32_MAX);
	assert_int_equal(f->r->ev[2].line, 5);
	/* sorting moves a Sample with its line */
	recording_sort(f->r);
	assert_int_equal(f->r->ev[1].ts, 7);
	assert_int_equal(f->r->ev[1].line, 5);
	assert_int_equal(f->r->ev[2].line, 4);
	/* written back as it was read */
	assert_int_equal(jsonl_write_event(&f->b, &f->r->ev[2]), 0);
	assert_memory_equal(f->b.buf, sample_line, f->b.len);
}

static void test_read_errors(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "{\"Sample\":{\"timestamp\":1,\"user_ns\":1,\"system_ns\":1,\"rss_kb\":1,\"swap_kb\":1,\"threads\":1}}\n",
		  ":1: Sample: missing \"pid\"" },
		{ "{\"Sample\":{\"timestamp\":1,\"pid\":2,\"system_ns\":1,\"rss_kb\":1,\"swap_kb\":1,\"threads\":1}}\n",
		  ":1: Sample: missing \"user_ns\"" },
		{ "{\"Sample\":{\"timestamp\":1,\"pid\":2,\"user_ns\":1,\"rss_kb\":1,\"swap_kb\":1,\"threads\":1}}\n",
		  ":1: Sample: missing \"system_ns\"" },
		{ "{\"Sample\":{\"timestamp\":1,\"pid\":2,\"user_ns\":1,\"system_ns\":1,\"swap_kb\":1,\"threads\":1}}\n",
		  ":1: Sample: missing \"rss_kb\"" },
		{ "{\"Sample\":{\"timestamp\":1,\"pid\":2,\"user_ns\":1,\"system_ns\":1,\"rss_kb\":1,\"threads\":1}}\n",
		  ":1: Sample: missing \"swap_kb\"" },
		{ "{\"Sample\":{\"timestamp\":1,\"pid\":2,\"user_ns\":1,\"system_ns\":1,\"rss_kb\":1,\"swap_kb\":1}}\n",
		  ":1: Sample: missing \"threads\"" },
		{ "{\"Sample\":{\"pid\":2,\"user_ns\":1,\"system_ns\":1,\"rss_kb\":1,\"swap_kb\":1,\"threads\":1}}\n",
		  ":1: Sample: missing \"timestamp\"" },
		{ "{\"Sample\":{\"timestamp\":1,\"pid\":2,\"user_ns\":-1,\"system_ns\":1,\"rss_kb\":1,\"swap_kb\":1,\"threads\":1}}\n",
		  ":1: Sample: \"user_ns\" is out of range (-1)" },
		{ "{\"Sample\":{\"timestamp\":1,\"pid\":2,\"user_ns\":1,\"system_ns\":1,\"rss_kb\":1,\"swap_kb\":4294967296,\"threads\":1}}\n",
		  ":1: Sample: \"swap_kb\" is out of range (4294967296)" },
		{ "{\"Sample\":{\"timestamp\":1,\"pid\":2,\"user_ns\":1,\"system_ns\":1,\"rss_kb\":1,\"swap_kb\":1,\"threads\":-2}}\n",
		  ":1: Sample: \"threads\" is out of range (-2)" },
		{ "{\"Sample\":{\"timestamp\":1,\"pid\":2,\"user_ns\":1,\"system_ns\":1,\"rss_kb\":\"1\",\"swap_kb\":1,\"threads\":1}}\n",
		  ":1: Sample: \"rss_kb\" is not an integer" },
		{ "{\"Sample\":{\"timestamp\":1,\"pid\":2,\"user_ns\":1,\"system_ns\":1.5,\"rss_kb\":1,\"swap_kb\":1,\"threads\":1}}\n",
		  ":1: Sample: \"system_ns\" is not an integer" },
		{ "{\"Sample\":{\"timestamp\":1,\"pid\":2,\"pid\":3,\"user_ns\":1,\"system_ns\":1,\"rss_kb\":1,\"swap_kb\":1,\"threads\":1}}\n",
		  ":1: Sample: \"pid\" given twice" },
		{ "{\"Sample\":[]}\n", ":1: Sample: expected an object" },
		{ "{\"Recording\":{\"format\":1,\"sample_interval_ns\":0}}\n",
		  ":1: Recording: \"sample_interval_ns\" is out of range (0)" },
		{ "{\"Recording\":{\"format\":1,\"sample_interval_ns\":\"1s\"}}\n",
		  ":1: Recording: \"sample_interval_ns\" is not an integer" },
	};
	struct fixture *f = *state;
	char want[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(load(f, cases[i].text), -EINVAL);
		assert_null(f->r);
		snprintf(want, sizeof(want), "proctrace: error: %s%s", f->path, cases[i].msg);
		assert_err_has(f, want);
	}
}

/* ------------------------------------------------------------------ model */

static void exit_(struct fixture *f, uint64_t ts, int32_t pid)
{
	hand_add(&f->h, EV_EXIT, ts, pid)->flags |= EVF_STATUS;
}

/* A Sample belongs to the process live under its pid, a reused pid's new holder included. */
static void test_model_attributes_samples(void **state)
{
	struct fixture *f = *state;
	const struct event *ev = f->h.ev;
	const struct proc *root, *a, *b;

	f->h.rec.has_header = true;
	f->h.rec.hdr.format = 1;
	f->h.rec.hdr.root_pid = 1;
	hand_exec(&f->h, 1, 1, "sh");           /* 0 */
	hand_fork(&f->h, 2, 1, 2);              /* 1 */
	hand_sample(&f->h, 3, 1, 10, 100, 1);   /* 2 */
	hand_sample(&f->h, 3, 2, 10, 100, 1);   /* 3 */
	exit_(f, 4, 2);                         /* 4 */
	hand_fork(&f->h, 5, 1, 2);              /* 5: pid 2 again */
	hand_sample(&f->h, 6, 2, 20, 200, 2);   /* 6 */
	exit_(f, 7, 2);                         /* 7 */
	exit_(f, 8, 1);                         /* 8 */
	build(f);
	assert_string_equal(f->err, "");
	assert_int_equal(f->t->nprocs, 3);
	root = &f->t->procs[0];
	a = &f->t->procs[1];
	b = &f->t->procs[2];
	assert_ptr_equal(f->t->proc_of_event[2], root);
	assert_ptr_equal(f->t->proc_of_event[3], a);
	assert_ptr_equal(f->t->proc_of_event[6], b);
	/* a Sample changes nothing else: no exec, no end */
	assert_int_equal(a->nexec, 0);
	assert_int_equal(a->end, 4);
	assert_int_equal(b->end, 7);
	assert_int_equal(root->first_event, 0);
	assert_ptr_equal(a->exit, &ev[4]);
}

/*
 * A Sample that fits no process (unknown pid, or after its process's Exit)
 * is left out with a warning naming its line, and makes no process.
 */
static void test_model_stray_samples(void **state)
{
	struct fixture *f = *state;
	struct event *late;

	f->h.rec.has_header = true;
	f->h.rec.hdr.format = 1;
	f->h.rec.hdr.root_pid = 1;
	hand_exec(&f->h, 1, 1, "sh");           /* 0 */
	hand_sample(&f->h, 2, 77, 10, 100, 1);  /* 1: no such pid */
	exit_(f, 4, 1);                         /* 2 */
	late = hand_sample(&f->h, 5, 1, 10, 100, 1); /* 3: after the Exit */
	late->line = 12;
	build(f);
	assert_int_equal(f->t->nprocs, 1);
	assert_null(f->t->proc_of_event[1]);
	assert_null(f->t->proc_of_event[3]);
	assert_ptr_equal(f->t->proc_of_event[2], &f->t->procs[0]);
	assert_err_has(f, "proctrace: warning: test.jsonl:2: Sample for pid 77 at 2 ns: no such process then; left out\n");
	assert_err_has(f, "proctrace: warning: test.jsonl: 1 more Sample fits no process; left out\n");

	/* alone, the late one is said in full */
	f->h.ev[1].pid = 1;
	f->h.ev[1].ts = 3;
	build(f);
	assert_ptr_equal(f->t->proc_of_event[1], &f->t->procs[0]);
	assert_string_equal(f->err, "proctrace: warning: test.jsonl:12: Sample for pid 1 at 5 ns: after its "
			    "Exit (at 4 ns); left out\n");
	/* a Sample read from no file has no line to name */
	late->line = 0;
	build(f);
	assert_err_has(f, "proctrace: warning: test.jsonl: Sample for pid 1 at 5 ns");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_model_attributes_samples, setup, teardown),
		cmocka_unit_test_setup_teardown(test_model_stray_samples, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
