/*
 * tests/test_diff.c: how diff normalises command lines (render/diff.c), rule
 * by rule; the texts of the lines shown, the critical paths and the peak
 * concurrency it keeps of each side.
 */
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

/*
 * make (pid base) forks one child per argv in lines[0..n) (NULL-ended
 * arrays), each of which execs it and exits.
 */
static struct trace *build_lines(struct hand_recording *h, int32_t base,
				 const char *const *const *lines, size_t n)
{
	struct trace *t = NULL;
	uint64_t ts = 0;

	memset(h, 0, sizeof(*h));
	hand_init(h);
	hand_exec(h, ts++, base, "make");
	for (size_t i = 0; i < n; i++) {
		int32_t pid = base + 1 + (int32_t)i;
		struct event *ev;
		uint32_t argc = 0;

		while (lines[i][argc])
			argc++;
		hand_fork(h, ts++, base, pid);
		ev = hand_exec(h, ts++, pid, lines[i][0]);
		ev->u.exec.argv = lines[i];
		ev->u.exec.argc = argc;
		hand_exit(h, ts++, pid, 0);
	}
	hand_exit(h, ts++, base, 0);
	assert_int_equal(trace_build(&t, &h->rec, 0), 0);
	return t;
}

static const char *const cc_a[] = { "cc", "-c", "a.c", NULL };
static const char *const cc_b[] = { "cc", "-c", "b.c", NULL };
static const char *const cc_tmp1[] = { "cc", "-o", "/tmp/ccAbc123.o", "x.c", NULL };
static const char *const cc_tmp2[] = { "cc", "-o", "/tmp/ccXyz789.o", "x.c", NULL };
static const char *const cc_d[] = { "cc", "-c", "d.c", NULL };
static const char *const cc_old[] = { "cc", "-c", "old.c", NULL };

/*
 * The lines only in B that are shown get their normalised texts while B is
 * there (nothing of B is kept): the most frequent first, then by first
 * appearance, however late in B their first exec comes.
 */
static void lines_only_in_b_have_texts(void **state)
{
	static struct hand_recording ha, hb;
	static const char *const *const a[] = { cc_a };
	static const char *const *const b[] = { cc_a, cc_d, cc_b, cc_tmp1, cc_b, cc_tmp2 };
	struct diff_opts o = { .top = 2, .sort = DIFF_SORT_WALL };
	struct diff *d = NULL;
	struct trace *t;
	char *text, *json;

	(void)state;
	assert_int_equal(diff__new(&d, &o), 0);
	t = build_lines(&ha, 100, a, 1);
	assert_int_equal(diff__add(d, DIFF_A, t, "a.jsonl", false), 0);
	trace_free(t);
	t = build_lines(&hb, 200, b, 6);
	assert_int_equal(diff__add(d, DIFF_B, t, "b.jsonl", false), 0);
	trace_free(t);
	assert_false(diff__wants_texts(d));
	text = render(d, false);
	assert_non_null(strstr(text, "\ncommand lines only in B, normalised (2 of 3, by count)\n"
				     "     COUNT  COMMAND LINE\n"
				     "         2  cc -c b.c\n"
				     "         2  cc -o /tmp/*.o x.c\n"));
	assert_null(strstr(text, "d.c"));
	json = render(d, true);
	assert_non_null(strstr(json, "\"name\": \"cc\",\n        \"line\": \"cc -o /tmp/*.o x.c\",\n"
				     "        \"count\": 2\n"));
	free(text);
	free(json);
	diff__free(d);
}

/*
 * A that cannot be read again keeps the text of each of its lines; one that
 * can has them found when read again, and until then has none.
 */
static void texts_of_lines_only_in_a(void **state)
{
	static struct hand_recording ha, hb;
	static const char *const *const a[] = { cc_old, cc_a, cc_tmp1 };
	static const char *const *const b[] = { cc_a };
	struct diff_opts o = { .top = 0, .sort = DIFF_SORT_WALL };
	static const char want[] = "\ncommand lines only in A, normalised (2 of 2, by count)\n"
				   "     COUNT  COMMAND LINE\n"
				   "         1  cc -c old.c\n"
				   "         1  cc -o /tmp/*.o x.c\n";

	(void)state;
	for (int keep = 0; keep < 2; keep++) {
		struct diff *d = NULL;
		struct trace *t;
		char *text;

		assert_int_equal(diff__new(&d, &o), 0);
		t = build_lines(&ha, 100, a, 3);
		assert_int_equal(diff__add(d, DIFF_A, t, "a.jsonl", keep), 0);
		trace_free(t);
		t = build_lines(&hb, 200, b, 1);
		assert_int_equal(diff__add(d, DIFF_B, t, "b.jsonl", false), 0);
		trace_free(t);
		assert_int_equal(diff__wants_texts(d), !keep);
		if (!keep) {
			text = render(d, false);
			assert_non_null(strstr(text, "         1  (not read again)\n"));
			free(text);
			t = build_lines(&ha, 100, a, 3);
			assert_int_equal(diff__add_texts(d, t), 0);
			trace_free(t);
		}
		text = render(d, false);
		assert_non_null(strstr(text, want));
		assert_null(strstr(text, "not read again"));
		free(text);
		diff__free(d);
	}
}

/* The links come back as they were, numbers beyond 32 bits and going down included. */
static void critical_path_numbers_kept_exactly(void **state)
{
	static struct hand_recording ha, hb;
	struct diff_opts o = { .top = 10, .sort = DIFF_SORT_WALL };
	const uint64_t big = 5000000000000ull; /* 5000 s */
	struct diff *d = NULL;
	struct trace *t;
	char *json;

	(void)state;
	assert_int_equal(diff__new(&d, &o), 0);
	t = build(&ha, 100, "cc", 1000);
	assert_int_equal(diff__add(d, DIFF_A, t, "a.jsonl", false), 0);
	trace_free(t);
	t = build(&hb, 200, "ld", 3000);
	/* the compiler first, late and long, then make from the start */
	t->crit[0] = (struct crit_link){ &t->procs[1], big, 3 * big, big + 7 };
	t->crit[1] = (struct crit_link){ &t->procs[0], 0, 3010, 0 };
	assert_int_equal(diff__add(d, DIFF_B, t, "b.jsonl", false), 0);
	trace_free(t);
	json = render(d, true);
	assert_non_null(strstr(json, "\"name\": \"ld\",\n        \"pid\": 201,\n"
				     "        \"start_ns\": 5000000000000,\n"
				     "        \"wall_ns\": 10000000000000,\n"
				     "        \"wait_ns\": 5000000000007\n"));
	assert_non_null(strstr(json, "\"name\": \"make\",\n        \"pid\": 200,\n"
				     "        \"start_ns\": 0,\n        \"wall_ns\": 3010,\n"
				     "        \"wait_ns\": 0\n"));
	free(json);
	diff__free(d);
}

/* The peak does not depend on the order of the processes in the model. */
static void peak_concurrency_in_any_order(void **state)
{
	static struct hand_recording h;
	struct trace *t;
	struct proc tmp;
	uint64_t peak, again;

	(void)state;
	hand_init(&h);
	hand_exec(&h, 0, 1, "make");
	hand_fork(&h, 10, 1, 2);
	hand_fork(&h, 20, 1, 3);
	hand_exit(&h, 30, 2, 0);
	hand_exit(&h, 30, 3, 0);
	hand_fork(&h, 30, 1, 4); /* 2 and 3 have just exited: not counted with 4 */
	hand_exit(&h, 40, 4, 0);
	hand_exit(&h, 60, 1, 0);
	assert_int_equal(trace_build(&t, &h.rec, 0), 0);
	assert_int_equal(t->nprocs, 4);
	assert_int_equal(trace_peak_concurrency(t, &peak), 0);
	assert_int_equal(peak, 3);
	/* the last created first: only the fields the count reads need to stay right */
	tmp = t->procs[0];
	t->procs[0] = t->procs[3];
	t->procs[3] = tmp;
	assert_int_equal(trace_peak_concurrency(t, &again), 0);
	assert_int_equal(again, peak);
	trace_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(temporary_names),
		cmocka_unit_test(numbers_and_hashes),
		cmocka_unit_test(other_bytes_are_kept),
		cmocka_unit_test(critical_paths_side_by_side),
		cmocka_unit_test(same_critical_path_is_no_change),
		cmocka_unit_test(lines_only_in_b_have_texts),
		cmocka_unit_test(texts_of_lines_only_in_a),
		cmocka_unit_test(critical_path_numbers_kept_exactly),
		cmocka_unit_test(peak_concurrency_in_any_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
