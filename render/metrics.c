/* render/metrics.c: the metrics view: processes, threads, cores busy, memory and swap over time, as TSV. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "formats/qsort.h"
#include "render/trace.h"

/*
 * One row per interval [start, start + I) of the recording's clock, from
 * the interval holding the first event to the one holding the last
 * (proctrace-render(1), "metrics", says what each column is):
 *
 * - processes: the most alive at once in the interval, from forks and
 *   exits, ordered as the summary orders them for its peak concurrency;
 * - cores busy: CPU time used in the interval / I. A process's CPU comes
 *   in pieces, each spread evenly over the time it was used in: from its
 *   start to its first Sample, between two Samples, from its last Sample
 *   to its Exit (all of it from start to Exit for a process never
 *   sampled: the short-lived ones too);
 * - threads, resident memory and swap: the sum over the processes of what
 *   each one's last Sample says, until its end. A row shows the largest
 *   sum a round of Samples (those sharing a timestamp) gave in it, or,
 *   with no round in it, the sum at its end.
 *
 * All of it in one pass over the events, with the CPU spread through
 * difference arrays, so the view is linear in events + rows whatever the
 * processes' lengths.
 */

#define DEFAULT_INTERVAL_NS 1000000000ull
/*
 * Rows at most (about 56 bytes each while the view runs): a million, or
 * one per event of a bigger recording, so that time and memory stay
 * linear in the recording whatever --interval asks.
 */
#define MAX_ROWS 1000000ull

struct row {
	double cpu_part;  /* ns of CPU from rate changes inside the row */
	double rate_step; /* change of the CPU rate (cores) at the row's start */
	uint64_t live;    /* most processes alive at once */
	uint64_t threads, rss_kb, swap_kb;
	bool round;       /* a round of Samples fell in the row */
};

/* What a process's Samples said last. */
struct pstate {
	uint64_t ts;      /* time of its last Sample */
	uint64_t cpu;     /* user + system ns then */
	uint64_t rss_kb;
	uint32_t swap_kb, threads;
	uint32_t line;    /* of its last Sample, for messages */
	bool sampled;
	bool gone;        /* its end was counted */
};

/* A process that ended without an Exit, when its pid was taken again. */
struct lost_end {
	uint64_t key;     /* 2i: just before event i (as the summary places it) */
	uint32_t proc;
};

struct metrics {
	const struct trace *t;
	uint64_t interval, k0;
	size_t nrows, cur;   /* cur: the row the sweep is in */
	struct row *rows;
	struct pstate *ps;
	uint64_t live, threads, rss_kb, swap_kb; /* now, in the sweep */
	bool gauges;         /* threads, memory and swap are known */
	size_t cpu_warnings;
};

static size_t row_of(const struct metrics *m, uint64_t ts)
{
	uint64_t k = ts / m->interval;

	if (k < m->k0)
		return 0;
	k -= m->k0;
	return k < m->nrows ? (size_t)k : m->nrows - 1;
}

/* The row's start in ns of the recording's clock (relative: from the first row's start). */
static uint64_t rel(const struct metrics *m, uint64_t ts)
{
	uint64_t base = m->k0 * m->interval;

	return ts > base ? ts - base : 0;
}

/* The CPU rate changes by r (in cores) at time ts. */
static void rate_change(struct metrics *m, uint64_t ts, double r)
{
	uint64_t x = rel(m, ts);
	size_t j = row_of(m, ts);
	uint64_t row_end = (uint64_t)(j + 1) * m->interval;

	m->rows[j].cpu_part += r * (double)(row_end > x ? row_end - x : 0);
	if (j + 1 < m->nrows)
		m->rows[j + 1].rate_step += r;
}

/* cpu ns used evenly over [from, to]. */
static void spread(struct metrics *m, uint64_t cpu, uint64_t from, uint64_t to)
{
	double r;

	if (!cpu)
		return;
	if (to <= from) {
		m->rows[row_of(m, from)].cpu_part += (double)cpu;
		return;
	}
	r = (double)cpu / (double)(to - from);
	rate_change(m, from, r);
	rate_change(m, to, -r);
}

/* Leave rows until the sweep is in row j: a row without a round shows the sums at its end. */
static void advance(struct metrics *m, size_t j)
{
	while (m->cur < j) {
		struct row *r = &m->rows[m->cur];

		if (!r->round) {
			r->threads = m->threads;
			r->rss_kb = m->rss_kb;
			r->swap_kb = m->swap_kb;
		}
		m->cur++;
		m->rows[m->cur].live = m->live;
	}
}

static void proc_start(struct metrics *m, uint64_t ts)
{
	advance(m, row_of(m, ts));
	m->live++;
	if (m->live > m->rows[m->cur].live)
		m->rows[m->cur].live = m->live;
}

/* p stops being alive at ts: its last Sample no longer counts either. */
static void proc_end(struct metrics *m, size_t k, uint64_t ts)
{
	struct pstate *s = &m->ps[k];

	advance(m, row_of(m, ts));
	if (s->gone)
		return;
	s->gone = true;
	m->live--;
	m->threads -= s->threads;
	m->rss_kb -= s->rss_kb;
	m->swap_kb -= s->swap_kb;
}

static const char *rec_name(const struct metrics *m)
{
	return m->t->rec->name ? m->t->rec->name : "recording";
}

/* CPU going down is bad input: the difference counts as 0, said once, the rest counted. */
static void cpu_went_down(struct metrics *m, const struct event *ev, uint64_t was, uint64_t now)
{
	if (m->cpu_warnings++)
		return;
	if (ev->type == EV_SAMPLE)
		fprintf(stderr, "proctrace: warning: %s:%u: Sample for pid %d: CPU time went down "
			"(%" PRIu64 " ns, after %" PRIu64 "); counted as no CPU used\n",
			rec_name(m), (unsigned)ev->line, ev->pid, now, was);
	else
		fprintf(stderr, "proctrace: warning: %s: Exit of pid %d at %" PRIu64 " ns: less CPU time "
			"(%" PRIu64 " ns) than its last Sample (%" PRIu64 "); counted as no CPU used\n",
			rec_name(m), ev->pid, ev->ts, now, was);
}

static void on_sample(struct metrics *m, size_t k, const struct event *ev)
{
	const struct proc *p = &m->t->procs[k];
	struct pstate *s = &m->ps[k];
	uint64_t cpu = ev->u.sample.user_ns + ev->u.sample.system_ns;
	uint64_t was = s->sampled ? s->cpu : 0;

	advance(m, row_of(m, ev->ts));
	if (cpu < was)
		cpu_went_down(m, ev, was, cpu);
	else
		spread(m, cpu - was, s->sampled ? s->ts : p->start, ev->ts);
	if (cpu > was)
		s->cpu = cpu;
	s->ts = ev->ts;
	s->line = ev->line;
	s->sampled = true;
	if (!s->gone) {
		m->threads += (uint64_t)ev->u.sample.threads - s->threads;
		m->rss_kb += ev->u.sample.rss_kb - s->rss_kb;
		m->swap_kb += (uint64_t)ev->u.sample.swap_kb - s->swap_kb;
	}
	s->threads = ev->u.sample.threads;
	s->rss_kb = ev->u.sample.rss_kb;
	s->swap_kb = ev->u.sample.swap_kb;
}

static void on_exit_event(struct metrics *m, size_t k, const struct event *ev)
{
	const struct proc *p = &m->t->procs[k];
	struct pstate *s = &m->ps[k];

	if (ev->flags & EVF_RUSAGE) {
		uint64_t cpu = ev->u.exit.user_ns + ev->u.exit.system_ns;
		uint64_t was = s->sampled ? s->cpu : 0;

		if (cpu < was)
			cpu_went_down(m, ev, was, cpu);
		else
			spread(m, cpu - was, s->sampled ? s->ts : p->start, ev->ts);
	}
	proc_end(m, k, ev->ts);
}

/* A round of Samples ended (the next event has another timestamp): its sums count in its row. */
static void round_done(struct metrics *m, uint64_t ts)
{
	struct row *r = &m->rows[row_of(m, ts)];

	if (!r->round || m->threads > r->threads)
		r->threads = m->threads;
	if (!r->round || m->rss_kb > r->rss_kb)
		r->rss_kb = m->rss_kb;
	if (!r->round || m->swap_kb > r->swap_kb)
		r->swap_kb = m->swap_kb;
	r->round = true;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_lost(const void *a, const void *b)
{
	return cmp_u64(&((const struct lost_end *)a)->key, &((const struct lost_end *)b)->key);
}

/*
 * Where each process starts and, for those whose Exit is missing but whose
 * pid was taken again, ends, on the event order as the summary places them
 * for its peak concurrency: start at key 2i+1 for its first event i, end
 * just before the first event at its end time (2i).
 */
static int keys(const struct trace *t, uint64_t **starts, struct lost_end **lost, size_t *nlost)
{
	const struct recording *rec = t->rec;
	size_t n = 0;

	*starts = malloc((t->nprocs + 1) * sizeof(**starts));
	*lost = NULL;
	*nlost = 0;
	if (!*starts)
		return -ENOMEM;
	for (size_t k = 0; k < t->nprocs; k++) {
		const struct proc *p = &t->procs[k];

		(*starts)[k] = 2 * (uint64_t)trace_creation_event(t, p) + 1;
		if (!p->exit && !p->ended_by_recording)
			n++;
	}
	for (size_t k = 1; k < t->nprocs; k++) {
		if ((*starts)[k] < (*starts)[k - 1]) {
			qsort_n(*starts, t->nprocs, sizeof(**starts), cmp_u64);
			break;
		}
	}
	if (!n)
		return 0;
	*lost = malloc(n * sizeof(**lost));
	if (!*lost)
		return -ENOMEM;
	for (size_t k = 0; k < t->nprocs; k++) {
		const struct proc *p = &t->procs[k];
		size_t lo = 0, hi = rec->n;

		if (p->exit || p->ended_by_recording)
			continue;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (rec->ev[mid].ts < p->end)
				lo = mid + 1;
			else
				hi = mid;
		}
		(*lost)[(*nlost)++] = (struct lost_end){ 2 * (uint64_t)lo, (uint32_t)k };
	}
	qsort_n(*lost, *nlost, sizeof(**lost), cmp_lost);
	return 0;
}

/* The time of key (2i or 2i+1), for a start or end at it. */
static uint64_t key_ts(const struct trace *t, uint64_t key, uint64_t fallback)
{
	return key / 2 < t->rec->n ? t->rec->ev[key / 2].ts : fallback;
}

static int sweep(struct metrics *m)
{
	const struct trace *t = m->t;
	const struct recording *rec = t->rec;
	struct lost_end *lost = NULL;
	uint64_t *starts = NULL, round_ts = 0;
	size_t nlost = 0, si = 0, li = 0;
	bool round = false;
	int err;

	err = keys(t, &starts, &lost, &nlost);
	if (err)
		goto cleanup;
	for (size_t i = 0; i < rec->n; i++) {
		const struct event *ev = &rec->ev[i];
		const struct proc *p = t->proc_of_event[i];

		if (round && ev->ts != round_ts) {
			round_done(m, round_ts);
			round = false;
		}
		for (; li < nlost && lost[li].key <= 2 * (uint64_t)i; li++)
			proc_end(m, lost[li].proc, t->procs[lost[li].proc].end);
		for (; si < t->nprocs && starts[si] <= 2 * (uint64_t)i + 1; si++)
			proc_start(m, ev->ts);
		if (!p)
			continue;
		if (ev->type == EV_SAMPLE) {
			on_sample(m, p->index, ev);
			round = true;
			round_ts = ev->ts;
		} else if (p->exit == ev) {
			on_exit_event(m, p->index, ev);
		}
	}
	if (round)
		round_done(m, round_ts);
	/* A process with no event at all: the root a header names in an empty recording. */
	for (; si < t->nprocs; si++)
		proc_start(m, key_ts(t, starts[si], t->start));
	advance(m, m->nrows); /* closes the last row; rows[nrows] is a spare */
cleanup:
	free(starts);
	free(lost);
	if (m->cpu_warnings > 1)
		fprintf(stderr, "proctrace: warning: %s: CPU time went down %zu more time%s; "
			"counted as no CPU used\n", rec_name(m), m->cpu_warnings - 1,
			m->cpu_warnings == 2 ? "" : "s");
	return err;
}

/* The rows as the series has them: the CPU's difference arrays summed. */
static int collect(const struct metrics *m, struct metrics_series *out)
{
	double rate = 0;

	out->rows = malloc((m->nrows ? m->nrows : 1) * sizeof(*out->rows));
	if (!out->rows)
		return -ENOMEM;
	out->n = m->nrows;
	out->interval = m->interval;
	out->gauges = m->gauges;
	for (size_t j = 0; j < m->nrows; j++) {
		const struct row *r = &m->rows[j];
		double cores;

		rate += r->rate_step;
		cores = (r->cpu_part + rate * (double)m->interval) / (double)m->interval;
		/* the steps add up to 0 again only up to rounding */
		if (cores < 0.0005)
			cores = 0;
		out->rows[j] = (struct metrics_row){
			.ts = (m->k0 + j) * m->interval,
			.processes = r->live,
			.threads = r->threads,
			.rss_kb = r->rss_kb,
			.swap_kb = r->swap_kb,
			.cores = cores,
		};
	}
	return 0;
}

void trace_metrics_free(struct metrics_series *s)
{
	free(s->rows);
	*s = (struct metrics_series){ 0 };
}

bool trace_sampled(const struct trace *t)
{
	const struct recording *rec = t->rec;

	if (rec->has_header && rec->hdr.sample_interval_ns)
		return true;
	for (size_t i = 0; i < rec->n; i++)
		if (rec->ev[i].type == EV_SAMPLE)
			return true;
	return false;
}

int trace_plotted_metrics(const struct trace *t, struct metrics_series *out)
{
	if (!trace_sampled(t)) {
		*out = (struct metrics_series){ 0 };
		return 0;
	}
	return trace_metrics(t, 0, true, out);
}

int trace_metrics(const struct trace *t, uint64_t interval_ns, bool widen, struct metrics_series *out)
{
	const struct recording *rec = t->rec;
	struct metrics m = { .t = t };
	uint64_t first, max_rows;
	int err = 0;

	*out = (struct metrics_series){ 0 };
	m.interval = interval_ns ? interval_ns
		   : rec->has_header && rec->hdr.sample_interval_ns ? rec->hdr.sample_interval_ns
								   : DEFAULT_INTERVAL_NS;
	m.gauges = trace_sampled(t);
	out->interval = m.interval;
	out->gauges = m.gauges;
	if (!t->nprocs)
		return 0;

	/* From the first process on: under --pid, the subtree's rows, as its own recording has them */
	first = t->end;
	for (size_t k = 0; k < t->nprocs; k++)
		if (t->procs[k].start < first)
			first = t->procs[k].start;
	max_rows = rec->n > MAX_ROWS ? rec->n : MAX_ROWS;
	while (widen && t->end / m.interval - first / m.interval >= max_rows)
		m.interval *= 2;
	m.k0 = first / m.interval;
	if (t->end / m.interval - m.k0 >= max_rows) {
		fprintf(stderr, "proctrace: error: metrics: an interval of %" PRIu64 " ns makes more than "
			"%zu rows of the recording's %.3f s: choose a longer --interval\n",
			m.interval, (size_t)max_rows, (double)(t->end - first) / 1e9);
		return -E2BIG;
	}
	m.nrows = (size_t)(t->end / m.interval - m.k0 + 1);
	m.rows = calloc(m.nrows + 1, sizeof(*m.rows));
	m.ps = calloc(t->nprocs, sizeof(*m.ps));
	if (!m.rows || !m.ps) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = sweep(&m);
	if (!err)
		err = collect(&m, out);
cleanup:
	free(m.rows);
	free(m.ps);
	return err;
}

/* ts in seconds with milliseconds, rounded. */
static void put_seconds(FILE *out, uint64_t ts)
{
	uint64_t ms = ts / 1000000 + (ts % 1000000 >= 500000);

	fprintf(out, "%" PRIu64 ".%03" PRIu64, ms / 1000, ms % 1000);
}

int render_metrics(FILE *out, const struct trace *t, const struct render_opts *o)
{
	struct metrics_series ms;
	int err = trace_metrics(t, o->interval_ns, false, &ms);

	/* ms.gauges is set even when err is (too many rows): the header comes first */
	if (!ms.gauges)
		fprintf(stderr, "proctrace: warning: %s: no Samples (recorded without sampling): "
			"threads, rss_kb and swap_kb are left empty, processes and cores_busy come "
			"from forks and exits\n", t->rec->name ? t->rec->name : "recording");
	fputs("time_s\tprocesses\tthreads\tcores_busy\trss_kb\tswap_kb\n", out);
	if (err)
		return err;
	for (size_t j = 0; j < ms.n; j++) {
		const struct metrics_row *r = &ms.rows[j];

		put_seconds(out, r->ts);
		fprintf(out, "\t%" PRIu64 "\t", r->processes);
		if (ms.gauges)
			fprintf(out, "%" PRIu64, r->threads);
		fprintf(out, "\t%.3f\t", r->cores);
		if (ms.gauges)
			fprintf(out, "%" PRIu64 "\t%" PRIu64, r->rss_kb, r->swap_kb);
		else
			fputc('\t', out);
		fputc('\n', out);
	}
	trace_metrics_free(&ms);
	return ferror(out) ? -EIO : 0;
}
