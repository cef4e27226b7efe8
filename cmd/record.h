/* cmd/record.h: 'proctrace record' option parsing, exposed for unit tests. */
#ifndef PROCTRACE_CMD_RECORD_H
#define PROCTRACE_CMD_RECORD_H

#include <stdbool.h>
#include <stdint.h>

/* The smallest --max-size: room for a header and an End line. */
#define RECORD_MIN_MAX_SIZE 4096

/* Most --comm or --uid options taken (each). */
#define RECORD_MAX_FILTERS 64

struct record_cli {
	const char *output;   /* -o: NULL = a new timestamped file, "-" = stdout */
	bool force;           /* -f: overwrite an existing output file */
	bool no_wait;         /* -x: stop at CMD's exit */
	bool quiet;           /* -q */
	bool failed_execs;    /* --failed-execs: also record failed execs */
	uint64_t buffer_size; /* --buffer-size, bytes */
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

/* --sample-interval's DUR (a unit required) or "off" (0); -EINVAL after a usage error. */
int record_parse_interval(const char *s, uint64_t *out);

/* A size in bytes with an optional K, M or G suffix (powers of 1024). */
int record_parse_size(const char *s, uint64_t *out);

#endif
