#!/usr/bin/env bash
# tests/deps.sh: install what proctrace needs to build, record and run its tests
# on Debian 12 (run as root). Safe to run again.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# mandoc, man-db, groff-base and bsdextrautils (col): the man pages' tests
# (tests/e2e/test_docs.sh) lint and render them.
pkgs=(make gcc clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libjansson-dev
	libcmocka-dev pkg-config jq strace valgrind libclang-rt-14-dev
	mandoc man-db groff-base bsdextrautils)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

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
