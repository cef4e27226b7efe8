#!/usr/bin/env bash
# tests/deps.sh: install what proctrace needs to build, record and run its tests
# on Debian 12 (run as root). Safe to run again.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# mandoc, man-db, groff-base and bsdextrautils (col): the man pages' tests
# (tests/e2e/test_docs.sh) lint and render them. python3: test_cli.sh puts a
# terminal (a pty) on sort's and render's stdin.
pkgs=(make gcc clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libjansson-dev
	libcmocka-dev pkg-config jq strace valgrind libclang-rt-14-dev
	mandoc man-db groff-base bsdextrautils python3)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The ia32 test builds freestanding 32-bit programs (cc -m32, no C library):
# most gcc builds need nothing more; where cc -m32 cannot, gcc-multilib helps.
probe=$(mktemp /tmp/proctrace-m32.XXXXXX)
if ! cc -m32 -static -nostdlib -ffreestanding -fno-pie -no-pie -o "$probe" \
	"$(dirname "$0")/e2e/helpers/ia32/exit0.c" 2>/dev/null &&
	apt-cache show gcc-multilib >/dev/null 2>&1; then
	apt-get install -y -qq --no-install-recommends gcc-multilib >/dev/null
fi
rm -f "$probe"

# The mermaid tests render charts in the real renderer: mermaid-cli (pinned in
# tests/mermaid/package-lock.json) driving Debian's chromium.
mm_pkgs=()
dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q 'ok installed' || mm_pkgs+=(chromium)
command -v npm >/dev/null || mm_pkgs+=(nodejs npm)
if [ "${#mm_pkgs[@]}" -gt 0 ]; then
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${mm_pkgs[@]}" >/dev/null
fi
mm_dir="$(cd "$(dirname "$0")" && pwd)/mermaid"
mm_want=$(sed -n '/"node_modules\/@mermaid-js\/mermaid-cli"/,/"version"/s/.*"version": *"\([^"]*\)".*/\1/p' "$mm_dir/package-lock.json")
mm_have=$(sed -n 's/^  "version": *"\([^"]*\)".*/\1/p' "$mm_dir/node_modules/@mermaid-js/mermaid-cli/package.json" 2>/dev/null || true)
if [ "$mm_want" != "$mm_have" ]; then
	(cd "$mm_dir" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# The perfetto tests load the view in the trace engine of Chrome DevTools
# (@paulirish/trace_engine, pinned in tests/perfetto/package-lock.json).
pf_dir="$(cd "$(dirname "$0")" && pwd)/perfetto"
pf_want=$(sed -n '/"node_modules\/@paulirish\/trace_engine"/,/"version"/s/.*"version": *"\([^"]*\)".*/\1/p' "$pf_dir/package-lock.json")
pf_have=$(sed -n 's/^  "version": *"\([^"]*\)".*/\1/p' "$pf_dir/node_modules/@paulirish/trace_engine/package.json" 2>/dev/null || true)
if [ "$pf_want" != "$pf_have" ]; then
	(cd "$pf_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# The html view's tests open pages in the same chromium, driven by playwright-core
# (pinned in tests/html/package-lock.json; it downloads no browser of its own).
html_dir="$(cd "$(dirname "$0")" && pwd)/html"
html_want=$(sed -n '/"node_modules\/playwright-core"/,/"version"/s/.*"version": *"\([^"]*\)".*/\1/p' "$html_dir/package-lock.json")
html_have=$(sed -n 's/^  "version": *"\([^"]*\)".*/\1/p' "$html_dir/node_modules/playwright-core/package.json" 2>/dev/null || true)
if [ "$html_want" != "$html_have" ]; then
	(cd "$html_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
