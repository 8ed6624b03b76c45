#!/bin/sh
# test_cli_plan.sh - `vmgr pack` and `vmgr plan` as a user meets them: outputs and bad input (TAP).
# usage: test_cli_plan.sh VMGR SOURCE_ROOT
set -u
VMGR=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
# expect_out NAME PATTERN CMD...: exit 0 and stdout matches the pattern
expect_out() {
	name=$1 pat=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = 0 ] && grep -q -- "$pat" "$T/out"; then
		ok "$name"
	else
		not_ok "$name: exit $rc, pattern '$pat'"
		sed 's/^/# /' "$T/out" "$T/err"
	fi
}
# expect_error NAME WANT_RC PATTERN CMD...: one line on stderr, nothing on stdout
expect_error() {
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

# A BPPLIB instance: capacity 10; first fit in arrival order needs 4 bins,
# the optimum is 3 (6+4 three times).
printf '6\n10\n6\n6\n6\n4\n4\n4\n' >"$T/six.txt"
printf '6\r\n10\r\n4\r\n4\r\n4\r\n6\r\n6\r\n6\r\n' >"$T/crlf.txt"
# A 5-dimensional .vbp instance: 4 items, two per bin.
printf '5\n10 10 10 10 10\n2\n5 5 5 5 5 2\n5 4 3 2 1 2\n' >"$T/five.vbp"
printf '2\n10\n7\nx\n' >"$T/bad.txt"
printf '2\n10 10\n1\n5 11 1\n' >"$T/bad.vbp"

expect_out "pack prints bins and the lower bound" \
	'^bins 3, lower bound 3 (first-fit, arrival order; 6 items, 1 dimension)$' \
	"$VMGR" pack "$T/six.txt"
expect_out "pack --json starts with bins and lower_bound" \
	'^{"bins":4,"lower_bound":3,' "$VMGR" pack --json "$T/crlf.txt"
expect_out "pack --order decreasing does better on the interleaved file" \
	'^{"bins":3,"lower_bound":3,"strategy":"first-fit","order":"decreasing"' \
	"$VMGR" pack --json --order decreasing "$T/crlf.txt"
expect_out "pack --optimal --json" \
	'^{"bins":3,"lower_bound":3,"optimal":true,"seconds":' \
	"$VMGR" pack --optimal --json "$T/crlf.txt"
expect_out "pack --optimal text" '^bins 3, lower bound 3: optimal' \
	"$VMGR" pack --optimal "$T/crlf.txt"
expect_out "pack --optimal packs 5 dimensions" \
	'^{"bins":2,"lower_bound":2,"optimal":true' \
	"$VMGR" pack --optimal --json --time-limit 5 "$T/five.vbp"
expect_error "a strategy on 5 dimensions is refused" 1 \
	"five.vbp: the instance has 5 dimensions; allocation strategies work on the 4" \
	"$VMGR" pack "$T/five.vbp"
expect_error "malformed instance" 1 "bad.txt:4:1: expected a non-negative integer, got 'x'" \
	"$VMGR" pack "$T/bad.txt"
expect_error "malformed .vbp" 1 "bad.vbp:4:3: size 11 in dimension 2 exceeds the bin capacity 10" \
	"$VMGR" pack --optimal "$T/bad.vbp"
expect_error "missing instance" 1 "cannot open" "$VMGR" pack "$T/none.txt"
expect_error "unknown strategy" 2 "unknown allocation strategy 'zz'" \
	"$VMGR" pack --strategy zz "$T/six.txt"
expect_error "bad order" 2 "--order: expected arrival or decreasing" \
	"$VMGR" pack --order up "$T/six.txt"
expect_error "time limit without --optimal" 2 "--time-limit applies to --optimal only" \
	"$VMGR" pack --time-limit 3 "$T/six.txt"
expect_error "bad time limit" 2 "--time-limit: expected seconds" \
	"$VMGR" pack --optimal --time-limit -1 "$T/six.txt"
expect_error "--optimal with a strategy" 2 "--optimal takes no --strategy" \
	"$VMGR" pack --optimal --strategy first-fit "$T/six.txt"

# plan: the consolidation example frees four of eight hosts.
expect_out "plan text" '^plan: cost 4 (4 hosts in use), bound 4, gap 0.0% (optimal' \
	"$VMGR" plan "$SRC/examples/consolidate.json"
expect_out "plan --json" '^{"status":"optimal","cost":4.0,"bound":4.0,"gap":0.0,' \
	"$VMGR" plan --json "$SRC/examples/consolidate.json"
expect_out "plan --max-migrations 0 keeps the running VMs" \
	'"migrations_count":0,' "$VMGR" plan --json --max-migrations 0 "$SRC/examples/consolidate.json"
expect_out "plan --max-migrations 2" '^plan: cost 6 ' \
	"$VMGR" plan --max-migrations 2 "$SRC/examples/consolidate.json"
expect_out "plan --target-hosts 4: fewest migrations" \
	'^plan: 4 migrations, 4 hosts in use; bound 4 migrations' \
	"$VMGR" plan --target-hosts 4 "$SRC/examples/consolidate.json"
expect_out "plan lists ordered migrations" '^migrate 1: ' \
	"$VMGR" plan "$SRC/examples/consolidate.json"
expect_out "plan on the seed: B stays unplaced" '^B: unplaced' \
	"$VMGR" plan "$SRC/examples/seed.json"
expect_error "plan: bad budget" 2 "--max-migrations: expected a non-negative integer" \
	"$VMGR" plan --max-migrations x "$SRC/examples/seed.json"
expect_error "plan: zero target" 2 "--target-hosts: expected at least 1" \
	"$VMGR" plan --target-hosts 0 "$SRC/examples/seed.json"
expect_error "plan: unknown strategy is a usage error" 2 "unknown allocation strategy 'nope'" \
	"$VMGR" plan --strategy nope "$SRC/examples/seed.json"
expect_error "plan: --apply needs vmgrd, not a scenario" 2 "--apply: only for vmgrd's cluster" \
	"$VMGR" plan --apply "$SRC/examples/seed.json"
expect_error "plan: two scenarios" 2 "expected one scenario file, or none" \
	"$VMGR" plan "$SRC/examples/seed.json" "$SRC/examples/seed.json"
expect_error "plan without a scenario and no vmgrd" 4 "" \
	"$VMGR" --socket "$T/none.sock" plan
expect_error "plan: malformed scenario" 1 "bad.txt:1:" \
	"$VMGR" plan "$T/bad.txt"

echo "1..$n"
[ "$failed" = 0 ]
