/* cmd/util.c: message and number-parsing helpers for the subcommands. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"

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
