/* render/summary.c: the summary view. */
#include <errno.h>

#include "render/trace.h"

int render_summary(FILE *out, const struct trace *t, const struct render_opts *o)
{
	(void)out;
	(void)t;
	(void)o;
	return -ENOSYS;
}
