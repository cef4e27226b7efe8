/* render/mermaid.c: the mermaid view, a Gantt chart of the bars that matter, one per exec image or fork-only process. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "render/mermaid.h"
#include "render/trace.h"
#include "formats/utf8.h"

/* Mermaid's default maxTextSize, counted in UTF-16 units; bigger charts render as an error. */
#define MERMAID_MAX_TEXT 50000
/* More bars than this never fit in MERMAID_MAX_TEXT: a bar's line has at least 17 characters. */
#define MERMAID_MAX_FIT (MERMAID_MAX_TEXT / 17 + 1)

#define NS_PER_MS ((uint64_t)1000000)

/*
 * The page Mermaid lays a Gantt chart out on, with its default settings:
 * mermaid-cli's 800-pixel page less the body's 8-pixel margins, 75 pixels
 * of padding either side of the time axis, labels at 11 pixels and the
 * title at 18. Labels are sized for this page: a wider one only gives
 * them more room.
 */
#define CHART_W 784
#define PAD 75
#define PLOT_W (CHART_W - 2 * PAD)
/* Room left free beside a label, in hundredths of a pixel: fonts differ a little. */
#define SLACK 300
/*
 * The room of a section name, in hundredths of a pixel: it starts 10 pixels
 * into the left padding and may reach 5 pixels past it.
 */
#define SECTION_W 7000
/* The shortest a label is cut to, even where nothing longer fits. */
#define LABEL_MIN 12
/*
 * The shortest a section name is cut to: so short that with its " (N)"
 * suffix it still holds in SECTION_W, where bars' labels do not reach.
 */
#define SECTION_MIN 4

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

/* Append the decimal number v. */
static int sb_addu(struct sbuf *b, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	return sb_adds(b, num);
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

/* The characters Mermaid's lexer or its entity decoding would act on: # : ; % < > & " ' */
static bool must_encode(uint32_t c)
{
	static const uint64_t set = 1ull << '#' | 1ull << ':' | 1ull << ';' | 1ull << '%' |
				    1ull << '<' | 1ull << '>' | 1ull << '&' | 1ull << '"' | 1ull << '\'';

	return c < 64 && (set >> c & 1);
}

/*
 * Advance widths of ' ' to '~' at 11 pixels in DejaVu Sans, in hundredths
 * of a pixel, measured in chromium. It is the font Debian draws Mermaid's
 * "trebuchet ms", verdana, arial with, and as wide as Verdana: a label
 * sized with it fits in the narrower fonts too.
 */
static const uint16_t ascii_width[95] = {
	350, 441, 506, 922, 700, 1046, 859, 303, 430, 430, 551, 922,
	350, 397, 350, 371, 700, 700, 700, 700, 700, 700, 700, 700,
	700, 700, 371, 371, 922, 922, 922, 584, 1100, 784, 755, 769,
	848, 696, 633, 853, 828, 325, 326, 723, 614, 950, 823, 867,
	664, 867, 765, 699, 655, 806, 753, 1088, 755, 674, 755, 430,
	371, 430, 922, 552, 550, 675, 699, 605, 699, 677, 380, 699,
	698, 306, 307, 638, 306, 1072, 698, 674, 699, 699, 434, 574,
	432, 698, 652, 900, 652, 652, 578, 700, 371, 700, 922,
};

/* Other characters: a full em, more for the wide ones. */
static unsigned char_width(uint32_t c)
{
	if (c >= 0x20 && c < 0x7f)
		return ascii_width[c - 0x20];
	switch (utf8_width(c)) {
	case 0:
		return 0;
	case 2:
		return 1400;
	default:
		return 1100;
	}
}

/*
 * The width Mermaid gives an entity when it places a label: it measures
 * the text before turning "#233;" back into "é", while the entity is
 * written "\uFB02°°233¶ß" (31.94 pixels, and 7 a digit).
 */
static unsigned entity_width(uint32_t c)
{
	unsigned w = 3194;

	do
		w += 700;
	while (c /= 10);
	return w;
}

/* Characters (code points): a label decoded, or a cut of one. */
struct cps {
	uint32_t *v;
	size_t n, cap;
};

static int cps_reserve(struct cps *c, size_t n)
{
	uint32_t *v;

	if (n <= c->cap)
		return 0;
	v = realloc(c->v, n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->v = v;
	c->cap = n;
	return 0;
}

/* The len bytes of s as characters: controls become spaces, trimmed; blank text becomes U+00A0. */
static int decode(struct cps *c, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = 0;
	int err = cps_reserve(c, len + 1);

	if (err)
		return err;
	for (size_t i = 0; i < len;) {
		uint32_t cp;

		i += utf8_decode(u + i, len - i, &cp);
		/* a CR or LF inside a label is a parse error, the other controls are invisible */
		if (utf8_is_control(cp))
			cp = ' ';
		if (cp != ' ' || n)
			c->v[n++] = cp;
	}
	while (n && c->v[n - 1] == ' ')
		n--;
	/* Empty or blank text is a parse error; a no-break space shows as nothing. */
	if (!n)
		c->v[n++] = 0xa0;
	c->n = n;
	return 0;
}

/*
 * The n characters of in, or when there are more than max, their start and
 * their end around an ellipsis, half of max each: what names a process is
 * at both ends of its command line, the program and its operands (the
 * source file of a compiler). Each part ends at a space in its half nearest
 * the cut if there is one, so that words stay whole ("gcc -DHAVE_CONFIG_H
 * -I. … -c -o grep.o grep.c"). out has room for max (>= 1) characters;
 * returns how many it holds.
 */
static size_t cut_middle(const uint32_t *in, size_t n, size_t max, uint32_t *out)
{
	size_t head, tail, lo, h, t, k;
	bool space_h = false, space_t = false;

	if (n <= max) {
		memcpy(out, in, n * sizeof(*in));
		return n;
	}
	head = (max - 1) / 2;
	tail = max - 1 - head;
	lo = head / 2 > 1 ? head / 2 : 1;
	h = head;
	for (size_t s = head; s-- > lo;) {
		if (in[s] == ' ') {
			h = s;
			space_h = true;
			break;
		}
	}
	t = n - tail;
	for (size_t s = n - tail; s < n - tail / 2; s++) {
		if (in[s] == ' ') {
			t = s + 1;
			space_t = true;
			break;
		}
	}
	while (h && in[h - 1] == ' ')
		h--;
	while (t < n && in[t] == ' ')
		t++;
	memcpy(out, in, h * sizeof(*in));
	k = h;
	if (space_h && h)
		out[k++] = ' ';
	out[k++] = 0x2026;
	if (space_t && t < n)
		out[k++] = ' ';
	memcpy(out + k, in + t, (n - t) * sizeof(*in));
	return k + n - t;
}

/* Whether the word w[0..n) is the ASCII text s. */
static bool word_is(const uint32_t *w, size_t n, const char *s)
{
	size_t i = 0;

	while (i < n && s[i] && w[i] == (unsigned char)s[i])
		i++;
	return i == n && !s[i];
}

/*
 * Whether the word w[0..n) names a source file: its base name has a
 * compiler's, assembler's or interpreter's extension ("grep.c",
 * "../lib/regex.S", "setup.py"), and it is not an option.
 */
static bool source_word(const uint32_t *w, size_t n)
{
	static const char *const exts[] = { "c", "h", "cc", "cp", "cpp", "cxx", "c++", "C", "hh",
					    "hpp", "hxx", "m", "mm", "s", "S", "sx", "asm", "f",
					    "for", "f90", "f95", "go", "rs", "java", "y", "l",
					    "py", "pl", "rb", "sh" };
	size_t dot = n, base = 0;

	if (!n || w[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (w[i] == '/')
			base = i + 1, dot = n;
		else if (w[i] == '.')
			dot = i;
	}
	if (dot == n || dot == base)
		return false;
	for (size_t e = 0; e < sizeof(exts) / sizeof(*exts); e++)
		if (word_is(w + dot + 1, n - dot - 1, exts[e]))
			return true;
	return false;
}

/*
 * An option of a compiler whose value names a file that is not the source
 * compiled ("-dumpbase grep.c"): the value is not kept as a source.
 */
static bool file_option(const uint32_t *w, size_t n)
{
	static const char *const opts[] = { "-dumpbase", "-MF", "-MT", "-MQ", "-MD", "-MMD", "-include",
					     "-imacros", "-auxbase", "-auxbase-strip",
					     "-main-file-name", "-x" };

	for (size_t i = 0; i < sizeof(opts) / sizeof(*opts); i++)
		if (word_is(w, n, opts[i]))
			return true;
	return false;
}

/* Write the characters as Mermaid text: the first one, and those its lexer acts on, as entities. */
static int emit(struct sbuf *dst, const uint32_t *c, size_t n)
{
	int err = 0;

	/*
	 * The first character is always an entity: that is what stops a label
	 * from starting a keyword (title, section, click, gantt, a date) or a
	 * "%%" comment, whatever follows.
	 */
	for (size_t i = 0; i < n && !err; i++)
		err = !i || must_encode(c[i]) ? entity_put(dst, c[i]) : utf8_put(dst, c[i]);
	return err;
}

/*
 * Where Mermaid can draw a label whole, in hundredths of a pixel (negative:
 * nowhere), and the fewest characters it is cut to (0: LABEL_MIN).
 */
struct room {
	int64_t inside, right, left;
	size_t min;
};

/*
 * Whether Mermaid draws the n characters whole within r. It measures a
 * label with its entities still encoded (entity_width), then draws it
 * inside its bar if that fits, else after the bar if that fits, else
 * before it, where the label as shown must fit.
 */
static bool fits(const uint32_t *c, size_t n, const struct room *r)
{
	int64_t shown = 0, measured = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned w = char_width(c[i]);

		shown += w;
		measured += !i || must_encode(c[i]) ? entity_width(c[i]) : w;
	}
	return measured <= r->inside || measured <= r->right || shown <= r->left;
}

/* A word of a label: its characters [s, e), and how a cut keeps it (enum keep). */
struct word {
	size_t s, e;
	int keep;
};

/*
 * How a cut keeps a word: the program and the source files compiled are
 * kept first, then "-o" and its value, then the other words from the
 * front, while there is room.
 */
enum keep { KEEP_ROOM, KEEP_NAME, KEEP_OUTPUT };

/* Scratch space for labels: one decoded, a cut of it, and its words. */
struct text {
	struct cps full, cut;
	struct word *w;
	size_t wn, wcap;
};

static void text_free(struct text *tx)
{
	free(tx->full.v);
	free(tx->cut.v);
	free(tx->w);
}

/*
 * Split tx->full into words at spaces and mark them (enum keep); *sources
 * is how many words name a source file (source_word()), each counted once,
 * none that is the value of an option naming another file (file_option()),
 * the first 64 of them.
 */
static int split_words(struct text *tx, size_t *sources)
{
	const uint32_t *c = tx->full.v;
	size_t n = tx->full.n, first;

	tx->wn = 0;
	*sources = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && c[j] != ' ')
			j++;
		if (tx->wn == tx->wcap) {
			size_t cap = tx->wcap ? 2 * tx->wcap : 64;
			struct word *w = realloc(tx->w, cap * sizeof(*w));

			if (!w)
				return -ENOMEM;
			tx->w = w;
			tx->wcap = cap;
		}
		tx->w[tx->wn++] = (struct word){ i, j, KEEP_ROOM };
		for (i = j; i < n && c[i] == ' ';)
			i++;
	}
	if (!tx->wn)
		return 0;
	/* The program: after the critical path's mark when there is one. */
	first = tx->wn > 1 && tx->w[0].e - tx->w[0].s == 1 && c[0] == 0x2605 ? 1 : 0;
	for (size_t i = 0; i <= first; i++)
		tx->w[i].keep = KEEP_NAME;
	for (size_t i = first + 1; i < tx->wn; i++) {
		struct word *w = &tx->w[i], *prev = &tx->w[i - 1];
		bool seen = false;

		if (word_is(c + prev->s, prev->e - prev->s, "-o") && prev->keep == KEEP_ROOM) {
			prev->keep = w->keep = KEEP_OUTPUT;
			continue;
		}
		/* a label holds a few at most; beyond 64 the others are words like the rest (the check stays linear) */
		if (*sources >= 64 || !source_word(c + w->s, w->e - w->s) ||
		    file_option(c + prev->s, prev->e - prev->s))
			continue;
		for (size_t k = first + 1; k < i && !seen; k++)
			seen = tx->w[k].keep == KEEP_NAME && tx->w[k].e - tx->w[k].s == w->e - w->s &&
			       !memcmp(c + tx->w[k].s, c + w->s, (w->e - w->s) * sizeof(*c));
		if (!seen) {
			w->keep = KEEP_NAME;
			++*sources;
		}
	}
	return 0;
}

/*
 * Into out, the words of tx->full a cut keeps: those marked KEEP_NAME,
 * those marked KEEP_OUTPUT if output, and the first extra of the others;
 * "…" stands for each run of words left out (at the end only if trail).
 * out has room for tx->full.n + 2 * tx->wn characters; returns how many
 * it holds.
 */
static size_t word_cut(const struct text *tx, bool output, size_t extra, bool trail,
		       uint32_t *out)
{
	size_t k = 0;
	bool gap = false;

	for (size_t i = 0; i < tx->wn; i++) {
		const struct word *w = &tx->w[i];
		bool keep = w->keep == KEEP_NAME || (output && w->keep == KEEP_OUTPUT);

		if (!keep && w->keep == KEEP_ROOM && extra) {
			keep = true;
			extra--;
		}
		if (!keep) {
			gap = true;
			continue;
		}
		if (k)
			out[k++] = ' ';
		if (gap && k) {
			out[k++] = 0x2026;
			out[k++] = ' ';
		}
		gap = false;
		memcpy(out + k, tx->full.v + w->s, (w->e - w->s) * sizeof(*out));
		k += w->e - w->s;
	}
	if (gap && trail) {
		out[k++] = ' ';
		out[k++] = 0x2026;
	}
	return k;
}

/*
 * The cut of a compiler's command line that keeps its program and the
 * source files it compiles, wherever they are in it ("…/cc1 -quiet -I .
 * … grep.c … -o /tmp/ccX.s"), cut at most to max characters that Mermaid
 * draws whole within r: left in tx->cut, its length in *k. Returns 1 if
 * there is one, 0 if the text names no source file or even the program
 * and its sources do not fit; then tx->full holds them (to be cut in the
 * middle) if there is a source file, and is unchanged otherwise.
 */
static int cut_keeping_sources(struct text *tx, size_t max, const struct room *r, size_t *k)
{
	size_t sources, rest = 0, a, b, best;
	int err = split_words(tx, &sources);

	if (err || !sources)
		return err;
	err = cps_reserve(&tx->cut, tx->full.n + 2 * tx->wn + 2);
	if (err)
		return err;
	for (size_t i = 0; i < tx->wn; i++)
		rest += tx->w[i].keep == KEEP_ROOM;
	for (int output = 1; output >= 0; output--) {
		*k = word_cut(tx, output, 0, true, tx->cut.v);
		if (*k > max || (r && !fits(tx->cut.v, *k, r)))
			continue;
		/* The most other words that fit: widths grow with their number. */
		for (best = 0, a = 1, b = rest; a <= b;) {
			size_t mid = a + (b - a) / 2;

			*k = word_cut(tx, output, mid, true, tx->cut.v);
			if (*k <= max && (!r || fits(tx->cut.v, *k, r))) {
				best = mid;
				a = mid + 1;
			} else {
				b = mid - 1;
			}
		}
		*k = word_cut(tx, output, best, true, tx->cut.v);
		return 1;
	}
	/* Not even the program and its sources: they are what is cut in the middle. */
	*k = word_cut(tx, false, 0, false, tx->cut.v);
	err = cps_reserve(&tx->full, *k);
	if (err)
		return err;
	memcpy(tx->full.v, tx->cut.v, *k * sizeof(*tx->cut.v));
	tx->full.n = *k;
	return 0;
}

/*
 * Escape the len bytes of s into dst (mermaid_escape()), cut in the middle
 * to at most max characters (0: no limit) and, if r is given, to the
 * longest cut Mermaid draws whole within r, but never below r->min.
 */
static int put_text(struct sbuf *dst, struct text *tx, const char *s, size_t len, size_t max,
		    const struct room *r)
{
	size_t n, lo, a, b, k;
	int err = decode(&tx->full, s, len);

	if (err)
		return err;
	n = tx->full.n;
	if (!max || max > n)
		max = n;
	if (max == n && (!r || fits(tx->full.v, n, r)))
		return emit(dst, tx->full.v, n);
	err = cut_keeping_sources(tx, max, r, &k);
	if (err < 0)
		return err;
	if (err)
		return emit(dst, tx->cut.v, k);
	n = tx->full.n;
	max = max < n ? max : n;
	err = cps_reserve(&tx->cut, max);
	if (err)
		return err;
	if (r) {
		/* The longest cut that fits: widths grow with the cut's length. */
		lo = r->min ? r->min : LABEL_MIN;
		lo = lo < max ? lo : max;
		for (a = lo + 1, b = max; a <= b;) {
			size_t mid = a + (b - a) / 2;

			k = cut_middle(tx->full.v, n, mid, tx->cut.v);
			if (fits(tx->cut.v, k, r)) {
				lo = mid;
				a = mid + 1;
			} else {
				b = mid - 1;
			}
		}
		max = lo;
	}
	k = cut_middle(tx->full.v, n, max, tx->cut.v);
	return emit(dst, tx->cut.v, k);
}

int mermaid_escape(FILE *out, const char *s, size_t len, size_t max_chars)
{
	struct sbuf b = { 0 };
	struct text tx = { 0 };
	int err = put_text(&b, &tx, s, len, max_chars, NULL);

	if (!err && fwrite(b.buf, 1, b.len, out) != b.len)
		err = -EIO;
	sbuf_free(&b);
	text_free(&tx);
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
	/* A Running without argv (a kernel thread): its comm, as ps shows it. */
	if (ex->type == EV_RUNNING && (ex->flags & EVF_COMM)) {
		err = sb_adds(b, "[");
		err = err ? err : sb_adds(b, ex->u.running.argv[ex->u.running.argc]);
		return err ? err : sb_adds(b, "]");
	}
	return sb_adds(b, "(unknown command)");
}

/* The recorded command as the header gives it, if it does and p is that command. */
static bool header_command(struct sbuf *b, const struct trace *t, const struct proc *p, int *err)
{
	const struct recording *rec = t->rec;

	if (p != t->root || !t->root_is_recorded || !rec || !rec->has_header ||
	    !rec->hdr.command_len)
		return false;
	for (uint32_t i = 0; i < rec->hdr.command_len && !*err; i++) {
		if (i)
			*err = sb_adds(b, " ");
		if (!*err && rec->hdr.command[i])
			*err = sb_adds(b, rec->hdr.command[i]);
	}
	return true;
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
	char pid[32];
	int err = 0;

	if (p->nexec)
		return exec_command(b, p->execs[0].exec);
	if (p->inherited) {
		err = sb_adds(b, TRACE_FORK_PREFIX);
		return err ? err : exec_command(b, p->inherited->exec);
	}
	if (header_command(b, t, p, &err))
		return err;
	snprintf(pid, sizeof(pid), TRACE_FORK_PREFIX "pid %" PRId32, p->pid);
	return sb_adds(b, pid);
}

enum bar_tag { TAG_NONE, TAG_CRIT, TAG_ACTIVE };

/* Why a bar is worth drawing; the chart gives each its share of the bars (see turns[]). */
enum tier { TIER_CRIT, TIER_FAIL, TIER_REST, NTIERS };

#define NO_SPAN UINT32_MAX

struct bar {
	const struct proc *p;
	uint32_t span;    /* index in p->execs; NO_SPAN: the process never exec'd */
	uint32_t section; /* index in mm.sections */
	uint8_t tag;      /* enum bar_tag */
	uint8_t tier;     /* enum tier */
	bool keep;
};

static uint64_t bar_start(const struct bar *b)
{
	return b->span == NO_SPAN ? b->p->start : b->p->execs[b->span].start;
}

static uint64_t bar_len(const struct bar *b)
{
	uint64_t s = bar_start(b), e = b->span == NO_SPAN ? b->p->end : b->p->execs[b->span].end;

	return e > s ? e - s : 0;
}

struct mm {
	const struct trace *t;
	struct bar *bars;              /* nbars, in tree order */
	size_t nbars;
	const struct proc **sections;  /* each named by this process's command */
	size_t nsections;
	uint8_t *bad_exec;             /* per process: its last exec attempt failed */
	uint64_t origin;               /* ns: time 0 of the chart, when the first process started */
	uint64_t min_ns;               /* --min-duration */
	size_t candidates;             /* bars that pass --min-duration */
	size_t in_tier[NTIERS];        /* of them, in each tier */
	size_t kept, kept_in[NTIERS];  /* bars drawn, in all and of each tier */
	struct text tx;
};

/*
 * A process failed if it exited non-zero, was killed, or its last exec
 * attempt failed (execvp()'s failed tries of each PATH entry before the
 * one that worked do not count).
 */
static bool proc_failed(const struct mm *m, const struct proc *p)
{
	const struct event *ex = p->exit;

	if (ex && (ex->flags & EVF_STATUS) && (ex->u.exit.code || (ex->flags & EVF_SIGNALED)))
		return true;
	return m->bad_exec && p->index < m->t->nprocs && m->bad_exec[p->index];
}

/* Count (fill false) or add (fill true) a bar. */
static void add_bar(struct mm *m, const struct proc *p, uint32_t span, bool fill)
{
	struct bar *b;
	bool last = span == NO_SPAN || span + 1 == p->nexec;

	if (!fill) {
		m->nbars++;
		return;
	}
	b = &m->bars[m->nbars++];
	*b = (struct bar){ .p = p, .span = span, .section = (uint32_t)(m->nsections - 1) };
	/* The failure or the still-running state belongs to the image that was last. */
	if (last && proc_failed(m, p))
		b->tag = TAG_CRIT;
	else if (last && p->ended_by_recording)
		b->tag = TAG_ACTIVE;
	b->tier = p->on_crit ? TIER_CRIT : b->tag == TAG_CRIT ? TIER_FAIL : TIER_REST;
	if (p->start < m->origin)
		m->origin = p->start;
}

static void add_own_bars(struct mm *m, const struct proc *p, bool fill)
{
	if (!p->nexec)
		add_bar(m, p, NO_SPAN, fill);
	for (uint32_t i = 0; i < p->nexec; i++)
		add_bar(m, p, i, fill);
}

static void add_section(struct mm *m, const struct proc *p, bool fill)
{
	if (fill)
		m->sections[m->nsections] = p;
	m->nsections++;
}

/* Depth first, children in fork order, without recursion: trees can be deep. */
static void add_subtree(struct mm *m, const struct proc *top, bool fill)
{
	const struct proc *p = top;

	for (;;) {
		add_own_bars(m, p, fill);
		if (p->first_child) {
			p = p->first_child;
			continue;
		}
		while (p != top && !p->next_sibling)
			p = p->parent;
		if (p == top)
			return;
		p = p->next_sibling;
	}
}

/* Bars in tree order: a section for each root's own images, then one per direct child of a root. */
static void walk(struct mm *m, bool fill)
{
	const struct trace *t = m->t;

	m->nbars = m->nsections = 0;
	for (size_t r = 0; r < t->nroots; r++) {
		const struct proc *root = t->roots[r];

		add_section(m, root, fill);
		add_own_bars(m, root, fill);
		for (const struct proc *c = root->first_child; c; c = c->next_sibling) {
			add_section(m, c, fill);
			add_subtree(m, c, fill);
		}
	}
}

/* The bars, counted first so that a big recording's take no more memory than they need. */
static int collect(struct mm *m)
{
	const struct trace *t = m->t;

	if (t->rec && t->proc_of_event && t->nprocs) {
		m->bad_exec = calloc(t->nprocs, sizeof(*m->bad_exec));
		if (!m->bad_exec)
			return -ENOMEM;
		for (size_t i = 0; i < t->rec->n; i++) {
			const struct proc *p = t->proc_of_event[i];
			enum ev_type type = t->rec->ev[i].type;

			if (p && p->index < t->nprocs && (type == EV_EXEC || type == EV_BADEXEC))
				m->bad_exec[p->index] = type == EV_BADEXEC;
		}
	}
	walk(m, false);
	m->bars = malloc((m->nbars ? m->nbars : 1) * sizeof(*m->bars));
	m->sections = malloc((m->nsections ? m->nsections : 1) * sizeof(*m->sections));
	if (!m->bars || !m->sections)
		return -ENOMEM;
	m->origin = UINT64_MAX;
	walk(m, true);
	if (m->origin == UINT64_MAX)
		m->origin = 0;
	for (size_t i = 0; i < m->nbars; i++) {
		if (bar_len(&m->bars[i]) >= m->min_ns) {
			m->candidates++;
			m->in_tier[m->bars[i].tier]++;
		}
	}
	return 0;
}

/* Whether bar a comes before bar b in their tier: longer, or as long and earlier in tree order. */
static bool before(const struct bar *bars, uint32_t a, uint32_t b)
{
	uint64_t la = bar_len(&bars[a]), lb = bar_len(&bars[b]);

	return la != lb ? la > lb : a < b;
}

/* A heap whose root is the bar that comes last, so that it is the one a better bar replaces. */
static void sift_down(const struct bar *bars, uint32_t *v, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, w = i;
		uint32_t tmp;

		if (l < n && before(bars, v[w], v[l]))
			w = l;
		if (r < n && before(bars, v[w], v[r]))
			w = r;
		if (w == i)
			return;
		tmp = v[i];
		v[i] = v[w];
		v[w] = tmp;
		i = w;
	}
}

static void sift_up(const struct bar *bars, uint32_t *v, size_t i)
{
	while (i && before(bars, v[(i - 1) / 2], v[i])) {
		uint32_t tmp = v[i];

		v[i] = v[(i - 1) / 2];
		v[(i - 1) / 2] = tmp;
		i = (i - 1) / 2;
	}
}

/*
 * The share of each tier in the bars drawn, in turns: two on the critical
 * path, one failure, one other. A tier with nothing left gives its turn to
 * the first of fallback[] that has something: the longest others first.
 */
static const uint8_t turns[] = { TIER_CRIT, TIER_CRIT, TIER_FAIL, TIER_REST };
static const uint8_t fallback[] = { TIER_REST, TIER_CRIT, TIER_FAIL };

/*
 * The first k bars (k <= candidates) in the order the chart chooses them:
 * the longest of each tier, taken in turns. Only the k best of each tier
 * are kept while looking, so this takes O(bars × log k) time and O(k)
 * memory. *out is new (k entries), the caller frees it.
 */
static int rank(const struct mm *m, size_t k, uint32_t **out)
{
	uint32_t *v[NTIERS] = { 0 }, *order = NULL;
	size_t cap[NTIERS], n[NTIERS] = { 0 }, pos[NTIERS] = { 0 };
	int err = -ENOMEM;

	for (int t = 0; t < NTIERS; t++) {
		cap[t] = m->in_tier[t] < k ? m->in_tier[t] : k;
		v[t] = malloc((cap[t] ? cap[t] : 1) * sizeof(*v[t]));
		if (!v[t])
			goto cleanup;
	}
	order = malloc((k ? k : 1) * sizeof(*order));
	if (!order)
		goto cleanup;
	for (size_t i = 0; i < m->nbars; i++) {
		const struct bar *b = &m->bars[i];
		int t = b->tier;

		if (bar_len(b) < m->min_ns || !cap[t])
			continue;
		if (n[t] < cap[t]) {
			v[t][n[t]] = (uint32_t)i;
			sift_up(m->bars, v[t], n[t]++);
		} else if (before(m->bars, (uint32_t)i, v[t][0])) {
			v[t][0] = (uint32_t)i;
			sift_down(m->bars, v[t], n[t], 0);
		}
	}
	/* Each heap in order, best first: the last bar goes to the end, repeatedly. */
	for (int t = 0; t < NTIERS; t++) {
		for (size_t j = n[t]; j > 1; j--) {
			uint32_t tmp = v[t][0];

			v[t][0] = v[t][j - 1];
			v[t][j - 1] = tmp;
			sift_down(m->bars, v[t], j - 1, 0);
		}
	}
	for (size_t j = 0, turn = 0; j < k; turn++) {
		int t = turns[turn % sizeof(turns)];

		for (int alt = 0; pos[t] == n[t] && alt < NTIERS; alt++)
			t = fallback[alt];
		if (pos[t] == n[t])
			break;
		order[j++] = v[t][pos[t]++];
	}
	*out = order;
	order = NULL;
	err = 0;
cleanup:
	for (int t = 0; t < NTIERS; t++)
		free(v[t]);
	free(order);
	return err;
}

/* Draw the first n bars of order, or with order NULL every candidate. */
static void keep_bars(struct mm *m, const uint32_t *order, size_t n)
{
	m->kept = 0;
	memset(m->kept_in, 0, sizeof(m->kept_in));
	for (size_t i = 0; i < m->nbars; i++)
		m->bars[i].keep = !order && bar_len(&m->bars[i]) >= m->min_ns;
	for (size_t i = 0; order && i < n; i++)
		m->bars[order[i]].keep = true;
	for (size_t i = 0; i < m->nbars; i++) {
		if (m->bars[i].keep) {
			m->kept++;
			m->kept_in[m->bars[i].tier]++;
		}
	}
}

/* What the chart's axis spans, and how it is drawn. */
struct geo {
	uint64_t lo, hi;    /* ms: from the first start to the last end drawn */
	uint64_t min_ms;    /* the shortest bar drawn: one pixel */
	bool stretched;     /* a bar is drawn longer than it was */
	uint64_t step;      /* ms between ticks */
	const char *format; /* of a tick's label */
};

/* Whole ms from the chart's time 0. */
static uint64_t start_ms(const struct mm *m, const struct bar *b)
{
	uint64_t s = bar_start(b);

	return s > m->origin ? (s - m->origin) / NS_PER_MS : 0;
}

/* A Mermaid duration: whole milliseconds, at least 1 (0ms and fractions draw nothing). */
static uint64_t ms_len(uint64_t ns)
{
	uint64_t ms = (ns + NS_PER_MS / 2) / NS_PER_MS;

	return ms ? ms : 1;
}

static uint64_t drawn_ms(const struct geo *g, const struct bar *b)
{
	uint64_t ms = ms_len(bar_len(b));

	return ms > g->min_ms ? ms : g->min_ms;
}

/*
 * The axis. Mermaid formats and places ticks in the viewer's local time (d3's
 * timeFormat and time scale), and a chart's times are near the epoch, where
 * %M:%S read 30:00 at the start in a half-hour zone (Asia/Kolkata) and even
 * %S was 30 s off in Africa/Monrovia (-0:44:30 in 1970). So the labels use
 * only fields no zone changes, %s (seconds since time 0) and %L, and the
 * ticks come every step ms, which d3 counts from the epoch: some 5 to 10 of
 * them over what the bars drawn span, at steps people read easily.
 */
static void axis(struct geo *g)
{
	static const uint64_t steps[] = {
		1, 2, 5, 10, 20, 50, 100, 200, 500,
		1000, 2000, 5000, 10000, 15000, 30000,
		60000, 120000, 300000, 600000, 900000, 1800000,
		3600000, 7200000, 10800000, 21600000, 43200000, 86400000,
	};
	uint64_t len = g->hi - g->lo;
	size_t i = 0;

	while (i + 1 < sizeof(steps) / sizeof(steps[0]) && len > 10 * steps[i])
		i++;
	g->step = steps[i];
	/* Past a day: 1, 2, 5, 10, 20, 50... days. */
	for (uint64_t mant = 1, days = steps[i]; len > 10 * g->step;) {
		mant = mant == 1 ? 2 : mant == 2 ? 5 : 1;
		if (mant == 1)
			days *= 10;
		g->step = mant * days;
	}
	g->format = g->step < 1000 ? "%s.%L" : "%s";
}

/*
 * The axis of the bars kept, and note: the "not shown" bar, at time 0, is
 * drawn too. Mermaid's axis runs from the first start to the last end,
 * over PLOT_W pixels rounded to whole ones: a bar shorter than a pixel
 * would be drawn 0 pixels wide, so every bar is drawn at least min_ms
 * long, which is a pixel even once those bars stretch the axis.
 */
static void geometry(const struct mm *m, bool note, struct geo *g)
{
	uint64_t lo = note ? 0 : UINT64_MAX, hi = note ? 1 : 0;

	*g = (struct geo){ .min_ms = 1 };
	for (size_t i = 0; i < m->nbars; i++) {
		const struct bar *b = &m->bars[i];
		uint64_t s = start_ms(m, b), e = s + ms_len(bar_len(b));

		if (!b->keep)
			continue;
		lo = s < lo ? s : lo;
		hi = e > hi ? e : hi;
	}
	if (lo >= hi) {
		lo = 0;
		hi = 1;
	}
	g->lo = lo;
	g->min_ms = (hi - lo + PLOT_W - 2) / (PLOT_W - 1);
	g->min_ms = g->min_ms ? g->min_ms : 1;
	g->hi = note && g->min_ms > hi ? g->min_ms : hi;
	for (size_t i = 0; i < m->nbars; i++) {
		const struct bar *b = &m->bars[i];
		uint64_t s = start_ms(m, b), e = s + drawn_ms(g, b);

		if (!b->keep)
			continue;
		g->hi = e > g->hi ? e : g->hi;
		g->stretched = g->stretched || ms_len(bar_len(b)) < g->min_ms;
	}
	axis(g);
}

/* Where a bar from s to e (ms) leaves room for its label. */
static struct room bar_room(const struct geo *g, uint64_t s, uint64_t e)
{
	uint64_t span = g->hi - g->lo;
	int64_t x0 = (int64_t)((s - g->lo) * PLOT_W * 100 / span);
	int64_t x1 = (int64_t)((e - g->lo) * PLOT_W * 100 / span);

	/*
	 * Mermaid draws a label after its bar when it ends 1.5 paddings from the
	 * page's edge, and before it with its end 5 pixels before the bar: it
	 * must then not reach the section names, which start 10 pixels into the
	 * page and may end 5 pixels past the left padding (SECTION_W).
	 */
	return (struct room){
		.inside = x1 - x0 - SLACK,
		.right = CHART_W * 100 - PAD * 150 - x1 - SLACK,
		.left = x0 - 500 - (1000 + SECTION_W - PAD * 100) - SLACK,
	};
}

/* Room for text of this width (hundredths of a pixel at 11 pixels) on one line. */
static struct room line_room(int64_t width)
{
	return (struct room){ .inside = -1, .right = -1, .left = width };
}

static int64_t shown_width(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s);
	int64_t w = 0;

	for (size_t i = 0; i < len;) {
		uint32_t c;

		i += utf8_decode(u + i, len - i, &c);
		w += char_width(c);
	}
	return w;
}

/*
 * The title: the recorded command (with --pid, the chosen process's), cut
 * to what fits across the chart at 18 pixels, then whether the recording
 * is incomplete, escaped apart so that cutting the command never hides it.
 */
static int put_title(struct sbuf *o, struct mm *m, struct sbuf *tmp)
{
	const struct trace *t = m->t;
	const struct recording *rec = t->rec;
	char notes[160] = "";
	struct room r;
	int err = 0;

	tmp->len = 0;
	/* The header's command names the recorded command, not a subtree picked with --pid. */
	if (!t->root || !header_command(tmp, t, t->root, &err))
		err = t->root ? proc_command(tmp, t, t->root) : sb_adds(tmp, "proctrace recording");
	if (rec && rec->has_end && rec->end.lost)
		snprintf(notes, sizeof(notes), " (incomplete: %" PRIu64 " event%s lost)", rec->end.lost,
			 rec->end.lost == 1 ? "" : "s");
	if (rec && rec->cut_short)
		snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes),
			 " (incomplete: the recording is cut short)");
	r = line_room((CHART_W - 40) * 100 * 11 / 18 - shown_width(notes));
	if (!err)
		err = sb_adds(o, "    title ");
	if (!err)
		err = put_text(o, &m->tx, tmp->buf ? tmp->buf : "", tmp->len, MERMAID_LABEL_MAX, &r);
	if (!err && *notes) {
		err = sb_adds(o, " ");
		if (!err)
			err = put_text(o, &m->tx, notes + 1, strlen(notes + 1), 0, NULL);
	}
	return err ? err : sb_adds(o, "\n");
}

/* Of n bars, "N" or "N of M" when some are left out. */
static void count_of(char *buf, size_t len, size_t n, size_t of)
{
	if (n < of)
		snprintf(buf, len, "%zu of %zu", n, of);
	else
		snprintf(buf, len, "%zu", n);
}

/*
 * The first lines: a comment on what the chart leaves out and how to get
 * it (Mermaid shows no comment: the "not shown" bar says it too), and
 * whether short bars are drawn longer than they were.
 */
static int put_comment(struct sbuf *o, const struct mm *m, const struct geo *g, size_t omitted,
		       uint64_t omitted_max)
{
	static const char *const what[NTIERS] = {
		"the longest on the critical path (%s, marked " MERMAID_CRIT_STAR ")",
		"the longest failures (%s)",
		"the longest others (%s)",
	};
	char line[512], part[128], num[48];
	size_t len, nparts = 0, done = 0;
	int err = 0;

	if (omitted) {
		len = (size_t)snprintf(line, sizeof(line), "%%%% proctrace: %zu of %zu bars shown%s",
				       m->kept, m->nbars, m->kept ? ", in tree order:" : "");
		for (int t = 0; t < NTIERS; t++)
			nparts += m->kept_in[t] > 0;
		for (int t = 0; t < NTIERS && len < sizeof(line); t++) {
			if (!m->kept_in[t])
				continue;
			count_of(num, sizeof(num), m->kept_in[t], m->in_tier[t]);
			snprintf(part, sizeof(part), what[t], num);
			done++;
			len += (size_t)snprintf(line + len, sizeof(line) - len, "%s %s",
						done == 1 ? "" : done == nparts ? " and" : ",", part);
		}
		if (len < sizeof(line))
			snprintf(line + len, sizeof(line) - len,
				 ". Not shown: %zu, the longest %" PRIu64 "ms. More: --max-bars N; every bar: --all-bars.\n",
				 omitted, ms_len(omitted_max));
		err = sb_adds(o, line);
	}
	if (!err && g->stretched) {
		snprintf(line, sizeof(line),
			 "%%%% Bars shorter than %" PRIu64 "ms are drawn %" PRIu64 "ms long: one pixel of a chart %d pixels wide.\n",
			 g->min_ms, g->min_ms, CHART_W);
		err = sb_adds(o, line);
	}
	return err;
}

/* The lines before the first section. */
static int put_header(struct sbuf *o, struct mm *m, const struct geo *g, struct sbuf *tmp)
{
	int err = sb_adds(o, "gantt\n");

	if (!err)
		err = put_title(o, m, tmp);
	if (!err)
		err = sb_adds(o, "    dateFormat x\n    axisFormat ");
	if (!err)
		err = sb_adds(o, g->format);
	if (!err)
		err = sb_adds(o, "\n    tickInterval ");
	if (!err)
		err = sb_addu(o, g->step);
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

/*
 * "section NAME": NAME escaped from raw, made unique with a " (N)" suffix,
 * and cut so that it holds in the left margin, suffix included.
 */
static int put_section(struct sbuf *o, struct mm *m, struct names *ns, const char *raw,
		       struct sbuf *esc)
{
	struct room r = line_room(SECTION_W);
	struct name *e;
	char suffix[32], *base = NULL;
	bool added;
	int err;

	r.min = SECTION_MIN;
	esc->len = 0;
	err = put_text(esc, &m->tx, raw, strlen(raw), MERMAID_LABEL_MAX, &r);
	if (!err)
		err = names_add(ns, esc->buf, &e, &added);
	if (!err && !added && !(base = strdup(esc->buf)))
		err = -ENOMEM;
	/* The suffixes of a name count on from the name's own entry. */
	while (!err && !added) {
		snprintf(suffix, sizeof(suffix), " (%u)", names_find(ns, base)->next++);
		r = line_room(SECTION_W - shown_width(suffix));
		r.min = SECTION_MIN;
		esc->len = 0;
		err = put_text(esc, &m->tx, raw, strlen(raw), MERMAID_LABEL_MAX, &r);
		if (!err)
			err = sb_adds(esc, suffix);
		if (!err)
			err = names_add(ns, esc->buf, &e, &added);
	}
	free(base);
	if (!err)
		err = sb_adds(o, "    section ");
	if (!err)
		err = sb_add(o, esc->buf, esc->len);
	return err ? err : sb_adds(o, "\n");
}

/* One bar's line: its label, its tag, its start and its length. */
static int put_bar(struct sbuf *o, struct mm *m, const struct geo *g, const struct bar *b,
		   struct sbuf *tmp)
{
	uint64_t s = start_ms(m, b), len = drawn_ms(g, b);
	struct room r = bar_room(g, s, s + len);
	int err = 0;

	tmp->len = 0;
	if (b->p->on_crit)
		err = sb_adds(tmp, MERMAID_CRIT_MARK);
	if (!err)
		err = b->span != NO_SPAN ? exec_command(tmp, b->p->execs[b->span].exec)
					 : proc_command(tmp, m->t, b->p);
	if (!err)
		err = sb_adds(o, "    ");
	if (!err)
		err = put_text(o, &m->tx, tmp->buf, tmp->len, MERMAID_LABEL_MAX, &r);
	if (!err)
		err = sb_adds(o, b->tag == TAG_CRIT ? " :crit, " : b->tag == TAG_ACTIVE ? " :active, " : " :");
	if (!err)
		err = sb_addu(o, s);
	if (!err)
		err = sb_adds(o, ", ");
	if (!err)
		err = sb_addu(o, len);
	return err ? err : sb_adds(o, "ms\n");
}

/* The grey bar at time 0 that says what was left out (the longest of it omitted_max ns), or that nothing was recorded. */
static int put_note_bar(struct sbuf *o, struct mm *m, const struct geo *g, size_t omitted,
			uint64_t omitted_max)
{
	struct room r = bar_room(g, g->lo, g->lo + g->min_ms);
	char note[160];
	int err;

	if (m->nbars)
		snprintf(note, sizeof(note),
			 "%zu of %zu bars not shown, the longest %" PRIu64 "ms (see --max-bars, --all-bars)",
			 omitted, m->nbars, ms_len(omitted_max));
	else
		snprintf(note, sizeof(note), "no processes recorded");
	err = sb_adds(o, "    ");
	if (!err)
		err = put_text(o, &m->tx, note, strlen(note), MERMAID_LABEL_MAX, &r);
	if (!err)
		err = sb_adds(o, " :done, ");
	if (!err)
		err = sb_addu(o, g->lo);
	if (!err)
		err = sb_adds(o, ", ");
	if (!err)
		err = sb_addu(o, g->min_ms);
	return err ? err : sb_adds(o, "ms\n");
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

/* Count o's text in *units, write it to out and empty o. */
static int drain(struct sbuf *o, FILE *out, size_t *units)
{
	*units += utf16_length(o->buf, o->len);
	return sbuf_flush(out, o);
}

/*
 * The whole chart with the bars marked keep, in *units UTF-16 units. It is
 * written to out as it is made if out is given (all of a big recording's
 * bars, say, take no memory then), else left in o.
 */
static int write_chart(struct sbuf *o, struct mm *m, FILE *out, size_t *units)
{
	size_t cur = SIZE_MAX, omitted = m->nbars - m->kept, counted = 0;
	uint64_t omitted_max = 0;
	struct names ns = { 0 };
	struct sbuf tmp = { 0 }, esc = { 0 };
	char name[TRACE_NAME_MAX];
	struct geo g;
	int err;

	for (size_t i = 0; i < m->nbars; i++) {
		uint64_t len = bar_len(&m->bars[i]);

		if (!m->bars[i].keep && len > omitted_max)
			omitted_max = len;
	}
	geometry(m, omitted || !m->nbars, &g);
	err = put_comment(o, m, &g, omitted, omitted_max);
	if (!err)
		err = put_header(o, m, &g, &tmp);
	for (size_t i = 0; i < m->nbars && !err; i++) {
		const struct bar *b = &m->bars[i];

		if (!b->keep)
			continue;
		if (b->section != cur) {
			const char *sec;

			cur = b->section;
			sec = trace_proc_name(m->sections[cur], name, sizeof(name));
			/*
			 * A section's name has 70 pixels: a fork's is the command it
			 * inherited, without "(fork) ", which its bars' labels carry.
			 */
			if (!strncmp(sec, TRACE_FORK_PREFIX, strlen(TRACE_FORK_PREFIX)))
				sec += strlen(TRACE_FORK_PREFIX);
			err = put_section(o, m, &ns, sec, &esc);
		}
		if (!err)
			err = put_bar(o, m, &g, b, &tmp);
		if (!err && out && o->len >= 65536)
			err = drain(o, out, &counted);
	}
	/* Comments are invisible, so what was left out is said by a visible (grey) bar. */
	if (!err && (omitted || !m->nbars)) {
		err = put_section(o, m, &ns, "not shown", &esc);
		if (!err)
			err = put_note_bar(o, m, &g, omitted, omitted_max);
	}
	*units = counted + utf16_length(o->buf, o->len);
	if (!err && out)
		err = drain(o, out, &counted);
	names_free(&ns);
	sbuf_free(&tmp);
	sbuf_free(&esc);
	return err;
}

/* Whether the chart that draws the first n bars of order is within Mermaid's limit. */
static int chart_fits(struct mm *m, const uint32_t *order, size_t n, struct sbuf *text, bool *ok)
{
	size_t units;
	int err;

	keep_bars(m, order, n);
	text->len = 0;
	err = write_chart(text, m, NULL, &units);
	*ok = units <= MERMAID_MAX_TEXT;
	return err;
}

/*
 * The largest n <= have whose chart, drawing the first n bars of order, is
 * within Mermaid's limit (*fit); the chart without bars always is. It
 * leaves m's bars kept as they were last measured.
 */
static int largest_fit(struct mm *m, const uint32_t *order, size_t have, size_t *fit)
{
	struct sbuf text = { 0 };
	size_t lo = 0, hi = have;
	bool ok;
	int err = chart_fits(m, order, hi, &text, &ok);

	if (!err && ok)
		lo = hi;
	while (!err && hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		err = chart_fits(m, order, mid, &text, &ok);
		if (ok)
			lo = mid;
		else
			hi = mid;
	}
	sbuf_free(&text);
	*fit = lo;
	return err;
}

int render_mermaid(FILE *out, const struct trace *t, const struct render_opts *o)
{
	struct mm m = { .t = t, .min_ns = o ? o->min_duration_ns : 0 };
	struct sbuf text = { 0 };
	uint32_t *order = NULL;
	size_t want, chars, fit = 0;
	bool all = o && o->all_bars, asked = all || (o && o->max_bars);
	int err;

	err = collect(&m);
	if (err)
		goto cleanup;
	want = all ? m.candidates : o && o->max_bars ? o->max_bars : MERMAID_DEFAULT_BARS;
	if (want >= m.candidates) {
		want = m.candidates;
		keep_bars(&m, NULL, 0);
	} else {
		err = rank(&m, want, &order);
		if (err)
			goto cleanup;
		keep_bars(&m, order, want);
	}
	/*
	 * The chart asked for is written as it is made, then its size may call
	 * for a warning; the default one is made in memory first, as its size
	 * may call for fewer bars.
	 */
	err = write_chart(&text, &m, asked ? out : NULL, &chars);
	if (err)
		goto cleanup;
	if (chars > MERMAID_MAX_TEXT) {
		/* Fewer bars: as many of the same, in the same order, as Mermaid draws. */
		size_t have = want < MERMAID_MAX_FIT ? want : MERMAID_MAX_FIT;

		free(order);
		order = NULL;
		err = rank(&m, have, &order);
		if (!err)
			err = largest_fit(&m, order, have, &fit);
		if (err)
			goto cleanup;
		if (asked) {
			fprintf(stderr, "proctrace: warning: mermaid: the chart is %zu characters, "
				"more than the %d Mermaid renders by default; try --max-bars %zu\n",
				chars, MERMAID_MAX_TEXT, fit ? fit : 1);
		} else {
			keep_bars(&m, order, fit);
			text.len = 0;
			err = write_chart(&text, &m, NULL, &chars);
			if (err)
				goto cleanup;
		}
	}
	err = sbuf_flush(out, &text);
cleanup:
	sbuf_free(&text);
	free(order);
	free(m.bars);
	free(m.sections);
	free(m.bad_exec);
	text_free(&m.tx);
	return err;
}
