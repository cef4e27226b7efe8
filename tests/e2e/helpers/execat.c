/* tests/e2e/helpers/execat.c: exec through execveat(dirfd, name) ("at") or fexecve(fd) ("fd"). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	char dir[4096], base[4096];
	int fd;

	if (argc < 4 || (strcmp(argv[1], "at") && strcmp(argv[1], "fd"))) {
		fprintf(stderr, "usage: execat at|fd PATH ARGV0 [ARGS...]\n");
		return 2;
	}
	if (!strcmp(argv[1], "at")) {
		snprintf(dir, sizeof(dir), "%s", argv[2]);
		snprintf(base, sizeof(base), "%s", argv[2]);
		fd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
		if (fd < 0) {
			perror("open");
			return 1;
		}
		syscall(SYS_execveat, fd, basename(base), argv + 3, environ, 0);
		perror("execveat");
		return 1;
	}
	/* Not O_CLOEXEC: a script or an fd path must stay openable after exec. */
	fd = open(argv[2], O_RDONLY);
	if (fd < 0) {
		perror("open");
		return 1;
	}
	fexecve(fd, argv + 3, environ);
	perror("fexecve");
	return 1;
}
