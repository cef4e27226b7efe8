/* tests/test_tree.c: the tree view on recordings built event by event: folding, marks, escaping, cutting. */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "render/trace.h"
#include "tests/hand_recording.h"

#define MS 1000000ull

struct fx {
	struct hand_recording h;
	struct trace *t;
	struct render_opts o;
	char *out;
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
	free(f);
	return 0;
}

static void hand_exit(struct fx *f, uint64_t ts, int32_t pid, int code, bool signaled)
{
	struct event *ev = hand_add(&f->h, EV_EXIT, ts, pid);

	ev->flags |= EVF_STATUS | EVF_RUSAGE | (signaled ? EVF_SIGNALED : 0);
	ev->u.exit.code = code;
	ev->u.exit.user_ns = 2 * MS;
	ev->u.exit.system_ns = 1 * MS;
	ev->u.exit.max_rss_kb = 2048;
}

/* A child of parent that runs prog from ts ms on. */
static void start(struct fx *f, uint64_t ts, int32_t parent, int32_t pid, const char *prog)
{
	hand_fork(&f->h, ts * MS, parent, pid);
	hand_exec(&f->h, ts * MS + 1, pid, prog);
}

/* A child of parent that runs prog from ts to ts + len ms and exits with code. */
static void child(struct fx *f, uint64_t ts, int32_t parent, int32_t pid, const char *prog,
		  uint64_t len, int code)
{
	hand_fork(&f->h, ts * MS, parent, pid);
	hand_exec(&f->h, ts * MS + 1, pid, prog);
	hand_exit(f, (ts + len) * MS, pid, code, false);
}

/* Build the model (the real one) and render it into f->out. */
static const char *render(struct fx *f)
{
	size_t len = 0;
	FILE *out;

	if (!f->t)
		assert_int_equal(trace_build(&f->t, &f->h.rec, 0), 0);
	free(f->out);
	f->out = NULL;
	out = open_memstream(&f->out, &len);
	assert_non_null(out);
	assert_int_equal(render_tree(out, f->t, &f->o), 0);
	assert_int_equal(fclose(out), 0);
	return f->out;
}

static const struct proc *proc_with_pid(const struct trace *t, int32_t pid)
{
	for (size_t k = 0; k < t->nprocs; k++)
		if (t->procs[k].pid == pid)
			return &t->procs[k];
	fail_msg("no process %d", pid);
	return NULL;
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

/* The line of out that contains what (the first one), without its newline. */
static char *line_with(const char *out, const char *what)
{
	const char *p = strstr(out, what), *start, *end;
	static char line[1024];

	assert_non_null(p);
	for (start = p; start > out && start[-1] != '\n'; start--)
		;
	end = strchr(p, '\n');
	assert_non_null(end);
	assert_true((size_t)(end - start) < sizeof(line));
	memcpy(line, start, (size_t)(end - start));
	line[end - start] = '\0';
	return line;
}

/* The columns of a line of ASCII and box-drawing characters: one per character. */
static size_t columns(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* sh runs awk, sed, awk, awk, awk, awk, cat, cat: awk folds around sed, cat does not (2 < 3). */
static void build_siblings(struct fx *f)
{
	hand_exec(&f->h, 0, 1, "sh");
	child(f, 1, 1, 10, "awk", 1, 0);
	child(f, 2, 1, 11, "sed", 1, 0);
	child(f, 3, 1, 12, "awk", 2, 1);
	child(f, 5, 1, 13, "awk", 1, 0);
	child(f, 6, 1, 14, "awk", 1, 0);
	child(f, 7, 1, 15, "awk", 1, 0);
	child(f, 8, 1, 16, "cat", 1, 0);
	child(f, 9, 1, 17, "cat", 1, 0);
	hand_exit(f, 20 * MS, 1, 0, false);
}

static void test_fold_same_command_not_only_consecutive(void **state)
{
	struct fx *f = *state;
	const char *out;

	build_siblings(f);
	out = render(f);
	/* five awks, 6 ms of wall and 15 ms of CPU between them, one failed */
	assert_non_null(strstr(out, "├─ 5×[awk …]\n"));
	assert_non_null(strstr(line_with(out, "5×[awk"), "  6.000 ms  15.000 ms   2.0 MiB  1 failed "));
	/* the fold sits where the first awk was: before sed */
	assert_true(strstr(out, "5×[awk") < strstr(out, "sed"));
	assert_int_equal(count(out, "cat"), 2);
	assert_int_equal(count(out, "awk"), 1);
	assert_non_null(strstr(out, "folds N sibling processes of one command"));
}

static void test_fold_threshold_and_never(void **state)
{
	struct fx *f = *state;
	const char *out;

	build_siblings(f);
	f->o.fold = 2;
	out = render(f);
	assert_non_null(strstr(out, "2×[cat …]"));
	f->o.fold = UINT_MAX;
	out = render(f);
	assert_int_equal(count(out, "×"), 0);
	assert_int_equal(count(out, "awk"), 5);
	assert_null(strstr(out, "folds N sibling"));
}

/* A fold takes its members' descendants with it, counted on its line. */
static void test_fold_takes_subtrees(void **state)
{
	struct fx *f = *state;
	const char *out;

	hand_exec(&f->h, 0, 1, "configure");
	for (int i = 0; i < 4; i++) {
		int32_t sub = 10 + 10 * i;
		uint64_t ts = (uint64_t)(10 * i);

		hand_fork(&f->h, (ts + 1) * MS, 1, sub); /* a subshell: never execs */
		start(f, ts + 2, sub, sub + 1, "gcc");
		child(f, ts + 3, sub + 1, sub + 2, "cc1", 1, i == 2);
		hand_exit(f, (ts + 5) * MS, sub + 1, i == 2, false);
		hand_exit(f, (ts + 6) * MS, sub, i == 2, false);
	}
	hand_exit(f, 50 * MS, 1, 0, false);
	out = render(f);
	assert_non_null(strstr(out, "└─ 4×[(fork) configure] (+8 descendants, CPU 24.000 ms, 2 failed)\n"));
	assert_null(strstr(out, "gcc"));
	f->o.fold = UINT_MAX;
	out = render(f);
	assert_int_equal(count(out, "gcc"), 4);
	assert_int_equal(count(out, "(fork) configure"), 4);
}

/* More than 20 descendants: a stage of the run of its own, never folded. */
static void test_big_subtrees_are_not_folded(void **state)
{
	struct fx *f = *state;
	const char *out;

	hand_exec(&f->h, 0, 1, "make");
	child(f, 1, 1, 2, "bash", 1, 0);
	child(f, 3, 1, 3, "bash", 1, 0);
	child(f, 5, 1, 4, "bash", 1, 0);
	hand_fork(&f->h, 7 * MS, 1, 5);
	hand_exec(&f->h, 7 * MS + 1, 5, "bash");
	for (int i = 0; i < 21; i++)
		child(f, (uint64_t)(8 + i), 5, 100 + i, "cc", 1, 0);
	hand_exit(f, 40 * MS, 5, 0, false);
	hand_exit(f, 41 * MS, 1, 0, false);
	out = render(f);
	assert_non_null(strstr(out, "├─ 3×[bash …]\n"));
	assert_non_null(strstr(out, "      5 "));
	assert_non_null(strstr(out, "└─ bash\n"));
	assert_non_null(strstr(out, "   └─ 21×[cc …]\n"));
}

/*
 * The critical path is marked. A process on it folds with its kind (a
 * shell's steps are all on the path: they must still fold), and the fold's
 * line carries the mark; a fold with none of the path has none.
 */
static void test_critical_path_marked_and_kept(void **state)
{
	struct fx *f = *state;
	const char *out;

	build_siblings(f);
	assert_int_equal(trace_build(&f->t, &f->h.rec, 0), 0);
	/* sequential steps: the model puts every child on the path; mark only two */
	for (size_t k = 0; k < f->t->nprocs; k++)
		f->t->procs[k].on_crit = false;
	((struct proc *)proc_with_pid(f->t, 1))->on_crit = true;
	((struct proc *)proc_with_pid(f->t, 12))->on_crit = true;
	out = render(f);
	assert_non_null(strstr(line_with(out, "5×[awk"), "1 failed"));
	assert_non_null(strstr(line_with(out, "5×[awk"), "  * ├─ 5×[awk"));
	assert_null(strstr(line_with(out, "     16 "), "*"));
	assert_non_null(strstr(line_with(out, "      1 "), "  * sh"));
	assert_non_null(strstr(out, "\n* on the critical path"));
}

static void test_status_cells(void **state)
{
	struct fx *f = *state;
	const char *out;

	hand_exec(&f->h, 0, 1, "sh");
	child(f, 1, 1, 2, "false", 1, 3);
	hand_fork(&f->h, 3 * MS, 1, 3);
	hand_exec(&f->h, 3 * MS + 1, 3, "crash");
	hand_exit(f, 4 * MS, 3, 11, true);
	f->h.ev[f->h.rec.n - 1].flags |= EVF_CORE;
	hand_fork(&f->h, 6 * MS, 1, 4);
	hand_exec(&f->h, 6 * MS + 1, 4, "sleep");
	hand_exit(f, 10 * MS, 1, 0, false);
	out = render(f);
	assert_non_null(strstr(line_with(out, "false"), "  3            "));
	/* crash ran before sleep: sh waited for it, it is on the critical path */
	assert_non_null(strstr(line_with(out, "crash"), "  SIGSEGV core * ├─ crash"));
	assert_non_null(strstr(line_with(out, "sleep"), "        -         -  running "));
}

/* Nothing from argv reaches the terminal as a control character; long argv is cut in the middle. */
static void test_argv_escaped_and_cut(void **state)
{
	struct fx *f = *state;
	static const char *argv1[] = { "/usr/bin/printf", "\033[31mred\r", "a'b", "\xff\xfe", "\xe2\x80\xae" "rtl" };
	static char big[4000];
	static const char *argv2[] = { "gcc", big, "-c", "source-file.c" };
	struct event *ev;
	const char *out;

	memset(big, 'x', sizeof(big) - 1);
	hand_exec(&f->h, 0, 1, "sh");
	hand_fork(&f->h, 1 * MS, 1, 2);
	ev = hand_exec(&f->h, 2 * MS, 2, "printf");
	ev->u.exec.argv = argv1;
	ev->u.exec.argc = 5;
	hand_fork(&f->h, 3 * MS, 1, 3);
	ev = hand_exec(&f->h, 4 * MS, 3, "gcc");
	ev->u.exec.argv = argv2;
	ev->u.exec.argc = 4;
	out = render(f);
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		assert_false((*p < 0x20 && *p != '\n') || *p == 0x7f);
	assert_non_null(strstr(out, "printf '\\x1b[31mred\\x0d' 'a'\\''b' \\xff\\xfe \\u202ertl\n"));
	/* gcc's line fits 160 columns and keeps its start and its source file */
	assert_non_null(strstr(line_with(out, "gcc"), "gcc xxxx"));
	assert_non_null(strstr(line_with(out, "gcc"), "x…xxx"));
	assert_non_null(strstr(line_with(out, "gcc"), "xxx -c source-file.c"));
	assert_true(strlen(line_with(out, "gcc")) < 200);
	f->o.width = UINT_MAX;
	out = render(f);
	assert_non_null(strstr(out, big));
	f->o.width = 100;
	out = render(f);
	assert_int_equal(columns(line_with(out, "gcc")), 100);
	assert_int_equal(columns(line_with(out, "printf")), 100);
}

static void test_depth(void **state)
{
	struct fx *f = *state;
	const char *out;

	hand_exec(&f->h, 0, 1, "make");
	start(f, 1, 1, 2, "cc");
	child(f, 2, 2, 3, "cc1", 1, 1);
	child(f, 4, 2, 4, "as", 1, 0);
	hand_exit(f, 6 * MS, 2, 0, false);
	hand_exit(f, 10 * MS, 1, 0, false);
	f->o.has_depth = true;
	f->o.depth = 1;
	out = render(f);
	assert_non_null(strstr(out, "└─ cc (+2 descendants, CPU 6.000 ms, 1 failed)\n"));
	assert_null(strstr(out, "cc1"));
	f->o.depth = 0;
	out = render(f);
	assert_non_null(strstr(out, " make (+3 descendants, CPU 9.000 ms, 1 failed)\n"));
	assert_null(strstr(out, "─"));
}

static void test_ascii_and_color(void **state)
{
	struct fx *f = *state;
	const char *out;

	build_siblings(f);
	out = render(f);
	assert_null(strchr(out, '\033'));
	f->o.ascii = true;
	out = render(f);
	assert_non_null(strstr(out, "|- 5x[awk ...]\n"));
	assert_non_null(strstr(out, "`- cat\n"));
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		assert_true(*p < 0x80);
	f->o.color = true;
	out = render(f);
	assert_non_null(strstr(out, "\033[31m1 failed"));
	assert_non_null(strstr(out, "\033[1msed\033[0m"));
}

/* A chain of forks deeper than the indent drawn: lines stay short. */
static void test_deep_chain(void **state)
{
	struct fx *f = *state;
	const char *out;

	hand_exec(&f->h, 0, 1, "sh");
	for (int i = 0; i < 60; i++)
		hand_fork(&f->h, (uint64_t)(i + 1) * MS, i ? 100 + i - 1 : 1, 100 + i);
	out = render(f);
	assert_non_null(strstr(line_with(out, "    159 "), "[+27] "));
	assert_true(strlen(line_with(out, "    159 ")) < 60 + 33 * 6 + 40);
}

static void test_empty(void **state)
{
	struct fx *f = *state;

	assert_string_equal(render(f), "(no process recorded)\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fold_same_command_not_only_consecutive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fold_threshold_and_never, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fold_takes_subtrees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_subtrees_are_not_folded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_critical_path_marked_and_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_cells, setup, teardown),
		cmocka_unit_test_setup_teardown(test_argv_escaped_and_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ascii_and_color, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deep_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
