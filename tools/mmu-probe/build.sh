#!/bin/bash
# Builds and runs the MMU probe (issue 7): `bash tools/mmu-probe/build.sh [mmu] [nopatch]`.
# Measures stores, loads, cross-page branches, write faults fixed in the hook, and TLB reach on
# Debian's Unicorn 2.0.1 ARM64 MAX, with the MMU off (a region per mapping) or on (page tables).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mktemp -d)"
aarch64-linux-gnu-as "$here/guest.S" -o "$out/guest.o"
aarch64-linux-gnu-objcopy -O binary "$out/guest.o" "$out/guest.bin"
(cd "$out" && xxd -i -n guest_bin guest.bin > guest.h)
gcc -O2 -I"$out" -o "$out/probe" "$here/probe.c" -lunicorn -ldl
PATCHLIB="$here/../../dist/native/libferry-unicorn-patches.so" stdbuf -oL "$out/probe" "$@"
