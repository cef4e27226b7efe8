/* record/recorder.c: the user-space recorder: skeleton lifecycle, gate, ring buffer, JSON lines. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cmd/cmd.h"
#include "formats/event.h"
#include "formats/jsonl.h"
#include "record/recorder.h"
#include "record/syscalls.h"
#include "proctrace.skel.h"
#include "proctrace_sc.skel.h"
#include "proctrace_cnt.skel.h"
#include "record/running.h"
#include "proctrace.skel.h"
#include "proctrace_sc.skel.h"
#include "proctrace_all.skel.h"
#include "proctrace_sc_all.skel.h"
#include "proctrace_cnt_all.skel.h"
#include "sample.skel.h"

/* Flush the output once this much is buffered, when idle, or this often. */
#define FLUSH_BYTES (64 * 1024)
#define FLUSH_NS (200 * 1000000ull)
/* The kernel side wakes the reader only when the ring is 1/4 full. */
#define POLL_MS 30
#define PENDING_WAIT_MS 200 /* longest wait for exits still in the kernel */
#define BPF_LOG_SIZE (16u << 20) /* the kernel's log when loading fails */
#define LOAD_TRIES 10 /* loads cut short by a signal (EAGAIN) */

/*
 * The kernel side is built six times from record/proctrace.bpf.c: one
 * build adds the syscall exit hook, loaded only when an option needs it
 * (needs_syscall_hook()), one the entry hook that counts syscalls too
 * (--syscalls), and each comes again with the task walk of --all and -p
 * (needs_walk()). All have the same maps and counters, which the recorder
 * uses through the fds and pointers here, whichever was loaded.
 */
struct bpf_side {
	struct proctrace_bpf *skel;       /* the default build, or */
	struct proctrace_sc_bpf *skel_sc; /* the one with the syscall hook, or */
	struct proctrace_cnt_bpf *skel_cnt; /* the one counting syscalls too (--syscalls), or */
	struct proctrace_all_bpf *skel_all;       /* those three with the walk */
	struct proctrace_sc_all_bpf *skel_sc_all;
	struct proctrace_cnt_all_bpf *skel_cnt_all;
	int events_fd, traced_fd, pending_fd;
	volatile __u64 *seq;     /* the next event's seq */
	volatile __u64 *lost;    /* events the kernel side dropped */
	volatile __u64 *lost_execs; /* of them, Exec and BadExec records */
	volatile __s64 *pending; /* Exits waiting in pending_exits */
	/* the counting builds' syscall tables, and the syscalls they could not count */
	int sc_native_fd, sc_ia32_fd;
	volatile __u64 *sc_lost;
	/* The walk's builds only: */
	int walk_link_fd, uid_filter_fd;
	volatile __u32 *walking; /* set while the walk runs */
};

/*
 * With sampling: the live processes of the tree as read from the ring
 * (Forks in, Exits out), an open-addressing table by pid. Each keeps the
 * CPU split its last Sample reported, below which neither part of a later
 * Sample or of its Exit goes.
 */
struct live_proc {
	int32_t pid;        /* 0: empty slot; -1: a removed one */
	uint32_t refs;      /* Forks read less Exits read: a pid reused before its Exit was read */
	uint64_t user_ns, system_ns;
};

struct live_set {
	struct live_proc *tab;
	size_t cap, used, live; /* slots; slots not empty; live processes */
};

struct recorder {
	const struct recorder_opts *o;
	struct bpf_side bpf;
	struct ring_buffer *rb;
	int sfd, epfd;
	pid_t root;
	uint64_t start_mono; /* ns, CLOCK_MONOTONIC at timestamp 0 */
	struct sbuf out;
	int write_err;       /* first output error, negative errno */
	uint64_t last_flush; /* CLOCK_MONOTONIC ns */
	long pagesize;
	/* Exec decoding scratch: a NUL-terminated copy and the argv array. */
	char *strbuf;
	size_t strcap;
	const char **argv;
	size_t argvcap;
	uint64_t nevents, nprocs;
	struct sc_decoder sc;  /* --syscalls: the counts of the Syscalls being written */
	bool root_execd;       /* the root's first Exec was written */
	bool root_exited, all_exited;
	bool stop;           /* told to stop once CMD had exited */
	int root_wstatus;
	int gate[2];         /* CMD waits for a byte on gate[0] */
	/* --all and -p: */
	bool has_cmd;        /* a CMD to run (always, unless --all or -p without one) */
	struct sysrec *sys;  /* what is kept on the side of the events; NULL if neither */
	const char *stopped; /* why it ended, for End */
	uint64_t written;    /* bytes written to the output (--max-size) */
	bool full;           /* --max-size reached: nothing more is written */
	uint64_t deadline;   /* --duration: CLOCK_MONOTONIC ns, 0 if none */
	uint64_t nrunning;   /* Running events written */
	uint64_t next_check; /* -p: when to look for processes gone without an Exit */
	bool walked;         /* the walk is over */
	bool attached_exited;
	int attached_status; /* -p: PID's status, shell-style, if its Exit came */
	int errp[2];         /* and says why it could not run on errp[1] */
	/* The recorder's own signal state, given back at the end. */
	sigset_t oldmask;
	struct sigaction oldpipe, oldchld;
	bool masked, sigs_changed;
	/* Sampling (o->sample_interval_ns): its timer, its program once loaded. */
	struct live_set live;
	int tfd;
	struct sample_bpf *samp;
	bool samp_off;       /* the program could not be loaded or run: said once */
};

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || (level == LIBBPF_INFO && !getenv("PROCTRACE_DEBUG")))
		return 0;
	fprintf(stderr, "proctrace: ");
	return vfprintf(stderr, fmt, ap);
}

int recorder__shell_status(int wstatus)
{
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return WEXITSTATUS(wstatus);
}

void recorder__split_cpu(const struct recorder_cputime *c, uint64_t *user_ns,
			 uint64_t *system_ns)
{
	uint64_t rtime = c->rtime, s, u;

	/* Nothing new since it was last split (or a reordered reader): keep that split. */
	if (c->prev_utime + c->prev_stime >= rtime) {
		*user_ns = c->prev_utime;
		*system_ns = c->prev_stime;
		return;
	}
	if (c->stime == 0) {
		s = 0;
	} else if (c->utime == 0) {
		s = rtime;
	} else {
		unsigned __int128 x = (unsigned __int128)rtime * c->stime;

		s = (uint64_t)(x / ((unsigned __int128)c->utime + c->stime));
	}
	/* Neither part goes back on what was reported. */
	if (s < c->prev_stime)
		s = c->prev_stime;
	u = rtime - s;
	if (u < c->prev_utime) {
		u = c->prev_utime;
		s = rtime - u;
	}
	*user_ns = u;
	*system_ns = s;
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/*
 * A file system that filled up took the first off bytes of the lines
 * being written: cut the file back to the end of the last whole line, so
 * that the recording ends on one (a reader then says only that it has no
 * End line), and say "disk full" plainly. Only for a regular file: a
 * device (/dev/full) or a pipe is not cut, and keeps the plain message.
 * Nothing is written after this: where the file offset stays does not matter.
 */
static bool disk_full(struct recorder *r, size_t off)
{
	const char *nl = off ? memrchr(r->out.buf, '\n', off) : NULL;
	size_t cut = off - (nl ? (size_t)(nl - r->out.buf) + 1 : 0); /* bytes of the cut line */
	struct stat st;
	off_t end;

	if (fstat(r->o->out_fd, &st) || !S_ISREG(st.st_mode))
		return false;
	if (cut && (end = lseek(r->o->out_fd, 0, SEEK_CUR)) >= (off_t)cut &&
	    !ftruncate(r->o->out_fd, end - (off_t)cut))
		cut = 0;
	error("cannot write to %s: disk full%s", r->o->out_name, cut ? " (its last line is cut short)" : "");
	return true;
}

/* Write out every whole line buffered so far; later errors are not retried. */
static void flush_out(struct recorder *r)
{
	size_t off = 0;

	r->last_flush = now_ns(CLOCK_MONOTONIC);
	while (r->o->out_fd >= 0 && off < r->out.len && !r->write_err) {
		ssize_t n = write(r->o->out_fd, r->out.buf + off, r->out.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r->write_err = -errno;
			if (errno != ENOSPC || !disk_full(r, off))
				error("cannot write to %s: %s", r->o->out_name, strerror(-r->write_err));
			break;
		}
		off += n;
		r->written += n;
	}
	r->out.len = 0;
}

static int grow(void **p, size_t *cap, size_t want, size_t elem)
{
	size_t c = *cap ? *cap : 64;
	void *n;

	if (want <= *cap)
		return 0;
	while (c < want)
		c *= 2;
	n = realloc(*p, c * elem);
	if (!n)
		return -ENOMEM;
	*p = n;
	*cap = c;
	return 0;
}

static size_t live_hash(int32_t pid, size_t cap)
{
	return ((uint32_t)pid * 2654435761u) & (cap - 1);
}

static struct live_proc *live_find(struct live_set *l, int32_t pid)
{
	if (!l->cap)
		return NULL;
	for (size_t i = live_hash(pid, l->cap);; i = (i + 1) & (l->cap - 1)) {
		if (l->tab[i].pid == pid)
			return &l->tab[i];
		if (!l->tab[i].pid)
			return NULL;
	}
}

/* Room for one more: rebuilt without removed slots, larger if half full of live ones. */
static int live_grow(struct live_set *l)
{
	size_t cap = l->cap ? l->cap : 64, old = l->cap;
	struct live_proc *tab = l->tab, *n;

	if ((l->used + 1) * 2 <= l->cap)
		return 0;
	while ((l->live + 1) * 4 > cap)
		cap *= 2;
	n = calloc(cap, sizeof(*n));
	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < old; i++) {
		size_t j;

		if (tab[i].pid <= 0)
			continue;
		for (j = live_hash(tab[i].pid, cap); n[j].pid; j = (j + 1) & (cap - 1))
			;
		n[j] = tab[i];
	}
	free(tab);
	l->tab = n;
	l->cap = cap;
	l->used = l->live;
	return 0;
}

static int live_add(struct live_set *l, int32_t pid)
{
	struct live_proc *p = live_find(l, pid);
	size_t i;
	int err;

	if (p) {
		p->refs++;
		return 0;
	}
	err = live_grow(l);
	if (err)
		return err;
	for (i = live_hash(pid, l->cap); l->tab[i].pid > 0; i = (i + 1) & (l->cap - 1))
		;
	if (!l->tab[i].pid)
		l->used++;
	l->tab[i] = (struct live_proc){ .pid = pid, .refs = 1 };
	l->live++;
	return 0;
}

/*
 * The CPU split of a Sample or Exit of pid, as the kernel figures in c say,
 * and never below what pid's last Sample said.
 */
static void split_cpu(struct recorder *r, int32_t pid, struct recorder_cputime *c,
		      uint64_t *user_ns, uint64_t *system_ns)
{
	struct live_proc *p = live_find(&r->live, pid);

	if (p) {
		if (c->prev_utime < p->user_ns)
			c->prev_utime = p->user_ns;
		if (c->prev_stime < p->system_ns)
			c->prev_stime = p->system_ns;
	}
	recorder__split_cpu(c, user_ns, system_ns);
	if (p) {
		p->user_ns = *user_ns;
		p->system_ns = *system_ns;
	}
}

/* pid's Exit was read: one process less (a reused pid's later one starts afresh). */
static void live_exit(struct live_set *l, int32_t pid)
{
	struct live_proc *p = live_find(l, pid);

	if (!p)
		return;
	p->user_ns = p->system_ns = 0;
	if (--p->refs)
		return;
	p->pid = -1;
	l->live--;
}

static uint64_t rel_ts(const struct recorder *r, uint64_t ts)
{
	return ts > r->start_mono ? ts - r->start_mono : 0;
}

/*
 * A Running from the walk: argv as an Exec's, then the comm in argv[argc]
 * (formats/jsonl.h), the start on the recording's clock.
 */
static int decode_running(struct recorder *r, const void *data, size_t size, struct event *ev)
{
	const struct pt_running *e = data;
	size_t alen, argc = 0, i, start;
	char *s;
	int err;

	if (size < sizeof(*e) || sizeof(*e) + e->argv_len > size)
		return -EINVAL;
	alen = e->argv_len;
	/* argv... plus a NUL closing a cut last argument, then the comm */
	err = grow((void **)&r->strbuf, &r->strcap, alen + 1 + sizeof(e->comm) + 1, 1);
	if (err)
		return err;
	s = r->strbuf;
	memcpy(s, e->data, alen);
	s[alen] = 0;
	for (i = start = 0; i <= alen; i++) {
		if (s[i] && i < alen)
			continue;
		if (i == alen && start == alen) /* no cut argument left */
			break;
		err = grow((void **)&r->argv, &r->argvcap, argc + 2, sizeof(*r->argv));
		if (err)
			return err;
		r->argv[argc++] = s + start;
		start = i + 1;
	}
	err = grow((void **)&r->argv, &r->argvcap, argc + 1, sizeof(*r->argv));
	if (err)
		return err;
	memcpy(s + alen + 1, e->comm, sizeof(e->comm));
	s[alen + 1 + sizeof(e->comm)] = 0;
	r->argv[argc] = s + alen + 1;
	ev->type = EV_RUNNING;
	ev->flags |= EVF_CMDLINE | EVF_COMM;
	if (e->flags & PT_EXEC_TRUNCATED)
		ev->flags |= EVF_TRUNCATED;
	ev->u.running.argv = (const char *const *)r->argv;
	ev->u.running.argc = argc;
	ev->u.running.start = (int64_t)(e->start - r->start_mono);
	/* sampled from now on, as a forked process is */
	return r->o->sample_interval_ns ? live_add(&r->live, ev->pid) : 0;
}

/* Fill ev from a raw record; strings point into r's scratch. */
static int decode(struct recorder *r, const void *data, size_t size, struct event *ev)
{
	const struct pt_hdr *h = data;
	int err;

	if (size < sizeof(*h) || h->size > size)
		return -EINVAL;
	memset(ev, 0, sizeof(*ev));
	ev->ts = rel_ts(r, h->ts);
	ev->seq = h->seq;
	ev->flags = EVF_SEQ | EVF_PPID | EVF_PGID;
	ev->pid = h->pid;
	ev->ppid = h->ppid;
	ev->pgid = h->pgid;

	switch (h->kind) {
	case PT_FORK: {
		const struct pt_fork *e = data;

		if (size < sizeof(*e))
			return -EINVAL;
		ev->type = EV_FORK;
		ev->flags = EVF_SEQ | EVF_PGID;
		ev->u.fork.child_pid = e->child_pid;
		r->nprocs++;
		return r->o->sample_interval_ns ? live_add(&r->live, e->child_pid) : 0;
	}
	case PT_EXEC: {
		const struct pt_exec *e = data;
		size_t flen, alen, clen, argc = 0, i, start;
		char *s;

		if (size < sizeof(*e))
			return -EINVAL;
		flen = e->filename_len;
		alen = e->argv_len;
		clen = e->cwd_len;
		if (sizeof(*e) + flen + alen + clen > size)
			return -EINVAL;
		/* filename NUL argv... plus a NUL closing a cut last argument, cwd NUL */
		err = grow((void **)&r->strbuf, &r->strcap, flen + alen + clen + 3, 1);
		if (err)
			return err;
		s = r->strbuf;
		memcpy(s, e->data, flen);
		s[flen] = 0;
		memcpy(s + flen + 1, e->data + flen, alen);
		s[flen + 1 + alen] = 0;
		for (i = start = flen + 1; i < flen + 1 + alen; i++) {
			if (s[i])
				continue;
			err = grow((void **)&r->argv, &r->argvcap, argc + 1, sizeof(*r->argv));
			if (err)
				return err;
			r->argv[argc++] = s + start;
			start = i + 1;
		}
		if (start < flen + 1 + alen) { /* the last argument was cut */
			err = grow((void **)&r->argv, &r->argvcap, argc + 1, sizeof(*r->argv));
			if (err)
				return err;
			r->argv[argc++] = s + start;
		}
		ev->type = EV_EXEC;
		ev->flags |= EVF_FILENAME | EVF_CMDLINE;
		if (e->flags & PT_EXEC_TRUNCATED)
			ev->flags |= EVF_TRUNCATED;
		ev->u.exec.filename = s;
		ev->u.exec.argv = (const char *const *)r->argv;
		ev->u.exec.argc = argc;
		if (e->flags & PT_EXEC_CWD_UNKNOWN) {
			ev->flags |= EVF_CWD_UNKNOWN;
		} else {
			char *cwd = s + flen + alen + 2;

			memcpy(cwd, e->data + flen + alen, clen);
			cwd[clen] = 0;
			ev->u.exec.cwd = cwd;
			ev->flags |= EVF_CWD;
			if (e->flags & PT_EXEC_CWD_TRUNCATED)
				ev->flags |= EVF_CWD_TRUNCATED;
		}
		return 0;
	}
	case PT_BADEXEC: {
		const struct pt_badexec *e = data;

		if (size < sizeof(*e) || sizeof(*e) + e->filename_len > size)
			return -EINVAL;
		err = grow((void **)&r->strbuf, &r->strcap, e->filename_len + 1, 1);
		if (err)
			return err;
		memcpy(r->strbuf, e->data, e->filename_len);
		r->strbuf[e->filename_len] = 0;
		ev->type = EV_BADEXEC;
		ev->flags = EVF_SEQ | EVF_FILENAME | EVF_ERRNO;
		if (e->flags & PT_EXEC_TRUNCATED)
			ev->flags |= EVF_TRUNCATED;
		ev->u.badexec.filename = r->strbuf;
		ev->u.badexec.err = e->err;
		return 0;
	}
	case PT_EXIT: {
		const struct pt_exit *e = data;
		struct recorder_cputime cpu;
		int st;

		if (size < sizeof(*e))
			return -EINVAL;
		st = e->status;
		ev->type = EV_EXIT;
		ev->flags |= EVF_STATUS | EVF_RUSAGE;
		if (st & 0x7f) {
			ev->flags |= EVF_SIGNALED;
			ev->u.exit.code = st & 0x7f;
			if (st & 0x80)
				ev->flags |= EVF_CORE;
		} else {
			ev->u.exit.code = (st >> 8) & 0xff;
		}
		cpu = (struct recorder_cputime){ .rtime = e->rtime, .utime = e->utime,
						 .stime = e->stime, .prev_utime = e->prev_utime,
						 .prev_stime = e->prev_stime };
		split_cpu(r, h->pid, &cpu, &ev->u.exit.user_ns, &ev->u.exit.system_ns);
		live_exit(&r->live, h->pid);
		ev->u.exit.max_rss_kb = e->maxrss * (uint64_t)r->pagesize / 1024;
		return 0;
	}
	case PT_SAMPLE: {
		const struct pt_sample *e = data;
		struct recorder_cputime cpu;
		uint64_t swap_kb;

		if (size < sizeof(*e))
			return -EINVAL;
		ev->type = EV_SAMPLE;
		ev->flags = EVF_SEQ;
		ev->ppid = 0;
		ev->line = 0;
		cpu = (struct recorder_cputime){ .rtime = e->rtime, .utime = e->utime,
						 .stime = e->stime, .prev_utime = e->prev_utime,
						 .prev_stime = e->prev_stime };
		split_cpu(r, h->pid, &cpu, &ev->u.sample.user_ns, &ev->u.sample.system_ns);
		ev->u.sample.rss_kb = e->rss * (uint64_t)r->pagesize / 1024;
		swap_kb = e->swap * (uint64_t)r->pagesize / 1024;
		ev->u.sample.swap_kb = swap_kb > UINT32_MAX ? UINT32_MAX : swap_kb;
		ev->u.sample.threads = e->threads;
		return 0;
	}
	case PT_SETSID: {
		const struct pt_setsid *e = data;

		if (size < sizeof(*e))
			return -EINVAL;
		ev->type = EV_SETSID;
		ev->u.setsid.sid = e->sid;
		return 0;
	}
	case PT_SETPGID:
		ev->type = EV_SETPGID;
		return 0;
	case PT_SYSCALLS: {
		const struct pt_syscalls *e = data;

		if (size < sizeof(*e) || e->n > PT_SC_ENTRIES ||
		    sizeof(*e) + e->n * sizeof(e->e[0]) > size)
			return -EINVAL;
		ev->flags = EVF_SEQ;
		return sc_decode_entries(&r->sc, (const uint64_t *)e->e, e->n, ev);
	}
	case PT_RUNNING:
		return decode_running(r, data, size, ev);
	}
	return -EINVAL;
}

/*
 * Before its first exec, the root is the recorder's own child getting
 * ready to exec CMD: its syscalls are the recorder's, not CMD's.
 */
static bool skip_event(struct recorder *r, const struct event *ev)
{
	if (ev->pid != r->root)
		return false;
	if (ev->type == EV_EXEC)
		r->root_execd = true;
	return ev->type == EV_SYSCALLS && !r->root_execd;
}

/* The End line's room, kept free under --max-size. */
#define END_RESERVE 256

/*
 * --all and -p: whether to write ev (the filters), and what it tells of
 * the run: the CPU of a process that was already running, the attached
 * process's exit.
 */
static bool sys_event(struct recorder *r, const void *data, struct event *ev)
{
	const struct pt_hdr *h = data;
	uint32_t kflags = h->kind == PT_EXEC ? ((const struct pt_exec *)data)->flags : 0;
	bool keep = sysrec__keep(r->sys, ev, kflags);

	/* A Sample of a process already running counts from the start, as its Exit will. */
	if (ev->type == EV_SAMPLE)
		sysrec__sample_cpu(r->sys, ev);
	if (ev->type == EV_EXIT) {
		sysrec__exit_cpu(r->sys, ev);
		if (ev->pid == r->o->attach_pid && !r->attached_exited) {
			r->attached_exited = true;
			r->attached_status = ev->flags & EVF_SIGNALED ? 128 + ev->u.exit.code
								      : ev->u.exit.code;
		}
	}
	return keep;
}

/* Write ev; under --max-size, one that would take the output past it ends the recording. */
static int write_event(struct recorder *r, const struct event *ev)
{
	size_t before = r->out.len;
	int err;

	if (r->full)
		return 0;
	err = jsonl_write_event(&r->out, ev);
	if (err || !r->o->max_size)
		return err;
	if (r->written + r->out.len + END_RESERVE > r->o->max_size) {
		r->out.len = before;
		r->full = true;
		r->stop = true;
		r->stopped = "max-size";
		return 1;
	}
	return 0;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct recorder *r = ctx;
	struct event ev;
	int err;

	err = decode(r, data, size, &ev);
	if (err == -EINVAL) {
		warning("skipping a malformed kernel record (%zu bytes)", size);
		return 0;
	}
	if (!err && skip_event(r, &ev))
		return 0;
	if (!err && r->sys && !sys_event(r, data, &ev))
		return 0;
	if (!err && r->o->out_fd >= 0)
		err = write_event(r, &ev);
	if (err)
		return err < 0 ? err : 0;
	r->nevents++;
	for (const struct recorder_hook *const *h = r->o->hooks; h && *h; h++)
		if ((*h)->event)
			(*h)->event((*h)->ctx, &ev);
	r->nrunning += ev.type == EV_RUNNING;
	if (r->out.len >= FLUSH_BYTES)
		flush_out(r);
	return 0;
}

/* RFC 3339 UTC with nanoseconds. */
static void format_time(char *buf, size_t n, uint64_t ns)
{
	struct tm tm;
	time_t sec = ns / 1000000000u;
	size_t len;

	gmtime_r(&sec, &tm);
	len = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + len, n - len, ".%09luZ", (unsigned long)(ns % 1000000000u));
}

static int write_header(struct recorder *r, uint64_t start_real)
{
	char start[64];
	struct utsname u;
	struct rec_header h = { 0 };
	uint32_t n = 0;

	while (r->o->argv && r->o->argv[n])
		n++;
	uname(&u);
	format_time(start, sizeof(start), start_real);
	h.format = PROCTRACE_FORMAT;
	h.tool = "proctrace " PROCTRACE_VERSION;
	h.root_pid = r->has_cmd ? r->root : r->o->attach_pid;
	h.command = (const char *const *)r->o->argv;
	h.command_len = n;
	h.start_time = start;
	h.host = u.nodename;
	h.kernel = u.release;
	h.has_failed_execs = true;
	h.failed_execs = r->o->failed_execs;
	h.syscalls = r->o->syscalls;
	h.system_wide = r->o->system_wide;
	h.attached_pid = r->o->attach_pid;
	h.comm = r->o->comm;
	h.ncomm = r->o->ncomm;
	h.uid = r->o->uids;
	h.nuid = r->o->nuid;
	h.sample_interval_ns = r->o->sample_interval_ns;
	return jsonl_write_header(&r->out, &h);
}

/* The first line of a small file, without its newline; "" if unreadable. */
static void read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");

	buf[0] = 0;
	if (!f)
		return;
	if (!fgets(buf, size, f))
		buf[0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

void recorder__stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
}

int recorder__stop_pending(const struct recorder_inherited *s)
{
	sigset_t stop, pending;

	recorder__stop_signals(&stop);
	if (sigpending(&pending))
		return 0;
	for (int sig = 1; sig < _NSIG; sig++)
		if (sigismember(&stop, sig) == 1 && sigismember(&pending, sig) == 1 &&
		    !(s && s->has_act[sig] && s->act[sig].sa_handler == SIG_IGN))
			return sig;
	return 0;
}

static int read_oom_score_adj(int *v)
{
	char line[32];

	read_line("/proc/self/oom_score_adj", line, sizeof(line));
	return sscanf(line, "%d", v) == 1 ? 0 : -1;
}

static int write_oom_score_adj(int v)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC), err = 0;
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", v);

	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != len)
		err = -errno;
	close(fd);
	return err;
}

void recorder__save_inherited(struct recorder_inherited *s)
{
	memset(s, 0, sizeof(*s));
	sigprocmask(SIG_BLOCK, NULL, &s->mask);
	for (int sig = 1; sig < _NSIG; sig++)
		s->has_act[sig] = sig != SIGKILL && sig != SIGSTOP &&
				  !sigaction(sig, NULL, &s->act[sig]);
	for (int i = 0; i < RLIM_NLIMITS; i++)
		s->has_lim[i] = !getrlimit(i, &s->lim[i]);
	s->has_oom = !read_oom_score_adj(&s->oom_score_adj);
}

/*
 * The OOM killer picks the process with the most memory. The recorder's is
 * small and bounded, and killing it would lose the recording of what ran
 * out of memory, which is when it is wanted most; so it lowers its own
 * score a little, as systemd-journald does (-250), where it may (that
 * needs CAP_SYS_RESOURCE). CMD gets the inherited value back.
 */
#define RECORDER_OOM_SCORE_ADJ (-250)

static void protect_from_oom(void)
{
	int v;

	if (!read_oom_score_adj(&v) && v > RECORDER_OOM_SCORE_ADJ)
		write_oom_score_adj(RECORDER_OOM_SCORE_ADJ);
}

/*
 * execvp() would try each PATH entry in turn and every miss would be
 * recorded as a failed exec of CMD: find the program first, like a shell.
 * Runs in the child after it became the invoking user, so access() answers
 * for that user. Returns a malloc'd path: the first executable regular file
 * of that name, else the first one there at all (whose exec then fails with
 * the errno a shell would report, such as EACCES), else NULL.
 */
static char *find_in_path(const char *name)
{
	const char *path = getenv("PATH"), *p, *colon;
	char *buf, *other = NULL;
	struct stat st;
	size_t len;

	if (!path)
		path = "/bin:/usr/bin";
	for (p = path;; p = colon + 1) {
		colon = strchrnul(p, ':');
		len = colon - p;
		if (asprintf(&buf, "%.*s%s%s", (int)len, p, len ? "/" : "", name) < 0)
			break;
		if (!access(buf, X_OK) && !stat(buf, &st) && S_ISREG(st.st_mode)) {
			free(other);
			return buf;
		}
		if (!other && !access(buf, F_OK))
			other = buf;
		else
			free(buf);
		if (!*colon)
			break;
	}
	return other;
}

/* A shell's exit statuses for a command it could not run. */
#define STATUS_NOT_FOUND 127
#define STATUS_CANNOT_RUN 126

/* Why the child could not run CMD, sent to the recorder on its error pipe. */
struct child_fail {
	int err;          /* errno */
	char interp[256]; /* ENOENT for a file that is there: the #! interpreter
			     it names, "" if it has none (an ELF file's loader) */
	bool exists;      /* ENOENT, and yet the file is there */
	bool crlf;        /* the #! line ends in "\r\n": interp lacks that \r */
	bool not_in_path; /* a name without '/' that no PATH entry holds */
	bool binary;      /* ENOEXEC on a binary file: not a script for /bin/sh */
	bool dir;         /* EACCES on a directory */
	char kind[160];   /* with binary: what the kernel refused, if known */
};

/*
 * ENOENT from an exec of a file that is there: what is missing is its
 * interpreter. Name the one on its #! line, if it has one and that one
 * is missing indeed.
 */
static void explain_enoent(const char *file, struct child_fail *f)
{
	char line[sizeof(f->interp) + 2];
	ssize_t n;
	size_t i, len;
	int fd;

	if (access(file, F_OK))
		return;
	f->exists = true;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n < 2 || line[0] != '#' || line[1] != '!')
		return;
	line[n] = 0;
	/* As the kernel reads it: blanks, then the name up to a blank or the end of line. */
	for (i = 2; line[i] == ' ' || line[i] == '\t'; i++)
		;
	len = strcspn(line + i, " \t\n");
	if (!len || len >= sizeof(f->interp) || !access(strndupa(line + i, len), F_OK))
		return;
	/* A file with DOS line ends: the kernel looked for "/bin/sh\r". */
	if (line[i + len - 1] == '\r') {
		f->crlf = true;
		len--;
	}
	memcpy(f->interp, line + i, len);
	f->interp[len] = 0;
}

/* The first bytes of an ELF header that say what it runs on. */
struct elf_id {
	unsigned char class;  /* ELFCLASS32 or ELFCLASS64 */
	unsigned machine;     /* e_machine */
};

static int elf_id(const unsigned char *h, size_t n, struct elf_id *id)
{
	if (n < 20 || memcmp(h, ELFMAG, SELFMAG))
		return -1;
	id->class = h[EI_CLASS];
	/* e_machine, at the same offset in both classes, in the file's byte order */
	id->machine = h[EI_DATA] == ELFDATA2MSB ? h[18] << 8 | h[19] : h[19] << 8 | h[18];
	return 0;
}

static const char *machine_name(unsigned machine, char *buf, size_t size)
{
	static const struct {
		unsigned machine;
		const char *name;
	} names[] = { { EM_386, "x86" }, { EM_X86_64, "x86-64" }, { EM_ARM, "arm" },
		      { EM_AARCH64, "arm64" }, { EM_RISCV, "riscv" }, { EM_PPC64, "ppc64" },
		      { EM_S390, "s390" }, { EM_MIPS, "mips" } };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].machine == machine)
			return names[i].name;
	snprintf(buf, size, "ELF machine %u", machine);
	return buf;
}

void recorder__describe_elf(const unsigned char *h, size_t n, const unsigned char *self,
			    size_t self_n, char *buf, size_t size)
{
	struct elf_id id, me;
	char b1[32], b2[32];
	bool sibling; /* the 32-bit machine of a 64-bit one */

	buf[0] = 0;
	if (elf_id(h, n, &id) || elf_id(self, self_n, &me))
		return;
	sibling = (me.machine == EM_X86_64 && id.machine == EM_386) ||
		  (me.machine == EM_AARCH64 && id.machine == EM_ARM);
	if (id.class == ELFCLASS32 && me.class == ELFCLASS64 && (id.machine == me.machine || sibling))
		snprintf(buf, size, "a 32-bit program: this kernel may have no 32-bit support, "
			 "or have it off, as ia32_emulation=0 does");
	else if (id.machine != me.machine)
		snprintf(buf, size, "a program for %s, not %s", machine_name(id.machine, b1, sizeof(b1)),
			 machine_name(me.machine, b2, sizeof(b2)));
}

/* What an ELF file the kernel refused is built for, compared with proctrace itself. */
static void describe_elf(const unsigned char *h, size_t n, char *buf, size_t size)
{
	unsigned char self[20];
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	ssize_t self_n = fd < 0 ? -1 : read(fd, self, sizeof(self));

	if (fd >= 0)
		close(fd);
	buf[0] = 0;
	if (self_n > 0)
		recorder__describe_elf(h, n, self, self_n, buf, size);
}

/*
 * ENOEXEC: the kernel knows no format for the file. A shell then runs it
 * with /bin/sh if it is a text file without #!, as execvp() does; bash's
 * rule tells a binary apart by its first bytes (ELF's magic, or a NUL
 * before the first newline), and never feeds one to sh, which would say
 * something like 'Syntax error: "(" unexpected'. A file with #! whose
 * interpreter the kernel refused, or one that cannot be read, is no
 * script for sh either.
 */
static bool is_sh_script(const char *path, struct child_fail *f)
{
	unsigned char buf[80];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));

	if (fd >= 0)
		close(fd);
	if (n < 0 || (n >= 2 && buf[0] == '#' && buf[1] == '!'))
		return false;
	if (n >= SELFMAG && !memcmp(buf, ELFMAG, SELFMAG)) {
		f->binary = true;
		describe_elf(buf, n, f->kind, sizeof(f->kind));
		return false;
	}
	for (ssize_t i = 0; i < n && buf[i] != '\n'; i++) {
		if (!buf[i]) {
			f->binary = true;
			return false;
		}
	}
	return true;
}

/* execvp()'s way with a script without #!: run it with /bin/sh. */
static void exec_sh(const char *path, char *const *argv)
{
	size_t argc = 0;
	char **sh;

	while (argv[argc])
		argc++;
	sh = calloc(argc + 2, sizeof(*sh));
	if (!sh)
		return;
	sh[0] = "/bin/sh";
	sh[1] = (char *)path;
	memcpy(sh + 2, argv + 1, argc * sizeof(*sh)); /* argv[1..], then the NULL */
	execv(sh[0], sh);
	free(sh);
}

/* The one message for what the child said on its error pipe, in a shell's words. */
static void say_child_fail(const char *cmd, const struct child_fail *f)
{
	if (f->crlf)
		error("cannot run '%s': its #! line ends in a carriage return (DOS line ends), "
		      "so its interpreter was looked for as '%s\\r'", cmd, f->interp);
	else if (f->interp[0])
		error("cannot run '%s': its interpreter (#!%s) was not found", cmd, f->interp);
	else if (f->not_in_path)
		error("cannot run '%s': command not found (in PATH)", cmd);
	else if (f->exists)
		error("cannot run '%s': the file is there, but an interpreter it needs is not "
		      "(its dynamic loader, or its #! interpreter's)", cmd);
	else if (f->binary)
		error("cannot run '%s': cannot execute binary file: %s%s%s%s", cmd,
		      strerror(f->err), f->kind[0] ? " (" : "", f->kind, f->kind[0] ? ")" : "");
	else if (f->dir)
		error("cannot run '%s': Is a directory", cmd);
	else
		error("cannot run '%s': %s", cmd, strerror(f->err));
}

/* Signal dispositions and mask as the recorder inherited them. */
static void restore_signals(const struct recorder_inherited *s)
{
	for (int sig = 1; sig < _NSIG; sig++)
		if (s->has_act[sig])
			sigaction(sig, &s->act[sig], NULL);
	sigprocmask(SIG_SETMASK, &s->mask, NULL);
}

/*
 * Resource limits and oom_score_adj as the recorder inherited them: while
 * still root, who may raise a hard limit back, and whose write of
 * oom_score_adj also sets the floor an unprivileged CMD may go down to.
 */
static int restore_resources(const struct recorder_inherited *s)
{
	struct rlimit now;
	int v;

	for (int i = 0; i < RLIM_NLIMITS; i++) {
		if (!s->has_lim[i] || getrlimit(i, &now) ||
		    (now.rlim_cur == s->lim[i].rlim_cur && now.rlim_max == s->lim[i].rlim_max))
			continue;
		if (setrlimit(i, &s->lim[i]))
			return -errno;
	}
	if (s->has_oom && !read_oom_score_adj(&v) && v != s->oom_score_adj)
		return write_oom_score_adj(s->oom_score_adj);
	return 0;
}

/* Become the invoking user, with the environment sudo -u USER would give. */
static int become_invoker(const struct recorder_opts *o)
{
	if (o->drop_privs &&
	    (setgroups(o->ngroups, o->groups) || setgid(o->gid) || setuid(o->uid)))
		return -errno;
	for (const char *const *e = o->env; e && *e; e++) {
		const char *eq = strchr(*e, '=');

		if (eq && setenv(strndupa(*e, eq - *e), eq + 1, 1))
			return -errno;
	}
	return 0;
}

/*
 * The child: wait at the gate, get back what the recorder inherited, become
 * the invoking user, exec CMD. Any failure is reported as a struct
 * child_fail on errfd, and exit status 127 if CMD was not found, 126 if it
 * could not be run, as a shell says.
 */
static void __attribute__((noreturn))
run_child(const struct recorder_opts *o, int gate, int errfd)
{
	struct child_fail f = { 0 };
	char c, *path;
	ssize_t n;
	int err;

	restore_signals(o->inherited);
	do
		n = read(gate, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1) /* the recorder gave up: do not run CMD untraced */
		_exit(STATUS_NOT_FOUND);
	err = restore_resources(o->inherited);
	if (!err)
		err = become_invoker(o);
	if (err) {
		f.err = -err;
		goto fail;
	}
	/*
	 * One exec, one attempt: execvp() would search PATH again after a
	 * failure, and each try would be one more BadExec. A name that no
	 * PATH entry holds is not exec'd at all.
	 */
	path = strchr(o->argv[0], '/') ? strdup(o->argv[0]) : find_in_path(o->argv[0]);
	if (!path) {
		f.err = ENOENT;
		f.not_in_path = true;
		goto fail;
	}
	execv(path, o->argv);
	f.err = errno;
	if (f.err == ENOEXEC && is_sh_script(path, &f)) {
		exec_sh(path, o->argv);
		f.err = errno;
	}
	if (f.err == ENOENT)
		explain_enoent(path, &f);
	if (f.err == EACCES) {
		struct stat st;

		f.dir = !stat(path, &st) && S_ISDIR(st.st_mode);
	}
fail:
	if (write(errfd, &f, sizeof(f)) < 0)
		_exit(f.err == ENOENT ? STATUS_NOT_FOUND : STATUS_CANNOT_RUN);
	_exit(f.err == ENOENT ? STATUS_NOT_FOUND : STATUS_CANNOT_RUN);
}

static int reap(struct recorder *r)
{
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);

		if (pid == 0)
			return 0;
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD) {
				r->all_exited = true;
				return 0;
			}
			return -errno;
		}
		if (pid == r->root) {
			r->root_exited = true;
			r->root_wstatus = st;
		}
	}
}

/* Whether a hook takes SIGUSR1 (record --summary prints on it). */
static bool hooks_take_usr1(const struct recorder_opts *o)
{
	for (const struct recorder_hook *const *h = o->hooks; h && *h; h++)
		if ((*h)->signal)
			return true;
	return false;
}

static void hooks_tick(struct recorder *r)
{
	uint64_t now = 0;

	for (const struct recorder_hook *const *h = r->o->hooks; h && *h; h++) {
		if (!(*h)->tick)
			continue;
		if (!now)
			now = now_ns(CLOCK_MONOTONIC);
		(*h)->tick((*h)->ctx, now);
	}
}

static void on_signal(struct recorder *r, const struct signalfd_siginfo *si)
{
	switch (si->ssi_signo) {
	case SIGUSR1:
		for (const struct recorder_hook *const *h = r->o->hooks; h && *h; h++)
			if ((*h)->signal)
				(*h)->signal((*h)->ctx, SIGUSR1);
		break;
	case SIGINT:
	case SIGQUIT:
	case SIGTERM:
	case SIGHUP:
		/* --all or -p without CMD: a stop signal is how it ends. */
		if (!r->has_cmd) {
			r->stop = true;
			r->stopped = "signal";
			break;
		}
		/*
		 * CMD is gone and only its orphans are left (a script's
		 * background jobs ignore SIGINT): without proctrace the prompt
		 * would be back. Stop as -x would; the orphans run on, untraced.
		 * reap() runs after the signals are read, so a Ctrl-C that
		 * kills CMD itself still finds it alive here.
		 */
		if (r->root_exited) {
			r->stop = true;
			break;
		}
		/*
		 * From the terminal, CMD got it too (same foreground process
		 * group): keep recording until it acts on it. Sent to the
		 * recorder alone by kill(2): pass it on.
		 */
		if ((si->ssi_signo == SIGINT || si->ssi_signo == SIGQUIT) &&
		    si->ssi_code == SI_KERNEL)
			break;
		kill(r->root, si->ssi_signo);
		break;
	}
}

/*
 * The kernel sends an Exit at its task's last context switch, which may come
 * just after the parent hears of the exit: wait for those a little, then
 * send whatever is still pending as it stands. Then take the rest of the ring.
 */
static int send_pending_exits(struct recorder *r)
{
	int fd = r->bpf.pending_fd;
	volatile __s64 *pending = r->bpf.pending;
	struct pt_pending_exit pe;
	__u32 none = 0, key; /* no process exits as tgid 0: the map's first key follows it */
	uint64_t deadline = now_ns(CLOCK_MONOTONIC) + PENDING_WAIT_MS * 1000000ull;
	int err;

	/* Usually a matter of microseconds: poll finely, give up after a while. */
	while (*pending > 0 && now_ns(CLOCK_MONOTONIC) < deadline)
		usleep(50);
	while (*pending > 0 && !bpf_map_get_next_key(fd, &none, &key)) {
		if (!bpf_map_lookup_and_delete_elem(fd, &key, &pe)) {
			__sync_fetch_and_add(pending, -1);
			on_record(r, &pe.e, sizeof(pe.e));
		}
	}
	err = ring_buffer__consume(r->rb);
	return err < 0 ? err : 0;
}

/*
 * --all and -p: whether the recording is over for a reason of their own:
 * --duration, the attached tree gone, CMD's exit (--all -- CMD).
 */
static bool sys_done(struct recorder *r)
{
	uint64_t now;

	if (!r->sys)
		return false;
	if (r->has_cmd && r->root_exited) {
		r->stopped = "command";
		return true;
	}
	now = now_ns(CLOCK_MONOTONIC);
	if (r->deadline && now >= r->deadline) {
		r->stopped = "duration";
		return true;
	}
	if (r->o->attach_pid > 0) {
		/* Now and then: processes gone whose Exit never came (lost, or not told). */
		if (sysrec__live(r->sys) && now >= r->next_check) {
			r->next_check = now + 1000000000ull;
			sysrec__forget_gone(r->sys);
		}
		if (!sysrec__live(r->sys)) {
			r->stopped = "tree";
			return true;
		}
	}
	return false;
}

/* How long to wait for the ring: POLL_MS, or less to meet --duration. */
static int poll_ms(const struct recorder *r)
{
	uint64_t now;

	if (!r->deadline)
		return POLL_MS;
	now = now_ns(CLOCK_MONOTONIC);
	if (now >= r->deadline)
		return 0;
	return r->deadline - now < POLL_MS * 1000000ull ? (int)((r->deadline - now) / 1000000 + 1)
							 : POLL_MS;
}

/* Sampling stops for the rest of the recording, after saying why. */
static void sampling_off(struct recorder *r, const char *what, int err)
{
	warning("no more samples: cannot %s the sampling program: %s", what, strerror(-err));
	r->samp_off = true;
	epoll_ctl(r->epfd, EPOLL_CTL_DEL, r->tfd, NULL);
}

/* Run the sampling program on the n pids in its input: a Sample of each that is alive. */
static int sample_batch(struct recorder *r, uint32_t n, uint64_t ts)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	struct sample_bpf__bss *bss = r->samp->bss;
	int err;

	bss->nr_pids = n;
	if (bpf_prog_test_run_opts(r->samp->progs.sample.prog_fd, &opts)) {
		sampling_off(r, "run", -errno);
		return 0;
	}
	for (uint32_t i = 0; i < bss->nr_out && i < PT_SAMPLE_BATCH; i++) {
		struct pt_sample e = bss->out[i];

		e.h.ts = ts;
		e.h.seq = __atomic_fetch_add(r->bpf.seq, 1, __ATOMIC_RELAXED);
		err = on_record(r, &e, sizeof(e));
		if (err)
			return err;
	}
	return 0;
}

/*
 * A round of sampling: what the ring holds first, so that the live set is
 * as fresh as can be, then every live process of the tree, all with one
 * timestamp, taken before any is looked at (a process seen alive exits
 * after it: its Exit comes after its last Sample). The program is loaded
 * at the first round, so that a command shorter than an interval, or a
 * recording without sampling, never pays for it.
 */
static int sample_round(struct recorder *r)
{
	uint64_t expirations, ts;
	uint32_t n = 0;
	int err;

	if (read(r->tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		return -errno;
	err = ring_buffer__consume(r->rb);
	if (err < 0)
		return err;
	if (r->samp_off || !r->live.live)
		return 0;
	if (!r->samp) {
		r->samp = sample_bpf__open_and_load();
		if (!r->samp) {
			sampling_off(r, "load", -errno);
			return 0;
		}
	}
	ts = now_ns(CLOCK_MONOTONIC);
	for (size_t i = 0; i < r->live.cap && !r->samp_off; i++) {
		if (r->live.tab[i].pid <= 0)
			continue;
		r->samp->bss->pids[n++] = r->live.tab[i].pid;
		if (n == PT_SAMPLE_BATCH) {
			err = sample_batch(r, n, ts);
			if (err)
				return err;
			n = 0;
		}
	}
	return n && !r->samp_off ? sample_batch(r, n, ts) : 0;
}

static int loop(struct recorder *r)
{
	struct epoll_event evs[3];
	int err;

	for (;;) {
		int n = epoll_wait(r->epfd, evs, 3, poll_ms(r));

		if (n < 0 && errno != EINTR)
			return -errno;
		err = ring_buffer__consume(r->rb);
		if (err < 0)
			return err;
		for (int i = 0; i < n; i++) {
			struct signalfd_siginfo si;

			if (evs[i].data.fd == r->tfd) {
				err = sample_round(r);
				if (err)
					return err;
				continue;
			}
			if (evs[i].data.fd != r->sfd)
				continue;
			while (read(r->sfd, &si, sizeof(si)) == sizeof(si))
				on_signal(r, &si);
		}
		err = r->has_cmd ? reap(r) : 0;
		if (err)
			return err;
		hooks_tick(r);
		if (r->stop || sys_done(r))
			break;
		if (!r->sys && (r->all_exited || (r->o->no_wait && r->root_exited)))
			break;
		/* A busy tree keeps SIGCHLD coming: flush by time too. */
		if (r->out.len && (n == 0 || now_ns(CLOCK_MONOTONIC) - r->last_flush > FLUSH_NS))
			flush_out(r);
	}
	return send_pending_exits(r);
}

/*
 * Whether an option needs the syscall exit hook. Attached, it sends every
 * syscall of every task on the machine down the kernel's slower exit
 * path, so it is loaded only for what nothing else sees: failed execs.
 */
static bool needs_syscall_hook(const struct recorder_opts *o)
{
	return o->failed_execs || o->syscalls;
}

/* Size skeleton s (of either build) before its loader runs, with the kernel's log if given. */
#define SKEL_SIZE(s, o, ncpu, log, logsize)                                   \
	do {                                                                  \
		(s)->maps.events.max_entries = (o)->buffer_size;              \
		(s)->maps.scratch.max_entries = (ncpu) < 1 ? 1 : (ncpu);      \
		(s)->rodata->wakeup_bytes = (o)->buffer_size / 4;             \
		if (log) {                                                    \
			(s)->ctx.log_level = 1;                               \
			(s)->ctx.log_size = (logsize);                        \
			(s)->ctx.log_buf = (uintptr_t)(log);                  \
		}                                                             \
	} while (0)

/* Once loaded: what the recorder uses of skeleton s. */
#define SKEL_KEEP(b, s)                                                       \
	do {                                                                  \
		(b)->events_fd = (s)->maps.events.map_fd;                     \
		(b)->traced_fd = (s)->maps.traced.map_fd;                     \
		(b)->pending_fd = (s)->maps.pending_exits.map_fd;             \
		(b)->seq = &(s)->bss->seq;                                    \
		(b)->lost = &(s)->bss->lost;                                  \
		(b)->lost_execs = &(s)->bss->lost_execs;                      \
		(b)->pending = &(s)->bss->pending;                            \
	} while (0)

/* The walk's builds: their options, and what the recorder uses of them. */
#define SKEL_WALK_SIZE(s, o)                                                  \
	do {                                                                  \
		(s)->rodata->system_wide = (o)->system_wide;                  \
		(s)->rodata->attach_pid = (o)->attach_pid;                    \
		(s)->rodata->filter_uid = (o)->nuid > 0;                      \
	} while (0)

#define SKEL_WALK_KEEP(b, s)                                                  \
	do {                                                                  \
		SKEL_KEEP(b, s);                                              \
		(b)->uid_filter_fd = (s)->maps.uid_filter.map_fd;             \
		(b)->walking = &(s)->bss->walking;                            \
	} while (0)

/* The counting builds: their syscall tables, and the syscalls they could not count. */
#define SKEL_CNT_KEEP(b, s)                                                   \
	do {                                                                  \
		(b)->sc_native_fd = (s)->maps.sc_native.map_fd;               \
		(b)->sc_ia32_fd = (s)->maps.sc_ia32.map_fd;                   \
		(b)->sc_lost = &(s)->bss->sc_lost;                            \
	} while (0)

static void close_skel(struct bpf_side *b)
{
	proctrace_bpf__destroy(b->skel);
	proctrace_sc_bpf__destroy(b->skel_sc);
	proctrace_cnt_bpf__destroy(b->skel_cnt);
	proctrace_all_bpf__destroy(b->skel_all);
	proctrace_sc_all_bpf__destroy(b->skel_sc_all);
	proctrace_cnt_all_bpf__destroy(b->skel_cnt_all);
	*b = (struct bpf_side){ .events_fd = -1, .traced_fd = -1, .pending_fd = -1,
				.sc_native_fd = -1, .sc_ia32_fd = -1,
				.walk_link_fd = -1, .uid_filter_fd = -1 };
}

/* --all and -p: the build with the task walk. */
static bool needs_walk(const struct recorder_opts *o)
{
	return o->system_wide || o->attach_pid > 0;
}

/* Open and size the build the options need, then run its loader (into the kernel's log if given). */
static int load_skel(struct recorder *r, char *log, __u32 logsize)
{
	const struct recorder_opts *o = r->o;
	struct bpf_side *b = &r->bpf;
	int ncpu = libbpf_num_possible_cpus(), err;

	close_skel(b);
	if (o->syscalls && needs_walk(o)) {
		b->skel_cnt_all = proctrace_cnt_all_bpf__open();
		if (!b->skel_cnt_all)
			return -ENOMEM;
		SKEL_SIZE(b->skel_cnt_all, o, ncpu, log, logsize);
		SKEL_WALK_SIZE(b->skel_cnt_all, o);
		err = proctrace_cnt_all_bpf__load(b->skel_cnt_all);
		if (!err) {
			SKEL_WALK_KEEP(b, b->skel_cnt_all);
			SKEL_CNT_KEEP(b, b->skel_cnt_all);
		}
	} else if (o->syscalls) {
		b->skel_cnt = proctrace_cnt_bpf__open();
		if (!b->skel_cnt)
			return -ENOMEM;
		SKEL_SIZE(b->skel_cnt, o, ncpu, log, logsize);
		err = proctrace_cnt_bpf__load(b->skel_cnt);
		if (!err) {
			SKEL_KEEP(b, b->skel_cnt);
			SKEL_CNT_KEEP(b, b->skel_cnt);
		}
	} else if (needs_walk(o) && needs_syscall_hook(o)) {
		b->skel_sc_all = proctrace_sc_all_bpf__open();
		if (!b->skel_sc_all)
			return -ENOMEM;
		SKEL_SIZE(b->skel_sc_all, o, ncpu, log, logsize);
		SKEL_WALK_SIZE(b->skel_sc_all, o);
		err = proctrace_sc_all_bpf__load(b->skel_sc_all);
		if (!err)
			SKEL_WALK_KEEP(b, b->skel_sc_all);
	} else if (needs_walk(o)) {
		b->skel_all = proctrace_all_bpf__open();
		if (!b->skel_all)
			return -ENOMEM;
		SKEL_SIZE(b->skel_all, o, ncpu, log, logsize);
		SKEL_WALK_SIZE(b->skel_all, o);
		err = proctrace_all_bpf__load(b->skel_all);
		if (!err)
			SKEL_WALK_KEEP(b, b->skel_all);
	} else if (needs_syscall_hook(o)) {
		b->skel_sc = proctrace_sc_bpf__open();
		if (!b->skel_sc)
			return -ENOMEM;
		SKEL_SIZE(b->skel_sc, o, ncpu, log, logsize);
		err = proctrace_sc_bpf__load(b->skel_sc);
		if (!err)
			SKEL_KEEP(b, b->skel_sc);
	} else {
		b->skel = proctrace_bpf__open();
		if (!b->skel)
			return -ENOMEM;
		SKEL_SIZE(b->skel, o, ncpu, log, logsize);
		err = proctrace_bpf__load(b->skel);
		if (!err)
			SKEL_KEEP(b, b->skel);
	}
	return err > 0 ? -EINVAL : err;
}

/*
 * EPERM although the capability check passed: say what the kernel wants,
 * and what here is known to refuse it.
 */
static void eperm_why(char *buf, size_t size)
{
	unsigned long in, out, count;
	char line[256];

	read_line("/proc/self/uid_map", line, sizeof(line));
	if (sscanf(line, "%lu %lu %lu", &in, &out, &count) == 3 &&
	    !(in == 0 && out == 0 && count == 4294967295ul)) {
		snprintf(buf, size, "proctrace runs in a user namespace (as under 'unshare -U', or in a "
			 "rootless container), whose capabilities do not count: loading needs "
			 "root, or CAP_BPF and CAP_PERFMON, in the initial user namespace");
		return;
	}
	read_line("/sys/kernel/security/lockdown", line, sizeof(line));
	if (line[0] && !strstr(line, "[none]")) {
		snprintf(buf, size, "the kernel is locked down (%s), which forbids tracing programs",
			 line);
		return;
	}
	snprintf(buf, size, "loading needs root, or CAP_BPF and CAP_PERFMON in the initial user "
		 "namespace; kernel.unprivileged_bpf_disabled, a seccomp filter (in a container) "
		 "or a security module can also refuse it");
}

/*
 * The build that counts syscalls has both syscall hooks: the exit one
 * (a cost of its own to every syscall) is attached only for --failed-execs.
 */
static int attach_cnt(struct proctrace_cnt_bpf *s, const struct recorder_opts *o)
{
	int ret = 0;

	ret = ret < 0 ? ret : proctrace_cnt_bpf__on_fork__attach(s);
	ret = ret < 0 ? ret : proctrace_cnt_bpf__on_exec__attach(s);
	ret = ret < 0 ? ret : proctrace_cnt_bpf__on_exit__attach(s);
	ret = ret < 0 ? ret : proctrace_cnt_bpf__on_switch__attach(s);
	ret = ret < 0 ? ret : proctrace_cnt_bpf__on_sys_enter__attach(s);
	if (o->failed_execs)
		ret = ret < 0 ? ret : proctrace_cnt_bpf__on_sys_exit__attach(s);
	return ret < 0 ? ret : 0;
}

/* The same, with the walk (attached here, run later by the recorder). */
static int attach_cnt_all(struct proctrace_cnt_all_bpf *s, const struct recorder_opts *o)
{
	int ret = 0;

	ret = ret < 0 ? ret : proctrace_cnt_all_bpf__on_fork__attach(s);
	ret = ret < 0 ? ret : proctrace_cnt_all_bpf__on_exec__attach(s);
	ret = ret < 0 ? ret : proctrace_cnt_all_bpf__on_exit__attach(s);
	ret = ret < 0 ? ret : proctrace_cnt_all_bpf__on_switch__attach(s);
	ret = ret < 0 ? ret : proctrace_cnt_all_bpf__on_sys_enter__attach(s);
	ret = ret < 0 ? ret : proctrace_cnt_all_bpf__walk__attach(s);
	if (o->failed_execs)
		ret = ret < 0 ? ret : proctrace_cnt_all_bpf__on_sys_exit__attach(s);
	return ret < 0 ? ret : 0;
}

/*
 * Load, size and attach the BPF side. The skeleton is a light one: its
 * loader program creates the maps and loads the programs in the kernel,
 * which applies the CO-RE relocations against its own BTF. User space
 * never parses the 5 MB of vmlinux BTF, which was most of start-up.
 */
static int open_bpf(struct recorder *r)
{
	int err;

	libbpf_set_print(libbpf_print);
	/*
	 * The verifier gives up with EAGAIN when a signal comes in while it
	 * works, even one that only stops and continues the recorder (Ctrl-Z
	 * then fg, a debugger): load again then.
	 */
	for (int tries = 0; tries < LOAD_TRIES; tries++) {
		err = load_skel(r, NULL, 0);
		if (err != -EAGAIN)
			break;
	}
	if (err) {
		bool debug = getenv("PROCTRACE_DEBUG");
		char *log = NULL, why[512] = "";

		if (err == -EPERM)
			eperm_why(why, sizeof(why));
		error("cannot load the BPF programs: %s%s%s%s", strerror(-err), why[0] ? ": " : "",
		      why, debug ? "" : " (PROCTRACE_DEBUG=1 shows the kernel's log)");
		if (!debug)
			return err;
		/* Again with the kernel's log of each step, which says why. */
		log = calloc(1, BPF_LOG_SIZE);
		if (log && load_skel(r, log, BPF_LOG_SIZE - 1) && log[0])
			fprintf(stderr, "proctrace: the kernel's log:\n%s\n", log);
		free(log);
		return err;
	}
	/* --uid: the uids an Exec is marked for, before any Exec is seen. */
	for (uint32_t i = 0; i < r->o->nuid; i++) {
		__u8 one = 1;

		if (bpf_map_update_elem(r->bpf.uid_filter_fd, &r->o->uids[i], &one, BPF_ANY)) {
			err = -errno;
			error("cannot set the --uid filter: %s", strerror(-err));
			return err;
		}
	}
	if (r->bpf.skel_cnt)
		err = attach_cnt(r->bpf.skel_cnt, r->o);
	else if (r->bpf.skel_cnt_all)
		err = attach_cnt_all(r->bpf.skel_cnt_all, r->o);
	else if (r->bpf.skel_sc_all)
		err = proctrace_sc_all_bpf__attach(r->bpf.skel_sc_all);
	else if (r->bpf.skel_all)
		err = proctrace_all_bpf__attach(r->bpf.skel_all);
	else
		err = r->bpf.skel_sc ? proctrace_sc_bpf__attach(r->bpf.skel_sc)
				     : proctrace_bpf__attach(r->bpf.skel);
	if (err) {
		err = err < 0 ? err : -EINVAL;
		error("cannot attach the BPF programs: %s", strerror(-err));
		return err;
	}
	if (r->bpf.skel_cnt_all)
		r->bpf.walk_link_fd = r->bpf.skel_cnt_all->links.walk_fd;
	else if (r->bpf.skel_sc_all)
		r->bpf.walk_link_fd = r->bpf.skel_sc_all->links.walk_fd;
	else if (r->bpf.skel_all)
		r->bpf.walk_link_fd = r->bpf.skel_all->links.walk_fd;
	return 0;
}

/*
 * Map the ring buffer: after the fork, which would otherwise copy its
 * thousands of page table entries into CMD, to be torn down at its exec.
 */
static int open_ring(struct recorder *r)
{
	int err;

	r->rb = ring_buffer__new(r->bpf.events_fd, on_record, r, NULL);
	if (!r->rb) {
		err = -errno;
		error("cannot open the ring buffer: %s", strerror(-err));
		return err;
	}
	return 0;
}

/*
 * The recorder's own process state while it records: signals become
 * readable events, SIGPIPE an error, SIGCHLD the default; orphans of the
 * tree are reparented to it; the OOM killer spares it a little. CMD gets
 * what the recorder inherited back before its exec (run_child), and the
 * recorder its own state back at the end (give_back_process).
 */
static int take_process(struct recorder *r)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, dfl = { .sa_handler = SIG_DFL };
	sigset_t mask;
	int err;

	recorder__stop_signals(&mask);
	sigaddset(&mask, SIGCHLD);
	if (hooks_take_usr1(r->o))
		sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, &r->oldmask))
		return -errno;
	r->masked = true;
	/* A closed stdout (-o -) must be an error, not death. */
	sigaction(SIGPIPE, &ign, &r->oldpipe);
	/*
	 * An inherited SIGCHLD = SIG_IGN has the kernel reap children by
	 * itself, and CMD's status would be lost: take the default while
	 * recording.
	 */
	sigaction(SIGCHLD, &dfl, &r->oldchld);
	r->sigs_changed = true;
	r->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (r->sfd < 0) {
		err = -errno;
		error("signalfd: %s", strerror(-err));
		return err;
	}
	/* Orphans of the tree are reparented to us, so we wait for them too. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1)) {
		err = -errno;
		error("cannot become a child subreaper: %s", strerror(-err));
		return err;
	}
	protect_from_oom();
	return 0;
}

static void give_back_process(struct recorder *r)
{
	if (r->masked)
		sigprocmask(SIG_SETMASK, &r->oldmask, NULL);
	if (r->sigs_changed) {
		sigaction(SIGPIPE, &r->oldpipe, NULL);
		sigaction(SIGCHLD, &r->oldchld, NULL);
	}
}

/* Fork CMD, held at the gate, and track its pid. */
static int spawn_cmd(struct recorder *r)
{
	__u32 key;
	__u64 word;
	int err;

	if (pipe2(r->gate, O_CLOEXEC) || pipe2(r->errp, O_CLOEXEC)) {
		err = -errno;
		error("pipe: %s", strerror(-err));
		return err;
	}
	r->root = fork();
	if (r->root < 0) {
		err = -errno;
		error("fork: %s", strerror(-err));
		return err;
	}
	if (r->root == 0) {
		close(r->gate[1]);
		close(r->errp[0]);
		run_child(r->o, r->gate[0], r->errp[1]);
	}
	close(r->gate[0]);
	close(r->errp[1]);
	r->gate[0] = r->errp[1] = -1;

	/* --all: its Fork was seen like any other, and set its bit. */
	if (r->o->system_wide)
		return 0;
	/* The traced set is empty: the root's bit is the whole of its word. */
	key = r->root / 64;
	word = 1ull << (r->root % 64);
	if (bpf_map_update_elem(r->bpf.traced_fd, &key, &word, BPF_ANY)) {
		err = -errno;
		error("cannot track pid %d: %s", r->root, strerror(-err));
		return err;
	}
	return 0;
}

/* Wake on the ring buffer and on signals. */
static int open_epoll(struct recorder *r)
{
	struct epoll_event ev = { .events = EPOLLIN };

	int err;

	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0)
		goto fail;
	ev.data.fd = ring_buffer__epoll_fd(r->rb);
	if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev))
		goto fail;
	ev.data.fd = r->sfd;
	if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->sfd, &ev))
		goto fail;
	if (r->o->sample_interval_ns) {
		r->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (r->tfd < 0)
			goto fail;
		ev.data.fd = r->tfd;
		if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->tfd, &ev))
			goto fail;
	}
	return 0;
fail:
	err = -errno;
	error("epoll: %s", strerror(-err));
	return err;
}

/* Rounds of sampling at timestamp 0 + k intervals, k = 1, 2... */
static int arm_sampling(struct recorder *r)
{
	uint64_t iv = r->o->sample_interval_ns, first = r->start_mono + iv;
	struct itimerspec its = {
		.it_interval = { (time_t)(iv / 1000000000u), (long)(iv % 1000000000u) },
		.it_value = { (time_t)(first / 1000000000u), (long)(first % 1000000000u) },
	};
	int err;

	if (!iv)
		return 0;
	err = r->has_cmd ? live_add(&r->live, r->root) : 0;
	if (!err && timerfd_settime(r->tfd, TFD_TIMER_ABSTIME, &its, NULL))
		err = -errno;
	if (err)
		error("cannot start sampling: %s", strerror(-err));
	return err;
}

/* -p: whether attach_pid still is the process checked (recorder_opts). */
bool recorder__attach_same(pid_t pid, int pidfd, uint64_t start)
{
	/*
	 * A pidfd names one process: signal 0 reaches it until it is reaped,
	 * and until then its pid cannot be another's.
	 */
	if (pidfd >= 0)
		return !syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0);
	return start && recorder__start_ticks(pid) == start;
}

uint64_t recorder__start_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* After the comm's last ')': state is field 3, starttime field 22. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
			 "%*d %*d %*d %*d %llu", &v) != 1)
		return 0;
	return v;
}

/* -p: the process attached to is the one checked, or nothing is recorded. */
static int check_attached(struct recorder *r)
{
	const struct recorder_opts *o = r->o;

	if (o->attach_pid <= 0 || (o->attach_pidfd < 0 && !o->attach_start) ||
	    recorder__attach_same(o->attach_pid, o->attach_pidfd, o->attach_start))
		return 0;
	error("-p %d: the process ended as tracing started (its pid may be another process's "
	      "now): nothing recorded", (int)o->attach_pid);
	return -ESRCH;
}

/*
 * Timestamp 0, the header, then open the gate. A stop signal that came
 * before is taken as "do not start": CMD never runs, and the output is left
 * as it was (the caller removes a file it made). From here on, such signals
 * are CMD's business (on_signal).
 */
static int start_tracing(struct recorder *r)
{
	const struct recorder_opts *o = r->o;
	struct child_fail fail;
	uint64_t start_real;
	__u8 one = 1;
	ssize_t n;
	int err;

	if (recorder__stop_pending(o->inherited))
		return -EINTR;
	/* -p: the hooks follow attach_pid now; before anything is written, it is still the one checked. */
	err = check_attached(r);
	if (err)
		return err;
	if (o->truncate_out && o->out_fd >= 0 && ftruncate(o->out_fd, 0)) {
		err = -errno;
		error("cannot truncate %s: %s", o->out_name, strerror(-err));
		return err;
	}
	r->start_mono = now_ns(CLOCK_MONOTONIC);
	start_real = now_ns(CLOCK_REALTIME);
	err = arm_sampling(r);
	if (err)
		return err;
	err = o->out_fd >= 0 ? write_header(r, start_real) : 0;
	if (err)
		return err;
	flush_out(r);
	/* Nowhere to record to (flush_out said why): CMD must not run untraced. */
	if (r->write_err)
		return r->write_err;
	if (o->announce)
		fprintf(stderr, "proctrace: recording to %s\n", o->out_name);
	for (const struct recorder_hook *const *h = o->hooks; h && *h; h++)
		if ((*h)->start)
			(*h)->start((*h)->ctx, &(struct recorder_start){ .start_real = start_real,
									 .start_mono = r->start_mono,
									 .root_pid = r->has_cmd ? r->root : 0,
									 .attached_pid = o->attach_pid,
									 .system_wide = o->system_wide });
	if (!r->has_cmd)
		return 0;
	if (write(r->gate[1], &one, 1) != 1) {
		err = -errno;
		error("cannot start '%s': %s", o->argv[0], strerror(-err));
		return err;
	}
	close(r->gate[1]);
	r->gate[1] = -1;
	/* EOF: exec succeeded (close-on-exec); a struct child_fail: why not. */
	do
		n = read(r->errp[0], &fail, sizeof(fail));
	while (n < 0 && errno == EINTR);
	if (n == sizeof(fail))
		say_child_fail(o->argv[0], &fail);
	return 0;
}

static void hooks_end(struct recorder *r, const struct rec_end *end)
{
	struct recorder_stats st = { .end = end, .lost_execs = *r->bpf.lost_execs,
				     .nevents = r->nevents, .nprocs = r->nprocs + 1 };

	for (const struct recorder_hook *const *h = r->o->hooks; h && *h; h++)
		if ((*h)->end)
			(*h)->end((*h)->ctx, &st);
}

/* A Syscalls event of a process alive at the end: timestamped now, numbered after the kernel's. */
static int write_alive(void *ctx, struct event *ev)
{
	struct recorder *r = ctx;

	ev->ts = rel_ts(r, now_ns(CLOCK_MONOTONIC));
	ev->seq = __sync_fetch_and_add(r->bpf.seq, 1);
	ev->flags = EVF_SEQ;
	if (skip_event(r, ev) || r->o->out_fd < 0)
		return 0;
	r->nevents++;
	return jsonl_write_event(&r->out, ev);
}

/*
 * --syscalls: the counts of the processes still running when the
 * recording stops (-x, or a stop once CMD has exited), and the End line's
 * count of the syscalls that could not be counted, said on stderr too.
 */
static int finish_syscalls(struct recorder *r, struct rec_end *end)
{
	int err;

	if (!r->bpf.sc_lost)
		return 0;
	err = sc_send_alive(r->bpf.traced_fd, r->bpf.sc_native_fd, r->bpf.sc_ia32_fd, &r->sc,
			    write_alive, r);
	end->has_syscalls_lost = true;
	end->syscalls_lost = *r->bpf.sc_lost;
	if (end->syscalls_lost)
		warning("%llu syscall%s not counted (no kernel memory for a process's table, "
			"a number out of range, or its record lost)",
			(unsigned long long)end->syscalls_lost, end->syscalls_lost == 1 ? "" : "s");
	return err;
}

/* The walk's output, read whole: the iterator runs as it is read. */
static int read_walk(struct recorder *r, char **buf, size_t *len)
{
	size_t cap = 1 << 16;
	int fd, err = 0;
	ssize_t n;

	*len = 0;
	*buf = malloc(cap);
	if (!*buf)
		return -ENOMEM;
	fd = bpf_iter_create(r->bpf.walk_link_fd);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (cap - *len < 1 << 15) {
			char *p = realloc(*buf, cap * 2);

			if (!p) {
				err = -ENOMEM;
				break;
			}
			*buf = p;
			cap *= 2;
		}
		n = read(fd, *buf + *len, cap - *len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		*len += n;
	}
	close(fd);
	return err;
}

/*
 * --all and -p: the processes already there. The hooks are attached and
 * timestamp 0 is set: the walk writes a Running for each process (of the
 * tree, with -p) that no Fork has told of; the recorder takes in their
 * CPU so far and, with filters, which ones are kept, then writes them.
 */
static int walk_running(struct recorder *r)
{
	struct sysrec_opts so = { .comm = r->o->comm, .ncomm = r->o->ncomm, .uid = r->o->uids,
				  .nuid = r->o->nuid, .track_live = r->o->attach_pid > 0 };
	char *buf = NULL;
	size_t len, off;
	int err;

	r->sys = sysrec__new(&so);
	if (!r->sys)
		return error("out of memory"), -ENOMEM;
	*r->bpf.walking = 1;
	err = read_walk(r, &buf, &len);
	*r->bpf.walking = 0;
	if (err) {
		error("cannot walk the running processes: %s", strerror(-err));
		goto cleanup;
	}
	/* The tree walked was the checked process's: nothing of it is written before. */
	err = check_attached(r);
	if (err)
		goto cleanup;
	err = sysrec__walk(r->sys, buf, len);
	if (err) {
		error("cannot walk the running processes: %s",
		      err == -EINVAL ? "a malformed record" : strerror(-err));
		goto cleanup;
	}
	for (off = 0; off < len; off += ((const struct pt_hdr *)(buf + off))->size) {
		const struct pt_hdr *h = (const void *)(buf + off);

		if (h->kind != PT_RUNNING)
			continue;
		err = on_record(r, buf + off, h->size);
		if (err)
			goto cleanup;
	}
	r->walked = true;
cleanup:
	free(buf);
	return err;
}

int recorder__run(const struct recorder_opts *o, int *status)
{
	struct recorder rec = { .o = o, .sfd = -1, .epfd = -1, .root = -1, .tfd = -1,
				.gate = { -1, -1 }, .errp = { -1, -1 },
				.has_cmd = o->argv && o->argv[0] };
	struct recorder *r = &rec;
	struct rec_end end = { 0 };
	int err;

	r->pagesize = sysconf(_SC_PAGESIZE);
	*status = 1;

	err = take_process(r);
	if (err)
		goto cleanup;
	/*
	 * 1. Load and attach before CMD exists: a load that fails then has no
	 * CMD to clean up, and the memory the kernel takes for the maps is not
	 * contended by CMD's first page faults (in a tight memory cgroup, that
	 * race got the recorder OOM-killed instead of told ENOMEM).
	 */
	err = open_bpf(r);
	if (err)
		goto cleanup;
	/* 2. Fork CMD: it waits at the gate until its pid is tracked. */
	err = r->has_cmd ? spawn_cmd(r) : 0;
	if (!err)
		err = open_ring(r);
	if (!err)
		err = open_epoll(r);
	/* 3. Open the gate. */
	if (!err)
		err = start_tracing(r);
	/* --all, -p: the processes already there. */
	if (!err && needs_walk(o))
		err = walk_running(r);
	if (err)
		goto cleanup;
	/* Never wraps around (the option's parser keeps it to a year already). */
	if (o->duration_ns)
		r->deadline = o->duration_ns < UINT64_MAX - r->start_mono ? r->start_mono + o->duration_ns
									 : UINT64_MAX;

	/* 4. Record until the tree is gone. */
	err = loop(r);
	if (err) {
		error("recording failed: %s", strerror(-err));
		goto cleanup;
	}
	err = finish_syscalls(r, &end);
	if (err)
		goto cleanup;
	end.ts = rel_ts(r, now_ns(CLOCK_MONOTONIC));
	end.lost = *r->bpf.lost;
	end.has_lost = true;
	end.has_exit_code = r->root_exited;
	end.exit_code = recorder__shell_status(r->root_wstatus);
	if (o->attach_pid > 0) {
		end.has_exit_code = r->attached_exited;
		end.exit_code = r->attached_status;
	}
	if (r->sys)
		end.stopped = r->stopped ? r->stopped : "signal";
	err = o->out_fd >= 0 ? jsonl_write_end(&r->out, &end) : 0;
	if (err)
		goto cleanup;
	flush_out(r);
	if (r->root_exited)
		*status = recorder__shell_status(r->root_wstatus);
	else if (!r->has_cmd)
		*status = 0; /* --all, -p alone: recorded as asked, whatever ended it */
	hooks_end(r, &end);
	/* Without a recording, the hooks say what was lost in their own terms. */
	if (end.lost && o->out_fd >= 0)
		warning("%llu event%s lost (the ring buffer was full: try a larger --buffer-size)",
			(unsigned long long)end.lost, end.lost == 1 ? "" : "s");
	/* After "cannot write to FILE", a line saying it was recorded to FILE would be a lie. */
	if (!o->quiet && !r->write_err && o->out_fd >= 0 && !r->sys)
		fprintf(stderr, "proctrace: recorded %llu process%s, %llu event%s, %llu lost -> %s\n",
			(unsigned long long)r->nprocs + 1, r->nprocs ? "es" : "",
			(unsigned long long)r->nevents, r->nevents == 1 ? "" : "s",
			(unsigned long long)end.lost, o->out_name);
	else if (!o->quiet && !r->write_err && o->out_fd >= 0)
		fprintf(stderr, "proctrace: recorded %llu process%s (%llu already running), "
			"%llu event%s, %llu lost, stopped by %s -> %s\n",
			(unsigned long long)(r->nprocs + r->nrunning), r->nprocs + r->nrunning == 1 ? "" : "es",
			(unsigned long long)r->nrunning, (unsigned long long)r->nevents,
			r->nevents == 1 ? "" : "s", (unsigned long long)end.lost, end.stopped, o->out_name);
	if (r->write_err)
		err = r->write_err;

cleanup:
	if (err && r->root > 0 && !r->root_exited) {
		/* The gate was never opened or recording broke: CMD must not run on. */
		if (r->gate[1] >= 0) {
			close(r->gate[1]);
			r->gate[1] = -1;
		} else {
			kill(r->root, SIGKILL);
		}
		waitpid(r->root, NULL, 0);
	}
	ring_buffer__free(r->rb);
	sample_bpf__destroy(r->samp);
	close_skel(&r->bpf);
	if (r->tfd >= 0)
		close(r->tfd);
	free(r->live.tab);
	if (r->epfd >= 0)
		close(r->epfd);
	if (r->sfd >= 0)
		close(r->sfd);
	for (int i = 0; i < 2; i++) {
		if (r->gate[i] >= 0)
			close(r->gate[i]);
		if (r->errp[i] >= 0)
			close(r->errp[i]);
	}
	give_back_process(r);
	sysrec__free(r->sys);
	sbuf_free(&r->out);
	sc_decoder_free(&r->sc);
	free(r->strbuf);
	free(r->argv);
	return err;
}
