// SPDX-License-Identifier: GPL-2.0
/* record/sample.bpf.c: the sampling program: CPU, memory and threads of the processes the recorder names. */
#include "core.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "formats/event.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * Run by the recorder (BPF_PROG_TEST_RUN) every --sample-interval, with
 * the live processes of the tree in pids[] (it knows them from the Forks
 * and Exits it has read): one pt_sample in out[] for each that is still
 * alive. Both arrays are in .bss, which the recorder maps: no syscall but
 * the run. A separate object, loaded at the first round only: a recording
 * without sampling, or shorter than one interval, never pays for it.
 */
__u32 nr_pids;
__s32 pids[PT_SAMPLE_BATCH];
__u32 nr_out;
struct pt_sample out[PT_SAMPLE_BATCH];

extern struct task_struct *bpf_task_from_pid(__s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

/* Threads summed per process at most: a runaway list walk ends here. */
#define THREADS_MAX 65536
/* Tries at a read not torn by a thread's release (stats_lock's seqcount). */
#define TRIES 8

struct thread_sum {
	struct list_head *head, *node;
	__u64 rtime, utime, stime;
};

/* One thread of the list: add its own times, which signal's totals lack until it is released. */
static long add_thread(__u64 i, struct thread_sum *ts)
{
	struct list_head *node = ts->node;
	struct task_struct *t;

	if (!node || node == ts->head)
		return 1;
	t = (void *)node - bpf_core_field_offset(struct task_struct, thread_node);
	ts->rtime += BPF_CORE_READ(t, se.sum_exec_runtime);
	ts->utime += BPF_CORE_READ(t, utime);
	ts->stime += BPF_CORE_READ(t, stime);
	ts->node = BPF_CORE_READ(node, next);
	return 0;
}

/*
 * thread_group_cputime(): signal's totals (released threads) plus each
 * thread still on the list, read between two equal, even values of
 * stats_lock's count, which __exit_signal() bumps while it moves a
 * thread's times into signal and takes it off the list.
 */
static __always_inline bool group_cputime(struct signal_struct *sig, struct pt_sample *o)
{
	for (int try = 0; try < TRIES; try++) {
		__u32 seq = BPF_CORE_READ(sig, stats_lock.seqcount.seqcount.sequence);
		struct thread_sum ts = {};

		if (seq & 1)
			continue;
		ts.head = &sig->thread_head;
		ts.node = BPF_CORE_READ(sig, thread_head.next);
		ts.rtime = BPF_CORE_READ(sig, sum_sched_runtime);
		ts.utime = BPF_CORE_READ(sig, utime);
		ts.stime = BPF_CORE_READ(sig, stime);
		o->threads = BPF_CORE_READ(sig, nr_threads);
		bpf_loop(THREADS_MAX, add_thread, &ts, 0);
		if (BPF_CORE_READ(sig, stats_lock.seqcount.seqcount.sequence) != seq)
			continue;
		o->rtime = ts.rtime;
		o->utime = ts.utime;
		o->stime = ts.stime;
		o->prev_utime = BPF_CORE_READ(sig, prev_cputime.utime);
		o->prev_stime = BPF_CORE_READ(sig, prev_cputime.stime);
		return true;
	}
	return false;
}

static long sample_one(__u64 i, void *unused)
{
	struct task_struct *t;
	struct signal_struct *sig;
	struct mm_struct *mm;
	struct pt_sample *o;
	__u32 k = nr_out;

	if (i >= PT_SAMPLE_BATCH || k >= PT_SAMPLE_BATCH)
		return 1;
	t = bpf_task_from_pid(pids[i]);
	if (!t)
		return 0;
	o = &out[k];
	sig = BPF_CORE_READ(t, signal);
	/*
	 * A process whose last thread has begun to exit is not sampled: its
	 * Exit (taken after live drops to 0) comes after this round's
	 * timestamp, and it says what the process used in the end.
	 */
	if (!sig || !BPF_CORE_READ(sig, live.counter) || !group_cputime(sig, o)) {
		bpf_task_release(t);
		return 0;
	}
	o->h.kind = PT_SAMPLE;
	o->h.size = sizeof(*o);
	o->h.pid = pids[i];
	o->h.ppid = 0;
	o->h.pgid = 0;
	mm = BPF_CORE_READ(t, mm);
	if (mm) {
		o->rss = BPF_CORE_READ(mm, rss_stat[MM_FILEPAGES].count) +
			 BPF_CORE_READ(mm, rss_stat[MM_ANONPAGES].count) +
			 BPF_CORE_READ(mm, rss_stat[MM_SHMEMPAGES].count);
		o->swap = BPF_CORE_READ(mm, rss_stat[MM_SWAPENTS].count);
		/* A per-CPU counter may read a little below 0 */
		if ((__s64)o->rss < 0)
			o->rss = 0;
		if ((__s64)o->swap < 0)
			o->swap = 0;
	} else {
		o->rss = o->swap = 0;
	}
	bpf_task_release(t);
	nr_out = k + 1;
	return 0;
}

SEC("syscall")
int sample(void *ctx)
{
	__u32 n = nr_pids;

	nr_out = 0;
	if (n > PT_SAMPLE_BATCH)
		n = PT_SAMPLE_BATCH;
	bpf_loop(n, sample_one, NULL, 0);
	return 0;
}
