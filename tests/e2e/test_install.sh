#!/usr/bin/env bash
# tests/e2e/test_install.sh: make install and make uninstall, with PREFIX and DESTDIR:
# the binary and the man pages.
. "$(dirname "$0")/lib.sh"

# The pages the tree has: cmd/man/NAME.SECTION.
man_pages() { (cd "$REPO_DIR/cmd/man" && ls -- *.[1-9]); }

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

test_install_puts_every_man_page_in_its_section() {
	local page n=0 mandir=$T/root/opt/pt/share/man
	make -s -C "$REPO_DIR" install PREFIX=/opt/pt DESTDIR="$T/root" >out 2>&1 || fail "make install: $(cat out)"
	for page in $(man_pages); do
		local f=$mandir/man${page##*.}/$page
		[ -f "$f" ] || fail "no $f: $(find "$T/root" -type f | head)"
		assert_eq "$(stat -c %a "$f")" 644 "mode of $page"
		cmp -s "$f" "$REPO_DIR/cmd/man/$page" || fail "$f differs from cmd/man/$page"
		n=$((n + 1))
	done
	# proctrace(1), one page per command and the format's, at least.
	[ "$n" -ge 5 ] || fail "only $n man pages: $(man_pages | tr '\n' ' ')"
	[ -f "$mandir/man5/proctrace-recording.5" ] || fail "no proctrace-recording(5)"
	# man finds them there by name, as a user would after make install.
	MANPATH=$mandir man -P cat proctrace-record >page 2>err || fail "man proctrace-record: $(cat err)"
	grep -q -- '--buffer-size' page || fail "man proctrace-record: $(head -5 page)"
	MANPATH=$mandir man -P cat 5 proctrace-recording >page 2>err || fail "man 5 proctrace-recording: $(cat err)"
	grep -q 'BadExec' page || fail "man 5 proctrace-recording: $(head -5 page)"
	make -s -C "$REPO_DIR" uninstall PREFIX=/opt/pt DESTDIR="$T/root" >out 2>&1 || fail "make uninstall: $(cat out)"
	left=$(find "$T/root" -type f)
	[ -z "$left" ] || fail "left after make uninstall: $left"
}

test_install_default_mandir_follows_prefix() {
	make -s -C "$REPO_DIR" install PREFIX=/usr DESTDIR="$T/root" >out 2>&1 || fail "make install: $(cat out)"
	[ -f "$T/root/usr/share/man/man1/proctrace.1" ] || fail "no man page under PREFIX/share/man: $(find "$T/root" -type f)"
	make -s -C "$REPO_DIR" install PREFIX=/usr MANDIR=/usr/man DESTDIR="$T/other" >out 2>&1 || fail "make install MANDIR=: $(cat out)"
	[ -f "$T/other/usr/man/man1/proctrace.1" ] || fail "MANDIR is not honoured: $(find "$T/other" -type f)"
}

run_tests
