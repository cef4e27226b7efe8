/*
 * tests/e2e/helpers/ia32/calls.c: a 32-bit program that makes, through the
 * ia32 syscall ABI, the calls proctrace decodes at syscall exit, and one
 * whose ia32 number is a traced call's x86_64 number:
 *   olduname()                            (109: setpgid on x86_64)
 *   execve("/nonexistent/ia32-execve")    fails with ENOENT
 *   execveat(AT_FDCWD, "/nonexistent/ia32-execveat")  fails with ENOENT
 *   setsid()
 *   fork(); the child calls setpgid(0, 0) and exits 0
 * Exit status 0 if every call did what it should, else the step that did not.
 * Freestanding (no C library, int $0x80): gcc -m32 is all it needs.
 */
#define NR_EXIT 1
#define NR_FORK 2
#define NR_WAITPID 7
#define NR_EXECVE 11
#define NR_SETPGID 57
#define NR_SETSID 66
#define NR_OLDUNAME 109
#define NR_EXECVEAT 358
#define AT_FDCWD -100
#define ENOENT 2

static long sys(long nr, long a, long b, long c, long d, long e)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
			 : "memory");
	return ret;
}

static void __attribute__((noreturn)) die(long code)
{
	for (;;)
		sys(NR_EXIT, code, 0, 0, 0, 0);
}

static int run(void)
{
	static char uts[5 * 65];
	static char *argv[] = { "ia32", 0 }, *envp[] = { 0 };
	long pid, status = 0;

	if (sys(NR_OLDUNAME, (long)uts, 0, 0, 0, 0) != 0)
		return 10;
	if (sys(NR_EXECVE, (long)"/nonexistent/ia32-execve", (long)argv, (long)envp, 0, 0) !=
	    -ENOENT)
		return 11;
	if (sys(NR_EXECVEAT, AT_FDCWD, (long)"/nonexistent/ia32-execveat", (long)argv, (long)envp,
		0) != -ENOENT)
		return 12;
	if (sys(NR_SETSID, 0, 0, 0, 0, 0) < 0)
		return 13;
	pid = sys(NR_FORK, 0, 0, 0, 0, 0);
	if (pid < 0)
		return 14;
	if (pid == 0)
		die(sys(NR_SETPGID, 0, 0, 0, 0, 0) == 0 ? 0 : 20);
	if (sys(NR_WAITPID, pid, (long)&status, 0, 0, 0) != pid || status != 0)
		return 15;
	return 0;
}

void _start(void)
{
	die(run());
}
