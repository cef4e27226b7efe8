/*
 * tests/e2e/helpers/pgrp_killed.c: move a sleeping child into a group of its
 * own, then kill it before it runs again; prints "child=PID".
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Whether pid is asleep (S in /proc/PID/stat): it has switched out. */
static int asleep(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

int main(void)
{
	struct timespec ms = { 0, 1000000 };
	int go[2], st;
	pid_t c;
	char b;

	if (pipe(go))
		return 1;
	c = fork();
	if (c < 0)
		return 1;
	if (c == 0) {
		close(go[1]);
		_exit(read(go[0], &b, 1) < 0); /* never returns: killed first */
	}
	close(go[0]);
	while (!asleep(c))
		nanosleep(&ms, NULL);
	if (setpgid(c, c) || kill(c, SIGKILL) || waitpid(c, &st, 0) != c)
		return 1;
	printf("child=%d\n", (int)c);
	return !(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}
