/* tests/e2e/helpers/sigstate.c: run a command with signals blocked and ignored, as some parents leave them. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	/* Among them the ones the recorder blocks, ignores or resets itself. */
	static const int blocked[] = { SIGUSR1, SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGALRM };
	static const int ignored[] = { SIGUSR2, SIGQUIT, SIGPIPE, SIGTSTP, SIGTERM };
	sigset_t set;

	if (argc < 2) {
		fprintf(stderr, "usage: sigstate CMD [ARGS...]\n");
		return 2;
	}
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(blocked) / sizeof(blocked[0]); i++)
		sigaddset(&set, blocked[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
