/* tests/e2e/helpers/ignchld.c: run a command with SIGCHLD ignored, as some parents leave it. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: ignchld CMD [ARGS...]\n");
		return 2;
	}
	signal(SIGCHLD, SIG_IGN);
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
