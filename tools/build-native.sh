#!/usr/bin/env bash
# Builds Ferry's one native piece, the Unicorn patches (native/unicorn-patches.c), into dist/native/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p dist/native
gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o dist/native/.libferry-unicorn-patches.so.tmp native/unicorn-patches.c
mv dist/native/.libferry-unicorn-patches.so.tmp dist/native/libferry-unicorn-patches.so
