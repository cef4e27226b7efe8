/* tests/e2e/helpers/tspin.c: N threads spin until the process has used MS ms of CPU, then one calls exit() while the others run. */
/* With a 4th argument "getrusage", the CPU used is asked of getrusage(RUSAGE_SELF) instead. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static long ms;
static bool by_getrusage;

/*
 * Process CPU time through the clock, or through getrusage(RUSAGE_SELF),
 * which also records the group's user/system split so far: wait4()'s split
 * then keeps to it (see cputime_adjust()).
 */
static long process_ms(void)
{
	struct timespec ts;
	struct rusage ru;

	if (by_getrusage) {
		getrusage(RUSAGE_SELF, &ru);
		return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000L +
		       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* Measured, not timed: ends on CPU used, however slow the machine. */
static void *spin_then_exit(void *code)
{
	volatile unsigned long x = 0;

	/* Asking getrusage() all the time makes the split move with each tick. */
	while (process_ms() < ms)
		for (unsigned long i = 0; i < (by_getrusage ? 0 : 100000); i++)
			x += i;
	exit(*(int *)code);
}

static void *spin(void *arg)
{
	volatile unsigned long x = 0;

	for (;;)
		x++;
	return arg;
}

int main(int argc, char **argv)
{
	static int leader_code = 3, thread_code = 4;
	const char *mode = argc > 2 ? argv[2] : "";
	int n = argc > 1 ? atoi(argv[1]) : 0;
	bool by_leader = !strcmp(mode, "leader");
	pthread_t t;

	ms = argc > 3 ? atol(argv[3]) : 100;
	by_getrusage = argc > 4 && !strcmp(argv[4], "getrusage");
	if (n < 2 || (!by_leader && strcmp(mode, "thread") && strcmp(mode, "gone"))) {
		fprintf(stderr, "usage: tspin N leader|thread|gone [MS [getrusage]]\n"
				"  leader: the main thread calls exit(3)\n"
				"  thread: another thread calls exit(4), the main thread spinning\n"
				"  gone:   the same, the main thread having ended first\n");
		return 2;
	}
	/* N threads in all, the main one included. */
	for (int i = 1; i < n; i++)
		if (pthread_create(&t, NULL, !by_leader && i == 1 ? spin_then_exit : spin,
				   &thread_code)) {
			perror("pthread_create");
			return 1;
		}
	if (by_leader)
		spin_then_exit(&leader_code);
	if (!strcmp(mode, "gone"))
		pthread_exit(NULL);
	spin(NULL);
	return 1;
}
