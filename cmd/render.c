/* cmd/render.c: 'proctrace render' option parsing. */
#include "cmd/cmd.h"

int cmd_render(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return error("render: not implemented yet");
}
