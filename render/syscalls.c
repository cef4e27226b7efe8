/* render/syscalls.c: the syscalls view (syscallbypid's table) and the summary's top syscalls per command. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "formats/mem.h"
#include "formats/qsort.h"
#include "formats/utf8.h"
#include "render/syscalls.h"

#define CELL_MAX_COLS 40 /* a cell wider than this is cut, with "..." */
#define SUMMARY_PER_COMMAND 5

/*
 * One row: the calls of one syscall by one exec image of one process (or
 * by several images of one process that have the same name, as
 * syscallbypid keys its rows by pid and name). Strings are ids of the
 * tables below: the same string, the same id.
 */
struct sc_row {
	uint64_t count;
	uint32_t proc;         /* index in trace.procs */
	int32_t pid;           /* the process's, kept here for the view's pass over rows by count */
	uint32_t cmd_id;       /* trace_command_name() of the image, in cmds */
	uint32_t name_id : 31; /* the syscall, as the recording names it, in names */
	uint32_t ia32 : 1;
};

/* Strings by value -> ids (open addressing), so that rows sort on integers. */
struct strtab {
	const char **s;  /* s[id] */
	uint32_t n, cap;
	uint32_t *slots; /* id + 1; 0 is empty */
	size_t mask;
};

/* The last pointer looked up in each of these slots, and its id: a recording's names are interned. */
#define PTR_CACHE 1024

struct sc_rows {
	struct sc_row *v;
	size_t n, cap;
	char **owned; /* command names made in a buffer ("git gc"), freed with the rows */
	size_t nowned, capowned;
	struct strtab cmds, names;
	uint32_t *cmd_rank, *name_rank; /* place of each id in the strings' byte order */
	const char *cache_ptr[PTR_CACHE];
	uint32_t cache_id[PTR_CACHE];
};

static void rows_free(struct sc_rows *r)
{
	for (size_t i = 0; i < r->nowned; i++)
		free(r->owned[i]);
	free(r->owned);
	free(r->v);
	free(r->cmds.s);
	free(r->cmds.slots);
	free(r->names.s);
	free(r->names.slots);
	free(r->cmd_rank);
	free(r->name_rank);
}

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/*
 * The id of s in t (added if new: *added, if not NULL, says so); UINT32_MAX
 * on ENOMEM. s must outlive t, or be replaced in t->s by a copy at once.
 */
static uint32_t strtab_id(struct strtab *t, const char *s, bool *added)
{
	size_t i;

	if ((t->n + 1) * 2 > t->mask + 1 || !t->slots) {
		size_t cap = t->slots ? (t->mask + 1) * 2 : 256;
		uint32_t *slots = calloc(cap, sizeof(*slots));

		if (!slots)
			return UINT32_MAX;
		for (uint32_t id = 0; id < t->n; id++) {
			for (i = str_hash(t->s[id]) & (cap - 1); slots[i]; i = (i + 1) & (cap - 1))
				;
			slots[i] = id + 1;
		}
		free(t->slots);
		t->slots = slots;
		t->mask = cap - 1;
	}
	if (added)
		*added = false;
	for (i = str_hash(s) & t->mask; t->slots[i]; i = (i + 1) & t->mask)
		if (!strcmp(t->s[t->slots[i] - 1], s))
			return t->slots[i] - 1;
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? 2 * t->cap : 64;
		const char **v = realloc(t->s, cap * sizeof(*v));

		if (!v)
			return UINT32_MAX;
		t->s = v;
		t->cap = cap;
	}
	t->s[t->n] = s;
	t->slots[i] = t->n + 1;
	if (added)
		*added = true;
	return t->n++;
}

static int cmp_str_id(const void *a, const void *b, void *ctx)
{
	const struct strtab *t = ctx;

	return strcmp(t->s[*(const uint32_t *)a], t->s[*(const uint32_t *)b]);
}

/* *rank: for each id of t, its place when t's strings are in byte order. */
static int strtab_ranks(const struct strtab *t, uint32_t **rank)
{
	uint32_t *ids = malloc((t->n ? t->n : 1) * sizeof(*ids));

	*rank = malloc((t->n ? t->n : 1) * sizeof(**rank));
	if (!ids || !*rank) {
		free(ids);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < t->n; i++)
		ids[i] = i;
	if (t->n > 1)
		qsort_r(ids, t->n, sizeof(*ids), cmp_str_id, (void *)t);
	for (uint32_t i = 0; i < t->n; i++)
		(*rank)[ids[i]] = i;
	free(ids);
	return 0;
}

/* A syscall name's id, through a cache by pointer (a recording holds one copy of each name). */
static uint32_t name_id(struct sc_rows *r, const char *name)
{
	size_t k = ((uintptr_t)name >> 3) % PTR_CACHE;

	if (r->cache_ptr[k] != name) {
		r->cache_id[k] = strtab_id(&r->names, name, NULL);
		r->cache_ptr[k] = r->cache_id[k] == UINT32_MAX ? NULL : name;
	}
	return r->cache_id[k];
}

bool syscalls_recorded(const struct recording *rec)
{
	if (rec->has_header && rec->hdr.syscalls)
		return true;
	for (size_t i = 0; i < rec->n; i++)
		if (rec->ev[i].type == EV_SYSCALLS)
			return true;
	return false;
}

/* The exec image p ran at event index i: its last Exec before i, else the one it inherited. */
static const struct exec_span *image_at(const struct trace *t, const struct proc *p, size_t i)
{
	uint32_t lo = 0, hi = p->nexec;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if ((size_t)(p->execs[mid].exec - t->rec->ev) < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &p->execs[lo - 1] : p->inherited;
}

static int keep_name(struct sc_rows *r, const char **name)
{
	char *copy;

	if (r->nowned == r->capowned) {
		size_t cap = r->capowned ? 2 * r->capowned : 16;
		char **o = realloc(r->owned, cap * sizeof(*o));

		if (!o)
			return -ENOMEM;
		r->owned = o;
		r->capowned = cap;
	}
	copy = strdup(*name);
	if (!copy)
		return -ENOMEM;
	r->owned[r->nowned++] = copy;
	*name = copy;
	return 0;
}

static int rows_reserve(struct sc_rows *r, size_t n)
{
	size_t cap = r->cap ? r->cap : 256;
	struct sc_row *v;

	if (r->n + n <= r->cap)
		return 0;
	while (cap < r->n + n)
		cap *= 2;
	v = realloc(r->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->v = v;
	r->cap = cap;
	mem_huge(v, cap * sizeof(*v));
	return 0;
}

/* A Syscalls event of the tree with counts: its index, process and command. */
struct sc_event {
	size_t i;
	uint32_t proc, cmd_id;
};

/*
 * The tree's Syscalls events with counts, in the order of the recording,
 * each with the id of the command it counts for; every command and syscall
 * name has its id.
 */
static int collect_events(const struct trace *t, struct sc_rows *r, struct sc_event **out,
			  size_t *nout)
{
	const struct recording *rec = t->rec;
	char buf[TRACE_NAME_MAX];
	struct sc_event *v = NULL;
	size_t n = 0, cap = 0;
	int err;

	for (size_t i = 0; i < rec->n; i++) {
		const struct event *ev = &rec->ev[i];
		const struct proc *p = t->proc_of_event[i];
		const struct exec_span *img;
		const char *cmd;
		uint32_t cmd_id;
		bool added;

		if (ev->type != EV_SYSCALLS || !p || !(ev->u.syscalls.n + ev->u.syscalls.n_ia32))
			continue;
		img = image_at(t, p, i);
		cmd = img ? trace_command_name(img->exec, buf, sizeof(buf)) : "(unknown)";
		cmd_id = strtab_id(&r->cmds, cmd, &added);
		if (cmd_id == UINT32_MAX)
			goto enomem;
		/* a name made in buf ("git gc") is copied once, when it is new */
		if (added && cmd == buf && (err = keep_name(r, &r->cmds.s[cmd_id])))
			goto fail;
		for (uint32_t j = 0; j < ev->u.syscalls.n + ev->u.syscalls.n_ia32; j++)
			if (name_id(r, ev->u.syscalls.counts[j].name) == UINT32_MAX)
				goto enomem;
		if (n == cap) {
			struct sc_event *w;

			cap = cap ? 2 * cap : 256;
			w = realloc(v, cap * sizeof(*v));
			if (!w)
				goto enomem;
			v = w;
		}
		v[n++] = (struct sc_event){ .i = i, .proc = p->index, .cmd_id = cmd_id };
	}
	*out = v;
	*nout = n;
	return 0;
enomem:
	err = -ENOMEM;
fail:
	free(v);
	return err;
}

/* A row being grouped: key = command rank, ABI, syscall rank, in that order of weight. */
struct sc_keyed {
	uint64_t key;
	struct sc_row row;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct sc_keyed *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* The rows of one process: its events' counts, one row per command, ABI and syscall. */
static int process_rows(const struct trace *t, struct sc_rows *r, const struct sc_event *ev,
			size_t nev, struct sc_keyed **scratch, size_t *scap)
{
	size_t n = 0, k = 0;
	int err;

	for (size_t e = 0; e < nev; e++)
		n += t->rec->ev[ev[e].i].u.syscalls.n + t->rec->ev[ev[e].i].u.syscalls.n_ia32;
	if (n > *scap) {
		struct sc_keyed *w = realloc(*scratch, n * sizeof(*w));

		if (!w)
			return -ENOMEM;
		*scratch = w;
		*scap = n;
	}
	n = 0;
	for (size_t e = 0; e < nev; e++) {
		const struct event *x = &t->rec->ev[ev[e].i];

		for (uint32_t j = 0; j < x->u.syscalls.n + x->u.syscalls.n_ia32; j++) {
			uint32_t id = name_id(r, x->u.syscalls.counts[j].name);
			bool ia32 = j >= x->u.syscalls.n;

			if (id == UINT32_MAX)
				return -ENOMEM;

			(*scratch)[n++] = (struct sc_keyed){
				.key = (uint64_t)r->cmd_rank[ev[e].cmd_id] << 33 | (uint64_t)ia32 << 32 |
				       r->name_rank[id],
				.row = { .count = x->u.syscalls.counts[j].count, .proc = ev[e].proc,
					 .pid = t->procs[ev[e].proc].pid, .cmd_id = ev[e].cmd_id,
					 .name_id = id, .ia32 = ia32 },
			};
		}
	}
	qsort_n(*scratch, n, sizeof(**scratch), cmp_keyed);
	/* Images of one process with one name, and one syscall given twice, make one row. */
	for (size_t i = 1; i < n; i++) {
		if ((*scratch)[k].key == (*scratch)[i].key) {
			(*scratch)[k].row.count = add_sat((*scratch)[k].row.count, (*scratch)[i].row.count);
			continue;
		}
		(*scratch)[++k] = (*scratch)[i];
	}
	if (n && (err = rows_reserve(r, k + 1)))
		return err;
	for (size_t i = 0; n && i <= k; i++)
		r->v[r->n++] = (*scratch)[i].row;
	return 0;
}

static int cmp_proc_pid(const void *a, const void *b, void *ctx)
{
	const struct trace *t = ctx;
	const struct proc *x = &t->procs[*(const uint32_t *)a], *y = &t->procs[*(const uint32_t *)b];

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Stable sort of the rows by count, most first (LSD radix sort, a byte at a
 * time, over the bytes that some count has): rows of equal counts keep
 * their order.
 */
static int sort_by_count(struct sc_rows *r)
{
	struct sc_row *tmp, *src = r->v, *dst;
	uint64_t max = 0;

	for (size_t i = 0; i < r->n; i++)
		max |= r->v[i].count;
	if (r->n < 2 || !max)
		return 0;
	tmp = malloc(r->n * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	mem_huge(tmp, r->n * sizeof(*tmp));
	dst = tmp;
	for (unsigned shift = 0; shift < 64 && max >> shift; shift += 8) {
		size_t at[256] = { 0 }, sum = 0;

		for (size_t i = 0; i < r->n; i++)
			at[0xff - (src[i].count >> shift & 0xff)]++;
		for (int d = 0; d < 256; d++) {
			size_t c = at[d];

			at[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < r->n; i++)
			dst[at[0xff - (src[i].count >> shift & 0xff)]++] = src[i];
		dst = src;
		src = src == r->v ? tmp : r->v;
	}
	if (src != r->v)
		memcpy(r->v, src, r->n * sizeof(*src));
	free(tmp);
	return 0;
}

/*
 * The view's rows, in its order: by count, most first; then by pid (and
 * the order of processes that had one pid), command, ABI and syscall. The
 * Syscalls events are put in that order of their processes (a counting
 * sort), each process's rows grouped and put in order among themselves,
 * then a stable sort by count: no sort of all rows on strings.
 */
static int collect(const struct trace *t, struct sc_rows *r)
{
	struct sc_event *ev = NULL, *by_proc = NULL;
	struct sc_keyed *scratch = NULL;
	uint32_t *procs = NULL, *place = NULL;
	size_t nev = 0, nprocs = 0, scap = 0, *start = NULL;
	int err = collect_events(t, r, &ev, &nev);

	if (err || !nev)
		goto done;
	if ((err = strtab_ranks(&r->cmds, &r->cmd_rank)) || (err = strtab_ranks(&r->names, &r->name_rank)))
		goto done;
	err = -ENOMEM;
	place = calloc(t->nprocs, sizeof(*place)); /* the process's place + 1 in pid order */
	procs = malloc(nev * sizeof(*procs));
	by_proc = malloc(nev * sizeof(*by_proc));
	start = calloc(nev + 1, sizeof(*start));
	if (!place || !procs || !by_proc || !start)
		goto done;
	for (size_t e = 0; e < nev; e++)
		if (!place[ev[e].proc]++)
			procs[nprocs++] = ev[e].proc;
	if (nprocs > 1)
		qsort_r(procs, nprocs, sizeof(*procs), cmp_proc_pid, (void *)t);
	/* place[] held event counts: start[] gets each process's first slot */
	for (size_t k = 0; k < nprocs; k++) {
		start[k + 1] = start[k] + place[procs[k]];
		place[procs[k]] = (uint32_t)k;
	}
	for (size_t e = 0; e < nev; e++)
		by_proc[start[place[ev[e].proc]]++] = ev[e];
	for (size_t k = 0, first = 0; k < nprocs; first = start[k], k++) {
		err = process_rows(t, r, by_proc + first, start[k] - first, &scratch, &scap);
		if (err)
			goto done;
	}
	err = sort_by_count(r);
done:
	free(ev);
	free(by_proc);
	free(scratch);
	free(procs);
	free(place);
	free(start);
	return err;
}

/* s for a table cell (after prefix, if any): see utf8_cell(). */
static const char *cell(char *buf, size_t len, const char *prefix, const char *s, int *cols)
{
	return utf8_cell(buf, len, prefix, s, CELL_MAX_COLS, cols);
}

#define IA32_PREFIX "ia32:"
#define CELL_BUF (4 * CELL_MAX_COLS + 8)

/* Cells made once per string id: the command's, and the syscall's (native and ia32). */
struct cells {
	char *text;    /* CELL_BUF bytes per cell */
	int *cols;
	bool *made;
	size_t n;
};

static int cells_init(struct cells *c, size_t n)
{
	c->n = n;
	c->text = malloc((n ? n : 1) * CELL_BUF);
	c->cols = malloc((n ? n : 1) * sizeof(*c->cols));
	c->made = calloc(n ? n : 1, sizeof(*c->made));
	return c->text && c->cols && c->made ? 0 : -ENOMEM;
}

static void cells_free(struct cells *c)
{
	free(c->text);
	free(c->cols);
	free(c->made);
}

static const char *cell_of(struct cells *c, size_t k, const char *prefix, const char *s, int *cols)
{
	if (!c->made[k]) {
		cell(c->text + k * CELL_BUF, CELL_BUF, prefix, s, &c->cols[k]);
		c->made[k] = true;
	}
	*cols = c->cols[k];
	return c->text + k * CELL_BUF;
}

static const char *row_cmd(struct sc_rows *r, struct cells *c, const struct sc_row *row, int *cols)
{
	return cell_of(c, row->cmd_id, NULL, r->cmds.s[row->cmd_id], cols);
}

static const char *row_name(struct sc_rows *r, struct cells *c, const struct sc_row *row, int *cols)
{
	return cell_of(c, 2 * (size_t)row->name_id + row->ia32, row->ia32 ? IA32_PREFIX : NULL,
		       r->names.s[row->name_id], cols);
}

/* s, then pad spaces; or pad spaces, then s (right) */
static char *put_padded(char *o, const char *s, size_t len, int pad, bool right)
{
	if (right)
		for (; pad > 0; pad--)
			*o++ = ' ';
	memcpy(o, s, len);
	o += len;
	if (!right)
		for (; pad > 0; pad--)
			*o++ = ' ';
	return o;
}

static size_t put_u64(char *buf, uint64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(buf, p, (size_t)(tmp + sizeof(tmp) - p));
	return (size_t)(tmp + sizeof(tmp) - p);
}

int render_syscalls(FILE *out, const struct trace *t, const struct render_opts *o)
{
	struct sc_rows r = { 0 };
	struct cells cmd_cells = { 0 }, name_cells = { 0 };
	int wpid = 3, wcmd = 3, wsc = 7, cc, sc, err;
	size_t shown;

	err = collect(t, &r);
	if (!err)
		err = cells_init(&cmd_cells, r.cmds.n);
	if (!err)
		err = cells_init(&name_cells, 2 * (size_t)r.names.n);
	if (err)
		goto cleanup;
	shown = o->top && o->top < r.n ? o->top : r.n;
	for (size_t i = 0; i < shown; i++) {
		char pid[24];
		int32_t v = r.v[i].pid;
		int w = (int)(v < 0 ? 1 + put_u64(pid, -(uint64_t)v) : put_u64(pid, (uint64_t)v));

		wpid = w > wpid ? w : wpid;
		row_cmd(&r, &cmd_cells, &r.v[i], &cc);
		row_name(&r, &name_cells, &r.v[i], &sc);
		wcmd = cc > wcmd ? cc : wcmd;
		wsc = sc > wsc ? sc : wsc;
	}
	fprintf(out, "%-*s  %-*s  %-*s  %12s\n", wpid, "PID", wcmd, "CMD", wsc, "SYSCALL", "COUNT");
	for (size_t i = 0; i < shown; i++) {
		const struct sc_row *row = &r.v[i];
		const char *cs = row_cmd(&r, &cmd_cells, row, &cc);
		const char *ss = row_name(&r, &name_cells, row, &sc);
		char line[3 * 24 + 2 * CELL_BUF + 3 * CELL_MAX_COLS + 32], num[24], *p = line;
		int32_t pid = row->pid;
		size_t n;

		/* pad by columns, not bytes */
		if (pid < 0)
			*p++ = '-';
		n = put_u64(num, pid < 0 ? -(uint64_t)pid : (uint64_t)pid);
		p = put_padded(p, num, n, wpid - (int)n - (pid < 0), false);
		p = put_padded(p, "  ", 2, 0, false);
		p = put_padded(p, cs, strlen(cs), wcmd - cc, false);
		p = put_padded(p, "  ", 2, 0, false);
		p = put_padded(p, ss, strlen(ss), wsc - sc, false);
		p = put_padded(p, "  ", 2, 0, false);
		n = put_u64(num, row->count);
		p = put_padded(p, num, n, 12 - (int)n, true);
		*p++ = '\n';
		if (fwrite(line, 1, (size_t)(p - line), out) != (size_t)(p - line))
			break;
	}
	if (ferror(out))
		err = -EIO;
cleanup:
	cells_free(&cmd_cells);
	cells_free(&name_cells);
	rows_free(&r);
	return err;
}

/* ---------------------------------------------------------------- summary */

/* One command's calls: rows[first .. first + n) are its syscalls, by count. */
struct sc_cmd {
	uint32_t cmd_id;
	uint64_t total;
	size_t first, n;
};

/* By command, then by ABI and syscall: the rows of every process of a command are added up. */
static int cmp_cmd_name(const void *a, const void *b)
{
	const struct sc_row *x = a, *y = b;

	if (x->cmd_id != y->cmd_id)
		return x->cmd_id < y->cmd_id ? -1 : 1;
	if (x->ia32 != y->ia32)
		return x->ia32 ? 1 : -1;
	return x->name_id < y->name_id ? -1 : x->name_id > y->name_id;
}

/* Within one command: by count, most first, then by ABI and syscall name. */
static int cmp_in_cmd(const void *a, const void *b, void *ctx)
{
	const struct sc_rows *r = ctx;
	const struct sc_row *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->ia32 != y->ia32)
		return x->ia32 ? 1 : -1;
	return strcmp(r->names.s[x->name_id], r->names.s[y->name_id]);
}

static int cmp_cmd_total(const void *a, const void *b, void *ctx)
{
	const struct sc_rows *r = ctx;
	const struct sc_cmd *x = a, *y = b;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return strcmp(r->cmds.s[x->cmd_id], r->cmds.s[y->cmd_id]);
}

/* One row per command, ABI and syscall, over the whole tree: the counts added up in a hash set. */
static int collect_by_command(const struct trace *t, struct sc_rows *r)
{
	struct sc_event *ev = NULL;
	struct sc_row *set = NULL;
	size_t nev = 0, mask = 0, used = 0;
	int err = collect_events(t, r, &ev, &nev);

	for (size_t e = 0; e < nev && !err; e++) {
		const struct event *x = &t->rec->ev[ev[e].i];

		for (uint32_t j = 0; j < x->u.syscalls.n + x->u.syscalls.n_ia32; j++) {
			uint32_t id = name_id(r, x->u.syscalls.counts[j].name);
			struct sc_row key = { .cmd_id = ev[e].cmd_id, .name_id = id,
					      .ia32 = j >= x->u.syscalls.n, .proc = 1 };
			uint64_t h = ((uint64_t)key.cmd_id << 33 | (uint64_t)key.ia32 << 32 | key.name_id) *
				     0x9e3779b97f4a7c15ull;
			size_t i;

			if (id == UINT32_MAX) {
				err = -ENOMEM;
				break;
			}

			if ((used + 1) * 2 > (set ? mask + 1 : 0)) {
				size_t cap = set ? 2 * (mask + 1) : 256;
				struct sc_row *w = calloc(cap, sizeof(*w));

				if (!w) {
					err = -ENOMEM;
					break;
				}
				for (size_t k = 0; set && k <= mask; k++) {
					const struct sc_row *o = &set[k];
					uint64_t oh = ((uint64_t)o->cmd_id << 33 | (uint64_t)o->ia32 << 32 | o->name_id) *
						      0x9e3779b97f4a7c15ull;

					if (!o->proc)
						continue;
					for (i = oh >> 32 & (cap - 1); w[i].proc; i = (i + 1) & (cap - 1))
						;
					w[i] = *o;
				}
				free(set);
				set = w;
				mask = cap - 1;
			}
			/* .proc = 1 marks a slot in use */
			for (i = h >> 32 & mask; set[i].proc; i = (i + 1) & mask)
				if (!cmp_cmd_name(&set[i], &key))
					break;
			if (!set[i].proc) {
				set[i] = key;
				used++;
			}
			set[i].count = add_sat(set[i].count, x->u.syscalls.counts[j].count);
		}
	}
	for (size_t k = 0; set && k <= mask && !err; k++) {
		if (!set[k].proc)
			continue;
		if ((err = rows_reserve(r, 1)))
			break;
		r->v[r->n++] = set[k];
	}
	free(set);
	free(ev);
	return err;
}

int summary_syscalls_print(FILE *out, const struct trace *t, const struct render_opts *o)
{
	struct sc_rows r = { 0 };
	struct sc_cmd *cmds = NULL;
	size_t ncmds = 0, shown;
	unsigned top = o->top ? o->top : 10;
	char cbuf[CELL_BUF], sbuf[CELL_BUF];
	uint64_t total = 0;
	int width = 7, cc, sc, err;

	if (!syscalls_recorded(t->rec))
		return 0;
	err = collect_by_command(t, &r);
	if (err)
		goto cleanup;
	qsort_n(r.v, r.n, sizeof(*r.v), cmp_cmd_name);
	cmds = calloc(r.n ? r.n : 1, sizeof(*cmds));
	if (!cmds) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < r.n; i++) {
		if (i == 0 || r.v[i - 1].cmd_id != r.v[i].cmd_id)
			cmds[ncmds++] = (struct sc_cmd){ .cmd_id = r.v[i].cmd_id, .first = i };
		cmds[ncmds - 1].n++;
		cmds[ncmds - 1].total = add_sat(cmds[ncmds - 1].total, r.v[i].count);
		total = add_sat(total, r.v[i].count);
	}
	for (size_t i = 0; i < ncmds; i++)
		if (cmds[i].n > 1)
			qsort_r(r.v + cmds[i].first, cmds[i].n, sizeof(*r.v), cmp_in_cmd, &r);
	if (ncmds > 1)
		qsort_r(cmds, ncmds, sizeof(*cmds), cmp_cmd_total, &r);
	shown = ncmds < top ? ncmds : top;
	if (!shown) {
		fprintf(out, "\ntop syscalls by command\n  (no syscall counted)\n");
		goto cleanup;
	}
	for (size_t i = 0; i < shown; i++) {
		cell(cbuf, sizeof(cbuf), NULL, r.cmds.s[cmds[i].cmd_id], &cc);
		width = cc > width ? cc : width;
	}
	fprintf(out, "\ntop %zu commands by syscalls (of %zu; %" PRIu64 " syscalls in all)\n", shown,
		ncmds, total);
	fprintf(out, "  %-*s %12s  %s\n", width, "COMMAND", "SYSCALLS", "MOST MADE");
	for (size_t i = 0; i < shown; i++) {
		const struct sc_cmd *c = &cmds[i];

		cell(cbuf, sizeof(cbuf), NULL, r.cmds.s[c->cmd_id], &cc);
		fprintf(out, "  %s%*s %12" PRIu64 " ", cbuf, width - cc, "", c->total);
		for (size_t j = 0; j < c->n && j < SUMMARY_PER_COMMAND; j++) {
			const struct sc_row *row = &r.v[c->first + j];

			cell(sbuf, sizeof(sbuf), row->ia32 ? IA32_PREFIX : NULL, r.names.s[row->name_id], &sc);
			fprintf(out, " %s %" PRIu64 "%s", sbuf, row->count,
				j + 1 < c->n && j + 1 < SUMMARY_PER_COMMAND ? "," : "");
		}
		fprintf(out, "%s\n", c->n > SUMMARY_PER_COMMAND ? ", ..." : "");
	}
	if (ferror(out))
		err = -EIO;
cleanup:
	free(cmds);
	rows_free(&r);
	return err;
}
