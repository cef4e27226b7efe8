/* cmd/main.c: proctrace's entry point and subcommand table. */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "formats/jsonl.h"

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{ "record", cmd_record, "run a command and record its whole process tree" },
	{ "sort", cmd_sort, "order a recording by time" },
	{ "render", cmd_render, "turn a recording into a view" },
	{ "diff", cmd_diff, "what changed between two recordings" },
	{ "snoop", cmd_snoop, "print each exec of a command's tree (or of the machine) as it happens" },
	{ 0 },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: proctrace <command> [options] [args]\n\n"
		   "Records a command's whole process tree (fork, exec, exit, setsid,\n"
		   "setpgid) with eBPF, and turns recordings into views people can read.\n\n"
		   "Commands:\n");
	for (const struct subcommand *c = subcommands; c->name; c++)
		fprintf(f, "  %-8s %s\n", c->name, c->summary);
	fprintf(f, "\nOptions:\n"
		   "  -h, --help     show this help\n"
		   "  -V, --version  show the version\n\n"
		   "Run 'proctrace help <command>' (or 'proctrace <command> --help') for a\n"
		   "command's options.\n\n"
		   "EXAMPLES\n"
		   "  sudo proctrace record -o build.jsonl -- make -j8\n"
		   "  proctrace render -f summary build.jsonl\n"
		   "  proctrace render -f mermaid -o build.mmd build.jsonl\n"
		   "  proctrace diff yesterday.jsonl today.jsonl\n"
		   "  sudo proctrace snoop -t -- make -j8\n\n"
		   "See proctrace(1), and proctrace-recording(5) for the recording format.\n");
}

static const struct subcommand *subcommand_find(const char *name)
{
	for (const struct subcommand *c = subcommands; c->name; c++)
		if (!strcmp(name, c->name))
			return c;
	return NULL;
}

/*
 * 'proctrace help [COMMAND]': the main help, or COMMAND's (as 'git help'
 * does). Not in the table: it is a way to the commands' help, not a command
 * with a page of its own.
 */
static int cmd_help(int argc, char **argv)
{
	const struct subcommand *c;
	char *args[] = { NULL, "--help", NULL };

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc > 2) {
		error("help: one command at a time (try 'proctrace help')");
		return EXIT_USAGE;
	}
	if (!(c = subcommand_find(argv[1]))) {
		error("help: unknown command '%s' (try 'proctrace help')", argv[1]);
		return EXIT_USAGE;
	}
	args[0] = argv[1];
	return c->fn(2, args);
}

int main(int argc, char **argv)
{
	const struct subcommand *c;

	/*
	 * Views build big arrays one after another and free the earlier ones.
	 * glibc raises its mmap threshold after each big free, so later arrays
	 * would come from the heap and freed memory would stay in the process:
	 * a fixed threshold keeps peak memory to what is live at once.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	stdfds_hold();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "help"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("proctrace %s\n", PROCTRACE_VERSION);
		return EXIT_OK;
	}
	if ((c = subcommand_find(argv[1])))
		return c->fn(argc - 1, argv + 1);
	error("unknown command '%s' (try 'proctrace --help')", argv[1]);
	return EXIT_USAGE;
}
