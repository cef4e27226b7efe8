/* cmd/record.h: 'proctrace record' option parsing, exposed for unit tests. */
#ifndef PROCTRACE_CMD_RECORD_H
#define PROCTRACE_CMD_RECORD_H

#include <stdbool.h>
#include <stdint.h>

struct record_cli {
	const char *output;   /* -o: NULL = a new timestamped file, "-" = stdout */
	bool force;           /* -f: overwrite an existing output file */
	bool no_wait;         /* -x: stop at CMD's exit */
	bool quiet;           /* -q */
	bool failed_execs;    /* --failed-execs: also record failed execs */
	bool syscalls;        /* --syscalls: also count every syscall by process */
	uint64_t buffer_size; /* --buffer-size, bytes */
	uint64_t sample_interval_ns; /* --sample-interval; 0: off */
	char **cmd;           /* CMD and its arguments: borrowed from argv */
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
