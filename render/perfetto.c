/* render/perfetto.c: the perfetto view: Chrome Trace Event JSON, one slice per exec image, processes packed into lanes. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "formats/qsort.h"
#include "render/status.h"
#include "render/trace.h"

/*
 * The whole recording is one process of the trace (PID); each lane of
 * trace_lanes() is one of its threads, so Perfetto and chrome://tracing
 * draw a track per lane. The critical path has a track of its own, first.
 */
#define PID "1"
#define TID_CRIT 1
#define TID_LANE0 2
#define CAT "process"
#define FLUSH_AT (1 << 16)

struct pf {
	const struct trace *t;
	FILE *out;
	struct sbuf b;
	uint32_t *lane_of;  /* by process index */
	uint32_t nlanes;
	bool started;       /* an event was written: the next one needs a comma */
};

/* Append n bytes; the room is checked here, so that most calls make none. */
static inline int put(struct sbuf *b, const char *s, size_t n)
{
	if (b->cap - b->len < n) {
		int err = sbuf_reserve(b, n);

		if (err)
			return err;
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	return 0;
}

#define LIT(b, s) put((b), (s), sizeof(s) - 1)

static int put_u64(struct sbuf *b, uint64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return put(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

static int put_i64(struct sbuf *b, int64_t v)
{
	if (v < 0) {
		int err = LIT(b, "-");

		return err ? err : put_u64(b, -(uint64_t)v);
	}
	return put_u64(b, (uint64_t)v);
}

/* v / 10^3 as a decimal number, exact: 1234567 -> 1234.567, 1500 -> 1.5, 5000 -> 5. */
static int put_milli(struct sbuf *b, uint64_t v)
{
	char frac[4] = { '.' };
	uint64_t r = v % 1000;
	size_t n = 1;
	int err = put_u64(b, v / 1000);

	if (err || !r)
		return err;
	for (uint64_t d = 100; r; d /= 10) {
		frac[n++] = (char)('0' + r / d);
		r %= d;
	}
	return put(b, frac, n);
}

/* ns as milliseconds with microsecond precision: the unit of the CPU and wait args. */
static int put_ms(struct sbuf *b, uint64_t ns)
{
	return put_milli(b, ns / 1000);
}

static int put_str(struct sbuf *b, const char *s)
{
	return jsonl_write_string(b, s, s ? strlen(s) : 0);
}

/* Start an event: a comma and a newline after the previous one, then "{". */
static int ev_begin(struct pf *pf)
{
	int err = pf->started ? LIT(&pf->b, ",\n{") : LIT(&pf->b, "\n{");

	pf->started = true;
	return err;
}

static int ev_end(struct pf *pf)
{
	int err = LIT(&pf->b, "}");

	if (!err && pf->b.len >= FLUSH_AT)
		err = sbuf_flush(pf->out, &pf->b);
	return err;
}

/* "ph":PH,"pid":1,"tid":TID[,"ts":TS] — ts in microseconds with the nanoseconds as decimals. */
static int ev_head(struct pf *pf, const char *ph, uint32_t tid, const uint64_t *ts_ns)
{
	struct sbuf *b = &pf->b;
	int err = ev_begin(pf);

	if (!err)
		err = LIT(b, "\"ph\":\"");
	if (!err)
		err = put(b, ph, strlen(ph));
	if (!err)
		err = LIT(b, "\",\"pid\":" PID ",\"tid\":");
	if (!err)
		err = put_u64(b, tid);
	if (!err && ts_ns) {
		err = LIT(b, ",\"ts\":");
		if (!err)
			err = put_milli(b, *ts_ns);
	}
	return err;
}

/* A metadata event naming the process or a thread (a track). */
static int meta_name(struct pf *pf, const char *what, uint32_t tid, const char *name)
{
	struct sbuf *b = &pf->b;
	int err = ev_head(pf, "M", tid, NULL);

	if (!err)
		err = LIT(b, ",\"name\":");
	if (!err)
		err = put_str(b, what);
	if (!err)
		err = LIT(b, ",\"args\":{\"name\":");
	if (!err)
		err = put_str(b, name);
	if (!err)
		err = LIT(b, "}");
	return err ? err : ev_end(pf);
}

static int meta_sort(struct pf *pf, uint32_t tid, uint32_t index)
{
	struct sbuf *b = &pf->b;
	int err = ev_head(pf, "M", tid, NULL);

	if (!err)
		err = LIT(b, ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":");
	if (!err)
		err = put_u64(b, index);
	if (!err)
		err = LIT(b, "}");
	return err ? err : ev_end(pf);
}

static uint32_t tid_of(const struct pf *pf, const struct proc *p)
{
	return TID_LANE0 + pf->lane_of[p->index];
}

/* "cmd (pid N)" for the parent arg. */
static int put_proc_ref(struct sbuf *b, const struct proc *p)
{
	char buf[TRACE_NAME_MAX], ref[TRACE_NAME_MAX + 32];
	const char *name = trace_proc_name(p, buf, sizeof(buf));

	snprintf(ref, sizeof(ref), "%s (pid %" PRId32 ")", name, p->pid);
	return put_str(b, ref);
}

/* The status arg of a process's last slice, and the prefix of its name when it failed. */
static const char *status_text(const struct proc_status *st, char *buf, size_t len,
			       char *prefix, size_t plen)
{
	char sig[16];

	*prefix = '\0';
	switch (st->outcome) {
	case OUTCOME_OK:
		return "exit 0";
	case OUTCOME_FAILED:
		snprintf(prefix, plen, "[exit %d] ", st->code);
		snprintf(buf, len, "exit %d", st->code);
		return buf;
	case OUTCOME_KILLED:
		snprintf(prefix, plen, "[%s] ", signal_name(st->code, sig, sizeof(sig)));
		snprintf(buf, len, "killed by %s%s", signal_name(st->code, sig, sizeof(sig)),
			 st->core ? " (core dumped)" : "");
		return buf;
	case OUTCOME_RUNNING:
		return "running at the end of the recording";
	default:
		return "unknown (no exit status recorded)";
	}
}

/*
 * One complete slice: an exec image of p (s), or for a process that never
 * exec'd (s NULL) its whole life, named as trace_proc_name() names it,
 * "(fork) CMD" after the image it inherited ("(unknown)" if none). The last slice of a process carries how
 * it ended.
 */
static int slice(struct pf *pf, const struct proc *p, const struct exec_span *s, uint32_t j)
{
	struct sbuf *b = &pf->b;
	const struct event *ex = s ? s->exec : NULL;
	bool last = !s || j + 1 == p->nexec;
	uint64_t start = s ? s->start : p->start, end = s ? s->end : p->end;
	char buf[TRACE_NAME_MAX], name[TRACE_NAME_MAX + 64], prefix[48], stbuf[64];
	const char *cmd = s ? trace_command_name(ex, buf, sizeof(buf)) : trace_proc_name(p, buf, sizeof(buf));
	const char *status = NULL;
	struct proc_status st;
	int32_t ppid = -1;
	int err;

	proc_status(p, &st);
	prefix[0] = '\0';
	if (last)
		status = status_text(&st, stbuf, sizeof(stbuf), prefix, sizeof(prefix));
	snprintf(name, sizeof(name), "%s%s", prefix, cmd);
	err = ev_head(pf, "X", tid_of(pf, p), &start);
	if (!err)
		err = LIT(b, ",\"dur\":");
	if (!err)
		err = put_milli(b, end - start);
	if (!err)
		err = LIT(b, ",\"name\":");
	if (!err)
		err = put_str(b, name);
	if (!err)
		err = LIT(b, ",\"cat\":\"" CAT "\"");
	/* chrome://tracing's colours; Perfetto colours by name, which the prefix changes */
	if (!err && last && st.outcome == OUTCOME_FAILED)
		err = LIT(b, ",\"cname\":\"terrible\"");
	if (!err && last && st.outcome == OUTCOME_KILLED)
		err = LIT(b, ",\"cname\":\"black\"");
	if (!err)
		err = LIT(b, ",\"args\":{\"pid\":");
	if (!err)
		err = put_i64(b, p->pid);
	if (p->parent)
		ppid = p->parent->pid;
	else if (ex && (ex->flags & EVF_PPID))
		ppid = ex->ppid;
	if (!err && ppid >= 0) {
		err = LIT(b, ",\"ppid\":");
		if (!err)
			err = put_i64(b, ppid);
	}
	if (!err && p->parent) {
		err = LIT(b, ",\"parent\":");
		if (!err)
			err = put_proc_ref(b, p->parent);
	}
	if (!err && ex && (ex->flags & EVF_CMDLINE)) {
		err = LIT(b, ",\"argv\":[");
		for (uint32_t i = 0; i < ex->u.exec.argc && !err; i++) {
			if (i)
				err = LIT(b, ",");
			if (!err)
				err = put_str(b, ex->u.exec.argv[i]);
		}
		if (!err)
			err = LIT(b, "]");
		if (!err && (ex->flags & EVF_TRUNCATED))
			err = LIT(b, ",\"argv_truncated\":true");
	}
	if (!err && ex && (ex->flags & EVF_FILENAME)) {
		err = LIT(b, ",\"filename\":");
		if (!err)
			err = put_str(b, ex->u.exec.filename);
	}
	if (!err && ex && (ex->flags & EVF_CWD)) {
		err = LIT(b, ",\"cwd\":");
		if (!err)
			err = put_str(b, ex->u.exec.cwd);
		if (!err && (ex->flags & EVF_CWD_TRUNCATED))
			err = LIT(b, ",\"cwd_truncated\":true");
	} else if (!err && ex && (ex->flags & EVF_CWD_UNKNOWN)) {
		err = LIT(b, ",\"cwd_unknown\":true");
	}
	if (!err && p->nexec > 1) {
		err = LIT(b, ",\"image\":");
		if (!err) {
			char img[48];

			snprintf(img, sizeof(img), "%" PRIu32 " of %" PRIu32, j + 1, p->nexec);
			err = put_str(b, img);
		}
	}
	if (!err) {
		err = LIT(b, ",\"status\":");
		if (!err)
			err = put_str(b, status ? status : "replaced by the next exec");
	}
	if (!err && last && (st.outcome == OUTCOME_OK || st.outcome == OUTCOME_FAILED)) {
		err = LIT(b, ",\"exit_code\":");
		if (!err)
			err = put_i64(b, st.code);
	}
	if (!err && last && st.outcome == OUTCOME_KILLED) {
		err = LIT(b, ",\"signal\":");
		if (!err)
			err = put_i64(b, st.code);
	}
	/* The Exit's figures are the whole process's: on its last slice. */
	if (!err && last && st.has_rusage) {
		err = LIT(b, ",\"cpu_user_ms\":");
		if (!err)
			err = put_ms(b, st.user_ns);
		if (!err)
			err = LIT(b, ",\"cpu_system_ms\":");
		if (!err)
			err = put_ms(b, st.system_ns);
		if (!err)
			err = LIT(b, ",\"max_rss_kb\":");
		if (!err)
			err = put_u64(b, st.max_rss_kb);
	}
	if (!err && p->on_crit)
		err = LIT(b, ",\"critical_path\":true");
	if (!err)
		err = LIT(b, "}");
	return err ? err : ev_end(pf);
}

/* The slice of q that p's fork is drawn from: q's image at the fork, else its first slice. */
static uint64_t fork_slice_start(const struct proc *q, const struct proc *p)
{
	if (p->inherited && p->inherited >= q->execs && p->inherited < q->execs + q->nexec)
		return p->inherited->start;
	return q->nexec ? q->execs[0].start : q->start;
}

/*
 * A flow arrow from the parent's slice to the child's first slice. Both
 * ends are at the start of the slice they belong to: Perfetto binds a flow
 * to the slice enclosing it, DevTools to the slice starting at its time.
 */
static int flow(struct pf *pf, const struct proc *p)
{
	const struct proc *q = p->parent;
	uint64_t from = fork_slice_start(q, p), to = p->nexec ? p->execs[0].start : p->start;
	struct sbuf *b = &pf->b;
	int err = ev_head(pf, "s", tid_of(pf, q), &from);

	if (!err)
		err = LIT(b, ",\"id\":");
	if (!err)
		err = put_u64(b, (uint64_t)p->index + 1);
	if (!err)
		err = LIT(b, ",\"name\":\"fork\",\"cat\":\"" CAT "\"");
	if (!err)
		err = ev_end(pf);
	if (!err)
		err = ev_head(pf, "f", tid_of(pf, p), &to);
	if (!err)
		err = LIT(b, ",\"bp\":\"e\",\"id\":");
	if (!err)
		err = put_u64(b, (uint64_t)p->index + 1);
	if (!err)
		err = LIT(b, ",\"name\":\"fork\",\"cat\":\"" CAT "\"");
	return err ? err : ev_end(pf);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A counter event: name, then args as a JSON object's members. */
static int counter_value(struct pf *pf, uint64_t ts, const char *name, const char *args)
{
	struct sbuf *b = &pf->b;
	int err = ev_head(pf, "C", TID_LANE0, &ts);

	if (!err)
		err = LIT(b, ",\"name\":");
	if (!err)
		err = put_str(b, name);
	if (!err)
		err = LIT(b, ",\"args\":{");
	if (!err)
		err = put(b, args, strlen(args));
	if (!err)
		err = LIT(b, "}");
	return err ? err : ev_end(pf);
}

static int counter(struct pf *pf, uint64_t ts, uint64_t running)
{
	char v[48];

	snprintf(v, sizeof(v), "\"running\":%" PRIu64, running);
	return counter_value(pf, ts, "processes", v);
}

/*
 * The number of processes alive (forked, not yet exited) over time: one
 * counter event wherever it changes.
 */
static int live_counter(struct pf *pf)
{
	const struct trace *t = pf->t;
	size_t n = t->nprocs, i = 0, j = 0;
	uint64_t *starts = malloc((n ? n : 1) * sizeof(*starts));
	uint64_t *ends = malloc((n ? n : 1) * sizeof(*ends));
	uint64_t live = 0, shown = 0;
	int err = -ENOMEM;

	if (!starts || !ends)
		goto cleanup;
	for (size_t k = 0; k < n; k++) {
		starts[k] = t->procs[k].start;
		ends[k] = t->procs[k].end;
	}
	qsort_n(starts, n, sizeof(*starts), cmp_u64);
	qsort_n(ends, n, sizeof(*ends), cmp_u64);
	err = 0;
	while (!err && (i < n || j < n)) {
		uint64_t ts = i < n && (j == n || starts[i] < ends[j]) ? starts[i] : ends[j];

		for (; i < n && starts[i] == ts; i++)
			live++;
		for (; j < n && ends[j] == ts; j++)
			live--;
		if (live != shown) {
			err = counter(pf, ts, live);
			shown = live;
		}
	}
cleanup:
	free(starts);
	free(ends);
	return err;
}

static int cmp_link(const void *a, const void *b)
{
	const struct crit_link *x = *(const struct crit_link *const *)a;
	const struct crit_link *y = *(const struct crit_link *const *)b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end > y->end ? -1 : x->end < y->end;
}

/*
 * The critical path on its own track, one slice per link. Slices of one
 * track must nest: a link is cut where the one enclosing it ends.
 */
static int critical_path(struct pf *pf)
{
	const struct trace *t = pf->t;
	const struct crit_link **order = malloc(t->ncrit * sizeof(*order));
	uint64_t *open = malloc(t->ncrit * sizeof(*open));
	struct sbuf *b = &pf->b;
	size_t nopen = 0;
	int err = -ENOMEM;

	if (!order || !open)
		goto cleanup;
	for (size_t k = 0; k < t->ncrit; k++)
		order[k] = &t->crit[k];
	qsort_n(order, t->ncrit, sizeof(*order), cmp_link);
	err = 0;
	for (size_t k = 0; k < t->ncrit && !err; k++) {
		const struct crit_link *l = order[k];
		uint64_t start = l->start, end = l->end < l->start ? l->start : l->end;
		char buf[TRACE_NAME_MAX];

		while (nopen && open[nopen - 1] <= start)
			nopen--;
		if (nopen && end > open[nopen - 1])
			end = open[nopen - 1];
		open[nopen++] = end;
		err = ev_head(pf, "X", TID_CRIT, &start);
		if (!err)
			err = LIT(b, ",\"dur\":");
		if (!err)
			err = put_milli(b, end - start);
		if (!err)
			err = LIT(b, ",\"name\":");
		if (!err)
			err = put_str(b, trace_proc_name(l->p, buf, sizeof(buf)));
		if (!err)
			err = LIT(b, ",\"cat\":\"critical_path\",\"args\":{\"pid\":");
		if (!err)
			err = put_i64(b, l->p->pid);
		if (!err)
			err = LIT(b, ",\"wait_ms\":");
		if (!err)
			err = put_ms(b, l->wait);
		if (!err)
			err = LIT(b, "}");
		if (!err)
			err = ev_end(pf);
	}
cleanup:
	free(order);
	free(open);
	return err;
}

/* The object's first members: what the recording is, for a person reading the file. */
static int header(struct pf *pf)
{
	const struct recording *rec = pf->t->rec;
	struct sbuf *b = &pf->b;
	int err = LIT(b, "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"generator\":\"proctrace "
			 PROCTRACE_VERSION "\"");

	if (!err && rec->has_header) {
		const struct rec_header *h = &rec->hdr;

		err = LIT(b, ",\"command\":[");
		for (uint32_t i = 0; i < h->command_len && !err; i++) {
			if (i)
				err = LIT(b, ",");
			if (!err)
				err = put_str(b, h->command[i]);
		}
		if (!err)
			err = LIT(b, "],\"root_pid\":");
		if (!err)
			err = put_i64(b, h->root_pid);
		if (!err)
			err = LIT(b, ",\"tool\":");
		if (!err)
			err = put_str(b, h->tool);
		if (!err)
			err = LIT(b, ",\"start_time\":");
		if (!err)
			err = put_str(b, h->start_time);
		if (!err)
			err = LIT(b, ",\"host\":");
		if (!err)
			err = put_str(b, h->host);
		if (!err)
			err = LIT(b, ",\"kernel\":");
		if (!err)
			err = put_str(b, h->kernel);
	}
	if (!err && rec->has_end && rec->end.has_lost) {
		err = LIT(b, ",\"lost_events\":");
		if (!err)
			err = put_u64(b, rec->end.lost);
	}
	if (!err && pf->t->root && !pf->t->root_is_recorded) {
		err = LIT(b, ",\"subtree_of_pid\":");
		if (!err)
			err = put_i64(b, pf->t->root->pid);
	}
	return err ? err : LIT(b, "},\"traceEvents\":[");
}

/*
 * A recording with Samples: the metrics view's series (render -f metrics
 * at the recording's sample interval, widened if it would make too many
 * points) as counters: "cores busy", "memory" (resident and swap, MiB) and
 * "threads", one value per interval, at its start.
 */
static int metric_counters(struct pf *pf)
{
	struct metrics_series ms;
	int err = trace_plotted_metrics(pf->t, &ms);

	for (size_t j = 0; j < ms.n && ms.gauges && !err; j++) {
		const struct metrics_row *r = &ms.rows[j];
		char v[96];

		snprintf(v, sizeof(v), "\"cores\":%.3f", r->cores);
		err = counter_value(pf, r->ts, "cores busy", v);
		snprintf(v, sizeof(v), "\"resident\":%.3f,\"swap\":%.3f", (double)r->rss_kb / 1024,
			 (double)r->swap_kb / 1024);
		err = err ? err : counter_value(pf, r->ts, "memory (MiB)", v);
		snprintf(v, sizeof(v), "\"threads\":%" PRIu64, r->threads);
		err = err ? err : counter_value(pf, r->ts, "threads", v);
	}
	trace_metrics_free(&ms);
	return err;
}

/* The track names: the recording's command, the critical path, the lanes. */
static int tracks(struct pf *pf)
{
	const struct trace *t = pf->t;
	char buf[TRACE_NAME_MAX], name[TRACE_NAME_MAX + 32];
	int err = 0;

	if (t->root) {
		snprintf(name, sizeof(name), "%s (pid %" PRId32 ")",
			 trace_proc_name(t->root, buf, sizeof(buf)), t->root->pid);
		err = meta_name(pf, "process_name", TID_LANE0, name);
	}
	if (!err && t->ncrit) {
		err = meta_name(pf, "thread_name", TID_CRIT, "critical path");
		if (!err)
			err = meta_sort(pf, TID_CRIT, 0);
	}
	for (uint32_t l = 0; l < pf->nlanes && !err; l++) {
		snprintf(name, sizeof(name), "lane %" PRIu32, l + 1);
		err = meta_name(pf, "thread_name", TID_LANE0 + l, name);
		if (!err)
			err = meta_sort(pf, TID_LANE0 + l, l + 1);
	}
	return err;
}

int render_perfetto(FILE *out, const struct trace *t, const struct render_opts *o)
{
	struct pf pf = { .t = t, .out = out };
	int err;

	(void)o;
	pf.lane_of = malloc((t->nprocs ? t->nprocs : 1) * sizeof(*pf.lane_of));
	err = pf.lane_of ? trace_lanes(t, pf.lane_of, &pf.nlanes) : -ENOMEM;
	if (!err)
		err = header(&pf);
	if (!err)
		err = tracks(&pf);
	for (size_t k = 0; k < t->nprocs && !err; k++) {
		const struct proc *p = &t->procs[k];

		for (uint32_t j = 0; j < p->nexec && !err; j++)
			err = slice(&pf, p, &p->execs[j], j);
		if (!err && !p->nexec)
			err = slice(&pf, p, NULL, 0);
		if (!err && p->parent)
			err = flow(&pf, p);
	}
	if (!err)
		err = live_counter(&pf);
	if (!err)
		err = metric_counters(&pf);
	if (!err && t->ncrit)
		err = critical_path(&pf);
	if (!err)
		err = LIT(&pf.b, "\n]}\n");
	if (!err)
		err = sbuf_flush(out, &pf.b);
	sbuf_free(&pf.b);
	free(pf.lane_of);
	return err;
}
