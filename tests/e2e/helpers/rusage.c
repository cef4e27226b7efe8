/* tests/e2e/helpers/rusage.c: run CMD and print "pid user_ns system_ns" as wait4() reports its rusage. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct rusage ru;
	int st;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: rusage CMD [ARGS...]\n");
		return 2;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) != pid) {
		perror("wait4");
		return 1;
	}
	printf("%d %lld %lld\n", (int)pid,
	       (ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec) * 1000,
	       (ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec) * 1000);
	/* The command's own status, as a shell would give it. */
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
