/* record/running.c: record --all and -p: the processes already there, filters, the tree's end. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "formats/event.h"
#include "record/recorder.h"
#include "record/running.h"

/* Every pid a kernel can give (PID_MAX_LIMIT on 64-bit), one bit each: 512 KiB. */
#define PID_LIMIT (4u << 20)
#define PID_WORDS (PID_LIMIT / 64)

/* A process the walk saw: its parent, its CPU then, whether the filters keep it. */
struct seen {
	int32_t pid, ppid;
	uint64_t rtime, utime, stime, prev_utime, prev_stime;
	uint64_t user, system; /* the CPU above split as the kernel splits it */
	bool active;           /* its Exit has not come (nor a Fork of its pid) */
	bool match;            /* matches the filters itself */
	uint8_t keep;          /* KEEP_* while the walk's filters are resolved */
};

enum { KEEP_UNKNOWN, KEEP_YES, KEEP_NO, KEEP_BUSY };

struct sysrec {
	struct sysrec_opts o;
	struct seen *seen; /* open addressing by pid, mask + 1 slots; pid 0: empty */
	size_t mask;
	uint64_t *kept;    /* filters: the processes kept (a bit per pid) */
	uint64_t *live;    /* track_live: the tree's living processes */
	uint64_t nlive;
};

static bool bit_get(const uint64_t *v, int32_t pid)
{
	return v && pid > 0 && (uint32_t)pid < PID_LIMIT && (v[pid / 64] >> (pid % 64) & 1);
}

/* Set or clear pid's bit; returns whether it was set. */
static bool bit_put(uint64_t *v, int32_t pid, bool on)
{
	uint64_t m;
	bool was;

	if (!v || pid <= 0 || (uint32_t)pid >= PID_LIMIT)
		return false;
	m = 1ull << (pid % 64);
	was = v[pid / 64] & m;
	if (on)
		v[pid / 64] |= m;
	else
		v[pid / 64] &= ~m;
	return was;
}

struct sysrec *sysrec__new(const struct sysrec_opts *o)
{
	struct sysrec *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->o = *o;
	if (sysrec__filtering(s) && !(s->kept = calloc(PID_WORDS, sizeof(uint64_t))))
		goto fail;
	if (o->track_live && !(s->live = calloc(PID_WORDS, sizeof(uint64_t))))
		goto fail;
	return s;
fail:
	sysrec__free(s);
	return NULL;
}

void sysrec__free(struct sysrec *s)
{
	if (!s)
		return;
	free(s->seen);
	free(s->kept);
	free(s->live);
	free(s);
}

bool sysrec__filtering(const struct sysrec *s)
{
	return s->o.ncomm || s->o.nuid;
}

static struct seen *seen_slot(const struct sysrec *s, int32_t pid)
{
	size_t i;

	if (!s->seen)
		return NULL;
	for (i = ((uint32_t)pid * 0x9E3779B1u) & s->mask; s->seen[i].pid; i = (i + 1) & s->mask)
		if (s->seen[i].pid == pid)
			return &s->seen[i];
	return &s->seen[i];
}

/* The walk's record of pid, if it is still the process the walk saw. */
static struct seen *seen_get(const struct sysrec *s, int32_t pid)
{
	struct seen *e = seen_slot(s, pid);

	return e && e->pid == pid && e->active ? e : NULL;
}

void sysrec__comm_of(const char *filename, char *comm, size_t size)
{
	const char *b = filename ? strrchr(filename, '/') : NULL;
	size_t n;

	b = b ? b + 1 : filename ? filename : "";
	n = strlen(b);
	if (n > 15) /* TASK_COMM_LEN - 1 */
		n = 15;
	if (n >= size)
		n = size - 1;
	memcpy(comm, b, n);
	comm[n] = 0;
}

static const char *base(const char *s)
{
	const char *b = strrchr(s, '/');

	return b ? b + 1 : s;
}

/*
 * Whether a process matches the filters: every kind given (--comm, --uid)
 * must match, any of its values. comm is the kernel's; argv0 may be NULL.
 */
static bool matches(const struct sysrec *s, const char *comm, const char *argv0, bool uid_ok)
{
	bool name_ok = !s->o.ncomm;

	for (uint32_t i = 0; i < s->o.ncomm && !name_ok; i++)
		name_ok = !strcmp(comm, s->o.comm[i]) ||
			  (argv0 && !strcmp(base(argv0), s->o.comm[i]));
	return name_ok && (!s->o.nuid || uid_ok);
}

static bool uid_listed(const struct sysrec *s, uint32_t uid)
{
	for (uint32_t i = 0; i < s->o.nuid; i++)
		if (s->o.uid[i] == uid)
			return true;
	return false;
}

/* Walk a record stream: calls fn on each record, -EINVAL if one is malformed. */
static int each_record(const char *p, size_t len, int (*fn)(struct sysrec *s, const void *rec),
		       struct sysrec *s)
{
	size_t off = 0;
	int err;

	while (off < len) {
		struct pt_hdr h;

		if (len - off < sizeof(h))
			return -EINVAL;
		memcpy(&h, p + off, sizeof(h));
		/* sizes are multiples of 8 (the walk pads them): every record is aligned */
		if (h.size < sizeof(h) || h.size > len - off || h.size % 8)
			return -EINVAL;
		if ((h.kind == PT_RUNNING && h.size < sizeof(struct pt_running)) ||
		    (h.kind == PT_WALK_THREAD && h.size < sizeof(struct pt_walk_thread)))
			return -EINVAL;
		err = fn(s, p + off);
		if (err)
			return err;
		off += h.size;
	}
	return 0;
}

static int count_running(struct sysrec *s, const void *rec)
{
	const struct pt_hdr *h = rec;

	s->mask += h->kind == PT_RUNNING;
	return 0;
}

static int add_running(struct sysrec *s, const void *rec)
{
	const struct pt_running *r = rec;
	struct seen *e;
	char comm[sizeof(r->comm) + 1];
	const char *argv0 = NULL;

	if (r->h.kind != PT_RUNNING || r->h.pid <= 0)
		return 0;
	e = seen_slot(s, r->h.pid);
	memset(e, 0, sizeof(*e));
	e->pid = r->h.pid;
	e->ppid = r->h.ppid;
	e->rtime = r->rtime;
	e->utime = r->utime;
	e->stime = r->stime;
	e->prev_utime = r->prev_utime;
	e->prev_stime = r->prev_stime;
	e->active = true;
	memcpy(comm, r->comm, sizeof(r->comm));
	comm[sizeof(r->comm)] = 0;
	/* argv[0] is there whole if a NUL ends it within the bytes read */
	if (r->argv_len > r->h.size - sizeof(*r))
		return -EINVAL;
	if (r->argv_len && memchr(r->data, 0, r->argv_len))
		argv0 = r->data;
	e->match = matches(s, comm, argv0, uid_listed(s, r->uid));
	return 0;
}

static int add_thread(struct sysrec *s, const void *rec)
{
	const struct pt_walk_thread *t = rec;
	struct seen *e;

	if (t->h.kind != PT_WALK_THREAD || !(e = seen_get(s, t->h.pid)))
		return 0;
	e->rtime += t->rtime;
	e->utime += t->utime;
	e->stime += t->stime;
	return 0;
}

/* Whether the filters keep e: a match, or a descendant of one the walk saw. */
static bool resolve(struct sysrec *s, struct seen *e)
{
	struct seen *chain[64];
	size_t n = 0;
	uint8_t k = KEEP_NO;

	/* Up to a process decided (or a match, or the top), then down again. */
	while (e && e->keep == KEEP_UNKNOWN && !e->match && n < sizeof(chain) / sizeof(chain[0])) {
		e->keep = KEEP_BUSY;
		chain[n++] = e;
		e = e->ppid > 0 && e->ppid != e->pid ? seen_get(s, e->ppid) : NULL;
	}
	if (e && e->match)
		k = KEEP_YES;
	else if (e && e->keep == KEEP_YES)
		k = KEEP_YES;
	while (n)
		chain[--n]->keep = k;
	return k == KEEP_YES;
}

int sysrec__walk(struct sysrec *s, const void *buf, size_t len)
{
	size_t cap = 16;
	int err;

	s->mask = 0;
	err = each_record(buf, len, count_running, s);
	if (err)
		return err;
	while (cap < 2 * s->mask)
		cap *= 2;
	free(s->seen);
	s->seen = calloc(cap, sizeof(*s->seen));
	s->mask = cap - 1;
	if (!s->seen)
		return -ENOMEM;
	err = each_record(buf, len, add_running, s);
	if (!err)
		err = each_record(buf, len, add_thread, s);
	if (err)
		return err;
	for (size_t i = 0; i <= s->mask; i++) {
		struct seen *e = &s->seen[i];
		struct recorder_cputime c = { .rtime = e->rtime, .utime = e->utime, .stime = e->stime,
					      .prev_utime = e->prev_utime,
					      .prev_stime = e->prev_stime };

		if (!e->pid)
			continue;
		recorder__split_cpu(&c, &e->user, &e->system);
		if (s->kept && (e->match || resolve(s, e)))
			bit_put(s->kept, e->pid, true);
	}
	return 0;
}

static void live_put(struct sysrec *s, int32_t pid, bool on)
{
	if (!s->live)
		return;
	if (bit_put(s->live, pid, on) != on)
		s->nlive += on ? 1 : -1;
}

bool sysrec__keep(struct sysrec *s, const struct event *ev, uint32_t kflags)
{
	char comm[16];
	bool k;

	switch (ev->type) {
	case EV_RUNNING:
		live_put(s, ev->pid, true);
		break;
	case EV_FORK: {
		int32_t child = ev->u.fork.child_pid;
		struct seen *e = seen_get(s, child);

		/* the pid went to a new process: the walk's record of it is over */
		if (e)
			e->active = false;
		live_put(s, child, true);
		if (!s->kept)
			return true;
		k = bit_get(s->kept, ev->pid);
		bit_put(s->kept, child, k);
		return k;
	}
	case EV_EXEC:
		if (!s->kept || bit_get(s->kept, ev->pid))
			return true;
		sysrec__comm_of(ev->flags & EVF_FILENAME ? ev->u.exec.filename : NULL, comm,
				sizeof(comm));
		k = matches(s, comm,
			    (ev->flags & EVF_CMDLINE) && ev->u.exec.argc ? ev->u.exec.argv[0] : NULL,
			    kflags & PT_EXEC_UID_MATCH);
		bit_put(s->kept, ev->pid, k);
		return k;
	case EV_EXIT:
		live_put(s, ev->pid, false);
		return s->kept ? bit_put(s->kept, ev->pid, false) : true;
	default:
		break;
	}
	return !s->kept || bit_get(s->kept, ev->pid);
}

void sysrec__exit_cpu(struct sysrec *s, struct event *ev)
{
	struct seen *e = seen_get(s, ev->pid);

	if (!e)
		return;
	e->active = false;
	if (!(ev->flags & EVF_RUSAGE))
		return;
	ev->u.exit.user_ns = ev->u.exit.user_ns > e->user ? ev->u.exit.user_ns - e->user : 0;
	ev->u.exit.system_ns = ev->u.exit.system_ns > e->system ? ev->u.exit.system_ns - e->system : 0;
}

void sysrec__sample_cpu(struct sysrec *s, struct event *ev)
{
	struct seen *e = seen_get(s, ev->pid);

	if (!e)
		return;
	ev->u.sample.user_ns = ev->u.sample.user_ns > e->user ? ev->u.sample.user_ns - e->user : 0;
	ev->u.sample.system_ns = ev->u.sample.system_ns > e->system ? ev->u.sample.system_ns - e->system : 0;
}

uint64_t sysrec__live(const struct sysrec *s)
{
	return s->nlive;
}

uint64_t sysrec__forget_gone(struct sysrec *s)
{
	if (!s->live)
		return 0;
	for (uint32_t w = 0; w < PID_WORDS && s->nlive; w++) {
		for (uint64_t bits = s->live[w]; bits; bits &= bits - 1) {
			int32_t pid = (int32_t)(w * 64 + __builtin_ctzll(bits));

			if (kill(pid, 0) && errno == ESRCH) {
				live_put(s, pid, false);
				bit_put(s->kept, pid, false);
			}
		}
	}
	return s->nlive;
}
