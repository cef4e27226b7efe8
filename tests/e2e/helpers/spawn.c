/* tests/e2e/helpers/spawn.c: children made by posix_spawn (vfork) and by clone(CLONE_VM) are processes too. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char stack[64 * 1024];

static int child(void *arg)
{
	(void)arg;
	return 5;
}

int main(void)
{
	char *argv[] = { "echo", "spawned", NULL };
	int st, bad = 0;
	pid_t p, q;

	if (posix_spawn(&p, "/bin/echo", NULL, NULL, argv, environ))
		return 1;
	if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st))
		bad = 1;
	/* Shares memory like a thread, but is its own process (no CLONE_THREAD). */
	q = clone(child, stack + sizeof(stack), CLONE_VM | SIGCHLD, NULL);
	if (q < 0 || waitpid(q, &st, 0) != q || !WIFEXITED(st) || WEXITSTATUS(st) != 5)
		bad = 1;
	printf("spawn=%d clone=%d\n", (int)p, (int)q);
	return bad;
}
