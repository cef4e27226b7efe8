/* tests/test_perfetto.c: the perfetto view on recordings built event by event, read back with jansson. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "render/trace.h"
#include "tests/hand_recording.h"

#define MS 1000000ull

struct fx {
	struct hand_recording h;
	struct trace *t;
	struct render_opts o;
	char *out;
	json_t *json;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	hand_init(&f->h);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	trace_free(f->t);
	free(f->out);
	json_decref(f->json);
	free(f);
	return 0;
}

static void hand_exit(struct fx *f, uint64_t ts, int32_t pid, int code, bool signaled)
{
	struct event *ev = hand_add(&f->h, EV_EXIT, ts, pid);

	ev->flags |= EVF_STATUS | EVF_RUSAGE | (signaled ? EVF_SIGNALED : 0);
	ev->u.exit.code = code;
	ev->u.exit.user_ns = 1234567;
	ev->u.exit.system_ns = 1000;
	ev->u.exit.max_rss_kb = 2048;
}

/* cmocka 1.1 has no assert for doubles. */
#define assert_near(got, want)                                                     \
	do {                                                                       \
		double d_ = (double)(got) - (double)(want);                        \
		if (d_ > 1e-9 || d_ < -1e-9)                                       \
			fail_msg("%s is %.9f, want %.9f", #got, (double)(got), (double)(want)); \
	} while (0)

static void build(struct fx *f)
{
	if (!f->t)
		assert_int_equal(trace_build(&f->t, &f->h.rec, 0), 0);
}

/* Render the model into f->out, which must be one JSON object: f->json. */
static json_t *render(struct fx *f)
{
	json_error_t jerr;
	size_t len = 0;
	FILE *out;

	build(f);
	free(f->out);
	json_decref(f->json);
	f->out = NULL;
	out = open_memstream(&f->out, &len);
	assert_non_null(out);
	assert_int_equal(render_perfetto(out, f->t, &f->o), 0);
	assert_int_equal(fclose(out), 0);
	f->json = json_loadb(f->out, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!f->json)
		fail_msg("not JSON: %s at %d: %s", jerr.text, jerr.position, f->out);
	assert_string_equal(json_string_value(json_object_get(f->json, "displayTimeUnit")), "ms");
	assert_true(json_is_array(json_object_get(f->json, "traceEvents")));
	return json_object_get(f->json, "traceEvents");
}

/* The index-th event (0-based) with phase ph and, if name is set, that name. */
static json_t *event(json_t *evs, const char *ph, const char *name, size_t index)
{
	size_t i;
	json_t *e;

	json_array_foreach(evs, i, e) {
		const char *n = json_string_value(json_object_get(e, "name"));

		if (strcmp(json_string_value(json_object_get(e, "ph")), ph))
			continue;
		if (name && (!n || strcmp(n, name)))
			continue;
		if (!index--)
			return e;
	}
	return NULL;
}

static size_t count(json_t *evs, const char *ph)
{
	size_t i, n = 0;
	json_t *e;

	json_array_foreach(evs, i, e)
		n += !strcmp(json_string_value(json_object_get(e, "ph")), ph);
	return n;
}

/* Slices of category cat only (the critical path's track has its own). */
static size_t count_cat(json_t *evs, const char *ph, const char *cat)
{
	size_t i, n = 0;
	json_t *e;

	json_array_foreach(evs, i, e) {
		const char *c = json_string_value(json_object_get(e, "cat"));

		n += !strcmp(json_string_value(json_object_get(e, "ph")), ph) && c && !strcmp(c, cat);
	}
	return n;
}

static json_t *arg(json_t *e, const char *key)
{
	return json_object_get(json_object_get(e, "args"), key);
}

/* sh (pid 1) runs env then make (two images); make forks a subshell (never execs) and cc, which fails. */
static void build_small(struct fx *f)
{
	hand_exec(&f->h, 1000, 1, "sh");
	hand_fork(&f->h, 2500, 1, 2);
	hand_exec(&f->h, 3000, 2, "env");
	hand_exec(&f->h, 1234567, 2, "make");
	hand_fork(&f->h, 2 * MS, 2, 3);
	hand_fork(&f->h, 3 * MS, 2, 4);
	hand_exec(&f->h, 3 * MS + 1, 4, "cc");
	hand_exit(f, 4 * MS, 3, 0, false);
	hand_exit(f, 5 * MS, 4, 1, false);
	hand_exit(f, 6 * MS, 2, 2, false);
	hand_exit(f, 7 * MS, 1, 0, false);
}

static void test_one_slice_per_image(void **state)
{
	struct fx *f = *state;
	json_t *evs, *e;

	build_small(f);
	evs = render(f);
	/* sh, env, make, the subshell, cc; and sh, make, cc again on the critical path's track */
	assert_int_equal(count_cat(evs, "X", "process"), 5);
	assert_int_equal(count_cat(evs, "X", "critical_path"), 3);
	e = event(evs, "X", "env", 0);
	assert_non_null(e);
	/* µs with the nanoseconds as decimals */
	assert_non_null(strstr(f->out, "\"ts\":3,\"dur\":1231.567,\"name\":\"env\""));
	assert_string_equal(json_string_value(arg(e, "image")), "1 of 2");
	assert_string_equal(json_string_value(arg(e, "status")), "replaced by the next exec");
	assert_null(arg(e, "cpu_user_ms"));
	e = event(evs, "X", "[exit 2] make", 0);
	assert_non_null(e);
	assert_string_equal(json_string_value(json_object_get(e, "cname")), "terrible");
	assert_int_equal(json_integer_value(arg(e, "exit_code")), 2);
	assert_near(json_real_value(arg(e, "cpu_user_ms")), 1.234);
	assert_near(json_real_value(arg(e, "cpu_system_ms")), 0.001);
	assert_int_equal(json_integer_value(arg(e, "max_rss_kb")), 2048);
	assert_int_equal(json_integer_value(arg(e, "ppid")), 1);
	assert_string_equal(json_string_value(arg(e, "parent")), "sh (pid 1)");
	e = event(evs, "X", "(fork) make", 0);
	assert_non_null(e);
	assert_string_equal(json_string_value(arg(e, "status")), "exit 0");
	assert_null(arg(e, "argv"));
	assert_non_null(event(evs, "X", "[exit 1] cc", 0));
}

/* Slices of processes alive together are on different lanes; a lane is reused once free. */
static void test_lanes(void **state)
{
	struct fx *f = *state;
	json_t *evs;

	build_small(f);
	evs = render(f);
	/* sh and make hold lanes 1 and 2; the subshell and cc overlap: lanes 3 and 4 */
	assert_int_equal(json_integer_value(json_object_get(event(evs, "X", "sh", 0), "tid")), 2);
	assert_int_equal(json_integer_value(json_object_get(event(evs, "X", "env", 0), "tid")), 3);
	assert_int_equal(json_integer_value(json_object_get(event(evs, "X", "(fork) make", 0), "tid")), 4);
	assert_int_equal(json_integer_value(json_object_get(event(evs, "X", "[exit 1] cc", 0), "tid")), 5);
	/* the critical path's track is named first */
	assert_string_equal(json_string_value(arg(event(evs, "M", "thread_name", 0), "name")), "critical path");
	assert_string_equal(json_string_value(arg(event(evs, "M", "thread_name", 4), "name")), "lane 4");
	assert_null(event(evs, "M", "thread_name", 5));
	assert_string_equal(json_string_value(arg(event(evs, "M", "process_name", 0), "name")), "sh (pid 1)");
}

/* One flow per process with a parent: from the parent's slice at the fork to the child's first. */
static void test_flows(void **state)
{
	struct fx *f = *state;
	json_t *evs, *s, *e;

	build_small(f);
	evs = render(f);
	assert_int_equal(count(evs, "s"), 3);
	assert_int_equal(count(evs, "f"), 3);
	/* cc (pid 4) was forked while make ran: from make's slice (at 1234.567 µs) */
	s = event(evs, "s", "fork", 2);
	e = event(evs, "f", "fork", 2);
	assert_int_equal(json_integer_value(json_object_get(s, "id")),
			 json_integer_value(json_object_get(e, "id")));
	assert_near(json_number_value(json_object_get(s, "ts")), 1234.567);
	assert_int_equal(json_integer_value(json_object_get(s, "tid")), 3);
	assert_near(json_number_value(json_object_get(e, "ts")), 3000.001);
	assert_int_equal(json_integer_value(json_object_get(e, "tid")), 5);
	assert_string_equal(json_string_value(json_object_get(e, "bp")), "e");
}

static void test_counter(void **state)
{
	struct fx *f = *state;
	static const int want[] = { 1, 2, 3, 4, 3, 2, 1, 0 };
	json_t *evs, *c;
	size_t n = 0;

	build_small(f);
	evs = render(f);
	while ((c = event(evs, "C", "processes", n))) {
		assert_true(n < sizeof(want) / sizeof(want[0]));
		assert_int_equal(json_integer_value(arg(c, "running")), want[n]);
		n++;
	}
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
}

/* Whatever argv holds, the output is JSON and argv reads back (bad bytes as U+FFFD). */
static void test_hostile_argv(void **state)
{
	struct fx *f = *state;
	static const char *argv[] = { "x\"y\\z", "\033[2J\n\t\x01\x7f", "\xff\xc3(", "\xed\xa0\x80", "é中" };
	struct event *ev;
	json_t *evs, *a;

	ev = hand_exec(&f->h, 1, 1, "x");
	ev->u.exec.argv = argv;
	ev->u.exec.argc = 5;
	ev->u.exec.filename = "/bin/\xfe";
	evs = render(f);
	a = arg(event(evs, "X", NULL, 0), "argv");
	assert_int_equal(json_array_size(a), 5);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "x\"y\\z");
	assert_string_equal(json_string_value(json_array_get(a, 1)), "\033[2J\n\t\x01\x7f");
	assert_string_equal(json_string_value(json_array_get(a, 2)), "\xef\xbf\xbd\xef\xbf\xbd(");
	assert_string_equal(json_string_value(json_array_get(a, 3)), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(json_string_value(json_array_get(a, 4)), "é中");
	assert_string_equal(json_string_value(arg(event(evs, "X", NULL, 0), "filename")), "/bin/\xef\xbf\xbd");
	/* the name is argv[0]'s basename, escaped the same way */
	assert_string_equal(json_string_value(json_object_get(event(evs, "X", NULL, 0), "name")), "x\"y\\z");
}

static void test_killed(void **state)
{
	struct fx *f = *state;
	json_t *evs, *e;

	hand_exec(&f->h, 1, 1, "sleep");
	hand_exit(f, 2 * MS, 1, 9, true);
	evs = render(f);
	e = event(evs, "X", "[SIGKILL] sleep", 0);
	assert_non_null(e);
	assert_string_equal(json_string_value(json_object_get(e, "cname")), "black");
	assert_string_equal(json_string_value(arg(e, "status")), "killed by SIGKILL");
	assert_int_equal(json_integer_value(arg(e, "signal")), 9);
	assert_null(arg(e, "exit_code"));
}

/*
 * The critical path set by hand (the model computes it): its own track,
 * first, one slice per link, nested; a link that would stick out of the one
 * enclosing it is cut at its end. The processes' slices say critical_path.
 */
static void test_critical_path_track(void **state)
{
	struct fx *f = *state;
	json_t *evs, *e;

	build_small(f);
	build(f);
	free(f->t->crit); /* the model's own path, replaced */
	f->t->crit = calloc(3, sizeof(*f->t->crit));
	assert_non_null(f->t->crit);
	f->t->ncrit = 3;
	f->t->crit[0] = (struct crit_link){ &f->t->procs[0], 1000, 7 * MS, 6 * MS };
	f->t->crit[1] = (struct crit_link){ &f->t->procs[1], 2500, 6 * MS, 1 * MS };
	f->t->crit[2] = (struct crit_link){ &f->t->procs[3], 3 * MS, 8 * MS, 0 };
	for (size_t k = 0; k < 4; k++)
		f->t->procs[k].on_crit = k != 2;
	evs = render(f);
	assert_string_equal(json_string_value(arg(event(evs, "M", "thread_name", 0), "name")), "critical path");
	assert_int_equal(json_integer_value(json_object_get(event(evs, "M", "thread_name", 0), "tid")), 1);
	e = event(evs, "X", "cc", 0);
	assert_non_null(e);
	assert_int_equal(json_integer_value(json_object_get(e, "tid")), 1);
	assert_string_equal(json_string_value(json_object_get(e, "cat")), "critical_path");
	/* cut where make's link ends */
	assert_near(json_number_value(json_object_get(e, "dur")), 3000);
	e = event(evs, "X", "make", 0);
	assert_near(json_number_value(arg(e, "wait_ms")), 1);
	assert_true(json_is_true(arg(event(evs, "X", "[exit 1] cc", 0), "critical_path")));
	assert_null(arg(event(evs, "X", "(fork) make", 0), "critical_path"));
	assert_int_equal(count(evs, "X"), 5 + 3);
}

static void test_empty(void **state)
{
	struct fx *f = *state;
	json_t *evs = render(f);

	assert_int_equal(json_array_size(evs), 0);
	assert_null(strstr(f->out, "critical path"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_slice_per_image, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lanes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_argv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_critical_path_track, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
