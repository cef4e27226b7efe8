# Build proctrace: the BPF object, its skeleton, the binary and the tests.
# make | make test | make install [PREFIX=/usr/local DESTDIR=] | make clean
# make install puts the binary in $(PREFIX)/bin and the man pages (cmd/man/) in
# $(MANDIR)/man1 and man5; make lint-man checks the pages as the tests do.
# SANITIZER=address|undefined builds into build-$(SANITIZER)/; V=1 shows commands.

SANITIZER ?=
BUILD ?= build$(if $(SANITIZER),-$(SANITIZER))
BIN ?= $(if $(SANITIZER),$(BUILD)/proctrace,proctrace)
PREFIX ?= /usr/local
DESTDIR ?=
MANDIR ?= $(PREFIX)/share/man

CC ?= cc
CLANG ?= clang
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
PKG_CONFIG ?= pkg-config
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

ifeq ($(V),1)
Q :=
msg := @true
else
Q := @
msg := @printf '  %-8s %s\n'
endif

PKGS := libbpf jansson zlib
CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -I. -I$(BUILD) -MMD -MP \
	$(shell $(PKG_CONFIG) --cflags $(PKGS))
LDLIBS += $(shell $(PKG_CONFIG) --libs $(PKGS)) -lpthread
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka)
TEST_LDLIBS := $(shell $(PKG_CONFIG) --libs cmocka)

ifneq ($(SANITIZER),)
override CFLAGS += -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all
override LDFLAGS += -fsanitize=$(SANITIZER)
endif

# The kernel side is built four times: without and with the syscall exit hook,
# which only options such as --failed-execs load, and each without and with
# the task walk of record --all and -p (record/recorder.c).
# The sampling program (record/sample.bpf.c) is an object of its own, loaded
# at the first round of sampling only.
BPF_SRC := record/proctrace.bpf.c
BPF_OBJ := $(BUILD)/proctrace.bpf.o $(BUILD)/proctrace_sc.bpf.o \
	   $(BUILD)/proctrace_all.bpf.o $(BUILD)/proctrace_sc_all.bpf.o
SAMPLE_OBJ := $(BUILD)/sample.bpf.o
SKEL := $(BUILD)/proctrace.skel.h $(BUILD)/proctrace_sc.skel.h \
	$(BUILD)/proctrace_all.skel.h $(BUILD)/proctrace_sc_all.skel.h $(BUILD)/sample.skel.h

SRCS := $(wildcard cmd/*.c formats/*.c render/*.c) $(filter-out %.bpf.c,$(wildcard record/*.c))
OBJS := $(SRCS:%.c=$(BUILD)/%.o)
LIB_OBJS := $(filter-out $(BUILD)/cmd/main.o,$(OBJS))
TEST_SRCS := $(wildcard tests/test_*.c)
TEST_BINS := $(TEST_SRCS:%.c=$(BUILD)/%)

MAN1 := $(wildcard cmd/man/*.1)
MAN5 := $(wildcard cmd/man/*.5)

.PHONY: all test test-unit install uninstall lint-man clean setup demo bench fuzz
.DELETE_ON_ERROR:

all: $(BIN)

$(BIN): $(OBJS)
	$(msg) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	$(msg) CC $<
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

# The recorder includes the generated skeleton.
$(filter $(BUILD)/record/%,$(OBJS)): $(SKEL)

# The html view's page (render/html/) goes into the binary as C strings: each
# line a literal, with '\', '"' and '?' (no trigraphs) escaped.
HTML_ASSETS := render/html/page.html render/html/page.css render/html/page.js
HTML_ASSETS_H := $(BUILD)/render/html_assets.h

$(HTML_ASSETS_H): $(HTML_ASSETS) Makefile
	$(msg) GEN $@
	$(Q)mkdir -p $(@D)
	$(Q)for f in $(HTML_ASSETS); do \
		printf 'static const char html_%s[] =\n' "$$(basename "$$f" | tr . _)"; \
		sed -e 's/[\\"?]/\\&/g' -e 's/^/\t"/' -e 's/$$/\\n"/' "$$f"; \
		printf '\t"";\n'; \
	done >$@.tmp && mv $@.tmp $@

$(BUILD)/render/html.o: $(HTML_ASSETS_H)

$(BUILD)/proctrace_sc.bpf.o: BPF_DEFS := -DPT_SYSCALL_HOOK
# record --all and -p: the task walk, and forks followed machine-wide or in a tree.
$(BUILD)/proctrace_all.bpf.o: BPF_DEFS := -DPT_WALK
$(BUILD)/proctrace_sc_all.bpf.o: BPF_DEFS := -DPT_SYSCALL_HOOK -DPT_WALK

$(BPF_OBJ): $(BUILD)/%.bpf.o: $(BPF_SRC) $(wildcard record/*.h) formats/event.h
	$(msg) BPF $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) $(BPF_DEFS) -I. -Irecord \
		-Wall -Werror -c $< -o $@

$(SAMPLE_OBJ): record/sample.bpf.c $(wildcard record/*.h) formats/event.h
	$(msg) BPF $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -I. -Irecord \
		-Wall -Werror -c $< -o $@

$(SKEL): $(BUILD)/%.skel.h: $(BUILD)/%.bpf.o Makefile
	$(msg) SKEL $@
	$(Q)$(BPFTOOL) gen skeleton -L $< name $*_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/tests/test_%: tests/test_%.c $(LIB_OBJS)
	$(msg) TEST $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(TEST_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS) $(TEST_LDLIBS)

test: $(BIN) $(TEST_BINS)
	$(Q)PROCTRACE="$(abspath $(BIN))" TEST_BIN_DIR="$(abspath $(BUILD)/tests)" \
		bash tests/run.sh

test-unit: $(TEST_BINS)
	$(Q)PROCTRACE="$(abspath $(BIN))" TEST_BIN_DIR="$(abspath $(BUILD)/tests)" \
		bash tests/run.sh --unit

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/proctrace
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/proctrace
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5)))

# The man pages' formatting warnings (mandoc, from tests/deps.sh); tests/e2e/test_docs.sh
# runs this and more.
lint-man:
	mandoc -T lint -W warning $(MAN1) $(MAN5)

clean:
	rm -rf build build-* proctrace

-include $(OBJS:.o=.d)

# The README's first command: install what is needed, build, and record +
# render the bundled example. Recursive make: the flags above are computed
# from pkg-config, which only answers once the packages are installed.
setup:
	bash tests/deps.sh
	$(MAKE) all
	$(MAKE) demo

demo: $(BIN)
	@mkdir -p $(BUILD)
	./$(BIN) record --force -o $(BUILD)/demo.jsonl -- sh examples/demo.sh
	./$(BIN) render -f summary $(BUILD)/demo.jsonl

# libFuzzer harness for the reader, the model and every view: make fuzz [FUZZ_SECONDS=60]
FUZZ_SECONDS ?= 60
FUZZ_BIN := $(BUILD)/fuzz/fuzz_reader
FUZZ_SRCS := $(wildcard formats/*.c render/*.c) cmd/util.c

$(FUZZ_BIN): tests/fuzz/fuzz_reader.c $(FUZZ_SRCS) $(wildcard formats/*.h render/*.h) $(HTML_ASSETS_H)
	$(msg) FUZZ $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O1 -std=gnu11 -Wall -Wextra -Werror -I. -I$(BUILD) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all $(shell $(PKG_CONFIG) --cflags jansson zlib) \
		-o $@ tests/fuzz/fuzz_reader.c $(FUZZ_SRCS) $(shell $(PKG_CONFIG) --libs jansson zlib) -lpthread

fuzz: $(FUZZ_BIN)
	$(Q)mkdir -p $(BUILD)/fuzz/corpus
	$(Q)$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=$(BUILD)/fuzz/ -print_final_stats=1 \
		$(BUILD)/fuzz/corpus examples tests/data tests/fuzz/regressions

# make bench: informational benchmarks (tests/bench/, figures in BENCHMARKS.md);
# writes $(BUILD)/bench/results.md. Knobs: BENCH_RUNS=5 BENCH_RECORD_RUNS=11 BENCH_QUICK=1
# BENCH_SECTIONS="record sample sysbound moves storm render page".
BENCH_DIR := $(BUILD)/bench
BENCH_CFLAGS := -O2 -std=gnu11 -Wall -Wextra -Werror
.PHONY: bench-deps

bench-deps:
	bash tests/bench/deps.sh

$(BENCH_DIR)/%: tests/bench/%.c tests/bench/parse_pos.h
	$(msg) CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(BENCH_CFLAGS) -o $@ $<

bench: bench-deps $(BIN) $(BENCH_DIR)/gen $(BENCH_DIR)/forker $(BENCH_DIR)/syscalls
	PROCTRACE="$(abspath $(BIN))" BENCH_DIR="$(abspath $(BENCH_DIR))" bash tests/bench/bench.sh
