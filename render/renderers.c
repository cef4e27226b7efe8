/* render/renderers.c: the table of views. */
#include <string.h>

#include "render/trace.h"

const struct renderer renderers[] = {
	{ "multiplexed", render_multiplexed, "the tree's events in time order, one JSON line each (default)" },
	{ "by-process", render_by_process, "each process's events in order, a blank line between processes" },
	{ "mermaid", render_mermaid, "a Mermaid Gantt chart, one bar per exec image or fork-only process" },
	{ "summary", render_summary, "totals, critical path, failures, slowest, concurrency, top commands and subtrees" },
	{ "critical-path", render_critical_path, "what the end of the run waited for, link by link; what outlived the root" },
	{ "tree", render_tree, "the process tree with wall, CPU, peak RSS and exit status; repeated commands folded" },
	{ "perfetto", render_perfetto, "Chrome Trace Event JSON for ui.perfetto.dev and chrome://tracing" },
	{ "html", render_html, "one self-contained web page: a zoomable timeline, search, failures and top lists" },
	{ "metrics", render_metrics, "processes, threads, cores busy, memory and swap over time (TSV)" },
	{ "processes", render_processes, "one row per process (CSV) for DuckDB, sqlite, pandas, Spark" },
	{ "syscalls", render_syscalls, "syscall counts by process and command, most first (record --syscalls)" },
	{ 0 },
};

const struct renderer *renderer_find(const char *name)
{
	for (const struct renderer *r = renderers; r->name; r++)
		if (!strcmp(r->name, name))
			return r;
	return NULL;
}
