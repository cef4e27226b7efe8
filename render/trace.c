/* render/trace.c: build the process model from a sorted recording. */
#include <errno.h>
#include <stdlib.h>

#include "render/trace.h"

int trace_build(struct trace **out, const struct recording *rec, int32_t root_pid)
{
	(void)rec;
	(void)root_pid;
	*out = NULL;
	return -ENOSYS;
}

void trace_free(struct trace *t)
{
	free(t);
}
