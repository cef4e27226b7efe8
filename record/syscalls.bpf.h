/* record/syscalls.bpf.h: the kernel side of record --syscalls: count every syscall of the traced processes. */
#ifndef PROCTRACE_SYSCALLS_BPF_H
#define PROCTRACE_SYSCALLS_BPF_H

/*
 * Included by proctrace.bpf.c in the build that counts syscalls (-DPT_SYSCALL_COUNT),
 * after the helpers it uses (is_traced, fill_hdr, get_scratch, count_lost).
 *
 * Every syscall of a traced process is counted at sys_enter, in a table per
 * process (a slot per syscall number) kept in task storage on the group
 * leader, which all its threads share: so exit_group(), which never
 * returns, is counted, and so are the calls of threads. Task storage grows
 * with the processes and goes with them: no table can fill. The ia32
 * table is made only for a process that makes an ia32 syscall. The exec
 * and exit hooks send the counts (only the slots with one) as PT_SYSCALLS:
 * at an exec for the image that ends, at the end of the process; the
 * recorder reads those of processes still alive when it stops.
 */

/* Syscalls that could not be counted: no memory for a table, a number out of range, a lost record. */
__u64 sc_lost;

#define sc_table pt_sc_table
#define sc_proc pt_sc_proc

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sc_proc);
} sc_native SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sc_table);
} sc_ia32 SEC(".maps");

#if defined(__TARGET_ARCH_x86)
#define SC_TS_COMPAT 0x0002
/* The ia32 entry sets TS_COMPAT before sys_enter, for the length of the syscall. */
static __always_inline bool sc_in_ia32(struct task_struct *t)
{
	if (!bpf_core_field_exists(t->thread_info.status))
		return false;
	return t->thread_info.status & SC_TS_COMPAT;
}
#define SC_IS_EXEC(nr, ia32) ((ia32) ? (nr) == 11 || (nr) == 358 : (nr) == 59 || (nr) == 322)
#else
#define sc_in_ia32(t) false
#define SC_IS_EXEC(nr, ia32) ((nr) == NR_EXECVE || (nr) == NR_EXECVEAT)
#endif

static __always_inline void sc_count_lost(__u64 n)
{
	__sync_fetch_and_add(&sc_lost, n);
}

/* Runs at the start of every syscall on the system: one bit of the traced set for most. */
SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct task_struct *leader;
	struct sc_proc *p = NULL;
	struct sc_table *q;
	bool ia32;
	__u32 nr;

	if (!is_traced(t->tgid))
		return 0;
	if ((unsigned long)id >= PT_SC_SLOTS) {
		sc_count_lost(1);
		return 0;
	}
	nr = id & (PT_SC_SLOTS - 1);
	leader = t->group_leader;
	ia32 = sc_in_ia32(t);
	if (ia32) {
		q = bpf_task_storage_get(&sc_ia32, leader, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!q) {
			sc_count_lost(1);
			return 0;
		}
		__sync_fetch_and_add(&q->n[nr], 1);
	} else {
		p = bpf_task_storage_get(&sc_native, leader, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!p) {
			sc_count_lost(1);
			return 0;
		}
		__sync_fetch_and_add(&p->n[nr], 1);
	}
	/* Remembered so that the exec, if it succeeds, is counted to the program it starts. */
	if (SC_IS_EXEC(nr, ia32)) {
		if (!p)
			p = bpf_task_storage_get(&sc_native, leader, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (p)
			p->exec = (ia32 ? PT_SC_IA32 : 0) + nr + 1;
	}
	return 0;
}

/* A walk over one table, collecting its counts into a PT_SYSCALLS record. */
struct sc_walk {
	__u64 *n;                /* the table */
	struct pt_syscalls *rec; /* in the CPU's scratch */
	__u64 total;             /* syscalls collected */
	__u32 base;              /* 0, or PT_SC_IA32 */
	__u32 k;                 /* entries collected */
	bool reset;              /* empty the table as it is read */
};

static long sc_walk_one(__u64 i, struct sc_walk *w)
{
	__u64 c;

	if (i >= PT_SC_SLOTS)
		return 1;
	c = w->n[i];
	if (!c)
		return 0;
	if (w->reset)
		w->n[i] = 0;
	w->total += c;
	if (c > PT_SC_COUNT_MAX)
		c = PT_SC_COUNT_MAX;
	w->rec->e[w->k & (PT_SC_ENTRIES - 1)] = c << 16 | (w->base + i);
	w->k++;
	return 0;
}

/*
 * Send the counts kept on leader as a PT_SYSCALLS record of t's process.
 * reset: empty them (an exec: the next image starts from nothing). at_exec:
 * the exec syscall that made the exec succeed moves to the new image, as
 * strace -c and syscallbypid count it.
 */
static __always_inline void sc_send(struct task_struct *leader, struct task_struct *t, bool reset,
				    bool at_exec)
{
	struct sc_proc *p = bpf_task_storage_get(&sc_native, leader, 0, 0);
	struct sc_table *q = bpf_task_storage_get(&sc_ia32, leader, 0, 0);
	struct sc_walk w = { .reset = reset };
	__u64 *moved = NULL;
	struct scratch *s;
	__u32 size, slot;

	/* Neither table (!p && !q) ends at !w.k below: clang would or the pointers, which the verifier refuses. */
	if (at_exec && p && p->exec) {
		slot = (p->exec - 1) & (PT_SC_ENTRIES - 1);
		p->exec = 0;
		if (slot < PT_SC_IA32)
			moved = &p->n[slot];
		else if (q)
			moved = &q->n[slot - PT_SC_IA32];
		if (moved && *moved)
			*moved -= 1;
		else
			moved = NULL;
	}
	s = get_scratch();
	if (!s) {
		count_lost();
		return;
	}
	w.rec = (struct pt_syscalls *)s->buf;
	if (p) {
		w.n = p->n;
		w.base = 0;
		bpf_loop(PT_SC_SLOTS, sc_walk_one, &w, 0);
	}
	if (q) {
		w.n = q->n;
		w.base = PT_SC_IA32;
		bpf_loop(PT_SC_SLOTS, sc_walk_one, &w, 0);
	}
	if (moved)
		*moved = 1;
	if (!w.k)
		return;
	size = sizeof(struct pt_syscalls) + (w.k & (PT_SC_ENTRIES - 1)) * sizeof(__u64);
	if (w.k > PT_SC_ENTRIES - 1) /* every slot of both tables: the mask above took one */
		size = sizeof(struct pt_syscalls) + PT_SC_ENTRIES * sizeof(__u64);
	fill_hdr(&w.rec->h, PT_SYSCALLS, size, t);
	w.rec->n = w.k;
	w.rec->pad = 0;
	if (bpf_ringbuf_output(&events, w.rec, size, wakeup_flag())) {
		count_lost();
		sc_count_lost(w.total);
	}
}

/* At the exec of p (the leader, de_thread() done): the counts of the image that ends. */
static __always_inline void sc_at_exec(struct task_struct *p)
{
	sc_send(p, p, true, true);
}

/*
 * A thread of a process that lives on exits. If it is the leader, killed
 * by another thread's exec, the table it holds would go with it: send the
 * image's counts now, before the Exec.
 */
static __always_inline void sc_at_thread_exit(struct task_struct *p, struct signal_struct *sig)
{
	if (p->pid != p->tgid || !bpf_core_field_exists(sig->group_exec_task) ||
	    !BPF_CORE_READ(sig, group_exec_task))
		return;
	sc_send(p, p, true, false);
}

/* The process of p ends (its last thread): its counts, before its Exit. */
static __always_inline void sc_at_exit(struct task_struct *p)
{
	sc_send(p->group_leader, p, false, false);
}

#endif
