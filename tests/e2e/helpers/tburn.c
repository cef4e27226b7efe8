/* tests/e2e/helpers/tburn.c: two threads each use MS ms of user CPU and end before the process does; prints the process's user ms. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static long ms;

static void *burn(void *arg)
{
	volatile unsigned long x = 0;
	struct rusage ru;

	/* Measured on this thread alone, not timed. */
	do {
		for (unsigned long i = 0; i < 1000000; i++)
			x += i;
		getrusage(RUSAGE_THREAD, &ru);
	} while (ru.ru_utime.tv_sec * 1000L + ru.ru_utime.tv_usec / 1000 < ms);
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t t[2];
	struct rusage ru;

	ms = argc > 1 ? atol(argv[1]) : 200;
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, burn, NULL))
			return 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	getrusage(RUSAGE_SELF, &ru);
	printf("user_ms=%ld\n", ru.ru_utime.tv_sec * 1000L + ru.ru_utime.tv_usec / 1000);
	return 0;
}
