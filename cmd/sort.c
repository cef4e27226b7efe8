/* cmd/sort.c: 'proctrace sort' option parsing. */
#include "cmd/cmd.h"

int cmd_sort(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return error("sort: not implemented yet");
}
