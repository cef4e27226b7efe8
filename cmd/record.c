/* cmd/record.c: 'proctrace record' option parsing. */
#include "cmd/cmd.h"

int cmd_record(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return error("record: not implemented yet");
}
