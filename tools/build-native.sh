#!/usr/bin/env bash
# Builds Ferry's one native piece, the Unicorn store fix (native/unicorn-store-fix.c), into dist/native/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p dist/native
gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o dist/native/.libferry-unicorn-fix.so.tmp native/unicorn-store-fix.c
mv dist/native/.libferry-unicorn-fix.so.tmp dist/native/libferry-unicorn-fix.so
