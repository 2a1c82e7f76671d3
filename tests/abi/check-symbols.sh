#!/bin/sh
# The exported symbols of the shared library must be exactly those of the
# version script, all prov_-prefixed and all in a PROVISIONING_ node; and
# every function a public header marks PROV_API must be in the script (a
# marked function missing from it would silently stay hidden).
#
# usage: check-symbols.sh LIBRARY VERSION_SCRIPT INCLUDE_DIR [GENERATED_HEADER...]
set -eu
lib=$1 script=$2 include=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

# Names listed under global: in the script, comments removed.
sed -e 's#/\*.*\*/##g' "$script" |
	awk '/global:/ {on=1; next} /local:/ {on=0} on && /;/ { gsub(/[ \t;]/, ""); if ($0 != "") print }' |
	sort -u > "$tmp/script"

# Defined dynamic symbols of the library, with their version node.
nm -D --defined-only --with-symbol-versions "$lib" |
	awk '$2 ~ /^[TDBRVWi]$/ { print $3 }' > "$tmp/exported-versioned"
sed 's/@.*//' "$tmp/exported-versioned" | sort -u > "$tmp/exported"

# Functions declared with PROV_API in the public headers (source and
# generated), read without preprocessor lines and comments.
shift 3
cat "$include"/*.h "$@" | grep -v '^[[:space:]]*#' | tr '\n' ' ' |
	sed -e 's#/\*\([^*]\|\*[^/]\)*\*/##g' | grep -o 'PROV_API[^;(]*(' |
	sed 's/($//' | awk '{ print $NF }' | tr -d '*' | sort -u > "$tmp/declared"

if ! cmp -s "$tmp/script" "$tmp/exported"; then
	echo "exported symbols differ from $script (< script only, > library only):"
	diff "$tmp/script" "$tmp/exported" | grep '^[<>]' || true
	status=1
fi
if grep -v '^prov_' "$tmp/exported"; then
	echo "the symbols above are exported without the prov_ prefix"
	status=1
fi
if grep -v '@@*PROVISIONING_[0-9][0-9.]*$' "$tmp/exported-versioned"; then
	echo "the symbols above carry no PROVISIONING_ version node"
	status=1
fi
if ! cmp -s "$tmp/declared" "$tmp/script"; then
	echo "PROV_API declarations differ from $script (< headers only, > script only):"
	diff "$tmp/declared" "$tmp/script" | grep '^[<>]' || true
	status=1
fi
[ "$status" -eq 0 ] && echo "$(wc -l < "$tmp/exported") exported symbols match $script"
exit "$status"
