/* render/syscalls.c: the syscalls view (syscallbypid's table) and the summary's top syscalls per command. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "formats/qsort.h"
#include "formats/utf8.h"
#include "render/syscalls.h"

#define CELL_MAX_COLS 40 /* a cell wider than this is cut, with "..." */
#define SUMMARY_PER_COMMAND 5

/*
 * One row: the calls of one syscall by one exec image of one process (or
 * by several images of one process that have the same name, as
 * syscallbypid keys its rows by pid and name).
 */
struct sc_row {
	const struct proc *p;
	const char *cmd;  /* trace_command_name() of the image */
	const char *name; /* the syscall, as the recording names it */
	uint64_t count;
	uint32_t cmd_id, name_id; /* the same string, the same id: rows are grouped by ids */
	bool ia32;
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
}

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The id of s in t (added if new); UINT32_MAX on ENOMEM. s must outlive t. */
static uint32_t strtab_id(struct strtab *t, const char *s)
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
	return t->n++;
}

/* A syscall name's id, through a cache by pointer (a recording holds one copy of each name). */
static uint32_t name_id(struct sc_rows *r, const char *name)
{
	size_t k = ((uintptr_t)name >> 3) % PTR_CACHE;

	if (r->cache_ptr[k] != name) {
		r->cache_id[k] = strtab_id(&r->names, name);
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

/* Grouping: by process, command, ABI and syscall, by their ids (no string compared). */
static int cmp_key(const void *a, const void *b)
{
	const struct sc_row *x = a, *y = b;

	if (x->p != y->p)
		return x->p->index < y->p->index ? -1 : 1;
	if (x->cmd_id != y->cmd_id)
		return x->cmd_id < y->cmd_id ? -1 : 1;
	if (x->ia32 != y->ia32)
		return x->ia32 ? 1 : -1;
	return x->name_id < y->name_id ? -1 : x->name_id > y->name_id;
}

/* By count, most first; then by pid, command and syscall, so that the order is total. */
static int cmp_count(const void *a, const void *b)
{
	const struct sc_row *x = a, *y = b;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->p->pid != y->p->pid)
		return x->p->pid < y->p->pid ? -1 : 1;
	if (x->p != y->p)
		return x->p->index < y->p->index ? -1 : 1;
	if (x->cmd_id != y->cmd_id && (c = strcmp(x->cmd, y->cmd)))
		return c;
	if (x->ia32 != y->ia32)
		return x->ia32 ? 1 : -1;
	return x->name_id == y->name_id ? 0 : strcmp(x->name, y->name);
}

/* Every count of the tree's Syscalls events, one row per process, command and syscall. */
static int collect(const struct trace *t, struct sc_rows *r)
{
	const struct recording *rec = t->rec;
	char buf[TRACE_NAME_MAX];
	size_t k = 0;
	int err;

	for (size_t i = 0; i < rec->n; i++) {
		const struct event *ev = &rec->ev[i];
		const struct proc *p = t->proc_of_event[i];
		const struct exec_span *img;
		const char *cmd;
		uint32_t n, cmd_id;

		if (ev->type != EV_SYSCALLS || !p)
			continue;
		n = ev->u.syscalls.n + ev->u.syscalls.n_ia32;
		if (!n)
			continue;
		img = image_at(t, p, i);
		cmd = img ? trace_command_name(img->exec, buf, sizeof(buf)) : "(unknown)";
		if (cmd == buf && (err = keep_name(r, &cmd)))
			return err;
		cmd_id = strtab_id(&r->cmds, cmd);
		if (cmd_id == UINT32_MAX)
			return -ENOMEM;
		cmd = r->cmds.s[cmd_id];
		if (r->n + n > r->cap) {
			size_t cap = r->cap ? r->cap : 256;
			struct sc_row *v;

			while (cap < r->n + n)
				cap *= 2;
			v = realloc(r->v, cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			r->v = v;
			r->cap = cap;
		}
		for (uint32_t j = 0; j < n; j++) {
			const char *name = ev->u.syscalls.counts[j].name;
			uint32_t id = name_id(r, name);

			if (id == UINT32_MAX)
				return -ENOMEM;
			r->v[r->n++] = (struct sc_row){ .p = p, .cmd = cmd, .cmd_id = cmd_id,
							.name = r->names.s[id], .name_id = id,
							.count = ev->u.syscalls.counts[j].count,
							.ia32 = j >= ev->u.syscalls.n };
		}
	}
	/* Images of one process with one name, and one syscall given twice, make one row. */
	if (!r->n)
		return 0;
	qsort_n(r->v, r->n, sizeof(*r->v), cmp_key);
	for (size_t i = 1; i < r->n; i++) {
		if (!cmp_key(&r->v[k], &r->v[i])) {
			r->v[k].count = r->v[k].count + r->v[i].count < r->v[k].count
						? UINT64_MAX : r->v[k].count + r->v[i].count;
			continue;
		}
		r->v[++k] = r->v[i];
	}
	r->n = k + 1;
	return 0;
}

/*
 * s for a table cell, into buf (at least 4 * CELL_MAX_COLS + 8 bytes):
 * control characters become '?', bytes that are not UTF-8 U+FFFD, and a
 * cell wider than CELL_MAX_COLS columns is cut with "...". *cols: the
 * columns a terminal gives it, which the table is padded by.
 */
static const char *cell(char *buf, size_t len, const char *prefix, const char *s, int *cols)
{
	const unsigned char *u;
	size_t n = 0, cut = 0, left;
	int w = 0, cut_w = 0;

	for (int part = 0; part < 2; part++) {
		const char *str = part ? s : prefix;

		if (!str)
			continue;
		u = (const unsigned char *)str;
		left = strlen(str);
		while (left) {
			uint32_t c;
			size_t used = utf8_decode(u, left, &c);
			int cw;

			if (utf8_is_control(c))
				c = '?';
			cw = utf8_width(c);
			if (w + cw > CELL_MAX_COLS || n + 8 > len) {
				memcpy(buf + cut, "...", 4);
				*cols = cut_w + 3;
				return buf;
			}
			n += utf8_encode(buf + n, c);
			w += cw;
			if (w <= CELL_MAX_COLS - 3) {
				cut = n;
				cut_w = w;
			}
			u += used;
			left -= used;
		}
	}
	buf[n] = 0;
	*cols = w;
	return buf;
}

#define IA32_PREFIX "ia32:"

int render_syscalls(FILE *out, const struct trace *t, const struct render_opts *o)
{
	struct sc_rows r = { 0 };
	char cbuf[4 * CELL_MAX_COLS + 8], sbuf[4 * CELL_MAX_COLS + 8];
	int wpid = 3, wcmd = 3, wsc = 7, cc, sc, err;
	size_t shown;

	err = collect(t, &r);
	if (err)
		goto cleanup;
	qsort_n(r.v, r.n, sizeof(*r.v), cmp_count);
	shown = o->top && o->top < r.n ? o->top : r.n;
	for (size_t i = 0; i < shown; i++) {
		char pid[16];
		int w = snprintf(pid, sizeof(pid), "%" PRId32, r.v[i].p->pid);

		wpid = w > wpid ? w : wpid;
		cell(cbuf, sizeof(cbuf), NULL, r.v[i].cmd, &cc);
		cell(sbuf, sizeof(sbuf), r.v[i].ia32 ? IA32_PREFIX : NULL, r.v[i].name, &sc);
		wcmd = cc > wcmd ? cc : wcmd;
		wsc = sc > wsc ? sc : wsc;
	}
	fprintf(out, "%-*s  %-*s  %-*s  %12s\n", wpid, "PID", wcmd, "CMD", wsc, "SYSCALL", "COUNT");
	for (size_t i = 0; i < shown; i++) {
		const struct sc_row *row = &r.v[i];

		cell(cbuf, sizeof(cbuf), NULL, row->cmd, &cc);
		cell(sbuf, sizeof(sbuf), row->ia32 ? IA32_PREFIX : NULL, row->name, &sc);
		/* printf pads by bytes: pad by columns */
		fprintf(out, "%-*" PRId32 "  %s%*s  %s%*s  %12" PRIu64 "\n", wpid, row->p->pid, cbuf,
			wcmd - cc, "", sbuf, wsc - sc, "", row->count);
	}
	if (ferror(out))
		err = -EIO;
cleanup:
	rows_free(&r);
	return err;
}

/* ---------------------------------------------------------------- summary */

/* One command's calls: rows[first .. first + n) are its syscalls, by count. */
struct sc_cmd {
	const char *cmd;
	uint64_t total;
	size_t first, n;
};

/* By command, then by syscall (ids): the rows of every process of a command are added up. */
static int cmp_cmd_name(const void *a, const void *b)
{
	const struct sc_row *x = a, *y = b;

	if (x->cmd_id != y->cmd_id)
		return x->cmd_id < y->cmd_id ? -1 : 1;
	if (x->ia32 != y->ia32)
		return x->ia32 ? 1 : -1;
	return x->name_id < y->name_id ? -1 : x->name_id > y->name_id;
}

/* Within one command: by count, most first, then by syscall name. */
static int cmp_in_cmd(const void *a, const void *b)
{
	const struct sc_row *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->ia32 != y->ia32)
		return x->ia32 ? 1 : -1;
	return x->name_id == y->name_id ? 0 : strcmp(x->name, y->name);
}

static int cmp_cmd_total(const void *a, const void *b)
{
	const struct sc_cmd *x = a, *y = b;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return strcmp(x->cmd, y->cmd);
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

int summary_syscalls_print(FILE *out, const struct trace *t, const struct render_opts *o)
{
	struct sc_rows r = { 0 };
	struct sc_cmd *cmds = NULL;
	size_t ncmds = 0, k = 0, shown;
	unsigned top = o->top ? o->top : 10;
	char cbuf[4 * CELL_MAX_COLS + 8], sbuf[4 * CELL_MAX_COLS + 8];
	uint64_t total = 0;
	int width = 7, cc, sc, err;

	if (!syscalls_recorded(t->rec))
		return 0;
	err = collect(t, &r);
	if (err)
		goto cleanup;
	/* One row per command and syscall. */
	if (r.n) {
		qsort_n(r.v, r.n, sizeof(*r.v), cmp_cmd_name);
		for (size_t i = 1; i < r.n; i++) {
			if (!cmp_cmd_name(&r.v[k], &r.v[i])) {
				r.v[k].count = add_sat(r.v[k].count, r.v[i].count);
				continue;
			}
			r.v[++k] = r.v[i];
		}
		r.n = k + 1;
	}
	cmds = calloc(r.n ? r.n : 1, sizeof(*cmds));
	if (!cmds) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < r.n; i++) {
		if (!ncmds || i == 0 || r.v[i - 1].cmd_id != r.v[i].cmd_id)
			cmds[ncmds++] = (struct sc_cmd){ .cmd = r.v[i].cmd, .first = i };
		cmds[ncmds - 1].n++;
		cmds[ncmds - 1].total = add_sat(cmds[ncmds - 1].total, r.v[i].count);
		total = add_sat(total, r.v[i].count);
	}
	for (size_t i = 0; i < ncmds; i++)
		qsort_n(r.v + cmds[i].first, cmds[i].n, sizeof(*r.v), cmp_in_cmd);
	qsort_n(cmds, ncmds, sizeof(*cmds), cmp_cmd_total);
	shown = ncmds < top ? ncmds : top;
	if (!shown) {
		fprintf(out, "\ntop syscalls by command\n  (no syscall counted)\n");
		goto cleanup;
	}
	for (size_t i = 0; i < shown; i++) {
		cell(cbuf, sizeof(cbuf), NULL, cmds[i].cmd, &cc);
		width = cc > width ? cc : width;
	}
	fprintf(out, "\ntop %zu commands by syscalls (of %zu; %" PRIu64 " syscalls in all)\n", shown,
		ncmds, total);
	fprintf(out, "  %-*s %12s  %s\n", width, "COMMAND", "SYSCALLS", "MOST MADE");
	for (size_t i = 0; i < shown; i++) {
		const struct sc_cmd *c = &cmds[i];

		cell(cbuf, sizeof(cbuf), NULL, c->cmd, &cc);
		fprintf(out, "  %s%*s %12" PRIu64 " ", cbuf, width - cc, "", c->total);
		for (size_t j = 0; j < c->n && j < SUMMARY_PER_COMMAND; j++) {
			const struct sc_row *row = &r.v[c->first + j];

			cell(sbuf, sizeof(sbuf), row->ia32 ? IA32_PREFIX : NULL, row->name, &sc);
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
