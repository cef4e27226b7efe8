/*
 * tests/e2e/helpers/ia32/sccount.c: a 32-bit program that makes, through
 * the ia32 syscall ABI, 1000 getppid() (64: x86_64's dup2), 3 write(1, "", 0)
 * (4: x86_64's stat) and then exit(0) (1: x86_64's write).
 * Freestanding (no C library, int $0x80): gcc -m32 is all it needs.
 */
#define NR_EXIT 1
#define NR_WRITE 4
#define NR_GETPPID 64

static long sys(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

void _start(void)
{
	for (int i = 0; i < 1000; i++)
		sys(NR_GETPPID, 0, 0, 0);
	for (int i = 0; i < 3; i++)
		sys(NR_WRITE, 1, (long)"", 0);
	for (;;)
		sys(NR_EXIT, 0, 0, 0);
}
