/* cmd/output.c: where a command's -o goes, written so that a failure never leaves half a file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"

/* Run fn into f and make sure every byte reached it; one message on failure. */
static int write_stream(FILE *f, const char *name, output_fn fn, void *ctx)
{
	int err;

	errno = 0;
	err = fn(f, ctx);
	if (err == -EIO || (!err && (fflush(f) || ferror(f))))
		return error("cannot write '%s': %s", name, strerror(errno ? errno : EIO));
	if (err)
		return error("cannot write '%s': %s", name, strerror(-err));
	return 0;
}

/* write_stream() into f, then close it; one message on failure. */
static int write_and_close(FILE *f, const char *name, output_fn fn, void *ctx)
{
	int err = write_stream(f, name, fn, ctx);

	if (fclose(f) && !err)
		err = error("cannot write '%s': %s", name, strerror(errno));
	return err;
}

/*
 * Write into a temporary file next to path, then rename it over path: the
 * input may be path itself, and a failed write leaves path as it was. An
 * existing file keeps its mode; a new one gets the umask's.
 */
static int write_file(const char *path, output_fn fn, void *ctx)
{
	struct stat st;
	char *tmp = NULL;
	FILE *f = NULL;
	mode_t mask, mode;
	int fd = -1, err;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;
		err = error("cannot write '%s': %s", path, strerror(ENOMEM));
		goto cleanup;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = error("cannot create '%s' (through a temporary file next to it): %s", path,
			    strerror(errno));
		free(tmp);
		tmp = NULL;
		goto cleanup;
	}
	mask = umask(0);
	umask(mask);
	mode = 0666 & ~mask;
	if (!stat(path, &st))
		mode = st.st_mode & 07777;
	if (fchmod(fd, mode) || !(f = fdopen(fd, "w"))) {
		err = error("cannot write '%s': %s", tmp, strerror(errno));
		goto cleanup;
	}
	fd = -1;
	err = write_stream(f, path, fn, ctx);
	if (err)
		goto cleanup;
	err = fclose(f);
	f = NULL;
	if (err) {
		err = error("cannot write '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	if (rename(tmp, path)) {
		err = error("cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		goto cleanup;
	}
	free(tmp);
	tmp = NULL;
cleanup:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	return err;
}

int output_write(const char *out, output_fn fn, void *ctx)
{
	struct stat st;
	char *real;
	FILE *f;
	bool named = out && strcmp(out, "-"); /* not stdout by default or by "-" */
	int err, fd;

	if (!named && stdfd_was_closed(STDOUT_FILENO))
		return error("cannot write 'standard output': stdout is closed");
	fd = named ? fd_path(out) : STDOUT_FILENO;
	if (fd == -EBADF)
		return error("cannot write '%s': not an open file descriptor", out);
	if (fd == STDOUT_FILENO)
		return write_stream(stdout, named ? out : "standard output", fn, ctx);
	if (fd >= 0) {
		/* /dev/fd/N: write to N as it is (appending stays appending). */
		int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);

		if (d < 0 || !(f = fdopen(d, "w"))) {
			err = error("cannot write '%s': %s", out, strerror(errno));
			if (d >= 0)
				close(d);
			return err;
		}
		return write_and_close(f, out, fn, ctx);
	}
	if (stat(out, &st))
		return write_file(out, fn, ctx);
	if (!S_ISREG(st.st_mode)) {
		/* /dev/null, a fifo, a terminal: written to, never renamed over. */
		f = fopen(out, "w");
		if (!f)
			return error("cannot open '%s' for writing: %s", out, strerror(errno));
		return write_and_close(f, out, fn, ctx);
	}
	/* Through a symlink, replace the file it points to and keep the link. */
	real = realpath(out, NULL);
	if (!real)
		return error("cannot resolve '%s': %s", out, strerror(errno));
	err = write_file(real, fn, ctx);
	free(real);
	return err;
}
