/* render/diff.c: what changed between two recordings: commands, command lines, totals, critical paths. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "formats/arena.h"
#include "formats/qsort.h"
#include "formats/utf8.h"
#include "render/diff.h"
#include "render/status.h"

#define NONE UINT32_MAX
#define LINE_MAX_SHOWN 200

/* ---- normalising command lines ------------------------------------------ */

static bool is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex_letter(char c)
{
	return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * What word w (n bytes) becomes: "*" for a temporary name, "<hex>" for a
 * hash, "<n>" for a long number, NULL to keep it. tmp_dir: its path
 * component is directly inside a directory named tmp; after_tmp_dot: the
 * component began with "tmp." and w comes right after it.
 */
static const char *placeholder(const char *w, size_t n, bool tmp_dir, bool after_tmp_dot)
{
	size_t digits = 0, upper = 0, lower = 0, hex_letters = 0;

	for (size_t i = 0; i < n; i++) {
		digits += is_digit(w[i]);
		upper += w[i] >= 'A' && w[i] <= 'Z';
		lower += w[i] >= 'a' && w[i] <= 'z';
		hex_letters += is_hex_letter(w[i]);
	}
	if (after_tmp_dot && n >= 3)
		return "*"; /* mktemp's default: tmp.XXXXXXXXXX */
	if (tmp_dir) {
		/* gcc's ccXXXXXX, or anything random-looking of 6 or more */
		if (n == 8 && w[0] == 'c' && w[1] == 'c')
			return "*";
		if (n >= 6 && (digits || upper))
			return "*";
	}
	if (digits == n && n >= 4)
		return "<n>";
	/* hashes are written in one case: "ccAbc123" is not one */
	if (n >= 7 && digits && hex_letters && digits + hex_letters == n && !(upper && lower))
		return "<hex>";
	return NULL;
}

static int put(struct sbuf *b, const char *s, size_t n)
{
	if (sbuf_reserve(b, n))
		return -ENOMEM;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	return 0;
}

int diff_normalise_arg(struct sbuf *b, const char *a)
{
	bool tmp_dir = false;
	const char *comp = a; /* the start of the current path component */

	while (*a) {
		const char *w = a, *ph;
		bool after_tmp_dot;
		int err;

		if (*a == '/') {
			/* the next component is inside a directory named "tmp" */
			tmp_dir = a - comp == 3 && !strncmp(comp, "tmp", 3);
			comp = a + 1;
			err = put(b, a++, 1);
			if (err)
				return err;
			continue;
		}
		if (!is_word(*a)) {
			if (put(b, (unsigned char)*a < 0x20 || *a == 0x7f ? "?" : a, 1))
				return -ENOMEM;
			a++;
			continue;
		}
		while (is_word(*a))
			a++;
		after_tmp_dot = w == comp + 4 && !strncmp(comp, "tmp.", 4);
		ph = placeholder(w, (size_t)(a - w), tmp_dir, after_tmp_dot);
		err = ph ? put(b, ph, strlen(ph)) : put(b, w, (size_t)(a - w));
		if (err)
			return err;
	}
	return 0;
}

/* An argument that needs quotes to be read back as one: empty, or with blanks, quotes, controls. */
static bool needs_quotes(const char *a)
{
	if (!*a)
		return true;
	for (; *a; a++)
		if ((unsigned char)*a <= ' ' || *a == 0x7f || *a == '\'' || *a == '"' || *a == '\\')
			return true;
	return false;
}

/*
 * The command line of an exec image as diff compares them: each argument
 * normalised, single-quoted when it needs quotes (a quote inside is
 * written '\''), joined by spaces; the filename when there is no argv.
 */
static int line_text(struct sbuf *b, const struct event *ex)
{
	const char *const *argv = NULL;
	uint32_t argc = 0;
	int err = 0;

	b->len = 0;
	if (ex && (ex->flags & EVF_CMDLINE) && ex->u.exec.argv) {
		argv = ex->u.exec.argv;
		argc = ex->u.exec.argc;
	}
	if (!argc && ex && (ex->flags & EVF_FILENAME) && ex->u.exec.filename) {
		argv = &ex->u.exec.filename;
		argc = 1;
	}
	if (!argc)
		return put(b, "(unknown)", 9);
	for (uint32_t i = 0; i < argc && !err; i++) {
		const char *a = argv[i] ? argv[i] : "";
		bool q = needs_quotes(a);
		size_t start;

		if (i)
			err = put(b, " ", 1);
		if (!err && q)
			err = put(b, "'", 1);
		start = b->len;
		err = err ? err : diff_normalise_arg(b, a);
		if (!err && q) {
			/* a quote inside the quotes: '\'' */
			for (size_t k = start; k < b->len && !err; k++) {
				if (b->buf[k] != '\'')
					continue;
				err = sbuf_reserve(b, 3);
				if (err)
					break;
				memmove(b->buf + k + 4, b->buf + k + 1, b->len - k - 1);
				memcpy(b->buf + k, "'\\''", 4);
				b->len += 3;
				k += 3;
			}
			err = err ? err : put(b, "'", 1);
		}
	}
	return err;
}

/* ---- hash tables ---------------------------------------------------------- */

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	/* mix the high bits down: the table uses the low ones */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

/* Open addressing on entry numbers (+1; 0 is empty), kept at most half full. */
struct table {
	uint32_t *slots;
	size_t mask;
};

/* Room in tb for n + 1 entries, entry k's hash being hash(d, k). 0 or -ENOMEM. */
static int table_room(struct table *tb, size_t n, const struct diff *d,
		      uint64_t (*hash)(const struct diff *d, size_t k))
{
	size_t cap = tb->slots ? (tb->mask + 1) * 2 : 64;
	uint32_t *slots;

	if (tb->slots && 2 * (n + 1) <= tb->mask + 1)
		return 0;
	while (cap < 2 * (n + 1))
		cap *= 2;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		size_t i = hash(d, k) & (cap - 1);

		while (slots[i])
			i = (i + 1) & (cap - 1);
		slots[i] = (uint32_t)k + 1;
	}
	free(tb->slots);
	tb->slots = slots;
	tb->mask = cap - 1;
	return 0;
}

/* ---- the two sides -------------------------------------------------------- */

struct stats {
	uint64_t count, wall, cpu; /* exec images; ns, saturating */
};

/*
 * A command name, with each side's sums; also each name on a critical
 * path, which may have none.
 */
struct cmd {
	const char *name; /* in d->arena */
	uint64_t hash;    /* of name */
	struct stats s[2];
};

/*
 * A normalised command line: the hash of its text, each side's count.
 * 20 bytes, the hash in halves so that nothing pads it: a build has about
 * as many distinct lines as execs. No text: only the few shown need one
 * (d->texts). Counts fit 32 bits: trace_build() takes fewer than 2^32
 * events.
 */
struct line {
	uint32_t hash_lo, hash_hi;
	uint32_t count[2];
	uint32_t name; /* the command of its first exec */
};
_Static_assert(sizeof(struct line) == 20, "a line is 20 bytes");

/*
 * The text of line number line, or NULL while it is still to be found (or
 * was not found again). Only the lines shown have one, except that each of
 * A's has one when A cannot be read again.
 */
struct line_text {
	uint32_t line;
	const char *text; /* in d->arena */
};

/* One link of a critical path, as read from struct totals' crit (crit_next()). */
struct crit_row {
	uint32_t name; /* in d->cmds, so that a name is stored once */
	int32_t pid;
	uint64_t start, wall, wait; /* start: from the root's start */
};

struct totals {
	const char *file, *command, *start_time, *host;
	uint64_t wall, cpu, user, system, processes, execs, peak;
	uint64_t failed, killed, failed_execs, lost;
	bool has_cpu, failed_execs_known, lost_known, present;
	/*
	 * ncrit links, each as five LEB128 numbers: name, then pid and start
	 * as zigzag differences from the link before, wall, wait. A path
	 * can have as many links as half the processes, and A's is held
	 * while B is read: so about 12 bytes a link rather than 32.
	 */
	uint8_t *crit;
	size_t ncrit;
};

struct diff {
	struct diff_opts o;
	struct arena arena;
	struct cmd *cmds;
	size_t ncmds, cmds_cap;
	struct table cmd_tb;
	struct line *lines;
	size_t nlines, lines_cap;
	struct table line_tb;
	struct line_text *texts; /* sorted by line */
	size_t ntexts, texts_cap;
	struct totals side[2];
	struct sbuf scratch;
	bool kept_a_texts;
};

int diff__new(struct diff **out, const struct diff_opts *o)
{
	struct diff *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->o = *o;
	*out = d;
	return 0;
}

void diff__free(struct diff *d)
{
	if (!d)
		return;
	arena_free(&d->arena);
	free(d->cmds);
	free(d->cmd_tb.slots);
	free(d->lines);
	free(d->line_tb.slots);
	free(d->texts);
	for (int s = 0; s < 2; s++)
		free(d->side[s].crit);
	sbuf_free(&d->scratch);
	free(d);
}

/* Room in *arr (*cap entries of size bytes) for entry n. 0 or -ENOMEM. */
static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap * 2 : 64;
	void *a;

	if (n < *cap)
		return 0;
	a = realloc(*arr, c * size);
	if (!a)
		return -ENOMEM;
	*arr = a;
	*cap = c;
	return 0;
}

static uint64_t cmd_hash(const struct diff *d, size_t k)
{
	return d->cmds[k].hash;
}

static uint64_t line_hash(const struct diff *d, size_t k)
{
	return (uint64_t)d->lines[k].hash_hi << 32 | d->lines[k].hash_lo;
}

/* The number of command name, added if new; NONE if out of memory. */
static uint32_t cmd_find(struct diff *d, const char *name)
{
	size_t n = strlen(name);
	uint64_t h = hash_bytes(name, n);
	size_t i;

	if (table_room(&d->cmd_tb, d->ncmds, d, cmd_hash))
		return NONE;
	for (i = h & d->cmd_tb.mask; d->cmd_tb.slots[i]; i = (i + 1) & d->cmd_tb.mask) {
		uint32_t k = d->cmd_tb.slots[i] - 1;

		if (d->cmds[k].hash == h && !strcmp(d->cmds[k].name, name))
			return k;
	}
	if (grow((void **)&d->cmds, &d->cmds_cap, d->ncmds, sizeof(*d->cmds)))
		return NONE;
	d->cmds[d->ncmds] = (struct cmd){ .name = arena_intern(&d->arena, name, n), .hash = h };
	if (!d->cmds[d->ncmds].name)
		return NONE;
	d->cmd_tb.slots[i] = (uint32_t)++d->ncmds;
	return (uint32_t)(d->ncmds - 1);
}

/*
 * The slot of the line whose text has hash h, or the empty slot where it
 * would go. Lines are told apart by their 64-bit hash alone: no text is
 * kept to compare.
 */
static size_t line_slot(const struct diff *d, uint64_t h)
{
	size_t i;

	for (i = h & d->line_tb.mask; d->line_tb.slots[i]; i = (i + 1) & d->line_tb.mask)
		if (line_hash(d, d->line_tb.slots[i] - 1) == h)
			break;
	return i;
}

/* The number of the line in d->scratch (hash h), added if new; NONE if out of memory. */
static uint32_t line_find(struct diff *d, uint64_t h, bool *added)
{
	size_t i;

	*added = false;
	if (table_room(&d->line_tb, d->nlines, d, line_hash))
		return NONE;
	i = line_slot(d, h);
	if (d->line_tb.slots[i])
		return d->line_tb.slots[i] - 1;
	if (grow((void **)&d->lines, &d->lines_cap, d->nlines, sizeof(*d->lines)))
		return NONE;
	d->lines[d->nlines] = (struct line){ .hash_lo = (uint32_t)h, .hash_hi = (uint32_t)(h >> 32),
					     .name = NONE };
	d->line_tb.slots[i] = (uint32_t)++d->nlines;
	*added = true;
	return (uint32_t)(d->nlines - 1);
}

static void add_sat(uint64_t *x, uint64_t v)
{
	*x = *x + v < *x ? UINT64_MAX : *x + v;
}

static int text_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct line_text *)a)->line, y = ((const struct line_text *)b)->line;

	return x < y ? -1 : x > y;
}

/* Line k's entry among the first n of d->texts, NULL if none. */
static struct line_text *text_entry(const struct diff *d, size_t n, uint32_t k)
{
	return n ? bsearch(&(struct line_text){ .line = k }, d->texts, n, sizeof(*d->texts), text_cmp)
		 : NULL;
}

/* Line k's text, NULL if none. */
static const char *text_of(const struct diff *d, uint32_t k)
{
	const struct line_text *e = text_entry(d, d->ntexts, k);

	return e ? e->text : NULL;
}

/* Append an entry for line k, text s (n bytes; NULL: to be found); the caller keeps the order. */
static int add_text(struct diff *d, uint32_t k, const char *s, size_t n)
{
	struct line_text *e;

	if (d->ntexts == d->texts_cap) {
		size_t c = d->texts_cap ? d->texts_cap * 2 : 16;

		e = realloc(d->texts, c * sizeof(*e));
		if (!e)
			return -ENOMEM;
		d->texts = e;
		d->texts_cap = c;
	}
	e = &d->texts[d->ntexts];
	*e = (struct line_text){ .line = k, .text = s ? arena_strndup(&d->arena, s, n) : NULL };
	if (s && !e->text)
		return -ENOMEM;
	d->ntexts++;
	return 0;
}

/* Count one exec image of side s: its command and its command line. */
static int add_image(struct diff *d, enum diff_side s, const struct exec_span *span, bool texts,
		     uint32_t *name_out)
{
	char buf[TRACE_NAME_MAX];
	uint32_t c = cmd_find(d, trace_command_name(span->exec, buf, sizeof(buf)));
	struct line *l;
	bool added;
	uint32_t k;
	int err;

	if (c == NONE)
		return -ENOMEM;
	*name_out = c;
	d->cmds[c].s[s].count++;
	add_sat(&d->cmds[c].s[s].wall, span->end - span->start);
	err = line_text(&d->scratch, span->exec);
	if (err)
		return err;
	k = line_find(d, hash_bytes(d->scratch.buf, d->scratch.len), &added);
	if (k == NONE)
		return -ENOMEM;
	l = &d->lines[k];
	l->count[s]++;
	if (added) {
		l->name = c;
		/* lines are numbered in order of appearance: d->texts stays sorted */
		if (texts)
			err = add_text(d, k, d->scratch.buf, d->scratch.len);
	}
	return err;
}

/* The root's command line, shell-quoted (not normalised), cut to LINE_MAX_SHOWN. */
static const char *root_command(struct diff *d, const struct trace *t)
{
	const struct proc *root = t->root;
	const struct event *ex = root && root->nexec ? root->execs[0].exec : NULL;
	struct sbuf *b = &d->scratch;

	b->len = 0;
	if (ex && (ex->flags & EVF_CMDLINE) && ex->u.exec.argc) {
		for (uint32_t i = 0; i < ex->u.exec.argc && b->len <= LINE_MAX_SHOWN; i++) {
			const char *a = ex->u.exec.argv[i] ? ex->u.exec.argv[i] : "";
			bool q = needs_quotes(a);

			if ((i && put(b, " ", 1)) || (q && put(b, "'", 1)))
				return NULL;
			for (; *a; a++)
				if (put(b, (unsigned char)*a < 0x20 ? "?" : a, 1))
					return NULL;
			if (q && put(b, "'", 1))
				return NULL;
		}
	} else if (t->root_is_recorded && t->rec->has_header && t->rec->hdr.command_len) {
		for (uint32_t i = 0; i < t->rec->hdr.command_len; i++)
			if ((i && put(b, " ", 1)) ||
			    put(b, t->rec->hdr.command[i], strlen(t->rec->hdr.command[i])))
				return NULL;
	} else {
		return "(unknown)";
	}
	if (b->len > LINE_MAX_SHOWN) {
		size_t n = LINE_MAX_SHOWN;

		while (n && ((unsigned char)b->buf[n] & 0xc0) == 0x80)
			n--;
		b->len = n;
		if (put(b, "...", 3))
			return NULL;
	}
	return arena_strndup(&d->arena, b->buf, b->len);
}

static const char *copy(struct diff *d, const char *s)
{
	return s ? arena_strndup(&d->arena, s, strlen(s)) : NULL;
}

static uint8_t *put_num(uint8_t *p, uint64_t v)
{
	for (; v >= 0x80; v >>= 7)
		*p++ = (uint8_t)(v | 0x80);
	*p++ = (uint8_t)v;
	return p;
}

static const uint8_t *get_num(const uint8_t *p, uint64_t *v)
{
	*v = 0;
	for (unsigned s = 0;; s += 7) {
		*v |= (uint64_t)(*p & 0x7f) << s;
		if (!(*p++ & 0x80))
			return p;
	}
}

/* b - a, as a number that is small when the difference is, either way (modulo 2^64). */
static uint64_t zigzag(uint64_t a, uint64_t b)
{
	uint64_t d = b - a;

	return d << 1 ^ (uint64_t)-(int64_t)(d >> 63);
}

static uint64_t unzigzag(uint64_t a, uint64_t z)
{
	return a + (z >> 1 ^ (uint64_t)-(int64_t)(z & 1));
}

#define CRIT_MAX_BYTES (5 * 10) /* five numbers of at most 10 bytes */

/* x->crit from t's critical path. 0 or -ENOMEM. */
static int add_crit(struct diff *d, struct totals *x, const struct trace *t)
{
	uint64_t origin = t->root ? t->root->start : t->start;
	struct crit_row prev = { 0 };
	char buf[TRACE_NAME_MAX];
	uint8_t *p, *shrunk;

	/* only the bytes written are touched; the rest is given back below */
	x->crit = malloc(t->ncrit * CRIT_MAX_BYTES);
	if (!x->crit)
		return -ENOMEM;
	p = x->crit;
	for (size_t i = 0; i < t->ncrit; i++) {
		const struct crit_link *c = &t->crit[i];
		struct crit_row r = {
			.name = cmd_find(d, trace_proc_name(c->p, buf, sizeof(buf))),
			.pid = c->p->pid,
			.start = c->start > origin ? c->start - origin : 0,
			.wall = c->end - c->start,
			.wait = c->wait,
		};

		if (r.name == NONE)
			return -ENOMEM;
		p = put_num(p, r.name);
		p = put_num(p, zigzag((uint64_t)(int64_t)prev.pid, (uint64_t)(int64_t)r.pid));
		p = put_num(p, zigzag(prev.start, r.start));
		p = put_num(p, r.wall);
		p = put_num(p, r.wait);
		prev = r;
	}
	x->ncrit = t->ncrit;
	shrunk = realloc(x->crit, (size_t)(p - x->crit));
	if (shrunk)
		x->crit = shrunk;
	return 0;
}

/* Reads a path's links in order: start with { .p = x->crit }. */
struct crit_cursor {
	const uint8_t *p;
	struct crit_row r; /* the link read last */
};

static const struct crit_row *crit_next(struct crit_cursor *c)
{
	uint64_t v;

	c->p = get_num(c->p, &v);
	c->r.name = (uint32_t)v;
	c->p = get_num(c->p, &v);
	c->r.pid = (int32_t)unzigzag((uint64_t)(int64_t)c->r.pid, v);
	c->p = get_num(c->p, &v);
	c->r.start = unzigzag(c->r.start, v);
	c->p = get_num(c->p, &c->r.wall);
	c->p = get_num(c->p, &c->r.wait);
	return &c->r;
}

static int add_totals(struct diff *d, struct totals *x, const struct trace *t, const char *file)
{
	const struct recording *rec = t->rec;
	int err;

	x->present = true;
	x->file = copy(d, file);
	x->command = root_command(d, t);
	if (rec->has_header) {
		x->start_time = copy(d, rec->hdr.start_time);
		x->host = copy(d, rec->hdr.host);
	}
	if (!x->file || !x->command)
		return -ENOMEM;
	if (t->root)
		x->wall = t->root->end - t->root->start;
	x->processes = t->nprocs;
	for (size_t k = 0; k < t->nprocs; k++) {
		const struct proc *p = &t->procs[k];
		struct proc_status st;

		proc_status(p, &st);
		x->execs += p->nexec;
		x->failed_execs += p->nbadexec;
		x->failed += st.outcome == OUTCOME_FAILED;
		x->killed += st.outcome == OUTCOME_KILLED;
		if (st.has_rusage) {
			x->has_cpu = true;
			add_sat(&x->user, st.user_ns);
			add_sat(&x->system, st.system_ns);
			add_sat(&x->cpu, st.user_ns);
			add_sat(&x->cpu, st.system_ns);
		}
	}
	/* A recording made without --failed-execs has none: unknown rather than 0. */
	x->failed_execs_known = !(rec->has_header && rec->hdr.has_failed_execs && !rec->hdr.failed_execs);
	x->lost_known = rec->has_end && rec->end.has_lost;
	x->lost = x->lost_known ? rec->end.lost : 0;
	err = trace_peak_concurrency(t, &x->peak);
	if (err)
		return err;
	return t->ncrit ? add_crit(d, x, t) : 0;
}

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

/* Lines only on side s, most frequent first, then in order of first appearance. */
struct line_order {
	const struct diff *d;
	int s;
};

static int sort_lines(struct diff *d, int s, uint32_t **out, size_t *n);
static int find_texts(struct diff *d, const struct trace *t, uint32_t *only, size_t n);

int diff__add(struct diff *d, enum diff_side s, const struct trace *t, const char *file,
	      bool keep_texts)
{
	uint32_t *only = NULL;
	size_t n = 0;
	int err;

	if (s == DIFF_A)
		d->kept_a_texts = keep_texts;
	err = add_totals(d, &d->side[s], t, file);
	for (size_t k = 0; k < t->nprocs && !err; k++) {
		const struct proc *p = &t->procs[k];
		const struct exec_span *last = p->nexec ? &p->execs[p->nexec - 1] : p->inherited;
		uint32_t name = NONE;
		struct proc_status st;

		for (uint32_t j = 0; j < p->nexec && !err; j++)
			err = add_image(d, s, &p->execs[j], s == DIFF_A && keep_texts, &name);
		if (err)
			break;
		/* A process's CPU is its last image's command's, as in the summary. */
		proc_status(p, &st);
		if (!st.has_rusage || !last)
			continue;
		if (!p->nexec) {
			char buf[TRACE_NAME_MAX];

			name = cmd_find(d, trace_command_name(last->exec, buf, sizeof(buf)));
			if (name == NONE)
				err = -ENOMEM;
		}
		if (!err) {
			add_sat(&d->cmds[name].s[s].cpu, st.user_ns);
			add_sat(&d->cmds[name].s[s].cpu, st.system_ns);
		}
	}
	if (err || s != DIFF_B)
		return err;
	/* The lines only in B that will be shown: their texts while B is here. */
	err = sort_lines(d, DIFF_B, &only, &n);
	err = err ? err : find_texts(d, t, only, n);
	free(only);
	return err;
}

static int line_cmp(const void *a, const void *b, void *ctx)
{
	const struct line_order *lo = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int c = cmp_u64_desc(lo->d->lines[x].count[lo->s], lo->d->lines[y].count[lo->s]);

	return c ? c : x < y ? -1 : x > y;
}

/*
 * The lines only on side s whose command is on both sides (a command only
 * on one side is listed as such), sorted; *n of them, at most top (0: all),
 * in *out (caller frees). Returns 0 or -ENOMEM.
 */
static int sort_lines(struct diff *d, int s, uint32_t **out, size_t *n)
{
	uint32_t *v = malloc((d->nlines + 1) * sizeof(*v));
	size_t m = 0;

	*out = v;
	*n = 0;
	if (!v)
		return -ENOMEM;
	for (size_t k = 0; k < d->nlines; k++) {
		const struct line *l = &d->lines[k];
		const struct cmd *c = &d->cmds[l->name];

		if (l->count[s] && !l->count[!s] && c->s[0].count && c->s[1].count)
			v[m++] = (uint32_t)k;
	}
	qsort_r(v, m, sizeof(*v), line_cmp, &(struct line_order){ d, s });
	*n = d->o.top && m > d->o.top ? d->o.top : m;
	return 0;
}

static size_t count_only_lines(const struct diff *d, int s)
{
	size_t m = 0;

	for (size_t k = 0; k < d->nlines; k++) {
		const struct line *l = &d->lines[k];
		const struct cmd *c = &d->cmds[l->name];

		m += l->count[s] && !l->count[!s] && c->s[0].count && c->s[1].count;
	}
	return m;
}

static int by_number(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The texts of lines only[0..n) (sorted by number here) that have none
 * yet, rebuilt from the first of t's execs with that line: the lines hold
 * no pointer into a recording, which is freed before the next is read. A
 * line t lacks keeps NULL. 0 or -ENOMEM.
 */
static int find_texts(struct diff *d, const struct trace *t, uint32_t *only, size_t n)
{
	size_t left = 0, had = d->ntexts;
	int err = 0;

	qsort_n(only, n, sizeof(*only), by_number);
	for (size_t i = 0; i < n && !err; i++) {
		if (text_entry(d, had, only[i]))
			continue;
		err = add_text(d, only[i], NULL, 0);
		left++;
	}
	if (err)
		return err;
	/* the new entries are in order: sort only if some old one comes after them */
	if (had && had < d->ntexts && d->texts[had - 1].line > d->texts[had].line)
		qsort(d->texts, d->ntexts, sizeof(*d->texts), text_cmp);
	for (size_t k = 0; k < t->nprocs && !err && left; k++) {
		const struct proc *p = &t->procs[k];

		for (uint32_t j = 0; j < p->nexec && !err && left; j++) {
			struct line_text *e;
			size_t x;

			err = line_text(&d->scratch, p->execs[j].exec);
			if (err)
				break;
			x = line_slot(d, hash_bytes(d->scratch.buf, d->scratch.len));
			if (!d->line_tb.slots[x])
				continue;
			e = text_entry(d, d->ntexts, d->line_tb.slots[x] - 1);
			if (!e || e->text)
				continue;
			e->text = arena_strndup(&d->arena, d->scratch.buf, d->scratch.len);
			if (!e->text)
				err = -ENOMEM;
			left--;
		}
	}
	return err;
}

bool diff__wants_texts(const struct diff *d)
{
	if (d->kept_a_texts)
		return false;
	for (size_t k = 0; k < d->nlines; k++) {
		const struct line *l = &d->lines[k];
		const struct cmd *c = &d->cmds[l->name];

		if (l->count[0] && !l->count[1] && c->s[0].count && c->s[1].count)
			return true;
	}
	return false;
}

int diff__add_texts(struct diff *d, const struct trace *t)
{
	uint32_t *only = NULL;
	size_t n = 0;
	/* A recording that changed since it was read may lack some: they stay without text. */
	int err = sort_lines(d, DIFF_A, &only, &n);

	err = err ? err : find_texts(d, t, only, n);
	free(only);
	return err;
}

/* ---- comparing ------------------------------------------------------------ */

static uint64_t key_of(const struct stats *s, enum diff_sort k)
{
	return k == DIFF_SORT_CPU ? s->cpu : k == DIFF_SORT_COUNT ? s->count : s->wall;
}

static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

struct cmd_order {
	const struct diff *d;
	enum diff_sort key;
	int s; /* for commands on one side: that side */
};

/* Changed commands: the largest absolute change of the key first, then the others', then by name. */
static int changed_cmp(const void *a, const void *b, void *ctx)
{
	const struct cmd_order *co = ctx;
	const struct cmd *x = &co->d->cmds[*(const uint32_t *)a], *y = &co->d->cmds[*(const uint32_t *)b];
	static const enum diff_sort then[3] = { DIFF_SORT_WALL, DIFF_SORT_CPU, DIFF_SORT_COUNT };
	int c = cmp_u64_desc(absdiff(key_of(&x->s[0], co->key), key_of(&x->s[1], co->key)),
			     absdiff(key_of(&y->s[0], co->key), key_of(&y->s[1], co->key)));

	for (int i = 0; i < 3 && !c; i++)
		c = cmp_u64_desc(absdiff(key_of(&x->s[0], then[i]), key_of(&x->s[1], then[i])),
				 absdiff(key_of(&y->s[0], then[i]), key_of(&y->s[1], then[i])));
	return c ? c : strcmp(x->name, y->name);
}

/* Commands only on one side: by the key on that side, then by name. */
static int only_cmp(const void *a, const void *b, void *ctx)
{
	const struct cmd_order *co = ctx;
	const struct cmd *x = &co->d->cmds[*(const uint32_t *)a], *y = &co->d->cmds[*(const uint32_t *)b];
	int c = cmp_u64_desc(key_of(&x->s[co->s], co->key), key_of(&y->s[co->s], co->key));

	c = c ? c : cmp_u64_desc(x->s[co->s].count, y->s[co->s].count);
	return c ? c : strcmp(x->name, y->name);
}

static bool same_stats(const struct stats *a, const struct stats *b)
{
	return a->count == b->count && a->wall == b->wall && a->cpu == b->cpu;
}

/* The numbers of the commands only on side s (s = 2: changed, on both), sorted; *total of them. */
static int pick_cmds(const struct diff *d, int s, uint32_t **out, size_t *n, size_t *total)
{
	uint32_t *v = malloc((d->ncmds + 1) * sizeof(*v));
	size_t m = 0;

	*out = v;
	*n = *total = 0;
	if (!v)
		return -ENOMEM;
	for (size_t k = 0; k < d->ncmds; k++) {
		const struct cmd *c = &d->cmds[k];
		bool a = c->s[0].count > 0, b = c->s[1].count > 0;

		if (s == 2 ? a && b && !same_stats(&c->s[0], &c->s[1]) : s == 0 ? a && !b : b && !a)
			v[m++] = (uint32_t)k;
	}
	qsort_r(v, m, sizeof(*v), s == 2 ? changed_cmp : only_cmp,
		&(struct cmd_order){ d, d->o.sort, s == 2 ? 0 : s });
	*total = m;
	*n = d->o.top && m > d->o.top ? d->o.top : m;
	return 0;
}

static bool same_crit(const struct totals *a, const struct totals *b)
{
	struct crit_cursor ca = { .p = a->crit }, cb = { .p = b->crit };

	if (a->ncrit != b->ncrit)
		return false;
	for (size_t i = 0; i < a->ncrit; i++) {
		const struct crit_row *x = crit_next(&ca), *y = crit_next(&cb);

		if (x->name != y->name || x->wall != y->wall)
			return false;
	}
	return true;
}

static bool same_totals(const struct totals *a, const struct totals *b)
{
	return a->wall == b->wall && a->cpu == b->cpu && a->has_cpu == b->has_cpu &&
	       a->processes == b->processes && a->execs == b->execs && a->peak == b->peak &&
	       a->failed == b->failed && a->killed == b->killed &&
	       a->failed_execs_known == b->failed_execs_known &&
	       (!a->failed_execs_known || a->failed_execs == b->failed_execs);
}

/* No command, command line, total or critical path differs. */
static bool is_same(const struct diff *d)
{
	for (size_t k = 0; k < d->ncmds; k++)
		if (!same_stats(&d->cmds[k].s[0], &d->cmds[k].s[1]))
			return false;
	for (size_t k = 0; k < d->nlines; k++)
		if (d->lines[k].count[0] != d->lines[k].count[1])
			return false;
	return same_totals(&d->side[0], &d->side[1]) && same_crit(&d->side[0], &d->side[1]);
}

double diff__wall_growth(const struct diff *d)
{
	uint64_t a = d->side[0].wall, b = d->side[1].wall;

	if (!a)
		return b ? INFINITY : 0;
	return ((double)b - (double)a) * 100.0 / (double)a;
}

/* ---- the text view --------------------------------------------------------- */

/* A duration, exact to the digit shown: "812 ns", "12.345 us", "1.234 ms", "2.345 s". */
static char *fmt_dur(char *buf, size_t len, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%u ns", (unsigned)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%u.%03u us", (unsigned)(ns / 1000), (unsigned)(ns % 1000));
	else if (ns < 1000000000)
		snprintf(buf, len, "%u.%03u ms", (unsigned)(ns / 1000000), (unsigned)(ns / 1000 % 1000));
	else
		snprintf(buf, len, "%" PRIu64 ".%03u s", ns / 1000000000,
			 (unsigned)(ns / 1000000 % 1000));
	return buf;
}

static char *fmt_num(char *buf, size_t len, uint64_t v, bool dur)
{
	if (dur)
		return fmt_dur(buf, len, v);
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

/* "+1.234 s (+12.5%)", "-3 (-50.0%)", "0", "+2 (new)" */
static char *fmt_change(char *buf, size_t len, uint64_t a, uint64_t b, bool dur)
{
	char v[48];

	if (a == b) {
		snprintf(buf, len, "0");
		return buf;
	}
	fmt_num(v, sizeof(v), absdiff(a, b), dur);
	if (!a)
		snprintf(buf, len, "+%s", v);
	else
		snprintf(buf, len, "%c%s (%+.1f%%)", b > a ? '+' : '-', v,
			 ((double)b - (double)a) * 100.0 / (double)a);
	return buf;
}

static void total_row(FILE *out, const char *what, uint64_t a, uint64_t b, bool dur)
{
	char x[48], y[48], c[80];

	fprintf(out, "%-18s %-18s %-18s %s\n", what, fmt_num(x, sizeof(x), a, dur),
		fmt_num(y, sizeof(y), b, dur), fmt_change(c, sizeof(c), a, b, dur));
}

/* s printed with control characters as '?', at most max bytes (then "..."), not cutting UTF-8. */
static void put_cut(FILE *out, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max) {
		n = max;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++)
		fputc((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i], out);
	if (n < strlen(s))
		fputs("...", out);
}

static void print_totals(FILE *out, const struct diff *d)
{
	const struct totals *a = &d->side[0], *b = &d->side[1];
	char x[48], y[48];

	fprintf(out, "%-18s %-18s %-18s %s\n", "", "A", "B", "CHANGE");
	total_row(out, "wall time:", a->wall, b->wall, true);
	if (a->has_cpu && b->has_cpu)
		total_row(out, "cpu time:", a->cpu, b->cpu, true);
	else
		fprintf(out, "%-18s %-18s %-18s -\n", "cpu time:",
			a->has_cpu ? fmt_dur(x, sizeof(x), a->cpu) : "unknown",
			b->has_cpu ? fmt_dur(y, sizeof(y), b->cpu) : "unknown");
	total_row(out, "processes:", a->processes, b->processes, false);
	total_row(out, "execs:", a->execs, b->execs, false);
	total_row(out, "peak concurrency:", a->peak, b->peak, false);
	total_row(out, "non-zero exits:", a->failed, b->failed, false);
	total_row(out, "killed:", a->killed, b->killed, false);
	if (a->failed_execs_known && b->failed_execs_known)
		total_row(out, "failed execs:", a->failed_execs, b->failed_execs, false);
	else
		fprintf(out, "%-18s %-18s %-18s -\n", "failed execs:",
			a->failed_execs_known ? fmt_num(x, sizeof(x), a->failed_execs, false) : "not recorded",
			b->failed_execs_known ? fmt_num(y, sizeof(y), b->failed_execs, false) : "not recorded");
	if (a->lost || b->lost)
		total_row(out, "lost events:", a->lost, b->lost, false);
}

static const char *const key_names[] = { "wall time", "cpu", "count" };

static int print_only_cmds(FILE *out, const struct diff *d, int s)
{
	uint32_t *v;
	size_t n, total;
	char w[48], c[48];
	int err = pick_cmds(d, s, &v, &n, &total);

	if (err)
		return err;
	fprintf(out, "\ncommands only in %c", s ? 'B' : 'A');
	if (!total) {
		fputs(": none\n", out);
	} else {
		fprintf(out, " (%zu of %zu, by %s)\n", n, total, key_names[d->o.sort]);
		fprintf(out, "  %8s %12s %12s  %s\n", "COUNT", "WALL", "CPU", "COMMAND");
		for (size_t i = 0; i < n; i++) {
			const struct cmd *m = &d->cmds[v[i]];

			fprintf(out, "  %8" PRIu64 " %12s %12s  ", m->s[s].count,
				fmt_dur(w, sizeof(w), m->s[s].wall),
				d->side[s].has_cpu ? fmt_dur(c, sizeof(c), m->s[s].cpu) : "-");
			put_cut(out, m->name, LINE_MAX_SHOWN);
			fputc('\n', out);
		}
	}
	free(v);
	return 0;
}

static int print_only_lines(FILE *out, const struct diff *d, int s)
{
	uint32_t *v;
	size_t n, total = count_only_lines(d, s);
	int err = sort_lines((struct diff *)d, s, &v, &n);

	if (err)
		return err;
	fprintf(out, "\ncommand lines only in %c, normalised", s ? 'B' : 'A');
	if (!total) {
		fputs(": none\n", out);
	} else {
		fprintf(out, " (%zu of %zu, by count)\n", n, total);
		fprintf(out, "  %8s  %s\n", "COUNT", "COMMAND LINE");
		for (size_t i = 0; i < n; i++) {
			const struct line *l = &d->lines[v[i]];
			const char *text = text_of(d, v[i]);

			fprintf(out, "  %8" PRIu32 "  ", l->count[s]);
			put_cut(out, text ? text : "(not read again)", LINE_MAX_SHOWN);
			fputc('\n', out);
		}
	}
	free(v);
	return 0;
}

static void change_cell(FILE *out, const struct stats *a, const struct stats *b, enum diff_sort k,
			bool dur)
{
	char x[48], y[48], c[80];

	fprintf(out, " %11s %11s %21s", fmt_num(x, sizeof(x), key_of(a, k), dur),
		fmt_num(y, sizeof(y), key_of(b, k), dur),
		fmt_change(c, sizeof(c), key_of(a, k), key_of(b, k), dur));
}

#define NAME_COLS 24

/* The columns s takes on a terminal (a control character shows as '?'), counted up to NAME_COLS + 1. */
static int text_cols(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t left = strlen(s);
	int w = 0;

	while (left && w <= NAME_COLS) {
		uint32_t c;
		size_t used = utf8_decode(u, left, &c);

		w += utf8_is_control(c) ? 1 : utf8_width(c);
		u += used;
		left -= used;
	}
	return w;
}

static int name_cols(const char *name)
{
	int w = text_cols(name);

	return w < NAME_COLS ? w : NAME_COLS;
}

/* name in width columns: cut with "..." if wider than NAME_COLS, padded by columns (not bytes). */
static void put_name(FILE *out, const char *name, int width)
{
	const unsigned char *u = (const unsigned char *)name;
	size_t left = strlen(name);
	int w = 0, max = text_cols(name) > NAME_COLS ? NAME_COLS - 3 : NAME_COLS;

	while (left) {
		uint32_t c;
		size_t used = utf8_decode(u, left, &c);
		int cw = utf8_is_control(c) ? 1 : utf8_width(c);
		char enc[8];

		if (w + cw > max)
			break;
		if (utf8_is_control(c))
			fputc('?', out);
		else
			fwrite(enc, 1, utf8_encode(enc, c), out);
		w += cw;
		u += used;
		left -= used;
	}
	if (left) {
		fputs("...", out);
		w += 3;
	}
	fprintf(out, "%*s", width > w ? width - w : 0, "");
}

static int print_changed(FILE *out, const struct diff *d)
{
	uint32_t *v;
	size_t n, total;
	bool cpu = d->side[0].has_cpu && d->side[1].has_cpu;
	int err = pick_cmds(d, 2, &v, &n, &total), width = 7;

	if (err)
		return err;
	for (size_t i = 0; i < n; i++)
		width = name_cols(d->cmds[v[i]].name) > width ? name_cols(d->cmds[v[i]].name) : width;
	fputs("\ncommands that changed", out);
	if (!total) {
		fputs(": none\n", out);
	} else {
		fprintf(out, " (%zu of %zu, by the change in %s)\n", n, total, key_names[d->o.sort]);
		fprintf(out, "  %-*s %7s %7s %13s %11s %11s %21s", width, "COMMAND", "COUNT A", "B",
			"CHANGE", "WALL A", "B", "CHANGE");
		if (cpu)
			fprintf(out, " %11s %11s %21s", "CPU A", "B", "CHANGE");
		fputc('\n', out);
		for (size_t i = 0; i < n; i++) {
			const struct cmd *m = &d->cmds[v[i]];
			char c[80];

			fputs("  ", out);
			put_name(out, m->name, width);
			fprintf(out, " %7" PRIu64 " %7" PRIu64 " %13s", m->s[0].count, m->s[1].count,
				fmt_change(c, sizeof(c), m->s[0].count, m->s[1].count, false));
			change_cell(out, &m->s[0], &m->s[1], DIFF_SORT_WALL, true);
			if (cpu)
				change_cell(out, &m->s[0], &m->s[1], DIFF_SORT_CPU, true);
			fputc('\n', out);
		}
	}
	free(v);
	return 0;
}

static void crit_cell(char *buf, size_t len, const struct diff *d, const struct crit_row *r)
{
	char w[48];

	snprintf(buf, len, "%.24s [%d] %s", d->cmds[r->name].name, r->pid,
		 fmt_dur(w, sizeof(w), r->wall));
}

static void print_crit(FILE *out, const struct diff *d)
{
	const struct totals *a = &d->side[0], *b = &d->side[1];
	size_t n = a->ncrit > b->ncrit ? a->ncrit : b->ncrit;
	struct crit_cursor ca = { .p = a->crit }, cb = { .p = b->crit };
	char x[96], y[96];

	fputs("\ncritical path", out);
	if (!n) {
		fputs(": not available\n", out);
		return;
	}
	fprintf(out, " (%zu and %zu links)\n  %-44s %s\n", a->ncrit, b->ncrit, "A", "B");
	for (size_t i = 0; i < n; i++) {
		bool sa = i < a->ncrit, sb = i < b->ncrit;

		if (sa)
			crit_cell(x, sizeof(x), d, crit_next(&ca));
		if (sb)
			crit_cell(y, sizeof(y), d, crit_next(&cb));
		fprintf(out, "  %c %-42s %s\n", sa && sb && ca.r.name != cb.r.name ? '!' : ' ',
			sa ? x : "", sb ? y : "");
	}
}

int diff__render_text(FILE *out, const struct diff *d)
{
	const struct totals *a = &d->side[0], *b = &d->side[1];
	int err;

	fputs("A: ", out);
	put_cut(out, a->file, LINE_MAX_SHOWN);
	fputs("\n   ", out);
	put_cut(out, a->command, LINE_MAX_SHOWN);
	fputs("\nB: ", out);
	put_cut(out, b->file, LINE_MAX_SHOWN);
	fputs("\n   ", out);
	put_cut(out, b->command, LINE_MAX_SHOWN);
	fputs("\n\n", out);
	print_totals(out, d);
	err = print_only_cmds(out, d, 0);
	err = err ? err : print_only_cmds(out, d, 1);
	err = err ? err : print_only_lines(out, d, 0);
	err = err ? err : print_only_lines(out, d, 1);
	err = err ? err : print_changed(out, d);
	if (err)
		return err;
	print_crit(out, d);
	fputs(is_same(d) ? "\nno change\n" : "", out);
	return ferror(out) ? -EIO : 0;
}

/* ---- the JSON view ---------------------------------------------------------- */

static json_t *jnum(uint64_t v)
{
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

/* {"a": a, "b": b, "change": b - a, "pct": % or null}; a side not known is null, and so are change and pct. */
static json_t *jpair(uint64_t a, uint64_t b, bool known_a, bool known_b)
{
	json_t *o = json_object();
	bool both = known_a && known_b;

	json_object_set_new(o, "a", known_a ? jnum(a) : json_null());
	json_object_set_new(o, "b", known_b ? jnum(b) : json_null());
	json_object_set_new(o, "change",
			    both ? json_integer(b >= a ? (json_int_t)(b - a > INT64_MAX ? INT64_MAX : b - a)
						       : -(json_int_t)(a - b > INT64_MAX ? INT64_MAX : a - b))
				 : json_null());
	json_object_set_new(o, "pct", both && a ? json_real(((double)b - (double)a) * 100.0 / (double)a)
					    : json_null());
	return o;
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jside(const struct totals *x)
{
	json_t *o = json_object();

	json_object_set_new(o, "file", jstr(x->file));
	json_object_set_new(o, "command", jstr(x->command));
	json_object_set_new(o, "start_time", jstr(x->start_time));
	json_object_set_new(o, "host", jstr(x->host));
	return o;
}

static json_t *jtotals(const struct diff *d)
{
	const struct totals *a = &d->side[0], *b = &d->side[1];
	json_t *o = json_object();

	json_object_set_new(o, "wall_ns", jpair(a->wall, b->wall, true, true));
	json_object_set_new(o, "cpu_ns", jpair(a->cpu, b->cpu, a->has_cpu, b->has_cpu));
	json_object_set_new(o, "processes", jpair(a->processes, b->processes, true, true));
	json_object_set_new(o, "execs", jpair(a->execs, b->execs, true, true));
	json_object_set_new(o, "peak_concurrency", jpair(a->peak, b->peak, true, true));
	json_object_set_new(o, "failed", jpair(a->failed, b->failed, true, true));
	json_object_set_new(o, "killed", jpair(a->killed, b->killed, true, true));
	json_object_set_new(o, "failed_execs", jpair(a->failed_execs, b->failed_execs,
						     a->failed_execs_known, b->failed_execs_known));
	json_object_set_new(o, "lost_events", jpair(a->lost, b->lost, a->lost_known, b->lost_known));
	return o;
}

static json_t *jstats(const char *name, const struct stats *s, bool cpu)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "count", jnum(s->count));
	json_object_set_new(o, "wall_ns", jnum(s->wall));
	json_object_set_new(o, "cpu_ns", cpu ? jnum(s->cpu) : json_null());
	return o;
}

static int jonly(json_t *o, const struct diff *d, int s)
{
	json_t *cmds = json_array(), *lines = json_array();
	uint32_t *v;
	size_t n, total, ltotal = count_only_lines(d, s);
	int err = pick_cmds(d, s, &v, &n, &total);

	for (size_t i = 0; i < n && !err; i++) {
		const struct cmd *m = &d->cmds[v[i]];
		json_array_append_new(cmds, jstats(m->name, &m->s[s], d->side[s].has_cpu));
	}
	free(v);
	json_object_set_new(o, "commands", cmds);
	json_object_set_new(o, "commands_total", json_integer((json_int_t)total));
	json_object_set_new(o, "command_lines", lines);
	json_object_set_new(o, "command_lines_total", json_integer((json_int_t)ltotal));
	if (err)
		return err;
	err = sort_lines((struct diff *)d, s, &v, &n);
	for (size_t i = 0; i < n && !err; i++) {
		const struct line *l = &d->lines[v[i]];
		json_t *r = json_object();

		json_object_set_new(r, "name", json_string(d->cmds[l->name].name));
		json_object_set_new(r, "line", jstr(text_of(d, v[i])));
		json_object_set_new(r, "count", jnum(l->count[s]));
		json_array_append_new(lines, r);
	}
	free(v);
	return err;
}

static int jchanged(json_t *root, const struct diff *d)
{
	json_t *arr = json_array();
	bool cpu = d->side[0].has_cpu && d->side[1].has_cpu;
	uint32_t *v;
	size_t n, total;
	int err = pick_cmds(d, 2, &v, &n, &total);

	for (size_t i = 0; i < n && !err; i++) {
		const struct cmd *m = &d->cmds[v[i]];
		json_t *r = json_object();

		json_object_set_new(r, "name", json_string(m->name));
		json_object_set_new(r, "count", jpair(m->s[0].count, m->s[1].count, true, true));
		json_object_set_new(r, "wall_ns", jpair(m->s[0].wall, m->s[1].wall, true, true));
		json_object_set_new(r, "cpu_ns", jpair(m->s[0].cpu, m->s[1].cpu, cpu, cpu));
		json_array_append_new(arr, r);
	}
	free(v);
	json_object_set_new(root, "changed", arr);
	json_object_set_new(root, "changed_total", json_integer((json_int_t)total));
	return err;
}

static json_t *jcrit(const struct diff *d, const struct totals *x)
{
	json_t *arr = json_array();

	struct crit_cursor c = { .p = x->crit };

	for (size_t i = 0; i < x->ncrit; i++) {
		const struct crit_row *l = crit_next(&c);
		json_t *r = json_object();

		json_object_set_new(r, "name", json_string(d->cmds[l->name].name));
		json_object_set_new(r, "pid", json_integer(l->pid));
		json_object_set_new(r, "start_ns", jnum(l->start));
		json_object_set_new(r, "wall_ns", jnum(l->wall));
		json_object_set_new(r, "wait_ns", jnum(l->wait));
		json_array_append_new(arr, r);
	}
	return arr;
}

int diff__render_json(FILE *out, const struct diff *d)
{
	json_t *root = json_object(), *only, *crit;
	double g = diff__wall_growth(d);
	int err = 0;

	if (!root)
		return -ENOMEM;
	json_object_set_new(root, "a", jside(&d->side[0]));
	json_object_set_new(root, "b", jside(&d->side[1]));
	json_object_set_new(root, "same", json_boolean(is_same(d)));
	json_object_set_new(root, "wall_growth_pct", isinf(g) ? json_null() : json_real(g));
	json_object_set_new(root, "sort", json_string(d->o.sort == DIFF_SORT_CPU ? "cpu" :
						       d->o.sort == DIFF_SORT_COUNT ? "count" : "wall"));
	json_object_set_new(root, "totals", jtotals(d));
	only = json_object();
	err = jonly(only, d, 0);
	json_object_set_new(root, "only_in_a", only);
	only = json_object();
	err = err ? err : jonly(only, d, 1);
	json_object_set_new(root, "only_in_b", only);
	err = err ? err : jchanged(root, d);
	crit = json_object();
	json_object_set_new(crit, "a", jcrit(d, &d->side[0]));
	json_object_set_new(crit, "b", jcrit(d, &d->side[1]));
	json_object_set_new(root, "critical_path", crit);
	if (!err && json_dumpf(root, out, JSON_INDENT(2) | JSON_REAL_PRECISION(6)))
		err = -EIO;
	if (!err)
		fputc('\n', out);
	json_decref(root);
	return err ? err : ferror(out) ? -EIO : 0;
}
