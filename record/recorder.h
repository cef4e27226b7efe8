/* record/recorder.h: run a command held on a gate and record its process tree into JSON lines. */
#ifndef PROCTRACE_RECORDER_H
#define PROCTRACE_RECORDER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/*
 * 4 MiB held 0 lost in a 100,000-process storm and in a storm of 30 KB
 * argv execs on saturated CPUs at 1 MiB; bigger costs start-up time
 * (the kernel zeroes and maps every page).
 */
#define RECORDER_DEFAULT_BUFFER (4u << 20)
#define RECORDER_MIN_BUFFER 4096u
#define RECORDER_MAX_BUFFER (1u << 30)

/* --sample-interval: the default, and the shortest (ns). */
#define RECORDER_DEFAULT_SAMPLE_INTERVAL 1000000000ull
#define RECORDER_MIN_SAMPLE_INTERVAL 10000000ull

/*
 * What the recorder itself inherited and may change while it runs (it
 * blocks and takes signals, ignores SIGPIPE, lowers its oom_score_adj, and
 * libbpf may raise RLIMIT_MEMLOCK): CMD is given it back before its exec,
 * so it runs as it would without proctrace.
 */
struct recorder_inherited {
	sigset_t mask;
	struct sigaction act[_NSIG]; /* act[sig], for each sig with has_act */
	bool has_act[_NSIG];
	struct rlimit lim[RLIM_NLIMITS];
	bool has_lim[RLIM_NLIMITS];
	int oom_score_adj;
	bool has_oom;
};

/* Save the calling process's state, before anything changes it. */
void recorder__save_inherited(struct recorder_inherited *s);

/*
 * The signals that stop a recording (SIGINT, SIGTERM, SIGHUP, SIGQUIT):
 * passed on to CMD once it runs; before that, they cancel the start.
 */
void recorder__stop_signals(sigset_t *set);

/*
 * A stop signal pending (blocked) in the calling process, 0 if none; with
 * s, one the process inherited as ignored does not count, as it would not
 * have stopped it.
 */
int recorder__stop_pending(const struct recorder_inherited *s);

/* pid's start time in clock ticks since boot (/proc/PID/stat), 0 if it cannot be read. */
uint64_t recorder__start_ticks(pid_t pid);

/*
 * Whether pid still is the process pidfd names (-1: none), or else the one
 * that started at start ticks (0: unknown, which is never the same).
 */
bool recorder__attach_same(pid_t pid, int pidfd, uint64_t start);

struct event;
struct rec_end;

/* What a live consumer is told when tracing starts. */
struct recorder_start {
	uint64_t start_real;      /* CLOCK_REALTIME ns of timestamp 0 */
	uint64_t start_mono;      /* CLOCK_MONOTONIC ns of timestamp 0 (tick's clock) */
	int32_t root_pid;         /* CMD's pid (0: no CMD) */
	int32_t attached_pid;     /* -p PID (0: none) */
	bool system_wide;         /* --all */
};

/* And at the end, once every event has been passed on. */
struct recorder_stats {
	const struct rec_end *end; /* the End line (also without a recording) */
	uint64_t lost_execs;      /* of end->lost: Exec and BadExec records */
	uint64_t nevents, nprocs;
};

/*
 * A live consumer of the events as they arrive (proctrace snoop, record
 * --summary): called on the recorder's thread, in the order the kernel
 * sent the records (which is not quite time order: an Exit can come late).
 * Any function may be NULL. ev and its strings are borrowed for the call.
 */
struct recorder_hook {
	void (*start)(void *ctx, const struct recorder_start *s);
	void (*event)(void *ctx, const struct event *ev);
	void (*tick)(void *ctx, uint64_t now_mono); /* after each batch, and at least
						      every 30 ms: flush, periodic work */
	void (*signal)(void *ctx, int sig);         /* SIGUSR1, taken only if set */
	void (*end)(void *ctx, const struct recorder_stats *st);
	void *ctx;
};

/* What to run and how. Everything is borrowed for the recorder's lifetime. */
struct recorder_opts {
	char *const *argv;        /* CMD and its arguments, NULL-terminated; NULL
				     for none (--all or -p alone) */
	int out_fd;               /* where the JSON lines go; the caller closes it;
				     -1: no recording, only the hooks */
	const struct recorder_hook *const *hooks; /* NULL-terminated, or NULL */
	const char *out_name;     /* named in messages */
	bool truncate_out;        /* empty out_fd once tracing has started (--force) */
	uint64_t buffer_size;     /* ring buffer bytes: a power of two >= page size */
	bool no_wait;             /* end when CMD exits, not when the whole tree has */
	bool failed_execs;        /* also record failed execs (BadExec): needs the
				     syscall exit hook, a cost to every syscall on
				     the machine while recording */
	bool syscalls;            /* count every syscall of every process (Syscalls
				     lines): needs the syscall entry hook, a cost to
				     every syscall on the machine while recording */
	uint64_t sample_interval_ns; /* a Sample of each live process this often; 0: none */
	bool quiet;               /* no closing summary line */
	bool announce;            /* "recording to OUT_NAME" on stderr, once
				     tracing has started (a made-up name) */
	bool drop_privs;          /* run CMD as uid/gid with groups */
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	int ngroups;
	const char *const *env;   /* "NAME=value" set in CMD's environment (with
				     drop_privs: the user's HOME...); NULL-terminated,
				     or NULL for none */
	const struct recorder_inherited *inherited; /* given back to CMD */
	/*
	 * --all: every process of the machine (with argv: until CMD exits);
	 * attach_pid (-p): that process's tree, from now on, until it is
	 * gone. Either writes a Running for each process already there.
	 */
	bool system_wide;
	pid_t attach_pid;
	/*
	 * attach_pid's process as it was checked (the caller's pidfd of it,
	 * or -1; else its start time in clock ticks from /proc, or 0): the
	 * recording starts only if attach_pid still is that process once
	 * the hooks are attached and again once the walk has read the tree,
	 * so that a pid reused since the check is refused.
	 */
	int attach_pidfd;
	uint64_t attach_start;
	const char *const *comm;  /* --comm filters (ncomm) */
	uint32_t ncomm;
	const uint32_t *uids;     /* --uid filters (nuid) */
	uint32_t nuid;
	uint64_t duration_ns;     /* --duration: stop after this long; 0: never */
	uint64_t max_size;        /* --max-size: bytes the output stays within; 0: any */
};

struct recorder;

/*
 * Load and attach the BPF programs, fork CMD held on a gate, track CMD's
 * pid, open the gate and record until the tree (or CMD, with no_wait) has
 * exited. On success returns 0 and *status is CMD's shell-style status
 * (exit code, 128+N if killed by signal N, 127 if it was not found, 126 if
 * it could not be run). Returns a negative errno after printing why if
 * recording was impossible, or -EINTR without a word when SIGINT, SIGTERM,
 * SIGHUP or SIGQUIT is pending before tracing starts (the caller blocks
 * them first): CMD never ran and out_fd was not written to. Nothing is left
 * loaded or running on any path.
 */
int recorder__run(const struct recorder_opts *o, int *status);

/*
 * Why the kernel may have refused an ELF file that starts with the n bytes
 * at h, proctrace itself starting with the self_n bytes at self: into buf,
 * "a program for arm64, not x86-64", or "" if nothing is known.
 */
void recorder__describe_elf(const unsigned char *h, size_t n, const unsigned char *self,
			    size_t self_n, char *buf, size_t size);

/* Shell-style status from a wait status: code, or 128 + signal. */
int recorder__shell_status(int wstatus);

/* A process's CPU time as the kernel keeps it, in ns. */
struct recorder_cputime {
	uint64_t rtime;                  /* precise runtime */
	uint64_t utime, stime;           /* tick-sampled: only their ratio counts */
	uint64_t prev_utime, prev_stime; /* the split last reported, 0 0 if none */
};

/* The kernel's cputime_adjust(): split precise runtime rtime by the sampled
 * user/system ratio, neither part going below what was reported before. */
void recorder__split_cpu(const struct recorder_cputime *c, uint64_t *user_ns,
			 uint64_t *system_ns);

#endif
