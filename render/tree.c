/* render/tree.c: the tree view: the process tree as pstree draws it, with wall, CPU, peak RSS and exit status in columns. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "formats/utf8.h"
#include "render/status.h"
#include "render/trace.h"

#define NONE UINT32_MAX
#define FOLD_DEFAULT 3       /* siblings of one command folded from this many on */
#define FOLD_MAX_DESC 20     /* a sibling with more descendants is a stage of its own: never folded */
#define WIDTH_DEFAULT 160    /* columns a line is fitted to when the output is no terminal */
#define ARGV_MIN 24          /* argv keeps at least this many columns, however deep the line */
#define INDENT_MAX 32        /* deeper levels are drawn as a count: a line's length stays bounded */
#define FLUSH_AT (1 << 16)

/* The fixed columns before the tree: PID, WALL, CPU, RSS, STATUS, the critical-path mark. */
#define COLS_FMT "%7s %10s %10s %9s  %-12s %s "
#define COLS_WIDTH (7 + 1 + 10 + 1 + 10 + 1 + 9 + 2 + 12 + 1 + 1 + 1)

/* Colours (SGR), only with o->color. */
#define C_BOLD "\033[1m"
#define C_FAIL "\033[31m"
#define C_KILL "\033[1;31m"
#define C_CRIT "\033[1;33m"
#define C_FOLD "\033[36m"
#define C_DIM "\033[2m"
#define C_OFF "\033[0m"

struct glyphs {
	const char *branch, *last, *pipe, *blank, *times, *ellipsis;
	int ellipsis_cols;
};

static const struct glyphs utf8_glyphs = { "├─ ", "└─ ", "│  ", "   ", "×", "…", 1 };
static const struct glyphs ascii_glyphs = { "|- ", "`- ", "|  ", "   ", "x", "...", 3 };

/* A process and all its descendants: what a folded or cut line summarises. */
struct agg {
	uint64_t cpu_ns;
	uint32_t n;       /* processes */
	uint32_t failed;  /* of them, exited non-zero or killed */
};

/* A line under a parent: one process, or a fold of its siblings of one command. */
struct item {
	const struct proc *p;  /* the process, or the fold's first member */
	uint32_t group;        /* the fold (index in tv.groups), or NONE */
};

/* Siblings with one command name: folded into one line when there are enough of them. */
struct group {
	const struct proc *first;   /* the first foldable member */
	uint64_t wall, cpu_ns, rss_kb, desc_cpu_ns;
	uint32_t count, ok, failed; /* foldable members, and how they ended */
	uint32_t desc, desc_failed; /* their descendants */
	uint32_t hash;
	size_t name;                /* offset of the name in tv.names */
	bool forked;                /* the members never exec'd */
	bool crit;                  /* a member is on the critical path: the line is marked */
	bool has_cpu;
};

/* The children of one process being drawn: items[items .. items + nitems). */
struct level {
	size_t items, nitems, next;
	size_t groups, names;  /* where this level's groups and names start (freed on pop) */
	bool last;             /* the item that opened it was its parent's last */
};

struct tv {
	const struct trace *t;
	const struct glyphs *g;
	FILE *out;
	unsigned fold, width, max_depth;
	bool has_depth, color, any_fold;
	struct sbuf out_buf;    /* lines, flushed every FLUSH_AT bytes */
	struct sbuf name, argv; /* one line's text, escaped */
	struct agg *agg;        /* by process index */
	struct level *lv;
	size_t nlv, caplv;
	struct item *items;
	size_t nitems, capitems;
	struct group *groups;
	size_t ngroups, capgroups;
	struct sbuf names;
	/* scratch for grouping one process's children */
	uint32_t *slots, *gid;
	size_t nslots, capgid;
};

static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	p = realloc(*arr, c * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

static int put(struct sbuf *b, const char *s, size_t n)
{
	int err = sbuf_reserve(b, n + 1);

	if (err)
		return err;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return 0;
}

static int puts_(struct sbuf *b, const char *s)
{
	return put(b, s, strlen(s));
}

static int color(struct tv *tv, const char *sgr)
{
	return tv->color ? puts_(&tv->out_buf, sgr) : 0;
}

/* A duration, exact to the digit shown: "812 ns", "12.345 us", "1.234 ms", "2.345 s". */
static char *fmt_dur(char *buf, size_t len, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 " ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%" PRIu64 ".%03" PRIu64 " us", ns / 1000, ns % 1000);
	else if (ns < 1000000000)
		snprintf(buf, len, "%" PRIu64 ".%03" PRIu64 " ms", ns / 1000000, ns / 1000 % 1000);
	else
		snprintf(buf, len, "%" PRIu64 ".%03" PRIu64 " s", ns / 1000000000,
			 ns / 1000000 % 1000);
	return buf;
}

/* A size in KiB: "788 KiB", "12.3 MiB", "1.2 GiB". */
static char *fmt_kb(char *buf, size_t len, uint64_t kb)
{
	if (kb < 1024)
		snprintf(buf, len, "%" PRIu64 " KiB", kb);
	else if (kb < 1024 * 1024)
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 " MiB", kb / 1024, kb % 1024 * 10 / 1024);
	else
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 " GiB", kb / (1024 * 1024),
			 kb % (1024 * 1024) * 10 / (1024 * 1024));
	return buf;
}

/* Characters that would reorder or break the line on a terminal, though printable. */
static bool is_format_char(uint32_t c)
{
	return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029;
}

/*
 * Append s (len bytes) to b as a terminal can show it: control characters
 * as \n, \t or \xHH, C1 controls and bidirectional overrides as \uHHHH,
 * bytes that are not UTF-8 as \xHH. quoted: inside shell single quotes.
 */
static int put_escaped(struct sbuf *b, const char *s, size_t len, bool quoted)
{
	const unsigned char *u = (const unsigned char *)s;
	char esc[16];
	int err = 0;

	for (size_t i = 0; i < len && !err;) {
		unsigned char c = u[i];
		int n;

		if (c >= 0x20 && c < 0x7f) {
			err = quoted && c == '\'' ? puts_(b, "'\\''") : put(b, (const char *)&c, 1);
			i++;
			continue;
		}
		if (c < 0x80) {
			if (c == '\n')
				err = puts_(b, "\\n");
			else if (c == '\t')
				err = puts_(b, "\\t");
			else
				err = put(b, esc, (size_t)snprintf(esc, sizeof(esc), "\\x%02x", c));
			i++;
			continue;
		}
		n = utf8_seq(u + i, len - i);
		if (n <= 0) {
			err = put(b, esc, (size_t)snprintf(esc, sizeof(esc), "\\x%02x", c));
			i++;
			continue;
		}
		{
			uint32_t cp;

			utf8_decode(u + i, (size_t)n, &cp);
			if (utf8_is_control(cp) || is_format_char(cp))
				err = put(b, esc,
					  (size_t)snprintf(esc, sizeof(esc), "\\u%04" PRIx32, cp));
			else
				err = put(b, s + i, (size_t)n);
		}
		i += (size_t)n;
	}
	return err;
}

/* One argument, shell-quoted when it holds anything but plain characters. */
static int put_arg(struct sbuf *b, const char *a)
{
	bool plain = *a != '\0';
	int err;

	for (const unsigned char *p = (const unsigned char *)a; *p && plain; p++)
		plain = *p >= 0x80 ||
			strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-",
			       *p);
	if (plain)
		return put_escaped(b, a, strlen(a), false);
	err = puts_(b, "'");
	if (!err)
		err = put_escaped(b, a, strlen(a), true);
	return err ? err : puts_(b, "'");
}

/* Columns a terminal gives the n bytes of escaped (valid UTF-8, printable) text s. */
static size_t text_cols(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t cols = 0;

	for (size_t i = 0; i < n;) {
		uint32_t c;

		i += utf8_decode(u + i, n - i, &c);
		cols += (size_t)utf8_width(c);
	}
	return cols;
}

/* The byte length of the longest start of s (n bytes) that fits in cols columns. */
static size_t head_fitting(const char *s, size_t n, size_t cols)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, w = 0;

	while (i < n) {
		uint32_t c;
		size_t used = utf8_decode(u + i, n - i, &c);

		if (w + (size_t)utf8_width(c) > cols)
			break;
		w += (size_t)utf8_width(c);
		i += used;
	}
	return i;
}

/* The byte offset of the shortest end of s (n bytes) that fills at most cols columns. */
static size_t tail_fitting(const char *s, size_t n, size_t cols)
{
	size_t i = n, w = 0;

	while (i > 0) {
		size_t j = i - 1;
		uint32_t c;

		while (j > 0 && ((unsigned char)s[j] & 0xc0) == 0x80)
			j--;
		utf8_decode((const unsigned char *)s + j, i - j, &c);
		if (w + (size_t)utf8_width(c) > cols)
			break;
		w += (size_t)utf8_width(c);
		i = j;
	}
	return i;
}

/* Write text (escaped) to the line, cut in the middle to cols columns if wider. */
static int put_cut(struct tv *tv, const struct sbuf *text, size_t cols)
{
	size_t head, tail, room;
	int err;

	if (!text->len)
		return 0;
	if (cols == SIZE_MAX || text_cols(text->buf, text->len) <= cols)
		return put(&tv->out_buf, text->buf, text->len);
	room = cols > (size_t)tv->g->ellipsis_cols ? cols - (size_t)tv->g->ellipsis_cols : 0;
	/* The start says what runs, the end often what on (gcc's source file). */
	head = head_fitting(text->buf, text->len, room - room / 2);
	tail = tail_fitting(text->buf, text->len, room / 2);
	if (tail < head)
		tail = head;
	err = put(&tv->out_buf, text->buf, head);
	if (!err)
		err = color(tv, C_DIM);
	if (!err)
		err = puts_(&tv->out_buf, tv->g->ellipsis);
	if (!err)
		err = color(tv, C_OFF);
	return err ? err : put(&tv->out_buf, text->buf + tail, text->len - tail);
}

/* The part after the last '/', without a login shell's '-'. */
static const char *base(const char *s)
{
	const char *slash = strrchr(s, '/');

	s = slash ? slash + 1 : s;
	return *s == '-' ? s + 1 : s;
}

/*
 * The text of a process's line in tv->name (bold) and tv->argv (cut to
 * fit): its command as trace_proc_name() names it, and its last argv with
 * argv[0] shown by its basename and left out when that is the name
 * ("gcc -c x.c", but "configure: sh ./configure"). A process that never
 * exec'd is its name alone, "(fork) NAME" (trace_proc_name()).
 */
static int proc_text(struct tv *tv, const struct proc *p)
{
	const struct trace *t = tv->t;
	const struct exec_span *s = p->nexec ? &p->execs[p->nexec - 1] : NULL;
	const char *const *argv = NULL;
	char buf[TRACE_NAME_MAX];
	const char *name = trace_proc_name(p, buf, sizeof(buf));
	uint32_t argc = 0, i = 1;
	int err = 0;

	tv->name.len = tv->argv.len = 0;
	err = put_escaped(&tv->name, name, strlen(name), false);
	if (err || (!s && p->inherited))
		return err;
	if (s && (s->exec->flags & EVF_CMDLINE) && s->exec->u.exec.argv) {
		argv = s->exec->u.exec.argv;
		argc = s->exec->u.exec.argc;
	} else if (!s && p == t->root && t->root_is_recorded && t->rec->has_header) {
		/* The recorded command never exec'd: what was asked to run. */
		argv = t->rec->hdr.command;
		argc = t->rec->hdr.command_len;
		i = 0;
	}
	if (argc && (!i || (argv[0] && strcmp(base(argv[0]), name)))) {
		err = puts_(&tv->name, ":");
		i = 0;
	}
	for (; i < argc && !err; i++) {
		if (tv->argv.len)
			err = puts_(&tv->argv, " ");
		if (!err)
			err = put_arg(&tv->argv, i == 0 ? base(argv[0] ? argv[0] : "") : argv[i] ? argv[i] : "");
	}
	return err;
}

/* The connectors in front of an item at depth d (1 for a root's children), last if it ends its list. */
static int put_prefix(struct tv *tv, size_t d, bool last, size_t *cols)
{
	size_t from = 1;
	int err = 0;

	*cols = 0;
	if (d == 0)
		return 0;
	if (d - 1 > INDENT_MAX) {
		char more[32];
		int n = snprintf(more, sizeof(more), "[+%zu] ", d - 1 - INDENT_MAX);

		from = d - INDENT_MAX;
		err = put(&tv->out_buf, more, (size_t)n);
		*cols += (size_t)n;
	}
	for (size_t j = from; j < d && !err; j++)
		err = puts_(&tv->out_buf, tv->lv[j].last ? tv->g->blank : tv->g->pipe);
	if (!err)
		err = puts_(&tv->out_buf, last ? tv->g->last : tv->g->branch);
	*cols += 3 * (d - from + 1);
	return err;
}

/* " (+N descendants, CPU 1.234 s, 2 failed)": what a folded or cut line hides. */
static int put_hidden(struct sbuf *b, uint32_t n, uint64_t cpu_ns, uint32_t failed)
{
	char line[128], dur[32];
	int len;

	if (!n)
		return 0;
	len = snprintf(line, sizeof(line), " (+%" PRIu32 " descendant%s, CPU %s", n,
		       n == 1 ? "" : "s", fmt_dur(dur, sizeof(dur), cpu_ns));
	if (failed)
		len += snprintf(line + len, sizeof(line) - (size_t)len, ", %" PRIu32 " failed",
				failed);
	if (len >= (int)sizeof(line) - 1)
		len = (int)sizeof(line) - 2;
	line[len++] = ')';
	return put(b, line, (size_t)len);
}

static size_t argv_room(const struct tv *tv, size_t used)
{
	if (tv->width == UINT_MAX)
		return SIZE_MAX;
	return used + ARGV_MIN < tv->width ? tv->width - used : ARGV_MIN;
}

/* The STATUS cell of one process, and its colour. */
static const char *status_cell(char *buf, size_t len, const struct proc_status *st,
			       const char **sgr)
{
	char sig[16];

	*sgr = NULL;
	switch (st->outcome) {
	case OUTCOME_OK:
		return "0";
	case OUTCOME_FAILED:
		*sgr = C_FAIL;
		snprintf(buf, len, "%d", st->code);
		return buf;
	case OUTCOME_KILLED:
		*sgr = C_KILL;
		snprintf(buf, len, "%s%s", signal_name(st->code, sig, sizeof(sig)),
			 st->core ? " core" : "");
		return buf;
	case OUTCOME_RUNNING:
		return "running";
	default:
		return "?";
	}
}

/* The columns: PID, WALL, CPU, RSS, STATUS (coloured) and the critical-path mark. */
static int put_columns(struct tv *tv, const char *pid, const char *wall, const char *cpu,
		       const char *rss, const char *status, const char *sgr, bool crit)
{
	char cols[128];
	int n = snprintf(cols, sizeof(cols), "%7s %10s %10s %9s  ", pid, wall, cpu, rss);
	int err = put(&tv->out_buf, cols, (size_t)n);

	if (!err && sgr)
		err = color(tv, sgr);
	if (!err)
		err = put(&tv->out_buf, cols, (size_t)snprintf(cols, sizeof(cols), "%-12s", status));
	if (!err && sgr)
		err = color(tv, C_OFF);
	if (!err)
		err = puts_(&tv->out_buf, " ");
	if (!err && crit)
		err = color(tv, C_CRIT);
	if (!err)
		err = puts_(&tv->out_buf, crit ? "*" : " ");
	if (!err && crit)
		err = color(tv, C_OFF);
	return err ? err : puts_(&tv->out_buf, " ");
}

static bool shows_children(const struct tv *tv, size_t depth)
{
	return !tv->has_depth || depth < tv->max_depth;
}

static int end_line(struct tv *tv)
{
	int err = puts_(&tv->out_buf, "\n");

	if (!err && tv->out_buf.len >= FLUSH_AT)
		err = sbuf_flush(tv->out, &tv->out_buf);
	return err;
}

/* The line of one process at depth d. */
static int proc_line(struct tv *tv, const struct proc *p, size_t d, bool last)
{
	struct proc_status st;
	char pid[16], wall[32], cpu[32] = "-", rss[32] = "-", sbuf_[48];
	const char *status, *sgr;
	struct sbuf hidden = { 0 };
	size_t prefix_cols, used;
	int err;

	proc_status(p, &st);
	snprintf(pid, sizeof(pid), "%" PRId32, p->pid);
	fmt_dur(wall, sizeof(wall), p->end - p->start);
	if (st.has_rusage) {
		fmt_dur(cpu, sizeof(cpu), st.user_ns + st.system_ns);
		fmt_kb(rss, sizeof(rss), st.max_rss_kb);
	}
	status = status_cell(sbuf_, sizeof(sbuf_), &st, &sgr);
	err = put_columns(tv, pid, wall, cpu, rss, status, sgr, p->on_crit);
	if (!err)
		err = put_prefix(tv, d, last, &prefix_cols);
	if (!err)
		err = proc_text(tv, p);
	if (!err && p->first_child && !shows_children(tv, d)) {
		const struct agg *a = &tv->agg[p->index];
		uint64_t own = st.has_rusage ? st.user_ns + st.system_ns : 0;

		err = put_hidden(&hidden, a->n - 1, a->cpu_ns - own,
				 a->failed - (proc_failed(&st) ? 1 : 0));
	}
	if (err)
		goto cleanup;
	err = color(tv, sgr ? sgr : C_BOLD);
	if (!err)
		err = put(&tv->out_buf, tv->name.buf, tv->name.len);
	if (!err)
		err = color(tv, C_OFF);
	if (!err && tv->argv.len) {
		used = COLS_WIDTH + prefix_cols + text_cols(tv->name.buf, tv->name.len) + 1 +
		       text_cols(hidden.buf, hidden.len);
		err = puts_(&tv->out_buf, " ");
		if (!err)
			err = put_cut(tv, &tv->argv, argv_room(tv, used));
	}
	if (!err && hidden.len) {
		err = color(tv, C_DIM);
		if (!err)
			err = put(&tv->out_buf, hidden.buf, hidden.len);
		if (!err)
			err = color(tv, C_OFF);
	}
	if (!err)
		err = end_line(tv);
cleanup:
	sbuf_free(&hidden);
	return err;
}

/* The line of a fold: "60×[awk …]" with the members' totals in the columns. */
static int fold_line(struct tv *tv, const struct group *g, size_t d, bool last)
{
	char wall[32], cpu[32] = "-", rss[32] = "-", status[32], head[48];
	const char *name = tv->names.buf + g->name;
	struct sbuf hidden = { 0 };
	size_t prefix_cols;
	int err;

	fmt_dur(wall, sizeof(wall), g->wall);
	if (g->has_cpu) {
		fmt_dur(cpu, sizeof(cpu), g->cpu_ns);
		fmt_kb(rss, sizeof(rss), g->rss_kb);
	}
	if (g->failed)
		snprintf(status, sizeof(status), "%" PRIu32 " failed", g->failed);
	else if (g->ok == g->count)
		snprintf(status, sizeof(status), "all 0");
	else
		snprintf(status, sizeof(status), "%" PRIu32 " ok", g->ok);
	err = put_columns(tv, "", wall, cpu, rss, status, g->failed ? C_FAIL : NULL, g->crit);
	if (!err)
		err = put_prefix(tv, d, last, &prefix_cols);
	if (!err)
		err = color(tv, C_FOLD);
	if (!err)
		err = put(&tv->out_buf, head,
			  (size_t)snprintf(head, sizeof(head), "%" PRIu32 "%s[", g->count,
					   tv->g->times));
	if (!err)
		err = color(tv, C_OFF);
	if (!err)
		err = color(tv, C_BOLD);
	if (!err)
		err = put_escaped(&tv->out_buf, name, strlen(name), false);
	if (!err)
		err = color(tv, C_OFF);
	if (!err && !g->forked) {
		err = puts_(&tv->out_buf, " ");
		if (!err)
			err = puts_(&tv->out_buf, tv->g->ellipsis);
	}
	if (!err)
		err = color(tv, C_FOLD);
	if (!err)
		err = puts_(&tv->out_buf, "]");
	if (!err)
		err = color(tv, C_OFF);
	if (!err)
		err = put_hidden(&hidden, g->desc, g->desc_cpu_ns, g->desc_failed);
	if (!err && hidden.len) {
		err = color(tv, C_DIM);
		if (!err)
			err = put(&tv->out_buf, hidden.buf, hidden.len);
		if (!err)
			err = color(tv, C_OFF);
	}
	if (!err)
		err = end_line(tv);
	tv->any_fold = true;
	sbuf_free(&hidden);
	return err;
}

static uint32_t hash_name(const char *s, bool forked)
{
	uint32_t h = forked ? 2166136261u ^ 0x5bd1e995u : 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static bool foldable(const struct tv *tv, const struct proc *p)
{
	return tv->agg[p->index].n - 1 <= FOLD_MAX_DESC;
}

/* Count p into its group g. */
static void group_add(struct tv *tv, struct group *g, const struct proc *p)
{
	const struct agg *a = &tv->agg[p->index];
	struct proc_status st;
	uint64_t own = 0;

	proc_status(p, &st);
	if (!g->count)
		g->first = p;
	g->count++;
	g->crit |= p->on_crit;
	g->wall += p->end - p->start;
	if (st.has_rusage) {
		own = st.user_ns + st.system_ns;
		g->has_cpu = true;
		g->cpu_ns += own;
		if (st.max_rss_kb > g->rss_kb)
			g->rss_kb = st.max_rss_kb;
	}
	g->ok += st.outcome == OUTCOME_OK;
	g->failed += proc_failed(&st);
	g->desc += a->n - 1;
	g->desc_cpu_ns += a->cpu_ns - own;
	g->desc_failed += a->failed - (proc_failed(&st) ? 1 : 0);
}

/*
 * Push the level of p's children: one item per child, except that children
 * with the same command name (trace_proc_name(), and whether they exec'd),
 * consecutive or not, fold into one item where the first of them is, when
 * there are at least tv->fold of them. Never folded: one with more than
 * FOLD_MAX_DESC descendants, which is a stage of the run (a recursive make,
 * config.status) rather than one more of a kind (a compile, a test). A
 * process on the critical path folds with its kind (steps run one after
 * the other, a shell loop's 300 awks, are all on it), and the fold's line
 * carries the mark.
 */
static int push_level(struct tv *tv, const struct proc *p, bool last)
{
	size_t nchild = 0, k, mask, gbase = tv->ngroups, ibase = tv->nitems;
	size_t nbase = tv->names.len;
	const struct proc *c;
	int err;

	for (c = p->first_child; c; c = c->next_sibling)
		nchild++;
	err = grow((void **)&tv->gid, &tv->capgid, nchild, sizeof(*tv->gid));
	if (!err)
		err = grow((void **)&tv->items, &tv->capitems, tv->nitems + nchild,
			   sizeof(*tv->items));
	if (!err)
		err = grow((void **)&tv->groups, &tv->capgroups, tv->ngroups + nchild,
			   sizeof(*tv->groups));
	if (!err)
		err = grow((void **)&tv->lv, &tv->caplv, tv->nlv + 1, sizeof(*tv->lv));
	for (mask = 16; mask < 2 * nchild; mask *= 2)
		;
	if (!err && mask > tv->nslots) {
		free(tv->slots);
		tv->slots = malloc(mask * sizeof(*tv->slots));
		tv->nslots = tv->slots ? mask : 0;
		err = tv->slots ? 0 : -ENOMEM;
	}
	if (err)
		return err;
	memset(tv->slots, 0, mask * sizeof(*tv->slots));
	mask--;

	for (c = p->first_child, k = 0; c; c = c->next_sibling, k++) {
		char buf[TRACE_NAME_MAX];
		const char *name = trace_proc_name(c, buf, sizeof(buf));
		bool forked = c->nexec == 0;
		uint32_t h = hash_name(name, forked), gi = NONE;
		size_t i = h & mask;

		for (; tv->slots[i]; i = (i + 1) & mask) {
			const struct group *g = &tv->groups[gbase + tv->slots[i] - 1];

			if (g->hash == h && g->forked == forked &&
			    !strcmp(tv->names.buf + g->name, name)) {
				gi = tv->slots[i] - 1;
				break;
			}
		}
		if (gi == NONE) {
			struct group *g = &tv->groups[tv->ngroups];

			*g = (struct group){ .hash = h, .forked = forked, .name = tv->names.len };
			err = put(&tv->names, name, strlen(name) + 1);
			if (err)
				return err;
			gi = (uint32_t)(tv->ngroups++ - gbase);
			tv->slots[i] = gi + 1;
		}
		tv->gid[k] = gi;
		if (foldable(tv, c))
			group_add(tv, &tv->groups[gbase + gi], c);
	}
	for (c = p->first_child, k = 0; c; c = c->next_sibling, k++) {
		const struct group *g = &tv->groups[gbase + tv->gid[k]];

		if (!foldable(tv, c) || g->count < tv->fold)
			tv->items[tv->nitems++] = (struct item){ c, NONE };
		else if (g->first == c)
			tv->items[tv->nitems++] = (struct item){ c, (uint32_t)(gbase + tv->gid[k]) };
	}
	tv->lv[tv->nlv++] = (struct level){ .items = ibase, .nitems = tv->nitems - ibase,
					    .groups = gbase, .names = nbase, .last = last };
	return 0;
}

/* One root and everything under it, depth first, without recursion (a chain of forks can be deep). */
static int draw_root(struct tv *tv, const struct proc *root)
{
	int err = proc_line(tv, root, 0, true);

	if (!err && root->first_child && shows_children(tv, 0))
		err = push_level(tv, root, true);
	while (!err && tv->nlv) {
		struct level *l = &tv->lv[tv->nlv - 1];
		size_t d = tv->nlv;
		struct item it;
		bool last;

		if (l->next == l->nitems) {
			tv->nitems = l->items;
			tv->ngroups = l->groups;
			tv->names.len = l->names;
			tv->nlv--;
			continue;
		}
		it = tv->items[l->items + l->next++];
		last = l->next == l->nitems;
		if (it.group != NONE) {
			err = fold_line(tv, &tv->groups[it.group], d, last);
			continue;
		}
		err = proc_line(tv, it.p, d, last);
		if (!err && it.p->first_child && shows_children(tv, d))
			err = push_level(tv, it.p, last);
	}
	return err;
}

/*
 * Every process with its descendants, by one pass from the last process to
 * the first: trace_build() puts a parent before its children.
 */
static int sum_subtrees(struct tv *tv)
{
	const struct trace *t = tv->t;

	tv->agg = calloc(t->nprocs ? t->nprocs : 1, sizeof(*tv->agg));
	if (!tv->agg)
		return -ENOMEM;
	for (size_t k = t->nprocs; k-- > 0;) {
		const struct proc *p = &t->procs[k];
		struct agg *a = &tv->agg[k];
		struct proc_status st;

		proc_status(p, &st);
		a->n++;
		a->failed += proc_failed(&st);
		if (st.has_rusage)
			a->cpu_ns += st.user_ns + st.system_ns;
		if (p->parent && p->parent->index < k) {
			struct agg *pa = &tv->agg[p->parent->index];

			pa->n += a->n;
			pa->failed += a->failed;
			pa->cpu_ns += a->cpu_ns;
		}
	}
	return 0;
}

static int put_header(struct tv *tv)
{
	char cols[128];
	int n = snprintf(cols, sizeof(cols), COLS_FMT, "PID", "WALL", "CPU", "RSS", "STATUS", " ");
	int err = color(tv, C_BOLD);

	if (!err)
		err = put(&tv->out_buf, cols, (size_t)n);
	if (!err)
		err = puts_(&tv->out_buf, "COMMAND");
	if (!err)
		err = color(tv, C_OFF);
	return err ? err : puts_(&tv->out_buf, "\n");
}

/* What the marks mean, once, under the tree. */
static int put_legend(struct tv *tv)
{
	bool crit = false;
	char line[256];
	int err = 0;

	for (size_t k = 0; k < tv->t->nprocs && !crit; k++)
		crit = tv->t->procs[k].on_crit;
	if (crit)
		err = puts_(&tv->out_buf, "\n* on the critical path: what the end of the run waited for\n");
	if (!err && tv->any_fold) {
		snprintf(line, sizeof(line),
			 "%sN%s[cmd %s] folds N sibling processes of one command with their descendants;\n"
			 "WALL and CPU add up theirs, RSS is the largest (--fold 0 shows each process)\n",
			 crit ? "" : "\n", tv->g->times, tv->g->ellipsis);
		err = puts_(&tv->out_buf, line);
	}
	return err;
}

int render_tree(FILE *out, const struct trace *t, const struct render_opts *o)
{
	struct tv tv = {
		.t = t,
		.g = o->ascii ? &ascii_glyphs : &utf8_glyphs,
		.out = out,
		.fold = o->fold ? o->fold : FOLD_DEFAULT,
		.width = o->width ? o->width : WIDTH_DEFAULT,
		.max_depth = o->depth,
		.has_depth = o->has_depth,
		.color = o->color,
	};
	int err;

	if (!t->nroots) {
		err = puts_(&tv.out_buf, "(no process recorded)\n");
		goto flush;
	}
	err = sum_subtrees(&tv);
	if (!err)
		err = put_header(&tv);
	for (size_t r = 0; r < t->nroots && !err; r++)
		err = draw_root(&tv, t->roots[r]);
	if (!err)
		err = put_legend(&tv);
flush:
	if (!err)
		err = sbuf_flush(out, &tv.out_buf);
	sbuf_free(&tv.out_buf);
	sbuf_free(&tv.name);
	sbuf_free(&tv.argv);
	sbuf_free(&tv.names);
	free(tv.agg);
	free(tv.lv);
	free(tv.items);
	free(tv.groups);
	free(tv.slots);
	free(tv.gid);
	return err;
}
