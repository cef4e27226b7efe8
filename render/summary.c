/* render/summary.c: the summary view: totals, a wall-time histogram, top commands and top subtrees. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "render/trace.h"
#include "formats/utf8.h"

#define NONE UINT32_MAX
#define NAME_MAX_SHOWN 32
#define CMDLINE_MAX_SHOWN 200
#define BAR_WIDTH 40

/*
 * Sums of times: one time is below 2^63 ns, but a sum of many is not
 * (hostile input, or CPU times of a huge build added per ancestor), and
 * wrapping around would print a small number. 128 bits hold any sum of
 * fewer than 2^32 images exactly.
 */
typedef unsigned __int128 ns_sum;

/*
 * An exec image is a node of the "who started whom" tree the subtree list
 * needs: its parent is the previous image of its process (an exec chain
 * such as env → make), or else the image its process inherited at fork time
 * (the parent's image then, through any fork-only processes). Images are
 * numbered process by process in order of appearance, so a parent always
 * has a smaller number than its children.
 */
struct image {
	uint64_t wall;    /* its span */
	/*
	 * CPU of the processes whose last image this is, or that inherited it:
	 * a sum, exact in 96 bits (cpu_hi counts the carries of cpu_lo). The
	 * subtree sums are not kept here but added up on the walk's stack.
	 */
	uint64_t cpu_lo;
	uint32_t cpu_hi;
	uint32_t name;    /* index into names */
	uint32_t parent;  /* NONE for a top image */
	bool topmost;     /* no image above it has the same name */
};

struct stat_row {
	const char *name;
	uint64_t count;
	ns_sum wall, cpu;
};

struct summary {
	const struct trace *t;
	struct image *img;
	size_t nimg;
	/* command names, interned; both arrays grow with the number of names */
	const char **names;
	uint32_t nnames;
	uint32_t *slots; /* open addressing: name index + 1, 0 = empty */
	size_t mask;
	struct stat_row *cmds, *subs;
	ns_sum total_wall, total_cpu;
	bool any_cpu;
};

/* argv[0]'s basename, else the filename's, else a Running's comm, else "(unknown)". */
static const char *command_name(const struct event *ev)
{
	const char *cands[2] = { NULL, NULL };

	if ((ev->flags & EVF_CMDLINE) && ev->u.exec.argc > 0 && ev->u.exec.argv)
		cands[0] = ev->u.exec.argv[0];
	if (ev->flags & EVF_FILENAME)
		cands[1] = ev->u.exec.filename;
	for (int i = 0; i < 2; i++) {
		const char *s = cands[i], *slash;

		if (!s)
			continue;
		slash = strrchr(s, '/');
		if (slash)
			s = slash + 1;
		if (*s)
			return s;
	}
	/* A Running without argv (a kernel thread): the comm is all there is. */
	if (ev->type == EV_RUNNING && (ev->flags & EVF_COMM) && *ev->u.running.argv[ev->u.running.argc])
		return ev->u.running.argv[ev->u.running.argc];
	return "(unknown)";
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* Double the name table (kept at most half full); returns 0 or -ENOMEM. */
static int grow_names(struct summary *s)
{
	size_t cap = (s->mask + 1) * 2;
	uint32_t *slots = calloc(cap, sizeof(*slots));
	const char **names = realloc(s->names, cap / 2 * sizeof(*names));

	if (names)
		s->names = names;
	if (!slots || !names) {
		free(slots);
		return -ENOMEM;
	}
	for (uint32_t n = 0; n < s->nnames; n++) {
		size_t i = hash_str(s->names[n]) & (cap - 1);

		while (slots[i])
			i = (i + 1) & (cap - 1);
		slots[i] = n + 1;
	}
	free(s->slots);
	s->slots = slots;
	s->mask = cap - 1;
	return 0;
}

/* The index of name in s->names, added if new; NONE if out of memory. */
static uint32_t intern(struct summary *s, const char *name)
{
	size_t i = hash_str(name) & s->mask;

	while (s->slots[i]) {
		if (!strcmp(s->names[s->slots[i] - 1], name))
			return s->slots[i] - 1;
		i = (i + 1) & s->mask;
	}
	if ((size_t)(s->nnames + 1) * 2 > s->mask + 1) {
		if (grow_names(s))
			return NONE;
		return intern(s, name);
	}
	s->names[s->nnames] = name;
	s->slots[i] = ++s->nnames;
	return s->nnames - 1;
}

static ns_sum proc_cpu(const struct proc *p, bool *known)
{
	if (!p->exit || !(p->exit->flags & EVF_RUSAGE))
		return 0;
	*known = true;
	return (ns_sum)p->exit->u.exit.user_ns + p->exit->u.exit.system_ns;
}

/*
 * The number of an image, NONE for none: its place in t->spans, which fits
 * 32 bits as trace_build() takes fewer than 2^32 events.
 */
static uint32_t image_of(const struct trace *t, const struct exec_span *span)
{
	return span ? (uint32_t)(span - t->spans) : NONE;
}

static ns_sum image_cpu(const struct image *im)
{
	return (ns_sum)im->cpu_hi << 64 | im->cpu_lo;
}

/* cpu (below 2^64: user + system of one process) added to im's exact sum. */
static void image_add_cpu(struct image *im, ns_sum cpu)
{
	ns_sum sum = image_cpu(im) + cpu;

	im->cpu_lo = (uint64_t)sum;
	im->cpu_hi = (uint32_t)(sum >> 64);
}

/* An image's subtree on the walk's stack: itself and everything below, so far. */
struct subtree {
	uint32_t g;
	uint64_t count;
	ns_sum wall, cpu;
};

/* Push image g on the walk's stack: its subtree starts as itself. */
static void enter(struct summary *s, struct subtree *stack, size_t *depth, size_t *active,
		  uint32_t g)
{
	struct image *im = &s->img[g];

	im->topmost = active[im->name]++ == 0;
	stack[(*depth)++] = (struct subtree){ .g = g, .count = 1, .wall = im->wall,
					     .cpu = image_cpu(im) };
}

static int build_images(struct summary *s)
{
	const struct trace *t = s->t;
	uint32_t *kids = NULL, *first = NULL, *cur = NULL;
	struct subtree *stack = NULL;
	size_t *active = NULL;
	int err = -ENOMEM;

	s->nimg = t->nspans;
	s->mask = 63;
	s->img = calloc(s->nimg + 1, sizeof(*s->img));
	s->names = calloc(s->mask + 1, sizeof(*s->names));
	s->slots = calloc(s->mask + 1, sizeof(*s->slots));
	if (!s->img || !s->names || !s->slots)
		goto cleanup;

	for (size_t k = 0; k < t->nprocs; k++) {
		const struct proc *p = &t->procs[k];
		bool known = false;
		ns_sum cpu = proc_cpu(p, &known);
		uint32_t last;

		for (uint32_t j = 0; j < p->nexec; j++) {
			uint32_t g = image_of(t, &p->execs[j]);
			struct image *im = &s->img[g];

			im->name = intern(s, command_name(p->execs[j].exec));
			if (im->name == NONE)
				goto cleanup;
			im->parent = j ? g - 1 : image_of(t, p->inherited);
			im->wall = p->execs[j].end - p->execs[j].start;
			s->total_wall += im->wall;
		}
		/* A fork-only process runs the image it inherited: its CPU is that command's. */
		last = image_of(t, p->nexec ? &p->execs[p->nexec - 1] : p->inherited);
		if (last != NONE)
			image_add_cpu(&s->img[last], cpu);
		s->total_cpu += cpu;
		s->any_cpu |= known;
	}

	s->cmds = calloc(s->nnames + 1, sizeof(*s->cmds));
	s->subs = calloc(s->nnames + 1, sizeof(*s->subs));
	if (!s->cmds || !s->subs)
		goto cleanup;

	/*
	 * One depth-first walk: topmost (no ancestor has the same name) keeps,
	 * per name, how many images on the current path have it; the subtree
	 * of an image is summed on the stack as its children are left, and a
	 * topmost one's goes to its name's row. Subtrees of the topmost images
	 * of a name never nest, so every exec below counts once per distinct
	 * command name among it and its ancestors. Children are grouped with a
	 * counting pass: kids[first[g]..first[g + 1]).
	 */
	first = calloc(s->nimg + 1, sizeof(*first));
	cur = malloc((s->nimg + 1) * sizeof(*cur));
	kids = malloc((s->nimg + 1) * sizeof(*kids));
	stack = malloc((s->nimg + 1) * sizeof(*stack));
	active = calloc(s->nnames + 1, sizeof(*active));
	if (!first || !cur || !kids || !stack || !active)
		goto cleanup;
	for (size_t g = 0; g < s->nimg; g++)
		if (s->img[g].parent != NONE)
			first[s->img[g].parent + 1]++;
	for (size_t g = 0; g < s->nimg; g++)
		first[g + 1] += first[g];
	memcpy(cur, first, (s->nimg + 1) * sizeof(*cur));
	for (size_t g = 0; g < s->nimg; g++)
		if (s->img[g].parent != NONE)
			kids[cur[s->img[g].parent]++] = (uint32_t)g;
	/* cur[g] becomes the next child of g to enter. */
	memcpy(cur, first, (s->nimg + 1) * sizeof(*cur));
	for (uint32_t r = 0; r < s->nimg; r++) {
		size_t depth = 0;

		if (s->img[r].parent != NONE)
			continue;
		enter(s, stack, &depth, active, r);
		while (depth) {
			struct subtree *top = &stack[depth - 1];
			struct image *im = &s->img[top->g];

			if (cur[top->g] < first[top->g + 1]) {
				enter(s, stack, &depth, active, kids[cur[top->g]++]);
				continue;
			}
			active[im->name]--;
			if (im->topmost) {
				struct stat_row *u = &s->subs[im->name];

				u->count += top->count;
				u->wall += top->wall;
				u->cpu += top->cpu;
			}
			if (--depth) {
				stack[depth - 1].count += top->count;
				stack[depth - 1].wall += top->wall;
				stack[depth - 1].cpu += top->cpu;
			}
		}
	}
	err = 0;
cleanup:
	free(first);
	free(cur);
	free(kids);
	free(stack);
	free(active);
	return err;
}

/* The command rows; the subtree rows were added up by build_images(). */
static void build_rows(struct summary *s)
{
	for (size_t i = 0; i < s->nnames; i++)
		s->cmds[i].name = s->subs[i].name = s->names[i];
	for (size_t g = 0; g < s->nimg; g++) {
		const struct image *im = &s->img[g];
		struct stat_row *c = &s->cmds[im->name];

		c->count++;
		c->wall += im->wall;
		c->cpu += image_cpu(im);
	}
}

static int cmp_sum(ns_sum a, ns_sum b)
{
	return a < b ? 1 : a > b ? -1 : 0; /* larger first */
}

static int cmp_rows(const struct stat_row *a, const struct stat_row *b, enum summary_sort key)
{
	int c = 0;

	if (key == SORT_TIME)
		c = cmp_sum(a->wall, b->wall);
	else if (key == SORT_CPU)
		c = cmp_sum(a->cpu, b->cpu);
	if (!c)
		c = cmp_sum(a->count, b->count);
	if (!c)
		c = cmp_sum(a->wall, b->wall);
	if (!c)
		c = cmp_sum(a->cpu, b->cpu);
	return c ? c : strcmp(a->name, b->name);
}

static int cmp_count(const void *a, const void *b) { return cmp_rows(a, b, SORT_COUNT); }
static int cmp_time(const void *a, const void *b) { return cmp_rows(a, b, SORT_TIME); }
static int cmp_cpu(const void *a, const void *b) { return cmp_rows(a, b, SORT_CPU); }

/* A duration, exact to the digit shown: "812 ns", "12.345 us", "1.234 ms", "2.345 s". */
static char *fmt_dur(char *buf, size_t len, ns_sum ns)
{
	char digits[48], *d = digits + sizeof(digits);
	ns_sum sec = ns / 1000000000;

	if (ns < 1000) {
		snprintf(buf, len, "%u ns", (unsigned)ns);
	} else if (ns < 1000000) {
		snprintf(buf, len, "%u.%03u us", (unsigned)(ns / 1000), (unsigned)(ns % 1000));
	} else if (ns < 1000000000) {
		snprintf(buf, len, "%u.%03u ms", (unsigned)(ns / 1000000),
			 (unsigned)(ns / 1000 % 1000));
	} else {
		/* printf has no 128-bit conversion */
		*--d = '\0';
		do {
			*--d = (char)('0' + (unsigned)(sec % 10));
			sec /= 10;
		} while (sec);
		snprintf(buf, len, "%s.%03u s", d, (unsigned)(ns / 1000000 % 1000));
	}
	return buf;
}

/*
 * Copy name for a table cell into buf (len bytes, at least 4 * NAME_MAX_SHOWN
 * + 4): control characters become '?', bytes that are not UTF-8 U+FFFD, and
 * a name wider than NAME_MAX_SHOWN columns is cut to fit with "...". *cols
 * is how many columns a terminal gives the cell: the table is padded by
 * that, not by bytes.
 */
static char *fmt_name(char *buf, size_t len, const char *name, int *cols)
{
	const unsigned char *u = (const unsigned char *)name;
	size_t n = 0, cut = 0, left = strlen(name);
	int w = 0, cut_w = 0;

	while (left) {
		uint32_t c;
		size_t used = utf8_decode(u, left, &c);
		int cw;

		if (utf8_is_control(c))
			c = '?';
		cw = utf8_width(c);
		if (w + cw > NAME_MAX_SHOWN || n + 8 > len) {
			/* Too wide: cut after the longest start that leaves room for "...". */
			memcpy(buf + cut, "...", 4);
			*cols = cut_w + 3;
			return buf;
		}
		n += utf8_encode(buf + n, c);
		w += cw;
		if (w <= NAME_MAX_SHOWN - 3) {
			cut = n;
			cut_w = w;
		}
		u += used;
		left -= used;
	}
	buf[n] = 0;
	*cols = w;
	return buf;
}

static void put_arg(struct sbuf *b, const char *a)
{
	bool plain = *a != 0;

	for (const char *p = a; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-",
			    *p))
			plain = false;
	if (sbuf_reserve(b, 4 * strlen(a) + 4))
		return;
	if (!plain)
		b->buf[b->len++] = '\'';
	for (; *a; a++) {
		if (*a == '\'') {
			memcpy(b->buf + b->len, "'\\''", 4);
			b->len += 4;
		} else {
			b->buf[b->len++] = (unsigned char)*a < 0x20 || *a == 0x7f ? '?' : *a;
		}
	}
	if (!plain)
		b->buf[b->len++] = '\'';
}

/* The command line, shell-quoted so it can be read (and pasted) unambiguously. */
static void print_cmdline(FILE *out, const char *const *argv, uint32_t argc)
{
	struct sbuf b = { 0 };

	for (uint32_t i = 0; i < argc && argv; i++) {
		if (i && !sbuf_reserve(&b, 1))
			b.buf[b.len++] = ' ';
		put_arg(&b, argv[i] ? argv[i] : "");
		if (b.len > CMDLINE_MAX_SHOWN)
			break;
	}
	if (!b.len) {
		fputs("(unknown)\n", out);
	} else if (b.len > CMDLINE_MAX_SHOWN) {
		size_t n = CMDLINE_MAX_SHOWN;

		while (n && ((unsigned char)b.buf[n] & 0xc0) == 0x80)
			n--;
		fprintf(out, "%.*s...\n", (int)n, b.buf);
	} else {
		fprintf(out, "%.*s\n", (int)b.len, b.buf);
	}
	sbuf_free(&b);
}

static void print_header(FILE *out, const struct summary *s, uint64_t wall)
{
	const struct trace *t = s->t;
	const struct recording *rec = t->rec;
	const struct proc *root = t->root;
	uint64_t noexec = 0, execs = 0, bad = 0, running = 0;
	char d[48], d2[48], d3[48];

	/*
	 * The root's first argv is what the header's command became (exec
	 * keeps argv), and it stays right under --pid; the header is the
	 * fallback for a root whose exec failed.
	 */
	fputs("command:          ", out);
	if (root && root->nexec && (root->execs[0].exec->flags & EVF_CMDLINE) &&
	    root->execs[0].exec->u.exec.argc)
		print_cmdline(out, root->execs[0].exec->u.exec.argv,
			      root->execs[0].exec->u.exec.argc);
	else if (t->root_is_recorded && rec->has_header && rec->hdr.command_len)
		print_cmdline(out, rec->hdr.command, rec->hdr.command_len);
	else if (root && root->nexec && (root->execs[0].exec->flags & EVF_FILENAME))
		print_cmdline(out, &root->execs[0].exec->u.exec.filename, 1);
	else if (!root && rec->has_header && rec->hdr.system_wide)
		fputs("(every process of the machine: record --all)\n", out);
	else
		fputs("(unknown)\n", out);
	if (t->nroots > 1)
		fprintf(out, "                  (and %zu other top-level process%s)\n", t->nroots - 1,
			t->nroots == 2 ? "" : "es");

	for (size_t k = 0; k < t->nprocs; k++) {
		/* A Running is the image a process had at the start, not an exec. */
		running += t->procs[k].running;
		noexec += t->procs[k].nexec == 0;
		execs += t->procs[k].nexec - t->procs[k].running;
		bad += t->procs[k].nbadexec;
	}
	fprintf(out, "wall time:        %s\n", fmt_dur(d, sizeof(d), wall));
	fprintf(out, "processes:        %zu (forks without exec: %" PRIu64 ")\n", t->nprocs, noexec);
	if (running)
		fprintf(out, "                  (%" PRIu64 " already running at the start: their wall and CPU\n"
			"                  count from the recording's start)\n", running);
	/* A recording made without --failed-execs has none: say so rather than 0. */
	if (rec->has_header && rec->hdr.has_failed_execs && !rec->hdr.failed_execs)
		fprintf(out, "execs:            %" PRIu64 " (failed execs: not recorded, use --failed-execs)\n",
			execs);
	else
		fprintf(out, "execs:            %" PRIu64 " (failed: %" PRIu64 ")\n", execs, bad);
	if (s->any_cpu) {
		ns_sum user = 0, sys = 0;

		for (size_t k = 0; k < t->nprocs; k++) {
			const struct event *x = t->procs[k].exit;

			if (x && (x->flags & EVF_RUSAGE)) {
				user += x->u.exit.user_ns;
				sys += x->u.exit.system_ns;
			}
		}
		fprintf(out, "cpu time:         %s (user %s, system %s)\n",
			fmt_dur(d, sizeof(d), s->total_cpu), fmt_dur(d2, sizeof(d2), user),
			fmt_dur(d3, sizeof(d3), sys));
	} else {
		fputs("cpu time:         unknown (the recording has no CPU times)\n", out);
	}

	fputs("exit status:      ", out);
	if (root && root->exit && (root->exit->flags & EVF_STATUS)) {
		const struct event *x = root->exit;

		if (x->flags & EVF_SIGNALED) {
			const char *name = sigabbrev_np(x->u.exit.code);

			fprintf(out, "killed by signal %d%s%s%s\n", x->u.exit.code,
				name ? " (SIG" : "", name ? name : "", name ? ")" : "");
			if (x->flags & EVF_CORE)
				fputs("                  (core dumped)\n", out);
		} else {
			fprintf(out, "%d\n", x->u.exit.code);
		}
	} else if (t->root_is_recorded && rec->has_end && rec->end.has_exit_code) {
		fprintf(out, "%d\n", rec->end.exit_code);
	} else {
		fputs("unknown\n", out);
	}

	if (!rec->has_end)
		fputs("lost events:      unknown (no End line: the recording may be incomplete)\n", out);
	else if (rec->end.lost)
		fprintf(out, "lost events:      %" PRIu64 " (the recording is incomplete)\n",
			rec->end.lost);
	else
		fputs(rec->end.has_lost ? "lost events:      0\n" : "lost events:      unknown (not in the End line)\n", out);
}

static int cmp_key(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The most processes alive at once. Starts and ends are placed on the
 * event order (key 2i+1 for event i), so a process that exits just before
 * another is forked is not counted with it even at the same timestamp. A
 * process ended because its pid was reused (its Exit lost) ends just
 * before the first event at that time (key 2i); one that ran to the end of
 * the recording never ends.
 */
static int peak_concurrency(const struct trace *t, uint64_t *peak)
{
	const struct recording *rec = t->rec;
	uint64_t *starts, *ends, live = 0;
	size_t nends = 0;

	*peak = 0;
	starts = malloc((t->nprocs + 1) * sizeof(*starts));
	ends = malloc((t->nprocs + 1) * sizeof(*ends));
	if (!starts || !ends) {
		free(starts);
		free(ends);
		return -ENOMEM;
	}
	for (size_t k = 0; k < t->nprocs; k++) {
		const struct proc *p = &t->procs[k];

		starts[k] = 2 * (uint64_t)trace_creation_event(t, p) + 1;
		if (p->exit) {
			ends[nends++] = 2 * (uint64_t)(p->exit - rec->ev) + 1;
		} else if (p->end < t->end) {
			size_t lo = 0, hi = rec->n;

			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;

				if (rec->ev[mid].ts < p->end)
					lo = mid + 1;
				else
					hi = mid;
			}
			ends[nends++] = 2 * (uint64_t)lo;
		}
	}
	qsort(starts, t->nprocs, sizeof(*starts), cmp_key);
	qsort(ends, nends, sizeof(*ends), cmp_key);
	for (size_t i = 0, j = 0; i < t->nprocs; i++) {
		while (j < nends && ends[j] < starts[i]) {
			j++;
			live--;
		}
		live++;
		if (live > *peak)
			*peak = live;
	}
	free(starts);
	free(ends);
	return 0;
}

static const char *bucket_label(char *buf, size_t len, unsigned k)
{
	static const char *const units[] = { "ns", "us", "ms", "s" };
	unsigned u = k / 3 < 3 ? k / 3 : 3;
	uint64_t v = 1;

	for (unsigned i = u * 3; i < k; i++)
		v *= 10;
	snprintf(buf, len, "%" PRIu64 "%s", v, units[u]);
	return buf;
}

/* Wall time of every process that exited, on a power-of-10 ns scale. */
static void print_histogram(FILE *out, const struct trace *t)
{
	uint64_t count[21] = { 0 }, max = 0, left = 0;
	unsigned lo = 21, hi = 0;
	char a[24], b[24], bar[BAR_WIDTH + 1];

	for (size_t k = 0; k < t->nprocs; k++) {
		const struct proc *p = &t->procs[k];
		uint64_t d = p->end - p->start;
		unsigned i = 0;

		if (!p->exit) {
			left++;
			continue;
		}
		while (d >= 10) {
			d /= 10;
			i++;
		}
		count[i]++;
	}
	for (unsigned i = 0; i < 21; i++) {
		if (!count[i])
			continue;
		lo = i < lo ? i : lo;
		hi = i;
		max = count[i] > max ? count[i] : max;
	}
	fputs("\nwall time per process (power-of-10 ns buckets)\n", out);
	if (lo > hi)
		fputs("  (no process exited)\n", out);
	for (unsigned i = lo; i <= hi && lo <= hi; i++) {
		size_t w = count[i] ? (size_t)((count[i] * BAR_WIDTH + max - 1) / max) : 0;

		memset(bar, '#', w);
		bar[w] = 0;
		fprintf(out, "  %6s..%-6s %8" PRIu64 " |%s\n", bucket_label(a, sizeof(a), i),
			bucket_label(b, sizeof(b), i + 1), count[i], bar);
	}
	if (left)
		fprintf(out, "  (%" PRIu64 " process%s with no Exit left out)\n", left,
			left == 1 ? "" : "es");
}

static double rate_v(uint64_t count, uint64_t wall)
{
	return (double)count * 1e9 / (double)wall;
}

static void print_table(FILE *out, const char *what, struct stat_row *rows, size_t n,
			const struct summary *s, const struct render_opts *o, uint64_t wall)
{
	static const char *const keys[] = { "count", "wall time", "cpu" };
	int (*cmp)(const void *, const void *) =
		o->sort == SORT_TIME ? cmp_time : o->sort == SORT_CPU ? cmp_cpu : cmp_count;
	size_t shown = n < o->top ? n : o->top;
	int width = 7, cols;
	uint64_t total = s->nimg;
	char name[4 * NAME_MAX_SHOWN + 4], d[48], c[48], rate[32], cpct[16], wpct[16];

	qsort(rows, n, sizeof(*rows), cmp);
	for (size_t i = 0; i < shown; i++) {
		fmt_name(name, sizeof(name), rows[i].name, &cols);
		width = cols > width ? cols : width;
	}
	if (!shown) {
		fprintf(out, "\ntop %s\n  (no exec recorded)\n", what);
		return;
	}
	fprintf(out, "\ntop %zu %s by %s (of %zu)\n", shown, what,
		keys[o->sort <= SORT_CPU ? o->sort : 0], n);
	fprintf(out, "  %-*s %8s (%5s) %10s %12s (%5s) %12s\n", width, "COMMAND", "COUNT", "%",
		"RATE/s", "WALL", "%", "CPU");
	for (size_t i = 0; i < shown; i++) {
		const struct stat_row *r = &rows[i];

		snprintf(cpct, sizeof(cpct), "%5.1f", total ? 100.0 * (double)r->count / (double)total : 0);
		snprintf(wpct, sizeof(wpct), "%5.1f",
			 s->total_wall ? 100.0 * (double)r->wall / (double)s->total_wall : 0);
		if (wall)
			snprintf(rate, sizeof(rate), rate_v(r->count, wall) < 1e5 ? "%.2f" : "%.0f",
				 rate_v(r->count, wall));
		else
			snprintf(rate, sizeof(rate), "-");
		fmt_name(name, sizeof(name), r->name, &cols);
		/* printf pads by bytes: pad by columns instead */
		fprintf(out, "  %s%*s %8" PRIu64 " (%s) %10s %12s (%s) %12s\n", name, width - cols, "",
			r->count, cpct, rate,
			fmt_dur(d, sizeof(d), r->wall), wpct,
			s->any_cpu ? fmt_dur(c, sizeof(c), r->cpu) : "-");
	}
}

int render_summary(FILE *out, const struct trace *t, const struct render_opts *o)
{
	struct render_opts opts = *o;
	struct summary s = { .t = t };
	uint64_t wall = 0, peak = 0, first = UINT64_MAX, last = 0;
	int err;

	if (!opts.top)
		opts.top = 10;
	for (size_t k = 0; k < t->nprocs; k++) {
		first = t->procs[k].start < first ? t->procs[k].start : first;
		last = t->procs[k].end > last ? t->procs[k].end : last;
	}
	if (t->nprocs)
		wall = last - first;
	err = build_images(&s);
	if (err)
		goto cleanup;
	build_rows(&s);
	err = peak_concurrency(t, &peak);
	if (err)
		goto cleanup;

	print_header(out, &s, wall);
	fprintf(out, "peak concurrency: %" PRIu64 "\n", peak);
	print_histogram(out, t);
	print_table(out, "commands", s.cmds, s.nnames, &s, &opts, wall);
	print_table(out, "subtrees", s.subs, s.nnames, &s, &opts, wall);
	if (ferror(out))
		err = -EIO;
cleanup:
	free(s.img);
	free(s.names);
	free(s.slots);
	free(s.cmds);
	free(s.subs);
	return err;
}
