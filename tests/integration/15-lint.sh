#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tools/lint.sh fails when it should: in a fresh copy of the source tree
# (no build directories, no .git), each case breaks one rule on purpose and
# lint must exit 1 and name it; the unmodified copy must pass. Runs as
# whoever runs the tests; it reads the tree and $B/moatd (lint's link-line
# check), and writes only below its temporary directory.
#
# A new case is a function that edits the copy (run in its top directory)
# and one line:  lint_case "what it breaks" 'regex lint must print' case_fn
. "$(dirname "$0")/../lib/lib.sh"

# A copy of the source tree in a new directory below $T; prints its path.
fresh_copy() {
	local dir
	dir=$(mktemp -d "$T/tree.XXXXXX") || return 1
	tar -C "$TOP" --exclude=./build --exclude='./build-*' --exclude=./.git \
		--exclude=./fuzz/corpus -cf - . | tar -C "$dir" -xf - || return 1
	echo "$dir"
}

# lint_case DESC REGEX EDIT: EDIT changes a fresh copy; lint exits 1 and prints REGEX.
# clang-format's pass is the slow part and no case is about it: `true`
# stands in for it here (the unmodified copy below runs the real one).
lint_case() {
	local desc=$1 want=$2 edit=$3 dir out rc
	if ! dir=$(fresh_copy); then
		not_ok "$desc (cannot copy the tree)"
		return
	fi
	if ! (cd "$dir" && "$edit") >"$T/edit.out" 2>&1; then
		not_ok "$desc (the edit failed)"
		sed 's/^/#   /' "$T/edit.out" | tail -5
		rm -rf "$dir"
		return
	fi
	out=$(CLANG_FORMAT=true "$dir/tools/lint.sh" "$B" 2>&1)
	rc=$?
	check_eq "$desc: lint exits 1" 1 "$rc"
	check_match "$desc: lint names it" "$want" "$out"
	rm -rf "$dir"
}

# ---- the cases ------------------------------------------------------------------

# An op family of 701 non-blank lines, each a formatted declaration.
case_op_file_over_budget() {
	{
		echo '// SPDX-License-Identifier: Apache-2.0'
		for i in $(seq 1 700); do echo "int moat_lint_bloat_$i;"; done
	} >privhelper/op_bloat.c
}
lint_case "an op file of 701 lines" \
	'privhelper/op_bloat\.c has 701 non-blank lines, not under its budget of 700' \
	case_op_file_over_budget

# validate.c padded until the trust core has exactly its budget (not under it).
case_core_over_budget() {
	local core=0 c
	for c in main.c dispatch.c validate.c policy.c ph.h ops.def; do
		core=$((core + $(grep -cv '^[[:space:]]*$' "privhelper/$c")))
	done
	[ "$core" -lt 1500 ] || return 1
	for _ in $(seq "$core" 1499); do echo '/* padding */'; done >>privhelper/validate.c
}
lint_case "a trust-core file pushing the core to 1500 lines" \
	'privhelper/ trust core has 1500 non-blank lines, not under its budget of 1500' \
	case_core_over_budget

# A banned call, in an otherwise well-formed function.
case_banned_call() {
	printf '\nvoid moat_lint_banned(char *b);\nvoid moat_lint_banned(char *b)\n{\n\tstrcpy(b, "x");\n}\n' \
		>>privhelper/op_file.c
}
lint_case "a banned call (strcpy)" 'privhelper/op_file\.c:[0-9]+: banned call strcpy\(\)' \
	case_banned_call

# lxd/ (moatd-api and moat, never moatd) reaching into the frontend.
case_lxd_includes_frontend() {
	sed -i 's|^#include "object.h"$|#include "object.h"\n#include "core/http.h"|' lxd/objects.h &&
		grep -q '^#include "core/http.h"$' lxd/objects.h
}
lint_case "lxd/ including a frontend header" \
	'lxd/objects\.h:[0-9]+: layer rule: lxd/ is shared by moatd-api and moat' \
	case_lxd_includes_frontend

# moatd reaching into lxd/.
case_privhelper_includes_lxd() {
	printf '#include "../lxd/object.h"\n' >>privhelper/validate.c
}
lint_case "privhelper/ including lxd/" \
	'privhelper/validate\.c:[0-9]+: layer rule: moatd and common/ include nothing of lxd/' \
	case_privhelper_includes_lxd

# The frontend's layers (docs/DESIGN.md): model/ seeing HTTP request types.
case_model_sees_http() {
	printf '#include "core/http.h"\n' >>frontend/model/config.c
}
lint_case "model/ including core/http.h" \
	'frontend/model/config\.c:[0-9]+: layer rule: only api/, ops/ and core/ see request and response types' \
	case_model_sees_http

# A protobuf type outside frontend/ph/.
case_protobuf_outside_ph() {
	printf '\nstatic Ph__Request *moat_lint_req;\n' >>frontend/api/server.c
}
lint_case "a protobuf type in api/" \
	'frontend/api/server\.c:[0-9]+: layer rule: only frontend/ph/ touches the protobuf types' \
	case_protobuf_outside_ph

# sqlite called from a handler.
case_sqlite_in_api() {
	printf '\nvoid moat_lint_db(void *db);\nvoid moat_lint_db(void *db)\n{\n\tsqlite3_exec(db, "", 0, 0, 0);\n}\n' \
		>>frontend/api/server.c
}
lint_case "sqlite called from api/" \
	'frontend/api/server\.c:[0-9]+: layer rule: only db/ and model/ call sqlite' \
	case_sqlite_in_api

# A handler reading a path segment by index instead of by name.
case_segment_by_index() {
	printf '\nint moat_lint_seg(struct fe_req *req);\nint moat_lint_seg(struct fe_req *req)\n{\n\treturn req->seg[1] != 0;\n}\n' \
		>>frontend/api/server.c
}
lint_case "a path segment read by index in api/" \
	'frontend/api/server\.c:[0-9]+: layer rule: handlers read path captures by name' \
	case_segment_by_index

# ---- and the tree as it is --------------------------------------------------------
if dir=$(fresh_copy); then
	out=$("$dir/tools/lint.sh" "$B" 2>&1)
	rc=$?
	check_eq "the unmodified copy: lint exits 0" 0 "$rc"
	check_match "the unmodified copy: lint says ok" '^lint: ok$' "$out"
	check_match "the unmodified copy: lint prints the trust core's count" \
		'^lint: privhelper budget: trust core: [0-9]+ non-blank lines' "$out"
	rm -rf "$dir"
else
	not_ok "the unmodified copy (cannot copy the tree)"
fi
finish
