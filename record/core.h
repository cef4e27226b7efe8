/* record/core.h: the few kernel types the BPF program reads, as CO-RE relocatable declarations. */
#ifndef PROCTRACE_CORE_H
#define PROCTRACE_CORE_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed int __s32;
typedef signed long long __s64;
typedef __u32 __wsum;
typedef __u16 __be16;
typedef __u32 __be32;
typedef _Bool bool;
enum { false = 0, true = 1 };

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_RINGBUF = 27,
	BPF_MAP_TYPE_TASK_STORAGE = 29,
};

enum {
	BPF_F_NO_PREALLOC = 1,
};

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
};

enum {
	BPF_RB_NO_WAKEUP = 1,
	BPF_RB_FORCE_WAKEUP = 2,
};

enum {
	BPF_RB_AVAIL_DATA = 0,
};

enum {
	BPF_LOCAL_STORAGE_GET_F_CREATE = 1,
};

/* include/linux/sched/signal.h */
#define SIGNAL_GROUP_EXIT 0x00000004
/* include/linux/sched.h */
#define TASK_DEAD 0x00000080
#define SIGKILL 9

/*
 * Only the fields read, relocated by name against the running kernel's BTF
 * (libbpf also finds fields nested in anonymous structs, as in mm_struct).
 */
#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

enum pid_type {
	PIDTYPE_PID,
	PIDTYPE_TGID,
	PIDTYPE_PGID,
	PIDTYPE_SID,
	PIDTYPE_MAX,
};

typedef struct {
	int counter;
} atomic_t;

struct upid {
	int nr;
};

/* numbers[0] is the initial namespace's: the global number. */
struct pid {
	struct upid numbers[1];
};

struct list_head {
	struct list_head *next;
};

/* seqlock_t, down to its sequence count (the kernel's is an anonymous struct). */
struct seqcount {
	unsigned int sequence;
};

struct seqcount_spinlock {
	struct seqcount seqcount;
};

struct seqlock {
	struct seqcount_spinlock seqcount;
};

struct prev_cputime {
	__u64 utime;
	__u64 stime;
};

struct signal_struct {
	struct list_head thread_head;
	atomic_t live;
	int nr_threads;
	struct seqlock stats_lock;
	int group_exit_code;
	unsigned int flags;
	struct pid *pids[PIDTYPE_MAX];
	__u64 utime;
	__u64 stime;
	struct prev_cputime prev_cputime;
	unsigned long maxrss;
	unsigned long long sum_sched_runtime;
	struct task_struct *group_exec_task; /* the thread exec'ing while de_thread() runs (5.17+) */
};

/* The mm's counters; count alone is what /proc shows (percpu_counter_read_positive()). */
struct percpu_counter {
	__s64 count;
};

/* include/linux/mm_types_task.h */
enum {
	MM_FILEPAGES,
	MM_ANONPAGES,
	MM_SWAPENTS,
	MM_SHMEMPAGES,
};

struct mm_struct {
	unsigned long arg_start;
	unsigned long arg_end;
	struct percpu_counter rss_stat[4];
};


struct sched_entity {
	__u64 sum_exec_runtime;
};

typedef struct {
	unsigned long sig[1];
} sigset_t;

/* A task's own pending signals: a SIGKILL for the whole group is put in each thread's. */
struct sigpending {
	sigset_t signal;
};

/* x86's: status holds TS_COMPAT during an ia32 syscall. Read only there. */
struct thread_info {
	__u32 status;
};

typedef struct {
	__u32 val;
} kuid_t;

struct cred {
	kuid_t uid;
};

struct task_struct {
	struct thread_info thread_info;
	char comm[16];
	__u64 start_time;
	const struct cred *real_cred;
	unsigned int __state;
	int on_cpu;
	int pid;
	int tgid;
	int exit_code;
	__u64 utime;
	__u64 stime;
	struct sched_entity se;
	struct mm_struct *mm;
	struct task_struct *real_parent;
	struct task_struct *group_leader;
	struct signal_struct *signal;
	struct sigpending pending;
	struct fs_struct *fs;
	struct list_head thread_node;
};

/* The working directory's path, walked up as d_path() does. */
struct qstr {
	__u32 len;
	const unsigned char *name;
};

struct hlist_bl_node {
	struct hlist_bl_node **pprev; /* NULL: unhashed (a deleted dentry) */
};

struct dentry {
	struct hlist_bl_node d_hash;
	struct dentry *d_parent;
	struct qstr d_name;
};

struct vfsmount {
	struct dentry *mnt_root;
};

struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
};

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
};

struct fs_struct {
	struct path root;
	struct path pwd;
};

struct linux_binprm {
	const char *filename;
};

/* The context of a task iterator (record --all, -p: the processes already there). */
struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
};

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
};

#pragma clang attribute pop

/*
 * The registers saved at syscall entry. Their layout is fixed by the entry
 * code and the ptrace ABI (x86_64's is user_regs_struct's), so it is
 * declared whole, outside CO-RE. The kernel keeps the CO-RE candidates it
 * finds in a 31-slot cache indexed by a hash of the type's name, and
 * "pt_regs" and "linux_binprm" share a slot: relocating both made every
 * load search all of vmlinux's BTF twice, about 3 ms of start-up.
 */
#if defined(__TARGET_ARCH_x86)
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax;
	unsigned long ip, cs, flags, sp, ss;
};
_Static_assert(__builtin_offsetof(struct pt_regs, orig_ax) == 15 * 8, "ORIG_RAX");
#elif defined(__TARGET_ARCH_arm64)
struct pt_regs {
	__u64 regs[31];
	__u64 sp, pc, pstate;
	__u64 orig_x0;
	__s32 syscallno; /* little-endian: before the padding */
};
_Static_assert(__builtin_offsetof(struct pt_regs, syscallno) == 280, "syscallno");
#endif

#endif
