/* tests/e2e/helpers/thread_exec.c: a non-leader thread execs argv[1..] (the exec belongs to the process). */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static char **args;

static void *run(void *arg)
{
	execv(args[0], args);
	perror("execv");
	_exit(126);
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc < 2) {
		fprintf(stderr, "usage: thread_exec PATH [ARGS...]\n");
		return 2;
	}
	args = argv + 1;
	if (pthread_create(&t, NULL, run, NULL))
		return 1;
	/* The leader waits; the exec in the thread replaces the whole process. */
	for (;;)
		pause();
}
