/* tests/e2e/helpers/many_children.c: fork N waiting children, then move the first and the last into groups of their own; prints their pids. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 70;
	pid_t first = 0, last = 0;
	int go[2];
	char c;

	if (n < 1 || pipe(go))
		return 1;
	for (int i = 0; i < n; i++) {
		pid_t p = fork();

		if (p < 0)
			return 1;
		if (p == 0) {
			/* Stay a child, unchanged, until both moves are done. */
			close(go[1]);
			_exit(read(go[0], &c, 1) < 0);
		}
		if (!first)
			first = p;
		last = p;
	}
	/* The first is the oldest child: n - 1 newer ones are in front of it. */
	if (setpgid(first, first) || setpgid(last, last))
		return 1;
	printf("first=%d last=%d\n", (int)first, (int)last);
	fflush(stdout);
	close(go[1]);
	while (wait(NULL) > 0)
		;
	return 0;
}
