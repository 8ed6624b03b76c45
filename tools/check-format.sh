#!/bin/sh
# check-format.sh - every C file under src/ tests/ bench/ is clang-formatted (.clang-format).
# usage: tools/check-format.sh [SOURCE_ROOT]   (exit 0 clean, 1 not formatted, 77 no clang-format)
set -u
ROOT=${1:-$(dirname "$0")/..}
cd "$ROOT" || exit 1
command -v clang-format >/dev/null 2>&1 || {
	echo "clang-format not installed: skipping"
	exit 77
}
bad=0
for f in $(find src tests bench -name '*.[ch]' | sort); do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "$f: not clang-formatted (run: clang-format -i $f)"
		bad=1
	fi
done
[ "$bad" = 0 ] && echo "format: clean"
exit "$bad"
