/* tests/e2e/helpers/pgrp.c: setpgid/setsid that succeed and fail; prints "a=PID b=PID" of the two children. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int go[2];
	pid_t a, b;
	char c;

	/* a: moves itself into a new group, then two calls that must fail. */
	a = fork();
	if (a < 0)
		return 1;
	if (a == 0) {
		if (setpgid(0, 0))
			_exit(1);
		if (setsid() != -1) /* a group leader cannot start a session */
			_exit(2);
		if (setpgid(0, 999999) == 0) /* no such group in this session */
			_exit(3);
		_exit(0);
	}
	/* b: its parent moves it (the event is about b, not the caller). */
	if (pipe(go))
		return 1;
	b = fork();
	if (b < 0)
		return 1;
	if (b == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(getpgrp() == getpid() ? 0 : 4);
	}
	close(go[0]);
	if (setpgid(b, b))
		return 1;
	close(go[1]);
	printf("a=%d b=%d\n", (int)a, (int)b);
	for (int i = 0; i < 2; i++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			return 1;
	}
	return 0;
}
