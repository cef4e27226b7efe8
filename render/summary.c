/* render/summary.c: the summary view: an accumulator of events (render/summary.h), printed as text or JSON. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "formats/qsort.h"
#include "render/summary.h"
#include "render/status.h"
#include "render/syscalls.h"
#include "formats/utf8.h"

#define NONE UINT32_MAX
#define NAME_MAX_SHOWN 32
#define CMDLINE_MAX_SHOWN 200
#define BAR_WIDTH 40
#define HIST_BUCKETS 21
/*
 * How many ancestor images the subtree lists look through: a chain of
 * processes deeper than this (real trees are a few dozen deep) counts its
 * deepest execs in the subtrees of their nearest ancestors only, so that a
 * hostile chain of forks cannot make the summary quadratic.
 */
#define WALK_MAX 1024
/* The concurrency table shows at most this many lines; more levels are grouped. */
#define LEVEL_LINES 16

/*
 * Sums of times: one time is below 2^63 ns, but a sum of many is not
 * (hostile input, or CPU times of a huge build added per ancestor), and
 * wrapping around would print a small number.
 */
typedef unsigned __int128 ns_sum;

/* An argv as text (shell-quoted, cut), shared by a process and the children that inherit it. */
struct rstr {
	uint32_t refs;
	char s[];
};

/*
 * A process while it lives, or while a descendant's record still needs it
 * (the subtree lists walk up through it): refs counts its being alive and
 * its children's records.
 */
struct sproc {
	struct sproc *parent;
	uint32_t *names;        /* the command names of its images so far */
	uint32_t nimg, capimg;
	uint32_t parent_nimg;   /* the parent's images at the fork: those above ours */
	uint32_t inh_name;      /* the command it runs until it execs (NONE) */
	uint32_t refs;
	uint32_t live_children;
	uint32_t pending_bad;   /* failed execs since its last exec */
	int32_t pid;
	uint64_t start, img_start;
	struct rstr *argv;      /* its current image's argv (inherited before it execs) */
	bool alive, desc_failed, is_root;
	bool has_fork;          /* its Fork was seen */
	bool running;           /* a Running said it was there before the recording */
	bool any_bad;           /* a failed exec of it was seen */
};

/* One command name: its row in the top commands and in the top subtrees. */
struct row {
	char *name;
	uint64_t count;         /* images of it: execs, and Runnings (already running) */
	ns_sum own;             /* its ended images' own time, added up */
	ns_sum active_starts;   /* the start times of its running images, added up */
	uint64_t elapsed;       /* time covered by at least one of its images (ended stretches) */
	uint64_t since;         /* while active: when the current stretch began */
	uint64_t stretch_end;   /* when the last ended stretch ended */
	uint32_t active;        /* its images running now */
	ns_sum cpu;             /* CPU of the processes it names */
	/* the subtrees: its images and every image below one, counted once */
	uint64_t sub_count;
	ns_sum sub_cpu;
	uint64_t sub_elapsed, sub_since, sub_stretch_end;  /* time covered by an image of the subtree */
	uint32_t sub_active;
	uint64_t stamp;         /* the walk that last counted it */
};

struct failure {
	struct rstr *argv;
	uint32_t name, parent_name;
	int32_t pid;
	int code;
	bool signaled, core, own;
	bool forked, parent_forked; /* never exec'd: named "(fork) NAME" */
	uint64_t start, wall;
};

struct slow {
	struct rstr *argv;
	uint32_t name;
	bool forked;
	int32_t pid;
	struct proc_status st;
	uint64_t start, wall;
};

struct summary {
	struct summary_opts o;
	/* pid -> the live process holding it (open addressing, linear probing) */
	struct sproc **map;
	size_t map_mask, map_used;
	/* command names, interned */
	struct row *rows;
	uint32_t nrows, caprows;
	uint32_t *slots;        /* name index + 1, 0 = empty */
	size_t slot_mask;
	uint64_t walk;
	/* the header */
	bool has_header, fe_known, fe_recorded;
	char *hdr_command;
	bool system_wide;      /* the header says record --all */
	uint64_t nrunning;     /* processes already running at the start (Running) */
	/* the root */
	bool root_seen, root_ended, root_has_status;
	char *root_cmd;
	struct proc_status root_st;
	/* totals */
	bool started, any_cpu;
	uint64_t first_ts, last_ts, last_end;
	/* the run's start: the first event, or the start of a process already running (<= first_ts) */
	uint64_t run_start;
	uint64_t nprocs, nroots, noexec, execs;
	uint64_t images;        /* execs, and the images of processes already running */
	uint64_t bad_miss, bad_real, bad_pending;
	ns_sum cpu_user, cpu_sys;
	/* concurrency: alive = forked and not ended; running = alive with no live child */
	uint64_t alive, running, peak_alive;
	uint64_t *level_ns;     /* time with i processes running */
	size_t nlevels;
	ns_sum alive_ns, running_ns;
	uint64_t busy_ns;       /* time with a process alive: the levels' total */
	/* lifetimes of the processes that exited: hist[0] is 0 ns, hist[1 + k] 10^k..10^(k+1) ns */
	uint64_t hist[HIST_BUCKETS + 1];
	uint64_t no_exit;
	struct failure *fails;
	size_t nfails, capfails;
	struct slow *slow;      /* a min-heap of the top slowest */
	size_t nslow;
	/* the End line */
	bool has_end, end_has_lost, end_has_code;
	uint64_t end_lost;
	int end_code;
};

/* --- small things ------------------------------------------------------------ */

static struct rstr *rstr_ref(struct rstr *r)
{
	if (r)
		r->refs++;
	return r;
}

static void rstr_put(struct rstr *r)
{
	if (r && !--r->refs)
		free(r);
}

static const char *rstr_s(const struct rstr *r)
{
	return r ? r->s : "(unknown)";
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
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

/*
 * The command line, shell-quoted so it can be read (and pasted)
 * unambiguously, cut after CMDLINE_MAX_SHOWN bytes with "...". NULL if out
 * of memory; "(unknown)" for an empty one.
 */
static struct rstr *cmdline_text(const char *const *argv, uint32_t argc)
{
	struct sbuf b = { 0 };
	struct rstr *r;
	size_t n;

	for (uint32_t i = 0; i < argc && argv; i++) {
		if (i && !sbuf_reserve(&b, 1))
			b.buf[b.len++] = ' ';
		put_arg(&b, argv[i] ? argv[i] : "");
		if (b.len > CMDLINE_MAX_SHOWN)
			break;
	}
	n = b.len;
	if (n > CMDLINE_MAX_SHOWN) {
		n = CMDLINE_MAX_SHOWN;
		while (n && ((unsigned char)b.buf[n] & 0xc0) == 0x80)
			n--;
	}
	r = malloc(sizeof(*r) + (n ? n : 9) + 4);
	if (r) {
		r->refs = 1;
		if (!n)
			strcpy(r->s, "(unknown)");
		else
			memcpy(r->s, b.buf, n), strcpy(r->s + n, b.len > n ? "..." : "");
	}
	sbuf_free(&b);
	return r;
}

/* A Running's comm in brackets, as ps shows a process without argv (a kernel thread). */
static struct rstr *comm_text(const char *comm)
{
	size_t n = strnlen(comm, CMDLINE_MAX_SHOWN);
	struct rstr *r = malloc(sizeof(*r) + n + 3);

	if (!r)
		return NULL;
	r->refs = 1;
	r->s[0] = '[';
	for (size_t i = 0; i < n; i++)
		r->s[i + 1] = (unsigned char)comm[i] < 0x20 || comm[i] == 0x7f ? '?' : comm[i];
	memcpy(r->s + n + 1, "]", 2);
	return r;
}

/* An Exec's (or a Running's) argv as text: its cmdline, else its filename, else a Running's comm. */
static struct rstr *exec_text(const struct event *ev)
{
	if ((ev->flags & EVF_CMDLINE) && ev->u.exec.argc && ev->u.exec.argv)
		return cmdline_text(ev->u.exec.argv, ev->u.exec.argc);
	if ((ev->flags & EVF_FILENAME) && ev->u.exec.filename)
		return cmdline_text(&ev->u.exec.filename, 1);
	if (ev->type == EV_RUNNING && (ev->flags & EVF_COMM) && ev->u.running.argv &&
	    ev->u.running.argv[ev->u.running.argc])
		return comm_text(ev->u.running.argv[ev->u.running.argc]);
	return cmdline_text(NULL, 0);
}

char *summary_cmdline(const struct event *exec)
{
	struct rstr *r = exec ? exec_text(exec) : cmdline_text(NULL, 0);
	char *text = r ? strdup(r->s) : NULL;

	rstr_put(r);
	return text;
}

/* --- command names ------------------------------------------------------------ */

static int grow_slots(struct summary *s)
{
	size_t cap = s->slot_mask ? (s->slot_mask + 1) * 2 : 64;
	uint32_t *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (uint32_t n = 0; n < s->nrows; n++) {
		size_t i = hash_str(s->rows[n].name) & (cap - 1);

		while (slots[i])
			i = (i + 1) & (cap - 1);
		slots[i] = n + 1;
	}
	free(s->slots);
	s->slots = slots;
	s->slot_mask = cap - 1;
	return 0;
}

/* The index of name's row, added (name copied) if new; NONE if out of memory. */
static uint32_t intern(struct summary *s, const char *name)
{
	size_t i;

	if (((size_t)s->nrows + 1) * 2 > s->slot_mask + 1 && grow_slots(s))
		return NONE;
	i = hash_str(name) & s->slot_mask;
	while (s->slots[i]) {
		if (!strcmp(s->rows[s->slots[i] - 1].name, name))
			return s->slots[i] - 1;
		i = (i + 1) & s->slot_mask;
	}
	if (s->nrows == s->caprows) {
		uint32_t cap = s->caprows ? s->caprows * 2 : 64;
		struct row *r = realloc(s->rows, cap * sizeof(*r));

		if (!r)
			return NONE;
		s->rows = r;
		s->caprows = cap;
	}
	memset(&s->rows[s->nrows], 0, sizeof(s->rows[0]));
	s->rows[s->nrows].name = strdup(name);
	if (!s->rows[s->nrows].name)
		return NONE;
	s->slots[i] = ++s->nrows;
	return s->nrows - 1;
}

static const char *name_s(const struct summary *s, uint32_t n)
{
	return n == NONE ? "(unknown)" : s->rows[n].name;
}

static uint32_t proc_name(const struct sproc *p)
{
	return p->nimg ? p->names[p->nimg - 1] : p->inh_name;
}

/* p forked and never exec'd: the lists name it as trace_proc_name() does, "(fork) NAME". */
static bool proc_forked(const struct sproc *p)
{
	return !p->nimg && p->inh_name != NONE;
}

/* A process's name in the lists: its command, "(fork) " before it if it never exec'd. */
static const char *list_name(const struct summary *s, uint32_t n, bool forked, char *buf,
			     size_t len)
{
	return forked && n != NONE ? trace_fork_name(s->rows[n].name, buf, len) : name_s(s, n);
}

/* --- live processes by pid ------------------------------------------------------ */

static size_t map_slot(const struct summary *s, int32_t pid)
{
	size_t i = ((uint32_t)pid * 0x9E3779B1u) & s->map_mask;

	while (s->map[i] && s->map[i]->pid != pid)
		i = (i + 1) & s->map_mask;
	return i;
}

static struct sproc *map_get(const struct summary *s, int32_t pid)
{
	return s->map[map_slot(s, pid)];
}

static int map_put(struct summary *s, struct sproc *p)
{
	size_t i;

	if ((s->map_used + 1) * 2 > s->map_mask + 1) {
		size_t ocap = s->map_mask + 1, cap = ocap * 2;
		struct sproc **old = s->map, **m = calloc(cap, sizeof(*m));

		if (!m)
			return -ENOMEM;
		s->map = m;
		s->map_mask = cap - 1;
		for (size_t k = 0; k < ocap; k++)
			if (old[k])
				s->map[map_slot(s, old[k]->pid)] = old[k];
		free(old);
	}
	i = map_slot(s, p->pid);
	if (!s->map[i])
		s->map_used++;
	s->map[i] = p;
	return 0;
}

/* Remove pid's entry; later entries of its probe run move back (no tombstones). */
static void map_del(struct summary *s, int32_t pid)
{
	size_t i = map_slot(s, pid), j = i;

	if (!s->map[i])
		return;
	s->map[i] = NULL;
	s->map_used--;
	for (;;) {
		size_t home;

		j = (j + 1) & s->map_mask;
		if (!s->map[j])
			return;
		home = ((uint32_t)s->map[j]->pid * 0x9E3779B1u) & s->map_mask;
		/* move it back unless its home lies cyclically in (i, j] */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		s->map[i] = s->map[j];
		s->map[j] = NULL;
		i = j;
	}
}

static void unref(struct sproc *p)
{
	while (p && !--p->refs) {
		struct sproc *q = p->parent;

		rstr_put(p->argv);
		free(p->names);
		free(p);
		p = q;
	}
}

/* --- accumulating ----------------------------------------------------------------- */

/* The clock moves to ts: the time since the last event is spent at the current levels. */
static int tick(struct summary *s, uint64_t ts)
{
	uint64_t d;

	if (!s->started) {
		s->started = true;
		s->first_ts = s->last_ts = s->run_start = ts;
		return 0;
	}
	if (ts <= s->last_ts)
		return 0;
	d = ts - s->last_ts;
	s->last_ts = ts;
	/* the run is the time some process is alive: a gap before or after counts for nothing */
	if (!s->alive)
		return 0;
	s->busy_ns += d;
	if (s->running >= s->nlevels) {
		size_t n = s->nlevels ? s->nlevels : 16;
		uint64_t *l;

		while (n <= s->running)
			n *= 2;
		l = realloc(s->level_ns, n * sizeof(*l));
		if (!l)
			return -ENOMEM;
		memset(l + s->nlevels, 0, (n - s->nlevels) * sizeof(*l));
		s->level_ns = l;
		s->nlevels = n;
	}
	s->level_ns[s->running] += d;
	s->alive_ns += (ns_sum)s->alive * d;
	s->running_ns += (ns_sum)s->running * d;
	return 0;
}

/*
 * Call fn on the row of every distinct command name among p's first nimg
 * images and the images above them (its parent's up to the fork, and so on
 * up), each once. Returns whether name was among them.
 */
static bool walk_up(struct summary *s, const struct sproc *p, uint32_t nimg, uint32_t name,
		    void (*fn)(struct row *, const void *), const void *arg)
{
	uint64_t gen = ++s->walk;
	bool found = false;
	unsigned seen = 0;

	for (; p && seen < WALK_MAX; nimg = p->parent_nimg, p = p->parent) {
		for (uint32_t i = nimg; i-- > 0 && seen < WALK_MAX; seen++) {
			struct row *r = &s->rows[p->names[i]];

			if (r->stamp == gen)
				continue;
			r->stamp = gen;
			found |= p->names[i] == name;
			if (fn)
				fn(r, arg);
		}
	}
	return found;
}

/*
 * One more image of a list's row is active from at: the stretch of time
 * covered by at least one of them begins then, or earlier than the one
 * running began. at is before now only for a process already running (its
 * Running is seen after its start): the time since the last stretch ended
 * is counted, what lies before it is taken as counted already (exact
 * unless stretches ended between at and now).
 */
static void stretch_begin(uint32_t *active, uint64_t *since, uint64_t stretch_end, uint64_t at)
{
	uint64_t from = at > stretch_end ? at : stretch_end;

	if (!(*active)++ || from < *since)
		*since = from;
}

static void stretch_finish(uint32_t *active, uint64_t since, uint64_t *elapsed, uint64_t *stretch_end,
			   uint64_t ts)
{
	if (!--*active) {
		*elapsed += ts - since;
		*stretch_end = ts;
	}
}

/* An image in the subtree of r starts at *ts: counted, and r's subtree is active. */
static void sub_start(struct row *r, const void *arg)
{
	r->sub_count++;
	stretch_begin(&r->sub_active, &r->sub_since, r->sub_stretch_end, *(const uint64_t *)arg);
}

/* The same without counting it: an image that goes on after summary_clear(). */
static void sub_resume(struct row *r, const void *arg)
{
	stretch_begin(&r->sub_active, &r->sub_since, r->sub_stretch_end, *(const uint64_t *)arg);
}

static void sub_end(struct row *r, const void *arg)
{
	stretch_finish(&r->sub_active, r->sub_since, &r->sub_elapsed, &r->sub_stretch_end,
		       *(const uint64_t *)arg);
}

static void add_sub_cpu(struct row *r, const void *arg)
{
	r->sub_cpu += *(const ns_sum *)arg;
}

/* p's current image ends at ts (an exec replaces it, or p ends). */
static void image_end(struct summary *s, struct sproc *p, uint64_t ts)
{
	struct row *r;

	if (!p->nimg)
		return;
	r = &s->rows[p->names[p->nimg - 1]];
	r->own += ts - p->img_start;
	r->active_starts -= p->img_start;
	stretch_finish(&r->active, r->since, &r->elapsed, &r->stretch_end, ts);
	walk_up(s, p, p->nimg, NONE, sub_end, &ts);
}

static int proc_new(struct summary *s, int32_t pid, struct sproc *parent, uint64_t ts,
		    struct sproc **out)
{
	struct sproc *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return -ENOMEM;
	p->pid = pid;
	err = map_put(s, p);
	if (err) {
		free(p);
		return err;
	}
	p->refs = 1;
	p->alive = true;
	p->start = ts;
	p->inh_name = NONE;
	if (parent) {
		p->parent = parent;
		parent->refs++;
		p->parent_nimg = parent->nimg;
		p->inh_name = proc_name(parent);
		p->argv = rstr_ref(parent->argv);
		if (parent->alive && !parent->live_children++)
			s->running--;
	} else {
		s->nroots++;
	}
	if (!s->root_seen && (s->o.root_pid == 0 || s->o.root_pid == pid))
		p->is_root = s->root_seen = true;
	s->nprocs++;
	s->noexec++;
	s->alive++;
	s->running++;
	if (s->alive > s->peak_alive)
		s->peak_alive = s->alive;
	*out = p;
	return 0;
}

/* The top-N slowest: a min-heap on (wall, then later start) so that its root is the first to go. */
static bool slow_less(const struct slow *a, const struct slow *b)
{
	if (a->wall != b->wall)
		return a->wall < b->wall;
	if (a->start != b->start)
		return a->start > b->start;
	return a->pid > b->pid;
}

static void slow_down(struct slow *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct slow tmp;

		if (l < n && slow_less(&h[l], &h[m]))
			m = l;
		if (r < n && slow_less(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		tmp = h[i];
		h[i] = h[m];
		h[m] = tmp;
		i = m;
	}
}

static void slow_add(struct summary *s, const struct slow *x)
{
	if (s->nslow < s->o.top) {
		size_t i = s->nslow++;

		s->slow[i] = *x;
		rstr_ref(x->argv);
		while (i && slow_less(&s->slow[i], &s->slow[(i - 1) / 2])) {
			struct slow tmp = s->slow[i];

			s->slow[i] = s->slow[(i - 1) / 2];
			s->slow[(i - 1) / 2] = tmp;
			i = (i - 1) / 2;
		}
	} else if (s->nslow && slow_less(&s->slow[0], x)) {
		rstr_put(s->slow[0].argv);
		s->slow[0] = *x;
		rstr_ref(x->argv);
		slow_down(s->slow, s->nslow, 0);
	}
}

/* How an Exit says a process ended (x NULL: no Exit, ended by the recording or a reused pid). */
static void exit_status(const struct event *x, bool by_recording, struct proc_status *st)
{
	*st = (struct proc_status){ .outcome = by_recording ? OUTCOME_RUNNING : OUTCOME_UNKNOWN };
	if (!x)
		return;
	st->outcome = OUTCOME_UNKNOWN;
	if (x->flags & EVF_RUSAGE) {
		st->has_rusage = true;
		st->user_ns = x->u.exit.user_ns;
		st->system_ns = x->u.exit.system_ns;
		st->max_rss_kb = x->u.exit.max_rss_kb;
	}
	if (!(x->flags & EVF_STATUS))
		return;
	st->code = x->u.exit.code;
	if (x->flags & EVF_SIGNALED) {
		st->outcome = OUTCOME_KILLED;
		st->core = x->flags & EVF_CORE;
	} else {
		st->outcome = st->code ? OUTCOME_FAILED : OUTCOME_OK;
	}
}

/* p ends at ts: x is its Exit, or NULL (its pid was taken again, or the recording ended). */
static int proc_end(struct summary *s, struct sproc *p, uint64_t ts, const struct event *x,
		    bool by_recording)
{
	uint64_t wall = ts - p->start;
	struct proc_status st;
	unsigned k = 0;

	exit_status(x, by_recording, &st);
	image_end(s, p, ts);
	s->bad_real += p->pending_bad;
	s->bad_pending -= p->pending_bad;
	p->pending_bad = 0;
	if (ts > s->last_end)
		s->last_end = ts;
	if (st.has_rusage) {
		ns_sum cpu = (ns_sum)st.user_ns + st.system_ns;
		uint32_t name = proc_name(p);

		s->any_cpu = true;
		s->cpu_user += st.user_ns;
		s->cpu_sys += st.system_ns;
		if (name != NONE)
			s->rows[name].cpu += cpu;
		walk_up(s, p, p->nimg, NONE, add_sub_cpu, &cpu);
	}
	if (x) {
		for (uint64_t d = wall; d; d /= 10)
			k++;
		/* k digits: 10^(k-1)..10^k ns, bucket k; 0 ns is bucket 0 */
		s->hist[k < HIST_BUCKETS ? k : HIST_BUCKETS]++;
	} else {
		s->no_exit++;
	}
	if (proc_failed(&st)) {
		struct failure *f;

		if (s->nfails == s->capfails) {
			size_t cap = s->capfails ? s->capfails * 2 : 16;

			f = realloc(s->fails, cap * sizeof(*f));
			if (!f)
				return -ENOMEM;
			s->fails = f;
			s->capfails = cap;
		}
		s->fails[s->nfails++] = (struct failure){
			.argv = rstr_ref(p->argv), .name = proc_name(p), .forked = proc_forked(p),
			.parent_name = p->parent ? proc_name(p->parent) : NONE,
			.parent_forked = p->parent && proc_forked(p->parent), .pid = p->pid,
			.code = st.code, .signaled = st.outcome == OUTCOME_KILLED, .core = st.core,
			.own = !p->desc_failed, .start = p->start, .wall = wall,
		};
		for (struct sproc *a = p->parent; a && !a->desc_failed; a = a->parent)
			a->desc_failed = true;
	}
	slow_add(s, &(struct slow){ .argv = p->argv, .name = proc_name(p), .forked = proc_forked(p),
				    .pid = p->pid,
				    .st = st, .start = p->start, .wall = wall });
	if (p->is_root) {
		s->root_ended = true;
		s->root_st = st;
		s->root_has_status = x && (x->flags & EVF_STATUS);
	}
	/* concurrency */
	s->alive--;
	if (!p->live_children)
		s->running--;
	if (p->parent && p->parent->alive && !--p->parent->live_children)
		s->running++;
	p->alive = false;
	map_del(s, p->pid);
	unref(p);
	return 0;
}

/*
 * p runs a new image from at: an Exec at ts (at == ts), or, for a Running
 * at ts (exec false), the image it had since at, its start as the views
 * count it.
 */
static int proc_image(struct summary *s, struct sproc *p, uint64_t ts, uint64_t at,
		      const struct event *ev, bool exec)
{
	char buf[TRACE_NAME_MAX];
	uint32_t name = intern(s, trace_command_name(ev, buf, sizeof(buf)));
	struct rstr *argv = exec_text(ev);
	struct row *r;

	if (name == NONE || !argv) {
		rstr_put(argv);
		return -ENOMEM;
	}
	if (p->nimg == p->capimg) {
		uint32_t cap = p->capimg ? p->capimg * 2 : 2;
		uint32_t *n = realloc(p->names, cap * sizeof(*n));

		if (!n) {
			rstr_put(argv);
			return -ENOMEM;
		}
		p->names = n;
		p->capimg = cap;
	}
	image_end(s, p, ts);
	if (!p->nimg)
		s->noexec--;
	if (p->is_root && !s->root_cmd)
		s->root_cmd = strdup(argv->s);
	rstr_put(p->argv);
	p->argv = argv;
	s->images++;
	if (exec) {
		s->execs++;
		s->bad_miss += p->pending_bad;
		s->bad_pending -= p->pending_bad;
		p->pending_bad = 0;
	}
	p->names[p->nimg++] = name;
	/* each distinct name among it and the images above counts it in its subtree */
	walk_up(s, p, p->nimg, NONE, sub_start, &at);
	p->img_start = at;
	r = &s->rows[name];
	r->count++;
	stretch_begin(&r->active, &r->since, r->stretch_end, at);
	r->active_starts += at;
	return 0;
}

/*
 * A process already running when the recording started (--all, -p), as
 * the model takes it (render/trace.c): the process already made for its
 * pid if that one has nothing of its own yet (it was seen as the parent of
 * a Fork that came before its Running), else a new one under its parent if
 * that is known. Its life, and its first image (the argv it had, not an
 * exec), count from max(start, 0) (recording(5)), not after its parent's
 * start; the concurrency counts it from its Running, as the model's peak.
 */
static int proc_running(struct summary *s, const struct event *ev)
{
	struct sproc *p = map_get(s, ev->pid), *parent;
	uint64_t at;
	int err;

	if (!p || p->has_fork || p->running || p->nimg || p->any_bad) {
		if (p) {
			err = proc_end(s, p, ev->ts, NULL, false);
			if (err)
				return err;
		}
		parent = (ev->flags & EVF_PPID) ? map_get(s, ev->ppid) : NULL;
		err = proc_new(s, ev->pid, parent, ev->ts, &p);
		if (err)
			return err;
	}
	p->running = true;
	s->nrunning++;
	at = ev->u.running.start < 0 ? 0 : (uint64_t)ev->u.running.start;
	if (at > ev->ts)
		at = ev->ts;
	if (p->parent && at < p->parent->start)
		at = p->parent->start;
	p->start = at;
	if (at < s->run_start)
		s->run_start = at;
	return proc_image(s, p, ev->ts, at, ev, false);
}

/* The live process holding pid, or a new top-level one: its Fork was not seen. */
static int live(struct summary *s, int32_t pid, uint64_t ts, struct sproc **p)
{
	*p = map_get(s, pid);
	return *p ? 0 : proc_new(s, pid, NULL, ts, p);
}

int summary_add(struct summary *s, const struct event *ev)
{
	struct sproc *p, *parent, *old;
	int err;

	if (ev->type != EV_FORK && ev->type != EV_EXEC && ev->type != EV_BADEXEC &&
	    ev->type != EV_EXIT && ev->type != EV_SETSID && ev->type != EV_SETPGID &&
	    ev->type != EV_RUNNING)
		return 0;
	err = tick(s, ev->ts);
	if (err)
		return err;
	if (ev->type == EV_RUNNING)
		return proc_running(s, ev);
	if (ev->type == EV_FORK) {
		int32_t child = ev->u.fork.child_pid;

		parent = ev->pid != child ? map_get(s, ev->pid) : NULL;
		/*
		 * An unknown parent is part of the tree (it forked a process we
		 * follow), but for the one that forked the root: the recorder, or
		 * what --pid left out.
		 */
		if (!parent && ev->pid != child &&
		    !(s->o.root_pid > 0 && child == s->o.root_pid && !s->root_seen)) {
			err = proc_new(s, ev->pid, NULL, ev->ts, &parent);
			if (err)
				return err;
		}
		/* The pid is reused: its previous holder is gone (its Exit was lost). */
		old = map_get(s, child);
		if (old) {
			err = proc_end(s, old, ev->ts, NULL, false);
			if (err)
				return err;
		}
		err = proc_new(s, child, parent, ev->ts, &p);
		if (!err)
			p->has_fork = true;
		return err;
	}
	err = live(s, ev->pid, ev->ts, &p);
	if (err)
		return err;
	switch (ev->type) {
	case EV_EXEC:
		return proc_image(s, p, ev->ts, ev->ts, ev, true);
	case EV_BADEXEC:
		p->any_bad = true;
		p->pending_bad++;
		s->bad_pending++;
		return 0;
	case EV_EXIT:
		return proc_end(s, p, ev->ts, ev, false);
	default:
		return 0;
	}
}

int summary_pid_taken(struct summary *s, int32_t pid, uint64_t ts)
{
	struct sproc *p = map_get(s, pid);
	int err;

	if (!p)
		return 0;
	err = tick(s, ts);
	return err ? err : proc_end(s, p, ts, NULL, false);
}

void summary_advance(struct summary *s, uint64_t now)
{
	if (s->started)
		tick(s, now);
}

static int cmp_start(const void *a, const void *b)
{
	const struct sproc *x = *(struct sproc *const *)a, *y = *(struct sproc *const *)b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

int summary_end(struct summary *s, const struct rec_end *e, uint64_t ts)
{
	struct sproc **left;
	size_t n = 0;
	int err = 0;

	if (e) {
		s->has_end = true;
		s->end_has_lost = e->has_lost;
		s->end_lost = e->lost;
		s->end_has_code = e->has_exit_code;
		s->end_code = e->exit_code;
	}
	/* A header names the root even if it left no event (an empty recording). */
	if (!s->root_seen && s->has_header && s->o.root_pid > 0 && s->o.root_is_recorded) {
		struct sproc *root;
		uint64_t at = s->started ? s->first_ts : ts;

		err = tick(s, at);
		err = err ? err : proc_new(s, s->o.root_pid, NULL, at, &root);
		if (err)
			return err;
	}
	if (!s->started)
		return 0;
	if (ts < s->last_ts)
		ts = s->last_ts;
	err = tick(s, ts);
	if (err || !s->map_used)
		return err;
	left = malloc(s->map_used * sizeof(*left));
	if (!left)
		return -ENOMEM;
	/* in order of start, so that the slowest list breaks ties the same way every time */
	for (size_t i = 0; i <= s->map_mask; i++)
		if (s->map[i])
			left[n++] = s->map[i];
	qsort_n(left, n, sizeof(*left), cmp_start);
	for (size_t i = 0; i < n && !err; i++)
		err = proc_end(s, left[i], ts, NULL, true);
	free(left);
	return err;
}

int summary_header(struct summary *s, const struct rec_header *h)
{
	s->has_header = true;
	s->fe_known = h->has_failed_execs;
	s->fe_recorded = h->failed_execs;
	s->system_wide = h->system_wide;
	free(s->hdr_command);
	s->hdr_command = NULL;
	if (h->command_len) {
		struct rstr *r = cmdline_text(h->command, h->command_len);

		if (!r)
			return -ENOMEM;
		s->hdr_command = strdup(r->s);
		rstr_put(r);
		if (!s->hdr_command)
			return -ENOMEM;
	}
	return 0;
}

struct summary *summary_new(const struct summary_opts *o)
{
	struct summary *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->o = *o;
	if (!s->o.top)
		s->o.top = 10;
	s->map_mask = 255;
	s->map = calloc(s->map_mask + 1, sizeof(*s->map));
	s->slow = calloc(s->o.top, sizeof(*s->slow));
	if (!s->map || !s->slow || grow_slots(s)) {
		summary_free(s);
		return NULL;
	}
	return s;
}

/* Free everything the events brought; keep the options and the header. */
static void drop_state(struct summary *s)
{
	for (size_t i = 0; s->map && i <= s->map_mask; i++) {
		struct sproc *p = s->map[i];

		if (!p)
			continue;
		/* the live ones hold the rest: dropping their alive refs frees all */
		s->map[i] = NULL;
		unref(p);
	}
	for (uint32_t n = 0; n < s->nrows; n++)
		free(s->rows[n].name);
	for (size_t i = 0; i < s->nfails; i++)
		rstr_put(s->fails[i].argv);
	for (size_t i = 0; i < s->nslow; i++)
		rstr_put(s->slow[i].argv);
	free(s->rows);
	free(s->fails);
	free(s->level_ns);
	free(s->root_cmd);
}

/*
 * What ended and every count is forgotten; the processes alive are not:
 * they go on being tracked (their tree, their names, their current images
 * from now on), so that their later Exit counts in the next period.
 */
void summary_clear(struct summary *s)
{
	uint64_t now = s->last_ts;

	for (size_t i = 0; i < s->nfails; i++)
		rstr_put(s->fails[i].argv);
	for (size_t i = 0; i < s->nslow; i++)
		rstr_put(s->slow[i].argv);
	s->nfails = s->nslow = 0;
	/* command names stay interned: live processes and their ancestors name them */
	for (uint32_t n = 0; n < s->nrows; n++) {
		struct row *r = &s->rows[n];

		*r = (struct row){ .name = r->name, .stretch_end = now, .sub_stretch_end = now,
				   .stamp = r->stamp };
	}
	if (s->level_ns)
		memset(s->level_ns, 0, s->nlevels * sizeof(*s->level_ns));
	memset(s->hist, 0, sizeof(s->hist));
	s->any_cpu = false;
	s->first_ts = s->run_start = s->last_end = now;
	/* the processes of the period: those alive now, and those to come */
	s->nprocs = s->alive;
	s->nroots = s->noexec = s->execs = s->images = s->nrunning = 0;
	s->bad_miss = s->bad_real = s->bad_pending = 0;
	s->cpu_user = s->cpu_sys = 0;
	s->alive_ns = s->running_ns = 0;
	s->busy_ns = 0;
	s->no_exit = 0;
	s->peak_alive = s->alive;
	for (size_t i = 0; i <= s->map_mask; i++) {
		struct sproc *p = s->map[i];
		struct row *r;

		if (!p)
			continue;
		/* its failed execs were told as real failures */
		p->pending_bad = 0;
		s->nroots += !p->parent;
		s->noexec += !p->nimg;
		if (!p->nimg)
			continue;
		/* its image goes on from now: active again in its row and its subtrees' */
		p->img_start = now;
		r = &s->rows[p->names[p->nimg - 1]];
		stretch_begin(&r->active, &r->since, r->stretch_end, now);
		r->active_starts += now;
		walk_up(s, p, p->nimg, NONE, sub_resume, &now);
	}
}

void summary_free(struct summary *s)
{
	if (!s)
		return;
	drop_state(s);
	free(s->map);
	free(s->slots);
	free(s->slow);
	free(s->hdr_command);
	free(s);
}

/* --- printing ---------------------------------------------------------------------- */

/* A 128-bit sum in decimal (printf has no conversion for it). */
static char *u128(char *buf, size_t len, ns_sum v)
{
	char digits[48], *d = digits + sizeof(digits);

	*--d = '\0';
	do {
		*--d = (char)('0' + (unsigned)(v % 10));
		v /= 10;
	} while (v);
	snprintf(buf, len, "%s", d);
	return buf;
}

/* A duration, exact to the digit shown: "812 ns", "12.345 us", "1.234 ms", "2.345 s". */
static char *fmt_dur(char *buf, size_t len, ns_sum ns)
{
	char sec[40];

	if (ns < 1000)
		snprintf(buf, len, "%u ns", (unsigned)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%u.%03u us", (unsigned)(ns / 1000), (unsigned)(ns % 1000));
	else if (ns < 1000000000)
		snprintf(buf, len, "%u.%03u ms", (unsigned)(ns / 1000000), (unsigned)(ns / 1000 % 1000));
	else
		snprintf(buf, len, "%s.%03u s", u128(sec, sizeof(sec), ns / 1000000000),
			 (unsigned)(ns / 1000000 % 1000));
	return buf;
}

static char *fmt_kb(char *buf, size_t len, uint64_t kb)
{
	if (kb < 10240)
		snprintf(buf, len, "%" PRIu64 " KiB", kb);
	else if (kb < 10240 * 1024)
		snprintf(buf, len, "%" PRIu64 " MiB", kb / 1024);
	else
		snprintf(buf, len, "%" PRIu64 " GiB", kb / 1024 / 1024);
	return buf;
}

/* name for a table cell into buf, cut at NAME_MAX_SHOWN columns: see utf8_cell(). */
static char *fmt_name(char *buf, size_t len, const char *name, int *cols)
{
	return utf8_cell(buf, len, NULL, name, NAME_MAX_SHOWN, cols);
}

/* The widest of the names (as fmt_name() shows them), at least min. */
static int name_width(int min, const char *name)
{
	char buf[4 * NAME_MAX_SHOWN + 4];
	int cols;

	fmt_name(buf, sizeof(buf), name, &cols);
	return cols > min ? cols : min;
}

/* A name in a column of width columns, padded by what a terminal shows. */
static void put_name(FILE *out, const char *name, int width)
{
	char buf[4 * NAME_MAX_SHOWN + 4];
	int cols;

	fmt_name(buf, sizeof(buf), name, &cols);
	fprintf(out, "%s%*s", buf, width > cols ? width - cols : 0, "");
}

/* How a process ended, in a word or two: "ok", "exit 2", "SIGKILL", "SIGSEGV (core)". */
static char *fmt_status(char *buf, size_t len, const struct proc_status *st)
{
	char sig[16];

	switch (st->outcome) {
	case OUTCOME_OK:
		snprintf(buf, len, "ok");
		break;
	case OUTCOME_FAILED:
		snprintf(buf, len, "exit %d", st->code);
		break;
	case OUTCOME_KILLED:
		snprintf(buf, len, "%s%s", signal_name(st->code, sig, sizeof(sig)), st->core ? " (core)" : "");
		break;
	case OUTCOME_RUNNING:
		snprintf(buf, len, "running");
		break;
	default:
		snprintf(buf, len, "unknown");
		break;
	}
	return buf;
}

/* The state a print reads: the time, and the rows sorted. */
struct view {
	const struct summary *s;
	uint64_t now, wall, window;
	uint32_t *cmds, *subs;  /* row numbers, in the order shown */
	uint32_t nrows;         /* how many: the names used since the last summary_clear() */
	struct failure **fails; /* in the order shown */
	struct slow *slow;      /* longest first */
};

static uint64_t row_elapsed(const struct view *v, const struct row *r)
{
	return r->elapsed + (r->active ? v->now - r->since : 0);
}

static ns_sum row_own(const struct view *v, const struct row *r)
{
	return r->own + (ns_sum)r->active * v->now - r->active_starts;
}

static uint64_t sub_elapsed(const struct view *v, const struct row *r)
{
	return r->sub_elapsed + (r->sub_active ? v->now - r->sub_since : 0);
}

static int cmp_sum(ns_sum a, ns_sum b)
{
	return a < b ? 1 : a > b ? -1 : 0; /* larger first */
}

struct sort_ctx {
	const struct view *v;
	bool sub;
};

static int cmp_rows(const void *a, const void *b, void *ctx)
{
	const struct sort_ctx *c = ctx;
	const struct row *x = &c->v->s->rows[*(const uint32_t *)a];
	const struct row *y = &c->v->s->rows[*(const uint32_t *)b];
	ns_sum n[2] = { c->sub ? x->sub_count : x->count, c->sub ? y->sub_count : y->count };
	ns_sum w[2] = { c->sub ? sub_elapsed(c->v, x) : row_elapsed(c->v, x),
			c->sub ? sub_elapsed(c->v, y) : row_elapsed(c->v, y) };
	ns_sum u[2] = { c->sub ? x->sub_cpu : x->cpu, c->sub ? y->sub_cpu : y->cpu };
	int r = 0;

	if (c->v->s->o.sort == SORT_TIME)
		r = cmp_sum(w[0], w[1]);
	else if (c->v->s->o.sort == SORT_CPU)
		r = cmp_sum(u[0], u[1]);
	r = r ? r : cmp_sum(n[0], n[1]);
	r = r ? r : cmp_sum(w[0], w[1]);
	r = r ? r : cmp_sum(u[0], u[1]);
	return r ? r : strcmp(x->name, y->name);
}

/* Own failures (no descendant failed) first, then the others; each in order of start. */
static int cmp_fail(const void *a, const void *b)
{
	const struct failure *x = *(struct failure *const *)a, *y = *(struct failure *const *)b;

	if (x->own != y->own)
		return x->own ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int cmp_slow(const void *a, const void *b)
{
	return slow_less(b, a) ? -1 : slow_less(a, b) ? 1 : 0;
}

static void view_free(struct view *v)
{
	free(v->cmds);
	free(v->fails);
	free(v->slow);
}

static int view_make(struct view *v, const struct summary *s)
{
	uint64_t end = s->last_end;

	*v = (struct view){ .s = s, .now = s->last_ts };
	if (s->alive && s->last_ts > end)
		end = s->last_ts;
	v->wall = s->started && end > s->run_start ? end - s->run_start : 0;
	v->window = s->busy_ns;
	v->cmds = malloc(2 * ((size_t)s->nrows + 1) * sizeof(*v->cmds));
	v->fails = malloc((s->nfails + 1) * sizeof(*v->fails));
	v->slow = malloc((s->nslow + 1) * sizeof(*v->slow));
	if (!v->cmds || !v->fails || !v->slow) {
		view_free(v);
		return -ENOMEM;
	}
	v->subs = v->cmds + s->nrows + 1;
	/* a name that summary_clear() kept but nothing since has used is not shown */
	for (uint32_t i = 0; i < s->nrows; i++)
		if (s->rows[i].count || s->rows[i].active || s->rows[i].sub_count || s->rows[i].sub_active ||
		    s->rows[i].own || s->rows[i].elapsed || s->rows[i].sub_elapsed || s->rows[i].cpu ||
		    s->rows[i].sub_cpu)
			v->cmds[v->nrows] = v->subs[v->nrows] = i, v->nrows++;
	qsort_r(v->cmds, v->nrows, sizeof(*v->cmds), cmp_rows, &(struct sort_ctx){ v, false });
	qsort_r(v->subs, v->nrows, sizeof(*v->subs), cmp_rows, &(struct sort_ctx){ v, true });
	for (size_t i = 0; i < s->nfails; i++)
		v->fails[i] = &s->fails[i];
	qsort_n(v->fails, s->nfails, sizeof(*v->fails), cmp_fail);
	memcpy(v->slow, s->slow, s->nslow * sizeof(*v->slow));
	qsort_n(v->slow, s->nslow, sizeof(*v->slow), cmp_slow);
	return 0;
}

/* The part of the critical path the summary shows: its first --top links. */
static size_t crit_shown(const struct summary *s, const struct trace *t)
{
	return t ? (t->ncrit < s->o.top ? t->ncrit : s->o.top) : 0;
}

static const char *link_name(const struct crit_link *l, char *buf, size_t len)
{
	return trace_proc_name(l->p, buf, len);
}

/* --- text ---------------------------------------------------------------------------- */

/* A system-wide recording (record --all without CMD): about no process in particular. */
static bool no_root(const struct summary *s)
{
	return s->o.root_pid < 0 && s->system_wide;
}

static void text_header(FILE *out, const struct view *v)
{
	const struct summary *s = v->s;
	char d[48], d2[48], d3[48], n[48];

	fputs("command:          ", out);
	if (s->root_cmd)
		fprintf(out, "%s\n", s->root_cmd);
	else if (s->o.root_is_recorded && s->hdr_command)
		fprintf(out, "%s\n", s->hdr_command);
	else if (no_root(s))
		fputs("(system-wide: every process of the machine, no single root)\n", out);
	else
		fputs("(unknown)\n", out);
	if (no_root(s))
		fprintf(out, "                  (%" PRIu64 " top-level process%s)\n", s->nroots,
			s->nroots == 1 ? "" : "es");
	else if (s->nroots > 1)
		fprintf(out, "                  (and %" PRIu64 " other top-level process%s)\n",
			s->nroots - 1, s->nroots == 2 ? "" : "es");
	fprintf(out, "wall time:        %s\n", fmt_dur(d, sizeof(d), v->wall));
	fprintf(out, "processes:        %" PRIu64 " (forks without exec: %" PRIu64 ")\n", s->nprocs,
		s->noexec);
	if (s->nrunning)
		fprintf(out, "                  (%" PRIu64 " already running at the start: their wall and CPU\n"
			"                  count from the recording's start)\n", s->nrunning);
	fprintf(out, "execs:            %" PRIu64 "\n", s->execs);
	/* A recording made without --failed-execs has none: say so rather than 0. */
	if (s->fe_known && !s->fe_recorded) {
		fputs("failed execs:     not recorded (record with --failed-execs)\n", out);
	} else {
		uint64_t real = s->bad_real + s->bad_pending;

		fprintf(out, "failed execs:     %" PRIu64 " (%" PRIu64 " PATH-search miss%s, %" PRIu64
			" real failure%s)\n", s->bad_miss + real, s->bad_miss,
			s->bad_miss == 1 ? "" : "es", real, real == 1 ? "" : "s");
	}
	if (s->any_cpu)
		fprintf(out, "cpu time:         %s (user %s, system %s)\n",
			fmt_dur(d, sizeof(d), s->cpu_user + s->cpu_sys),
			fmt_dur(d2, sizeof(d2), s->cpu_user), fmt_dur(d3, sizeof(d3), s->cpu_sys));
	else
		fputs("cpu time:         unknown (the recording has no CPU times)\n", out);

	fputs("exit status:      ", out);
	if (s->root_has_status && s->root_st.outcome == OUTCOME_KILLED) {
		fprintf(out, "killed by signal %d (%s)\n", s->root_st.code,
			signal_name(s->root_st.code, n, sizeof(n)));
		if (s->root_st.core)
			fputs("                  (core dumped)\n", out);
	} else if (s->root_has_status) {
		fprintf(out, "%d\n", s->root_st.code);
	} else if (s->o.root_is_recorded && s->has_end && s->end_has_code) {
		fprintf(out, "%d\n", s->end_code);
	} else if (no_root(s)) {
		fputs("none (system-wide: no single root)\n", out);
	} else {
		fputs("unknown\n", out);
	}

	if (!s->has_end)
		fputs("lost events:      unknown (no End line: the recording may be incomplete)\n", out);
	else if (s->end_lost)
		fprintf(out, "lost events:      %" PRIu64 " (the recording is incomplete)\n", s->end_lost);
	else
		fputs(s->end_has_lost ? "lost events:      0\n"
				      : "lost events:      unknown (not in the End line)\n", out);
	fprintf(out, "peak concurrency: %" PRIu64 "\n", s->peak_alive);
}

static void text_crit(FILE *out, const struct view *v, const struct trace *t)
{
	size_t shown = crit_shown(v->s, t);
	char a[48], b[48], c[48], buf[TRACE_NAME_MAX];

	if (!t || !t->ncrit)
		return;
	fprintf(out, "\ncritical path: %zu process%s the end of the run waited for", t->ncrit,
		t->ncrit == 1 ? "" : "es");
	if (shown < t->ncrit)
		fprintf(out, " (first %zu; -f critical-path shows all)", shown);
	fprintf(out, "\n  %12s %12s %12s %8s  %s\n", "START", "OWN", "WAIT", "PID", "COMMAND");
	for (size_t i = 0; i < shown; i++) {
		const struct crit_link *l = &t->crit[i];
		uint32_t depth = l->p->depth - t->crit[0].p->depth;

		fprintf(out, "  %12s %12s %12s %8d  %*s", fmt_dur(a, sizeof(a), l->start),
			fmt_dur(b, sizeof(b), l->end - l->start - l->wait),
			fmt_dur(c, sizeof(c), l->wait), l->p->pid, 2 * (int)(depth < 16 ? depth : 16), "");
		put_name(out, link_name(l, buf, sizeof(buf)), 0);
		fputc('\n', out);
	}
}

static void text_failures(FILE *out, const struct view *v)
{
	const struct summary *s = v->s;
	size_t shown = s->nfails < s->o.top ? s->nfails : s->o.top;
	int wn = 7, wp = 6;
	char st[48], d[48], buf[TRACE_NAME_MAX];

	if (!s->nfails) {
		fputs("\nfailed processes: none (no process exited non-zero or was killed)\n", out);
		return;
	}
	for (size_t i = 0; i < shown; i++) {
		const struct failure *f = v->fails[i];

		wn = name_width(wn, list_name(s, f->name, f->forked, buf, sizeof(buf)));
		wp = name_width(wp, list_name(s, f->parent_name, f->parent_forked, buf, sizeof(buf)));
	}
	fprintf(out, "\nfailed processes: %zu exited non-zero or were killed; first those whose failure "
		"is their own (no descendant failed), each by start\n", s->nfails);
	fprintf(out, "  %-14s %12s %8s  %-*s  %-*s  %s\n", "STATUS", "WALL", "PID", wn, "COMMAND", wp,
		"PARENT", "ARGV");
	for (size_t i = 0; i < shown; i++) {
		const struct failure *f = v->fails[i];
		struct proc_status ps = { .outcome = f->signaled ? OUTCOME_KILLED : OUTCOME_FAILED,
					  .code = f->code, .core = f->core };

		fprintf(out, "  %-14s %12s %8d  ", fmt_status(st, sizeof(st), &ps),
			fmt_dur(d, sizeof(d), f->wall), f->pid);
		put_name(out, list_name(s, f->name, f->forked, buf, sizeof(buf)), wn);
		fputs("  ", out);
		put_name(out, f->parent_name == NONE ? "-" :
			 list_name(s, f->parent_name, f->parent_forked, buf, sizeof(buf)), wp);
		fprintf(out, "  %s\n", rstr_s(f->argv));
	}
	if (shown < s->nfails)
		fprintf(out, "  (%zu more: --top N shows more)\n", s->nfails - shown);
}

static void text_slowest(FILE *out, const struct view *v)
{
	const struct summary *s = v->s;
	char a[48], b[48], c[48], st[48], buf[TRACE_NAME_MAX];
	int wn = 7;

	if (!s->nslow)
		return;
	for (size_t i = 0; i < s->nslow; i++)
		wn = name_width(wn, list_name(s, v->slow[i].name, v->slow[i].forked, buf, sizeof(buf)));
	fprintf(out, "\nslowest %zu processes (of %" PRIu64 "; wall time from fork to end)\n", s->nslow,
		s->nprocs);
	fprintf(out, "  %12s %12s %9s %-14s %8s  %-*s  %s\n", "WALL", "CPU", "RSS", "STATUS", "PID", wn,
		"COMMAND", "ARGV");
	for (size_t i = 0; i < s->nslow; i++) {
		const struct slow *x = &v->slow[i];

		fprintf(out, "  %12s %12s %9s %-14s %8d  ", fmt_dur(a, sizeof(a), x->wall),
			x->st.has_rusage ? fmt_dur(b, sizeof(b), (ns_sum)x->st.user_ns + x->st.system_ns) : "-",
			x->st.has_rusage ? fmt_kb(c, sizeof(c), x->st.max_rss_kb) : "-",
			fmt_status(st, sizeof(st), &x->st), x->pid);
		put_name(out, list_name(s, x->name, x->forked, buf, sizeof(buf)), wn);
		fprintf(out, "  %s\n", rstr_s(x->argv));
	}
}

static double ratio(ns_sum a, uint64_t b)
{
	return b ? (double)a / (double)b : 0;
}

static void text_concurrency(FILE *out, const struct view *v)
{
	const struct summary *s = v->s;
	size_t hi = 0, group;
	uint64_t max = 0;
	char d[48], label[48], bar[BAR_WIDTH + 1];

	if (!v->window)
		return;
	for (size_t i = 0; i < s->nlevels; i++)
		if (s->level_ns[i])
			hi = i;
	group = hi / LEVEL_LINES + 1;
	for (size_t i = 0; i <= hi; i += group) {
		uint64_t sum = 0;

		for (size_t j = i; j < i + group && j <= hi; j++)
			sum += s->level_ns[j];
		max = sum > max ? sum : max;
	}
	fputs("\nconcurrency: time with N processes running (alive and not waiting for a child)\n", out);
	fprintf(out, "  %9s %12s (%5s)\n", "RUNNING", "TIME", "%");
	for (size_t i = 0; i <= hi; i += group) {
		uint64_t sum = 0;
		size_t w;

		for (size_t j = i; j < i + group && j <= hi; j++)
			sum += s->level_ns[j];
		if (!sum)
			continue;
		if (group == 1)
			snprintf(label, sizeof(label), "%zu", i);
		else
			snprintf(label, sizeof(label), "%zu-%zu", i, i + group - 1 < hi ? i + group - 1 : hi);
		w = max ? (size_t)(((ns_sum)sum * BAR_WIDTH + max - 1) / max) : 0;
		memset(bar, '#', w);
		bar[w] = 0;
		fprintf(out, "  %9s %12s (%5.1f) |%s\n", label, fmt_dur(d, sizeof(d), sum),
			100.0 * ratio(sum, v->window), bar);
	}
	fprintf(out, "  on average %.2f running, %.2f alive (peak %" PRIu64 " alive)\n",
		ratio(s->running_ns, v->window), ratio(s->alive_ns, v->window), s->peak_alive);
}

static const char *bucket_label(char *buf, size_t len, unsigned k)
{
	static const char *const units[] = { "ns", "us", "ms", "s" };
	unsigned u = k / 3 < 3 ? k / 3 : 3;
	uint64_t x = 1;

	for (unsigned i = u * 3; i < k; i++)
		x *= 10;
	snprintf(buf, len, "%" PRIu64 "%s", x, units[u]);
	return buf;
}

/* Lifetimes of the processes that exited: 0 ns on a line of its own, then power-of-10 ns buckets. */
static void text_histogram(FILE *out, const struct summary *s)
{
	uint64_t max = 0;
	unsigned lo = HIST_BUCKETS + 1, hi = 0;
	char a[24], b[24], bar[BAR_WIDTH + 1];

	for (unsigned i = 0; i <= HIST_BUCKETS; i++) {
		if (!s->hist[i])
			continue;
		lo = i < lo ? i : lo;
		hi = i;
		max = s->hist[i] > max ? s->hist[i] : max;
	}
	fputs("\nwall time per process (power-of-10 ns buckets)\n", out);
	if (lo > hi)
		fputs("  (no process exited)\n", out);
	for (unsigned i = lo; i <= hi && lo <= hi; i++) {
		size_t w = s->hist[i] ? (size_t)((s->hist[i] * BAR_WIDTH + max - 1) / max) : 0;

		memset(bar, '#', w);
		bar[w] = 0;
		if (i == 0)
			fprintf(out, "  %6s  %-6s %8" PRIu64 " |%s\n", "0ns", "", s->hist[i], bar);
		else
			fprintf(out, "  %6s..%-6s %8" PRIu64 " |%s\n", bucket_label(a, sizeof(a), i - 1),
				bucket_label(b, sizeof(b), i), s->hist[i], bar);
	}
	if (s->no_exit)
		fprintf(out, "  (%" PRIu64 " process%s with no Exit left out)\n", s->no_exit,
			s->no_exit == 1 ? "" : "es");
}

static void text_table(FILE *out, const struct view *v, bool sub)
{
	static const char *const keys[] = { "count", "elapsed time", "cpu" };
	const struct summary *s = v->s;
	const uint32_t *order = sub ? v->subs : v->cmds;
	size_t shown = v->nrows < s->o.top ? v->nrows : s->o.top;
	const char *what = sub ? "subtrees" : "commands";
	char d[48], c[48], own[48], rate[32];
	int width = 7;

	if (!shown) {
		fprintf(out, "\ntop %s\n  (no exec recorded)\n", what);
		return;
	}
	for (size_t i = 0; i < shown; i++)
		width = name_width(width, s->rows[order[i]].name);
	fprintf(out, "\ntop %zu %s by %s (of %" PRIu32 ")\n", shown, what,
		keys[s->o.sort <= SORT_CPU ? s->o.sort : 0], v->nrows);
	fprintf(out, "  %-*s %8s (%5s) %10s %12s (%5s)%s %12s\n", width, "COMMAND", "COUNT", "%",
		"RATE/s", "ELAPSED", "%", sub ? "" : "          OWN", "CPU");
	for (size_t i = 0; i < shown; i++) {
		const struct row *r = &s->rows[order[i]];
		uint64_t n = sub ? r->sub_count : r->count;
		uint64_t el = sub ? sub_elapsed(v, r) : row_elapsed(v, r);
		ns_sum cpu = sub ? r->sub_cpu : r->cpu;

		if (v->wall)
			snprintf(rate, sizeof(rate), (double)n * 1e9 / (double)v->wall < 1e5 ? "%.2f" : "%.0f",
				 (double)n * 1e9 / (double)v->wall);
		else
			snprintf(rate, sizeof(rate), "-");
		fputs("  ", out);
		put_name(out, r->name, width);
		fprintf(out, " %8" PRIu64 " (%5.1f) %10s %12s (%5.1f)", n,
			s->images ? 100.0 * (double)n / (double)s->images : 0, rate,
			fmt_dur(d, sizeof(d), el), 100.0 * ratio(el, v->wall));
		if (!sub)
			fprintf(out, " %12s", fmt_dur(own, sizeof(own), row_own(v, r)));
		fprintf(out, " %12s\n", s->any_cpu ? fmt_dur(c, sizeof(c), cpu) : "-");
	}
}

static void print_text(FILE *out, const struct view *v, const struct trace *t)
{
	text_header(out, v);
	text_crit(out, v, t);
	text_failures(out, v);
	text_slowest(out, v);
	text_concurrency(out, v);
	text_histogram(out, v->s);
	text_table(out, v, false);
	text_table(out, v, true);
}

/* --- JSON ------------------------------------------------------------------------------ */

/* JSON is written through a buffer flushed as it fills: the failures can be many. */
struct js {
	struct sbuf b;
	FILE *out;
	int err;
};

static void js_flush(struct js *j)
{
	if (!j->err && j->b.len && fwrite(j->b.buf, 1, j->b.len, j->out) != j->b.len)
		j->err = -EIO;
	j->b.len = 0;
}

static void js_raw(struct js *j, const char *s)
{
	size_t n = strlen(s);

	if (j->b.len > (1 << 16))
		js_flush(j);
	if (j->err || (j->err = sbuf_reserve(&j->b, n)))
		return;
	memcpy(j->b.buf + j->b.len, s, n);
	j->b.len += n;
}

static void js_fmt(struct js *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void js_fmt(struct js *j, const char *fmt, ...)
{
	char buf[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	js_raw(j, buf);
}

static void js_str(struct js *j, const char *s)
{
	if (!j->err)
		j->err = jsonl_write_string(&j->b, s, strlen(s));
}

/* ,"key": */
static void js_key(struct js *j, const char *key, bool first)
{
	js_raw(j, first ? "\"" : ",\"");
	js_raw(j, key);
	js_raw(j, "\":");
}

static void js_u128(struct js *j, ns_sum v)
{
	char buf[48];

	js_raw(j, u128(buf, sizeof(buf), v));
}

static void js_status(struct js *j, const struct proc_status *st, bool first)
{
	static const char *const words[] = { "ok", "failed", "killed", "running", "unknown" };
	char sig[16];

	js_key(j, "status", first);
	js_str(j, words[st->outcome <= OUTCOME_UNKNOWN ? st->outcome : OUTCOME_UNKNOWN]);
	if (st->outcome == OUTCOME_OK || st->outcome == OUTCOME_FAILED)
		js_fmt(j, ",\"exit_code\":%d", st->code);
	if (st->outcome == OUTCOME_KILLED) {
		js_fmt(j, ",\"signal\":%d,\"signal_name\":", st->code);
		js_str(j, signal_name(st->code, sig, sizeof(sig)));
		js_fmt(j, ",\"core_dumped\":%s", st->core ? "true" : "false");
	}
}

static void json_header(struct js *j, const struct view *v)
{
	const struct summary *s = v->s;

	js_raw(j, "{\"summary_format\":1");
	js_key(j, "command", false);
	if (s->root_cmd)
		js_str(j, s->root_cmd);
	else if (s->o.root_is_recorded && s->hdr_command)
		js_str(j, s->hdr_command);
	else
		js_raw(j, "null");
	js_fmt(j, ",\"system_wide\":%s", s->system_wide ? "true" : "false");
	js_fmt(j, ",\"top_level_processes\":%" PRIu64 ",\"wall_ns\":%" PRIu64 ",\"processes\":%" PRIu64
		  ",\"forks_without_exec\":%" PRIu64 ",\"execs\":%" PRIu64, s->nroots, v->wall, s->nprocs,
	       s->noexec, s->execs);
	js_key(j, "failed_execs", false);
	if (s->fe_known && !s->fe_recorded)
		js_raw(j, "null");
	else
		js_fmt(j, "{\"path_misses\":%" PRIu64 ",\"real\":%" PRIu64 "}", s->bad_miss,
		       s->bad_real + s->bad_pending);
	js_key(j, "cpu", false);
	if (s->any_cpu) {
		js_raw(j, "{\"user_ns\":");
		js_u128(j, s->cpu_user);
		js_raw(j, ",\"system_ns\":");
		js_u128(j, s->cpu_sys);
		js_raw(j, "}");
	} else {
		js_raw(j, "null");
	}
	js_key(j, "exit", false);
	if (s->root_has_status) {
		js_raw(j, "{");
		js_status(j, &s->root_st, true);
		js_raw(j, "}");
	} else if (s->o.root_is_recorded && s->has_end && s->end_has_code) {
		js_fmt(j, "{\"status\":\"%s\",\"exit_code\":%d}", s->end_code ? "failed" : "ok", s->end_code);
	} else {
		js_raw(j, "null");
	}
	js_key(j, "lost_events", false);
	if (s->has_end && (s->end_has_lost || s->end_lost))
		js_fmt(j, "%" PRIu64, s->end_lost);
	else
		js_raw(j, "null");
}

static void json_body(struct js *j, const struct view *v, const struct trace *t)
{
	const struct summary *s = v->s;
	char buf[TRACE_NAME_MAX];
	size_t hi = 0;

	js_fmt(j, ",\"concurrency\":{\"peak_alive\":%" PRIu64 ",\"average_alive\":%.3f,"
		  "\"average_running\":%.3f,\"running_ns\":[", s->peak_alive,
	       ratio(s->alive_ns, v->window), ratio(s->running_ns, v->window));
	for (size_t i = 0; i < s->nlevels; i++)
		if (s->level_ns[i])
			hi = i + 1;
	for (size_t i = 0; i < hi; i++)
		js_fmt(j, "%s%" PRIu64, i ? "," : "", s->level_ns[i]);
	js_raw(j, "]}");

	js_raw(j, ",\"critical_path\":");
	if (!t) {
		js_raw(j, "null");
	} else {
		js_raw(j, "[");
		for (size_t i = 0; i < t->ncrit; i++) {
			const struct crit_link *l = &t->crit[i];

			js_fmt(j, "%s{\"pid\":%d,\"command\":", i ? "," : "", l->p->pid);
			js_str(j, link_name(l, buf, sizeof(buf)));
			js_fmt(j, ",\"start_ns\":%" PRIu64 ",\"end_ns\":%" PRIu64 ",\"own_ns\":%" PRIu64
				  ",\"wait_ns\":%" PRIu64 "}", l->start, l->end, l->end - l->start - l->wait,
			       l->wait);
		}
		js_raw(j, "]");
	}

	js_raw(j, ",\"failures\":[");
	for (size_t i = 0; i < s->nfails; i++) {
		const struct failure *f = v->fails[i];
		struct proc_status ps = { .outcome = f->signaled ? OUTCOME_KILLED : OUTCOME_FAILED,
					  .code = f->code, .core = f->core };

		js_fmt(j, "%s{\"pid\":%d,\"command\":", i ? "," : "", f->pid);
		js_str(j, list_name(s, f->name, f->forked, buf, sizeof(buf)));
		js_raw(j, ",\"argv\":");
		js_str(j, rstr_s(f->argv));
		js_status(j, &ps, false);
		js_fmt(j, ",\"start_ns\":%" PRIu64 ",\"wall_ns\":%" PRIu64 ",\"parent_command\":", f->start,
		       f->wall);
		if (f->parent_name == NONE)
			js_raw(j, "null");
		else
			js_str(j, list_name(s, f->parent_name, f->parent_forked, buf, sizeof(buf)));
		js_fmt(j, ",\"own\":%s}", f->own ? "true" : "false");
	}
	js_raw(j, "]");

	js_raw(j, ",\"slowest\":[");
	for (size_t i = 0; i < s->nslow; i++) {
		const struct slow *x = &v->slow[i];

		js_fmt(j, "%s{\"pid\":%d,\"command\":", i ? "," : "", x->pid);
		js_str(j, list_name(s, x->name, x->forked, buf, sizeof(buf)));
		js_raw(j, ",\"argv\":");
		js_str(j, rstr_s(x->argv));
		js_fmt(j, ",\"start_ns\":%" PRIu64 ",\"wall_ns\":%" PRIu64, x->start, x->wall);
		if (x->st.has_rusage)
			js_fmt(j, ",\"cpu_ns\":%" PRIu64 ",\"max_rss_kb\":%" PRIu64,
			       x->st.user_ns + x->st.system_ns, x->st.max_rss_kb);
		else
			js_raw(j, ",\"cpu_ns\":null,\"max_rss_kb\":null");
		js_status(j, &x->st, false);
		js_raw(j, "}");
	}
	js_raw(j, "]");

	js_raw(j, ",\"histogram\":[");
	for (unsigned i = 0, first = 1; i <= HIST_BUCKETS; i++) {
		uint64_t from = 0, to = 0;

		if (!s->hist[i])
			continue;
		if (i) {
			from = 1;
			for (unsigned k = 1; k < i; k++)
				from *= 10;
			to = i < HIST_BUCKETS ? from * 10 : UINT64_MAX;
		}
		js_fmt(j, "%s{\"from_ns\":%" PRIu64 ",\"to_ns\":%" PRIu64 ",\"count\":%" PRIu64 "}",
		       first ? "" : ",", from, to, s->hist[i]);
		first = 0;
	}
	js_fmt(j, "],\"no_exit\":%" PRIu64, s->no_exit);

	for (int sub = 0; sub < 2; sub++) {
		const uint32_t *order = sub ? v->subs : v->cmds;
		size_t shown = v->nrows < s->o.top ? v->nrows : s->o.top;

		js_raw(j, sub ? ",\"subtrees\":[" : ",\"commands\":[");
		for (size_t i = 0; i < shown; i++) {
			const struct row *r = &s->rows[order[i]];

			js_raw(j, i ? ",{\"command\":" : "{\"command\":");
			js_str(j, r->name);
			js_fmt(j, ",\"count\":%" PRIu64 ",\"elapsed_ns\":%" PRIu64,
			       sub ? r->sub_count : r->count, sub ? sub_elapsed(v, r) : row_elapsed(v, r));
			if (!sub) {
				js_raw(j, ",\"own_ns\":");
				js_u128(j, row_own(v, r));
			}
			js_raw(j, ",\"cpu_ns\":");
			if (s->any_cpu)
				js_u128(j, sub ? r->sub_cpu : r->cpu);
			else
				js_raw(j, "null");
			js_raw(j, "}");
		}
		js_raw(j, "]");
	}
	js_raw(j, "}\n");
}

int summary_print(struct summary *s, FILE *out, const struct trace *t, enum summary_format f)
{
	struct view v;
	int err = view_make(&v, s);

	if (err)
		return err;
	if (f == SUMMARY_JSON) {
		struct js j = { .out = out };

		json_header(&j, &v);
		json_body(&j, &v, t);
		js_flush(&j);
		err = j.err;
		sbuf_free(&j.b);
	} else {
		print_text(out, &v, t);
	}
	view_free(&v);
	if (!err && ferror(out))
		err = -EIO;
	return err;
}

/* --- the view ----------------------------------------------------------------------- */

int render_summary(FILE *out, const struct trace *t, const struct render_opts *o)
{
	const struct recording *rec = t->rec;
	struct summary_opts so = {
		.top = o->top, .sort = o->sort, .root_pid = t->root ? t->root->pid : -1,
		.root_is_recorded = t->root_is_recorded,
	};
	struct summary *s = summary_new(&so);
	int err = -ENOMEM;

	if (!s)
		return err;
	err = rec->has_header ? summary_header(s, &rec->hdr) : 0;
	for (size_t i = 0; i < rec->n && !err; i++) {
		const struct event *ev = &rec->ev[i];

		if (trace_has_event(t, i))
			err = summary_add(s, ev);
		/* --pid: a process outside the subtree taking a pid ends its holder, as in the model */
		else if (ev->type == EV_FORK)
			err = summary_pid_taken(s, ev->u.fork.child_pid, ev->ts);
		else if (ev->type == EV_RUNNING)
			err = summary_pid_taken(s, ev->pid, ev->ts);
	}
	if (!err)
		err = summary_end(s, rec->has_end ? &rec->end : NULL, t->end);
	if (!err)
		err = summary_print(s, out, t, o->json ? SUMMARY_JSON : SUMMARY_TEXT);
	/* The top syscalls per command: text only, from the trace (render/syscalls.c). */
	if (!err && !o->json)
		err = summary_syscalls_print(out, t, o);
	summary_free(s);
	return err;
}
