#!/usr/bin/env bash
# tests/deps.sh: install what proctrace needs to build, record and run its tests
# on Debian 12 (run as root). Safe to run again.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(make gcc clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libjansson-dev
	libcmocka-dev pkg-config jq)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
