/* formats/jsonl.h: the in-memory event and the JSON-lines (format 1) writer. */
#ifndef PROCTRACE_JSONL_H
#define PROCTRACE_JSONL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PROCTRACE_VERSION "0.1.0"
#define PROCTRACE_FORMAT 1

enum ev_type {
	EV_FORK,
	EV_EXEC,
	EV_BADEXEC,
	EV_EXIT,
	EV_SETSID,
	EV_SETPGID,
	EV_SAMPLE,
	EV_RUNNING,
	EV_SYSCALLS,
	EV__COUNT,
};

/* Which optional fields an event carries (older recordings omit many). */
enum ev_flag {
	EVF_SEQ = 1u << 0,       /* seq is valid */
	EVF_PPID = 1u << 1,      /* ppid is valid */
	EVF_PGID = 1u << 2,      /* pgid is valid */
	EVF_FILENAME = 1u << 3,  /* Exec/BadExec: filename is valid */
	EVF_CMDLINE = 1u << 4,   /* Exec: argv/argc are valid (argc may be 0) */
	EVF_TRUNCATED = 1u << 5, /* Exec: argv was cut by the recorder; BadExec: the filename */
	EVF_STATUS = 1u << 6,    /* Exit: code is an exit code or a signal */
	EVF_SIGNALED = 1u << 7,  /* Exit: code is the killing signal */
	EVF_CORE = 1u << 8,      /* Exit: a core was dumped */
	EVF_RUSAGE = 1u << 9,    /* Exit: user_ns, system_ns, max_rss_kb valid */
	EVF_ERRNO = 1u << 10,    /* BadExec: err is valid */
	EVF_CWD = 1u << 11,      /* Exec: cwd is valid */
	EVF_CWD_TRUNCATED = 1u << 12, /* Exec: cwd is only its deepest part, after ".../" */
	EVF_CWD_UNKNOWN = 1u << 13,   /* Exec: the recorder could not tell the cwd */
	EVF_COMM = 1u << 14,     /* Running: argv[argc] is the kernel's comm */
};

/* One syscall's count in a Syscalls event: name is strace's ("read"), or "syscall_N". */
struct sc_count {
	const char *name;
	uint64_t count;
};

/*
 * One recording event. Strings are borrowed: whoever made the event owns
 * them (the recorder's scratch buffers, or a struct recording's arena).
 */
struct event {
	uint64_t ts;  /* ns since the recording started */
	uint64_t seq; /* global emission counter (EVF_SEQ) */
	uint16_t type; /* enum ev_type */
	uint16_t flags; /* enum ev_flag */
	int32_t pid;  /* Fork: parent_pid; SetPGID: the process whose group changed */
	int32_t ppid; /* EVF_PPID */
	union {
		int32_t pgid;  /* EVF_PGID; Fork: parent_pgid; SetPGID: the new group */
		/*
		 * Sample, which has no pgid: the line it was read from (0 if
		 * not read from a file), for the messages about a Sample that
		 * fits no process, which come after the sort.
		 */
		uint32_t line;
	};
	union {
		struct {
			int32_t child_pid;
		} fork;
		struct {
			const char *filename;    /* EVF_FILENAME */
			const char *const *argv; /* EVF_CMDLINE: argc strings */
			uint32_t argc;
			const char *cwd;         /* EVF_CWD: the working directory at the exec */
		} exec;
		struct {
			const char *filename; /* EVF_FILENAME */
			int32_t err;          /* EVF_ERRNO: positive errno */
		} badexec;
		struct {
			int32_t code; /* EVF_STATUS: exit code, or signal if EVF_SIGNALED */
			uint64_t user_ns, system_ns, max_rss_kb; /* EVF_RUSAGE */
		} exit;
		struct {
			int32_t sid;
		} setsid;
		/*
		 * A process already running when the recording started, as
		 * first seen. The first three members are u.exec's: code that
		 * reads an Exec's argv reads a Running's the same way. With
		 * EVF_COMM, argv holds argc + 1 strings, argv[argc] the comm.
		 */
		struct {
			const char *filename;    /* EVF_FILENAME */
			const char *const *argv; /* EVF_CMDLINE: argc strings */
			uint32_t argc;
			int64_t start; /* ns on the recording's clock: negative when before it */
		} running;
		/*
		 * CPU so far (as in Exit: all threads, living and ended), and
		 * resident memory, swap and threads now. swap_kb is 32 bits
		 * (4 TiB) so that an event stays 64 bytes; the reader refuses more.
		 */
		struct {
			uint64_t user_ns, system_ns, rss_kb;
			uint32_t swap_kb, threads;
		} sample;
		/*
		 * Syscall counts of one exec image of the process: n of the
		 * native table ("syscalls"), then n_ia32 of the i386 one
		 * ("syscalls_ia32"), in counts[0 .. n + n_ia32). Borrowed like
		 * strings.
		 */
		struct {
			const struct sc_count *counts;
			uint32_t n;
			uint32_t n_ia32;
		} syscalls;
	} u;
};

_Static_assert(sizeof(struct event) == 64, "struct event is 64 bytes: recordings are held whole");

/* The `Recording` header line. Strings borrowed like an event's. */
struct rec_header {
	int format;
	const char *tool;
	int32_t root_pid;
	const char *const *command;
	uint32_t command_len;
	const char *start_time; /* RFC 3339 UTC with ns */
	uint64_t sample_interval_ns; /* Samples were taken this often; 0: absent (no sampling) */
	const char *host;
	const char *kernel;
	bool has_failed_execs; /* the header says whether failed execs were recorded */
	bool failed_execs;     /* if it says: BadExec lines were recorded (--failed-execs) */
	bool syscalls;         /* Syscalls lines were recorded (--syscalls) */
	bool system_wide;      /* record --all: every process of the machine */
	int32_t attached_pid;  /* record -p PID: PID's tree; 0 if not */
	const char *const *comm; /* --comm filters, ncomm of them */
	uint32_t ncomm;
	const uint32_t *uid;   /* --uid filters, nuid of them */
	uint32_t nuid;
};

/*
 * The `End` line. lost counts only if has_lost: an End line without "lost"
 * does not say whether events were lost (lost is then 0, and unknown); the
 * writer leaves the field out.
 */
struct rec_end {
	uint64_t ts;
	uint64_t lost;     /* has_lost: events the kernel side dropped */
	int exit_code;
	bool has_exit_code;
	bool has_lost;
	bool has_syscalls_lost; /* written only when the header has syscalls */
	uint64_t syscalls_lost; /* syscalls that could not be counted */
	/*
	 * Why a system-wide (--all) or attached (-p) recording ended:
	 * "signal", "duration", "max-size", "command" (CMD exited) or
	 * "tree" (the attached tree is gone); NULL: not said (the writer
	 * leaves the field out).
	 */
	const char *stopped;
};

/* A growable byte buffer that lines are formatted into. */
struct sbuf {
	char *buf;
	size_t len, cap;
};

void sbuf_free(struct sbuf *b);
/* Grows b so that n more bytes fit; returns 0 or -ENOMEM. */
int sbuf_reserve(struct sbuf *b, size_t n);
/* Writes b's bytes to f and empties b; returns 0 or -EIO. */
int sbuf_flush(FILE *f, struct sbuf *b);

const char *ev_type_name(enum ev_type t); /* "Fork", "Exec", ... */

/*
 * Append one complete JSON line (with '\n') to b, in the exact format-1
 * schema of the design. Strings that are not valid UTF-8 have each bad byte
 * replaced by U+FFFD. Returns 0 or -ENOMEM.
 */
int jsonl_write_event(struct sbuf *b, const struct event *ev);
int jsonl_write_header(struct sbuf *b, const struct rec_header *h);
int jsonl_write_end(struct sbuf *b, const struct rec_end *e);

/*
 * Append s (len bytes) to b as one JSON string, quotes included, escaped as
 * the lines above are (bad UTF-8 bytes become U+FFFD), for views that write
 * JSON of their own. Returns 0 or -ENOMEM.
 */
int jsonl_write_string(struct sbuf *b, const char *s, size_t len);

#endif
