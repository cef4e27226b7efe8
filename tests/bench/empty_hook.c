/* tests/bench/empty_hook.c: attach empty_hook.bpf.o (an empty sys_enter program) until stdin closes. */
#include <stdio.h>
#include <unistd.h>

#include <bpf/libbpf.h>

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_link *link;
	char c;

	if (argc != 2) {
		fputs("usage: empty_hook OBJECT.bpf.o\n"
		      "Attaches the object's sys_enter program, prints READY, and detaches\n"
		      "when its stdin reaches EOF: the bench measures a syscall meanwhile.\n"
		      "EXAMPLES\n"
		      "  empty_hook empty_hook.bpf.o < fifo\n", stderr);
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "empty_hook: cannot load %s\n", argv[1]);
		return 1;
	}
	prog = bpf_object__next_program(obj, NULL);
	link = prog ? bpf_program__attach(prog) : NULL;
	if (!link) {
		fprintf(stderr, "empty_hook: cannot attach\n");
		return 1;
	}
	printf("READY\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return 0;
}
