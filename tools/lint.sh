#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# moat's lint, run by `make lint` as `tools/lint.sh BUILDDIR` on a developer's
# machine or in CI, unprivileged. It reads the repository's own sources (and
# ldd's view of BUILDDIR/moatd); nothing it reads is untrusted. Checks:
#   a. banned calls in privhelper/ frontend/ common/ cli/ lxd/ (comments and
#      string literals ignored): sprintf vsprintf strcpy strcat strncpy atoi
#      atol system popen alloca gets
#   b. (VLAs are refused by the compiler: -Wvla -Werror)
#   c. clang-format --dry-run --Werror on every .c/.h under privhelper/
#      frontend/ common/ cli/ lxd/ tests/ fuzz/ (style: .clang-format)
#   d. privhelper/ line budgets by trust, in non-blank lines of *.[ch] and
#      ops.def, each count printed: the trust core (main.c dispatch.c
#      validate.c policy.c ph.h ops.def: setup, dispatch, validation
#      primitives, policy) under 1500 together; every other file (an op
#      family, a driver such as storage.c) under 700; all of it under 9000
#   e. moatd's link line: no libmicrohttpd, json-c, gnutls, libyaml or libarchive
#   f. proto/*.proto declares no `string` field (names travel as bytes)
#   g. the layers of frontend/ and what each may include or call
#      (docs/DESIGN.md, "Layers"), and lxd/ (shared by moatd-api and moat,
#      never moatd): one rule a line in LAYER_RULES below
# Prints each problem and exits 1 if there is any; else prints "lint: ok".

set -u

B=${1:-build}
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
PH_CORE=(main.c dispatch.c validate.c policy.c ph.h ops.def)
PH_CORE_BUDGET=1500
PH_FILE_BUDGET=700
PH_TOTAL_BUDGET=9000
cd "$(dirname "$0")/.." || exit 2

failed=0
problem() {
	echo "lint: $*"
	failed=1
}

# Print "file:line:text" for each line of the given C-like files, with
# comments blanked and string/char literals emptied (line numbers kept).
strip_code() {
	perl -e '
		local $/;
		for my $f (@ARGV) {
			open(my $fh, "<", $f) or die "lint: $f: $!\n";
			my $s = <$fh>;
			close($fh);
			$s =~ s{/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\x27(?:\\.|[^\x27\\\n])*\x27}{
				my $m = $&;
				my $c = substr($m, 0, 1);
				$c eq "\"" ? "\"\"" : $c eq "\x27" ? "\x27\x27" : "\n" x ($m =~ tr/\n//)
			}gse;
			my $n = 0;
			print "$f:", ++$n, ":$_\n" for split(/\n/, $s, -1);
		}' "$@"
}

c_sources() {
	local d
	for d in "$@"; do
		[ -d "$d" ] && find "$d" -type f \( -name '*.c' -o -name '*.h' \) -print
	done | LC_ALL=C sort
}

# ---- a. banned calls ---------------------------------------------------------
banned='sprintf|vsprintf|strcpy|strcat|strncpy|atoi|atol|system|popen|alloca|gets'
mapfile -t code < <(c_sources privhelper frontend common cli lxd)
if [ "${#code[@]}" -gt 0 ]; then
	while IFS= read -r hit; do
		loc=${hit%%:*}:$(cut -d: -f2 <<<"$hit")
		for call in $(grep -oE "\\b($banned)[[:space:]]*\\(" <<<"${hit#*:*:}" | tr -d ' \t('); do
			problem "$loc: banned call $call()"
		done
	done < <(strip_code "${code[@]}" | grep -E ":.*\\b($banned)[[:space:]]*\\(")
fi

# ---- c. clang-format ---------------------------------------------------------
mapfile -t fmt < <(c_sources privhelper frontend common cli lxd tests fuzz)
if ! command -v "$CLANG_FORMAT" >/dev/null 2>&1; then
	problem "$CLANG_FORMAT not found (apt-get install clang-format)"
elif [ ! -f .clang-format ]; then
	problem ".clang-format missing at the repository root"
else
	# one run over every file; only when it complains, file by file
	bad=("${fmt[@]}")
	"$CLANG_FORMAT" --dry-run --Werror "${fmt[@]}" >/dev/null 2>&1 && bad=()
	for f in "${bad[@]}"; do
		out=$("$CLANG_FORMAT" --dry-run --Werror "$f" 2>&1) && continue
		n=$(grep -c 'clang-format-violations' <<<"$out")
		if [ "$n" -gt 0 ]; then
			problem "$f: not clang-formatted ($n place(s); see: $CLANG_FORMAT $f | diff $f -)"
		else
			problem "$f: clang-format failed: $(head -n1 <<<"$out")"
		fi
	done
fi

# ---- d. privhelper line budgets, by trust ---------------------------------------
nonblank() { grep -cv '^[[:space:]]*$' "$1"; }
in_core() {
	local c
	for c in "${PH_CORE[@]}"; do [ "$1" = "$c" ] && return 0; done
	return 1
}
mapfile -t ph_files < <(find privhelper -type f \( -name '*.[ch]' -o -name '*.def' \) | LC_ALL=C sort)
if [ "${#ph_files[@]}" -eq 0 ]; then
	problem "privhelper/ has no sources"
else
	core=0 total=0 core_list=
	for c in "${PH_CORE[@]}"; do
		if [ -f "privhelper/$c" ]; then
			n=$(nonblank "privhelper/$c")
			core=$((core + n))
			core_list+="${core_list:+, }$c $n"
		else
			problem "privhelper/$c is missing (a trust-core file; tools/lint.sh lists them)"
		fi
	done
	echo "lint: privhelper budget: trust core: $core non-blank lines (budget: under $PH_CORE_BUDGET): $core_list"
	[ "$core" -lt "$PH_CORE_BUDGET" ] ||
		problem "privhelper/ trust core has $core non-blank lines, not under its budget of $PH_CORE_BUDGET ($core_list)"
	for f in "${ph_files[@]}"; do
		n=$(nonblank "$f")
		total=$((total + n))
		in_core "${f#privhelper/}" && continue
		echo "lint: privhelper budget: $f: $n (under $PH_FILE_BUDGET)"
		[ "$n" -lt "$PH_FILE_BUDGET" ] ||
			problem "$f has $n non-blank lines, not under its budget of $PH_FILE_BUDGET (a file outside the trust core)"
	done
	echo "lint: privhelper budget: all of privhelper/: $total (under $PH_TOTAL_BUDGET)"
	[ "$total" -lt "$PH_TOTAL_BUDGET" ] ||
		problem "privhelper/ has $total non-blank lines, not under its budget of $PH_TOTAL_BUDGET"
fi

# ---- e. moatd's link line ------------------------------------------------------
if [ ! -x "$B/moatd" ]; then
	problem "$B/moatd not built (run make first)"
elif ! libs=$(ldd "$B/moatd" 2>&1); then
	problem "ldd $B/moatd failed: $(head -n1 <<<"$libs")"
else
	while IFS= read -r lib; do
		problem "$B/moatd links $lib (the helper must not link network or archive parsers: archives are moat-tree's)"
	done < <(grep -oE '\blib(microhttpd|json-c|gnutls|yaml|archive)[^[:space:]]*' <<<"$libs" | sort -u)
fi

# ---- f. no `string` in the contract ---------------------------------------------
protos=(proto/*.proto)
if [ -e "${protos[0]}" ]; then
	while IFS= read -r hit; do
		loc=${hit%%:*}:$(cut -d: -f2 <<<"$hit")
		problem "$loc: a \`string\` field (use bytes: protobuf-c cuts strings at a NUL)"
	done < <(strip_code "${protos[@]}" |
		grep -E ':[0-9]+:(.*[^[:alnum:]_.])?string[[:space:]]+[A-Za-z_][A-Za-z0-9_]*[[:space:]]*=|map[[:space:]]*<[^>]*\bstring\b')
fi


# ---- g. layers: who may include or call what ----------------------------------
# One rule a line: FOLDERS~EXCEPT~REGEX~WHY. No *.c/*.h file under FOLDERS
# (space-separated), except those under EXCEPT, may have a line matching
# the extended REGEX: #include lines as written, every other line with its
# comments and strings blanked. tests/integration/15-lint.sh breaks each on
# purpose. docs/DESIGN.md ("Layers") explains them.
LAYER_RULES=${LAYER_RULES:-'
frontend/core~~#include "(db|ph|model|ops|api)/~core/ is the bottom layer: it includes no other layer
frontend/db~~#include "(core|ph|model|ops|api)/~db/ includes no other layer
frontend/ph~~#include "(core|db|model|ops|api)/~ph/ includes no other layer
frontend/model frontend/db frontend/ph~~#include "core/(http|websocket)\.h"~only api/, ops/ and core/ see request and response types
frontend cli common privhelper~~#include "api/~nothing includes a handler module
privhelper common~~#include "(\.\./)*(frontend|cli)/~moatd and common/ see neither the frontend nor the client
cli~~#include "(\.\./)*(frontend|privhelper)/~the client speaks only the REST API
lxd~~#include "((\.\./)*(frontend|cli|privhelper)/|(core|db|ph|model|ops|api|proto)/|(fe|ph)\.h")~lxd/ is shared by moatd-api and moat: it includes nothing of frontend/, cli/ or privhelper/
privhelper common~~#include "(\.\./)*lxd/~moatd and common/ include nothing of lxd/ (moatd renders no LXD object)
frontend~frontend/ph~#include "proto/privhelper\.pb-c\.h"~only frontend/ph/ includes the protobuf header
frontend~frontend/ph~\b(Ph__|ph__|PH__)[A-Za-z_]~only frontend/ph/ touches the protobuf types
frontend cli common~frontend/db frontend/model~#include <sqlite3\.h>~only db/ and model/ include sqlite3.h
frontend cli common~frontend/db frontend/model~\bsqlite3_[a-z_]+[[:space:]]*\(~only db/ and model/ call sqlite
frontend~frontend/core~(->|\.)seg\[~handlers read path captures by name (fe_param), never by index
'}

# Every file's "file:line:text" once: #include lines as written, every
# other line with its comments and strings blanked (one perl for all files:
# a process per file and rule made this section most of lint's time).
code_lines() {
	perl -e '
		local $/;
		for my $f (@ARGV) {
			open(my $fh, "<", $f) or die "lint: $f: $!\n";
			my $raw = <$fh>;
			close($fh);
			(my $s = $raw) =~ s{/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\x27(?:\\.|[^\x27\\\n])*\x27}{
				my $m = $&;
				my $c = substr($m, 0, 1);
				$c eq "\"" ? "\"\"" : $c eq "\x27" ? "\x27\x27" : "\n" x ($m =~ tr/\n//)
			}gse;
			my @r = split(/\n/, $raw, -1);
			my @c = split(/\n/, $s, -1);
			for my $i (0 .. $#c) {
				my $l = ($r[$i] // "") =~ /^\s*#\s*include/ ? $r[$i] : $c[$i];
				print "$f:", $i + 1, ":$l\n";
			}
		}' "$@"
}

layer_code=$(mktemp)
trap 'rm -f "$layer_code"' EXIT
mapfile -t layer_files < <(c_sources frontend cli common privhelper lxd)
[ "${#layer_files[@]}" -gt 0 ] && code_lines "${layer_files[@]}" >"$layer_code"

# "a|b" of folder names, each followed by "/" in a match (no dots in them)
folder_alt() { tr -s ' ' '\n' <<<"$1" | grep -v '^$' | paste -sd'|'; }

while IFS='~' read -r folders except regex why; do
	case $folders in '' | \#*) continue ;; esac
	inside=$(folder_alt "$folders")
	outside=$(folder_alt "$except")
	while IFS= read -r hit; do
		problem "${hit%%:*}:$(cut -d: -f2 <<<"$hit"): layer rule: $why"
	done < <(grep -E -- "^($inside)/[^:]*:[0-9]+:.*($regex)" "$layer_code" |
		if [ -n "$outside" ]; then grep -vE -- "^($outside)/"; else cat; fi)
done <<<"$LAYER_RULES"

if [ "$failed" -ne 0 ]; then
	exit 1
fi
echo "lint: ok"
