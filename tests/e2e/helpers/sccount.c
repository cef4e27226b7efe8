/*
 * tests/e2e/helpers/sccount.c: make a known number of syscalls:
 * sccount GETPPIDS WRITES [THREADS [PAUSE]] calls getppid() GETPPIDS times
 * and write(fd, "", 0) WRITES times (fd: /dev/null, opened once), each
 * split evenly over THREADS threads (default 0: the main thread makes
 * them all); with PAUSE (any value), it then waits until it is killed.
 * Returns from main (exit_group).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static long ppids, writes;
static int fd;

static void *calls(void *arg)
{
	long n = (long)arg;

	for (long i = 0; i < ppids / n; i++)
		syscall(SYS_getppid);
	for (long i = 0; i < writes / n; i++)
		if (write(fd, "", 0) < 0)
			_exit(3);
	return NULL;
}

int main(int argc, char **argv)
{
	long nthreads = argc > 3 ? atol(argv[3]) : 0;
	pthread_t t[64];

	if (argc < 3 || nthreads < 0 || nthreads > 64)
		return 2;
	ppids = atol(argv[1]);
	writes = atol(argv[2]);
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	if (!nthreads) {
		calls((void *)1);
	} else {
		for (long i = 0; i < nthreads; i++)
			if (pthread_create(&t[i], NULL, calls, (void *)nthreads))
				return 1;
		for (long i = 0; i < nthreads; i++)
			pthread_join(t[i], NULL);
	}
	if (argc > 4)
		for (;;)
			pause();
	return 0;
}
