/* tests/fuzz/fuzz_reader.c: libFuzzer harness: any bytes through the reader, the model and every view. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "formats/recording.h"
#include "render/trace.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	/* Input errors are expected by the thousand: keep them off the terminal. */
	stderr = devnull;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct render_opts opts = { .top = 3, .max_bars = 20 };
	struct recording *rec = NULL;
	struct trace *t = NULL;
	char path[64];
	int fd;

	/* The reader takes a path, as every command does: hand it an in-memory file. */
	fd = memfd_create("recording", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size)
		goto cleanup;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (recording_load(&rec, path))
		goto cleanup;
	recording_sort(rec);
	if (trace_build(&t, rec, 0))
		goto cleanup;
	for (const struct renderer *r = renderers; r->name; r++) {
		opts.sort = (enum summary_sort)(size % 3);
		r->fn(devnull, t, &opts);
	}
cleanup:
	trace_free(t);
	recording_free(rec);
	close(fd);
	return 0;
}
