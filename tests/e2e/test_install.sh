#!/usr/bin/env bash
# tests/e2e/test_install.sh: make install and make uninstall, with PREFIX and DESTDIR.
. "$(dirname "$0")/lib.sh"

# The binary of the build under test (SANITIZER passes down from a make
# test through MAKEFLAGS), installed into a staging root, runs from there.
test_install_and_uninstall_with_prefix_and_destdir() {
	make -s -C "$REPO_DIR" install PREFIX=/opt/pt DESTDIR="$T/root" >out 2>&1 || fail "make install: $(cat out)"
	local bin=$T/root/opt/pt/bin/proctrace
	[ -x "$bin" ] || fail "no $bin: $(find "$T/root" | head)"
	assert_eq "$(stat -c %a "$bin")" 755 "mode"
	assert_eq "$("$bin" --version)" "$("$PROCTRACE" --version)" "version"
	"$bin" render -f summary "$REPO_DIR/examples/hand-build.jsonl" >sum || fail "the installed binary does not run"
	grep -q '^command: *sh build.sh$' sum || fail "summary: $(head -3 sum)"
	make -s -C "$REPO_DIR" uninstall PREFIX=/opt/pt DESTDIR="$T/root" >out 2>&1 || fail "make uninstall: $(cat out)"
	[ ! -e "$bin" ] || fail "$bin is still there after make uninstall"
}

run_tests
