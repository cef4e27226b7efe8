/*
 * tests/e2e/helpers/memstep.c: map and touch MB megabytes, hold them, unmap
 * them, in steps the test drives through files in DIR: each step is marked
 * in the recording by an exec of MARK (a child that runs `MARK held` or
 * `MARK freed`), then waits for DIR/go-free or DIR/go-exit to exist.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int stop;

static void *spin(void *arg)
{
	volatile unsigned long x = 0;

	while (!stop)
		x++;
	return arg;
}

static void mark(const char *prog, const char *what)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl(prog, prog, what, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
}

static void wait_file(const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	while (access(path, F_OK))
		usleep(10000);
}

int main(int argc, char **argv)
{
	pthread_t t[16];
	int nt = argc > 4 ? atoi(argv[4]) : 0;
	size_t n;
	char *p;

	if (argc < 4 || nt < 0 || nt > 16) {
		fprintf(stderr, "usage: memstep MB DIR MARK [NTHREADS]\n");
		return 2;
	}

	n = strtoul(argv[1], NULL, 10) << 20;
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* Touch every page: untouched pages are not resident. */
	for (size_t i = 0; i < n; i += 4096)
		p[i] = 1;
	for (int i = 0; i < nt; i++)
		if (pthread_create(&t[i], NULL, spin, NULL))
			return 1;
	mark(argv[3], "held");
	wait_file(argv[2], "go-free");
	mark(argv[3], "freeing");
	munmap(p, n);
	mark(argv[3], "freed");
	wait_file(argv[2], "go-exit");
	stop = 1;
	for (int i = 0; i < nt; i++)
		pthread_join(t[i], NULL);
	return 0;
}
