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
int cmd_diff(int argc, char **argv);
int cmd_snoop(int argc, char **argv);

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
 * A terminal on stdin is told on stderr that command cmd reads it, and how
 * to end it. Returns 0, or -1 with one message printed.
 */
int input_load(struct recording **out, const char *in, const char *cmd);

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
 * ns, us (or µs), ms, s, m (minutes) or h; a plain number is ns (render's
 * --min-duration and --interval). Every option that takes a duration uses
 * it. Returns 0, -EINVAL, or -ERANGE above 2^64 - 1 ns (nothing printed).
 */
int parse_duration(const char *s, uint64_t *out);
/*
 * The longest duration record's options take (a year): added to a clock's
 * now, or counted up interval by interval, it must not wrap around.
 */
#define DURATION_UNIT_MAX_NS (8760ull * 3600 * 1000000000)
#define DURATION_UNIT_MAX "8760h"
/*
 * parse_duration(), but a plain number (no unit) is -EINVAL, and one above
 * DURATION_UNIT_MAX_NS is -ERANGE: record's options.
 */
int parse_duration_unit(const char *s, uint64_t *out);

/*
 * The file descriptor an output path such as /dev/stdout, /dev/fd/N or
 * /proc/self/fd/N names, when it is open for writing: opening the path again
 * would empty a regular file behind it (a shell's '>> log'), so callers write
 * to the fd itself. -EBADF if that fd is not open (or was closed at
 * start-up); -1 if path names no fd, or one open only for reading
 * (/dev/stdin), which is then a path like any other.
 */
int fd_path(const char *path);

/* Whether out names the recording in: the file in, or what stdin is when in is "-". */
bool output_is_input(const char *in, const char *out);

/* Writes a whole output to f: 0, or a negative errno (nothing printed). */
typedef int (*output_fn)(FILE *f, void *ctx);

/*
 * Where a command's -o goes, opened before the input is read (so a place
 * that cannot be written fails at once, not after a long read): stdout for
 * NULL or "-"; an fd named by fd_path() and a device or fifo are written
 * to; a regular file (or the one a symlink points to), or a new one, is
 * replaced by a new file: a temporary file in its directory, with its
 * mode (and, as root, its owner and group), renamed over it once written.
 * So out may be the input, and a failure leaves it untouched. Until then
 * SIGINT, SIGTERM and SIGHUP (unless ignored) remove the temporary file
 * and end the command. One output at a time.
 * Returns 0 with *o new (free with output_free()), or -1 with one message
 * printed.
 */
struct output;
int output_open(struct output **o, const char *out);

/* Write fn's output to o and put it in place. Prints one message and returns -1 on failure. */
int output_write(struct output *o, output_fn fn, void *ctx);

/* Close o; a file not put in place by output_write() is removed. NULL is fine. */
void output_free(struct output *o);

#endif
