/* formats/event.h: the binary records the BPF program sends to the recorder (the kernel/user ABI). */
#ifndef PROCTRACE_EVENT_H
#define PROCTRACE_EVENT_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/*
 * Every record starts with struct pt_hdr; kind says which struct follows.
 * Records are little more than the kernel's raw values: the recorder does
 * the arithmetic (wait status decoding, CPU time scaling, pages to KiB).
 */
enum pt_kind {
	PT_FORK = 1,
	PT_EXEC,
	PT_BADEXEC,
	PT_EXIT,
	PT_SETSID,
	PT_SETPGID,
	PT_SAMPLE,
	PT_SYSCALLS = 9,
	PT_RUNNING = 8,
	/* Only in the task walk's output (record --all, -p), never on the ring. */
	PT_WALK_THREAD = 64,
};

/* Longest filename kept (PATH_MAX), and argv bytes kept (MAX_ARG_STRLEN). */
#define PT_FILENAME_MAX 4096
#define PT_ARGV_MAX (128 * 1024)

/* pt_exec.flags, pt_badexec.flags: Exec: argv was longer than PT_ARGV_MAX;
 * BadExec: the filename asked for was longer than PT_FILENAME_MAX - 1 */
#define PT_EXEC_TRUNCATED 1u
/* pt_exec.flags (record --uid): the process's real uid is one of the filter's */
#define PT_EXEC_UID_MATCH (1u << 31)

/* argv bytes a Running keeps: a walk record must fit the iterator's 32 KiB buffer */
#define PT_RUNNING_ARGV_MAX (16 * 1024)
/* pt_exec.flags: the cwd is only its deepest part, after ".../"; the cwd is not known */
#define PT_EXEC_CWD_TRUNCATED 2u
#define PT_EXEC_CWD_UNKNOWN 4u

/* Longest working directory kept (PATH_MAX, the "..." of a cut one included). */
#define PT_CWD_MAX 4096

struct pt_hdr {
	__u32 kind;  /* enum pt_kind */
	__u32 size;  /* bytes of the whole record */
	__u64 seq;   /* global emission counter */
	__u64 ts;    /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__s32 pid;   /* tgid; Fork: the parent; SetPGID: the process moved */
	__s32 ppid;  /* real parent's tgid */
	__s32 pgid;  /* real process group; SetPGID: the new group */
	__u32 pad;
};

struct pt_fork {
	struct pt_hdr h;
	__s32 child_pid;
	__u32 pad;
};

/* Followed by filename_len bytes of filename (no NUL), then argv_len bytes
 * of argv: each argument NUL-terminated, the last one maybe cut; then
 * cwd_len bytes of the working directory (no NUL; 0 if unknown). */
struct pt_exec {
	struct pt_hdr h;
	__u32 filename_len;
	__u32 argv_len;
	__u32 flags; /* PT_EXEC_* */
	__u32 cwd_len;
	char data[];
};

/* Followed by filename_len bytes of the filename the exec was asked for. */
struct pt_badexec {
	struct pt_hdr h;
	__s32 err; /* positive errno */
	__u32 filename_len;
	__u32 flags; /* PT_EXEC_* */
	__u32 pad;
	char data[];
};

struct pt_exit {
	struct pt_hdr h;
	__u32 status;  /* wait status: signal in bits 0-6, core 0x80, code in 8-15 */
	__u32 pad;
	__u64 utime;   /* ns, tick-sampled (task + dead threads) */
	__u64 stime;
	__u64 rtime;   /* ns, precise total runtime; utime/stime only give the split */
	__u64 prev_utime; /* ns, the split last reported for the group (signal->prev_cputime) */
	__u64 prev_stime;
	__u64 maxrss;  /* pages: the group's memory high-water mark */
};

/* An Exit waiting in the kernel for the last context switch of its process's threads. */
struct pt_pending_exit {
	struct pt_exit e;     /* CPU times as they were at the exit, until final */
	__u32 leader_gone;    /* the group leader has switched out for the last time */
	__u32 pad;
};

struct pt_setsid {
	struct pt_hdr h;
	__s32 sid;
	__u32 pad;
};

struct pt_setpgid {
	struct pt_hdr h;
};

/*
 * A process already there when the recording started, written by the task
 * walk (record --all, -p) when it first sees it. h.ts is when it was seen;
 * followed by argv_len bytes of argv (as pt_exec's).
 */
struct pt_running {
	struct pt_hdr h;
	__u64 start;      /* task->start_time: CLOCK_MONOTONIC ns */
	__u64 rtime;      /* CPU so far, as pt_exit has it (dead threads and the leader's;
			     live threads come as PT_WALK_THREAD records) */
	__u64 utime, stime, prev_utime, prev_stime;
	__u32 uid;        /* real uid */
	__u32 argv_len;
	__u32 flags;      /* PT_EXEC_TRUNCATED */
	__u32 pad;
	char comm[16];
	char data[];
};

/* A thread (not the leader) of a process seen by the walk: its CPU so far. h.pid: the tgid. */
struct pt_walk_thread {
	struct pt_hdr h;
	__u64 rtime, utime, stime;
};

/*
 * What a live process uses now (record/sample.bpf.c). Not sent through the
 * ring buffer: the recorder runs the sampling program and reads these from
 * its memory, and gives them their seq and timestamp (h.seq, h.ts).
 */
struct pt_sample {
	struct pt_hdr h;
	__u64 utime;   /* as in pt_exit: signal's totals and the live threads' */
	__u64 stime;
	__u64 rtime;
	__u64 prev_utime;
	__u64 prev_stime;
	__u64 rss;     /* pages: file, anon and shmem */
	__u64 swap;    /* pages */
	__u32 threads;
	__u32 pad;
};

/* Processes looked at per run of the sampling program. */
#define PT_SAMPLE_BATCH 1024

/*
 * Syscall counts (record --syscalls): a slot per syscall number and ABI,
 * PT_SC_SLOTS for the native table, then as many for the ia32 one (x86).
 * Each entry is a count (at most PT_SC_COUNT_MAX) shifted left by 16, or'ed
 * with its slot. Only slots with a count are sent.
 */
#define PT_SC_SLOTS 512
#define PT_SC_IA32 PT_SC_SLOTS /* the slot of ia32 syscall N is PT_SC_IA32 + N */
#define PT_SC_ENTRIES (2 * PT_SC_SLOTS)
#define PT_SC_COUNT_MAX ((1ull << 48) - 1)

/* The tables kept per process in task storage, read by the recorder at the end. */
struct pt_sc_table {
	__u64 n[PT_SC_SLOTS];
};

struct pt_sc_proc {
	__u64 exec;           /* slot + 1 of the last exec syscall entered, 0 if none */
	__u64 n[PT_SC_SLOTS]; /* the native table */
};

struct pt_syscalls {
	struct pt_hdr h;
	__u32 n;     /* entries */
	__u32 pad;
	__u64 e[];   /* count << 16 | slot */
};

#endif
