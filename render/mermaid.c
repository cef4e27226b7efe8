/* render/mermaid.c: the mermaid view, a Gantt chart with one bar per exec image or fork-only process. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "render/mermaid.h"
#include "render/trace.h"

/* Mermaid's default maxTextSize, counted in UTF-16 units; bigger charts render as an error. */
#define MERMAID_MAX_TEXT 50000

#define NS_PER_MS ((uint64_t)1000000)

/* Decode one UTF-8 character of s (len > 0 bytes) into *cp; a bad byte reads as U+FFFD. Returns the bytes used. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2, c &= 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		goto bad;
	}
	if (len < n)
		goto bad;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms and surrogates would let a byte sequence hide a ':' or '%'. */
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*cp = c;
	return n;
bad:
	*cp = 0xfffd;
	return 1;
}

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
	size_t n;

	if (c < 0x80) {
		u[0] = (char)c, n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3f)), n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f)), n = 3;
	} else {
		u[0] = (char)(0xf0 | (c >> 18));
		u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f)), n = 4;
	}
	return sb_add(b, u, n);
}

static int entity_put(struct sbuf *b, uint32_t c)
{
	char e[16];

	snprintf(e, sizeof(e), "#%" PRIu32 ";", c);
	return sb_adds(b, e);
}

/* C0, DEL and C1: a CR or LF inside a label is a parse error, the others are invisible. */
static bool is_control(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c < 0xa0);
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
		cp[n++] = is_control(c) ? ' ' : c;
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

/* The exec image p was running at time ts, or NULL if it had not exec'd yet. */
static const struct event *exec_at(const struct proc *p, uint64_t ts)
{
	const struct event *ex = NULL;

	for (uint32_t i = 0; i < p->nexec && p->execs[i].start <= ts; i++)
		ex = p->execs[i].exec;
	return ex;
}

/*
 * The command a process is known by: its first exec image, or for a process
 * that never exec'd, "(fork) " and the command its nearest ancestor was
 * running when it was forked. The recorded command itself, when its exec
 * failed (not found, not executable), is named by the header's argv: it is
 * what the user asked to run.
 */
static int proc_command(struct sbuf *b, const struct trace *t, const struct proc *p)
{
	const struct recording *rec = t->rec;
	char pid[32];
	int err = 0;

	if (p->nexec)
		return exec_command(b, p->execs[0].exec);
	for (const struct proc *q = p->parent; q; q = q->parent) {
		const struct event *ex = exec_at(q, p->start);

		if (ex) {
			err = sb_adds(b, "(fork) ");
			return err ? err : exec_command(b, ex);
		}
	}
	if (!p->parent && rec && rec->has_header && rec->hdr.command_len &&
	    p->pid == rec->hdr.root_pid) {
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
	uint64_t start, len;          /* ns; start relative to the recording's start */
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
	b->start = start > m->t->start ? start - m->t->start : 0;
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

/* Apply --min-duration, then keep the --max-bars longest; returns how many bars are kept. */
static int select_bars(struct mm *m, const struct render_opts *o, size_t *kept)
{
	struct bar **v = NULL;
	size_t n = 0;

	for (size_t i = 0; i < m->nbars; i++) {
		m->bars[i].keep = !o || m->bars[i].len >= o->min_duration_ns;
		n += m->bars[i].keep;
	}
	if (o && o->max_bars && n > o->max_bars) {
		size_t j = 0;

		v = malloc(n * sizeof(*v));
		if (!v)
			return -ENOMEM;
		for (size_t i = 0; i < m->nbars; i++)
			if (m->bars[i].keep)
				v[j++] = &m->bars[i];
		qsort(v, n, sizeof(*v), by_length_desc);
		for (j = o->max_bars; j < n; j++)
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

/* The axis labels: readable for the recording's length (times count from 0). */
static const char *axis_format(const struct trace *t)
{
	uint64_t len = t->end > t->start ? t->end - t->start : 0;

	if (len < 60 * 1000 * NS_PER_MS)
		return "%S.%L";
	if (len < 3600 * 1000 * NS_PER_MS)
		return "%M:%S";
	return "%H:%M:%S";
}

static int write_title(FILE *f, const struct trace *t, struct sbuf *sb)
{
	const struct recording *rec = t->rec;
	int err = 0;
	char note[96];

	sb->len = 0;
	/* The header's command names the whole recording, not a subtree picked with --pid. */
	if (rec && rec->has_header && rec->hdr.command_len &&
	    (!t->nroots || t->roots[0]->pid == rec->hdr.root_pid)) {
		for (uint32_t i = 0; i < rec->hdr.command_len && !err; i++) {
			if (i)
				err = sb_adds(sb, " ");
			if (!err && rec->hdr.command[i])
				err = sb_adds(sb, rec->hdr.command[i]);
		}
	} else if (t->nroots) {
		err = proc_command(sb, t, t->roots[0]);
	} else {
		err = sb_adds(sb, "proctrace recording");
	}
	if (err)
		return err;
	fputs("    title ", f);
	err = mermaid_escape(f, sb->buf ? sb->buf : "", sb->len, MERMAID_LABEL_MAX);
	/* Escaped apart from the command so that cutting a long command never hides them. */
	if (!err && rec && rec->has_end && rec->end.lost) {
		snprintf(note, sizeof(note), "(incomplete: %" PRIu64 " events lost)", rec->end.lost);
		fputc(' ', f);
		err = mermaid_escape(f, note, strlen(note), 0);
	}
	if (!err && rec && rec->cut_short) {
		snprintf(note, sizeof(note), "(incomplete: the recording is cut short)");
		fputc(' ', f);
		err = mermaid_escape(f, note, strlen(note), 0);
	}
	fputc('\n', f);
	return err;
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

/* Write "section NAME", NAME escaped from raw and made unique with a " (N)" suffix. */
static int write_section(FILE *f, struct names *ns, const char *raw, size_t len, struct sbuf *esc)
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
	if (err)
		return err;
	fprintf(f, "    section %s\n", esc->buf);
	return 0;
}

static int write_chart(FILE *f, struct mm *m, size_t kept, struct sbuf *sb)
{
	const struct trace *t = m->t;
	size_t cur = SIZE_MAX, omitted = m->nbars - kept;
	uint64_t omitted_max = 0;
	struct names ns = { 0 };
	struct sbuf esc = { 0 };
	char note[128];
	int err;

	fputs("gantt\n", f);
	err = write_title(f, t, sb);
	if (err)
		goto cleanup;
	fprintf(f, "    dateFormat x\n    axisFormat %s\n    todayMarker off\n", axis_format(t));

	for (size_t i = 0; i < m->nbars; i++) {
		const struct bar *b = &m->bars[i];

		if (!b->keep) {
			if (b->len > omitted_max)
				omitted_max = b->len;
			continue;
		}
		if (b->section != cur) {
			cur = b->section;
			sb->len = 0;
			err = proc_command(sb, t, m->sections[cur]);
			if (!err)
				err = write_section(f, &ns, sb->buf, sb->len, &esc);
			if (err)
				goto cleanup;
		}
		sb->len = 0;
		err = b->span ? exec_command(sb, b->span->exec) : proc_command(sb, t, b->p);
		if (err)
			goto cleanup;
		fputs("    ", f);
		err = mermaid_escape(f, sb->buf ? sb->buf : "", sb->len, MERMAID_LABEL_MAX);
		if (err)
			goto cleanup;
		fprintf(f, " :%s%" PRIu64 ", %" PRIu64 "ms\n",
			b->tag == TAG_CRIT ? "crit, " : b->tag == TAG_ACTIVE ? "active, " : "",
			ms_floor(b->start), ms_len(b->len));
	}
	/* Comments are invisible, so what was left out is said by a visible (grey) bar. */
	if (omitted || !m->nbars) {
		if (m->nbars)
			snprintf(note, sizeof(note),
				 "%zu of %zu bars not shown (each at most %" PRIu64 "ms long)",
				 omitted, m->nbars, (omitted_max + NS_PER_MS - 1) / NS_PER_MS ?: 1);
		else
			snprintf(note, sizeof(note), "no processes recorded");
		err = write_section(f, &ns, "not shown", strlen("not shown"), &esc);
		if (err)
			goto cleanup;
		fputs("    ", f);
		err = mermaid_escape(f, note, strlen(note), 0);
		fputs(" :done, 0, 1ms\n", f);
	}
	if (!err && ferror(f))
		err = -EIO;
cleanup:
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

int render_mermaid(FILE *out, const struct trace *t, const struct render_opts *o)
{
	struct mm m = { .t = t };
	struct sbuf sb = { 0 };
	char *text = NULL;
	size_t textlen = 0, kept = 0, chars;
	FILE *f = NULL;
	int err;

	err = collect(&m);
	if (err)
		goto cleanup;
	err = select_bars(&m, o, &kept);
	if (err)
		goto cleanup;
	/* Built in memory first: its size decides the warning below. */
	f = open_memstream(&text, &textlen);
	if (!f) {
		err = -errno;
		goto cleanup;
	}
	err = write_chart(f, &m, kept, &sb);
	if (fclose(f) && !err)
		err = -EIO;
	f = NULL;
	if (err)
		goto cleanup;
	chars = utf16_length(text, textlen);
	if (chars > MERMAID_MAX_TEXT) {
		size_t fit = kept * (MERMAID_MAX_TEXT * 9 / 10) / chars;

		fprintf(stderr, "proctrace: warning: mermaid: the chart is %zu characters, "
			"more than the %d Mermaid renders by default; try --max-bars %zu\n",
			chars, MERMAID_MAX_TEXT, fit ? fit : 1);
	}
	if (fwrite(text, 1, textlen, out) != textlen)
		err = -EIO;
cleanup:
	free(text);
	sbuf_free(&sb);
	free(m.bars);
	free(m.sections);
	free(m.bad_exec);
	return err;
}
