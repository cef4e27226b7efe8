/* tests/bench/syscalls.c: the cost of one cheap syscall, in nanoseconds of CPU time. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "parse_pos.h"

static void usage(void)
{
	fputs("usage: syscalls [-n COUNT]\n"
	      "Makes COUNT getppid() syscalls (default 1000000) and prints the mean\n"
	      "nanoseconds of CPU time per call (time spent waiting for a CPU on a\n"
	      "busy machine is not counted). While proctrace records with\n"
	      "--failed-execs, every process on the machine takes the slower syscall\n"
	      "exit path its sys_exit program hooks.\n"
	      "EXAMPLES\n"
	      "  syscalls                # untraced\n"
	      "  syscalls -n 5000000     # longer, steadier\n",
	      stderr);
}

int main(int argc, char **argv)
{
	struct timespec a, b;
	long n = 1000000;
	int opt;

	while ((opt = getopt(argc, argv, "n:h")) != -1) {
		switch (opt) {
		case 'n':
			n = parse_pos(optarg);
			if (n < 0) {
				fprintf(stderr, "syscalls: error: -n: not a positive number: %s\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (optind != argc) {
		usage();
		return 2;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	/* syscall(2) itself, so that no C library caches the answer. */
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
	return 0;
}
