/* render/trace.c: build the process model from a sorted recording. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/mem.h"
#include "render/trace.h"

#define NONE UINT32_MAX

/*
 * A process while the model is being built. Links are indices, not
 * pointers, because the array grows with realloc; the final struct proc
 * array is made once at the end.
 */
struct bproc {
	int32_t pid;
	bool has_fork;
	bool exited;   /* its Exit was seen */
	bool ended;    /* its end is known (Exit, or its pid was reused) */
	bool running;  /* first seen as a Running event */
	uint32_t parent;
	uint32_t fork_ev, exit_ev, first_ev;
	uint32_t nexec, nbadexec, nbadmiss;
	uint64_t start, end;
};

struct builder {
	struct bproc *p;
	size_t n, cap;
	/* pid -> index of the process currently holding that pid (open addressing). */
	int32_t *keys;
	uint32_t *vals; /* index + 1; 0 is an empty slot */
	size_t mask, used;
	size_t stray_samples; /* Samples that fit no process, left out */
};

static size_t slot_of(const struct builder *b, int32_t pid)
{
	size_t i = ((uint32_t)pid * 0x9E3779B1u) & b->mask;

	while (b->vals[i] && b->keys[i] != pid)
		i = (i + 1) & b->mask;
	return i;
}

static int map_grow(struct builder *b)
{
	size_t cap = b->mask ? (b->mask + 1) * 2 : 1024;
	int32_t *okeys = b->keys;
	uint32_t *ovals = b->vals;
	size_t ocap = b->mask ? b->mask + 1 : 0;

	b->keys = calloc(cap, sizeof(*b->keys));
	b->vals = calloc(cap, sizeof(*b->vals));
	if (!b->keys || !b->vals) {
		free(b->keys);
		free(b->vals);
		b->keys = okeys;
		b->vals = ovals;
		return -ENOMEM;
	}
	b->mask = cap - 1;
	for (size_t i = 0; i < ocap; i++) {
		if (ovals[i]) {
			size_t s = slot_of(b, okeys[i]);
			b->keys[s] = okeys[i];
			b->vals[s] = ovals[i];
		}
	}
	free(okeys);
	free(ovals);
	return 0;
}

/* The process currently holding pid, or NONE. */
static uint32_t map_get(const struct builder *b, int32_t pid)
{
	size_t s = slot_of(b, pid);

	return b->vals[s] ? b->vals[s] - 1 : NONE;
}

static int map_set(struct builder *b, int32_t pid, uint32_t idx)
{
	size_t s;
	int err;

	if ((b->used + 1) * 2 > b->mask + 1) {
		err = map_grow(b);
		if (err)
			return err;
	}
	s = slot_of(b, pid);
	if (!b->vals[s])
		b->used++;
	b->keys[s] = pid;
	b->vals[s] = idx + 1;
	return 0;
}

/*
 * Append a process that appears at event i; *idx is its index. For a
 * process first seen as the parent of a Fork, i is that Fork (which itself
 * belongs to the child).
 */
static int new_proc(struct builder *b, int32_t pid, uint32_t parent, size_t i, uint64_t ts,
		    uint32_t *idx)
{
	struct bproc *p;
	int err;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		p = realloc(b->p, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
		mem_huge(p, cap * sizeof(*p));
	}
	p = &b->p[b->n];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->parent = parent;
	p->fork_ev = p->exit_ev = NONE;
	p->first_ev = (uint32_t)i;
	p->start = p->end = ts;
	err = map_set(b, pid, (uint32_t)b->n);
	if (err)
		return err;
	*idx = (uint32_t)b->n++;
	return 0;
}

/*
 * The live process holding pid. A pid that is unknown, or whose process
 * already exited, starts a new root process: its Fork was not recorded.
 */
static int live_proc(struct builder *b, int32_t pid, size_t i, uint64_t ts, uint32_t *idx)
{
	uint32_t cur = map_get(b, pid);

	if (cur != NONE && !b->p[cur].exited) {
		*idx = cur;
		return 0;
	}
	return new_proc(b, pid, NONE, i, ts, idx);
}


/*
 * A Sample belongs to the live process holding its pid (true if there is
 * one: *idx). One that fits none, for a pid never seen or after its
 * process's Exit (a Sample written out of order lands there once sorted),
 * makes no process of its own: it is left out, and the first such one is
 * said with its line, the rest counted (scan_done).
 */
static bool sample_owner(struct builder *b, const struct recording *rec, const struct event *ev,
			 uint32_t *idx)
{
	uint32_t cur = map_get(b, ev->pid);
	char where[64] = "";

	if (cur != NONE && !b->p[cur].exited) {
		*idx = cur;
		return true;
	}
	if (b->stray_samples++)
		return false;
	if (ev->line)
		snprintf(where, sizeof(where), ":%u", (unsigned)ev->line);
	if (cur == NONE)
		fprintf(stderr, "proctrace: warning: %s%s: Sample for pid %d at %llu ns: no such process "
			"then; left out\n", rec->name ? rec->name : "recording", where, ev->pid,
			(unsigned long long)ev->ts);
	else
		fprintf(stderr, "proctrace: warning: %s%s: Sample for pid %d at %llu ns: after its Exit "
			"(at %llu ns); left out\n", rec->name ? rec->name : "recording", where, ev->pid,
			(unsigned long long)ev->ts, (unsigned long long)b->p[cur].end);
	return false;
}

/*
 * A Running event: a process that was there before the recording. It is
 * the process already made for its pid when that one has nothing of its
 * own yet (it was seen as the parent of a Fork, before its Running came),
 * else a new one, the child of the live process holding its ppid (a forest
 * for --all: parents are usually seen first). Its life in the views starts
 * at max(start, 0): the recording saw nothing before.
 */
static int running_proc(struct builder *b, const struct event *ev, size_t i, uint32_t *idx)
{
	uint32_t cur = map_get(b, ev->pid), par;
	struct bproc *p;
	int err;

	if (cur != NONE && !b->p[cur].exited && !b->p[cur].has_fork && !b->p[cur].running &&
	    !b->p[cur].nexec && !b->p[cur].nbadexec) {
		*idx = cur;
	} else {
		if (cur != NONE && !b->p[cur].ended) {
			b->p[cur].ended = true;
			b->p[cur].end = ev->ts;
		}
		par = ev->flags & EVF_PPID ? map_get(b, ev->ppid) : NONE;
		if (par != NONE && b->p[par].exited)
			par = NONE;
		err = new_proc(b, ev->pid, par, i, ev->ts, idx);
		if (err)
			return err;
	}
	p = &b->p[*idx];
	p->running = true;
	p->nexec++;
	p->start = ev->u.running.start < 0 ? 0 : (uint64_t)ev->u.running.start;
	if (p->start > ev->ts)
		p->start = ev->ts;
	/* a process does not start before its parent (one first seen through a later event) */
	if (p->parent != NONE && p->start < b->p[p->parent].start)
		p->start = b->p[p->parent].start;
	return 0;
}

/* One pass over the events: processes, their owners (owner[i]) and their ends. */
/* root: the pid the recording is about; its parent (the recorder) is outside the recording. */
static int scan(struct builder *b, const struct recording *rec, int32_t root, uint32_t *owner,
		uint64_t end)
{
	uint32_t par, cur, idx;
	int err;

	for (size_t i = 0; i < rec->n; i++) {
		const struct event *ev = &rec->ev[i];

		if (ev->type == EV_FORK) {
			int32_t child = ev->u.fork.child_pid;

			cur = map_get(b, child);
			par = map_get(b, ev->pid);
			if (par != NONE && b->p[par].exited)
				par = NONE;
			/*
			 * A parent seen for the first time is part of the tree
			 * (it forked a process we follow), except the recorder
			 * that forked the root in recordings without a header.
			 */
			if (par == NONE && ev->pid != child && !(child == root && cur == NONE)) {
				err = new_proc(b, ev->pid, NONE, i, ev->ts, &par);
				if (err)
					return err;
				cur = map_get(b, child);
			}
			/* The pid is reused: its previous holder is gone (its Exit was lost). */
			if (cur != NONE && !b->p[cur].ended) {
				b->p[cur].ended = true;
				b->p[cur].end = ev->ts;
			}
			err = new_proc(b, child, par, i, ev->ts, &idx);
			if (err)
				return err;
			b->p[idx].has_fork = true;
			b->p[idx].fork_ev = (uint32_t)i;
			owner[i] = idx;
			continue;
		}
		if (ev->type == EV_SAMPLE) {
			if (sample_owner(b, rec, ev, &idx))
				owner[i] = idx;
			continue;
		}
		if (ev->type == EV_RUNNING) {
			err = running_proc(b, ev, i, &idx);
			if (err)
				return err;
			owner[i] = idx;
			continue;
		}
		err = live_proc(b, ev->pid, i, ev->ts, &idx);
		if (err)
			return err;
		owner[i] = idx;
		switch (ev->type) {
		case EV_EXEC:
			b->p[idx].nexec++;
			/* the failed execs before it were a PATH search's misses */
			b->p[idx].nbadmiss = b->p[idx].nbadexec;
			break;
		case EV_BADEXEC:
			b->p[idx].nbadexec++;
			break;
		case EV_EXIT:
			b->p[idx].exited = b->p[idx].ended = true;
			b->p[idx].exit_ev = (uint32_t)i;
			b->p[idx].end = ev->ts;
			break;
		default:
			break;
		}
	}
	if (b->stray_samples > 1)
		fprintf(stderr, "proctrace: warning: %s: %zu more Sample%s fit%s no process; left out\n",
			rec->name ? rec->name : "recording", b->stray_samples - 1,
			b->stray_samples == 2 ? "" : "s", b->stray_samples == 2 ? "s" : "");
	/* A header names the root even if it left no event (an empty recording). */
	if (root > 0 && rec->has_header && map_get(b, root) == NONE) {
		err = new_proc(b, root, NONE, 0, rec->n ? rec->ev[0].ts : 0, &idx);
		if (err)
			return err;
	}
	for (size_t k = 0; k < b->n; k++) {
		if (!b->p[k].ended)
			b->p[k].end = end;
		if (b->p[k].end < b->p[k].start)
			b->p[k].end = b->p[k].start;
	}
	return 0;
}

/*
 * The nth (1-based) process with pid in order of appearance (which is fork
 * order: a process appears at its Fork), or b->n; *count is how many had
 * pid. The recorded command is the first with its pid.
 */
static size_t nth_with_pid(const struct builder *b, int32_t pid, unsigned nth, unsigned *count)
{
	size_t r = b->n;

	*count = 0;
	for (size_t k = 0; k < b->n; k++)
		if (b->p[k].pid == pid && ++*count == nth)
			r = k;
	return r;
}

static size_t first_with_pid(const struct builder *b, int32_t pid)
{
	unsigned count;

	return nth_with_pid(b, pid, 1, &count);
}

/*
 * Mark keep[k] for the subtree of --pid's process: the nth with pid, or
 * the first if nth is 0 (then, if pid was reused, say which was taken and
 * how to choose another); parents come before children. *root is its index.
 */
static int mark_subtree(const struct builder *b, int32_t pid, unsigned nth, bool *keep,
			const char *name, size_t *root)
{
	unsigned count;
	size_t r = nth_with_pid(b, pid, nth ? nth : 1, &count);

	if (!count) {
		fprintf(stderr, "proctrace: error: --pid %d: no such process in %s\n", pid,
			name ? name : "the recording");
		return -ESRCH;
	}
	if (r == b->n) {
		fprintf(stderr, "proctrace: error: --pid %d@%u: only %u process%s had pid %d in %s\n", pid,
			nth, count, count == 1 ? "" : "es", pid, name ? name : "the recording");
		return -ESRCH;
	}
	if (!nth && count > 1)
		fprintf(stderr, "proctrace: note: --pid %d: %u processes had pid %d; this is the first "
			"(started at %llu ns); --pid %d@N chooses the N-th, 1 to %u in order of fork\n", pid,
			count, pid, (unsigned long long)b->p[r].start, pid, count);
	keep[r] = true;
	for (size_t k = r + 1; k < b->n; k++)
		keep[k] = b->p[k].parent != NONE && keep[b->p[k].parent];
	*root = r;
	return 0;
}

/* Make the final arrays: kept processes, their links, exec spans, proc_of_event. */
static int assemble(struct trace *t, struct builder *b, const bool *keep,
		    const uint32_t *owner)
{
	const struct recording *rec = t->rec;
	uint32_t *newidx = NULL;
	size_t nkeep = 0, nspans = 0, nroots = 0;
	int err = -ENOMEM;

	newidx = malloc((b->n + 1) * sizeof(*newidx));
	if (!newidx)
		goto cleanup;
	for (size_t k = 0; k < b->n; k++) {
		newidx[k] = keep[k] ? (uint32_t)nkeep++ : NONE;
		if (keep[k]) {
			nspans += b->p[k].nexec;
			if (b->p[k].parent == NONE || !keep[b->p[k].parent])
				nroots++;
		}
	}
	t->procs = calloc(nkeep ? nkeep : 1, sizeof(*t->procs));
	t->roots = calloc(nroots ? nroots : 1, sizeof(*t->roots));
	t->spans = calloc(nspans ? nspans : 1, sizeof(*t->spans));
	if (!t->procs || !t->roots || !t->spans)
		goto cleanup;
	mem_huge(t->procs, nkeep * sizeof(*t->procs));
	mem_huge(t->spans, nspans * sizeof(*t->spans));
	t->nprocs = nkeep;
	t->nspans = nspans;

	for (size_t k = 0, spans = 0; k < b->n; k++) {
		const struct bproc *bp = &b->p[k];
		struct proc *p;

		if (!keep[k])
			continue;
		p = &t->procs[newidx[k]];
		p->pid = bp->pid;
		p->start = bp->start;
		p->end = bp->end;
		p->has_fork = bp->has_fork;
		p->running = bp->running;
		p->ended_by_recording = !bp->ended;
		p->fork = bp->fork_ev != NONE ? &rec->ev[bp->fork_ev] : NULL;
		p->exit = bp->exit_ev != NONE ? &rec->ev[bp->exit_ev] : NULL;
		p->execs = &t->spans[spans];
		p->nbadexec = bp->nbadexec;
		p->nbadmiss = bp->nbadmiss;
		p->first_event = bp->first_ev;
		p->index = newidx[k];
		spans += bp->nexec;
		if (bp->parent != NONE && keep[bp->parent]) {
			struct proc *pp = &t->procs[newidx[bp->parent]];

			p->parent = pp;
			p->depth = pp->depth + 1;
			if (pp->last_child)
				pp->last_child->next_sibling = p;
			else
				pp->first_child = p;
			pp->last_child = p;
		} else {
			t->roots[t->nroots++] = p;
		}
	}

	/*
	 * The builder's copy is no longer needed: free it before the per-event
	 * array, so that the two never take memory at the same time (this is
	 * the peak of every view on a big recording).
	 */
	free(b->p);
	b->p = NULL;
	t->proc_of_event = calloc(rec->n ? rec->n : 1, sizeof(*t->proc_of_event));
	if (!t->proc_of_event)
		goto cleanup;
	mem_huge(t->proc_of_event, rec->n * sizeof(*t->proc_of_event));
	for (size_t i = 0; i < rec->n; i++) {
		uint32_t k = owner[i];
		struct proc *p;

		if (k == NONE || !keep[k])
			continue;
		p = &t->procs[newidx[k]];
		t->proc_of_event[i] = p;
		if (rec->ev[i].type == EV_EXEC || rec->ev[i].type == EV_RUNNING) {
			struct exec_span *s = &p->execs[p->nexec++];

			s->exec = &rec->ev[i];
			/* a Running's image ran from the process's start as the views count it */
			s->start = rec->ev[i].type == EV_RUNNING ? p->start : rec->ev[i].ts;
		}
	}
	/* A span lasts until the next exec of its process, or the process's end. */
	for (size_t k = 0; k < t->nprocs; k++) {
		struct proc *p = &t->procs[k];

		for (uint32_t j = 0; j < p->nexec; j++) {
			uint64_t e = j + 1 < p->nexec ? p->execs[j + 1].start : p->end;

			p->execs[j].end = e < p->execs[j].start ? p->execs[j].start : e;
		}
	}
	/*
	 * What each process runs until its first exec, once for all views:
	 * parents come before children, so a parent's is known when its
	 * children need it. The parent's image at the fork is its last exec
	 * before the Fork in event order (exact even for equal timestamps).
	 */
	for (size_t k = 0; k < t->nprocs; k++) {
		struct proc *p = &t->procs[k];
		const struct proc *q = p->parent;
		size_t at = trace_creation_event(t, p);
		uint32_t lo = 0, hi;

		if (!q)
			continue;
		hi = q->nexec;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;

			if ((size_t)(q->execs[mid].exec - rec->ev) < at)
				lo = mid + 1;
			else
				hi = mid;
		}
		p->inherited = lo ? &q->execs[lo - 1] : q->inherited;
	}
	err = 0;
cleanup:
	free(newidx);
	return err;
}

int trace_build(struct trace **out, const struct recording *rec, int32_t root_pid)
{
	return trace_build_nth(out, rec, root_pid, 0);
}

int trace_build_nth(struct trace **out, const struct recording *rec, int32_t root_pid,
		    unsigned nth)
{
	struct builder b = { 0 };
	struct trace *t = NULL;
	uint32_t *owner = NULL;
	bool *keep = NULL;
	int32_t rec_root;
	size_t root;
	int err = -ENOMEM;

	*out = NULL;
	if (rec->n >= NONE) {
		fprintf(stderr, "proctrace: error: %s: too many events (%zu)\n",
			rec->name ? rec->name : "recording", rec->n);
		return -EOVERFLOW;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		goto cleanup;
	owner = malloc((rec->n ? rec->n : 1) * sizeof(*owner));
	if (!owner)
		goto cleanup;
	mem_huge(owner, rec->n * sizeof(*owner));
	for (size_t i = 0; i < rec->n; i++)
		owner[i] = NONE;
	t->rec = rec;
	t->start = rec->n ? rec->ev[0].ts : 0;
	t->end = rec->n ? rec->ev[rec->n - 1].ts : 0;
	if (rec->has_end && rec->end.ts > t->end)
		t->end = rec->end.ts;
	err = map_grow(&b);
	if (err)
		goto cleanup;
	rec_root = recording_root_pid(rec);
	err = scan(&b, rec, rec_root, owner, t->end);
	if (err)
		goto cleanup;
	/* pid -> process was for the scan only. */
	free(b.keys);
	free(b.vals);
	b.keys = NULL;
	b.vals = NULL;

	err = -ENOMEM;
	keep = calloc(b.n ? b.n : 1, sizeof(*keep));
	if (!keep)
		goto cleanup;
	/* Found before assemble() frees the builder; the first kept process is procs[0]. */
	root = first_with_pid(&b, rec_root);
	if (root_pid > 0) {
		size_t recorded = root;

		err = mark_subtree(&b, root_pid, nth, keep, rec->name, &root);
		if (err)
			goto cleanup;
		t->root_is_recorded = root == recorded;
	} else {
		memset(keep, 1, b.n * sizeof(*keep));
		t->root_is_recorded = root < b.n;
	}
	err = assemble(t, &b, keep, owner);
	if (err)
		goto cleanup;
	if (root < b.n) {
		size_t k = 0;

		for (size_t j = 0; j < root; j++)
			k += keep[j];
		t->root = &t->procs[k];
	}
	err = trace_critical_path(t);
	if (err)
		goto cleanup;
	*out = t;
	t = NULL;
cleanup:
	if (err == -ENOMEM)
		fprintf(stderr, "proctrace: error: building the process model: %s\n", strerror(ENOMEM));
	trace_free(t);
	free(keep);
	free(owner);
	free(b.p);
	free(b.keys);
	free(b.vals);
	return err;
}

void trace_free(struct trace *t)
{
	if (!t)
		return;
	free(t->spans);
	free(t->procs);
	free(t->roots);
	free(t->proc_of_event);
	free(t->crit);
	free(t);
}

void trace_failed_execs(const struct trace *t, uint64_t *misses, uint64_t *real)
{
	*misses = *real = 0;
	for (size_t k = 0; k < t->nprocs; k++) {
		*misses += t->procs[k].nbadmiss;
		*real += t->procs[k].nbadexec - t->procs[k].nbadmiss;
	}
}
