/* cmd/cmd.h: the subcommands, exit codes and message helpers shared by cmd/. */
#ifndef PROCTRACE_CMD_H
#define PROCTRACE_CMD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum exit_code {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
};

int cmd_record(int argc, char **argv);
int cmd_sort(int argc, char **argv);
int cmd_render(int argc, char **argv);

/*
 * At start-up: open /dev/null onto any of fds 0, 1 and 2 that is closed, so
 * that no file opened later takes its place (the recording as fd 2 would
 * get the messages). Close-on-exec: a command run still finds it closed.
 */
void stdfds_hold(void);
/* Whether fd (0, 1 or 2) was closed when stdfds_hold() ran. */
bool stdfd_was_closed(int fd);

struct recording;
/*
 * recording_load() of in ("-" for stdin), which is an error when stdin was
 * closed at start-up (it holds /dev/null: an empty input, read as none).
 * Returns 0, or -1 with one message printed.
 */
int input_load(struct recording **out, const char *in);

/* Print "proctrace: error: ..." on stderr and return -1. */
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "proctrace: warning: ..." on stderr. */
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * After getopt_long (run with opterr = 0 and ':' first in the short options)
 * returned ':' or '?': "proctrace: error: CMD: unknown option '-z' (try
 * 'proctrace CMD --help')", or "... option '-o' needs a value ...".
 */
void option_error(const char *cmd, int c, char *const argv[]);

/*
 * Parse a non-negative decimal integer no greater than max into *out.
 * Returns 0, or -EINVAL/-ERANGE (nothing printed).
 */
int parse_uint(const char *s, unsigned long long max, unsigned long long *out);

/*
 * Parse a duration into ns: a decimal number ("1.5") followed by a unit,
 * ns, us (or µs), ms, s or m (minutes); a plain number is ns. Every
 * option that takes a duration uses it. Returns 0, -EINVAL, or -ERANGE
 * above 2^64 - 1 ns (nothing printed).
 */
int parse_duration(const char *s, uint64_t *out);

/*
 * The file descriptor an output path such as /dev/stdout, /dev/fd/N or
 * /proc/self/fd/N names, when it is open for writing: opening the path again
 * would empty a regular file behind it (a shell's '>> log'), so callers write
 * to the fd itself. -EBADF if that fd is not open (or was closed at
 * start-up); -1 if path names no fd, or one open only for reading
 * (/dev/stdin), which is then a path like any other.
 */
int fd_path(const char *path);

/* Writes a whole output to f: 0, or a negative errno (nothing printed). */
typedef int (*output_fn)(FILE *f, void *ctx);

/*
 * Write fn's output to out: stdout for NULL or "-"; an fd named by
 * fd_path() and a device or fifo are written to; a regular file (or the one a symlink points to) is replaced
 * through a temporary file renamed into place, keeping its mode, so out may
 * be the input and a failure leaves it untouched. Prints one message and
 * returns -1 on failure.
 */
int output_write(const char *out, output_fn fn, void *ctx);

#endif
