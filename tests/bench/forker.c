/* tests/bench/forker.c: fork+exec a command N times, keeping J children running, as fast as the machine allows. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parse_pos.h"

static void usage(void)
{
	fputs("usage: forker [-n COUNT] [-j JOBS] -- CMD [ARGS...]\n"
	      "Runs CMD COUNT times (default 1000), JOBS at a time (default 1),\n"
	      "and exits 1 if any run failed.\n"
	      "EXAMPLES\n"
	      "  forker -n 2000 -- /bin/true          # 2,000 sequential fork+exec\n"
	      "  forker -n 100000 -j 4 -- /bin/true   # a storm of 4 parallel loops\n",
	      stderr);
}

int main(int argc, char **argv)
{
	long count = 1000, jobs = 1, started = 0, running = 0;
	int opt, status, failed = 0;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+n:j:h")) != -1) {
		switch (opt) {
		case 'n':
			count = parse_pos(optarg);
			break;
		case 'j':
			jobs = parse_pos(optarg);
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
		if (count < 0 || jobs < 0) {
			fprintf(stderr, "forker: error: -%c: not a positive number: %s\n", opt, optarg);
			return 2;
		}
	}
	if (optind >= argc) {
		usage();
		return 2;
	}
	while (started < count || running > 0) {
		/* Keep the pool full, then reap one child to make room. */
		while (started < count && running < jobs) {
			pid = fork();
			if (pid < 0) {
				fprintf(stderr, "forker: error: fork: %s\n", strerror(errno));
				return 1;
			}
			if (pid == 0) {
				execv(argv[optind], argv + optind);
				_exit(127);
			}
			started++;
			running++;
		}
		pid = wait(&status);
		if (pid < 0) {
			fprintf(stderr, "forker: error: wait: %s\n", strerror(errno));
			return 1;
		}
		running--;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
	}
	return failed;
}
