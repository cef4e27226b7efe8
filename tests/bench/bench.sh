#!/usr/bin/env bash
# tests/bench/bench.sh: the benchmark behind `make bench`: recording overhead
# against strace and bpftrace, on syscall-bound work and a configure script
# with and without --failed-execs (and the cost of a syscall anywhere on the
# machine while recording), lost events under fork storms, sort/render
# throughput against jq, and the html view's page in chromium (its size and
# first draw for 100,000 processes). Writes a markdown table to $BENCH_DIR/results.md and
# prints it. Informational: it never fails on a timing, only on a broken set-up.
#
# Environment: PROCTRACE (binary), BENCH_DIR (output, holds gen, forker and syscalls),
# BENCH_RUNS (runs per side, default 5), BENCH_RECORD_RUNS (rounds of the
# recording-overhead section, default 11, 5 with BENCH_QUICK=1: its ratios
# are the noisiest),
# BENCH_QUICK=1 (small sizes),
# BENCH_SECTIONS (any of "record sample sysbound syscalls moves storm live system render page", default all),
# BENCH_BASELINE (another proctrace binary, e.g. one built before a change to
# the kernel side: the sample section then also times an exec storm under both),
# BENCH_VIEWS (the render section's commands, default all: jq sort multiplexed ... diff;
# jq, the yardstick, is always measured),
# BENCH_SC_WORKLOADS (the syscalls section's workloads, default all: seq xargs make
# pipe find tar; "-f syscalls" against jq is measured only with all of them),
# BENCH_TINY_BUFFER (bytes for the tiny-buffer run, default 4096).
set -uo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
: "${PROCTRACE:=$here/../../proctrace}"
: "${BENCH_DIR:=$here/../../build/bench}"
: "${BENCH_RUNS:=5}"
: "${BENCH_QUICK:=0}"
if [ "$BENCH_QUICK" = 1 ]; then : "${BENCH_RECORD_RUNS:=5}"; else : "${BENCH_RECORD_RUNS:=11}"; fi
: "${BENCH_SECTIONS:=record sample sysbound syscalls moves storm live system render page}"
: "${BENCH_BASELINE:=}"
: "${BENCH_TINY_BUFFER:=4096}"
GEN=$BENCH_DIR/gen
FORKER=$BENCH_DIR/forker
SYSCALLS=$BENCH_DIR/syscalls
EMPTY_HOOK=$BENCH_DIR/empty_hook
RUNS=$BENCH_RUNS
RRUNS=$BENCH_RECORD_RUNS

if [ "$BENCH_QUICK" = 1 ]; then
	N_SEQ=200 N_XARGS=400 N_MAKE=10 N_PIPE=50 N_STORM=10000 N_TINY=1000 N_GEN=100000 N_PAGE=10000
	N_MOVES=50
else
	N_SEQ=2000 N_XARGS=4000 N_MAKE=50 N_PIPE=500 N_STORM=100000 N_TINY=10000 N_GEN=1000000 N_PAGE=100000
	N_MOVES=500
fi

die() { echo "bench: error: $*" >&2; exit 1; }
note() { echo "bench: $*" >&2; }
[ -x "$PROCTRACE" ] || die "$PROCTRACE: not built"
[ -x "$GEN" ] && [ -x "$FORKER" ] && [ -x "$SYSCALLS" ] ||
	die "$BENCH_DIR/gen, forker, syscalls: not built (run make bench)"
[ "$RUNS" -ge 1 ] 2>/dev/null || die "BENCH_RUNS: not a positive number: $RUNS"
[ "$RRUNS" -ge 1 ] 2>/dev/null || die "BENCH_RECORD_RUNS: not a positive number: $RRUNS"
PROCTRACE=$(cd "$(dirname "$PROCTRACE")" && pwd)/$(basename "$PROCTRACE")

W=$(mktemp -d "${TMPDIR:-/tmp}/proctrace-bench.XXXXXX")
RAW=$BENCH_DIR/raw
LOG=$BENCH_DIR/bench.log
RES=$BENCH_DIR/results.md
rm -rf "$RAW"
mkdir -p "$RAW"
: >"$LOG"
mounted_tracefs=0
cleanup() {
	[ "$mounted_tracefs" = 1 ] && umount /sys/kernel/tracing 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

section() { case " $BENCH_SECTIONS " in *" $1 "*) return 0 ;; esac; return 1; }

# --- helpers ---------------------------------------------------------------

# elapsed T0 T1: seconds between two $EPOCHREALTIME stamps.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f\n", b - a }'; }

# timed KEY CMD...: run CMD (output to the log), append its wall time to
# $RAW/KEY; a non-zero status is remembered in $RAW/KEY.fail.
timed() {
	local key=$1 t0 t1 rc
	shift
	t0=$EPOCHREALTIME
	"$@" >/dev/null 2>>"$LOG"
	rc=$?
	t1=$EPOCHREALTIME
	elapsed "$t0" "$t1" >>"$RAW/$key"
	[ "$rc" -eq 0 ] || echo "$rc" >>"$RAW/$key.fail"
	return 0
}

# timed_cpu KEY CMD...: like timed, and the CPU time (user + system) of CMD
# and of everything it waited for, appended to $RAW/KEY.cpu. On a shared
# machine the wall time also holds the time spent waiting for a CPU; the
# CPU time does not.
timed_cpu() {
	local key=$1 TIMEFORMAT='%3R %3U %3S' wall user sys
	shift
	{ time { "$@" >/dev/null 2>>"$LOG"; echo $? >"$W/rc"; }; } 2>"$W/time"
	read -r wall user sys <"$W/time"
	echo "$wall" >>"$RAW/$key"
	awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.3f\n", u + s }' >>"$RAW/$key.cpu"
	[ "$(cat "$W/rc")" = 0 ] || cat "$W/rc" >>"$RAW/$key.fail"
	return 0
}

# stats FILE: "median min max" of the numbers in FILE (one a line).
stats() {
	sort -g "$1" | awk '{ a[NR] = $1 }
		END { if (!NR) { print "nan nan nan"; exit }
		      m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		      print m, a[1], a[NR] }'
}

# ratios A B: per-run A/B of two files of times measured in the same rounds.
ratios() { paste "$1" "$2" | awk '$2 > 0 { printf "%.4f\n", $1 / $2 }'; }

# cell_ratio TRACED UNTRACED: "1.03 (1.01–1.05)": median and min–max of the
# per-round ratios (each traced run divided by the untraced run of its round,
# which cancels slow drifts in the machine's load).
cell_ratio() {
	local a=$RAW/$1 b=$RAW/$2 m lo hi
	[ -s "$a" ] || { echo "n/a"; return; }
	[ -f "$a.fail" ] && { echo "failed (status $(head -1 "$a.fail"))"; return; }
	read -r m lo hi < <(stats <(ratios "$a" "$b"))
	awk -v m="$m" -v lo="$lo" -v hi="$hi" 'BEGIN { printf "%.2f (%.2f–%.2f)", m, lo, hi }'
}

# cell_time KEY: "1.234 s (1.200–1.300)".
cell_time() {
	local m lo hi
	[ -s "$RAW/$1" ] || { echo "n/a"; return; }
	read -r m lo hi < <(stats "$RAW/$1")
	awk -v m="$m" -v lo="$lo" -v hi="$hi" 'BEGIN { printf "%.3f s (%.3f–%.3f)", m, lo, hi }'
}

# cell_ns KEY: "138 ns (130–150)".
cell_ns() {
	local m lo hi
	[ -s "$RAW/$1" ] || { echo "n/a"; return; }
	read -r m lo hi < <(stats "$RAW/$1")
	awk -v m="$m" -v lo="$lo" -v hi="$hi" 'BEGIN { printf "%.0f ns (%.0f–%.0f)", m, lo, hi }'
}

median_of() { local m; read -r m _ _ < <(stats "$RAW/$1"); echo "$m"; }
verdict() { if awk "BEGIN { exit !($1) }"; then echo PASS; else echo MISS; fi; }

# --- recording overhead ----------------------------------------------------

# The bpftrace comparison needs tracefs (tracepoint formats); mount it for the
# run only. Sets BPF_NA to the reason when bpftrace cannot be used.
BPF_NA=
setup_bpftrace() {
	command -v bpftrace >/dev/null || { BPF_NA="n/a (bpftrace not installed)"; return; }
	if [ ! -d /sys/kernel/tracing/events/sched ]; then
		if mount -t tracefs nodev /sys/kernel/tracing 2>>"$LOG"; then
			mounted_tracefs=1
		else
			BPF_NA="n/a (tracefs cannot be mounted)"
			return
		fi
	fi
	if ! timeout 60 bpftrace -e 'tracepoint:sched:sched_process_exec { exit(); }' \
		-c /bin/true >/dev/null 2>"$W/bpf.err"; then
		BPF_NA="n/a (bpftrace: $(grep -m1 -v RLIMIT_MEMLOCK "$W/bpf.err" | cut -c1-60))"
	fi
}

# bpf_timed KEY CMD...: time CMD traced by trace.bt. bpftrace's own start-up
# (≈0.7 s) is kept out of the ratio and reported on its own: CMD waits on a
# fifo until bpftrace has attached every probe (its BEGIN prints READY).
bpf_timed() {
	local key=$1 wpid bpid i t0 t1 ts rc
	shift
	rm -f "$W/go" "$W/bt.out"
	mkfifo "$W/go"
	sh -c 'read x < "$0"; exec "$@"' "$W/go" "$@" >/dev/null 2>>"$LOG" &
	wpid=$!
	ts=$EPOCHREALTIME
	bpftrace "$here/trace.bt" "$wpid" >"$W/bt.out" 2>>"$W/bt.err" &
	bpid=$!
	for ((i = 0; i < 1200; i++)); do
		grep -q '^READY' "$W/bt.out" 2>/dev/null && break
		kill -0 "$bpid" 2>/dev/null || break
		sleep 0.025
	done
	if ! grep -q '^READY' "$W/bt.out" 2>/dev/null; then
		kill "$bpid" 2>/dev/null
		echo go >"$W/go"
		wait "$wpid" "$bpid"
		echo 1 >>"$RAW/$key.fail"
		return 0
	fi
	elapsed "$ts" "$EPOCHREALTIME" >>"$RAW/bpftrace_startup"
	t0=$EPOCHREALTIME
	echo go >"$W/go"
	wait "$wpid"
	rc=$?
	t1=$EPOCHREALTIME
	kill -INT "$bpid"
	wait "$bpid"
	elapsed "$t0" "$t1" >>"$RAW/$key"
	[ "$rc" -eq 0 ] || echo "$rc" >>"$RAW/$key.fail"
	wc -l <"$W/bt.out" >>"$RAW/$key.lines"
}

make_project() {
	local d=$W/mk i
	mkdir -p "$d"
	for ((i = 0; i < N_MAKE; i++)); do
		printf '#include <stdio.h>\nint f%d(int x)\n{\n\tprintf("%%d\\n", x);\n\treturn x * %d;\n}\n' \
			"$i" "$i" >"$d/f$i.c"
	done
	printf 'int main(void)\n{\n\treturn 0;\n}\n' >"$d/main.c"
	{
		printf 'OBJS := main.o'
		for ((i = 0; i < N_MAKE; i++)); do printf ' f%d.o' "$i"; done
		printf '\nprog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n%%.o: %%.c\n\t$(CC) -O2 -c -o $@ $<\n'
		printf 'clean:\n\trm -f prog *.o\n'
	} >"$d/Makefile"
}

# The configure script of a small autoconf project (tests/bench/configure.ac),
# generated in $W/ac. Sets AC_NA to the reason when it cannot be.
AC_NA=
make_configure() {
	local d=$W/ac aux=/usr/share/autoconf/build-aux
	command -v autoconf >/dev/null && command -v autoheader >/dev/null ||
		{ AC_NA="n/a (autoconf not installed)"; return; }
	[ -f "$aux/install-sh" ] || { AC_NA="n/a (no $aux/install-sh)"; return; }
	mkdir -p "$d"
	cp "$here/configure.ac" "$aux/config.guess" "$aux/config.sub" "$aux/install-sh" "$d/"
	printf 'int main(void)\n{\n\treturn 0;\n}\n' >"$d/main.c"
	printf 'all:\n\t@echo @CC@\n' >"$d/Makefile.in"
	(cd "$d" && autoconf && autoheader) 2>>"$LOG" || AC_NA="n/a (autoconf failed: see $LOG)"
}

# The workloads: a name for the table and the command. find and tar make
# syscalls above all (tar writing to /dev/null only stats each file: it
# knows nothing would keep what it read).
workload() {
	case $1 in
	seq) echo "$N_SEQ sequential fork+exec of /bin/true" ;;
	xargs) echo "$N_XARGS /bin/true via xargs -P2" ;;
	make) echo "make -j2 of $N_MAKE generated C files" ;;
	pipe) echo "$N_PIPE× echo \\| grep \\| wc" ;;
	find) echo "find /usr >/dev/null" ;;
	tar) echo "tar c /usr >/dev/null" ;;
	configure) echo "./configure of a small autoconf project" ;;
	esac
}
workload_cmd() {
	case $1 in
	seq) WCMD=("$FORKER" -n "$N_SEQ" -- /bin/true) ;;
	xargs) WCMD=(sh -c "seq $N_XARGS | xargs -n1 -P2 /bin/true") ;;
	make) WCMD=(make -s -j2 -C "$W/mk") ;;
	pipe) WCMD=(sh -c "i=0; while [ \$i -lt $N_PIPE ]; do echo hello | grep h | wc -l; i=\$((i + 1)); done") ;;
	find) WCMD=(find /usr) ;;
	tar) WCMD=(tar -C / -c usr) ;;
	configure) WCMD=(sh -c 'cd "$0" && exec ./configure -q' "$W/ac") ;;
	esac
}
prepare() {
	case $1 in
	make) make -s -C "$W/mk" clean >/dev/null ;;
	configure) rm -f "$W/ac/config.status" "$W/ac/config.log" "$W/ac/config.h" "$W/ac/Makefile" ;;
	esac
	rm -f "$W/rec.jsonl" "$W/strace.out"
}

bench_record() {
	local w r side sides=(untraced proctrace strace bpftrace) i
	make_project
	setup_bpftrace
	note "recording overhead: $RRUNS rounds of 4 workloads${BPF_NA:+ (bpftrace: $BPF_NA)}"
	for ((r = 1; r <= RRUNS; r++)); do
		for w in seq xargs make pipe; do
			workload_cmd "$w"
			# Rotate who goes first so that no side always runs on a warm cache.
			for ((i = 0; i < 4; i++)); do
				side=${sides[(i + r) % 4]}
				prepare "$w"
				case $side in
				untraced) timed "$w.untraced" "${WCMD[@]}" ;;
				proctrace)
					timed "$w.proctrace" "$PROCTRACE" record -o "$W/rec.jsonl" -- "${WCMD[@]}"
					lost_of "$W/rec.jsonl" >>"$RAW/$w.proctrace.lost"
					procs_of "$W/rec.jsonl" >>"$RAW/$w.proctrace.procs"
					;;
				strace) timed "$w.strace" strace -f -qq -e trace=process -o "$W/strace.out" "${WCMD[@]}" ;;
				bpftrace) [ -n "$BPF_NA" ] || bpf_timed "$w.bpftrace" "${WCMD[@]}" ;;
				esac
			done
		done
		note "  round $r/$RRUNS done"
	done
	for ((r = 1; r <= RRUNS; r++)); do
		timed true.untraced /bin/true
		rm -f "$W/rec.jsonl"
		timed true.proctrace "$PROCTRACE" record -o "$W/rec.jsonl" -- /bin/true
	done
}

# --- sampling ----------------------------------------------------------------

# The standard workloads untraced, recorded with --sample-interval off, at
# the default (1s) and at 10ms, the four sides rotating within each round;
# `record -- /bin/true` with and without sampling; with BENCH_BASELINE, an
# exec storm recorded by both binaries (the cost of what the exec hook
# gained, such as the cwd walk).
bench_sample() {
	local w r side sides=(untraced off default 10ms) i
	[ -d "$W/mk" ] || make_project
	note "sampling overhead: $RRUNS rounds of 4 workloads"
	for ((r = 1; r <= RRUNS; r++)); do
		for w in seq xargs make pipe; do
			workload_cmd "$w"
			for ((i = 0; i < 4; i++)); do
				side=${sides[(i + r) % 4]}
				prepare "$w"
				case $side in
				untraced) timed_cpu "$w.s.untraced" "${WCMD[@]}" ;;
				off) timed_cpu "$w.s.off" "$PROCTRACE" record --sample-interval off -o "$W/rec.jsonl" -- "${WCMD[@]}" ;;
				default) timed_cpu "$w.s.default" "$PROCTRACE" record -o "$W/rec.jsonl" -- "${WCMD[@]}" ;;
				10ms)
					timed_cpu "$w.s.10ms" "$PROCTRACE" record --sample-interval 10ms -o "$W/rec.jsonl" -- "${WCMD[@]}"
					grep -c '^{"Sample"' "$W/rec.jsonl" >>"$RAW/$w.s.10ms.samples"
					;;
				esac
			done
		done
		note "  round $r/$RRUNS done"
	done
	for ((r = 1; r <= RRUNS; r++)); do
		rm -f "$W/rec.jsonl"
		timed true.s.off "$PROCTRACE" record --sample-interval off -o "$W/rec.jsonl" -- /bin/true
		rm -f "$W/rec.jsonl"
		timed true.s.default "$PROCTRACE" record -o "$W/rec.jsonl" -- /bin/true
		rm -f "$W/rec.jsonl"
		timed true.s.10ms "$PROCTRACE" record --sample-interval 10ms -o "$W/rec.jsonl" -- /bin/true
	done
	[ -n "$BENCH_BASELINE" ] || return 0
	note "exec storm: $N_STORM processes, this binary and $BENCH_BASELINE"
	for ((r = 1; r <= RRUNS; r++)); do
		timed storm.untraced "$FORKER" -n "$N_STORM" -j 4 -- /bin/true
		rm -f "$W/rec.jsonl"
		timed storm.baseline "$BENCH_BASELINE" record -o "$W/rec.jsonl" -- "$FORKER" -n "$N_STORM" -j 4 -- /bin/true
		rm -f "$W/rec.jsonl"
		timed storm.this "$PROCTRACE" record --sample-interval off -o "$W/rec.jsonl" -- "$FORKER" -n "$N_STORM" -j 4 -- /bin/true
	done
}

report_sample() {
	local w d
	echo "## Sampling overhead"
	echo
	echo "Wall time of \`proctrace record [--sample-interval DUR] -o FILE -- workload\` ÷ the same"
	echo "workload untraced (and, for sampling's own cost, ÷ the recording with \`--sample-interval off\`),"
	echo "run by run: median (min–max) of $RRUNS rounds, the four sides rotating within each round;"
	echo "then the same ratios of CPU time (user + system of everything the command waited for: the"
	echo "recorder, the workload and the kernel side's work charged to them), which on a shared machine"
	echo "does not count the time spent waiting for a CPU."
	echo
	echo "| workload | off ÷ untraced | 1s ÷ untraced | 10ms ÷ untraced | 1s ÷ off | target ≤ 1.03 | 10ms ÷ off | Samples at 10ms |"
	echo "|---|---|---|---|---|---|---|---|"
	for w in seq xargs make pipe; do
		d=$(cell_ratio "$w.s.default" "$w.s.off")
		printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(workload "$w")" \
			"$(cell_ratio "$w.s.off" "$w.s.untraced")" "$(cell_ratio "$w.s.default" "$w.s.untraced")" \
			"$(cell_ratio "$w.s.10ms" "$w.s.untraced")" "$d" \
			"$(case $d in n/a | failed*) echo MISS ;; *) verdict "${d%% *} <= 1.03" ;; esac)" \
			"$(cell_ratio "$w.s.10ms" "$w.s.off")" \
			"$(median_of "$w.s.10ms.samples" 2>/dev/null | awk '{ printf "%.0f", $1 }')"
	done
	echo
	echo "| workload, CPU time | untraced | off ÷ untraced | 1s ÷ off | target ≤ 1.03 | 10ms ÷ off |"
	echo "|---|---|---|---|---|---|"
	for w in seq xargs make pipe; do
		d=$(cell_ratio "$w.s.default.cpu" "$w.s.off.cpu")
		printf '| %s | %s | %s | %s | %s | %s |\n' "$(workload "$w")" \
			"$(cell_time "$w.s.untraced.cpu")" "$(cell_ratio "$w.s.off.cpu" "$w.s.untraced.cpu")" "$d" \
			"$(case $d in n/a | failed*) echo MISS ;; *) verdict "${d%% *} <= 1.03" ;; esac)" \
			"$(cell_ratio "$w.s.10ms.cpu" "$w.s.off.cpu")"
	done
	echo
	echo "| \`proctrace record -- /bin/true\` | total |"
	echo "|---|---|"
	printf '| --sample-interval off | %s |\n' "$(cell_time true.s.off)"
	printf '| default (1s) | %s |\n' "$(cell_time true.s.default)"
	printf '| --sample-interval 10ms | %s |\n' "$(cell_time true.s.10ms)"
	echo
	if [ -s "$RAW/storm.this" ]; then
		echo "Exec storm (\`forker -n $N_STORM -j 4 -- /bin/true\`) recorded by this binary and by"
		echo "\`$BENCH_BASELINE\` (BENCH_BASELINE), both without sampling, ÷ untraced:"
		echo
		echo "| untraced | baseline ÷ untraced | this ÷ untraced | this ÷ baseline |"
		echo "|---|---|---|---|"
		printf '| %s | %s | %s | %s |\n' "$(cell_time storm.untraced)" \
			"$(cell_ratio storm.baseline storm.untraced)" "$(cell_ratio storm.this storm.untraced)" \
			"$(cell_ratio storm.this storm.baseline)"
		echo
	fi
}

# Syscall-bound work and a configure script: untraced, under the default
# recording, and under --failed-execs (which hooks the exit of every syscall
# on the machine), the three sides alternating within each round.
SB_WORKLOADS="find tar configure"
bench_sysbound() {
	local w r i side sides=(untraced proctrace failed)
	make_configure
	note "syscall-bound work: $RRUNS rounds of $SB_WORKLOADS${AC_NA:+ (configure: $AC_NA)}"
	# One untimed run each first: the first find or tar of /usr reads the disk.
	for w in $SB_WORKLOADS; do
		[ "$w" != configure ] || [ -z "$AC_NA" ] || continue
		workload_cmd "$w"
		prepare "$w"
		"${WCMD[@]}" >/dev/null 2>>"$LOG"
	done
	for ((r = 1; r <= RRUNS; r++)); do
		for w in $SB_WORKLOADS; do
			[ "$w" != configure ] || [ -z "$AC_NA" ] || continue
			workload_cmd "$w"
			for ((i = 0; i < 3; i++)); do
				side=${sides[(i + r) % 3]}
				prepare "$w"
				case $side in
				untraced) timed_cpu "$w.untraced" "${WCMD[@]}" ;;
				proctrace)
					timed_cpu "$w.proctrace" "$PROCTRACE" record -o "$W/rec.jsonl" -- "${WCMD[@]}"
					lost_of "$W/rec.jsonl" >>"$RAW/$w.proctrace.lost"
					;;
				failed)
					timed_cpu "$w.failed" "$PROCTRACE" record --failed-execs -o "$W/rec.jsonl" \
						-- "${WCMD[@]}"
					;;
				esac
			done
		done
		note "  round $r/$RRUNS done"
	done
	bench_syscall
}

# What a syscall costs anywhere on the machine, untraced and while proctrace
# records something else, by default and with --failed-execs: only the
# latter hooks the exit of every syscall.
bench_syscall() {
	local r i pid alone opt key
	for ((r = 1; r <= RRUNS; r++)); do
		for key in proctrace failed; do
			opt=()
			[ "$key" = proctrace ] || opt=(--failed-execs)
			alone=$("$SYSCALLS")
			rm -f "$W/sc.jsonl"
			"$PROCTRACE" record "${opt[@]}" -q -o "$W/sc.jsonl" -- sleep 60 2>>"$LOG" &
			pid=$!
			# The header is written once the programs are attached.
			for ((i = 0; i < 1000; i++)); do
				[ -s "$W/sc.jsonl" ] && break
				sleep 0.01
			done
			# Both figures of a round, or neither: the ratios pair them by line.
			if [ -s "$W/sc.jsonl" ]; then
				echo "$alone" >>"$RAW/syscall.$key.alone"
				"$SYSCALLS" >>"$RAW/syscall.$key"
			else
				note "syscall cost: the recording did not start (see $LOG)"
			fi
			# Passed on to sleep, whose end ends the recording (SIGINT would
			# not do: a script's background jobs ignore it).
			kill -TERM "$pid"
			wait "$pid" || true
		done
	done
}

# lost_of FILE: End.lost of a recording ("?" without an End line).
lost_of() {
	local l
	l=$(grep '^{"End"' "$1" 2>/dev/null | grep -o '"lost":[0-9]*' | cut -d: -f2)
	echo "${l:-?}"
}
# procs_of FILE: number of Exit lines (processes that ended).
procs_of() { grep -c '^{"Exit"' "$1" 2>/dev/null || true; }

report_record() {
	local w pt true_m
	echo "## Recording overhead"
	echo
	echo "Wall time of the traced workload ÷ the same workload untraced, run by run: median"
	echo "(min–max) of $RRUNS rounds, the sides alternating within each round. proctrace's time is the whole"
	echo "\`proctrace record -o FILE -- workload\` (start-up and shutdown included); bpftrace's"
	echo "excludes its start-up (reported below); strace is \`strace -f -e trace=process\`."
	echo
	echo "| workload | untraced | proctrace | target ≤ 1.05 | strace -f | bpftrace |"
	echo "|---|---|---|---|---|---|"
	for w in seq xargs make pipe; do
		pt=$(cell_ratio "$w.proctrace" "$w.untraced")
		local v=MISS
		case $pt in n/a | failed*) v=MISS ;; *) v=$(verdict "${pt%% *} <= 1.05") ;; esac
		printf '| %s | %s | %s | %s | %s | %s |\n' "$(workload "$w")" "$(cell_time "$w.untraced")" \
			"$pt" "$v" "$(cell_ratio "$w.strace" "$w.untraced")" \
			"${BPF_NA:-$(cell_ratio "$w.bpftrace" "$w.untraced")}"
	done
	echo
	true_m=$(median_of true.proctrace)
	echo "| measure | value | target | |"
	echo "|---|---|---|---|"
	printf '| `proctrace record -- /bin/true` total | %s | ≤ 0.1 s | %s |\n' \
		"$(cell_time true.proctrace)" "$(verdict "$true_m <= 0.1")"
	printf '| `/bin/true` untraced | %s | | |\n' "$(cell_time true.untraced)"
	if [ -s "$RAW/bpftrace_startup" ]; then
		printf '| bpftrace start-up (launch → probes attached) | %s | | |\n' \
			"$(cell_time bpftrace_startup)"
	fi
	for w in seq xargs make pipe; do
		[ -s "$RAW/$w.proctrace.lost" ] || continue
		printf '| proctrace lost events, %s (per run) | %s | 0 | %s |\n' "$(workload "$w")" \
			"$(tr '\n' ' ' <"$RAW/$w.proctrace.lost" | sed 's/ $//')" \
			"$(grep -qv '^0$' "$RAW/$w.proctrace.lost" && echo MISS || echo PASS)"
	done
	echo
}

# verdict_ratio TRACED UNTRACED LIMIT: PASS if the median per-round ratio is at most LIMIT.
verdict_ratio() {
	local m
	[ -s "$RAW/$1" ] && [ ! -f "$RAW/$1.fail" ] || { echo MISS; return; }
	read -r m _ _ < <(stats <(ratios "$RAW/$1" "$RAW/$2"))
	verdict "$m <= $3"
}

report_sysbound() {
	local w limit
	echo "## Recording overhead on syscall-bound work"
	echo
	echo "The same ratios for work that makes syscalls above all, and a configure script: median"
	echo "(min–max) of $RRUNS rounds, the untraced run, \`proctrace record -o FILE --\` and"
	echo "\`proctrace record --failed-execs -o FILE --\` alternating within each round. Only"
	echo "--failed-execs hooks the exit of every syscall on the machine."
	echo
	echo "Wall time, and CPU time (user + system of everything the command waited for, the"
	echo "recorder included): on a busy machine the wall time also holds the time spent"
	echo "waiting for a CPU, the CPU time not."
	echo
	echo "| workload | untraced | proctrace | target | | CPU | proctrace --failed-execs | CPU |"
	echo "|---|---|---|---|---|---|---|---|"
	for w in $SB_WORKLOADS; do
		if [ "$w" = configure ] && [ -n "$AC_NA" ]; then
			printf '| %s | %s | | | | | | |\n' "$(workload "$w")" "$AC_NA"
			continue
		fi
		limit=1.03
		[ "$w" != configure ] || limit=1.05
		printf '| %s | %s, CPU %s | %s | ≤ %s | %s | %s | %s | %s |\n' "$(workload "$w")" \
			"$(cell_time "$w.untraced")" "$(cell_time "$w.untraced.cpu")" \
			"$(cell_ratio "$w.proctrace" "$w.untraced")" "$limit" \
			"$(verdict_ratio "$w.proctrace" "$w.untraced" "$limit")" \
			"$(cell_ratio "$w.proctrace.cpu" "$w.untraced.cpu")" \
			"$(cell_ratio "$w.failed" "$w.untraced")" "$(cell_ratio "$w.failed.cpu" "$w.untraced.cpu")"
	done
	echo
	echo "| measure | value | target | |"
	echo "|---|---|---|---|"
	printf '| a syscall (`getppid`) anywhere on the machine, untraced (CPU time) | %s | | |\n' \
		"$(cell_ns syscall.proctrace.alone)"
	printf '| the same while proctrace records another command | %s, ratio %s | ≤ 1.03 | %s |\n' \
		"$(cell_ns syscall.proctrace)" "$(cell_ratio syscall.proctrace syscall.proctrace.alone)" \
		"$(verdict_ratio syscall.proctrace syscall.proctrace.alone 1.03)"
	printf '| the same while proctrace records with `--failed-execs` (untraced: %s) | %s, ratio %s | | |\n' \
		"$(cell_ns syscall.failed.alone)" "$(cell_ns syscall.failed)" \
		"$(cell_ratio syscall.failed syscall.failed.alone)"
	echo
	for w in $SB_WORKLOADS; do
		[ -s "$RAW/$w.proctrace.lost" ] || continue
		printf -- '- proctrace lost events, %s (per run): %s\n' "$(workload "$w")" \
			"$(tr '\n' ' ' <"$RAW/$w.proctrace.lost" | sed 's/ $//')"
	done
	echo
}

# --- record --syscalls ------------------------------------------------------------

# The cost of counting syscalls: the standard workloads and syscall-bound
# work untraced, recorded, and recorded with --syscalls, alternating within
# each round; then what one syscall costs: counted (a getppid() loop
# recorded with --syscalls), anywhere else on the machine while proctrace
# counts another command's, and with an empty sys_enter program attached
# (the floor of any syscall entry hook); then -f syscalls against jq.
SC_ALL="seq xargs make pipe find tar"
SC_WORKLOADS=${BENCH_SC_WORKLOADS:-$SC_ALL}
bench_syscalls() {
	local w r i side sides=(untraced proctrace syscalls)
	[ -d "$W/mk" ] || make_project
	note "--syscalls: $RRUNS rounds of $SC_WORKLOADS"
	for ((r = 1; r <= RRUNS; r++)); do
		for w in $SC_WORKLOADS; do
			workload_cmd "$w"
			for ((i = 0; i < 3; i++)); do
				side=${sides[(i + r) % 3]}
				prepare "$w"
				case $side in
				untraced) timed_cpu "sc.$w.untraced" "${WCMD[@]}" ;;
				proctrace) timed_cpu "sc.$w.proctrace" "$PROCTRACE" record -o "$W/rec.jsonl" -- "${WCMD[@]}" ;;
				syscalls)
					timed_cpu "sc.$w.syscalls" "$PROCTRACE" record --syscalls -o "$W/rec.jsonl" -- "${WCMD[@]}"
					lost_of "$W/rec.jsonl" >>"$RAW/sc.$w.syscalls.lost"
					sc_lost_of "$W/rec.jsonl" >>"$RAW/sc.$w.syscalls.sclost"
					sc_count_of "$W/rec.jsonl" >>"$RAW/sc.$w.syscalls.count"
					;;
				esac
			done
		done
		note "  round $r/$RRUNS done"
	done
	bench_syscall_floor
	[ "$SC_WORKLOADS" = "$SC_ALL" ] && bench_syscalls_render
}

# sc_lost_of FILE: End.syscalls_lost of a recording ("?" without one).
sc_lost_of() {
	local l
	l=$(grep '^{"End"' "$1" 2>/dev/null | grep -o '"syscalls_lost":[0-9]*' | cut -d: -f2)
	echo "${l:-?}"
}

# sc_count_of FILE: the syscalls a recording counted (every Syscalls line's counts).
sc_count_of() {
	jq -n '[inputs | .Syscalls.syscalls? // {} | .[]] | add // 0' "$1" 2>/dev/null || echo 0
}

# hook_start CMD...: start CMD (a recorder or empty_hook) and wait until its
# programs are attached; hook_stop ends it.
hook_pid=
hook_start_record() {
	rm -f "$W/sc.jsonl"
	"$PROCTRACE" record "$@" -q -o "$W/sc.jsonl" -- sleep 60 2>>"$LOG" &
	hook_pid=$!
	for ((i = 0; i < 1000; i++)); do
		[ -s "$W/sc.jsonl" ] && return 0
		sleep 0.01
	done
	return 1
}
hook_start_empty() {
	rm -f "$W/eh.fifo" "$W/eh.out"
	mkfifo "$W/eh.fifo"
	"$EMPTY_HOOK" "$BENCH_DIR/empty_hook.bpf.o" <"$W/eh.fifo" >"$W/eh.out" 2>>"$LOG" &
	hook_pid=$!
	exec 8>"$W/eh.fifo"
	for ((i = 0; i < 1000; i++)); do
		grep -q READY "$W/eh.out" 2>/dev/null && return 0
		kill -0 "$hook_pid" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}
hook_stop() {
	case $1 in
	empty) exec 8>&- ;;
	*) kill -TERM "$hook_pid" ;;
	esac
	wait "$hook_pid" 2>/dev/null || true
}

# What a syscall (getppid) costs, in ns of CPU time: untraced, counted by
# --syscalls (the loop recorded), anywhere else while --syscalls records
# another command, and with an empty sys_enter program attached. Each
# hooked figure is paired with an untraced one taken just before it.
bench_syscall_floor() {
	local r key
	[ -x "$EMPTY_HOOK" ] || note "no $EMPTY_HOOK: the empty hook's floor is not measured"
	for ((r = 1; r <= RRUNS; r++)); do
		for key in counted other empty; do
			case $key in
			counted)
				echo "$("$SYSCALLS")" >>"$RAW/scns.counted.alone"
				rm -f "$W/rec.jsonl"
				"$PROCTRACE" record --syscalls -q -o "$W/rec.jsonl" -- "$SYSCALLS" \
					>>"$RAW/scns.counted" 2>>"$LOG"
				;;
			other)
				local alone
				alone=$("$SYSCALLS")
				if hook_start_record --syscalls; then
					echo "$alone" >>"$RAW/scns.other.alone"
					"$SYSCALLS" >>"$RAW/scns.other"
				else
					note "syscall cost: the recording did not start (see $LOG)"
				fi
				hook_stop record
				;;
			empty)
				[ -x "$EMPTY_HOOK" ] || continue
				local alone
				alone=$("$SYSCALLS")
				if hook_start_empty; then
					echo "$alone" >>"$RAW/scns.empty.alone"
					"$SYSCALLS" >>"$RAW/scns.empty"
				else
					note "empty hook: did not attach (see $LOG)"
				fi
				hook_stop empty
				;;
			esac
		done
	done
}

# -f syscalls on a generated build of N_GEN processes with two Syscalls lines
# per process (before its Exec and its Exit, 20 syscalls each), against jq -c .
bench_syscalls_render() {
	local r
	SCREC=$W/sc-big.jsonl
	note "render -f syscalls: generating $N_GEN processes with syscall counts"
	"$GEN" -n "$N_GEN" -s 1 -o "$W/big0.jsonl" 2>>"$LOG" || die "gen failed"
	awk 'BEGIN { n = split("read write openat close mmap mprotect munmap brk rt_sigaction rt_sigprocmask " \
			"ioctl pread64 access execve wait4 newfstatat fcntl getdents64 lseek exit_group", sc, " ") }
	     /^{"(Exec|Exit)"/ {
		match($0, /"timestamp":[0-9]+/); ts = substr($0, RSTART + 12, RLENGTH - 12)
		match($0, /"pid":[0-9]+/); pid = substr($0, RSTART + 6, RLENGTH - 6)
		line = "{\"Syscalls\":{\"timestamp\":" sprintf("%.0f", ts > 0 ? ts - 1 : 0) ",\"pid\":" pid ",\"syscalls\":{"
		for (i = 1; i <= n; i++)
			line = line (i > 1 ? "," : "") "\"" sc[i] "\":" (pid * i) % 997 + 1
		print line "}}}"
	     }
	     /^{"Recording"/ { sub(/}}$/, ",\"syscalls\":true}}") }
	     { print }' "$W/big0.jsonl" >"$SCREC" || die "awk failed"
	rm -f "$W/big0.jsonl"
	grep -c . "$SCREC" >"$RAW/scview.events"
	stat -c %s "$SCREC" >"$RAW/scview.bytes"
	for ((r = 1; r <= RUNS; r++)); do
		rss_timed scview.jq jq -c . "$SCREC"
		rss_timed scview.syscalls "$PROCTRACE" render -f syscalls "$SCREC"
		rss_timed scview.summary "$PROCTRACE" render -f summary "$SCREC"
	done
	rm -f "$SCREC"
}

# hook_share W: syscalls a run × ns per counted syscall ÷ untraced wall time, as a ratio.
hook_share() {
	local n t ns
	[ -s "$RAW/sc.$1.syscalls.count" ] && [ -s "$RAW/scns.counted" ] || { echo "n/a"; return; }
	read -r ns _ _ < <(stats <(paste "$RAW/scns.counted" "$RAW/scns.counted.alone" | awk '{ print $1 - $2 }'))
	n=$(median_of "sc.$1.syscalls.count")
	t=$(median_of "sc.$1.untraced")
	awk -v n="$n" -v ns="$ns" -v t="$t" 'BEGIN { printf "%.3f", (t > 0 ? 1 + n * ns / 1e9 / t : 0) }'
}

report_syscalls() {
	local w limit ev bytes jq_m m lo hi v
	echo "## record --syscalls"
	echo
	echo "Wall time (and CPU time: user + system of everything the command waited for) of each"
	echo "workload recorded with \`proctrace record --syscalls -o FILE --\`, ÷ the same untraced,"
	echo "next to the default recording: median (min–max) of $RRUNS rounds, the three sides"
	echo "alternating within each round. --syscalls hooks the entry of every syscall on the machine."
	echo
	echo "| workload | untraced | proctrace | proctrace --syscalls | target | | CPU, --syscalls | --syscalls ÷ proctrace | syscalls a run | hook's share ¹ |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	for w in $SC_WORKLOADS; do
		limit=1.05
		case $w in find | tar) limit= ;; esac
		printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(workload "$w")" "$(cell_time "sc.$w.untraced")" \
			"$(cell_ratio "sc.$w.proctrace" "sc.$w.untraced")" "$(cell_ratio "sc.$w.syscalls" "sc.$w.untraced")" \
			"${limit:+≤ $limit}" "${limit:+$(verdict_ratio "sc.$w.syscalls" "sc.$w.untraced" "$limit")}" \
			"$(cell_ratio "sc.$w.syscalls.cpu" "sc.$w.untraced.cpu")" \
			"$(cell_ratio "sc.$w.syscalls" "sc.$w.proctrace")" \
			"$(median_of "sc.$w.syscalls.count" 2>/dev/null)" "$(hook_share "$w")"
	done
	echo
	echo "¹ The syscalls a run makes (counted by the run itself) × what one counted syscall costs"
	echo "(\"+ ns\" of the first row of the table below), ÷ the untraced time: what the hook"
	echo "costs this workload, from two measures that the machine's noise moves far less than"
	echo "a wall time."
	echo
	for w in $SC_WORKLOADS; do
		[ -s "$RAW/sc.$w.syscalls.lost" ] || continue
		printf -- '- %s: lost events %s; syscalls not counted %s (per run)\n' "$(workload "$w")" \
			"$(tr '\n' ' ' <"$RAW/sc.$w.syscalls.lost" | sed 's/ $//')" \
			"$(tr '\n' ' ' <"$RAW/sc.$w.syscalls.sclost" | sed 's/ $//')"
	done
	echo
	echo "What one syscall (\`getppid\`) costs in CPU time, each hooked figure paired with an untraced"
	echo "one taken just before it (median, min–max of $RRUNS rounds):"
	echo
	echo "| measure | untraced | hooked | ratio | + ns |"
	echo "|---|---|---|---|---|"
	for v in counted other empty; do
		[ -s "$RAW/scns.$v" ] || continue
		printf '| %s | %s | %s | %s | %s |\n' \
			"$(case $v in counted) echo 'counted: the loop recorded with `--syscalls`' ;;
				other) echo 'anywhere else while `--syscalls` records another command' ;;
				empty) echo 'with an empty `sys_enter` program attached (the floor of any entry hook)' ;; esac)" \
			"$(cell_ns "scns.$v.alone")" "$(cell_ns "scns.$v")" "$(cell_ratio "scns.$v" "scns.$v.alone")" \
			"$(paste "$RAW/scns.$v" "$RAW/scns.$v.alone" | awk '{ print $1 - $2 }' >"$W/d"; \
			   read -r m lo hi < <(stats "$W/d"); awk -v m="$m" -v lo="$lo" -v hi="$hi" \
			   'BEGIN { printf "%.0f ns (%.0f–%.0f)", m, lo, hi }')"
	done
	echo
	if [ -s "$RAW/scview.jq" ]; then
		ev=$(cat "$RAW/scview.events")
		bytes=$(cat "$RAW/scview.bytes")
		jq_m=$(median_of scview.jq)
		echo "\`render -f syscalls\` on a generated build of $N_GEN processes with two Syscalls lines"
		echo "each (20 syscalls a line): $ev lines, $(awk -v b="$bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }');"
		echo "median (min–max) of $RUNS runs, output to /dev/null."
		echo
		echo "| command | time | lines/s | MB/s | × jq | peak RSS |"
		echo "|---|---|---|---|---|---|"
		for v in jq syscalls summary; do
			if [ -f "$RAW/scview.$v.fail" ]; then
				printf '| %s | failed | | | | |\n' "$v"
				continue
			fi
			read -r m lo hi < <(stats "$RAW/scview.$v")
			printf '| %s | %.2f s (%.2f–%.2f) | %s | %s | %s | %s MB |\n' \
				"$(case $v in jq) echo '`jq -c . FILE`' ;; *) echo "\`render -f $v\`" ;; esac)" \
				"$m" "$lo" "$hi" \
				"$(awk -v e="$ev" -v m="$m" 'BEGIN { printf "%.0f", (m > 0 ? e / m : 0) }')" \
				"$(awk -v b="$bytes" -v m="$m" 'BEGIN { printf "%.1f", (m > 0 ? b / 1e6 / m : 0) }')" \
				"$(awk -v j="$jq_m" -v m="$m" 'BEGIN { printf "%.2f", (m > 0 ? j / m : 0) }')" \
				"$(sort -g "$RAW/scview.$v.rss" | tail -1 | awk '{ printf "%.0f", $1 / 1024 }')"
		done
		echo
	fi
}

# --- how late SetPGID and SetSID come -----------------------------------------

# The default recording sees a process's move at its next context switch,
# fork, exec or exit. Two workloads, recorded while moves.bt notes when each
# setpgid() and setsid() returned: a job-control shell's pipelines (bash
# moves each fresh child, from both sides) and setsid -w. Each moved
# process's own Fork, in both, ties the two clocks together, to within the
# time between the two programs on that tracepoint (tens of µs at worst).
moves_cmd() {
	case $1 in
	job) MCMD=(bash -c "set -m; for i in \$(seq $N_MOVES); do /bin/true | /bin/true; done") ;;
	sid) MCMD=(bash -c "for i in \$(seq $N_MOVES); do setsid -w /bin/true; done") ;;
	esac
}
moves_label() {
	case $1 in
	job) echo "SetPGID after a job-control shell's setpgid() of a fresh child (\`bash -c 'set -m; /bin/true \\| /bin/true'\`)" ;;
	sid) echo "SetSID after setsid() (\`setsid -w /bin/true\`)" ;;
	esac
}

# moves_late BT JSONL: how late (ns) each move is in the recording, one a line.
moves_late() {
	jq -r 'if .Fork then "RFork \(.Fork.child_pid) \(.Fork.timestamp)"
		elif .SetPGID then "RSetPGID \(.SetPGID.pid) \(.SetPGID.timestamp)"
		elif .SetSID then "RSetSID \(.SetSID.pid) \(.SetSID.timestamp)"
		else empty end' "$2" | cat "$1" - | awk '
	$1 == "Fork" && !($2 in bf) { bf[$2] = $3 }
	($1 == "SetPGID" || $1 == "SetSID") && !(($1, $2) in bt) { bt[$1, $2] = $3 }
	$1 == "RFork" { rf[$2] = $3 }
	($1 == "RSetPGID" || $1 == "RSetSID") && !((substr($1, 2), $2) in rt) { rt[substr($1, 2), $2] = $3 }
	END {
		for (k in rt) {
			split(k, a, SUBSEP)
			if ((k in bt) && (a[2] in rf) && (a[2] in bf))
				printf "%d\n", (rt[k] - rf[a[2]]) - (bt[k] - bf[a[2]])
		}
	}'
}

bench_moves() {
	local w i bpid
	setup_bpftrace
	if [ -n "$BPF_NA" ]; then
		note "moves: $BPF_NA"
		return
	fi
	for w in job sid; do
		note "moves: $N_MOVES of $w"
		moves_cmd "$w"
		rm -f "$W/moves.bt" "$W/moves.jsonl"
		bpftrace "$here/moves.bt" >"$W/moves.bt" 2>>"$LOG" &
		bpid=$!
		for ((i = 0; i < 1200; i++)); do
			grep -q '^READY' "$W/moves.bt" 2>/dev/null && break
			kill -0 "$bpid" 2>/dev/null || break
			sleep 0.025
		done
		"$PROCTRACE" record -q -o "$W/moves.jsonl" -- "${MCMD[@]}" >/dev/null 2>>"$LOG"
		kill -INT "$bpid"
		wait "$bpid"
		moves_late "$W/moves.bt" "$W/moves.jsonl" >"$RAW/moves.$w"
	done
}

report_moves() {
	local w
	echo "## How late SetPGID and SetSID come"
	echo
	echo "By default a move is seen at the moved process's next context switch, fork, exec"
	echo "or exit. Timestamp of the recorded event minus the time the call returned, as"
	echo "bpftrace saw it (\`tests/bench/moves.bt\`), the two clocks tied by each process's Fork"
	echo "(to within tens of µs, hence the negative values), $N_MOVES of each:"
	echo
	if [ -n "$BPF_NA" ]; then
		echo "$BPF_NA"
		echo
		return
	fi
	echo "| event | moves seen | median | 90th percentile | max |"
	echo "|---|---|---|---|---|"
	for w in job sid; do
		sort -g "$RAW/moves.$w" | awk -v label="$(moves_label "$w")" '{ a[NR] = $1 }
			END {
				if (!NR) { printf "| %s | 0 | | | |\n", label; exit }
				printf "| %s | %d | %.1f µs | %.1f µs | %.1f µs |\n", label, NR,
					a[int((NR + 1) / 2)] / 1000, a[int(NR * 0.9 + 0.5) < 1 ? 1 : int(NR * 0.9 + 0.5)] / 1000,
					a[NR] / 1000
			}'
	done
	echo
}

# --- lost events -----------------------------------------------------------

# storm_counts FILE: "forks exits lost" of the root's children in a recording
# of `forker`: each Fork by the root and each Exit of a child of the root.
storm_counts() {
	awk '
	/^{"Recording"/ { if (match($0, /"root_pid":[0-9]+/)) root = substr($0, RSTART + 11, RLENGTH - 11) }
	/^{"Fork"/ { if (match($0, /"parent_pid":[0-9]+/) && substr($0, RSTART + 13, RLENGTH - 13) == root) f++ }
	/^{"Exit"/ { if (match($0, /"ppid":[0-9]+/) && substr($0, RSTART + 7, RLENGTH - 7) == root) x++ }
	/^{"End"/ { if (match($0, /"lost":[0-9]+/)) lost = substr($0, RSTART + 7, RLENGTH - 7) }
	END { printf "%d %d %s\n", f, x, lost == "" ? "?" : lost }' "$1"
}

# The recorder's ring-buffer size option, from its --help.
buffer_opt() {
	"$PROCTRACE" record --help 2>&1 | grep -o -- '--buffer[-a-z]*\|--ring[-a-z]*' | head -1
}

bench_storm() {
	local t0 t1 opt
	note "storm: $N_STORM processes, 4 parallel loops, default buffer"
	t0=$EPOCHREALTIME
	"$PROCTRACE" record -o "$W/storm.jsonl" -- "$FORKER" -n "$N_STORM" -j 4 -- /bin/true \
		>/dev/null 2>"$W/storm.err"
	echo $? >"$RAW/storm.rc"
	t1=$EPOCHREALTIME
	elapsed "$t0" "$t1" >"$RAW/storm.time"
	storm_counts "$W/storm.jsonl" >"$RAW/storm.counts"
	grep -i lost "$W/storm.err" | head -1 | sed "s| -> .*||" >"$RAW/storm.stderr"
	rm -f "$W/storm.jsonl"
	opt=$(buffer_opt)
	echo "${opt:-}" >"$RAW/tiny.opt"
	[ -n "$opt" ] || return 0
	# Execs with 3 KB of argv, so that a tiny ring overflows for certain
	# rather than only when the reader happens to be scheduled late.
	note "storm: $N_TINY processes with 3 KB argv and $opt $BENCH_TINY_BUFFER"
	"$PROCTRACE" record "$opt" "$BENCH_TINY_BUFFER" -o "$W/tiny.jsonl" -- \
		"$FORKER" -n "$N_TINY" -j 4 -- /bin/true "$(printf '%03000d' 0)" >/dev/null 2>"$W/tiny.err"
	echo $? >"$RAW/tiny.rc"
	storm_counts "$W/tiny.jsonl" >"$RAW/tiny.counts"
	grep -i lost "$W/tiny.err" | head -1 | sed "s| -> .*||" >"$RAW/tiny.stderr"
	rm -f "$W/tiny.jsonl"
}

report_storm() {
	local f x lost opt tf tx tlost msg
	read -r f x lost <"$RAW/storm.counts"
	echo "## Lost events"
	echo
	echo "\`proctrace record -- forker -n $N_STORM -j 4 -- /bin/true\`: $N_STORM processes forked as"
	echo "fast as the machine allows, 4 at a time (recorded in $(awk '{ printf "%.1f s", $1 }' "$RAW/storm.time"))."
	echo
	echo "| buffer | Fork lines | Exit lines | End.lost | stderr | target | |"
	echo "|---|---|---|---|---|---|---|"
	msg=$(cat "$RAW/storm.stderr")
	printf '| default | %s | %s | %s | %s | %s each, 0 lost | %s |\n' "$f" "$x" "$lost" "${msg:-(nothing)}" \
		"$N_STORM" "$([ "$f" = "$N_STORM" ] && [ "$x" = "$N_STORM" ] && [ "$lost" = 0 ] && echo PASS || echo MISS)"
	opt=$(cat "$RAW/tiny.opt")
	if [ -z "$opt" ]; then
		echo "| tiny | n/a (\`proctrace record --help\` shows no buffer-size option) | | | | | |"
	else
		read -r tf tx tlost <"$RAW/tiny.counts"
		msg=$(cat "$RAW/tiny.stderr")
		printf '| `%s %s`, %s processes with 3 KB argv | %s | %s | %s | %s | losses counted and reported | %s |\n' \
			"$opt" "$BENCH_TINY_BUFFER" "$N_TINY" "$tf" "$tx" "$tlost" "${msg:-(nothing)}" \
			"$(case $tlost in '?' | 0) echo MISS ;; *) [ -n "$msg" ] && echo PASS || echo MISS ;; esac)"
	fi
	echo
}

# --- the live exec log ----------------------------------------------------

# proctrace snoop through a storm: every exec a line, into a pipe read by
# grep, while the recording is written too (-o): lines printed, lines
# counted as not printed, and the recording's losses.
bench_live() {
	local t0 t1
	note "live: snoop of $N_STORM processes, 4 parallel loops, into a pipe, with -o"
	t0=$EPOCHREALTIME
	"$PROCTRACE" snoop --no-header -o "$W/live.jsonl" -- "$FORKER" -n "$N_STORM" -j 4 -- /bin/true \
		2>"$W/live.err" | grep -c ' 0 /bin/true$' >"$RAW/live.lines"
	t1=$EPOCHREALTIME
	elapsed "$t0" "$t1" >"$RAW/live.time"
	sed -nE 's/^proctrace: snoop: [0-9]+ execs, ([0-9]+) lines? not printed$/\1/p' "$W/live.err" >"$RAW/live.missing"
	storm_counts "$W/live.jsonl" >"$RAW/live.counts"
	grep -i 'warning' "$W/live.err" | head -1 >"$RAW/live.stderr"
	rm -f "$W/live.jsonl"
}

report_live() {
	local lines missing f x lost msg
	lines=$(cat "$RAW/live.lines")
	missing=$(cat "$RAW/live.missing")
	read -r f x lost <"$RAW/live.counts"
	msg=$(cat "$RAW/live.stderr")
	echo "## The live exec log"
	echo
	echo "\`proctrace snoop -o FILE -- forker -n $N_STORM -j 4 -- /bin/true | grep -c ...\`: a line per"
	echo "exec of a storm, into a pipe, with the recording written at the same time"
	echo "(in $(awk '{ printf "%.1f s", $1 }' "$RAW/live.time"))."
	echo
	echo "| /bin/true lines printed | lines not printed (counted) | recording: Fork, Exit lines, End.lost | warnings | target | |"
	echo "|---|---|---|---|---|---|"
	printf '| %s | %s | %s, %s, %s | %s | %s lines, 0 not printed | %s |\n' "$lines" "${missing:-?}" "$f" "$x" "$lost" \
		"${msg:-(none)}" "$N_STORM" \
		"$([ "$lines" = "$N_STORM" ] && [ "$missing" = 0 ] && [ "$lost" = 0 ] && echo PASS || echo MISS)"
	echo
}

# --- record --all -----------------------------------------------------------

# all_started FILE: until `record --all -o FILE` has written the processes
# already running (the walk): the hooks are attached by then.
all_started() {
	local i
	for ((i = 0; i < 3000; i++)); do
		grep -q '^{"Running"' "$1" 2>/dev/null && return 0
		sleep 0.01
	done
	return 1
}

# What `record --all` costs the rest of the machine: a getppid() loop and
# $N_SEQ sequential fork+execs of /bin/true, alone and while a system-wide
# recording runs (paired by round); then the storm of 4 parallel loops
# recorded system-wide (`--all -- forker ...`), whose Forks and Exits are
# counted as in the storm section.
bench_system() {
	local r pid
	note "system: record --all, $RRUNS rounds"
	for ((r = 1; r <= RRUNS; r++)); do
		"$SYSCALLS" >>"$RAW/system.sc.alone"
		timed system.fork.alone "$FORKER" -n "$N_SEQ" -- /bin/true
		rm -f "$W/all.jsonl"
		"$PROCTRACE" record --all -q -o "$W/all.jsonl" 2>>"$LOG" &
		pid=$!
		if all_started "$W/all.jsonl"; then
			"$SYSCALLS" >>"$RAW/system.sc.all"
			timed system.fork.all "$FORKER" -n "$N_SEQ" -- /bin/true
		else
			note "system: the recording did not start (see $LOG)"
			sed -i '$d' "$RAW/system.sc.alone" "$RAW/system.fork.alone"
		fi
		kill -INT "$pid"
		wait "$pid" || true
		lost_of "$W/all.jsonl" >>"$RAW/system.lost"
	done
	note "system: storm of $N_STORM processes, 4 parallel loops, alone"
	timed allstorm.alone "$FORKER" -n "$N_STORM" -j 4 -- /bin/true
	note "system: storm of $N_STORM processes, 4 parallel loops, under --all"
	timed allstorm.time "$PROCTRACE" record --all -o "$W/allstorm.jsonl" -- "$FORKER" -n "$N_STORM" -j 4 -- /bin/true
	storm_counts "$W/allstorm.jsonl" >"$RAW/allstorm.counts"
	grep -c '^{"Running"' "$W/allstorm.jsonl" >"$RAW/allstorm.running"
	wc -l <"$W/allstorm.jsonl" >"$RAW/allstorm.lines"
	rm -f "$W/allstorm.jsonl"
	# The same, counting every syscall of the machine too (--all --syscalls).
	note "system: storm of $N_STORM processes, 4 parallel loops, under --all --syscalls"
	timed allstorm.sc.time "$PROCTRACE" record --all --syscalls -o "$W/allstorm.jsonl" -- \
		"$FORKER" -n "$N_STORM" -j 4 -- /bin/true
	storm_counts "$W/allstorm.jsonl" >"$RAW/allstorm.sc.counts"
	sc_lost_of "$W/allstorm.jsonl" >"$RAW/allstorm.sc.sclost"
	grep -c '^{"Syscalls"' "$W/allstorm.jsonl" >"$RAW/allstorm.sc.lines"
	rm -f "$W/allstorm.jsonl"
}

report_system() {
	local f x lost
	echo "## System-wide recording (\`record --all\`)"
	echo
	echo "The rest of the machine while \`proctrace record --all -o FILE\` records it, against the"
	echo "same work with no recording, paired by round: median (min–max) of $RRUNS rounds."
	echo
	echo "| measure | alone | under \`record --all\` | ratio |"
	echo "|---|---|---|---|"
	printf '| one \`getppid()\` (syscalls) | %s | %s | %s |\n' "$(cell_ns system.sc.alone)" \
		"$(cell_ns system.sc.all)" "$(cell_ratio system.sc.all system.sc.alone)"
	printf '| %s sequential fork+exec of /bin/true (forker) | %s | %s | %s |\n' "$N_SEQ" \
		"$(cell_time system.fork.alone)" "$(cell_time system.fork.all)" \
		"$(cell_ratio system.fork.all system.fork.alone)"
	printf '| End.lost of each recording | | %s | |\n' "$(tr '\n' ' ' <"$RAW/system.lost" | sed 's/ $//')"
	echo
	read -r f x lost <"$RAW/allstorm.counts"
	echo "\`proctrace record --all -- forker -n $N_STORM -j 4 -- /bin/true\`: the storm, recorded with"
	echo "everything else the machine ran meanwhile ($(cat "$RAW/allstorm.running") processes already running,"
	echo "$(cat "$RAW/allstorm.lines") lines in all)."
	echo
	echo "| recording | Fork lines (forker's) | Exit lines (forker's children) | End.lost | wall (ratio to the storm alone, $(cell_time allstorm.alone)) | target | |"
	echo "|---|---|---|---|---|---|---|"
	printf '| `--all` | %s | %s | %s | %s (%s) | %s each, 0 lost | %s |\n' "$f" "$x" "$lost" \
		"$(cell_time allstorm.time)" "$(cell_ratio allstorm.time allstorm.alone)" "$N_STORM" \
		"$([ "$f" = "$N_STORM" ] && [ "$x" = "$N_STORM" ] && [ "$lost" = 0 ] && echo PASS || echo MISS)"
	if [ -s "$RAW/allstorm.sc.counts" ]; then
		read -r f x lost <"$RAW/allstorm.sc.counts"
		printf '| `--all --syscalls` (%s Syscalls lines, End.syscalls_lost %s) | %s | %s | %s | %s (%s) | %s each, 0 lost | %s |\n' \
			"$(cat "$RAW/allstorm.sc.lines")" "$(cat "$RAW/allstorm.sc.sclost")" "$f" "$x" "$lost" \
			"$(cell_time allstorm.sc.time)" "$(cell_ratio allstorm.sc.time allstorm.alone)" "$N_STORM" \
			"$([ "$f" = "$N_STORM" ] && [ "$x" = "$N_STORM" ] && [ "$lost" = 0 ] && echo PASS || echo MISS)"
	fi
	echo
}

# --- sort and render throughput -------------------------------------------

# rss_timed KEY CMD...: like timed, with the peak RSS (KB) from /usr/bin/time.
rss_timed() {
	local key=$1
	shift
	if ! /usr/bin/time -f '%e %M' -o "$W/time.out" "$@" >/dev/null 2>>"$LOG"; then
		echo 1 >>"$RAW/$key.fail"
	fi
	tail -1 "$W/time.out" | awk '{ print $1 }' >>"$RAW/$key"
	tail -1 "$W/time.out" | awk '{ print $2 }' >>"$RAW/$key.rss"
}

VIEWS=${BENCH_VIEWS:-jq sort multiplexed by-process summary critical-path mermaid tree perfetto html metrics processes metrics-sampled diff}
case " $VIEWS " in *" jq "*) ;; *) VIEWS="jq $VIEWS" ;; esac
# The recording a view is measured on: metrics-sampled reads the same build with Samples.
view_file() { case $1 in metrics-sampled) echo sampled ;; *) echo big ;; esac; }
view_cmd() {
	case $1 in
	jq) VCMD=(jq -c . "$BIG") ;;
	metrics-sampled) VCMD=("$PROCTRACE" render -f metrics "$SAMPLED") ;;
	sort) VCMD=("$PROCTRACE" sort "$BIG") ;;
	diff) VCMD=("$PROCTRACE" diff "$BIG" "$BIG") ;;
	mermaid) VCMD=("$PROCTRACE" render -f mermaid "$BIG") ;;
	*) VCMD=("$PROCTRACE" render -f "$1" "$BIG") ;;
	esac
}
view_label() {
	case $1 in
	jq) echo '`jq -c . FILE`' ;;
	sort) echo '`proctrace sort`' ;;
	metrics-sampled) echo '`render -f metrics`, Samples every 100 ms' ;;
	diff) echo '`diff FILE FILE` ²' ;;
	*) echo "\`render -f $1\`" ;;
	esac
}

bench_render() {
	local r v
	BIG=$W/big.jsonl
	note "render: generating $N_GEN processes"
	"$GEN" -n "$N_GEN" -s 1 -o "$BIG" 2>>"$LOG" || die "gen failed"
	grep -c '^{"\(Fork\|Exec\|Exit\|BadExec\|SetSID\|SetPGID\)"' "$BIG" >"$RAW/big.events"
	stat -c %s "$BIG" >"$RAW/big.bytes"
	SAMPLED=$W/sampled.jsonl
	"$GEN" -n "$N_GEN" -s 1 -S 100000000 -o "$SAMPLED" 2>>"$LOG" || die "gen -S failed"
	grep -c '^{"\(Fork\|Exec\|Exit\|BadExec\|SetSID\|SetPGID\|Sample\)"' "$SAMPLED" >"$RAW/sampled.events"
	stat -c %s "$SAMPLED" >"$RAW/sampled.bytes"
	for ((r = 1; r <= RUNS; r++)); do
		for v in $VIEWS; do
			view_cmd "$v"
			rss_timed "view.$v" "${VCMD[@]}"
		done
		note "  round $r/$RUNS done"
	done
	rm -f "$BIG" "$SAMPLED"
}

report_render() {
	local ev bytes jq_m v m lo hi rss bpe speed target f
	ev=$(cat "$RAW/big.events")
	bytes=$(cat "$RAW/big.bytes")
	jq_m=$(median_of view.jq)
	echo "## Sort and render throughput"
	echo
	echo "A generated recording (\`gen -n $N_GEN -s 1\`: a \`make -j2\` build, sh → gcc → cc1/as,"
	echo "slightly out of order): $ev events, $(awk -v b="$bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }'),"
	echo "output to /dev/null. Time: median (min–max) of $RUNS alternating runs;"
	echo "peak RSS from \`/usr/bin/time -f %M\` (largest of the runs) per event."
	echo "The metrics view is also measured on the same build with a round of Samples every"
	echo "100 ms (\`gen -S 100000000\`: $(cat "$RAW/sampled.events") events, $(awk -v b="$(cat "$RAW/sampled.bytes")" 'BEGIN { printf "%.0f MB", b / 1e6 }')); its × jq is by MB/s."
	echo "² \`proctrace diff\` of the recording with itself reads it twice (and A a third time only"
	echo "when A has command lines B lacks, never here): its events/s, MB/s and × jq count both"
	echo "readings; bytes/event is per event of one recording, as only one is in memory at once."
	echo
	echo "| command | time | events/s | MB/s | × jq | target ≥ 3× jq | peak RSS | bytes/event | target < 200 |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for v in $VIEWS; do
		if [ -f "$RAW/view.$v.fail" ]; then
			printf '| %s | failed | | | | MISS | | | |\n' "$(view_label "$v")"
			continue
		fi
		read -r m lo hi < <(stats "$RAW/view.$v")
		f=$(view_file "$v")
		ev=$(cat "$RAW/$f.events")
		bytes=$(cat "$RAW/$f.bytes")
		rss=$(sort -g "$RAW/view.$v.rss" | tail -1)
		# per event of one recording, also for diff, which reads two (one at a time)
		bpe=$(awk -v r="$rss" -v e="$ev" 'BEGIN { printf "%.0f", r * 1024 / e }')
		# diff reads the recording twice: its throughput is of what it reads
		[ "$v" = diff ] && ev=$((ev * 2)) bytes=$((bytes * 2))
		# by MB/s, as jq read the big recording
		speed=$(awk -v j="$jq_m" -v m="$m" -v b="$bytes" -v jb="$(cat "$RAW/big.bytes")" \
			'BEGIN { printf "%.2f", (m > 0 ? (b / m) / (jb / j) : 0) }')
		case $v in
		jq) target="" ;;
		*) target=$(verdict "$speed >= 3") ;;
		esac
		printf '| %s | %.2f s (%.2f–%.2f) | %s | %s | %s | %s | %s MB | %s | %s |\n' \
			"$(view_label "$v")" "$m" "$lo" "$hi" \
			"$(awk -v e="$ev" -v m="$m" 'BEGIN { printf "%.0f", (m > 0 ? e / m : 0) }')" \
			"$(awk -v b="$bytes" -v m="$m" 'BEGIN { printf "%.1f", (m > 0 ? b / 1e6 / m : 0) }')" \
			"$speed" "$target" "$(awk -v r="$rss" 'BEGIN { printf "%.0f", r / 1024 }')" "$bpe" \
			"$(case $v in jq) ;; *) verdict "$bpe < 200" ;; esac)"
	done
	echo
}

# --- the html view's page in a browser -----------------------------------------

# The page of a generated build of N_PAGE processes, opened RUNS times in Debian's
# chromium by tests/html/check.mjs (which also checks it): its size, and the time
# from navigation start to the first frame with the timeline (the page's own figure).
bench_page() {
	local page=$W/page.html r out
	if [ ! -d "$here/../html/node_modules/playwright-core" ] || [ ! -x /usr/bin/chromium ]; then
		note "page: skipped: chromium or tests/html's playwright-core missing (run tests/deps.sh)"
		echo skipped >"$RAW/page.skipped"
		return
	fi
	note "page: generating $N_PAGE processes"
	"$GEN" -n "$N_PAGE" -s 1 -o "$W/page.jsonl" 2>>"$LOG" || die "gen failed"
	"$PROCTRACE" render -f html -o "$page" "$W/page.jsonl" 2>>"$LOG" || die "render -f html failed"
	stat -c %s "$page" >"$RAW/page.bytes"
	for ((r = 1; r <= RUNS; r++)); do
		out=$(node "$here/../html/check.mjs" "$page" 2>>"$LOG")
		echo "$out" >>"$LOG"
		sed -n 's/.*first draw: \([0-9]*\) ms.*/\1/p' <<<"$out" | head -1 >>"$RAW/page.first"
		grep -q '^FAIL' <<<"$out" && echo 1 >>"$RAW/page.fail"
	done
	rm -f "$page" "$W/page.jsonl"
}

report_page() {
	local bytes m lo hi
	echo "## The html view's page"
	echo
	if [ -f "$RAW/page.skipped" ]; then
		echo "Skipped: chromium or tests/html's playwright-core is missing (run tests/deps.sh)."
		echo
		return
	fi
	bytes=$(cat "$RAW/page.bytes")
	read -r m lo hi < <(stats "$RAW/page.first")
	echo "\`render -f html\` of a generated build of $N_PAGE processes (\`gen -n $N_PAGE -s 1\`),"
	echo "opened $RUNS times from file:// in $(/usr/bin/chromium --version 2>/dev/null | head -1) (headless)"
	echo "by tests/html/check.mjs: first draw is the page's own \`performance.now()\` from navigation"
	echo "start to the frame after the timeline is drawn (data decoded, model built, bars drawn)."
	echo
	echo "| processes | page size | target < 30 MB | first draw | checks |"
	echo "|---|---|---|---|---|"
	printf '| %s | %s MB | %s | %.0f ms (%.0f–%.0f) | %s |\n' "$N_PAGE" \
		"$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')" \
		"$(verdict "$bytes < 30000000")" "$m" "$lo" "$hi" \
		"$([ -f "$RAW/page.fail" ] && echo "FAILED (see $LOG)" || echo passed)"
	echo
}

# --- main ------------------------------------------------------------------

machine() {
	echo "- Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'),"
	echo "  $(awk '/MemTotal/ { printf "%.1f GB RAM", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)"
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); $("$PROCTRACE" --version 2>/dev/null | head -1 || true)"
	echo "  (commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?'))"
	echo "- Load average before the run: $LOAD0; after: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- Runs: BENCH_RECORD_RUNS=$RRUNS, BENCH_RUNS=$RUNS, BENCH_QUICK=$BENCH_QUICK; tools: $(strace -V 2>/dev/null | head -1),"
	echo "  $(bpftrace --version 2>/dev/null || echo 'no bpftrace'), $(jq --version)"
}

start=$EPOCHREALTIME
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
section record && bench_record
section sample && bench_sample
section sysbound && bench_sysbound
section syscalls && bench_syscalls
section moves && bench_moves
section storm && bench_storm
section live && bench_live
section system && bench_system
section render && bench_render
section page && bench_page
{
	echo "# proctrace benchmark results"
	echo
	machine
	echo "- Reproduce: \`make bench\` (BENCH_RECORD_RUNS=$RRUNS BENCH_RUNS=$RUNS BENCH_QUICK=$BENCH_QUICK)"
	echo "- Total bench time: $(elapsed "$start" "$EPOCHREALTIME" | awk '{ printf "%.0f s", $1 }')"
	echo
	section record && report_record
	section sample && report_sample
	section sysbound && report_sysbound
	section syscalls && report_syscalls
	section moves && report_moves
	section storm && report_storm
	section live && report_live
	section system && report_system
	section render && report_render
	section page && report_page
} >"$RES"
cat "$RES"
