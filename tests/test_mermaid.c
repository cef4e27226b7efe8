/* tests/test_mermaid.c: the mermaid view: label escaping and chart structure on hand-built traces. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "render/mermaid.h"
#include "render/trace.h"
#include "tests/hand_recording.h"

#define MS 1000000ull
#define MAXP 16
#define MAXE 64

/* A trace built by hand, the way trace_build() would shape it. */
struct fx {
	struct recording rec;
	struct event ev[MAXE];
	struct proc *poe[MAXE];
	const char *argv[MAXE][4];
	struct proc procs[MAXP];
	struct exec_span spans[MAXP][4];
	struct proc *roots[MAXP];
	struct trace t;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->rec.name = "test";
	f->rec.ev = f->ev;
	f->t.rec = &f->rec;
	f->t.procs = f->procs;
	f->t.roots = f->roots;
	f->t.proc_of_event = f->poe;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static struct event *add_event(struct fx *f, struct proc *p, enum ev_type type, uint64_t ts)
{
	struct event *e = &f->ev[f->rec.n];

	assert_true(f->rec.n < MAXE);
	*e = (struct event){ .ts = ts, .seq = f->rec.n, .type = type, .pid = p->pid,
			     .flags = EVF_SEQ };
	f->poe[f->rec.n++] = p;
	if (ts > f->t.end)
		f->t.end = ts;
	return e;
}

/* A process from start to end (ns), forked by parent (NULL: a root). */
static struct proc *proc(struct fx *f, struct proc *parent, int32_t pid, uint64_t start, uint64_t end)
{
	struct proc *p = &f->procs[f->t.nprocs];

	assert_true(f->t.nprocs < MAXP);
	*p = (struct proc){ .pid = pid, .start = start, .end = end, .parent = parent,
			    .index = f->t.nprocs, .execs = f->spans[f->t.nprocs],
			    .ended_by_recording = true };
	f->t.nprocs++;
	if (parent) {
		p->depth = parent->depth + 1;
		p->has_fork = true;
		if (parent->last_child)
			parent->last_child->next_sibling = p;
		else
			parent->first_child = p;
		parent->last_child = p;
		p->fork = add_event(f, p, EV_FORK, start);
	} else {
		f->roots[f->t.nroots++] = p;
		/* The first root is the recorded command, as trace_build() finds it. */
		if (!f->t.root) {
			f->t.root = p;
			f->t.root_is_recorded = true;
		}
	}
	if (end > f->t.end)
		f->t.end = end;
	return p;
}

/* An exec image of p from ts until the next exec or p's end; argv ends with NULL. */
static void exec(struct fx *f, struct proc *p, uint64_t ts, ...)
{
	struct event *e = add_event(f, p, EV_EXEC, ts);
	const char **argv = f->argv[f->rec.n - 1];
	const char *a;
	va_list ap;

	va_start(ap, ts);
	while ((a = va_arg(ap, const char *)))
		argv[e->u.exec.argc++] = a;
	va_end(ap);
	e->flags |= EVF_CMDLINE | EVF_FILENAME;
	e->u.exec.argv = argv;
	e->u.exec.filename = argv[0];
	if (p->nexec)
		p->execs[p->nexec - 1].end = ts;
	p->execs[p->nexec++] = (struct exec_span){ .exec = e, .start = ts, .end = p->end };
}

static void exit_status(struct fx *f, struct proc *p, int code, bool signaled)
{
	struct event *e = add_event(f, p, EV_EXIT, p->end);

	e->flags |= EVF_STATUS | (signaled ? EVF_SIGNALED : 0);
	e->u.exit.code = code;
	p->exit = e;
	p->ended_by_recording = false;
}

static void bad_exec(struct fx *f, struct proc *p, uint64_t ts)
{
	struct event *e = add_event(f, p, EV_BADEXEC, ts);

	e->flags |= EVF_ERRNO;
	e->u.badexec.err = 2;
	p->nbadexec++;
}

/* What trace_build() links last: the image each process inherited at its fork. */
static void inherit(struct fx *f)
{
	for (size_t k = 0; k < f->t.nprocs; k++) {
		struct proc *p = &f->procs[k];
		const struct proc *q = p->parent;

		p->inherited = NULL;
		if (!q)
			continue;
		for (uint32_t i = 0; i < q->nexec && q->execs[i].start <= p->start; i++)
			p->inherited = &q->execs[i];
		if (!p->inherited)
			p->inherited = q->inherited;
	}
}

static char *render(struct fx *f, const struct render_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	inherit(f);
	assert_int_equal(render_mermaid(out, &f->t, o), 0);
	assert_int_equal(fclose(out), 0);
	return buf;
}

static char *escape(const char *s, size_t len, size_t max)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&buf, &n);

	assert_non_null(out);
	assert_int_equal(mermaid_escape(out, s, len, max), 0);
	assert_int_equal(fclose(out), 0);
	return buf;
}

static void check_escape(const char *in, size_t max, const char *want)
{
	char *got = escape(in, strlen(in), max);

	assert_string_equal(got, want);
	free(got);
}

static void test_escape_specials(void **state)
{
	(void)state;
	/* The original proctrace cut labels at ':'. */
	check_escape("a:b", 0, "#97;#58;b");
	check_escape("%d", 0, "#37;d");
	check_escape("5% load", 0, "#53;#37; load");
	check_escape("title x", 0, "#116;itle x");
	check_escape("section y", 0, "#115;ection y");
	check_escape("gantt", 0, "#103;antt");
	check_escape("click z", 0, "#99;lick z");
	check_escape("#word;", 0, "#35;word#59;");
	check_escape("<b>&amp;", 0, "#60;b#62;#38;amp#59;");
	check_escape("say \"hi\" 'x'", 0, "#115;ay #34;hi#34; #39;x#39;");
	check_escape("2024-01-01", 0, "#50;024-01-01");
}

static void test_escape_blank_and_controls(void **state)
{
	(void)state;
	check_escape("", 0, "#160;");
	check_escape("   ", 0, "#160;");
	check_escape("\r\n\t", 0, "#160;");
	check_escape("  a\rb\n ", 0, "#97; b");
	check_escape("a\x7f" "b", 0, "#97; b");
	/* C1 controls (U+0085 is a line break to some parsers). */
	check_escape("a\xc2\x85" "b", 0, "#97; b");
}

static void test_escape_utf8(void **state)
{
	(void)state;
	check_escape("\xc3\xa9t\xc3\xa9", 0, "#233;t\xc3\xa9");
	check_escape("x\xf0\x9f\x98\x80", 0, "#120;\xf0\x9f\x98\x80");
	check_escape("\xf0\x9f\x98\x80x", 0, "#128512;x");
	/* Bad bytes, overlong forms and surrogates are replaced, never passed through. */
	check_escape("a\xff" "b", 0, "#97;\xef\xbf\xbd" "b");
	check_escape("a\xc0\xba", 0, "#97;\xef\xbf\xbd\xef\xbf\xbd");
	check_escape("a\xed\xa0\x80", 0, "#97;\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	check_escape("a\xe2\x82", 0, "#97;\xef\xbf\xbd\xef\xbf\xbd");
}

static void test_escape_embedded_nul(void **state)
{
	char *got = escape("a\0b", 3, 0);

	(void)state;
	assert_string_equal(got, "#97; b");
	free(got);
}

static void test_escape_cap(void **state)
{
	(void)state;
	check_escape("abcdef", 6, "#97;bcdef");
	check_escape("abcdef", 4, "#97;bc\xe2\x80\xa6");
	/* A cut never leaves a space before the ellipsis. */
	check_escape("ab    cdef", 4, "#97;b\xe2\x80\xa6");
	check_escape("abc", 1, "#8230;");
	/* Characters, not bytes. */
	check_escape("\xc3\xa9\xc3\xa9\xc3\xa9", 3, "#233;\xc3\xa9\xc3\xa9");
}

static void test_escape_long_label_in_chart(void **state)
{
	struct fx *f = *state;
	char arg[1000], *out, *line, *end;
	size_t chars = 0;

	memset(arg, 'x', sizeof(arg) - 1);
	arg[sizeof(arg) - 1] = '\0';
	exec(f, proc(f, NULL, 1, 0, 5 * MS), 0, "cmd", arg, NULL);
	out = render(f, NULL);
	line = strstr(out, "\n    #99;md x");
	assert_non_null(line);
	end = strstr(line, " :active, 0, 5ms\n");
	assert_non_null(end);
	/* "#99;" is one character; the ellipsis is three bytes and one character. */
	for (char *c = line + 5 + 4; c < end; c++)
		chars += ((unsigned char)*c & 0xc0) != 0x80;
	assert_int_equal(chars + 1, MERMAID_LABEL_MAX);
	assert_memory_equal(end - 3, "\xe2\x80\xa6", 3);
	free(out);
}

/*
 * sh runs: echo (ok), a subshell that forks ls, and false (exit 1).
 * Bars in fork order, one section per child of the root.
 */
static void build_script(struct fx *f)
{
	static const char *const command[] = { "sh", "build.sh", "a<b" };
	struct proc *sh, *echo, *sub, *ls, *fl;

	f->rec.has_header = true;
	f->rec.hdr.root_pid = 100;
	f->rec.hdr.command = command;
	f->rec.hdr.command_len = 3;
	sh = proc(f, NULL, 100, 0, 900 * MS);
	exec(f, sh, 0, "sh", "build.sh", "a<b", NULL);
	echo = proc(f, sh, 101, 10 * MS, 12 * MS + 600000);
	exec(f, echo, 11 * MS, "echo", "key:value", NULL);
	exit_status(f, echo, 0, false);
	sub = proc(f, sh, 102, 20 * MS, 300 * MS);
	ls = proc(f, sub, 103, 30 * MS, 250 * MS);
	exec(f, ls, 31 * MS, "ls", "-l", NULL);
	exit_status(f, ls, 0, false);
	exit_status(f, sub, 0, false);
	fl = proc(f, sh, 104, 400 * MS, 400 * MS + 100);
	exec(f, fl, 400 * MS, "false", NULL);
	exit_status(f, fl, 1, false);
	exit_status(f, sh, 0, false);
}

static void test_chart_structure(void **state)
{
	struct fx *f = *state;
	char *out;

	build_script(f);
	out = render(f, NULL);
	assert_string_equal(out,
		"gantt\n"
		"    title #115;h build.sh a#60;b\n"
		"    dateFormat x\n"
		"    axisFormat %s.%L\n"
		"    tickInterval 100millisecond\n"
		"    todayMarker off\n"
		"    section #115;h build.sh a#60;b\n"
		"    #115;h build.sh a#60;b :0, 900ms\n"
		"    section #101;cho key#58;value\n"
		"    #101;cho key#58;value :11, 2ms\n"
		"    section #40;fork) sh build.sh a#60;b\n"
		"    #40;fork) sh build.sh a#60;b :20, 280ms\n"
		"    #108;s -l :31, 219ms\n"
		"    section #102;alse\n"
		"    #102;alse :crit, 400, 1ms\n");
	free(out);
}

static void test_exec_images_before_children(void **state)
{
	struct fx *f = *state;
	struct proc *p, *c;
	char *out;

	p = proc(f, NULL, 1, 0, 100 * MS);
	exec(f, p, 0, "sudo", "make", NULL);
	c = proc(f, p, 2, 50 * MS, 60 * MS);
	exec(f, c, 50 * MS, "cc", NULL);
	exec(f, p, 10 * MS, "make", NULL);
	out = render(f, NULL);
	assert_non_null(strstr(out,
		"    section #115;udo make\n"
		"    #115;udo make :0, 10ms\n"
		"    #109;ake :active, 10, 90ms\n"
		"    section #99;c\n"
		"    #99;c :active, 50, 10ms\n"));
	free(out);
}

static void test_crit(void **state)
{
	struct fx *f = *state;
	struct proc *r, *a, *b, *c, *d;
	char *out;

	r = proc(f, NULL, 1, 0, 100 * MS);
	exec(f, r, 0, "sh", NULL);
	exit_status(f, r, 0, false);
	/* Killed by a signal: exit code 0 does not hide it. */
	a = proc(f, r, 2, 1 * MS, 2 * MS);
	exec(f, a, 1 * MS, "killed", NULL);
	exit_status(f, a, 0, true);
	/* execvp's failed PATH tries before a success are not failures. */
	b = proc(f, r, 3, 3 * MS, 4 * MS);
	bad_exec(f, b, 3 * MS + 1);
	exec(f, b, 3 * MS + 2, "found", NULL);
	exit_status(f, b, 0, false);
	/* An exec that failed after the last success is. */
	c = proc(f, r, 4, 5 * MS, 6 * MS);
	exec(f, c, 5 * MS, "wrapper", NULL);
	bad_exec(f, c, 5 * MS + 500);
	exit_status(f, c, 0, false);
	/* Only the image that exited non-zero is marked. */
	d = proc(f, r, 5, 7 * MS, 9 * MS);
	exec(f, d, 7 * MS, "first", NULL);
	exec(f, d, 8 * MS, "second", NULL);
	exit_status(f, d, 3, false);
	out = render(f, NULL);
	assert_non_null(strstr(out, "    #107;illed :crit, 1, 1ms\n"));
	assert_non_null(strstr(out, "    #102;ound :3, 1ms\n"));
	assert_non_null(strstr(out, "    #119;rapper :crit, 5, 1ms\n"));
	assert_non_null(strstr(out, "    #102;irst :7, 1ms\n    #115;econd :crit, 8, 1ms\n"));
	assert_non_null(strstr(out, "    #115;h :0, 100ms\n"));
	free(out);
}

static void test_fork_only_labels(void **state)
{
	struct fx *f = *state;
	struct proc *r, *a;
	char *out;

	r = proc(f, NULL, 7, 0, 10 * MS);
	a = proc(f, r, 8, 1 * MS, 9 * MS);
	proc(f, a, 9, 2 * MS, 3 * MS);
	exec(f, r, 1 * MS / 2, "bash", NULL);
	proc(f, NULL, 20, 4 * MS, 5 * MS);
	out = render(f, NULL);
	/* Forked after bash's exec: the nearest ancestor's command at fork time. */
	assert_non_null(strstr(out,
		"    section #98;ash\n"
		"    #98;ash :active, 0, 10ms\n"
		"    section #40;fork) bash\n"
		"    #40;fork) bash :active, 1, 8ms\n"
		"    #40;fork) bash :active, 2, 1ms\n"));
	/* A root that never exec'd has no command to borrow. */
	assert_non_null(strstr(out,
		"    section #40;fork) pid 20\n"
		"    #40;fork) pid 20 :active, 4, 1ms\n"));
	free(out);
}

/* render_mermaid() of a recording through trace_build(); the caller frees the text. */
static char *render_recording(struct hand_recording *h, int32_t pid)
{
	struct trace *t = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	assert_int_equal(trace_build(&t, &h->rec, pid), 0);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(render_mermaid(out, t, NULL), 0);
	assert_int_equal(fclose(out), 0);
	trace_free(t);
	return buf;
}

/*
 * A chain of processes that never exec: each runs what it inherited, the
 * image sh had when the chain began, even though sh has exec'd make since.
 */
static void test_fork_only_chain_labels(void **state)
{
	struct hand_recording h = { 0 };
	char *out, *p;
	int n = 0;

	(void)state;
	hand_init(&h);
	hand_exec(&h, 1 * MS, 1, "sh");
	hand_fork(&h, 2 * MS, 1, 2);
	hand_exec(&h, 3 * MS, 1, "make");
	for (int32_t pid = 2; pid < 42; pid++)
		hand_fork(&h, (uint64_t)(pid + 2) * MS, pid, pid + 1);
	hand_fork(&h, 50 * MS, 1, 100);
	out = render_recording(&h, 0);
	for (p = out; (p = strstr(p, "\n    #40;fork) sh :active, ")); p++)
		n++;
	/* pid 2 and the 40 below it */
	assert_int_equal(n, 41);
	assert_null(strstr(out, "#40;fork) make :active, 2,"));
	assert_non_null(strstr(out, "\n    #40;fork) make :active, 50, "));
	free(out);
	/* Under --pid the chosen process has no parent to inherit from, nor its children. */
	out = render_recording(&h, 2);
	assert_non_null(strstr(out, "\n    title #40;fork) pid 2\n"));
	assert_non_null(strstr(out, "\n    #40;fork) pid 2 :active, 2, "));
	assert_non_null(strstr(out, "\n    #40;fork) pid 3 :active, 4, "));
	free(out);
}

/*
 * active marks only what runs at the recording's end: not a process whose
 * Exit is missing but whose pid was taken again (it ended then).
 */
static void test_active_only_at_the_end(void **state)
{
	struct hand_recording h = { 0 };
	char *out;

	(void)state;
	hand_init(&h);
	h.rec.has_header = true;
	h.rec.hdr.root_pid = 1;
	hand_exec(&h, 0, 1, "sh");
	hand_fork(&h, 1 * MS, 1, 2);
	hand_exec(&h, 1 * MS, 2, "lost");    /* its Exit is lost */
	hand_fork(&h, 5 * MS, 1, 2);         /* pid 2 again */
	hand_exec(&h, 5 * MS, 2, "daemon");  /* still running at the end */
	hand_add(&h, EV_EXIT, 9 * MS, 1)->flags |= EVF_STATUS;
	h.rec.has_end = true;
	h.rec.end.ts = 10 * MS;
	out = render_recording(&h, 0);
	assert_non_null(strstr(out, "\n    #108;ost :1, 4ms\n"));
	assert_non_null(strstr(out, "\n    #100;aemon :active, 5, 5ms\n"));
	assert_non_null(strstr(out, "\n    #115;h :0, 9ms\n"));
	free(out);
}

static void test_root_that_never_ran(void **state)
{
	static const char *const cmd[] = { "nosuchcmd", "a:b" };
	struct fx *f = *state;
	struct proc *r;
	char *out;

	/* record -- nosuchcmd a:b: the PATH search fails, the root exits 127 */
	f->rec.has_header = true;
	f->rec.hdr.root_pid = 30;
	f->rec.hdr.command = cmd;
	f->rec.hdr.command_len = 2;
	r = proc(f, NULL, 30, 0, 1 * MS);
	bad_exec(f, r, 0);
	exit_status(f, r, 127, false);
	out = render(f, NULL);
	assert_non_null(strstr(out,
		"    section #110;osuchcmd a#58;b\n"
		"    #110;osuchcmd a#58;b :crit, 0, 1ms\n"));
	free(out);
}

/* Bars of 1..8 ms in tree order: 3 1 4 1 5 9 2 6 (ms). */
static void build_lengths(struct fx *f)
{
	static const unsigned len[] = { 3, 1, 4, 1, 5, 9, 2, 6 };
	static const char *const names[] = { "a", "b", "c", "d", "e", "f", "g", "h" };
	struct proc *r = proc(f, NULL, 1, 0, 3 * MS);

	exec(f, r, 0, names[0], NULL);
	exit_status(f, r, 0, false);
	for (int i = 1; i < 8; i++) {
		struct proc *p = proc(f, r, 1 + i, i * 10 * MS, (i * 10 + len[i]) * MS);

		exec(f, p, i * 10 * MS, names[i], NULL);
		exit_status(f, p, 0, false);
	}
}

static void test_max_bars(void **state)
{
	struct fx *f = *state;
	struct render_opts o = { .max_bars = 3 };
	char *out;

	build_lengths(f);
	out = render(f, &o);
	/* The three longest (9, 6, 5 ms), still in tree order, then the note. */
	assert_non_null(strstr(out,
		"    todayMarker off\n"
		"    section #101;\n"
		"    #101; :40, 5ms\n"
		"    section #102;\n"
		"    #102; :50, 9ms\n"
		"    section #104;\n"
		"    #104; :70, 6ms\n"
		"    section #110;ot shown\n"
		"    #53; of 8 bars not shown (each at most 4ms long) :done, 0, 1ms\n"));
	free(out);
}

static void test_min_duration(void **state)
{
	struct fx *f = *state;
	struct render_opts o = { .min_duration_ns = 4 * MS };
	char *out;

	build_lengths(f);
	out = render(f, &o);
	assert_null(strstr(out, "    #97; :"));
	assert_null(strstr(out, "    #98; :"));
	assert_non_null(strstr(out, "    #99; :20, 4ms\n"));
	assert_non_null(strstr(out, "    #104; :70, 6ms\n"));
	assert_non_null(strstr(out, "#52; of 8 bars not shown (each at most 3ms long)"));
	free(out);
}

static void test_min_duration_and_max_bars(void **state)
{
	struct fx *f = *state;
	struct render_opts o = { .min_duration_ns = 2 * MS, .max_bars = 10 };
	char *out;

	build_lengths(f);
	out = render(f, &o);
	assert_non_null(strstr(out, "#50; of 8 bars not shown (each at most 1ms long)"));
	free(out);
}

static void test_nothing_left_out(void **state)
{
	struct fx *f = *state;
	struct render_opts o = { .max_bars = 8 };
	char *out;

	build_lengths(f);
	out = render(f, &o);
	assert_null(strstr(out, "not shown"));
	free(out);
}

static void test_title_flags_lost_events(void **state)
{
	struct fx *f = *state;
	char *out;

	build_script(f);
	f->rec.has_end = true;
	f->rec.end.lost = 42;
	f->rec.end.has_lost = true;
	out = render(f, NULL);
	assert_non_null(strstr(out,
		"    title #115;h build.sh a#60;b #40;incomplete#58; 42 events lost)\n"));
	free(out);
}

static void test_title_without_header(void **state)
{
	struct fx *f = *state;
	char *out;

	exec(f, proc(f, NULL, 1, 0, 2 * MS), 0, "make", "-j2", NULL);
	out = render(f, NULL);
	assert_non_null(strstr(out, "    title #109;ake -j2\n"));
	free(out);
}

/* Rendering a subtree (--pid): the title is the subtree's command, not the recording's. */
static void test_title_of_subtree(void **state)
{
	struct fx *f = *state;
	char *out;

	build_script(f);
	f->rec.hdr.command_len = 2;
	out = render(f, NULL);
	assert_non_null(strstr(out, "    title #115;h build.sh\n"));
	free(out);
	/* --pid of the root's pid in a recording whose header is about another process */
	f->t.root_is_recorded = false;
	out = render(f, NULL);
	assert_non_null(strstr(out, "    title #115;h build.sh a#60;b\n"));
	free(out);
	f->roots[0] = &f->procs[1];
	f->t.root = &f->procs[1];
	out = render(f, NULL);
	assert_non_null(strstr(out, "    title #101;cho key#58;value\n"));
	free(out);
}

/*
 * The title is the recorded command, the process the model roots at, even
 * when another top-level process shows up first (an unrelated pid's Exit).
 */
static void test_title_is_the_recorded_root(void **state)
{
	static const char *const command[] = { "make" };
	struct hand_recording h = { 0 };
	struct event *ev;
	char *out;

	(void)state;
	hand_init(&h);
	h.rec.has_header = true;
	h.rec.hdr.format = 1;
	h.rec.hdr.root_pid = 10;
	h.rec.hdr.command = command;
	h.rec.hdr.command_len = 1;
	ev = hand_add(&h, EV_EXIT, 1 * MS, 99);
	ev->flags |= EVF_STATUS | EVF_SIGNALED;
	ev->u.exit.code = 9;
	hand_exec(&h, 2 * MS, 10, "make");
	hand_add(&h, EV_EXIT, 3 * MS, 10)->flags |= EVF_STATUS;
	h.rec.has_end = true;
	h.rec.end.ts = 3 * MS;
	out = render_recording(&h, 0);
	assert_non_null(strstr(out, "    title #109;ake\n"));
	free(out);
}

/*
 * The axis uses only what no time zone changes: seconds since timestamp 0
 * (%s), milliseconds (%L), and ticks every so many milliseconds, some 5 to
 * 10 over what the bars span.
 */
static void test_axis_format(void **state)
{
	struct fx *f = *state;
	char *out;

	exec(f, proc(f, NULL, 1, 0, 90000 * MS), 0, "sleep", "90", NULL);
	out = render(f, NULL);
	assert_non_null(strstr(out, "    axisFormat %s\n    tickInterval 10000millisecond\n"));
	assert_non_null(strstr(out, "    #115;leep 90 :active, 0, 90000ms\n"));
	free(out);
}

/* What the bars span sets the ticks, not the recording's length (a --pid subtree, say). */
static void test_axis_follows_the_bars(void **state)
{
	struct fx *f = *state;
	char *out;

	exec(f, proc(f, NULL, 1, 50000 * MS, 50003 * MS), 50000 * MS, "cc", NULL);
	f->t.end = 90000 * MS;
	out = render(f, NULL);
	assert_non_null(strstr(out, "    axisFormat %s.%L\n    tickInterval 1millisecond\n"));
	free(out);
}

/*
 * Starts are whole ms counted from the recording's start, timestamp 0 (not
 * from the first event, which a --pid subtree moves); durations are >= 1ms.
 */
static void test_times(void **state)
{
	struct fx *f = *state;
	struct proc *r;
	char *out;

	r = proc(f, NULL, 1, 5000 * MS + 999999, 5010 * MS);
	f->t.start = 5000 * MS;
	exec(f, r, 5000 * MS + 999999, "x", NULL);
	exec(f, r, 5001 * MS + 400000, "y", NULL);
	exec(f, r, 5001 * MS + 400001, "z", NULL);
	out = render(f, NULL);
	assert_non_null(strstr(out,
		"    #120; :5000, 1ms\n"
		"    #121; :5001, 1ms\n"
		"    #122; :active, 5001, 9ms\n"));
	free(out);
}

/* Mermaid merges sections of the same name (and misplaces their titles): names are made unique. */
static void test_section_names_unique(void **state)
{
	struct fx *f = *state;
	struct proc *r;
	char *out;

	r = proc(f, NULL, 1, 0, 100 * MS);
	exec(f, r, 0, "echo", "hi", NULL);
	exec(f, proc(f, r, 2, 1 * MS, 2 * MS), 1 * MS, "echo", "hi", NULL);
	exec(f, proc(f, r, 3, 3 * MS, 4 * MS), 3 * MS, "echo", "hi (2)", NULL);
	exec(f, proc(f, r, 4, 5 * MS, 6 * MS), 5 * MS, "echo", "hi", NULL);
	exec(f, proc(f, r, 5, 7 * MS, 20 * MS), 7 * MS, "not shown", NULL);
	out = render(f, &(struct render_opts){ .max_bars = 5 });
	assert_non_null(strstr(out,
		"    section #101;cho hi\n"
		"    #101;cho hi :active, 0, 100ms\n"
		"    section #101;cho hi (2)\n"
		"    #101;cho hi :active, 1, 1ms\n"
		"    section #101;cho hi (2) (2)\n"
		"    #101;cho hi (2) :active, 3, 1ms\n"
		"    section #101;cho hi (3)\n"
		"    #101;cho hi :active, 5, 1ms\n"
		"    section #110;ot shown\n"
		"    #110;ot shown :active, 7, 13ms\n"));
	free(out);
	out = render(f, &(struct render_opts){ .max_bars = 4 });
	assert_non_null(strstr(out, "    section #110;ot shown (2)\n    #49; of 5 bars not shown"));
	free(out);
}

static void test_empty_trace(void **state)
{
	struct fx *f = *state;
	char *out;

	out = render(f, NULL);
	assert_non_null(strstr(out, "    section #110;ot shown\n    #110;o processes recorded :done, 0, 1ms\n"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_specials),
		cmocka_unit_test(test_escape_blank_and_controls),
		cmocka_unit_test(test_escape_utf8),
		cmocka_unit_test(test_escape_embedded_nul),
		cmocka_unit_test(test_escape_cap),
		cmocka_unit_test_setup_teardown(test_escape_long_label_in_chart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chart_structure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_images_before_children, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_only_labels, setup, teardown),
		cmocka_unit_test(test_fork_only_chain_labels),
		cmocka_unit_test(test_active_only_at_the_end),
		cmocka_unit_test_setup_teardown(test_root_that_never_ran, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_bars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_min_duration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_min_duration_and_max_bars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nothing_left_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_title_flags_lost_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_title_without_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_title_of_subtree, setup, teardown),
		cmocka_unit_test(test_title_is_the_recorded_root),
		cmocka_unit_test_setup_teardown(test_axis_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_axis_follows_the_bars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_section_names_unique, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_trace, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
