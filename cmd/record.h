/* cmd/record.h: 'proctrace record' option parsing, exposed for unit tests. */
#ifndef PROCTRACE_CMD_RECORD_H
#define PROCTRACE_CMD_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct recorder_hook;

/* The smallest --max-size: room for a header and an End line. */
#define RECORD_MIN_MAX_SIZE 4096

/* Most --comm or --uid options taken (each). */
#define RECORD_MAX_FILTERS 64

struct record_cli {
	const char *name;     /* the subcommand, in messages: "record", "snoop" */
	const char *output;   /* -o: NULL = a new timestamped file, "-" = stdout */
	bool no_default_output; /* without -o, no recording (snoop) */
	bool force;           /* -f: overwrite an existing output file */
	bool no_wait;         /* -x: stop at CMD's exit */
	bool quiet;           /* -q */
	bool failed_execs;    /* --failed-execs: also record failed execs */
	bool syscalls;        /* --syscalls: also count every syscall by process */
	uint64_t buffer_size; /* --buffer-size, bytes */
	/* --summary: the summary of what is recorded so far, while recording */
	bool summary;
	uint64_t interval_ns;     /* --interval: every this often (0: only on SIGUSR1 and at the end) */
	const char *summary_file; /* --summary-file: appended to; NULL: stderr */
	bool clear;               /* --clear: reset the counters after each print */
	unsigned top;             /* --top N (0: the summary's default, 10) */
	int sort;                 /* --sort: enum summary_sort */
	const struct recorder_hook *const *hooks; /* live consumers, NULL-terminated */
	char **cmd;           /* CMD and its arguments: borrowed from argv; NULL for
				 none (--all or -p alone) */
	bool all;             /* --all: every process of the machine */
	int pid;              /* -p PID: that process's tree; 0 if not given */
	const char *comm[RECORD_MAX_FILTERS]; /* --comm NAMEs (borrowed from argv) */
	uint32_t ncomm;
	uint32_t uid[RECORD_MAX_FILTERS];     /* --uid UIDs */
	uint32_t nuid;
	uint64_t duration_ns; /* --duration, 0 if not given */
	uint64_t max_size;    /* --max-size, bytes, 0 if not given */
	uint64_t sample_interval_ns; /* --sample-interval; 0: off */
};

enum record_parse {
	RECORD_RUN = 0,   /* *c is filled: go */
	RECORD_HELP = 1,  /* --help was printed */
};

/*
 * Parse `record`'s arguments (argv[0] is "record"). Returns RECORD_RUN or
 * RECORD_HELP, or -EINVAL after printing a usage error.
 */
int record_parse_opts(int argc, char **argv, struct record_cli *c);

/*
 * A subcommand that takes record's options and some of its own (snoop).
 * Its short options take the place of record's of the same letter; its
 * long options' values are >= RECORD_EXTRA_FIRST (or one of its letters).
 */
#define RECORD_EXTRA_FIRST 1024
#define RECORD_EXTRA_MAX 32
#define RECORD_HOOKS_MAX 4 /* c->hooks a subcommand gives record_run() */
struct option;
struct record_extra {
	const char *cmd;               /* "snoop" */
	const char *shortopts;         /* getopt letters, e.g. "tx" */
	const struct option *longopts; /* ending in { 0 } */
	/* One of its options: 0, or -EINVAL after printing why. */
	int (*opt)(void *ctx, struct record_cli *c, int opt, const char *arg);
	void (*usage)(FILE *f);        /* --help */
	void *ctx;
	bool all_without_cmd;          /* no CMD (and no -p) means --all (c->all is set) */
};

/* record_parse_opts() with x's options too. */
int record_parse_opts_with(int argc, char **argv, struct record_cli *c,
			   const struct record_extra *x);

/*
 * Record as c says: check the privileges, open the output (as the user
 * under sudo), run the recorder with c's hooks, clean up. Returns the exit
 * status: CMD's, EXIT_FAIL, or 128+N if signal N cancelled the start.
 */
int record_run(const struct record_cli *c);
/* --sample-interval's DUR (a unit required) or "off" (0); -EINVAL after a usage error. */
int record_parse_interval(const char *s, uint64_t *out);

/* A size in bytes with an optional K, M or G suffix (powers of 1024). */
int record_parse_size(const char *s, uint64_t *out);

#endif
