/* render/mermaid.c: the mermaid view, a Gantt chart with one bar per exec image or fork-only process. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "render/mermaid.h"
#include "render/trace.h"
#include "formats/utf8.h"

/* Mermaid's default maxTextSize, counted in UTF-16 units; bigger charts render as an error. */
#define MERMAID_MAX_TEXT 50000

#define NS_PER_MS ((uint64_t)1000000)

/* A growable string: raw labels are built in one, escaped text in another. */
static int sb_add(struct sbuf *b, const char *s, size_t n)
{
	int err = sbuf_reserve(b, n + 1);

	if (err)
		return err;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return 0;
}

static int sb_adds(struct sbuf *b, const char *s)
{
	return sb_add(b, s, strlen(s));
}

static int utf8_put(struct sbuf *b, uint32_t c)
{
	char u[4];

	return sb_add(b, u, utf8_encode(u, c));
}

static int entity_put(struct sbuf *b, uint32_t c)
{
	char e[16];

	snprintf(e, sizeof(e), "#%" PRIu32 ";", c);
	return sb_adds(b, e);
}

/* The characters Mermaid's lexer or its entity decoding would act on. */
static bool must_encode(uint32_t c)
{
	return c && c < 0x80 && strchr("#:;%<>&\"'", (int)c);
}

/* mermaid_escape() into a buffer: appends to dst. */
static int escape_to(struct sbuf *dst, const char *s, size_t len, size_t max_chars)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t *cp;
	size_t n = 0, i, first, last;
	bool cut = false, lead = true;
	int err = 0;

	cp = malloc((len + 1) * sizeof(*cp));
	if (!cp)
		return -ENOMEM;
	for (i = 0; i < len;) {
		uint32_t c;

		i += utf8_decode(u + i, len - i, &c);
		/* a CR or LF inside a label is a parse error, the other controls are invisible */
		cp[n++] = utf8_is_control(c) ? ' ' : c;
	}
	for (first = 0; first < n && cp[first] == ' '; first++)
		;
	for (last = n; last > first && cp[last - 1] == ' '; last--)
		;
	/* Empty or blank text is a parse error; a no-break space shows as nothing. */
	if (first == last) {
		cp[0] = 0xa0;
		first = 0;
		last = 1;
	}
	if (max_chars && last - first > max_chars) {
		last = first + max_chars - 1;
		while (last > first && cp[last - 1] == ' ')
			last--;
		cut = true;
	}
	/*
	 * The first character is always an entity: that is what stops a label
	 * from starting a keyword (title, section, click, gantt, a date) or a
	 * "%%" comment, whatever follows.
	 */
	for (i = first; i < last && !err; i++, lead = false)
		err = lead || must_encode(cp[i]) ? entity_put(dst, cp[i]) : utf8_put(dst, cp[i]);
	if (cut && !err)
		err = lead ? entity_put(dst, 0x2026) : utf8_put(dst, 0x2026);
	free(cp);
	return err;
}

int mermaid_escape(FILE *out, const char *s, size_t len, size_t max_chars)
{
	struct sbuf b = { 0 };
	int err = escape_to(&b, s, len, max_chars);

	if (!err && fwrite(b.buf, 1, b.len, out) != b.len)
		err = -EIO;
	sbuf_free(&b);
	return err;
}

/* The command an exec image ran: its argv joined by spaces, else its file name. */
static int exec_command(struct sbuf *b, const struct event *ex)
{
	int err = 0;

	if ((ex->flags & EVF_CMDLINE) && ex->u.exec.argc > 0) {
		for (uint32_t i = 0; i < ex->u.exec.argc && !err; i++) {
			if (i)
				err = sb_adds(b, " ");
			if (!err && ex->u.exec.argv[i])
				err = sb_adds(b, ex->u.exec.argv[i]);
		}
		return err;
	}
	if ((ex->flags & EVF_FILENAME) && ex->u.exec.filename)
		return sb_adds(b, ex->u.exec.filename);
	return sb_adds(b, "(unknown command)");
}

/*
 * The command a process is known by: its first exec image, or for a process
 * that never exec'd, "(fork) " and the image it inherited (p->inherited).
 * The recorded command itself, when its exec failed (not found, not
 * executable), is named by the header's argv: it is what the user asked to
 * run.
 */
static int proc_command(struct sbuf *b, const struct trace *t, const struct proc *p)
{
	const struct recording *rec = t->rec;
	char pid[32];
	int err = 0;

	if (p->nexec)
		return exec_command(b, p->execs[0].exec);
	if (p->inherited) {
		err = sb_adds(b, "(fork) ");
		return err ? err : exec_command(b, p->inherited->exec);
	}
	if (p == t->root && t->root_is_recorded && rec && rec->has_header &&
	    rec->hdr.command_len) {
		for (uint32_t i = 0; i < rec->hdr.command_len && !err; i++) {
			if (i)
				err = sb_adds(b, " ");
			if (!err && rec->hdr.command[i])
				err = sb_adds(b, rec->hdr.command[i]);
		}
		return err;
	}
	snprintf(pid, sizeof(pid), "(fork) pid %" PRId32, p->pid);
	return sb_adds(b, pid);
}

enum bar_tag { TAG_NONE, TAG_CRIT, TAG_ACTIVE };

struct bar {
	const struct proc *p;
	const struct exec_span *span; /* NULL: the process never exec'd */
	uint64_t start, len;          /* ns; start counts from the recording's start (timestamp 0) */
	size_t section;               /* index in mm.sections */
	size_t order;                 /* position in tree order */
	enum bar_tag tag;
	bool keep;
};

struct mm {
	const struct trace *t;
	struct bar *bars;
	size_t nbars, capbars;
	const struct proc **sections; /* each named by this process's command */
	size_t nsections, capsections;
	uint64_t *bad_exec;           /* per process: last failed exec time + 1, 0 if none */
};

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 64;
	p = realloc(*arr, c * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

/* A process failed if it exited non-zero, was killed, or its last exec attempt failed. */
static bool proc_failed(const struct mm *m, const struct proc *p)
{
	const struct event *ex = p->exit;
	uint64_t bad = m->bad_exec ? m->bad_exec[p->index] : 0;

	if (ex && (ex->flags & EVF_STATUS) && (ex->u.exit.code || (ex->flags & EVF_SIGNALED)))
		return true;
	/* execvp() tries every PATH entry: only a failure after the last success counts. */
	if (bad && (!p->nexec || bad - 1 > p->execs[p->nexec - 1].start))
		return true;
	return false;
}

static int add_bar(struct mm *m, const struct proc *p, const struct exec_span *span,
		   uint64_t start, uint64_t end, bool last)
{
	struct bar *b;
	int err = grow((void **)&m->bars, &m->capbars, m->nbars, sizeof(*m->bars));

	if (err)
		return err;
	b = &m->bars[m->nbars];
	*b = (struct bar){ .p = p, .span = span, .section = m->nsections - 1,
			   .order = m->nbars, .keep = true };
	/*
	 * Timestamps count from the recording's start, so a bar keeps its place
	 * whatever comes first in the model: the chart of a --pid subtree, or of
	 * that subtree written out by render --pid and read again, is the same.
	 */
	b->start = start;
	b->len = end > start ? end - start : 0;
	/* The failure or the still-running state belongs to the image that was last. */
	if (last && proc_failed(m, p))
		b->tag = TAG_CRIT;
	else if (last && p->ended_by_recording)
		b->tag = TAG_ACTIVE;
	m->nbars++;
	return 0;
}

static int add_own_bars(struct mm *m, const struct proc *p)
{
	int err = 0;

	if (!p->nexec)
		return add_bar(m, p, NULL, p->start, p->end, true);
	for (uint32_t i = 0; i < p->nexec && !err; i++)
		err = add_bar(m, p, &p->execs[i], p->execs[i].start, p->execs[i].end,
			      i + 1 == p->nexec);
	return err;
}

static int add_section(struct mm *m, const struct proc *p)
{
	int err = grow((void **)&m->sections, &m->capsections, m->nsections,
		       sizeof(*m->sections));

	if (err)
		return err;
	m->sections[m->nsections++] = p;
	return 0;
}

/* Depth first, children in fork order, without recursion: trees can be deep. */
static int add_subtree(struct mm *m, const struct proc *top)
{
	const struct proc *p = top;
	int err;

	for (;;) {
		err = add_own_bars(m, p);
		if (err)
			return err;
		if (p->first_child) {
			p = p->first_child;
			continue;
		}
		while (p != top && !p->next_sibling)
			p = p->parent;
		if (p == top)
			return 0;
		p = p->next_sibling;
	}
}

/* Bars in tree order: a section for each root's own images, then one per direct child of a root. */
static int collect(struct mm *m)
{
	const struct trace *t = m->t;
	int err = 0;

	if (t->rec && t->proc_of_event && t->nprocs) {
		m->bad_exec = calloc(t->nprocs, sizeof(*m->bad_exec));
		if (!m->bad_exec)
			return -ENOMEM;
		for (size_t i = 0; i < t->rec->n; i++) {
			const struct proc *p = t->proc_of_event[i];

			if (p && t->rec->ev[i].type == EV_BADEXEC && p->index < t->nprocs)
				m->bad_exec[p->index] = t->rec->ev[i].ts + 1;
		}
	}
	for (size_t r = 0; r < t->nroots && !err; r++) {
		const struct proc *root = t->roots[r];

		err = add_section(m, root);
		if (!err)
			err = add_own_bars(m, root);
		for (const struct proc *c = root->first_child; c && !err; c = c->next_sibling) {
			err = add_section(m, c);
			if (!err)
				err = add_subtree(m, c);
		}
	}
	return err;
}

static int by_length_desc(const void *a, const void *b)
{
	const struct bar *x = *(const struct bar *const *)a, *y = *(const struct bar *const *)b;

	if (x->len != y->len)
		return x->len < y->len ? 1 : -1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Bars that pass --min-duration, longest first (ties in tree order): the order --max-bars keeps them in. */
static int rank_bars(struct mm *m, uint64_t min_ns, struct bar ***out, size_t *n)
{
	struct bar **v = malloc((m->nbars + 1) * sizeof(*v));
	size_t j = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < m->nbars; i++)
		if (m->bars[i].len >= min_ns)
			v[j++] = &m->bars[i];
	qsort(v, j, sizeof(*v), by_length_desc);
	*out = v;
	*n = j;
	return 0;
}

/* Apply --min-duration, then keep the --max-bars longest; returns how many bars are kept. */
static int select_bars(struct mm *m, const struct render_opts *o, size_t *kept)
{
	uint64_t min_ns = o ? o->min_duration_ns : 0;
	size_t n = 0;

	for (size_t i = 0; i < m->nbars; i++) {
		m->bars[i].keep = m->bars[i].len >= min_ns;
		n += m->bars[i].keep;
	}
	if (o && o->max_bars && n > o->max_bars) {
		struct bar **v;
		int err = rank_bars(m, min_ns, &v, &n);

		if (err)
			return err;
		for (size_t j = o->max_bars; j < n; j++)
			v[j]->keep = false;
		n = o->max_bars;
		free(v);
	}
	*kept = n;
	return 0;
}

static uint64_t ms_floor(uint64_t ns)
{
	return ns / NS_PER_MS;
}

/* A Mermaid duration: whole milliseconds, at least 1 (0ms and fractions draw nothing). */
static uint64_t ms_len(uint64_t ns)
{
	uint64_t ms = (ns + NS_PER_MS / 2) / NS_PER_MS;

	return ms ? ms : 1;
}

/* Append the decimal number v. */
static int sb_addu(struct sbuf *b, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	return sb_adds(b, num);
}

static int put_title(struct sbuf *o, const struct trace *t, struct sbuf *tmp)
{
	const struct recording *rec = t->rec;
	int err = 0;
	char note[96];

	tmp->len = 0;
	/* The header's command names the recorded command, not a subtree picked with --pid. */
	if (t->root_is_recorded && rec && rec->has_header && rec->hdr.command_len) {
		for (uint32_t i = 0; i < rec->hdr.command_len && !err; i++) {
			if (i)
				err = sb_adds(tmp, " ");
			if (!err && rec->hdr.command[i])
				err = sb_adds(tmp, rec->hdr.command[i]);
		}
	} else if (t->root) {
		err = proc_command(tmp, t, t->root);
	} else {
		err = sb_adds(tmp, "proctrace recording");
	}
	if (!err)
		err = sb_adds(o, "    title ");
	if (!err)
		err = escape_to(o, tmp->buf ? tmp->buf : "", tmp->len, MERMAID_LABEL_MAX);
	/* Escaped apart from the command so that cutting a long command never hides them. */
	if (!err && rec && rec->has_end && rec->end.lost) {
		snprintf(note, sizeof(note), "(incomplete: %" PRIu64 " event%s lost)", rec->end.lost,
			 rec->end.lost == 1 ? "" : "s");
		err = sb_adds(o, " ");
		if (!err)
			err = escape_to(o, note, strlen(note), 0);
	}
	if (!err && rec && rec->cut_short) {
		snprintf(note, sizeof(note), "(incomplete: the recording is cut short)");
		err = sb_adds(o, " ");
		if (!err)
			err = escape_to(o, note, strlen(note), 0);
	}
	return err ? err : sb_adds(o, "\n");
}

/*
 * The axis. Mermaid formats and places ticks in the viewer's local time (d3's
 * timeFormat and time scale), and a chart's times are near the epoch, where
 * %M:%S read 30:00 at the start in a half-hour zone (Asia/Kolkata) and even
 * %S was 30 s off in Africa/Monrovia (-0:44:30 in 1970). So the labels use
 * only fields no zone changes, %s (seconds since timestamp 0) and %L, and
 * the ticks come every step ms, which d3 counts from the epoch: some 5 to 10
 * of them over what the kept bars span, at steps people read easily.
 */
static void axis(const struct mm *m, bool note, const char **format, uint64_t *step)
{
	static const uint64_t steps[] = {
		1, 2, 5, 10, 20, 50, 100, 200, 500,
		1000, 2000, 5000, 10000, 15000, 30000,
		60000, 120000, 300000, 600000, 900000, 1800000,
		3600000, 7200000, 10800000, 21600000, 43200000, 86400000,
	};
	uint64_t lo = note ? 0 : UINT64_MAX, hi = note ? 1 : 0, len;
	size_t i = 0;

	for (size_t k = 0; k < m->nbars; k++) {
		const struct bar *b = &m->bars[k];
		uint64_t start = ms_floor(b->start), end = start + ms_len(b->len);

		if (!b->keep)
			continue;
		lo = start < lo ? start : lo;
		hi = end > hi ? end : hi;
	}
	len = hi > lo ? hi - lo : 1;
	while (i + 1 < sizeof(steps) / sizeof(steps[0]) && len > 10 * steps[i])
		i++;
	*step = steps[i];
	/* Past a day: 1, 2, 5, 10, 20, 50... days. */
	for (uint64_t mant = 1, days = steps[i]; len > 10 * *step;) {
		mant = mant == 1 ? 2 : mant == 2 ? 5 : 1;
		if (mant == 1)
			days *= 10;
		*step = mant * days;
	}
	*format = *step < 1000 ? "%s.%L" : "%s";
}

/* The lines before the first section; note: the "not shown" bar (at 0) is drawn too. */
static int put_header(struct sbuf *o, const struct mm *m, bool note, struct sbuf *tmp)
{
	const char *format;
	uint64_t step;
	int err = sb_adds(o, "gantt\n");

	axis(m, note, &format, &step);
	if (!err)
		err = put_title(o, m->t, tmp);
	if (!err)
		err = sb_adds(o, "    dateFormat x\n    axisFormat ");
	if (!err)
		err = sb_adds(o, format);
	if (!err)
		err = sb_adds(o, "\n    tickInterval ");
	if (!err)
		err = sb_addu(o, step);
	return err ? err : sb_adds(o, "millisecond\n    todayMarker off\n");
}

/* Section names already written: Mermaid merges sections of the same name and misplaces their titles. */
struct name {
	char *s;
	unsigned next; /* the next " (N)" suffix to try for this name */
};

struct names {
	struct name *slot;
	size_t cap, n;
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static struct name *names_find(struct names *ns, const char *s)
{
	size_t i = fnv1a(s) & (ns->cap - 1);

	while (ns->slot[i].s && strcmp(ns->slot[i].s, s))
		i = (i + 1) & (ns->cap - 1);
	return &ns->slot[i];
}

/* Returns the entry of s, adding it (*added) if it was not there. */
static int names_add(struct names *ns, const char *s, struct name **out, bool *added)
{
	struct name *e;

	if (2 * (ns->n + 1) > ns->cap) {
		struct names bigger = { .cap = ns->cap ? 2 * ns->cap : 64 };

		bigger.slot = calloc(bigger.cap, sizeof(*bigger.slot));
		if (!bigger.slot)
			return -ENOMEM;
		for (size_t i = 0; i < ns->cap; i++)
			if (ns->slot[i].s)
				*names_find(&bigger, ns->slot[i].s) = ns->slot[i];
		bigger.n = ns->n;
		free(ns->slot);
		*ns = bigger;
	}
	e = names_find(ns, s);
	*added = !e->s;
	if (!e->s) {
		e->s = strdup(s);
		if (!e->s)
			return -ENOMEM;
		e->next = 2;
		ns->n++;
	}
	*out = e;
	return 0;
}

static void names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->cap; i++)
		free(ns->slot[i].s);
	free(ns->slot);
}

/* "section NAME", NAME escaped from raw and made unique with a " (N)" suffix. */
static int put_section(struct sbuf *o, struct names *ns, const char *raw, size_t len,
		       struct sbuf *esc)
{
	struct name *e;
	size_t base;
	bool added;
	char suffix[32];
	int err;

	esc->len = 0;
	err = escape_to(esc, raw, len, MERMAID_LABEL_MAX);
	if (!err)
		err = names_add(ns, esc->buf, &e, &added);
	base = esc->len;
	while (!err && !added) {
		unsigned k = e->next++;

		esc->len = base;
		snprintf(suffix, sizeof(suffix), " (%u)", k);
		err = sb_adds(esc, suffix);
		if (!err)
			err = names_add(ns, esc->buf, &e, &added);
	}
	if (!err)
		err = sb_adds(o, "    section ");
	if (!err)
		err = sb_add(o, esc->buf, esc->len);
	return err ? err : sb_adds(o, "\n");
}

/* The section line that opens section s of the chart. */
static int put_section_of(struct sbuf *o, const struct mm *m, size_t s, struct names *ns,
			  struct sbuf *tmp, struct sbuf *esc)
{
	int err;

	tmp->len = 0;
	err = proc_command(tmp, m->t, m->sections[s]);
	return err ? err : put_section(o, ns, tmp->buf, tmp->len, esc);
}

/* One bar's line: its label, its tag, its start and its length. */
static int put_bar(struct sbuf *o, const struct trace *t, const struct bar *b, struct sbuf *tmp)
{
	int err;

	tmp->len = 0;
	err = b->span ? exec_command(tmp, b->span->exec) : proc_command(tmp, t, b->p);
	if (!err)
		err = sb_adds(o, "    ");
	if (!err)
		err = escape_to(o, tmp->buf ? tmp->buf : "", tmp->len, MERMAID_LABEL_MAX);
	if (!err)
		err = sb_adds(o, b->tag == TAG_CRIT ? " :crit, " : b->tag == TAG_ACTIVE ? " :active, " : " :");
	if (!err)
		err = sb_addu(o, ms_floor(b->start));
	if (!err)
		err = sb_adds(o, ", ");
	if (!err)
		err = sb_addu(o, ms_len(b->len));
	return err ? err : sb_adds(o, "ms\n");
}

/* The grey bar that says what was left out (the longest of it omitted_max ns), or that nothing was recorded. */
static int put_note_bar(struct sbuf *o, size_t omitted, size_t nbars, uint64_t omitted_max)
{
	char note[128];
	int err;

	if (nbars)
		snprintf(note, sizeof(note),
			 "%zu of %zu bars not shown (each at most %" PRIu64 "ms long)", omitted, nbars,
			 (omitted_max + NS_PER_MS - 1) / NS_PER_MS ?: 1);
	else
		snprintf(note, sizeof(note), "no processes recorded");
	err = sb_adds(o, "    ");
	if (!err)
		err = escape_to(o, note, strlen(note), 0);
	return err ? err : sb_adds(o, " :done, 0, 1ms\n");
}

/* The whole chart with the bars marked keep (kept of them) into o. */
static int write_chart(struct sbuf *o, const struct mm *m, size_t kept, struct sbuf *tmp)
{
	size_t cur = SIZE_MAX, omitted = m->nbars - kept;
	uint64_t omitted_max = 0;
	struct names ns = { 0 };
	struct sbuf esc = { 0 };
	int err;

	err = put_header(o, m, omitted || !m->nbars, tmp);
	for (size_t i = 0; i < m->nbars && !err; i++) {
		const struct bar *b = &m->bars[i];

		if (!b->keep) {
			if (b->len > omitted_max)
				omitted_max = b->len;
			continue;
		}
		if (b->section != cur) {
			cur = b->section;
			err = put_section_of(o, m, cur, &ns, tmp, &esc);
		}
		if (!err)
			err = put_bar(o, m->t, b, tmp);
	}
	/* Comments are invisible, so what was left out is said by a visible (grey) bar. */
	if (!err && (omitted || !m->nbars)) {
		err = put_section(o, &ns, "not shown", strlen("not shown"), &esc);
		if (!err)
			err = put_note_bar(o, omitted, m->nbars, omitted_max);
	}
	names_free(&ns);
	sbuf_free(&esc);
	return err;
}

/* Mermaid counts JavaScript string length: UTF-16 units, not bytes. */
static size_t utf16_length(const char *s, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c & 0xc0) != 0x80)
			len += c >= 0xf0 ? 2 : 1;
	}
	return len;
}

/* The size of the chart that keeps the bars v[0..n), in UTF-16 units (*size). */
static int chart_size(struct mm *m, struct bar **v, size_t n, struct sbuf *text,
		      struct sbuf *tmp, size_t *size)
{
	int err;

	for (size_t i = 0; i < m->nbars; i++)
		m->bars[i].keep = false;
	for (size_t i = 0; i < n; i++)
		v[i]->keep = true;
	text->len = 0;
	err = write_chart(text, m, n, tmp);
	*size = utf16_length(text->buf, text->len);
	return err;
}

/*
 * The largest --max-bars N whose chart Mermaid renders (*fit, 0 if none).
 * --max-bars keeps the longest bars, and they may have the longest labels,
 * so the lines are added up in that order: each bar's line, the section line
 * when the bar is the first kept in its section, the header and the "not
 * shown" note, until they are too many. A repeated section name's " (N)"
 * suffix may come out otherwise in the chart, so the sum can be a little
 * off; the chart for N (and N + 1) is then made and measured, which also
 * leaves m's selection changed.
 */
static int suggest_max_bars(struct mm *m, uint64_t min_ns, size_t *fit)
{
	struct bar **v = NULL;
	size_t n = 0, total, note_section, best = 0, size;
	bool *opened = NULL;
	uint64_t dropped_max = 0;
	struct names ns = { 0 };
	struct sbuf line = { 0 }, tmp = { 0 }, esc = { 0 };
	int err;

	err = rank_bars(m, min_ns, &v, &n);
	if (err)
		goto cleanup;
	err = -ENOMEM;
	opened = calloc(m->nsections + 1, sizeof(*opened));
	if (!opened)
		goto cleanup;
	/* The header of the chart of every candidate: the axis of a smaller one may differ a little. */
	for (size_t i = 0; i < m->nbars; i++)
		m->bars[i].keep = m->bars[i].len >= min_ns;
	err = put_header(&line, m, n < m->nbars, &tmp);
	total = utf16_length(line.buf, line.len);
	for (size_t i = 0; i < m->nbars; i++)
		if (m->bars[i].len < min_ns && m->bars[i].len > dropped_max)
			dropped_max = m->bars[i].len;
	line.len = 0;
	if (!err)
		err = put_section(&line, &ns, "not shown", strlen("not shown"), &esc);
	note_section = utf16_length(line.buf, line.len);
	for (size_t i = 0; i < n && !err; i++) {
		line.len = 0;
		err = put_bar(&line, m->t, v[i], &tmp);
		total += utf16_length(line.buf, line.len);
		/*
		 * A section's line, named when its first bar is kept: a repeated
		 * name's " (N)" may then differ from the chart's, which the
		 * measuring below puts right.
		 */
		if (!err && !opened[v[i]->section]) {
			opened[v[i]->section] = true;
			line.len = 0;
			err = put_section_of(&line, m, v[i]->section, &ns, &tmp, &esc);
			total += utf16_length(line.buf, line.len);
		}
		size = total;
		if (i + 1 < m->nbars) {
			uint64_t omitted_max = i + 1 < n ? v[i + 1]->len : 0;

			line.len = 0;
			err = put_note_bar(&line, m->nbars - (i + 1), m->nbars,
					   omitted_max > dropped_max ? omitted_max : dropped_max);
			size += note_section + utf16_length(line.buf, line.len);
		}
		if (size <= MERMAID_MAX_TEXT)
			best = i + 1;
		/* Lines only add up: no bigger chart fits either (and a huge chart is not formatted twice). */
		if (total > MERMAID_MAX_TEXT)
			break;
	}
	/* Bigger charts only add lines: measure around the estimate. */
	while (!err && best < n) {
		err = chart_size(m, v, best + 1, &line, &tmp, &size);
		if (err || size > MERMAID_MAX_TEXT)
			break;
		best++;
	}
	while (!err && best > 0) {
		err = chart_size(m, v, best, &line, &tmp, &size);
		if (err || size <= MERMAID_MAX_TEXT)
			break;
		best--;
	}
	*fit = best;
cleanup:
	free(v);
	free(opened);
	names_free(&ns);
	sbuf_free(&line);
	sbuf_free(&tmp);
	sbuf_free(&esc);
	return err;
}

int render_mermaid(FILE *out, const struct trace *t, const struct render_opts *o)
{
	struct mm m = { .t = t };
	struct sbuf text = { 0 }, tmp = { 0 };
	size_t kept = 0, chars, fit = 0;
	int err;

	err = collect(&m);
	if (err)
		goto cleanup;
	err = select_bars(&m, o, &kept);
	if (err)
		goto cleanup;
	/* Built in memory first: its size decides the warning below. */
	err = write_chart(&text, &m, kept, &tmp);
	if (err)
		goto cleanup;
	chars = utf16_length(text.buf, text.len);
	if (chars > MERMAID_MAX_TEXT) {
		err = suggest_max_bars(&m, o ? o->min_duration_ns : 0, &fit);
		if (err)
			goto cleanup;
		fprintf(stderr, "proctrace: warning: mermaid: the chart is %zu characters, "
			"more than the %d Mermaid renders by default; try --max-bars %zu\n",
			chars, MERMAID_MAX_TEXT, fit ? fit : 1);
	}
	err = sbuf_flush(out, &text);
cleanup:
	sbuf_free(&text);
	sbuf_free(&tmp);
	free(m.bars);
	free(m.sections);
	free(m.bad_exec);
	return err;
}
