/*
 * tests/e2e/helpers/cdexec.c: [-r ROOT] DIR PROG [ARGS...]: chroot to ROOT
 * (without a chdir: the working directory stays outside it), chdir to DIR
 * ('-': stay), then exec PROG. With no arguments, exit 0. Built static, so
 * that it runs in a bare chroot.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int i = 1;

	if (argc < 2)
		return 0;
	if (!strcmp(argv[i], "-r") && i + 1 < argc) {
		if (chroot(argv[i + 1])) {
			perror("chroot");
			return 1;
		}
		i += 2;
	}
	if (i + 1 >= argc) {
		fprintf(stderr, "usage: cdexec [-r ROOT] DIR PROG [ARGS...]\n");
		return 2;
	}
	if (strcmp(argv[i], "-") && chdir(argv[i])) {
		perror("chdir");
		return 1;
	}
	execv(argv[i + 1], argv + i + 1);
	perror("execv");
	return 127;
}
