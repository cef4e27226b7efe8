// SPDX-License-Identifier: GPL-2.0
/* record/proctrace.bpf.c: the kernel side: trace a process tree's lifecycle events. */
#include "core.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "formats/event.h"

char LICENSE[] SEC("license") = "GPL";

#if defined(__TARGET_ARCH_x86)
#define NR_EXECVE 59
#define NR_EXECVEAT 322
#define SYSCALL_NR(r) ((long)(r)->orig_ax)
#define SYSCALL_ARG0(r) ((r)->di)
#define SYSCALL_ARG1(r) ((r)->si)
/* The ia32 ABI (32-bit programs, int $0x80): numbers of its own, arguments in bx, cx... */
#define NR32_EXECVE 11
#define NR32_EXECVEAT 358
#define SYSCALL32_ARG0(r) ((r)->bx)
#define SYSCALL32_ARG1(r) ((r)->cx)
/* arch/x86/include/asm/thread_info.h */
#define TS_COMPAT 0x0002
#elif defined(__TARGET_ARCH_arm64)
#define NR_EXECVE 221
#define NR_EXECVEAT 281
#define SYSCALL_NR(r) ((long)(r)->syscallno)
/* x0 already holds the return value at syscall exit. */
#define SYSCALL_ARG0(r) ((r)->orig_x0)
#define SYSCALL_ARG1(r) ((r)->regs[1])
#else
#error "proctrace: unsupported architecture"
#endif

/* Set by the recorder before load. */
const volatile __u64 wakeup_bytes = 1 << 22; /* force a wakeup past this much unread data */

/* Read by the recorder through the skeleton's mmapped .bss. */
__u64 seq;
__u64 lost;
__u64 lost_execs; /* of lost: Exec and BadExec records (a live log's missing lines) */
__s64 pending; /* Exits waiting in pending_exits */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22); /* resized by the recorder */
} events SEC(".maps");

/*
 * The traced set: one bit per pid, bit (tgid % 64) of word tgid / 64, for
 * every pid a kernel can give (PID_MAX_LIMIT, 4M on 64-bit: 512 KiB). The
 * recorder sets the root's bit; forks add, exits take away. An array
 * lookup is inlined by the verifier, and the array costs a fraction of the
 * start-up time a hash map's buckets took.
 */
#define PID_MAX_LIMIT (4 << 20)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PID_MAX_LIMIT / 64);
	__type(key, __u32);
	__type(value, __u64);
} traced SEC(".maps");

/*
 * The process group and session last seen of each traced process, kept
 * on its group leader. A process that changed either (setpgid(),
 * setsid(), or its parent's setpgid() on it) is told apart by comparing
 * them with its real ones at the hooks that see it anyway: its threads'
 * context switches, its forks, execs and exits. No syscall is hooked, so
 * the rest of the machine pays nothing for it. Task storage costs nothing
 * at load, holds any number of processes, and goes with its task.
 */
struct seen_ids {
	__u64 ids; /* pgid in the low 32 bits, sid in the high ones (global numbers) */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct seen_ids);
} seen SEC(".maps");

/*
 * Exits waiting for the CPU time of their process to be final, keyed by
 * tgid. At sched_process_exit the dying thread is still running, so its
 * se.sum_exec_runtime lacks everything since the last tick or switch: all
 * of it for a process shorter than a tick. And threads killed by the same
 * exit_group() may still be running too: the scheduler brings a task's
 * runtime up to date when it switches out for the last time (prev is
 * TASK_DEAD at sched_switch), and __exit_signal() folds a thread's times
 * into signal_struct when it is released. The Exit is sent at the last of
 * those switches, with the timestamp and seq of the exit itself. The
 * recorder sends what is left here when the tree is gone.
 *
 * An entry lasts from an exit to its last switch, microseconds unless a
 * thread lingers: 2048 is room for a mass kill. When it is full, an Exit
 * goes out at once, its CPU time a little short. A hash sets up all of its
 * buckets at load: a bigger one is a slower start.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2048);
	__type(key, __u32);
	__type(value, struct pt_pending_exit);
} pending_exits SEC(".maps");

/*
 * Exec records are too big for the BPF stack and for a per-CPU map value
 * (32 KiB at most), so each CPU gets one slot of a plain array, indexed by
 * the CPU id; max_entries is set to the number of CPUs before load. The
 * argv part is twice PT_ARGV_MAX so that a masked length always fits.
 */
#define SCRATCH_SIZE (sizeof(struct pt_exec) + PT_FILENAME_MAX + 2 * PT_ARGV_MAX + 2 * PT_CWD_MAX)
/* A dentry's name is at most NAME_MAX bytes: the walk writes one past its room. */
#define NAME_MAX 255
struct scratch {
	char buf[SCRATCH_SIZE];
	char cwd[PT_CWD_MAX + NAME_MAX + 1]; /* the cwd, built from its end backwards */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* resized by the recorder */
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

#ifdef PT_WALK
/*
 * record --all and -p (the build with the task walk). Set before load:
 * system_wide follows every fork on the machine; attach_pid, the tree of
 * that process; filter_uid marks Execs whose real uid is in uid_filter.
 */
const volatile bool system_wide;
const volatile __s32 attach_pid;
const volatile bool filter_uid;
/* Set by the recorder while the walk runs (through the mmapped .bss). */
__u32 walking;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} uid_filter SEC(".maps");

/* The walk's one record being built: it runs in one thread, the recorder's read(). */
struct walk_buf {
	char buf[sizeof(struct pt_running) + 2 * PT_RUNNING_ARGV_MAX + 8];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct walk_buf);
} walk_buf SEC(".maps");
#endif

/* One global counter: the emission order of every event of the recording. */
static __always_inline __u64 next_seq(void)
{
	return __sync_fetch_and_add(&seq, 1);
}

/* Hide a value's known range from clang so that the mask below it stays. */
#define opaque(x) asm volatile("" : "+r"(x))

static __always_inline void count_lost(void)
{
	__sync_fetch_and_add(&lost, 1);
}

static __always_inline void count_lost_exec(void)
{
	__sync_fetch_and_add(&lost, 1);
	__sync_fetch_and_add(&lost_execs, 1);
}

static __always_inline __u64 *traced_word(__u32 tgid)
{
	__u32 i = tgid / 64;

	return bpf_map_lookup_elem(&traced, &i);
}

#define TRACED_BIT(tgid) (1ull << ((tgid) % 64))

static __always_inline bool is_traced(__u32 tgid)
{
	__u64 *w = traced_word(tgid);

	return w && (*w & TRACED_BIT(tgid));
}

/* Most events are tiny: let the reader sleep until the ring fills up. */
static __always_inline __u64 wakeup_flag(void)
{
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline int pid_nr(struct task_struct *t, enum pid_type type)
{
	struct pid *p = BPF_CORE_READ(t, signal, pids[type]);

	return p ? BPF_CORE_READ(p, numbers[0].nr) : 0;
}

static __always_inline void fill_hdr(struct pt_hdr *h, __u32 kind, __u32 size,
				     struct task_struct *t)
{
	h->kind = kind;
	h->size = size;
	h->seq = next_seq();
	h->ts = bpf_ktime_get_ns();
	h->pid = BPF_CORE_READ(t, tgid);
	h->ppid = BPF_CORE_READ(t, real_parent, tgid);
	h->pgid = pid_nr(t, PIDTYPE_PGID);
	h->pad = 0;
}

static __always_inline struct scratch *get_scratch(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&scratch, &cpu);
}

/* t's process group and session now, as struct seen_ids packs them. */
static __always_inline __u64 ids_of(struct task_struct *t)
{
	return (__u32)pid_nr(t, PIDTYPE_PGID) | (__u64)(__u32)pid_nr(t, PIDTYPE_SID) << 32;
}

/*
 * If t's process is no longer in the group and session last seen of it,
 * say so: SetSID if the session changed (setsid() makes a new group too),
 * else SetPGID. Threads of a process may look at once: only the one that
 * swaps the new ids in reports the move. Both kinds take a SetSID's room
 * (the header says the size): one path is less for the verifier to walk.
 */
static __always_inline void report_move(struct task_struct *t, struct seen_ids *s, __u64 now)
{
	__u64 was = s->ids;
	struct pt_setsid *e;
	bool sid = (was ^ now) >> 32;

	if (was == now || __sync_val_compare_and_swap(&s->ids, was, now) != was)
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return;
	}
	fill_hdr(&e->h, sid ? PT_SETSID : PT_SETPGID,
		 sid ? sizeof(struct pt_setsid) : sizeof(struct pt_setpgid), t);
	e->h.pgid = (__s32)now;
	e->sid = now >> 32;
	e->pad = 0;
	bpf_ringbuf_submit(e, wakeup_flag());
}

/*
 * At a fork, exec or exit of a traced process's leader: report a move of
 * the process since it was last seen, before the event itself, so that
 * its SetPGID comes before the Fork, Exec or Exit it was made for. A
 * process seen for the first time (the root at its exec, or a thread that
 * exec'd and became the leader) starts from what it has now. Returns the
 * process's entry, NULL if there is no room for one: its moves would go
 * unseen, which is counted as a loss.
 *
 * The leader is always a task the tracepoint passes: walking to it from
 * another thread (t->group_leader) would cost the verifier about 0.8 ms
 * of every start-up per place it is done, searching vmlinux's BTF by
 * name; only the context switch does it, once.
 */
static __always_inline struct seen_ids *look_at(struct task_struct *leader)
{
	struct seen_ids now = { ids_of(leader) }, *s;

	s = bpf_task_storage_get(&seen, leader, 0, 0);
	if (s) {
		report_move(leader, s, now.ids);
		return s;
	}
	s = bpf_task_storage_get(&seen, leader, &now, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s)
		count_lost();
	return s;
}

#ifdef PT_SYSCALL_COUNT
#include "syscalls.bpf.h"
#else
#define sc_at_exec(p) ((void)0)
#define sc_at_thread_exit(p, sig) ((void)0)
#define sc_at_exit(p) ((void)0)
#endif

#ifdef PT_WALK
/* Depth of the process tree searched for attach_pid; deeper descendants count as outside. */
#define ATTACH_MAX_DEPTH 64

/* Whether t's process is attach_pid or one of its descendants, as the kernel links them now. */
static __always_inline bool in_attached_tree(struct task_struct *t)
{
	for (int i = 0; i < ATTACH_MAX_DEPTH && t; i++) {
		__s32 tgid = BPF_CORE_READ(t, tgid);

		if (tgid == attach_pid)
			return true;
		if (tgid <= 1)
			return false;
		t = BPF_CORE_READ(t, real_parent);
	}
	return false;
}

/*
 * Whether a fork by an untraced parent is followed: every one with --all;
 * with -p, while the walk runs, one in the attached tree (the parent is
 * there already, the walk has not come to it yet: its child must not be
 * missed if it ends before the walk comes to it).
 */
static __always_inline bool follow_fork(struct task_struct *parent)
{
	return system_wide || (attach_pid > 0 && walking && in_attached_tree(parent));
}
#else
#define follow_fork(parent) false
#endif

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	struct seen_ids *ps, cs;
	struct pt_fork *e;
	__u64 *w, old;

	/* A new thread is not a new process. */
	if (child->pid != ctgid || (!is_traced(ptgid) && !follow_fork(parent)))
		return 0;
	w = traced_word(ctgid);
	if (!w) {
		count_lost();
		return 0;
	}
	old = __sync_fetch_and_or(w, TRACED_BIT(ctgid));
#ifdef PT_WALK
	/* The walk came to the child first (it is listed before this runs): it is a Running. */
	if (old & TRACED_BIT(ctgid))
		return 0;
#else
	(void)old;
#endif
	/*
	 * The child starts in its parent's group and session, as last seen
	 * of the parent: the child does not run before this tracepoint, so
	 * any move of it (its parent's setpgid() on it, as a job-control
	 * shell makes) is seen after its Fork. A thread other than the leader
	 * that forks leaves its process's move to the next context switch.
	 */
	ps = parent->pid == ptgid ? look_at(parent) : NULL;
	cs.ids = ps ? ps->ids : ids_of(parent);
	if (!bpf_task_storage_get(&seen, child, &cs, BPF_LOCAL_STORAGE_GET_F_CREATE))
		count_lost();
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	fill_hdr(&e->h, PT_FORK, sizeof(*e), parent);
	e->child_pid = ctgid;
	e->pad = 0;
	bpf_ringbuf_submit(e, wakeup_flag());
	return 0;
}

/*
 * The working directory, walked up from the dentry to the process's root as
 * d_path() does it (prepend_path()), crossing mounts at their roots, each
 * name written in front of the last at cwd[pos..PT_CWD_MAX). bpf_d_path()
 * is not allowed here. No lock is taken: a rename while an exec happens may
 * give a mixed path, as /proc's readers risk too.
 */
struct cwd_walk {
	struct dentry *d, *root;
	struct mount *m, *root_m;
	struct dentry *mnt_root; /* m's root */
	__u32 pos;   /* the path so far starts at cwd[pos] */
	__u32 flags; /* PT_EXEC_CWD_* */
	bool done;
};

/* Steps: a name per component, plus one per mount crossed. */
#define CWD_STEPS (PT_CWD_MAX / 2 + 64)
/* Room kept in front of a cut path for "...". */
#define CWD_ELLIPSIS 3

/*
 * The mount of a path's vfsmount. The walk names struct vfsmount only
 * through struct mount: each type the kernel relocates against costs a
 * search of its BTF at every start-up.
 */
static __always_inline struct mount *real_mount(struct vfsmount *vm)
{
	return (void *)vm - bpf_core_field_offset(struct mount, mnt);
}

static long cwd_step(__u64 i, struct cwd_walk *w)
{
	struct dentry *d = w->d, *parent, *mnt_root;
	struct mount *m = w->m, *up;
	const unsigned char *name;
	struct scratch *s;
	__u32 len, pos;

	if (d == w->root && m == w->root_m) {
		w->done = true;
		return 1;
	}
	parent = BPF_CORE_READ(d, d_parent);
	mnt_root = w->mnt_root;
	if (d == mnt_root || d == parent) {
		up = BPF_CORE_READ(m, mnt_parent);
		/*
		 * A root that is not its mount's is a disconnected dentry; the
		 * top of the mount tree reached without passing the process's
		 * root is a cwd outside it (a chroot left by chdir("..")s).
		 */
		if (d != mnt_root || up == m) {
			w->flags |= PT_EXEC_CWD_UNKNOWN;
			return 1;
		}
		w->d = BPF_CORE_READ(m, mnt_mountpoint);
		w->m = up;
		w->mnt_root = BPF_CORE_READ(up, mnt.mnt_root);
		return 0;
	}
	len = BPF_CORE_READ(d, d_name.len);
	name = BPF_CORE_READ(d, d_name.name);
	pos = w->pos;
	if (len > NAME_MAX || len + 1 + CWD_ELLIPSIS > pos) {
		w->flags |= PT_EXEC_CWD_TRUNCATED;
		return 1;
	}
	s = get_scratch();
	if (!s) {
		w->flags |= PT_EXEC_CWD_UNKNOWN;
		return 1;
	}
	pos -= len;
	opaque(pos);
	pos &= PT_CWD_MAX - 1;
	opaque(len);
	len &= NAME_MAX;
	if (bpf_probe_read_kernel(s->cwd + pos, len, name)) {
		w->flags |= PT_EXEC_CWD_UNKNOWN;
		return 1;
	}
	pos -= 1;
	pos &= PT_CWD_MAX - 1;
	s->cwd[pos] = '/';
	w->pos = pos;
	w->d = parent;
	return 0;
}

/*
 * Append the working directory of the current task (which is exec'ing) to
 * its scratch record's data at off (after its filename and argv). Returns
 * its length | its PT_EXEC_CWD_* flags << 16 (length 0 if unknown).
 *
 * A global function: the verifier checks it once, on its own, instead of
 * going through the rest of the exec hook again for each way the walk can
 * end, which cost milliseconds of every start-up.
 */
__noinline int put_cwd(__u32 off)
{
	struct task_struct *p = bpf_get_current_task_btf();
	struct fs_struct *fs = BPF_CORE_READ(p, fs);
	struct cwd_walk w = { .pos = PT_CWD_MAX };
	struct scratch *s = get_scratch();
	struct pt_exec *e;
	struct dentry *d;
	struct mount *m;
	__u32 len;

	if (!fs || !s)
		return PT_EXEC_CWD_UNKNOWN << 16;
	e = (struct pt_exec *)s->buf;
	d = BPF_CORE_READ(fs, pwd.dentry);
	w.d = d;
	m = real_mount(BPF_CORE_READ(fs, pwd.mnt));
	w.m = m;
	w.mnt_root = BPF_CORE_READ(m, mnt.mnt_root);
	w.root = BPF_CORE_READ(fs, root.dentry);
	w.root_m = real_mount(BPF_CORE_READ(fs, root.mnt));
	/* d_unlinked(): a deleted directory has no path any more. */
	if (!d || (!BPF_CORE_READ(d, d_hash.pprev) && BPF_CORE_READ(d, d_parent) != d))
		return PT_EXEC_CWD_UNKNOWN << 16;
	bpf_loop(CWD_STEPS, cwd_step, &w, 0);
	if (w.flags & PT_EXEC_CWD_UNKNOWN)
		return PT_EXEC_CWD_UNKNOWN << 16;
	if (!w.done)
		w.flags |= PT_EXEC_CWD_TRUNCATED;
	if (w.pos == PT_CWD_MAX) { /* the root itself */
		w.pos = PT_CWD_MAX - 1;
		s->cwd[PT_CWD_MAX - 1] = '/';
	}
	if (w.flags & PT_EXEC_CWD_TRUNCATED) {
		w.pos -= CWD_ELLIPSIS;
		w.pos &= PT_CWD_MAX - 1;
		s->cwd[w.pos] = '.';
		s->cwd[(w.pos + 1) & (PT_CWD_MAX - 1)] = '.';
		s->cwd[(w.pos + 2) & (PT_CWD_MAX - 1)] = '.';
	}
	len = PT_CWD_MAX - w.pos;
	opaque(len);
	len &= 2 * PT_CWD_MAX - 1;
	if (off > PT_FILENAME_MAX + 2 * PT_ARGV_MAX)
		return PT_EXEC_CWD_UNKNOWN << 16;
	if (bpf_probe_read_kernel(e->data + off, len, s->cwd + (w.pos & (PT_CWD_MAX - 1))))
		return PT_EXEC_CWD_UNKNOWN << 16;
	return len | (w.flags & PT_EXEC_CWD_TRUNCATED) << 16;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, int old_pid, struct linux_binprm *bprm)
{
	unsigned long start, end;
	struct scratch *s;
	struct pt_exec *e;
	__u32 flen, alen, clen, flags = 0;
	long n;

	/*
	 * de_thread() is done: p is the group leader even if a thread exec'd.
	 * The old leader was killed by then, and its exit had the last look
	 * at what it kept; if it had ended before, a move the exec'ing thread
	 * made since the last context switch goes unseen.
	 */
	if (!is_traced(p->tgid))
		return 0;
	look_at(p);
	sc_at_exec(p);
	s = get_scratch();
	if (!s) {
		count_lost_exec();
		return 0;
	}
	e = (struct pt_exec *)s->buf;

	n = bpf_probe_read_kernel_str(e->data, PT_FILENAME_MAX, BPF_CORE_READ(bprm, filename));
	flen = n > 0 ? n - 1 : 0; /* without the NUL */
	opaque(flen);
	flen &= PT_FILENAME_MAX - 1;

	start = BPF_CORE_READ(p, mm, arg_start);
	end = BPF_CORE_READ(p, mm, arg_end);
	alen = end > start ? end - start : 0;
	if (alen > PT_ARGV_MAX) {
		alen = PT_ARGV_MAX;
		flags |= PT_EXEC_TRUNCATED;
	}
	opaque(alen);
	alen &= 2 * PT_ARGV_MAX - 1;
	if (alen && bpf_probe_read_user(e->data + flen, alen, (void *)start)) {
		alen = 0;
		flags |= PT_EXEC_TRUNCATED;
	}

#ifdef PT_WALK
	if (filter_uid) {
		__u32 uid = BPF_CORE_READ(p, real_cred, uid.val);

		if (bpf_map_lookup_elem(&uid_filter, &uid))
			flags |= PT_EXEC_UID_MATCH;
	}
#endif
	fill_hdr(&e->h, PT_EXEC, 0, p);
	e->filename_len = flen;
	e->argv_len = alen;
	e->flags = flags;
	n = put_cwd(flen + alen);
	e->flags |= n >> 16;
	clen = n;
	opaque(clen);
	clen &= 2 * PT_CWD_MAX - 1;
	e->cwd_len = clen;
	n = sizeof(*e) + flen + alen + clen;
	e->h.size = n;
	if (bpf_ringbuf_output(&events, e, n, wakeup_flag()))
		count_lost_exec();
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p)
{
	struct pt_pending_exit pe = {};
	struct pt_exit *e = &pe.e;
	struct signal_struct *sig = BPF_CORE_READ(p, signal);
	__u32 tgid = p->tgid;
	__u64 *w;

	w = traced_word(tgid);
	if (!w || !(*w & TRACED_BIT(tgid)))
		return 0;
	/*
	 * The leader's exit has a look at the process's ids: a setpgid() on
	 * a child that sleeps until it is killed is seen here, and so is the
	 * move of a thread that then exec'd (the exec kills the old leader,
	 * whose entry goes with it).
	 */
	if (p->pid == tgid)
		look_at(p);
	/*
	 * signal_struct is read through BPF_CORE_READ, not as a typed pointer:
	 * each pointer loaded from a typed pointer costs the verifier linear
	 * name searches through all of vmlinux's BTF at load time.
	 *
	 * Only a thread that finds the group dead reports the process (do_exit()
	 * drops signal->live before this tracepoint; reading it rather than the
	 * group_dead argument of 6.16+ keeps older kernels working). Two threads
	 * dying at once may both see it at zero: clearing the bit in the
	 * traced set lets exactly one of them report.
	 */
	if (BPF_CORE_READ(sig, live.counter)) {
		sc_at_thread_exit(p, sig);
		return 0;
	}
	if (!(__sync_fetch_and_and(w, ~TRACED_BIT(tgid)) & TRACED_BIT(tgid)))
		return 0;
	sc_at_exit(p);
	fill_hdr(&e->h, PT_EXIT, sizeof(*e), p);
	/* What wait(2) will report: see wait_task_zombie(). */
	if (BPF_CORE_READ(sig, flags) & SIGNAL_GROUP_EXIT)
		e->status = BPF_CORE_READ(sig, group_exit_code);
	else
		e->status = BPF_CORE_READ(p, group_leader, exit_code);
	e->pad = 0;
	/* Only if the final figures never come: released threads and this one, so far. */
	e->utime = BPF_CORE_READ(sig, utime) + p->utime;
	e->stime = BPF_CORE_READ(sig, stime) + p->stime;
	e->rtime = BPF_CORE_READ(sig, sum_sched_runtime) + p->se.sum_exec_runtime;
	e->prev_utime = BPF_CORE_READ(sig, prev_cputime.utime);
	e->prev_stime = BPF_CORE_READ(sig, prev_cputime.stime);
	/* do_exit() folded the mm's high-water mark in before this tracepoint. */
	e->maxrss = BPF_CORE_READ(sig, maxrss);
	if (!bpf_map_update_elem(&pending_exits, &tgid, &pe, BPF_NOEXIST)) {
		__sync_fetch_and_add(&pending, 1);
		return 0;
	}
	/* No room to wait for the last switch: report it now, a little short. */
	if (bpf_ringbuf_output(&events, e, sizeof(*e), wakeup_flag()))
		count_lost();
	return 0;
}

/*
 * Tries at a consistent read of signal's totals. __exit_signal() updates
 * them under stats_lock's seqcount, with interrupts off, when a thread is
 * released: a parent reaping a process as it switches out for the last
 * time holds it for a microsecond or so, and then there is no later
 * switch to wait for.
 */
#define STATS_READ_TRIES 4096

struct group_stats {
	struct signal_struct *sig;
	__u64 rtime, utime, stime;
	int nr_threads; /* -1 until read consistently */
};

static long read_group_stats(__u64 i, struct group_stats *g)
{
	struct signal_struct *sig = g->sig;
	__u32 seq = BPF_CORE_READ(sig, stats_lock.seqcount.seqcount.sequence);

	if (seq & 1)
		return 0;
	g->rtime = BPF_CORE_READ(sig, sum_sched_runtime);
	g->utime = BPF_CORE_READ(sig, utime);
	g->stime = BPF_CORE_READ(sig, stime);
	g->nr_threads = BPF_CORE_READ(sig, nr_threads);
	if (BPF_CORE_READ(sig, stats_lock.seqcount.seqcount.sequence) == seq)
		return 1;
	g->nr_threads = -1;
	return 0;
}

/*
 * Fill e with the CPU time wait4() reports for prev's process, if it is
 * final. thread_group_cputime() adds to signal's totals (every released
 * thread) the threads not released yet. Threads other than the leader are
 * released in exit_notify(), before their last switch; the leader stays
 * until it is reaped. So the figures are final once only the leader is
 * left and it has switched out for the last time, or once it is reaped.
 */
static __always_inline bool final_cpu(struct task_struct *prev, struct pt_pending_exit *pe,
				      struct pt_exit *e)
{
	struct signal_struct *sig = BPF_CORE_READ(prev, signal);
	struct task_struct *leader = BPF_CORE_READ(prev, group_leader);
	struct group_stats g = { .sig = sig, .nr_threads = -1 };
	bool is_leader = prev->pid == prev->tgid;

	/* Said before nr_threads is read: a thread released meanwhile then sees it. */
	if (is_leader)
		__sync_lock_test_and_set(&pe->leader_gone, 1);
	bpf_loop(STATS_READ_TRIES, read_group_stats, &g, 0);
	if (g.nr_threads < 0 || g.nr_threads > 1)
		return false;
	if (g.nr_threads == 1) {
		/*
		 * Only the leader is left, not released: add it once its own last
		 * switch is over (on_cpu is cleared only after that switch; the
		 * flag covers the moment in between).
		 */
		if (is_leader) {
			g.rtime += prev->se.sum_exec_runtime;
			g.utime += prev->utime;
			g.stime += prev->stime;
		} else if (pe->leader_gone || (BPF_CORE_READ(leader, __state) == TASK_DEAD &&
					       !BPF_CORE_READ(leader, on_cpu))) {
			g.rtime += BPF_CORE_READ(leader, se.sum_exec_runtime);
			g.utime += BPF_CORE_READ(leader, utime);
			g.stime += BPF_CORE_READ(leader, stime);
		} else {
			return false;
		}
	}
	e->rtime = g.rtime;
	e->utime = g.utime;
	e->stime = g.stime;
	/*
	 * wait4() splits the total as it last split it for anyone (getrusage(),
	 * /proc/PID/stat), never going back on it: the recorder needs that
	 * split too. With every thread done, nobody can change it any more
	 * but to what the recorder will compute.
	 */
	e->prev_utime = BPF_CORE_READ(sig, prev_cputime.utime);
	e->prev_stime = BPF_CORE_READ(sig, prev_cputime.stime);
	return true;
}

/* A thread of a traced process switched out for the last time: send its Exit if final. */
static __always_inline void last_switch(struct task_struct *prev)
{
	struct pt_pending_exit *pe;
	struct pt_exit e;
	__u32 tgid = prev->tgid;

	pe = bpf_map_lookup_elem(&pending_exits, &tgid);
	if (!pe)
		return;
	e = pe->e;
	/* Not yet: a later thread's last switch will do. */
	if (!final_cpu(prev, pe, &e))
		return;
	/* Whoever deletes the entry sends it: the recorder may have given up waiting. */
	if (bpf_map_delete_elem(&pending_exits, &tgid))
		return;
	__sync_fetch_and_add(&pending, -1);
	if (bpf_ringbuf_output(&events, &e, sizeof(e), wakeup_flag()))
		count_lost();
}

SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev)
{
	struct seen_ids *s;

	/*
	 * Every context switch of the system comes here: a task going for good
	 * may be the last of a process whose Exit waits; any other costs one
	 * bit of the traced set.
	 */
	if (prev->__state == TASK_DEAD) {
		last_switch(prev);
		return 0;
	}
	if (!is_traced(prev->tgid))
		return 0;
	/* Any thread of the process will do, the leader or not: it is still there. */
	s = bpf_task_storage_get(&seen, prev->group_leader, 0, 0);
	if (s)
		report_move(prev, s, ids_of(prev));
	return 0;
}

#ifdef PT_WALK
/* Rough CPU of a task so far, for a pt_walk_thread. */
static __always_inline void walk_thread(struct seq_file *seq, struct task_struct *t)
{
	struct pt_walk_thread r = {};

	r.h.kind = PT_WALK_THREAD;
	r.h.size = sizeof(r);
	r.h.pid = t->tgid;
	r.rtime = t->se.sum_exec_runtime;
	r.utime = t->utime;
	r.stime = t->stime;
	bpf_seq_write(seq, &r, sizeof(r));
}

/*
 * The task walk (record --all, -p), run once by the recorder after the
 * hooks are attached: a Running record for each process already there,
 * into the iterator's output, which the recorder reads at once. Sleepable,
 * to read another process's argv.
 *
 * No process is missed or told twice: the hooks were attached before the
 * walk, and the traced bit of a process decides who tells of it. A child
 * forked since the hooks were attached has its bit set by its Fork, and the
 * walk passes it by; one the walk came to first is a Running, and its
 * Fork is not sent. A process whose exit the walk meets halfway is told of
 * in full (Running, then Exit) or not at all (below).
 */
/*
 * The process whose Running did not fit in the iterator's output: the
 * kernel drops what the program wrote for it and runs the program on it
 * again at the next read, with its traced bit already set by the first run.
 */
__u32 walk_retry;

SEC("iter.s/task")
int walk(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *t = ctx->task;
	struct signal_struct *sig;
	struct pt_running *e;
	struct walk_buf *b;
	unsigned long start, end;
	__u32 tgid, alen, n, zero = 0, flags = 0;
	__u64 *w, old;

	if (!t)
		return 0;
	tgid = t->tgid;
	if (attach_pid > 0 && !in_attached_tree(t))
		return 0;
	if (t->pid != tgid) {
		walk_thread(seq, t);
		return 0;
	}
	sig = t->signal;
	if (!BPF_CORE_READ(sig, live.counter))
		return 0; /* ending: its exit has passed it by, or will */
	w = traced_word(tgid);
	b = bpf_map_lookup_elem(&walk_buf, &zero);
	if (!w || !b)
		return 0;
	old = __sync_fetch_and_or(w, TRACED_BIT(tgid));
	if ((old & TRACED_BIT(tgid)) && tgid != walk_retry)
		return 0; /* its Fork was recorded */
	e = (struct pt_running *)b->buf;
	fill_hdr(&e->h, PT_RUNNING, 0, t);
	/*
	 * It may have begun to exit since: if its exit has not taken the bit
	 * (so will send no Exit), it was never seen; if it has, its Exit is
	 * on its way, and this Running goes before it (its seq is older).
	 */
	if (!BPF_CORE_READ(sig, live.counter) &&
	    (__sync_fetch_and_and(w, ~TRACED_BIT(tgid)) & TRACED_BIT(tgid)))
		return 0;
	e->start = t->start_time;
	e->rtime = BPF_CORE_READ(sig, sum_sched_runtime) + t->se.sum_exec_runtime;
	e->utime = BPF_CORE_READ(sig, utime) + t->utime;
	e->stime = BPF_CORE_READ(sig, stime) + t->stime;
	e->prev_utime = BPF_CORE_READ(sig, prev_cputime.utime);
	e->prev_stime = BPF_CORE_READ(sig, prev_cputime.stime);
	e->uid = BPF_CORE_READ(t, real_cred, uid.val);
	e->pad = 0;
	bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), t->comm);

	start = BPF_CORE_READ(t, mm, arg_start);
	end = BPF_CORE_READ(t, mm, arg_end);
	alen = end > start ? end - start : 0;
	if (alen > PT_RUNNING_ARGV_MAX) {
		alen = PT_RUNNING_ARGV_MAX;
		flags |= PT_EXEC_TRUNCATED;
	}
	opaque(alen);
	alen &= 2 * PT_RUNNING_ARGV_MAX - 1;
	if (alen && bpf_copy_from_user_task(e->data, alen, (void *)start, t, 0)) {
		alen = 0;
		flags |= PT_EXEC_TRUNCATED;
	}
	e->argv_len = alen;
	e->flags = flags;
	/* a multiple of 8, so that every record of the output is aligned for the reader */
	n = (sizeof(*e) + alen + 7) & ~7u;
	e->h.size = n;
	if (bpf_seq_write(seq, e, n))
		walk_retry = tgid; /* the output is full: this runs again on it */
	else if (walk_retry == tgid)
		walk_retry = 0;
	return 0;
}
#endif

#ifdef PT_SYSCALL_HOOK
/*
 * The syscall exit hook, loaded and attached only when an option needs it
 * (--failed-execs): while any program is attached to sys_exit, the kernel
 * sends every syscall of every task on the machine down its slower exit
 * path. Nothing else sees an exec that fails: the exec tracepoints fire
 * only once an exec can no longer fail.
 */
static __always_inline void on_badexec(struct task_struct *t, long ret, const char *ufilename)
{
	struct pt_badexec *e;
	struct scratch *s;
	__u32 flen, flags = 0;
	char c;
	long n;

	s = get_scratch();
	if (!s) {
		count_lost_exec();
		return;
	}
	e = (struct pt_badexec *)s->buf;
	n = bpf_probe_read_user_str(e->data, PT_FILENAME_MAX, ufilename);
	flen = n > 0 ? n - 1 : 0;
	/*
	 * The kernel takes a path of at most PATH_MAX - 1 bytes (longer ones
	 * fail with ENAMETOOLONG), but what was asked for can be longer: a
	 * byte where the NUL would be means it was cut.
	 */
	if (n == PT_FILENAME_MAX &&
	    !bpf_probe_read_user(&c, 1, ufilename + PT_FILENAME_MAX - 1) && c)
		flags |= PT_EXEC_TRUNCATED;
	opaque(flen);
	flen &= PT_FILENAME_MAX - 1;
	fill_hdr(&e->h, PT_BADEXEC, sizeof(*e) + flen, t);
	e->err = -ret;
	e->filename_len = flen;
	e->flags = flags;
	e->pad = 0;
	if (bpf_ringbuf_output(&events, e, (sizeof(*e) + flen) & (2 * PT_FILENAME_MAX - 1),
			       wakeup_flag()))
		count_lost_exec();
}

/* include/linux/errno.h: ERESTARTSYS .. ERECALLCONFLICT */
#define KERNEL_ERRNO_MIN 512
#define KERNEL_ERRNO_MAX 530

/*
 * Whether a failed exec is one user space sees. Returns in the kernel's own
 * range are not: a restart code restarts the call (the retry is seen on
 * its own), or goes with its dying task, or, rarely for an exec, becomes
 * EINTR, which is then not recorded. Nor is any failure of a thread that
 * is being killed: it dies before it returns. When threads exec at once,
 * the one that takes cred_guard_mutex kills the others, whose execs end
 * with -ERESTARTNOINTR, -ERESTARTNOHAND, or -E2BIG when copying argv
 * meets the kill: the process did not fail to exec, it exec'd.
 */
static __always_inline bool exec_failure_seen(struct task_struct *t, long ret)
{
	if (ret <= -KERNEL_ERRNO_MIN && ret >= -KERNEL_ERRNO_MAX)
		return false;
	return !(t->pending.signal.sig[0] & (1ul << (SIGKILL - 1)));
}

#if defined(__TARGET_ARCH_x86)
/*
 * The ia32 entry sets TS_COMPAT for the length of the syscall; it is
 * cleared on the way back to user space, after sys_exit. A kernel without
 * the field has no ia32 syscalls to tell apart.
 */
static __always_inline bool in_ia32_syscall(struct task_struct *t)
{
	if (!bpf_core_field_exists(t->thread_info.status))
		return false;
	return t->thread_info.status & TS_COMPAT;
}

#define MAYBE_EXEC(nr) \
	((nr) == NR_EXECVE || (nr) == NR_EXECVEAT || (nr) == NR32_EXECVE || (nr) == NR32_EXECVEAT)
#else
#define MAYBE_EXEC(nr) ((nr) == NR_EXECVE || (nr) == NR_EXECVEAT)
#endif

/* Whether t's syscall nr is an exec, and the filename it asked for. */
static __always_inline bool exec_call(struct task_struct *t, struct pt_regs *regs, long nr,
				      unsigned long *filename)
{
#if defined(__TARGET_ARCH_x86)
	/* Which ABI: native munmap has the number of ia32's execve. */
	if (in_ia32_syscall(t)) {
		*filename = nr == NR32_EXECVE ? SYSCALL32_ARG0(regs) : SYSCALL32_ARG1(regs);
		return nr == NR32_EXECVE || nr == NR32_EXECVEAT;
	}
#endif
	*filename = nr == NR_EXECVE ? SYSCALL_ARG0(regs) : SYSCALL_ARG1(regs);
	return nr == NR_EXECVE || nr == NR_EXECVEAT;
}

/* Runs at the end of every syscall on the system: the return value first, then the number. */
SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = SYSCALL_NR(regs);
	unsigned long filename;
	struct task_struct *t;

	if (ret >= 0 || !MAYBE_EXEC(nr))
		return 0;
	t = bpf_get_current_task_btf();
	if (!exec_call(t, regs, nr, &filename) || !is_traced(bpf_get_current_pid_tgid() >> 32) ||
	    !exec_failure_seen(t, ret))
		return 0;
	on_badexec(t, ret, (const char *)filename);
	return 0;
}
#endif
