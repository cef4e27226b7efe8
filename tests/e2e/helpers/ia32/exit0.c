/*
 * tests/e2e/helpers/ia32/exit0.c: the smallest 32-bit program, exit(0)
 * through int $0x80. Whether the kernel runs it tells whether it can run
 * ia32 programs at all: one without IA32 emulation, or booted with
 * ia32_emulation=0, refuses it with ENOEXEC ("Exec format error").
 * Freestanding (no C library): gcc -m32 is all it needs.
 */
void _start(void)
{
	for (;;)
		__asm__ volatile("int $0x80" : : "a"(1), "b"(0));
}
