/* record/live.c: the recorder's events as they arrive: the exec log of 'proctrace snoop', and an output that never holds the recorder up. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "formats/shell.h"
#include "record/live.h"

struct live_out {
	int fd;
	char *name;
	size_t cap;
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* Under mu: */
	struct sbuf q;      /* queued, not yet taken by the thread */
	uint64_t q_lines;
	bool flush, closing;
	uint64_t lines, dropped, failed;
	int err;            /* first write error, negative errno */
};

static uint64_t count_lines(const char *s, size_t n)
{
	uint64_t k = 0;
	const char *e = s + n;

	while (s < e && (s = memchr(s, '\n', e - s))) {
		k++;
		s++;
	}
	return k;
}

/* Write all of w; on an error, the lines not written are counted as failed. */
static void write_chunk(struct live_out *o, const struct sbuf *w, uint64_t nlines)
{
	size_t off = 0;
	int err = 0;

	pthread_mutex_lock(&o->mu);
	err = o->err;
	pthread_mutex_unlock(&o->mu);
	while (!err && off < w->len) {
		ssize_t n = write(o->fd, w->buf + off, w->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = -errno;
		else
			off += (size_t)n;
	}
	pthread_mutex_lock(&o->mu);
	if (err) {
		uint64_t left = count_lines(w->buf + off, w->len - off);

		o->failed += left;
		o->lines += nlines - left;
		if (!o->err)
			o->err = err;
	} else {
		o->lines += nlines;
	}
	pthread_mutex_unlock(&o->mu);
}

static void *writer(void *arg)
{
	struct live_out *o = arg;
	struct sbuf w = { 0 }, t;
	uint64_t nlines;

	pthread_mutex_lock(&o->mu);
	for (;;) {
		while (!o->closing && !(o->flush && o->q.len))
			pthread_cond_wait(&o->cv, &o->mu);
		if (!o->q.len)
			break; /* closing, and nothing left */
		/* Take what is queued; the recorder queues into the other buffer meanwhile. */
		t = o->q;
		o->q = w;
		w = t;
		nlines = o->q_lines;
		o->q_lines = 0;
		o->flush = false;
		pthread_mutex_unlock(&o->mu);
		write_chunk(o, &w, nlines);
		w.len = 0;
		pthread_mutex_lock(&o->mu);
	}
	pthread_mutex_unlock(&o->mu);
	sbuf_free(&w);
	return NULL;
}

int live_out__new(struct live_out **out, int fd, const char *name, size_t cap)
{
	struct live_out *o = calloc(1, sizeof(*o));
	sigset_t all, old;
	int err;

	*out = NULL;
	if (!o || !(o->name = strdup(name))) {
		free(o);
		return -ENOMEM;
	}
	o->fd = fd;
	o->cap = cap;
	pthread_mutex_init(&o->mu, NULL);
	pthread_cond_init(&o->cv, NULL);
	/* Signals are the recorder's (its signalfd): the thread must never take one. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = -pthread_create(&o->thread, NULL, writer, o);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		live_out__free(o);
		return err;
	}
	o->started = true;
	*out = o;
	return 0;
}

bool live_out__put(struct live_out *o, const char *buf, size_t len, uint64_t nlines)
{
	bool ok;

	pthread_mutex_lock(&o->mu);
	ok = !o->closing && o->q.len + len <= o->cap && !sbuf_reserve(&o->q, len);
	if (ok) {
		memcpy(o->q.buf + o->q.len, buf, len);
		o->q.len += len;
		o->q_lines += nlines;
	} else {
		o->dropped += nlines;
	}
	pthread_mutex_unlock(&o->mu);
	return ok;
}

void live_out__flush(struct live_out *o)
{
	pthread_mutex_lock(&o->mu);
	if (o->q.len && !o->flush) {
		o->flush = true;
		pthread_cond_signal(&o->cv);
	}
	pthread_mutex_unlock(&o->mu);
}

int live_out__close(struct live_out *o)
{
	int err;

	if (!o->started)
		return o->err;
	pthread_mutex_lock(&o->mu);
	o->closing = true;
	pthread_cond_signal(&o->cv);
	pthread_mutex_unlock(&o->mu);
	pthread_join(o->thread, NULL);
	o->started = false;
	pthread_mutex_lock(&o->mu);
	err = o->err;
	pthread_mutex_unlock(&o->mu);
	return err;
}

void live_out__stats(struct live_out *o, struct live_out_stats *st)
{
	pthread_mutex_lock(&o->mu);
	st->lines = o->lines;
	st->dropped = o->dropped;
	st->failed = o->failed;
	pthread_mutex_unlock(&o->mu);
}

void live_out__free(struct live_out *o)
{
	if (!o)
		return;
	if (o->started) {
		/* Nothing more is written: what is left is dropped. */
		pthread_mutex_lock(&o->mu);
		o->q.len = 0;
		o->closing = true;
		pthread_cond_signal(&o->cv);
		pthread_mutex_unlock(&o->mu);
		pthread_join(o->thread, NULL);
	}
	pthread_mutex_destroy(&o->mu);
	pthread_cond_destroy(&o->cv);
	sbuf_free(&o->q);
	free(o->name);
	free(o);
}

/*
 * What the log knows of each living process, for its exit line: when it
 * started and its command's name. Open addressing on the pid, linear
 * probing, deletion by backward shift; pid 0 is an empty slot.
 */
#define LIVE_NAME_MAX 32

struct live_proc {
	int32_t pid;
	uint64_t start;
	char name[LIVE_NAME_MAX];
};

struct live_log {
	struct live_log_opts o;
	struct live_out *out;
	struct recorder_hook hook;
	struct sbuf line;
	struct live_proc *procs;
	size_t mask, nprocs;
	uint64_t execs, failed, exits, lost_kernel, lost_other;
	struct live_out_stats ostats;
	int out_err;
};

static size_t pid_slot(int32_t pid, size_t mask)
{
	return ((uint32_t)pid * 2654435761u) & mask;
}

static struct live_proc *proc_find(struct live_log *l, int32_t pid)
{
	if (!l->procs)
		return NULL;
	for (size_t i = pid_slot(pid, l->mask);; i = (i + 1) & l->mask) {
		if (l->procs[i].pid == pid)
			return &l->procs[i];
		if (!l->procs[i].pid)
			return NULL;
	}
}

static struct live_proc *proc_add(struct live_log *l, int32_t pid)
{
	struct live_proc *p = proc_find(l, pid);
	size_t i;

	if (p)
		return p;
	if (!l->procs || (l->nprocs + 1) * 2 > l->mask + 1) {
		size_t cap = l->procs ? 2 * (l->mask + 1) : 1024;
		struct live_proc *old = l->procs, *t = calloc(cap, sizeof(*t));
		size_t oldcap = old ? l->mask + 1 : 0;

		if (!t)
			return NULL;
		l->procs = t;
		l->mask = cap - 1;
		for (size_t k = 0; k < oldcap; k++) {
			if (!old[k].pid)
				continue;
			for (i = pid_slot(old[k].pid, l->mask); t[i].pid; i = (i + 1) & l->mask)
				;
			t[i] = old[k];
		}
		free(old);
	}
	for (i = pid_slot(pid, l->mask); l->procs[i].pid; i = (i + 1) & l->mask)
		;
	l->procs[i] = (struct live_proc){ .pid = pid };
	l->nprocs++;
	return &l->procs[i];
}

static void proc_del(struct live_log *l, struct live_proc *p)
{
	size_t i = (size_t)(p - l->procs), j = i;

	l->procs[i].pid = 0;
	l->nprocs--;
	/* Move back every entry after the hole that cannot be found past it. */
	for (;;) {
		size_t home;

		j = (j + 1) & l->mask;
		if (!l->procs[j].pid)
			return;
		home = pid_slot(l->procs[j].pid, l->mask);
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			l->procs[i] = l->procs[j];
			l->procs[j].pid = 0;
			i = j;
		}
	}
}

static void set_name(struct live_proc *p, const char *s)
{
	const char *slash = s ? strrchr(s, '/') : NULL;

	if (!s)
		return;
	if (slash && slash[1])
		s = slash + 1;
	snprintf(p->name, sizeof(p->name), "%s", s);
}

static void on_start(void *ctx, const struct recorder_start *s)
{
	struct live_log *l = ctx;
	struct live_proc *p;

	l->o.start_real = s->start_real;
	if (l->o.exits && (p = proc_add(l, s->root_pid)))
		p->start = 0;
	if (l->o.header && !live_log__header(l, &l->line)) {
		live_out__put(l->out, l->line.buf, l->line.len, 1);
		live_out__flush(l->out);
	}
	l->line.len = 0;
}

static void on_event(void *ctx, const struct event *ev)
{
	struct live_log *l = ctx;
	int lines = 0;

	l->line.len = 0;
	if (live_log__format(l, &l->line, ev, &lines) || !lines)
		return;
	live_out__put(l->out, l->line.buf, l->line.len, (uint64_t)lines);
}

static void on_tick(void *ctx, uint64_t now)
{
	struct live_log *l = ctx;

	(void)now;
	live_out__flush(l->out);
}

static void on_end(void *ctx, const struct recorder_stats *st)
{
	struct live_log *l = ctx;
	struct live_log_stats s;
	uint64_t missing;

	/*
	 * Two counters, read one after the other while the kernel may still
	 * count: lost_execs may have passed the lost read before it.
	 */
	l->lost_kernel = st->lost_execs;
	l->lost_other = st->end->lost > st->lost_execs ? st->end->lost - st->lost_execs : 0;
	l->out_err = live_out__close(l->out);
	live_out__stats(l->out, &l->ostats);
	live_log__stats(l, &s);
	missing = s.lost_kernel + s.out.dropped + s.out.failed;
	if (s.out_err)
		error("snoop: cannot write to %s: %s (%llu line%s not printed)", l->out->name,
		      strerror(-s.out_err), (unsigned long long)s.out.failed,
		      s.out.failed == 1 ? "" : "s");
	if (s.lost_kernel)
		warning("snoop: %llu exec line%s not printed: lost in the kernel (the ring buffer was "
			"full: try a larger --buffer-size)", (unsigned long long)s.lost_kernel,
			s.lost_kernel == 1 ? "" : "s");
	if (l->o.exits && l->lost_other)
		warning("snoop: %llu other event%s lost in the kernel: exit lines may be missing",
			(unsigned long long)l->lost_other, l->lost_other == 1 ? "" : "s");
	if (s.out.dropped)
		warning("snoop: %llu line%s not printed: the output did not keep up",
			(unsigned long long)s.out.dropped, s.out.dropped == 1 ? "" : "s");
	if (l->o.quiet && !missing)
		return;
	fprintf(stderr, "proctrace: snoop: %llu exec%s", (unsigned long long)s.execs,
		s.execs == 1 ? "" : "s");
	if (l->o.failed)
		fprintf(stderr, ", %llu failed exec%s", (unsigned long long)s.failed,
			s.failed == 1 ? "" : "s");
	if (l->o.exits)
		fprintf(stderr, ", %llu exit%s", (unsigned long long)s.exits, s.exits == 1 ? "" : "s");
	fprintf(stderr, ", %llu line%s not printed\n", (unsigned long long)missing,
		missing == 1 ? "" : "s");
}

int live_log__new(struct live_log **out, const struct live_log_opts *o, struct live_out *lo)
{
	struct live_log *l = calloc(1, sizeof(*l));

	*out = l;
	if (!l)
		return -ENOMEM;
	l->o = *o;
	l->out = lo;
	l->hook = (struct recorder_hook){ .start = on_start, .event = on_event, .tick = on_tick,
					  .end = on_end, .ctx = l };
	return 0;
}

void live_log__free(struct live_log *l)
{
	if (!l)
		return;
	sbuf_free(&l->line);
	free(l->procs);
	free(l);
}

const struct recorder_hook *live_log__hook(struct live_log *l)
{
	return &l->hook;
}

#define COLS_FMT "%-15s %7s %7s %4s %s\n"

int live_log__header(const struct live_log *l, struct sbuf *b)
{
	const char *t = l->o.time == LIVE_TIME_RELATIVE ? "TIME(s)" : "TIME";
	int n;

	if (sbuf_reserve(b, 64))
		return -ENOMEM;
	if (l->o.time == LIVE_TIME_NONE)
		n = snprintf(b->buf + b->len, 64, "%7s %7s %4s %s\n", "PID", "PPID", "RET", "ARGS");
	else
		n = snprintf(b->buf + b->len, 64, COLS_FMT, t, "PID", "PPID", "RET", "ARGS");
	b->len += (size_t)n;
	return 0;
}

/* "12.5ms": three significant digits or so, as people read durations. */
static void fmt_dur(char *buf, size_t n, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, n, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, n, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, n, "%.1fms", ns / 1e6);
	else
		snprintf(buf, n, "%.3fs", ns / 1e9);
}

/* The first columns: time (if asked), PID, PPID, RET. */
static int put_cols(struct live_log *l, struct sbuf *b, uint64_t ts, int32_t pid, int32_t ppid,
		    const char *ret)
{
	char t[48] = "";
	int n;

	if (l->o.time == LIVE_TIME_RELATIVE) {
		snprintf(t, sizeof(t), "%llu.%06llu", (unsigned long long)(ts / 1000000000u),
			 (unsigned long long)(ts % 1000000000u / 1000u));
	} else if (l->o.time == LIVE_TIME_WALL) {
		uint64_t at = l->o.start_real + ts;
		time_t sec = (time_t)(at / 1000000000u);
		struct tm tm;
		size_t len;

		localtime_r(&sec, &tm);
		len = strftime(t, sizeof(t), "%H:%M:%S", &tm);
		snprintf(t + len, sizeof(t) - len, ".%06llu",
			 (unsigned long long)(at % 1000000000u / 1000u));
	}
	if (sbuf_reserve(b, 128))
		return -ENOMEM;
	if (l->o.time == LIVE_TIME_NONE)
		n = snprintf(b->buf + b->len, 128, "%7d %7d %4s ", pid, ppid, ret);
	else
		n = snprintf(b->buf + b->len, 128, "%-15s %7d %7d %4s ", t, pid, ppid, ret);
	b->len += (size_t)n;
	return 0;
}

static int put_str(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (sbuf_reserve(b, n))
		return -ENOMEM;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	return 0;
}

static int exec_line(struct live_log *l, struct sbuf *b, const struct event *ev)
{
	const char *file = ev->flags & EVF_FILENAME ? ev->u.exec.filename : NULL;
	int err = put_cols(l, b, ev->ts, ev->pid, ev->ppid, "0");

	if (err)
		return err;
	if ((ev->flags & EVF_CMDLINE) && ev->u.exec.argc)
		err = shell_quote_argv(b, ev->u.exec.argv, ev->u.exec.argc);
	else if (file) /* an empty argv: what was run */
		err = shell_quote_cmd(b, file, strlen(file)) ?: put_str(b, "  # argv is empty");
	if (!err && (ev->flags & EVF_TRUNCATED))
		err = put_str(b, "  # argv cut at 128 KiB");
	return err ?: put_str(b, "\n");
}

static int badexec_line(struct live_log *l, struct sbuf *b, const struct event *ev)
{
	const char *file = ev->flags & EVF_FILENAME ? ev->u.badexec.filename : "";
	char ret[16];
	int err;

	snprintf(ret, sizeof(ret), "%d", -(int)ev->u.badexec.err);
	err = put_cols(l, b, ev->ts, ev->pid, ev->ppid, ret);
	/* The kernel side keeps only the file a failed exec asked for, not its argv. */
	if (!err)
		err = shell_quote_cmd(b, file, strlen(file));
	if (!err && (ev->flags & EVF_TRUNCATED))
		err = put_str(b, "  # file name cut");
	return err ?: put_str(b, "\n");
}

static int exit_line(struct live_log *l, struct sbuf *b, const struct event *ev,
		     const struct live_proc *p)
{
	char buf[160], d1[32];
	int err = put_cols(l, b, ev->ts, ev->pid, ev->ppid, "exit");
	size_t n = 0;

	if (err)
		return err;
	if (!(ev->flags & EVF_STATUS)) {
		n += snprintf(buf + n, sizeof(buf) - n, "status=unknown");
	} else if (ev->flags & EVF_SIGNALED) {
		const char *abbrev = sigabbrev_np(ev->u.exit.code);

		if (abbrev)
			n += snprintf(buf + n, sizeof(buf) - n, "signal=SIG%s", abbrev);
		else
			n += snprintf(buf + n, sizeof(buf) - n, "signal=%d", ev->u.exit.code);
		if (ev->flags & EVF_CORE)
			n += snprintf(buf + n, sizeof(buf) - n, " core=dumped");
	} else {
		n += snprintf(buf + n, sizeof(buf) - n, "code=%d", ev->u.exit.code);
	}
	if (p) {
		fmt_dur(d1, sizeof(d1), ev->ts > p->start ? ev->ts - p->start : 0);
		n += snprintf(buf + n, sizeof(buf) - n, " wall=%s", d1);
	}
	if (ev->flags & EVF_RUSAGE) {
		fmt_dur(d1, sizeof(d1), ev->u.exit.user_ns + ev->u.exit.system_ns);
		n += snprintf(buf + n, sizeof(buf) - n, " cpu=%s maxrss=%lluKiB", d1,
			      (unsigned long long)ev->u.exit.max_rss_kb);
	}
	err = put_str(b, buf);
	if (!err && p && p->name[0]) {
		err = put_str(b, " cmd=");
		if (!err)
			err = shell_quote(b, p->name, strlen(p->name));
	}
	return err ?: put_str(b, "\n");
}

int live_log__format(struct live_log *l, struct sbuf *b, const struct event *ev, int *lines)
{
	struct live_proc *p, *parent;
	int err = 0;

	*lines = 0;
	switch (ev->type) {
	case EV_FORK:
		if (!l->o.exits)
			return 0;
		p = proc_add(l, ev->u.fork.child_pid);
		if (!p)
			return -ENOMEM;
		p->start = ev->ts;
		/* proc_add may have moved the table: find the parent again. */
		parent = proc_find(l, ev->pid);
		if (parent)
			memcpy(p->name, parent->name, sizeof(p->name));
		else
			p->name[0] = 0;
		return 0;
	case EV_EXEC:
		l->execs++;
		if (l->o.exits) {
			p = proc_find(l, ev->pid);
			if (!p && (p = proc_add(l, ev->pid)))
				p->start = ev->ts;
			if (p)
				set_name(p, (ev->flags & EVF_CMDLINE) && ev->u.exec.argc
						    ? ev->u.exec.argv[0] : ev->u.exec.filename);
		}
		err = exec_line(l, b, ev);
		break;
	case EV_BADEXEC:
		l->failed++;
		err = badexec_line(l, b, ev);
		break;
	case EV_EXIT:
		if (!l->o.exits)
			return 0;
		l->exits++;
		p = proc_find(l, ev->pid);
		err = exit_line(l, b, ev, p);
		if (p)
			proc_del(l, p);
		break;
	default:
		return 0;
	}
	if (!err)
		*lines = 1;
	return err;
}

void live_log__stats(const struct live_log *l, struct live_log_stats *st)
{
	st->execs = l->execs;
	st->failed = l->failed;
	st->exits = l->exits;
	st->lost_kernel = l->lost_kernel;
	st->lost_other = l->lost_other;
	st->out = l->ostats;
	st->out_err = l->out_err;
}
