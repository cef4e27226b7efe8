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
#include "formats/utf8.h"
#include "tests/hand_recording.h"

#define MS 1000000ull
#define MAXP 128
#define MAXE 512

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
	/* The start and the end are kept, the middle goes. */
	check_escape("abcdef", 4, "#97;\xe2\x80\xa6" "ef");
	check_escape("abcdefg", 5, "#97;b\xe2\x80\xa6" "fg");
	check_escape("abc", 1, "#8230;");
	check_escape("abc", 2, "#8230;c");
	/* Characters, not bytes. */
	check_escape("\xc3\xa9\xc3\xa9\xc3\xa9", 3, "#233;\xc3\xa9\xc3\xa9");
	check_escape("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3, "#233;\xe2\x80\xa6\xc3\xa9");
}

/* A cut keeps whole words at both ends when there are spaces near it. */
static void test_escape_cut_in_the_middle(void **state)
{
	const char *gcc = "gcc -DHAVE_CONFIG_H -I. -I.. -I../lib -g -O2 -MT grep.o -MD -MP "
			  "-MF .deps/grep.Tpo -c -o grep.o grep.c";
	const char *ld = "gcc -g -O2 -Wl,--as-needed -o grep dfasearch.o grep.o kwset.o "
			 "searchutils.o ../lib/libgreputils.a -lpcre2-8";

	(void)state;
	check_escape(ld, 50, "#103;cc -g -O2 -Wl,--as-need\xe2\x80\xa6/libgreputils.a -lpcre2-8");
	/* A word longer than its half is cut: "-Wl,--as-needed" and "../lib/libgreputils.a" here. */
	check_escape(ld, 30, "#103;cc -g -O2 \xe2\x80\xa6 -lpcre2-8");
	/*
	 * A compiler's: its program and source file, "-o" and its value, and
	 * the words from the front that fit, "…" for the words left out.
	 */
	check_escape(gcc, 50, "#103;cc -DHAVE_CONFIG_H -I. -I.. \xe2\x80\xa6 -o grep.o grep.c");
	check_escape(gcc, 30, "#103;cc \xe2\x80\xa6 -o grep.o grep.c");
	/* Too short for "-o": the program and the source. */
	check_escape(gcc, 14, "#103;cc \xe2\x80\xa6 grep.c");
	/* Too short even for them: they are cut in the middle. */
	check_escape(gcc, 10, "#103;cc \xe2\x80\xa6rep.c");
	/* No space near the cut: cut inside the word. */
	check_escape("abcdefghijklmnopqrstuvwxyz", 11, "#97;bcde\xe2\x80\xa6vwxyz");
	/* Never a space beside the ellipsis that was not a word boundary. */
	check_escape("ab    cdef", 4, "#97;\xe2\x80\xa6" "ef");
}

/* Read back what emit() wrote: entities decoded, everything else as UTF-8 (which must be valid). */
static size_t unescape(const char *s, uint32_t *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = 0, len = strlen(s);

	for (size_t i = 0; i < len;) {
		uint32_t c = 0;

		if (u[i] == '#') {
			size_t j = i + 1;

			while (u[j] >= '0' && u[j] <= '9')
				c = c * 10 + (u[j++] - '0');
			/* every '#' written starts an entity: digits and a ';' */
			assert_true(j > i + 1);
			assert_int_equal(u[j], ';');
			i = j + 1;
		} else {
			int k = utf8_seq(u + i, len - i);

			assert_true(k > 0);
			i += utf8_decode(u + i, len - i, &c);
			/* what the lexer would act on is never written as it is */
			assert_null(memchr(":;%<>&\"'", (int)c, c < 0x80 ? 9 : 0));
		}
		out[n++] = c;
	}
	return n;
}

/*
 * Cut at every length, a label of multi-byte characters and characters
 * written as entities reads back as a start and an end of the original
 * around one ellipsis: never a split character or entity.
 */
static void test_escape_cut_is_utf8_safe(void **state)
{
	/* e-acute, CJK, an emoji (4 bytes), ':' '#' ';' (entities), spaces */
	static const char label[] = "\xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac:#; "
				    "\xf0\x9f\x98\x80x \xe2\x9c\x93" "a:b \xc3\xa9nd";
	uint32_t want[64], got[64];
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(label) - 1;)
		i += utf8_decode((const unsigned char *)label + i, sizeof(label) - 1 - i, &want[n++]);
	for (size_t max = 1; max <= n; max++) {
		char *out = escape(label, strlen(label), max);
		size_t k = unescape(out, got), h = 0, t = 0;

		assert_true(k <= max);
		if (max == n) {
			assert_int_equal(k, n);
			assert_memory_equal(got, want, n * sizeof(*want));
			free(out);
			continue;
		}
		/* got = a prefix of want, maybe a space, U+2026, maybe a space, a suffix of want */
		while (h < k && got[h] == want[h])
			h++;
		while (t < k - h && got[k - 1 - t] == want[n - 1 - t])
			t++;
		assert_true(h < k);
		if (got[h] == ' ' && got[h + 1] == 0x2026)
			h++;
		assert_int_equal(got[h], 0x2026);
		assert_true(k - h - 1 - t <= 1);
		if (k - h - 1 - t == 1)
			assert_int_equal(got[h + 1], ' ');
		free(out);
	}
}

static void test_escape_long_label_in_chart(void **state)
{
	struct fx *f = *state;
	const char *argv[202] = { "cmd" };
	struct event *e;
	char *out, *line, *end, *c;
	size_t chars = 0;

	for (int i = 1; i < 200; i++)
		argv[i] = "-DX";
	argv[200] = "last";
	exec(f, proc(f, NULL, 1, 0, 5 * MS), 0, "cmd", NULL);
	e = &f->ev[f->rec.n - 1];
	e->u.exec.argv = argv;
	e->u.exec.argc = 201;
	out = render(f, NULL);
	line = strstr(out, "\n    #99;md -DX -DX");
	assert_non_null(line);
	end = strstr(line, " -DX last :active, 0, 5ms\n");
	assert_non_null(end);
	/* "#99;" is one character; so is the ellipsis, in the middle. */
	for (c = line + 5 + 4; c < end; c++)
		chars += ((unsigned char)*c & 0xc0) != 0x80;
	assert_true(chars + 1 + 11 <= MERMAID_LABEL_MAX);
	assert_true(chars > 40);
	c = strstr(line, " \xe2\x80\xa6 -DX");
	assert_true(c && c < end);
	free(out);
}

/*
 * A compiler's command line too long for its label keeps its program and
 * the source file it compiles, wherever that is in it, and "-o" with its
 * value when there is room; the source named again as an option's value
 * ("-dumpbase grep.c") is not kept twice.
 */
static void test_label_keeps_source_file(void **state)
{
	struct fx *f = *state;
	const char *argv[64] = { "/usr/lib/gcc/x86_64-linux-gnu/12/cc1", "-quiet", "-I", "." };
	int n = 4;
	char *out, *line, *eol, *src, *o;

	for (int i = 0; i < 20; i++) {
		argv[n++] = "-D";
		argv[n++] = "HAVE_SOMETHING_QUITE_LONG=1";
	}
	argv[n++] = "grep.c";
	argv[n++] = "-dumpbase";
	argv[n++] = "grep.c";
	for (int i = 0; i < 6; i++)
		argv[n++] = "-fasynchronous-unwind-tables";
	argv[n++] = "-o";
	argv[n++] = "/tmp/ccAbCdEf.s";
	argv[n++] = "-fno-ident";
	exec(f, proc(f, NULL, 1, 0, 5 * MS), 0, "cc1", NULL);
	f->ev[f->rec.n - 1].u.exec.argv = argv;
	f->ev[f->rec.n - 1].u.exec.argc = (uint32_t)n;
	out = render(f, NULL);
	line = strstr(out, "\n    #47;usr/lib/gcc/x86_64-linux-gnu/12/cc1 -quiet -I . -D ");
	assert_non_null(line);
	eol = strchr(line + 1, '\n');
	assert_non_null(eol);
	*eol = '\0';
	src = strstr(line, " \xe2\x80\xa6 grep.c \xe2\x80\xa6 ");
	assert_non_null(src);
	assert_null(strstr(src + 1, "grep.c \xe2\x80\xa6 grep.c"));
	assert_null(strstr(line, "dumpbase"));
	o = strstr(line, " -o /tmp/ccAbCdEf.s \xe2\x80\xa6 :active, 0, 5ms");
	assert_non_null(o);
	assert_true(o > src);
	free(out);
}

/* A long command line that names no source file is cut in the middle, as before. */
static void test_label_without_source_cut_in_middle(void **state)
{
	struct fx *f = *state;
	const char *argv[80] = { "make" };
	char *out;

	for (int i = 1; i < 79; i++)
		argv[i] = i == 78 ? "target-at-the-end" : "VAR=value";
	exec(f, proc(f, NULL, 1, 0, 5 * MS), 0, "make", NULL);
	f->ev[f->rec.n - 1].u.exec.argv = argv;
	f->ev[f->rec.n - 1].u.exec.argc = 79;
	out = render(f, NULL);
	assert_non_null(strstr(out, "\n    #109;ake VAR=value VAR=value "));
	assert_non_null(strstr(out, " VAR=value \xe2\x80\xa6 VAR=value "));
	assert_non_null(strstr(out, " VAR=value target-at-the-end :active, 0, 5ms\n"));
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
	/*
	 * Sections are named as every view names commands; a bar shorter than a
	 * pixel (false, 100 ns) is drawn a pixel long, and the chart says so.
	 */
	assert_string_equal(out,
		"%% Bars shorter than 2ms are drawn 2ms long: one pixel of a chart 784 pixels wide.\n"
		"gantt\n"
		"    title #115;h build.sh a#60;b\n"
		"    dateFormat x\n"
		"    axisFormat %s.%L\n"
		"    tickInterval 100millisecond\n"
		"    todayMarker off\n"
		"    section #98;uild.sh\n"
		"    #115;h build.sh a#60;b :0, 900ms\n"
		"    section #101;cho\n"
		"    #101;cho key#58;value :11, 2ms\n"
		"    section #98;uild.sh (2)\n"
		"    #40;fork) sh build.sh a#60;b :20, 280ms\n"
		"    #108;s -l :31, 219ms\n"
		"    section #102;alse\n"
		"    #102;alse :crit, 400, 2ms\n");
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
	/* The section is named by the process's last image. */
	assert_non_null(strstr(out,
		"    section #109;ake\n"
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
		"    section #98;ash (2)\n"
		"    #40;fork) bash :active, 1, 8ms\n"
		"    #40;fork) bash :active, 2, 1ms\n"));
	/* A root that never exec'd has no command to borrow. */
	assert_non_null(strstr(out,
		"    section #40;unknown)\n"
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
	/* "#40;fork) sh", or "#9733; (fork) sh" on the critical path (none exits: all end together) */
	for (p = out; (p = strstr(p, "fork) sh :active, ")); p++)
		n++;
	/* pid 2 and the 40 below it */
	assert_int_equal(n, 41);
	/* Times count from the first process's start, 1 ms. */
	assert_null(strstr(out, "#40;fork) make :active, 1,"));
	assert_non_null(strstr(out, "\n    #40;fork) make :active, 49, "));
	free(out);
	/*
	 * Under --pid the chosen process has no parent to inherit from, nor its
	 * children; the axis starts when it does (2 ms).
	 */
	out = render_recording(&h, 2);
	assert_non_null(strstr(out, "\n    title #40;fork) pid 2\n"));
	assert_non_null(strstr(out, "\n    #9733; (fork) pid 2 :active, 0, "));
	assert_non_null(strstr(out, "\n    #9733; (fork) pid 3 :active, 2, "));
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
	/* sh waited for lost (the daemon outlives it): both on the critical path */
	assert_non_null(strstr(out, "\n    #9733; lost :1, 4ms\n"));
	assert_non_null(strstr(out, "\n    #100;aemon :active, 5, 5ms\n"));
	assert_non_null(strstr(out, "\n    #9733; sh :0, 9ms\n"));
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
	/* The section has no command to be named by: the bar has the header's. */
	assert_non_null(strstr(out,
		"    section #40;unknown)\n"
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
	assert_true(!strncmp(out, "%% proctrace: 3 of 8 bars shown, in tree order: the longest others (3 of 8). "
				  "Not shown: 5, the longest 4ms. More: --max-bars N; every bar: --all-bars.\n"
				  "gantt\n", strlen("%% proctrace: 3 of 8 bars shown, in tree order: the longest others (3 of 8). "
				  "Not shown: 5, the longest 4ms. More: --max-bars N; every bar: --all-bars.\n"
				  "gantt\n")));
	assert_non_null(strstr(out,
		"    todayMarker off\n"
		"    section #101;\n"
		"    #101; :40, 5ms\n"
		"    section #102;\n"
		"    #102; :50, 9ms\n"
		"    section #104;\n"
		"    #104; :70, 6ms\n"
		"    section #110;ot shown\n"
		"    #53; of 8 bars not shown, the longest 4ms (see --max-bars, --all-bars) :done, 0, 1ms\n"));
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
	assert_non_null(strstr(out, "#52; of 8 bars not shown, the longest 3ms"));
	free(out);
}

static void test_min_duration_and_max_bars(void **state)
{
	struct fx *f = *state;
	struct render_opts o = { .min_duration_ns = 2 * MS, .max_bars = 10 };
	char *out;

	build_lengths(f);
	out = render(f, &o);
	assert_non_null(strstr(out, "#50; of 8 bars not shown, the longest 1ms"));
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

/*
 * A root on the critical path (1 s) and 99 children in a row, each in its
 * own section: 40 on the critical path (cN, N ms; c40 also failed), 30
 * failures (fN, N ms), 29 others (oN, N ms; o29 found its program on
 * execvp's second try, which is no failure).
 */
static void build_choice(struct fx *f)
{
	static char names[100][8];
	struct proc *r = proc(f, NULL, 1, 0, 100000 * MS);
	int k = 0;

	exec(f, r, 0, "make", NULL);
	exit_status(f, r, 0, false);
	r->on_crit = true;
	for (int i = 1; i <= 99; i++) {
		int n = i <= 40 ? i : i <= 70 ? i - 40 : i - 70;
		uint64_t start = (uint64_t)i * 100 * MS;
		struct proc *p = proc(f, r, 1 + i, start, start + (uint64_t)n * MS);

		snprintf(names[k], sizeof(names[k]), "%c%d", i <= 40 ? 'c' : i <= 70 ? 'f' : 'o', n);
		if (i == 99)
			bad_exec(f, p, start);
		exec(f, p, start, names[k++], NULL);
		p->on_crit = i <= 40;
		exit_status(f, p, i == 40 || (i > 40 && i <= 70) ? 1 : 0, false);
	}
}

/* Bars whose label is in lines (tree order): "name" per bar, ★ when marked. */
static void check_bars(const char *out, const char *want)
{
	char got[4096] = "";
	const char *l;

	for (l = strstr(out, "\n    "); l; l = strstr(l + 1, "\n    ")) {
		const char *e = strchr(l + 1, '\n'), *label = l + 5, *colon;

		if (!strncmp(label, "section ", 8) || !strncmp(label, "title ", 6) ||
		    !strncmp(label, "dateFormat ", 11) || !strncmp(label, "axisFormat ", 11) ||
		    !strncmp(label, "tickInterval ", 13) || !strncmp(label, "todayMarker ", 12))
			continue;
		colon = strstr(label, " :");
		assert_true(colon && colon < e);
		if (!strncmp(label, "#9733; ", 7)) {
			strcat(got, "*");
			label += 7;
		} else if (*label == '#') {
			/* the first character is an entity */
			int c = atoi(label + 1);

			snprintf(got + strlen(got), 8, "%c", c);
			label = strchr(label, ';') + 1;
		}
		strncat(got, label, (size_t)(colon - label));
		strcat(got, " ");
	}
	assert_string_equal(got, want);
}

/*
 * By default 50 bars: in turns, two of the longest on the critical path,
 * one of the longest failures, one of the longest others (a failed exec
 * followed by a successful one is not a failure), drawn in tree order; the
 * critical path is marked with a star, failures stay crit.
 */
static void test_default_bar_choice(void **state)
{
	static const char comment[] =
		"%% proctrace: 50 of 100 bars shown, in tree order: the longest on the critical path "
		"(26 of 41, marked \xe2\x98\x85), the longest failures (12 of 30) and the longest "
		"others (12 of 29). Not shown: 50, the longest 18ms. More: --max-bars N; every bar: "
		"--all-bars.\n";
	struct fx *f = *state;
	char want[4096] = "*make ";
	char *out;

	build_choice(f);
	out = render(f, NULL);
	/* 26 of 41 on the path (make, c40..c16), 12 failures (f30..f19), 12 others (o29..o18) */
	for (int i = 16; i <= 40; i++)
		snprintf(want + strlen(want), 16, "*c%d ", i);
	for (int i = 19; i <= 30; i++)
		snprintf(want + strlen(want), 16, "f%d ", i);
	for (int i = 18; i <= 29; i++)
		snprintf(want + strlen(want), 16, "o%d ", i);
	strcat(want, "50 of 100 bars not shown, the longest 18ms (see --max-bars, --all-bars) ");
	check_bars(out, want);
	assert_memory_equal(out, comment, strlen(comment));
	assert_non_null(strstr(out, "\n    #9733; c40 :crit, 4000, "));
	assert_non_null(strstr(out, "\n    #9733; c39 :3900, "));
	assert_non_null(strstr(out, "\n    #102;30 :crit, 7000, "));
	assert_non_null(strstr(out, "\n    #111;29 :9900, "));
	free(out);
}

/* --max-bars N takes the same turns; a tier with nothing left gives its turn to the others first. */
static void test_max_bars_takes_turns(void **state)
{
	struct fx *f = *state;
	char *out;

	build_choice(f);
	out = render(f, &(struct render_opts){ .max_bars = 5 });
	check_bars(out, "*make *c39 *c40 f30 o29 95 of 100 bars not shown, the longest 38ms "
			"(see --max-bars, --all-bars) ");
	free(out);
	for (size_t k = 0; k < f->t.nprocs; k++)
		f->procs[k].on_crit = false;
	/* Now c40 is a failure and the others are others: make, c39, c40, c38, c37. */
	out = render(f, &(struct render_opts){ .max_bars = 5 });
	check_bars(out, "make c37 c38 c39 c40 95 of 100 bars not shown, the longest 36ms "
			"(see --max-bars, --all-bars) ");
	free(out);
	out = render(f, &(struct render_opts){ .all_bars = true, .max_bars = 5 });
	assert_null(strstr(out, "not shown"));
	assert_null(strstr(out, "%% proctrace"));
	free(out);
}

/* Mermaid's UTF-16 length of a chart. */
static size_t utf16_units(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n += (unsigned char)*s >= 0xf0 ? 2 : 1;
	return n;
}

/*
 * The default chart stays within Mermaid's 50,000 characters whatever the
 * argv: here 60 processes, each in its own section, named and labelled by
 * 300 characters that are each written as an entity.
 */
static void test_default_within_mermaid_limit(void **state)
{
	struct fx *f = *state;
	static char hashes[301];
	struct proc *r;
	char *out, *p;
	int bars = 0, sections = 0;

	memset(hashes, '#', 300);
	r = proc(f, NULL, 1, 0, 1000 * MS);
	exec(f, r, 0, hashes, hashes, NULL);
	for (int i = 1; i <= 60; i++)
		exec(f, proc(f, r, 1 + i, (uint64_t)i * 10 * MS, (uint64_t)i * 10 * MS + 5 * MS),
		     (uint64_t)i * 10 * MS, hashes, hashes, NULL);
	out = render(f, NULL);
	assert_true(utf16_units(out) <= 50000);
	for (p = out; (p = strstr(p, "\n    #35;")); p++)
		bars++;
	assert_int_equal(bars, 50);
	for (p = out; (p = strstr(p, "\n    section #35;")); p++)
		sections++;
	assert_int_equal(sections, 50);
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
 * Starts are whole ms counted from the first process's start (not from
 * timestamp 0 nor from the first event: under --pid that is the chosen
 * process); durations are >= 1ms.
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
	exec(f, proc(f, r, 2, 5003 * MS + 200000, 5004 * MS), 5003 * MS + 200000, "w", NULL);
	out = render(f, NULL);
	assert_non_null(strstr(out,
		"    #120; :0, 1ms\n"
		"    #121; :0, 1ms\n"
		"    #122; :active, 0, 9ms\n"));
	assert_non_null(strstr(out, "    #119; :active, 2, 1ms\n"));
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
	exec(f, proc(f, r, 3, 3 * MS, 4 * MS), 3 * MS, "echo (2)", "hi", NULL);
	exec(f, proc(f, r, 4, 5 * MS, 6 * MS), 5 * MS, "echo", "hi", NULL);
	exec(f, proc(f, r, 5, 7 * MS, 20 * MS), 7 * MS, "not shown", NULL);
	out = render(f, &(struct render_opts){ .max_bars = 5 });
	assert_non_null(strstr(out,
		"    section #101;cho\n"
		"    #101;cho hi :active, 0, 100ms\n"
		"    section #101;cho (2)\n"
		"    #101;cho hi :active, 1, 1ms\n"
		"    section #101;cho (2) (2)\n"
		"    #101;cho (2) hi :active, 3, 1ms\n"
		"    section #101;cho (3)\n"
		"    #101;cho hi :active, 5, 1ms\n"
		"    section #110;ot shown\n"
		"    #110;ot shown :active, 7, 13ms\n"));
	free(out);
	out = render(f, &(struct render_opts){ .max_bars = 4 });
	/* "not shown (2)" is wider than the margin (76 pixels of 70): cut, suffix kept */
	assert_non_null(strstr(out, "    section #110;o…own (2)\n    #49; of 5 bars not shown"));
	free(out);
}

/*
 * Sections of one long name (configure's subshells, each started by it):
 * with their suffixes, they are cut below LABEL_MIN to hold in the margin,
 * where the labels drawn before a bar stop.
 */
static void test_section_names_fit_with_suffix(void **state)
{
	struct fx *f = *state;
	struct proc *r;
	char *out;

	r = proc(f, NULL, 1, 0, 100 * MS);
	exec(f, r, 0, "sh", NULL);
	for (int i = 0; i < 11; i++)
		exec(f, proc(f, r, 2 + i, (1 + 2 * i) * MS, (2 + 2 * i) * MS), (1 + 2 * i) * MS,
		     "config.status", NULL);
	out = render(f, NULL);
	assert_non_null(strstr(out, "    section #99;onfi…tatus\n"));
	assert_non_null(strstr(out, "    section #99;on…tus (2)\n"));
	assert_non_null(strstr(out, "    section #99;o…tus (10)\n"));
	assert_non_null(strstr(out, "    section #99;o…tus (11)\n"));
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
		cmocka_unit_test(test_escape_cut_in_the_middle),
		cmocka_unit_test(test_escape_cut_is_utf8_safe),
		cmocka_unit_test_setup_teardown(test_escape_long_label_in_chart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chart_structure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_images_before_children, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_only_labels, setup, teardown),
		cmocka_unit_test(test_fork_only_chain_labels),
		cmocka_unit_test(test_active_only_at_the_end),
		cmocka_unit_test_setup_teardown(test_root_that_never_ran, setup, teardown),
		cmocka_unit_test_setup_teardown(test_label_keeps_source_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_label_without_source_cut_in_middle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_bars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_min_duration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_min_duration_and_max_bars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nothing_left_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_bar_choice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_bars_takes_turns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_within_mermaid_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_title_flags_lost_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_title_without_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_title_of_subtree, setup, teardown),
		cmocka_unit_test(test_title_is_the_recorded_root),
		cmocka_unit_test_setup_teardown(test_axis_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_axis_follows_the_bars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_section_names_unique, setup, teardown),
		cmocka_unit_test_setup_teardown(test_section_names_fit_with_suffix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_trace, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
