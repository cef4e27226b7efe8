/* tests/test_diff.c: how diff normalises command lines (render/diff.c), rule by rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "render/diff.h"
#include "tests/hand_recording.h"

#define NORM(want, arg)                                                                   \
	do {                                                                              \
		struct sbuf b_ = { 0 };                                                   \
		assert_int_equal(diff_normalise_arg(&b_, arg), 0);                        \
		assert_int_equal(sbuf_reserve(&b_, 1), 0);                                \
		b_.buf[b_.len] = 0;                                                       \
		assert_string_equal(b_.len ? b_.buf : "", want);                          \
		sbuf_free(&b_);                                                           \
	} while (0)

static void temporary_names(void **state)
{
	(void)state;
	NORM("/tmp/*.s", "/tmp/ccAbc123.s");            /* gcc */
	NORM("/tmp/*.s", "/tmp/ccabcdef.s");            /* gcc, all lower case */
	NORM("/tmp/tmp.*", "/tmp/tmp.k3JdE9xQ2a");      /* mktemp */
	NORM("tmp.*/out", "tmp.abcdef/out");            /* mktemp -d in the current directory */
	NORM("/var/tmp/*/x.c", "/var/tmp/Build9xyz/x.c");
	NORM("-o/tmp/*.o", "-o/tmp/ccQ1w2E3.o");
	/* only directly inside a directory named tmp, and only random-looking words */
	NORM("/tmp/build/main.c", "/tmp/build/main.c");
	NORM("/tmp/project/src9abc/x.c", "/tmp/project/src9abc/x.c");
	NORM("/home/u/ccAbc123.s", "/home/u/ccAbc123.s");
	NORM("/mytmp/Abc123x", "/mytmp/Abc123x");
}

static void numbers_and_hashes(void **state)
{
	(void)state;
	NORM("kill -<n>", "kill -12345");
	NORM("/proc/<n>/status", "/proc/12345/status");
	NORM("--since=<n>", "--since=1733390000");
	NORM("<n>.123", "1733390000.123");
	NORM("-j8", "-j8");
	NORM("-O2", "-O2");
	NORM("100", "100");                   /* fewer than 4 digits */
	NORM("alloc_1234.c", "alloc_1234.c"); /* part of a word */
	NORM("x86_64-linux-gnu", "x86_64-linux-gnu");
	NORM("<hex>", "3f2a9c1e");
	NORM("<hex>", "9C04D1A2EE");
	NORM("--ref=<hex>", "--ref=0123abcdef0123abcdef0123abcdef0123abcd");
	NORM("<hex>", "3f2a9c1");   /* 7 hex digits */
	NORM("deadbee", "deadbee");          /* no digit: a word */
	NORM("abc123", "abc123");            /* 6: too short */
	NORM("sha256sum", "sha256sum");
	NORM("python3.11", "python3.11");
}

static void other_bytes_are_kept(void **state)
{
	(void)state;
	NORM("", "");
	NORM("a b", "a b");
	NORM("caf\xc3\xa9", "caf\xc3\xa9");
	NORM("a?b", "a\nb");
}

static void hand_exit(struct hand_recording *h, uint64_t ts, int32_t pid, int code)
{
	struct event *ev = hand_add(h, EV_EXIT, ts, pid);

	ev->flags |= EVF_STATUS | EVF_RUSAGE;
	ev->u.exit.code = code;
	ev->u.exit.user_ns = 1000;
	ev->u.exit.system_ns = 1000;
}

/*
 * make (pid base) runs a compiler (pid base + 1, prog) that ends at end;
 * the critical path is set by hand (the model may not compute one): make,
 * then the compiler.
 */
static struct trace *build(struct hand_recording *h, int32_t base, const char *prog, uint64_t end)
{
	struct trace *t = NULL;

	hand_init(h);
	hand_exec(h, 0, base, "make");
	hand_fork(h, 10, base, base + 1);
	hand_exec(h, 11, base + 1, prog);
	hand_exit(h, end, base + 1, 0);
	hand_exit(h, end + 10, base, 0);
	assert_int_equal(trace_build(&t, &h->rec, 0), 0);
	assert_int_equal(t->nprocs, 2);
	free(t->crit);
	t->crit = calloc(2, sizeof(*t->crit));
	assert_non_null(t->crit);
	t->crit[0] = (struct crit_link){ &t->procs[0], 0, end + 10, end - 10 };
	t->crit[1] = (struct crit_link){ &t->procs[1], 10, end, 0 };
	t->ncrit = 2;
	return t;
}

static char *render(const struct diff *d, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(json ? diff__render_json(f, d) : diff__render_text(f, d), 0);
	fclose(f);
	return buf;
}

/* The critical paths side by side; a link whose command differs is marked. */
static void critical_paths_side_by_side(void **state)
{
	static struct hand_recording ha, hb;
	struct diff_opts o = { .top = 10, .sort = DIFF_SORT_WALL };
	struct diff *d = NULL;
	struct trace *t;
	char *text, *json;

	(void)state;
	assert_int_equal(diff__new(&d, &o), 0);
	t = build(&ha, 100, "cc", 1000);
	assert_int_equal(diff__add(d, DIFF_A, t, "a.jsonl", true), 0);
	trace_free(t);
	t = build(&hb, 200, "ld", 3000);
	assert_int_equal(diff__add(d, DIFF_B, t, "b.jsonl", false), 0);
	trace_free(t);
	assert_false(diff__wants_texts(d));
	text = render(d, false);
	assert_non_null(strstr(text, "\ncritical path (2 and 2 links)\n"));
	assert_non_null(strstr(text, "\n    make [100] 1.010 us"));
	assert_non_null(strstr(text, "\n  ! cc [101] 990 ns"));
	assert_non_null(strstr(text, "ld [201] 2.990 us\n"));
	assert_null(strstr(text, "no change"));
	json = render(d, true);
	assert_non_null(strstr(json, "\"name\": \"ld\",\n        \"pid\": 201,\n        \"start_ns\": 10,\n"
				     "        \"wall_ns\": 2990,\n        \"wait_ns\": 0\n"));
	assert_non_null(strstr(json, "\"wall_growth_pct\": 198.02,"));
	free(text);
	free(json);
	diff__free(d);
}

/* The same recording twice: no change, however the paths look. */
static void same_critical_path_is_no_change(void **state)
{
	static struct hand_recording ha, hb;
	struct diff_opts o = { .top = 0, .sort = DIFF_SORT_COUNT };
	struct diff *d = NULL;
	struct trace *t;
	char *text;

	(void)state;
	assert_int_equal(diff__new(&d, &o), 0);
	t = build(&ha, 100, "cc", 1000);
	assert_int_equal(diff__add(d, DIFF_A, t, "a.jsonl", false), 0);
	trace_free(t);
	t = build(&hb, 100, "cc", 1000);
	assert_int_equal(diff__add(d, DIFF_B, t, "b.jsonl", false), 0);
	trace_free(t);
	text = render(d, false);
	assert_non_null(strstr(text, "\n    cc [101] 990 ns"));
	assert_non_null(strstr(text, "\nno change\n"));
	assert_true(diff__wall_growth(d) == 0);
	free(text);
	diff__free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(temporary_names),
		cmocka_unit_test(numbers_and_hashes),
		cmocka_unit_test(other_bytes_are_kept),
		cmocka_unit_test(critical_paths_side_by_side),
		cmocka_unit_test(same_critical_path_is_no_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
