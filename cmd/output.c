/* cmd/output.c: where a command's -o goes, written so that a failure or a kill never leaves half a file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"

/*
 * The temporary file's name, in the directory of the file it replaces:
 * short, so that any name the directory can hold can be replaced (FILE and
 * a suffix can be longer than NAME_MAX), and visible, so that one left by
 * SIGKILL is found.
 */
#define TMP_NAME "proctrace-XXXXXX.tmp"
#define TMP_SUFFIX_LEN 4 /* ".tmp" */

struct output {
	FILE *f;          /* where fn writes */
	const char *name; /* for messages: the path as given, or "standard output" */
	bool own;         /* f is ours to close */
	char *path;       /* a regular file replaced through tmp: the file replaced */
	char *tmp;        /* its temporary file, until renamed or removed */
};

/* ------------------------------------------------------------------------ */
/* Removing the temporary file when a signal ends the command.               */

static const int cleanup_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NSIG_CLEANUP (sizeof(cleanup_signals) / sizeof(cleanup_signals[0]))

/* The temporary file to remove if a signal comes: set and cleared with the signals blocked. */
static const char *volatile sig_tmp;
static struct sigaction sig_old[NSIG_CLEANUP];
static bool sig_installed[NSIG_CLEANUP];

/*
 * Remove the temporary file, then die of the signal as if there were no
 * handler (a shell stops a loop on a child killed by SIGINT; exit(130)
 * would not tell it). Async-signal-safe: unlink, sigaction, sigprocmask,
 * raise and _exit only.
 */
static void on_signal(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t s;

	if (sig_tmp)
		unlink(sig_tmp);
	sigaction(sig, &dfl, NULL);
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	raise(sig);
	_exit(128 + sig);
}

static void signals_block(sigset_t *old)
{
	sigset_t s;

	sigemptyset(&s);
	for (size_t i = 0; i < NSIG_CLEANUP; i++)
		sigaddset(&s, cleanup_signals[i]);
	sigprocmask(SIG_BLOCK, &s, old);
}

/* A signal that was ignored (nohup, a background job's SIGINT) stays ignored. */
static void signals_catch(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < NSIG_CLEANUP; i++) {
		if (sigaction(cleanup_signals[i], NULL, &sig_old[i]) || sig_old[i].sa_handler == SIG_IGN)
			continue;
		sig_installed[i] = !sigaction(cleanup_signals[i], &sa, NULL);
	}
}

static void signals_restore(void)
{
	for (size_t i = 0; i < NSIG_CLEANUP; i++) {
		if (sig_installed[i])
			sigaction(cleanup_signals[i], &sig_old[i], NULL);
		sig_installed[i] = false;
	}
}

/* ------------------------------------------------------------------------ */

/*
 * Create the temporary file next to path (a regular file, or one to
 * create), with the mode, owner and group of the file it replaces (owner
 * only as root: root sorting a user's file in place must not make it
 * root's) or the umask's mode for a new one.
 */
static int tmp_create(struct output *o, const char *path)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	struct stat st;
	mode_t mask, mode;
	sigset_t old;
	int fd, err;

	if (!(o->path = strdup(path)) || asprintf(&o->tmp, "%.*s" TMP_NAME, dirlen, path) < 0) {
		o->tmp = NULL;
		return error("cannot write '%s': %s", o->name, strerror(ENOMEM));
	}
	signals_catch();
	signals_block(&old);
	fd = mkstemps(o->tmp, TMP_SUFFIX_LEN);
	err = errno;
	if (fd >= 0)
		sig_tmp = o->tmp;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (fd < 0) {
		free(o->tmp);
		o->tmp = NULL;
		return error("cannot create '%s' (through a temporary file next to it): %s", o->name,
			     strerror(err));
	}
	mask = umask(0);
	umask(mask);
	mode = 0666 & ~mask;
	if (!stat(path, &st)) {
		mode = st.st_mode & 07777;
		/* before fchmod: a change of owner clears the set-id bits */
		if (fchown(fd, geteuid() ? (uid_t)-1 : st.st_uid, st.st_gid) && !geteuid()) {
			err = errno;
			close(fd);
			return error("cannot give '%s' the owner of '%s': %s", o->tmp, path, strerror(err));
		}
	}
	if (fchmod(fd, mode) || !(o->f = fdopen(fd, "w"))) {
		err = errno;
		close(fd);
		return error("cannot write '%s': %s", o->tmp, strerror(err));
	}
	o->own = true;
	return 0;
}

int output_open(struct output **out, const char *path)
{
	struct output *o = calloc(1, sizeof(*o));
	bool named = path && strcmp(path, "-"); /* not stdout by default or by "-" */
	struct stat st;
	char *real = NULL;
	int err = 0, fd;

	*out = NULL;
	if (!o)
		return error("cannot write '%s': %s", named ? path : "standard output", strerror(ENOMEM));
	o->name = named ? path : "standard output";
	if (!named && stdfd_was_closed(STDOUT_FILENO)) {
		err = error("cannot write 'standard output': stdout is closed");
		goto cleanup;
	}
	fd = named ? fd_path(path) : STDOUT_FILENO;
	if (fd == -EBADF) {
		err = error("cannot write '%s': not an open file descriptor", path);
	} else if (fd == STDOUT_FILENO) {
		o->f = stdout;
	} else if (fd >= 0) {
		/* /dev/fd/N: write to N as it is (appending stays appending). */
		int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);

		if (d < 0 || !(o->f = fdopen(d, "w"))) {
			err = error("cannot write '%s': %s", path, strerror(errno));
			if (d >= 0)
				close(d);
		}
		o->own = !err;
	} else if (stat(path, &st)) {
		err = tmp_create(o, path);
	} else if (!S_ISREG(st.st_mode)) {
		/* /dev/null, a fifo, a terminal: written to, never renamed over. */
		if (!(o->f = fopen(path, "we")))
			err = error("cannot open '%s' for writing: %s", path, strerror(errno));
		o->own = !err;
	} else if (!(real = realpath(path, NULL))) {
		err = error("cannot resolve '%s': %s", path, strerror(errno));
	} else {
		/* Through a symlink, replace the file it points to and keep the link. */
		err = tmp_create(o, real);
	}
cleanup:
	free(real);
	if (err) {
		output_free(o);
		return -1;
	}
	*out = o;
	return 0;
}

/* Run fn into o->f and make sure every byte reached it; one message on failure. */
static int write_stream(struct output *o, output_fn fn, void *ctx)
{
	int err;

	errno = 0;
	err = fn(o->f, ctx);
	if (err == -EIO || (!err && (fflush(o->f) || ferror(o->f))))
		return error("cannot write '%s': %s", o->name, strerror(errno ? errno : EIO));
	if (err)
		return error("cannot write '%s': %s", o->name, strerror(-err));
	return 0;
}

int output_write(struct output *o, output_fn fn, void *ctx)
{
	sigset_t old;
	int err = write_stream(o, fn, ctx);
	FILE *f = o->f;

	if (!o->own || err)
		return err;
	o->f = NULL;
	if (fclose(f))
		return error("cannot write '%s': %s", o->name, strerror(errno));
	if (!o->tmp)
		return 0;
	/* a signal now would remove the file that is no longer the temporary one */
	signals_block(&old);
	if (rename(o->tmp, o->path)) {
		err = error("cannot rename '%s' to '%s': %s", o->tmp, o->path, strerror(errno));
	} else {
		sig_tmp = NULL;
		free(o->tmp);
		o->tmp = NULL;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return err;
}

void output_free(struct output *o)
{
	sigset_t old;

	if (!o)
		return;
	if (o->own && o->f)
		fclose(o->f);
	if (o->tmp) {
		signals_block(&old);
		unlink(o->tmp);
		sig_tmp = NULL;
		sigprocmask(SIG_SETMASK, &old, NULL);
		free(o->tmp);
	}
	if (o->path)
		signals_restore();
	free(o->path);
	free(o);
}
