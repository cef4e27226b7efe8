/* tests/e2e/helpers/memhog.c: allocate and touch MB megabytes, so the peak RSS is at least that. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 50;
	size_t n = mb << 20;
	volatile char *p = malloc(n);

	if (!p) {
		perror("malloc");
		return 1;
	}
	/* Touch every page: untouched pages are not resident. */
	for (size_t i = 0; i < n; i += 4096)
		p[i] = (char)i;
	return 0;
}
