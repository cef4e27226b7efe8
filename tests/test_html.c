/* tests/test_html.c: the html view: the page's frame, its data decoded back, escaping and tables. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include <zlib.h>

#include "render/trace.h"
#include "tests/hand_recording.h"

#define MS 1000000ull

/* The data of a page: base64 inside <script id="proctrace-data">, gzip inside that. */
static json_t *page_data(const char *page)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *tag = strstr(page, "id=\"proctrace-data\"");
	const char *s, *e;
	unsigned char *bin, *text;
	size_t nbin = 0, cap = 1 << 16;
	uint32_t acc = 0;
	int bits = 0;
	z_stream z = { 0 };
	json_error_t jerr;
	json_t *j;

	assert_non_null(tag);
	s = strchr(tag, '>') + 1;
	e = strchr(s, '<');
	assert_non_null(e);
	assert_true(strncmp(e, "</script>", 9) == 0);
	bin = malloc((size_t)(e - s));
	assert_non_null(bin);
	for (const char *p = s; p < e && *p != '='; p++) {
		const char *d = strchr(b64, *p);

		assert_non_null(d);
		acc = acc << 6 | (uint32_t)(d - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			bin[nbin++] = (unsigned char)(acc >> bits);
		}
	}
	text = malloc(cap);
	assert_non_null(text);
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = bin;
	z.avail_in = (uInt)nbin;
	for (;;) {
		int rc;

		z.next_out = text + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out);
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END)
			break;
		assert_int_equal(rc, Z_OK);
		if (z.avail_out == 0) {
			cap *= 2;
			text = realloc(text, cap);
			assert_non_null(text);
		}
	}
	/* nothing after the gzip stream */
	assert_int_equal(z.avail_in, 0);
	j = json_loadb((const char *)text, z.total_out, 0, &jerr);
	if (!j)
		fail_msg("the page's data is not JSON: %s", jerr.text);
	inflateEnd(&z);
	free(text);
	free(bin);
	return j;
}

/* render_html() of a recording through trace_build(); *page is the whole page (caller frees). */
static json_t *render_page(struct hand_recording *h, int32_t pid, char **page)
{
	struct trace *t = NULL;
	size_t len = 0;
	FILE *out;
	json_t *j;

	assert_int_equal(trace_build(&t, &h->rec, pid), 0);
	out = open_memstream(page, &len);
	assert_non_null(out);
	assert_int_equal(render_html(out, t, NULL), 0);
	assert_int_equal(fclose(out), 0);
	trace_free(t);
	j = page_data(*page);
	return j;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* A whole page: its frame, one data element and one script, nothing that could end them early. */
static void check_frame(const char *page)
{
	assert_true(strncmp(page, "<!DOCTYPE html>\n", 16) == 0);
	assert_non_null(strstr(page, "</html>\n"));
	assert_string_equal(strstr(page, "</html>\n"), "</html>\n");
	assert_int_equal(count(page, "<script"), 2);
	assert_int_equal(count(page, "</script"), 2);
	assert_int_equal(count(page, "<!--"), 0);
}

static json_t *at(json_t *a, size_t i)
{
	json_t *v = json_array_get(a, i);

	assert_non_null(v);
	return v;
}

static json_int_t num(json_t *a, size_t i)
{
	json_t *v = at(a, i);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* The string a number in the data refers to. */
static const char *str(json_t *d, json_int_t ref)
{
	json_t *s = json_array_get(json_object_get(d, "S"), (size_t)ref);

	assert_non_null(s);
	return json_string_value(s);
}

#define PSTRIDE 15

static void test_empty(void **state)
{
	struct hand_recording h = { 0 };
	char *page = NULL;
	json_t *d;

	(void)state;
	hand_init(&h);
	d = render_page(&h, 0, &page);
	check_frame(page);
	assert_non_null(strstr(page, "<title>proctrace</title>"));
	assert_int_equal(json_integer_value(json_object_get(d, "v")), 1);
	assert_int_equal(json_array_size(json_object_get(d, "P")), 0);
	assert_int_equal(json_array_size(json_object_get(d, "X")), 0);
	assert_int_equal(json_array_size(json_object_get(d, "S")), 0);
	assert_int_equal(json_integer_value(json_object_get(d, "lanes")), 0);
	assert_true(json_is_null(json_object_get(json_object_get(d, "meta"), "command")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "meta"), "root")), -1);
	json_decref(d);
	free(page);
}

/* A header with a hostile command and nothing else: the title is escaped, the data exact. */
static void test_header_only(void **state)
{
	static const char *const cmd[] = { "sh", "-c", "echo '</script><!--' \"&amp;\"\x01" };
	struct hand_recording h = { 0 };
	char *page = NULL;
	json_t *d, *c;

	(void)state;
	hand_init(&h);
	h.rec.has_header = true;
	h.rec.hdr.root_pid = 7;
	h.rec.hdr.command = cmd;
	h.rec.hdr.command_len = 3;
	h.rec.hdr.tool = "proctrace 0.1.0";
	d = render_page(&h, 0, &page);
	check_frame(page);
	assert_non_null(strstr(page, "<title>proctrace: sh -c echo '&lt;/script&gt;&lt;!--' &quot;&amp;amp;&quot; </title>"));
	c = json_object_get(json_object_get(d, "meta"), "command");
	assert_int_equal(json_array_size(c), 3);
	assert_string_equal(json_string_value(at(c, 2)), cmd[2]);
	/* the model knows the recorded command from the header alone: a process with no image */
	assert_int_equal(json_array_size(json_object_get(d, "P")), PSTRIDE);
	assert_int_equal(num(json_object_get(d, "P"), 0), 7);
	assert_int_equal(num(json_object_get(d, "P"), 12), 0);
	json_decref(d);
	free(page);
}

/* A recording made without --failed-execs: its failed execs are null (not recorded), not 0. */
static void test_failed_execs_not_recorded(void **state)
{
	struct hand_recording h = { 0 };
	char *page = NULL;
	json_t *d;

	(void)state;
	hand_init(&h);
	h.rec.has_header = true;
	h.rec.hdr.root_pid = 7;
	d = render_page(&h, 0, &page);
	assert_true(json_is_integer(json_object_get(json_object_get(d, "T"), "bad_execs")));
	json_decref(d);
	free(page);
	h.rec.hdr.has_failed_execs = true;
	h.rec.hdr.failed_execs = true;
	d = render_page(&h, 0, &page);
	assert_true(json_is_integer(json_object_get(json_object_get(d, "T"), "bad_execs")));
	json_decref(d);
	free(page);
	h.rec.hdr.failed_execs = false;
	d = render_page(&h, 0, &page);
	assert_true(json_is_null(json_object_get(json_object_get(d, "T"), "bad_execs")));
	json_decref(d);
	free(page);
}

/*
 * The failed-execs card is split as the summary splits it: before a
 * successful exec of the same process, PATH-search misses; the rest real.
 */
static void test_failed_execs_split(void **state)
{
	struct hand_recording h = { 0 };
	char *page = NULL;
	json_t *d, *T;

	(void)state;
	hand_init(&h);
	hand_exec(&h, 1, 1, "sh");
	hand_fork(&h, 2, 1, 2);
	hand_add(&h, EV_BADEXEC, 3, 2);
	hand_add(&h, EV_BADEXEC, 4, 2);
	hand_exec(&h, 5, 2, "make");             /* found: both were misses */
	hand_add(&h, EV_BADEXEC, 6, 2);          /* nothing after it: real */
	hand_add(&h, EV_EXIT, 7, 2);
	hand_fork(&h, 8, 1, 3);
	hand_add(&h, EV_BADEXEC, 9, 3);          /* never exec'd: real */
	hand_add(&h, EV_EXIT, 10, 3);
	hand_add(&h, EV_EXIT, 11, 1);
	d = render_page(&h, 0, &page);
	T = json_object_get(d, "T");
	assert_int_equal(json_integer_value(json_object_get(T, "bad_execs")), 4);
	assert_int_equal(json_integer_value(json_object_get(T, "bad_misses")), 2);
	assert_int_equal(json_integer_value(json_object_get(T, "bad_real")), 2);
	json_decref(d);
	free(page);
}

/* One process that never exec'd: a process with no image, nothing inherited. */
static void test_never_execd(void **state)
{
	struct hand_recording h = { 0 };
	char *page = NULL;
	json_t *d, *p;

	(void)state;
	hand_init(&h);
	hand_fork(&h, 1 * MS, 1, 2);
	hand_add(&h, EV_EXIT, 4 * MS, 2)->flags |= EVF_STATUS;
	d = render_page(&h, 0, &page);
	check_frame(page);
	p = json_object_get(d, "P");
	/* the child of the first Fork is the recorded command: its parent is outside */
	assert_int_equal(json_array_size(p), PSTRIDE);
	assert_int_equal(num(p, 0), 2);       /* pid */
	assert_int_equal(num(p, 1), 0);       /* no parent */
	assert_int_equal(num(p, 4), 3 * MS);  /* duration */
	assert_int_equal(num(p, 5), 0);       /* exited 0 */
	assert_int_equal(num(p, 12), 0);      /* no exec image */
	assert_int_equal(num(p, 14), 0);      /* nothing inherited */
	assert_string_equal(str(d, num(p, 11)), "(unknown)");
	assert_int_equal(json_array_size(json_object_get(d, "X")), 0);
	json_decref(d);
	free(page);
}

/*
 * Every argv comes back exactly from the data: markup, quotes, controls,
 * U+2028, and bytes that are not UTF-8 (each one U+FFFD, as the recording
 * format writes them); and none of it appears as such in the page.
 */
static void test_hostile_argv(void **state)
{
	static const char *const argv[] = {
		"</script><script>alert(1)</script>", "<!--", "-->", "\"quoted\"", "it's",
		"back\\slash", "tab\there\nnewline\r\x1b[31mred", "\x7f", "line\xe2\x80\xa8sep",
		"bad\xff\xfe" "utf8\xc3", "h\xc3\xa9llo \xe6\x97\xa5\xf0\x9f\x98\x80", "", "&lt;&amp;",
	};
	static const char *const want[] = {
		"</script><script>alert(1)</script>", "<!--", "-->", "\"quoted\"", "it's",
		"back\\slash", "tab\there\nnewline\r\x1b[31mred", "\x7f", "line\xe2\x80\xa8sep",
		"bad\xef\xbf\xbd\xef\xbf\xbd" "utf8\xef\xbf\xbd", "h\xc3\xa9llo \xe6\x97\xa5\xf0\x9f\x98\x80", "",
		"&lt;&amp;",
	};
	const size_t n = sizeof(argv) / sizeof(argv[0]);
	struct hand_recording h = { 0 };
	struct event *ex;
	char *page = NULL;
	json_t *d, *x;

	(void)state;
	hand_init(&h);
	ex = hand_exec(&h, 1 * MS, 1, "x");
	ex->u.exec.argv = argv;
	ex->u.exec.argc = (uint32_t)n;
	ex->u.exec.filename = "/bin/</script>";
	hand_add(&h, EV_EXIT, 2 * MS, 1)->flags |= EVF_STATUS;
	d = render_page(&h, 0, &page);
	check_frame(page);
	x = json_object_get(d, "X");
	assert_int_equal(num(x, 6), (json_int_t)n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(str(d, num(x, 7 + i)), want[i]);
	assert_string_equal(str(d, num(x, 3)), "/bin/</script>");
	/* only in the title, as text */
	assert_int_equal(count(page, "alert(1)"), 1);
	assert_non_null(strstr(page, "<title>proctrace: &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; "
				     "&lt;!-- --&gt; &quot;quoted&quot; it's back\\slash tab here newline  [31mred   line"));
	assert_non_null(strstr(page, " badutf8 h\xc3\xa9llo "));
	json_decref(d);
	free(page);
}

/*
 * A string used many times is written once (as the reader interns them,
 * equal texts here have one address), or twice when it is also a command
 * name, which are told apart by content.
 */
static void test_strings_interned(void **state)
{
	static const char *const argv[] = { "gcc", "-O2", "-c", "a.c" };
	static const char *const want[] = { "make", "gcc", "-O2", "-c", "a.c" };
	struct hand_recording h = { 0 };
	char *page = NULL;
	json_t *d, *s;
	size_t n[5] = { 0 };

	(void)state;
	hand_init(&h);
	hand_exec(&h, 1 * MS, 1, "make");
	for (int32_t pid = 2; pid < 12; pid++) {
		struct event *ex;

		hand_fork(&h, (uint64_t)pid * MS, 1, pid);
		ex = hand_exec(&h, (uint64_t)pid * MS + 1, pid, argv[0]);
		ex->u.exec.argv = argv;
		ex->u.exec.argc = 4;
	}
	d = render_page(&h, 0, &page);
	s = json_object_get(d, "S");
	for (size_t i = 0; i < json_array_size(s); i++)
		for (size_t k = 0; k < 5; k++)
			n[k] += !strcmp(json_string_value(at(s, i)), want[k]);
	/* make and gcc: as argv (and file name) and as a name; the others once */
	assert_int_equal(json_array_size(s), 7);
	assert_int_equal(n[0], 2);
	assert_int_equal(n[1], 2);
	assert_int_equal(n[2], 1);
	assert_int_equal(n[3], 1);
	assert_int_equal(n[4], 1);
	json_decref(d);
	free(page);
}

static struct event *hand_exit(struct hand_recording *h, uint64_t ts, int32_t pid, int code,
			       bool signaled)
{
	struct event *x = hand_add(h, EV_EXIT, ts, pid);

	x->flags |= EVF_STATUS | EVF_RUSAGE | (signaled ? EVF_SIGNALED : 0);
	x->u.exit.code = code;
	x->u.exit.user_ns = 3 * MS;
	x->u.exit.system_ns = 1 * MS;
	x->u.exit.max_rss_kb = 1000 + (uint64_t)pid;
	return x;
}

/*
 * make (1) runs sh (2) which runs cc (3): cc fails, sh and make pass it up;
 * a killed one (4) on its own. Failures: the causes first (cc, then the
 * killed one), then sh and make; statuses and rusage as recorded.
 */
static void test_failures(void **state)
{
	struct hand_recording h = { 0 };
	char *page = NULL;
	json_t *d, *f, *p, *t;

	(void)state;
	hand_init(&h);
	hand_exec(&h, 0, 1, "make");
	hand_fork(&h, 1 * MS, 1, 2);
	hand_exec(&h, 2 * MS, 2, "sh");
	hand_fork(&h, 3 * MS, 2, 3);
	hand_exec(&h, 4 * MS, 3, "cc");
	hand_fork(&h, 5 * MS, 1, 4);
	hand_exec(&h, 6 * MS, 4, "sleep");
	hand_exit(&h, 7 * MS, 3, 1, false);
	hand_exit(&h, 8 * MS, 2, 1, false);
	hand_exit(&h, 9 * MS, 4, 9, true);
	hand_exit(&h, 10 * MS, 1, 2, false);
	d = render_page(&h, 0, &page);
	f = json_object_get(d, "F");
	p = json_object_get(d, "P");
	assert_int_equal(json_array_size(f), 8);
	/* process indices: 0 make, 1 sh, 2 cc, 3 sleep */
	assert_int_equal(num(f, 0), 2);
	assert_int_equal(num(f, 1), 1);
	assert_int_equal(num(f, 2), 3);
	assert_int_equal(num(f, 3), 1);
	assert_int_equal(num(f, 4), 0);
	assert_int_equal(num(f, 5), 0);
	assert_int_equal(num(f, 6), 1);
	assert_int_equal(num(f, 7), 0);
	assert_int_equal(num(p, 3 * PSTRIDE + 5), 2);     /* killed */
	assert_int_equal(num(p, 3 * PSTRIDE + 6), 9);     /* by signal 9 */
	assert_int_equal(num(p, 2 * PSTRIDE + 5), 1);     /* cc: non-zero */
	assert_int_equal(num(p, 2 * PSTRIDE + 7), 3 * MS);  /* user */
	assert_int_equal(num(p, 2 * PSTRIDE + 8), 1 * MS);  /* system */
	assert_int_equal(num(p, 2 * PSTRIDE + 9), 1003);  /* peak RSS */
	t = json_object_get(d, "T");
	assert_int_equal(json_integer_value(json_object_get(t, "failed")), 3);
	assert_int_equal(json_integer_value(json_object_get(t, "killed")), 1);
	assert_int_equal(json_integer_value(json_object_get(t, "cpu")), 16 * MS);
	assert_int_equal(json_integer_value(json_object_get(t, "wall")), 10 * MS);
	/* the slowest: make 10 ms, sh 7, then cc and sleep 4 each, in the model's order */
	f = json_object_get(d, "L");
	assert_int_equal(json_array_size(f), 4);
	assert_int_equal(num(f, 0), 0);
	assert_int_equal(num(f, 1), 1);
	assert_int_equal(num(f, 2), 2);
	assert_int_equal(num(f, 3), 3);
	json_decref(d);
	free(page);
}

/*
 * Two cc images overlapping and one apart: the command's elapsed time is
 * their union, its added-up time their sum; lanes keep overlapping
 * processes apart.
 */
static void test_commands_and_lanes(void **state)
{
	struct hand_recording h = { 0 };
	char *page = NULL;
	json_t *d, *c, *p;
	size_t i;

	(void)state;
	hand_init(&h);
	hand_exec(&h, 0, 1, "make");
	hand_fork(&h, 1 * MS, 1, 2);
	hand_exec(&h, 1 * MS, 2, "cc");
	hand_fork(&h, 2 * MS, 1, 3);
	hand_exec(&h, 2 * MS, 3, "cc");
	hand_exit(&h, 5 * MS, 2, 0, false);
	hand_exit(&h, 6 * MS, 3, 0, false);
	hand_fork(&h, 10 * MS, 1, 4);
	hand_exec(&h, 10 * MS, 4, "cc");
	hand_exit(&h, 12 * MS, 4, 0, false);
	hand_exit(&h, 20 * MS, 1, 0, false);
	d = render_page(&h, 0, &page);
	c = json_object_get(d, "C");
	/* make first (20 ms elapsed), then cc */
	assert_int_equal(json_array_size(c), 14);
	assert_string_equal(str(d, num(c, 0)), "make");
	assert_string_equal(str(d, num(c, 7)), "cc");
	assert_int_equal(num(c, 8), 3);         /* images */
	assert_int_equal(num(c, 9), 7 * MS);    /* elapsed: 1-6 and 10-12 */
	assert_int_equal(num(c, 10), 10 * MS);  /* added up: 4 + 4 + 2 */
	assert_int_equal(num(c, 11), 12 * MS);  /* CPU of the three */
	assert_int_equal(num(c, 12), 3);
	assert_int_equal(num(c, 13), 0);
	p = json_object_get(d, "P");
	assert_int_equal(json_integer_value(json_object_get(d, "lanes")), 3);
	assert_int_equal(num(p, 0 * PSTRIDE + 2), 0);
	assert_int_equal(num(p, 1 * PSTRIDE + 2), 1);
	assert_int_equal(num(p, 2 * PSTRIDE + 2), 2);
	assert_int_equal(num(p, 3 * PSTRIDE + 2), 1); /* free again at 10 ms */
	/* starts: each after the previous one's */
	assert_int_equal(num(p, 3 * PSTRIDE + 3), 8 * MS);
	for (i = 0; i < 4; i++)
		assert_int_equal(num(p, i * PSTRIDE + 12), 1);
	json_decref(d);
	free(page);
}

/* The critical path of the model is in the data, and so is each process's on_crit. */
static void test_crit(void **state)
{
	struct hand_recording h = { 0 };
	struct trace *t = NULL;
	char *page = NULL;
	size_t len = 0;
	FILE *out;
	json_t *d, *k, *p;

	(void)state;
	hand_init(&h);
	hand_exec(&h, 1 * MS, 1, "make");
	hand_fork(&h, 2 * MS, 1, 2);
	hand_exec(&h, 3 * MS, 2, "cc");
	hand_exit(&h, 8 * MS, 2, 0, false);
	hand_exit(&h, 9 * MS, 1, 0, false);
	assert_int_equal(trace_build(&t, &h.rec, 0), 0);
	free(t->crit);
	t->crit = calloc(2, sizeof(*t->crit));
	assert_non_null(t->crit);
	t->crit[0] = (struct crit_link){ &t->procs[0], 1 * MS, 9 * MS, 6 * MS };
	t->crit[1] = (struct crit_link){ &t->procs[1], 2 * MS, 8 * MS, 0 };
	t->ncrit = 2;
	t->procs[0].on_crit = t->procs[1].on_crit = true;
	out = open_memstream(&page, &len);
	assert_non_null(out);
	assert_int_equal(render_html(out, t, NULL), 0);
	assert_int_equal(fclose(out), 0);
	trace_free(t);
	d = page_data(page);
	k = json_object_get(d, "K");
	assert_int_equal(json_array_size(k), 8);
	/* times from the origin, the first process's start (1 ms) */
	assert_int_equal(num(k, 0), 0);
	assert_int_equal(num(k, 1), 0);
	assert_int_equal(num(k, 2), 8 * MS);
	assert_int_equal(num(k, 3), 6 * MS);
	assert_int_equal(num(k, 4), 1);
	assert_int_equal(num(k, 5), 1 * MS);
	p = json_object_get(d, "P");
	assert_int_equal(num(p, 10) & 1, 1);
	assert_int_equal(num(p, PSTRIDE + 10) & 1, 1);
	json_decref(d);
	free(page);
}

/*
 * The page's time 0 is the recording's, as in the summary and the
 * critical-path view: a root forked 27 ms after the start starts at 27 ms
 * on the page and on its critical path.
 */
static void test_origin_is_the_recordings_start(void **state)
{
	struct hand_recording h = { 0 };
	char *page = NULL;
	json_t *d, *k;

	(void)state;
	hand_init(&h);
	h.rec.has_header = true;
	h.rec.hdr.root_pid = 1;
	hand_fork(&h, 27 * MS, 99, 1);
	hand_exec(&h, 28 * MS, 1, "sh");
	hand_exit(&h, 40 * MS, 1, 0, false);
	d = render_page(&h, 0, &page);
	assert_int_equal(json_integer_value(json_object_get(d, "origin")), 0);
	assert_int_equal(num(json_object_get(d, "P"), 3), 27 * MS);
	k = json_object_get(d, "K");
	assert_int_equal(num(k, 1), 27 * MS);
	json_decref(d);
	free(page);
}

/* A process still running at the end, and one whose Exit is missing (pid taken again). */
static void test_running_and_unknown(void **state)
{
	struct hand_recording h = { 0 };
	char *page = NULL;
	json_t *d, *p;

	(void)state;
	hand_init(&h);
	hand_exec(&h, 0, 1, "sh");
	hand_fork(&h, 1 * MS, 1, 2);
	hand_exec(&h, 2 * MS, 2, "lost");
	hand_fork(&h, 3 * MS, 1, 2);
	hand_exec(&h, 4 * MS, 2, "daemon");
	hand_exit(&h, 5 * MS, 1, 0, false);
	h.rec.has_end = true;
	h.rec.end.ts = 10 * MS;
	d = render_page(&h, 0, &page);
	p = json_object_get(d, "P");
	assert_int_equal(json_array_size(p), 3 * PSTRIDE);
	assert_int_equal(num(p, 1 * PSTRIDE + 5), 4);  /* no Exit: unknown */
	assert_int_equal(num(p, 1 * PSTRIDE + 7), -1); /* no CPU */
	assert_int_equal(num(p, 2 * PSTRIDE + 5), 3);  /* still running */
	assert_int_equal(json_integer_value(json_object_get(d, "end")), 10 * MS);
	json_decref(d);
	free(page);
}

/* Under --pid, the page's time starts at the chosen process. */
static void test_subtree_origin(void **state)
{
	struct hand_recording h = { 0 };
	char *page = NULL;
	json_t *d, *p;

	(void)state;
	hand_init(&h);
	hand_exec(&h, 0, 1, "make");
	hand_fork(&h, 5 * MS, 1, 2);
	hand_exec(&h, 6 * MS, 2, "cc");
	hand_exit(&h, 8 * MS, 2, 0, false);
	hand_exit(&h, 9 * MS, 1, 0, false);
	d = render_page(&h, 2, &page);
	p = json_object_get(d, "P");
	assert_int_equal(json_array_size(p), PSTRIDE);
	assert_int_equal(json_integer_value(json_object_get(d, "origin")), 5 * MS);
	assert_int_equal(num(p, 3), 0);
	assert_true(json_is_false(json_object_get(json_object_get(d, "meta"), "root_is_recorded")));
	assert_non_null(strstr(page, "<title>proctrace: cc</title>"));
	json_decref(d);
	free(page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_header_only),
		cmocka_unit_test(test_failed_execs_not_recorded),
		cmocka_unit_test(test_failed_execs_split),
		cmocka_unit_test(test_never_execd),
		cmocka_unit_test(test_hostile_argv),
		cmocka_unit_test(test_strings_interned),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_commands_and_lanes),
		cmocka_unit_test(test_crit),
		cmocka_unit_test(test_origin_is_the_recordings_start),
		cmocka_unit_test(test_running_and_unknown),
		cmocka_unit_test(test_subtree_origin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
