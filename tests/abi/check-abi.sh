#!/bin/sh
# The library's ABI against the recorded baseline (libabigail).
#
#   check-abi.sh check  LIBRARY BASELINE COMPILER_ID SUPPRESSIONS HEADER_DIR...
#   check-abi.sh record LIBRARY BASELINE COMPILER_ID HEADER_DIR...
#
# check fails on any change to what the baseline holds: a removed or changed
# function, a changed public type (struct layout, enumerator value,
# typedef), whether an exported function reaches it or not. Additions pass:
# new functions, new types, enumerators appended. A struct that grew at its
# end, as docs/ABI.md allows for structs that carry their size, is reported
# too: check that it is such a growth, then record the baseline again in
# the same commit.
#
# record writes the baseline from a gcc build with debug information. gcc
# and clang describe types no exported function reaches in different ways,
# so builds by another compiler compare only what exported functions reach.
set -eu
mode=$1 lib=$2 baseline=$3 compiler=$4
shift 4
if [ "$mode" = check ]; then
	suppressions=$1
	shift
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! readelf -S --wide "$lib" | grep -q '\.debug_info'; then
	echo "SKIP: $lib has no debug information to read types from"
	exit 77
fi

# Every type of the public headers, with locations relative to the build
# directory (no machine paths) and ids that do not move when types are added.
dump() {
	out=$1
	shift
	headers=""
	for dir in "$@"; do
		headers="$headers --headers-dir $dir"
	done
	# shellcheck disable=SC2086
	abidw $headers --drop-private-types --load-all-types --type-id-style hash \
		--no-corpus-path --no-comp-dir-path --no-elf-needed \
		--out-file "$out" "$lib"
}

if [ "$mode" = record ]; then
	[ "$compiler" = gcc ] || { echo "record the baseline from a gcc build, not $compiler"; exit 1; }
	dump "$baseline" "$@"
	echo "recorded the ABI of $lib in $baseline"
	exit 0
fi

dump "$tmp/current.abi" "$@"
unreachable=--non-reachable-types
if [ "$compiler" != gcc ]; then
	unreachable=""
	echo "a $compiler build: types no exported function reaches are compared in gcc builds"
fi
# abidiff's exit status is a bit field: 1 tool error, 2 usage error, 4 an
# ABI change, 8 an incompatible change. Added functions are not reported.
status=0
# shellcheck disable=SC2086
abidiff --no-added-syms $unreachable --suppressions "$suppressions" \
	"$baseline" "$tmp/current.abi" > "$tmp/report" 2>&1 || status=$?
if [ $((status & 3)) -ne 0 ]; then
	cat "$tmp/report"
	echo "abidiff could not compare (status $status)"
	exit 1
fi
if [ $((status & 12)) -ne 0 ]; then
	cat "$tmp/report"
	echo "the ABI differs from $baseline (abidiff status $status). docs/ABI.md:"
	echo "restore it; or, for a struct grown at its end, record the baseline again"
	echo "(meson compile -C BUILD abi-baseline); or bump the SONAME."
	exit 1
fi
echo "ABI compatible with $(basename "$baseline")"
