#!/bin/sh
# Every public header must compile on its own as C99 -pedantic, as C11 and as
# C++17, with warnings as errors: a user may include any one of them first.
#
# usage: check-headers.sh SRC_INCLUDE_DIR BUILD_INCLUDE_DIR CC [CXX]
set -eu
src=$1 build=$2 cc=$3 cxx=${4:-}
status=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count=0

for header in "$src"/provisioning/*.h "$build"/provisioning/*.h; do
	[ -f "$header" ] || continue
	name=$(basename "$header")
	printf '#include <provisioning/%s>\n' "$name" > "$tmp/t.c"
	for std in "-std=c99 -pedantic" "-std=c11 -pedantic"; do
		# shellcheck disable=SC2086
		if ! $cc $std -Wall -Wextra -Werror -I"$src" -I"$build" -fsyntax-only "$tmp/t.c" 2> "$tmp/err"; then
			echo "$name does not compile alone with $cc $std:"
			head -n 5 "$tmp/err"
			status=1
		fi
	done
	if [ -n "$cxx" ]; then
		cp "$tmp/t.c" "$tmp/t.cpp"
		if ! $cxx -std=c++17 -Wall -Wextra -Werror -I"$src" -I"$build" -fsyntax-only "$tmp/t.cpp" 2> "$tmp/err"; then
			echo "$name does not compile alone as C++17:"
			head -n 5 "$tmp/err"
			status=1
		fi
	fi
	count=$((count + 1))
done
[ "$count" -gt 0 ] || { echo "no headers found in $src"; exit 1; }
[ "$status" -eq 0 ] && echo "$count headers compile alone as C99, C11${cxx:+ and C++17}"
exit "$status"
