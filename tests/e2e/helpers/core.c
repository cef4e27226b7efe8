/* tests/e2e/helpers/core.c: a child dies of SIGQUIT with cores allowed; prints "core=1" if its wait status says a core was dumped. */
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		setrlimit(RLIMIT_CORE, &unlimited);
		raise(SIGQUIT);
		_exit(1);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status))
		return 1;
	/* Whether a core is written depends on core_pattern: report what happened. */
	printf("core=%d signal=%d\n", WCOREDUMP(status) ? 1 : 0, WTERMSIG(status));
	return 0;
}
