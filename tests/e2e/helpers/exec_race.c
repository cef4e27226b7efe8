/* tests/e2e/helpers/exec_race.c: N threads (default 3) exec argv[1..] at the same moment; one wins, the kernel kills the others. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char **args;
static pthread_barrier_t go;

static void *run(void *arg)
{
	pthread_barrier_wait(&go);
	execv(args[0], args);
	perror("execv");
	_exit(126);
	return arg;
}

int main(int argc, char **argv)
{
	int n = getenv("EXEC_RACE_THREADS") ? atoi(getenv("EXEC_RACE_THREADS")) : 3;
	pthread_t t;

	if (argc < 2 || n < 2) {
		fprintf(stderr, "usage: [EXEC_RACE_THREADS=N] exec_race PATH [ARGS...]\n");
		return 2;
	}
	args = argv + 1;
	/* The main thread only starts them: the execs come from threads released together. */
	if (pthread_barrier_init(&go, NULL, n))
		return 1;
	for (int i = 0; i < n; i++)
		if (pthread_create(&t, NULL, run, NULL)) {
			perror("pthread_create");
			return 1;
		}
	for (;;)
		pause();
}
