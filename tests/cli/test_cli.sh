#!/bin/sh
# test_cli.sh - the vmgr command as a user meets it: golden output and bad input (TAP).
# usage: test_cli.sh VMGR SOURCE_ROOT
set -u
VMGR=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
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
# golden: every example scenario, text and JSON
for ex in cloud hpc distributed; do
	"$VMGR" place "$SRC/examples/$ex.json" >"$T/out" 2>"$T/err"
	diff -u "$SRC/tests/golden/$ex.place.txt" "$T/out" >"$T/diff"
	check $? "place $ex.json prints the golden text" || sed 's/^/# /' "$T/diff"
	"$VMGR" place --json "$SRC/examples/$ex.json" >"$T/out" 2>"$T/err"
	diff -u "$SRC/tests/golden/$ex.place.json" "$T/out" >"$T/diff"
	check $? "place --json $ex.json prints the golden JSON" || sed 's/^/# /' "$T/diff"
done

# why-not explains one pair, including the N+1 reserve
"$VMGR" why-not "$SRC/examples/seed.json" B pm0 >"$T/out" 2>&1
printf 'B cannot go to pm0:\n  cpu needs 1000m, 0m free\nfirst-fit finds no host for it.\n' | diff -u - "$T/out" >"$T/diff"
check $? "why-not B pm0 explains the cpu shortfall" || sed 's/^/# /' "$T/diff"
"$VMGR" why-not "$SRC/examples/seed.json" A pm0 >"$T/out" 2>&1
grep -q '^A goes to pm0: first-fit chose it.$' "$T/out"
check $? "why-not A pm0 says it goes there"
printf '{"n_plus_one":true,"hosts":[{"name":"h","count":2,"cpu_milli":1000,"memory_mib":1024}],"vms":[{"name":"A","cpu_milli":600,"memory_mib":100},{"name":"B","cpu_milli":600,"memory_mib":100}]}' >"$T/n1.json"
"$VMGR" why-not --json "$T/n1.json" B h1 >"$T/out" 2>&1
grep -q '"reason":"reserve","dimension":"cpu","need":600,"free":400' "$T/out"
check $? "why-not names the N+1 reserve: $(cat "$T/out")"
"$VMGR" place "$T/n1.json" >"$T/out" 2>&1
grep -q '^B: refused — h0: cpu needs 600m, 400m free, cpu needs 600m, 400m free outside the N+1 failover reserve; h1: cpu needs 600m, 400m free outside the N+1 failover reserve$' "$T/out"
check $? "place explains the reserve per host" || sed 's/^/# /' "$T/out"
"$VMGR" place --strategy priority "$SRC/examples/distributed.json" >"$T/out" 2>&1
grep -q '^  preempted batch-c (back to the queue)$' "$T/out"
check $? "priority preempts and says so"

# golden: a trace and a seed give a byte-identical report
# (run from the source root: the summary records the trace as given)
SIMARGS="--trace csv:tests/golden/sim/workload.csv --hosts 4x8:16 --allocation best-fit --schedule priority --consolidate 900 --fail-at 5000:1 --fault-at 7000:2:guest-failure --power-dir /nonexistent"
(cd "$SRC" && "$VMGR" sim $SIMARGS --report "$T/report") >"$T/out" 2>&1
check $? "sim with a report exits 0"
diff -u "$SRC/tests/golden/sim/summary.json" "$T/report/summary.json" >"$T/diff"
check $? "sim summary.json is the golden one" || sed 's/^/# /' "$T/diff"
diff -u "$SRC/tests/golden/sim/timeseries.csv" "$T/report/timeseries.csv" >"$T/diff"
check $? "sim timeseries.csv is the golden one" || sed 's/^/# /' "$T/diff"
grep -q '<h1>Simulation: best-fit allocation, priority scheduling</h1>' "$T/report/index.html"
check $? "sim writes index.html"
if command -v gnuplot >/dev/null 2>&1; then
	[ -s "$T/report/active_hosts.svg" ] && [ -s "$T/report/utilisation.svg" ] && [ -s "$T/report/queue.svg" ]
	check $? "sim draws the three charts with gnuplot"
fi
(cd "$SRC" && "$VMGR" sim $SIMARGS --json) >"$T/out" 2>&1
grep -q '"events":526' "$T/out" && grep -q '"wall_s":' "$T/out" && grep -q '"host_hours":' "$T/out"
check $? "sim --json prints the summary with events, wall_s and host_hours"
"$VMGR" sim --trace csv:$SRC/tests/golden/sim/workload.csv --hosts 4x8:16 --compare first-fit,best-fit,worst-fit --power-dir /nonexistent >"$T/out" 2>&1
grep -q '^host-hours' "$T/out" && grep -q 'first-fit *best-fit *worst-fit' "$T/out"
check $? "sim --compare prints a side-by-side table"

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
expect_error "unknown strategy in the file" 1 "allocation: unknown allocation strategy 'no-such' (valid: best-fit, dot-product, first-fit" "$VMGR" place "$T/unknown.json"
expect_error "unknown strategy flag" 2 "unknown allocation strategy 'zz'" "$VMGR" place --strategy zz "$SRC/examples/seed.json"
expect_error "params on a strategy without any" 2 "first-fit: unknown parameter 'x'" "$VMGR" place --params x=1 "$SRC/examples/seed.json"
expect_error "no file" 2 "expected one scenario file" "$VMGR" place
expect_error "bad seed" 2 "--seed: expected a non-negative integer" "$VMGR" place --seed -1 "$SRC/examples/seed.json"
expect_error "why-not unknown VM" 1 "no VM named 'Z'" "$VMGR" why-not "$SRC/examples/seed.json" Z pm0
expect_error "why-not unknown host" 1 "no host named 'pm9'" "$VMGR" why-not "$SRC/examples/seed.json" A pm9
expect_error "why-not missing args" 2 "expected SCENARIO VM HOST" "$VMGR" why-not A
printf '{"preset":"nope","hosts":[]}' >"$T/preset.json"
expect_error "unknown preset" 1 "preset: unknown preset 'nope' (valid: cloud, distributed, hpc)" "$VMGR" place "$T/preset.json"
expect_error "sim: missing trace file" 1 "cannot open" "$VMGR" sim --trace csv:$T/none.csv --hosts 2x4:8
expect_error "sim: unknown trace format" 1 "unknown" "$VMGR" sim --trace nope:$T/x --hosts 2x4:8
expect_error "sim: bad host spec" 1 "expected g4, g5 or CORES:GIB" "$VMGR" sim --trace synthetic:vms=5 --hosts 2x4
expect_error "sim: no trace" 2 "expected --trace" "$VMGR" sim --hosts 2x4:8
printf 'name,arrive_s,depart_s,cpu_milli,memory_mib\na,0,10,1000,512\nb,zz,10,1,1\n' >"$T/bad.csv"
expect_error "sim: malformed trace line" 1 "bad.csv:3" "$VMGR" sim --trace csv:$T/bad.csv --hosts 2x4:8
expect_error "unknown verb" 2 "unknown verb" sh -c "\"$VMGR\" frobnicate 2>&1 >/dev/null | head -n 1 >&2; exit 2"

echo "1..$n"
[ "$failed" = 0 ]
