/* tests/e2e/helpers/burn.c: spin in user mode until this process has used MS milliseconds of user CPU. */
#include <stdlib.h>
#include <sys/resource.h>

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 300;
	volatile unsigned long x = 0;
	struct rusage ru;

	/* Measured, not timed: the loop ends on CPU used, however slow the machine. */
	do {
		for (unsigned long i = 0; i < 1000000; i++)
			x += i;
		getrusage(RUSAGE_SELF, &ru);
	} while (ru.ru_utime.tv_sec * 1000L + ru.ru_utime.tv_usec / 1000 < ms);
	return 0;
}
