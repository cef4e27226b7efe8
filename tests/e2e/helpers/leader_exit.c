/* tests/e2e/helpers/leader_exit.c: the main thread exits first; another thread later ends the process with exit(6). */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static void *last(void *arg)
{
	usleep(100 * 1000);
	exit(6);
	return arg;
}

int main(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, last, NULL))
		return 1;
	/* The leader thread dies now; the process lives on in the other thread. */
	pthread_exit(NULL);
}
