/* render/by-process.c: the by-process view. */
#include <errno.h>

#include "render/trace.h"

int render_by_process(FILE *out, const struct trace *t, const struct render_opts *o)
{
	(void)out;
	(void)t;
	(void)o;
	return -ENOSYS;
}
