/* tests/e2e/helpers/threads.c: a process with threads forks a child with threads (threads are not processes). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define NTHREADS 4

static void *work(void *arg)
{
	volatile unsigned long x = 0;

	for (unsigned long i = 0; i < 100000; i++)
		x += i;
	return arg;
}

/* Start and join NTHREADS threads; exit on failure. */
static void run_threads(void)
{
	pthread_t t[NTHREADS];

	for (int i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, work, NULL)) {
			perror("pthread_create");
			exit(1);
		}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
}

int main(void)
{
	int status;
	pid_t pid;

	run_threads();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		run_threads();
		_exit(3);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 1;
	run_threads();
	/* The child's status tells the test its exit was seen as one process. */
	return WIFEXITED(status) && WEXITSTATUS(status) == 3 ? 0 : 1;
}
