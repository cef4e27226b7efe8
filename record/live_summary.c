/* record/live_summary.c: record --summary: render/summary.c's summary of the events so far, printed while recording. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "record/live.h"
#include "render/summary.h"

/* An event held until it can go into the summary in time order, with copies of its strings. */
struct held {
	struct event ev;
};

struct live_summary {
	struct live_summary_opts o;
	struct recorder_hook hook;
	struct summary *sum;
	struct rec_header hdr;
	uint32_t command_len;
	int fd;
	char *name;
	int write_err;
	uint64_t start_mono;
	uint64_t next_due;        /* the next interval's end, ns since the start (0: none) */
	uint64_t released;        /* events up to this timestamp are in the summary */
	uint64_t usr1_at;         /* a SIGUSR1 came then (ns since the start), if usr1 */
	bool usr1;
	int err;                  /* first error of the summary (out of memory) */
	struct held **heap;       /* min-heap on (ts, seq) */
	size_t n, cap;
};

static bool before(const struct held *a, const struct held *b)
{
	return a->ev.ts < b->ev.ts || (a->ev.ts == b->ev.ts && a->ev.seq < b->ev.seq);
}

static void heap_up(struct live_summary *s, size_t i)
{
	while (i) {
		size_t p = (i - 1) / 2;
		struct held *t;

		if (!before(s->heap[i], s->heap[p]))
			return;
		t = s->heap[p];
		s->heap[p] = s->heap[i];
		s->heap[i] = t;
		i = p;
	}
}

static struct held *heap_pop(struct live_summary *s)
{
	struct held *top = s->heap[0];
	size_t i = 0;

	s->heap[0] = s->heap[--s->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct held *t;

		if (l < s->n && before(s->heap[l], s->heap[m]))
			m = l;
		if (r < s->n && before(s->heap[r], s->heap[m]))
			m = r;
		if (m == i)
			return top;
		t = s->heap[m];
		s->heap[m] = s->heap[i];
		s->heap[i] = t;
		i = m;
	}
}

/*
 * A copy of ev and of the strings the summary reads (an Exec's or a
 * Running's filename and argv, a Running's comm after its argv, a
 * BadExec's filename), in one allocation; NULL if out of memory.
 */
static struct held *hold(const struct event *ev)
{
	bool image = ev->type == EV_EXEC || ev->type == EV_RUNNING;
	const char *file = NULL;
	size_t need = sizeof(struct held), flen = 0, argc = 0;
	struct held *h;
	char *p;

	if (image || ev->type == EV_BADEXEC) {
		file = image ? ev->u.exec.filename : ev->u.badexec.filename;
		if (!(ev->flags & EVF_FILENAME))
			file = NULL;
		flen = file ? strlen(file) + 1 : 0;
		need += flen;
	}
	/* u.running's first members are u.exec's; a Running's comm is argv[argc] (jsonl.h) */
	if (image && ev->u.exec.argv) {
		if (ev->flags & EVF_CMDLINE)
			argc = ev->u.exec.argc;
		if (ev->type == EV_RUNNING && (ev->flags & EVF_COMM))
			argc = ev->u.running.argc + 1;
		need += argc * sizeof(char *);
		for (size_t i = 0; i < argc; i++)
			need += strlen(ev->u.exec.argv[i] ? ev->u.exec.argv[i] : "") + 1;
	}
	h = malloc(need);
	if (!h)
		return NULL;
	h->ev = *ev;
	if (ev->type == EV_EXEC) { /* the summary does not read it: not kept */
		h->ev.u.exec.cwd = NULL;
		h->ev.flags &= (uint16_t)~EVF_CWD;
	}
	p = (char *)(h + 1);
	if (argc) {
		const char **argv = (const char **)p;

		p += argc * sizeof(char *);
		for (size_t i = 0; i < argc; i++) {
			const char *a = ev->u.exec.argv[i] ? ev->u.exec.argv[i] : "";
			size_t n = strlen(a) + 1;

			memcpy(p, a, n);
			argv[i] = p;
			p += n;
		}
		h->ev.u.exec.argv = argv;
	}
	if (file) {
		memcpy(p, file, flen);
		if (image)
			h->ev.u.exec.filename = p;
		else
			h->ev.u.badexec.filename = p;
	}
	return h;
}

static void fail(struct live_summary *s, int err)
{
	if (!s->err) {
		s->err = err;
		error("summary: %s: the summaries stop here", strerror(-err));
	}
}

/* Into the summary, in time order, every event held up to upto (ns since the start). */
static void release(struct live_summary *s, uint64_t upto)
{
	while (s->n && s->heap[0]->ev.ts <= upto) {
		struct held *h = heap_pop(s);
		int err = s->err ? 0 : summary_add(s->sum, &h->ev);

		if (err)
			fail(s, err);
		free(h);
	}
	if (upto > s->released && upto != UINT64_MAX) {
		s->released = upto;
		if (!s->err)
			summary_advance(s->sum, upto);
	}
}

static void write_out(struct live_summary *s, const char *buf, size_t len)
{
	while (len && !s->write_err) {
		ssize_t n = write(s->fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			s->write_err = -errno;
			error("summary: cannot write to %s: %s", s->name, strerror(errno));
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* One summary, with a line saying when and why; then, with --clear, start again. */
static void print(struct live_summary *s, const char *why, uint64_t at, bool last)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int err;

	if (s->err || s->write_err)
		return;
	m = open_memstream(&buf, &len);
	if (!m) {
		fail(s, -ENOMEM);
		return;
	}
	fprintf(m, "# proctrace summary (%s): the events of the first %llu.%03llu s\n", why,
		(unsigned long long)(at / 1000000000u),
		(unsigned long long)(at % 1000000000u / 1000000u));
	err = summary_print(s->sum, m, NULL, SUMMARY_TEXT);
	fputc('\n', m);
	if (fclose(m) && !err)
		err = -ENOMEM;
	if (err)
		fail(s, err);
	else
		write_out(s, buf, len);
	free(buf);
	if (s->o.clear && !last) {
		summary_clear(s->sum);
		err = summary_header(s->sum, &s->hdr);
		if (err)
			fail(s, err);
	}
}

static void on_start(void *ctx, const struct recorder_start *st)
{
	struct live_summary *s = ctx;
	/*
	 * The root, as the recording's header names it and render takes it:
	 * CMD, else -p's PID; --all alone is about no process in particular.
	 */
	int32_t root = st->root_pid > 0 ? st->root_pid : st->attached_pid > 0 ? st->attached_pid : -1;
	struct summary_opts so = { .top = s->o.top, .sort = (enum summary_sort)s->o.sort,
				   .root_pid = root, .root_is_recorded = root > 0 };
	int err;

	s->hdr.system_wide = st->system_wide;
	s->start_mono = st->start_mono;
	s->next_due = s->o.interval_ns;
	s->sum = summary_new(&so);
	if (!s->sum) {
		fail(s, -ENOMEM);
		return;
	}
	err = summary_header(s->sum, &s->hdr);
	if (err)
		fail(s, err);
}

static void on_event(void *ctx, const struct event *ev)
{
	struct live_summary *s = ctx;
	struct held *h;

	if (s->err || !s->sum)
		return;
	/* What the summary reads; Samples and anything newer are not held. */
	if (ev->type != EV_FORK && ev->type != EV_EXEC && ev->type != EV_BADEXEC &&
	    ev->type != EV_EXIT && ev->type != EV_SETSID && ev->type != EV_SETPGID &&
	    ev->type != EV_RUNNING)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		struct held **t = realloc(s->heap, cap * sizeof(*t));

		if (!t) {
			fail(s, -ENOMEM);
			return;
		}
		s->heap = t;
		s->cap = cap;
	}
	h = hold(ev);
	if (!h) {
		fail(s, -ENOMEM);
		return;
	}
	s->heap[s->n++] = h;
	heap_up(s, s->n - 1);
}

static uint64_t since_start(const struct live_summary *s, uint64_t now)
{
	return now > s->start_mono ? now - s->start_mono : 0;
}

/*
 * Each summary is of the events up to a moment (an interval's end, a
 * SIGUSR1's arrival), printed once every event up to then has come in:
 * LIVE_SUMMARY_WINDOW_NS later.
 */
static void catch_up(struct live_summary *s, uint64_t safe)
{
	for (;;) {
		bool usr1 = s->usr1 && s->usr1_at <= safe;
		bool due = s->next_due && s->next_due <= safe;
		uint64_t when;

		if (!usr1 && !due)
			break;
		/* The earlier first; a SIGUSR1 at an interval's end makes one print. */
		when = usr1 && (!due || s->usr1_at <= s->next_due) ? s->usr1_at : s->next_due;
		release(s, when);
		print(s, usr1 && s->usr1_at == when ? "SIGUSR1" : "interval", when, false);
		if (usr1 && s->usr1_at == when)
			s->usr1 = false;
		if (due && s->next_due <= when) {
			s->next_due += s->o.interval_ns;
			/* Behind by more than an interval (a stopped recorder): one print, not a burst. */
			if (s->next_due <= safe)
				s->next_due = safe + s->o.interval_ns;
		}
	}
}

static void on_tick(void *ctx, uint64_t now)
{
	struct live_summary *s = ctx;
	uint64_t at = since_start(s, now);
	uint64_t safe = at > LIVE_SUMMARY_WINDOW_NS ? at - LIVE_SUMMARY_WINDOW_NS : 0;

	if (!s->sum)
		return;
	catch_up(s, safe);
	release(s, safe);
}

static void on_signal(void *ctx, int sig)
{
	struct live_summary *s = ctx;
	uint64_t now = 0;
	struct timespec ts;

	if (sig != SIGUSR1 || s->usr1)
		return; /* one print for signals that come before it is made */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	s->usr1 = true;
	s->usr1_at = since_start(s, now);
	/* Not before what is in the summary already. */
	if (s->usr1_at < s->released)
		s->usr1_at = s->released;
}

static void on_end(void *ctx, const struct recorder_stats *st)
{
	struct live_summary *s = ctx;
	int err;

	if (!s->sum)
		return;
	/* The prints due before the end (a SIGUSR1 just before it), then the last. */
	catch_up(s, st->end->ts);
	release(s, UINT64_MAX);
	err = s->err ? 0 : summary_end(s->sum, st->end, st->end->ts);
	if (err)
		fail(s, err);
	print(s, "end", st->end->ts, true);
}

int live_summary__new(struct live_summary **out, const struct live_summary_opts *o, int fd,
		      const char *name)
{
	struct live_summary *s = calloc(1, sizeof(*s));

	*out = s;
	if (!s || !(s->name = strdup(name)))
		return -ENOMEM;
	s->o = *o;
	s->fd = fd;
	while (o->command && o->command[s->command_len])
		s->command_len++;
	s->hdr = (struct rec_header){ .format = PROCTRACE_FORMAT,
				      .command = (const char *const *)o->command,
				      .command_len = s->command_len,
				      .has_failed_execs = true, .failed_execs = o->failed_execs };
	s->hook = (struct recorder_hook){ .start = on_start, .event = on_event, .tick = on_tick,
					  .signal = on_signal, .end = on_end, .ctx = s };
	return 0;
}

const struct recorder_hook *live_summary__hook(struct live_summary *s)
{
	return &s->hook;
}

void live_summary__free(struct live_summary *s)
{
	if (!s)
		return;
	while (s->n)
		free(s->heap[--s->n]);
	free(s->heap);
	summary_free(s->sum);
	free(s->name);
	free(s);
}
