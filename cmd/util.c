/* cmd/util.c: message and number-parsing helpers for the subcommands. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "formats/recording.h"

static unsigned stdfds_closed; /* bit N: fd N was closed at start-up */

void stdfds_hold(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* The lower fds are open by now: this one is the lowest free. */
		if (open("/dev/null", O_RDWR | O_CLOEXEC) == fd)
			stdfds_closed |= 1u << fd;
	}
}

bool stdfd_was_closed(int fd)
{
	return fd >= 0 && fd <= 2 && (stdfds_closed & (1u << fd));
}

int input_load(struct recording **out, const char *in, const char *cmd)
{
	if (!strcmp(in, "-") && stdfd_was_closed(STDIN_FILENO))
		return error("cannot read '<stdin>': stdin is closed");
	/* without a FILE at a shell prompt, say why nothing happens */
	if (!strcmp(in, "-") && isatty(STDIN_FILENO))
		fprintf(stderr, "proctrace: %s: reading the recording from standard input (a terminal); "
			"end it with Ctrl-D, or give a file: proctrace %s FILE\n", cmd, cmd);
	return recording_load(out, in) ? -1 : 0;
}

int fd_path(const char *path)
{
	static const char *const dirs[] = { "/dev/fd/", "/proc/self/fd/" };
	unsigned long long n;
	int fd = -1, fl;

	if (!strcmp(path, "/dev/stdin"))
		fd = STDIN_FILENO;
	else if (!strcmp(path, "/dev/stdout"))
		fd = STDOUT_FILENO;
	else if (!strcmp(path, "/dev/stderr"))
		fd = STDERR_FILENO;
	for (size_t i = 0; fd < 0 && i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		size_t len = strlen(dirs[i]);

		if (!strncmp(path, dirs[i], len) && !parse_uint(path + len, INT_MAX, &n))
			fd = (int)n;
	}
	if (fd < 0)
		return -1;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || stdfd_was_closed(fd))
		return -EBADF;
	return (fl & O_ACCMODE) == O_RDONLY ? -1 : fd;
}

int error(const char *fmt, ...)
{
	va_list ap;

	fputs("proctrace: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	fputs("proctrace: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void option_error(const char *cmd, int c, char *const argv[])
{
	char shortopt[3] = { '-', (char)optopt, 0 };
	/* optopt is set for a short option; a long one is the whole argument just passed */
	const char *name = c == '?' && optopt > 0 && optopt < 128 ? shortopt : argv[optind - 1];

	if (c == ':')
		error("%s: option '%s' needs a value (try 'proctrace %s --help')", cmd, name, cmd);
	else
		error("%s: unknown option '%s' (try 'proctrace %s --help')", cmd, name, cmd);
}

int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_duration(const char *s, uint64_t *out)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {
		{ "", 1 }, { "ns", 1 }, { "us", 1000 }, { "µs", 1000 },
		{ "ms", 1000000 }, { "s", 1000000000 }, { "m", 60000000000 },
		{ "h", 3600000000000 },
	};
	uint64_t whole = 0, frac = 0, scale = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		uint64_t digit = (uint64_t)(*p - '0');

		if (whole > (UINT64_MAX - digit) / 10)
			return -ERANGE;
		whole = whole * 10 + digit;
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		/* Digits past nanoseconds do not matter. */
		for (; *p >= '0' && *p <= '9'; p++) {
			if (scale < 1000000000) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
		}
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		uint64_t part;

		if (strcmp(p, units[i].unit))
			continue;
		/* frac < scale: part is less than one unit, which fits */
		part = (uint64_t)((unsigned __int128)frac * units[i].ns / scale);
		if (whole > UINT64_MAX / units[i].ns || whole * units[i].ns > UINT64_MAX - part)
			return -ERANGE;
		*out = whole * units[i].ns + part;
		return 0;
	}
	return -EINVAL;
}

/* Whether out names the recording read: the file in, or what stdin is when in is "-". */
bool output_is_input(const char *in, const char *out)
{
	struct stat si, so;

	if (strcmp(in, "-") ? stat(in, &si) : fstat(STDIN_FILENO, &si))
		return false;
	if (!S_ISREG(si.st_mode) || stat(out, &so))
		return false;
	return si.st_dev == so.st_dev && si.st_ino == so.st_ino;
}

int parse_duration_unit(const char *s, uint64_t *out)
{
	const char *p = s;

	/* "30" could mean anything: only a number with its unit is a duration here. */
	while (*p == '.' || (*p >= '0' && *p <= '9'))
		p++;
	uint64_t v;
	int err;

	if (!*p || p == s)
		return -EINVAL;
	err = parse_duration(s, &v);
	if (!err && v > DURATION_UNIT_MAX_NS)
		err = -ERANGE;
	if (!err)
		*out = v;
	return err;
}
