/*
 * tests/e2e/helpers/thread_setsid.c: a child process whose second thread
 * calls setsid(), sleeps (switching out), then forks; its main thread
 * waits in pthread_join() all along. Prints "child=PID".
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void *second(void *arg)
{
	struct timespec ms = { 0, 1000000 };
	pid_t g;

	if (setsid() < 0)
		return (void *)1;
	nanosleep(&ms, NULL);
	g = fork();
	if (g == 0)
		_exit(0);
	if (g < 0 || waitpid(g, NULL, 0) != g)
		return (void *)1;
	return arg;
}

int main(void)
{
	pthread_t t;
	void *ret;
	pid_t c;
	int st;

	fflush(stdout);
	c = fork();
	if (c < 0)
		return 1;
	if (c == 0) {
		if (pthread_create(&t, NULL, second, NULL) || pthread_join(t, &ret))
			_exit(1);
		_exit(ret != NULL);
	}
	printf("child=%d\n", (int)c);
	return waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st);
}
