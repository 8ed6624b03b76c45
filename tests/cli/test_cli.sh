#!/bin/sh
# test_cli.sh - the vmgr command as a user meets it: golden output and bad input (TAP).
# usage: test_cli.sh VMGR SOURCE_ROOT
set -u
VMGR=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi; }

# golden: the seed example, text and JSON
"$VMGR" place "$SRC/examples/seed.json" >"$T/out" 2>"$T/err"
check $? "place seed.json exits 0"
diff -u "$SRC/tests/golden/seed.place.txt" "$T/out" >"$T/diff"
check $? "place seed.json prints the golden text" || sed 's/^/# /' "$T/diff"
"$VMGR" place --json "$SRC/examples/seed.json" >"$T/out" 2>"$T/err"
diff -u "$SRC/tests/golden/seed.place.json" "$T/out" >"$T/diff"
check $? "place --json seed.json prints the golden JSON" || sed 's/^/# /' "$T/diff"
"$VMGR" strategies >"$T/out" 2>&1
grep -q '^  first-fit ' "$T/out"
check $? "strategies lists first-fit"
"$VMGR" strategies --json >"$T/out" 2>&1
grep -q '"name":"first-fit"' "$T/out"
check $? "strategies --json lists first-fit"

# bad input: exit code, exactly one line on stderr, nothing on stdout, no crash
expect_error() { # name want_rc stderr_pattern cmd...
	name=$1 want=$2 pat=$3
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	lines=$(wc -l <"$T/err")
	if [ "$rc" = "$want" ] && [ "$lines" = 1 ] && [ ! -s "$T/out" ] &&
		grep -q -- "$pat" "$T/err"; then
		ok "$name: exit $rc, one line: $(cat "$T/err")"
	else
		not_ok "$name: exit $rc (want $want), $lines stderr lines, pattern '$pat'"
		sed 's/^/# /' "$T/err" "$T/out"
	fi
}

printf '' >"$T/empty.json"
head -c 120 "$SRC/examples/seed.json" >"$T/truncated.json"
printf '{"hosts":[{"name":"pm0","cpu_milli":1000,"memory_mib":1024}],"vms":[{"name":"B","cpu_milli":1000,"memory_mib":-5}]}' >"$T/neg.json"
printf '\000\001\002garbage' >"$T/binary.json"
printf '{"hosts":[],"allocation":"no-such"}' >"$T/unknown.json"

expect_error "missing file" 1 "cannot open: No such file" "$VMGR" place "$T/missing.json"
expect_error "empty file" 1 "empty.json:1:0: " "$VMGR" place "$T/empty.json"
expect_error "truncated file" 1 "truncated.json:[0-9]*:[0-9]*: " "$VMGR" place "$T/truncated.json"
expect_error "malformed value" 1 "vms\[0\].memory_mib: must be a positive integer, got -5" "$VMGR" place "$T/neg.json"
expect_error "binary file" 1 "binary.json:" "$VMGR" place "$T/binary.json"
expect_error "a directory" 1 "Is a directory" "$VMGR" place "$T"
expect_error "unknown strategy in the file" 1 "allocation: unknown allocation strategy 'no-such' (valid: first-fit" "$VMGR" place "$T/unknown.json"
expect_error "unknown strategy flag" 2 "unknown allocation strategy 'zz'" "$VMGR" place --strategy zz "$SRC/examples/seed.json"
expect_error "params on a strategy without any" 2 "first-fit: unknown parameter 'x'" "$VMGR" place --params x=1 "$SRC/examples/seed.json"
expect_error "no file" 2 "expected one scenario file" "$VMGR" place
expect_error "bad seed" 2 "--seed: expected a non-negative integer" "$VMGR" place --seed -1 "$SRC/examples/seed.json"
expect_error "unknown verb" 2 "unknown verb" sh -c "\"$VMGR\" frobnicate 2>&1 >/dev/null | head -n 1 >&2; exit 2"

echo "1..$n"
[ "$failed" = 0 ]
