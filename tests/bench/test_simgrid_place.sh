#!/bin/sh
# test_simgrid_place.sh - bench_simgrid_place: first fit without a queue in SimGrid, against known outcomes (TAP).
# usage: test_simgrid_place.sh PATH/TO/bench_simgrid_place
# Skips when the program was not built: it is only built when
# libsimgrid-dev is installed (scripts/setup-simgrid). Meson 1.0's TAP
# protocol reports a TAP test that exits 77 as an ERROR, not a skip: the
# skip is the "1..0 # SKIP" plan with exit status 0.
set -u
BIN=$1
if [ ! -x "$BIN" ]; then
	echo "1..0 # SKIP bench_simgrid_place not built (libsimgrid-dev missing: run scripts/setup-simgrid, then reconfigure)"
	exit 0
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi; }
field() { sed -n "s/.*\"$1\":\"*\([^,\"}]*\).*/\1/p" "$2"; }
# expect NAME OUT FIELD=VALUE...: every field of the JSON line has its value.
expect() {
	name=$1 out=$2 bad=""
	shift 2
	for kv in "$@"; do
		got=$(field "${kv%%=*}" "$out")
		[ "$got" = "${kv#*=}" ] || bad="$bad ${kv%%=*}=$got (want ${kv#*=})"
	done
	if [ -z "$bad" ]; then ok "$name"; else not_ok "$name:$bad"; fi
}

# Two hosts of 4 cores and 8 GiB, worked out by hand: VM 3 leaves at 5,
# when VM 6 arrives, so VM 6 fits (departures first); VM 4 never leaves;
# VM 5 finds no free core, VM 7 no memory, VM 8 is larger than a host.
cat >"$T/tiny.csv" <<'CSV'
arrive_s,depart_s,cpu_milli,memory_mib
0,10,2000,4096
0,10,3000,1024
1,5,1500,2048
2,,500,1024
3,8,1000,1024
5,9,2000,2048
6,7,1000,8192
6,7,5000,1024
10,12,4000,8192
11,12,1000,1
CSV
# Departures that tie with arrivals, the leaving VMs having started after
# the scheduler went to sleep: they must still leave first.
cat >"$T/tie.csv" <<'CSV'
arrive_s,depart_s,cpu_milli,memory_mib
3,5,4000,1024
3,5,4000,1024
5,9,4000,2048
5,9,4000,2048
CSV
for dep in heap actors; do
	"$BIN" --hosts 2:4:8 --workload "$T/tiny.csv" --departures $dep \
		>"$T/out" 2>"$T/err"
	check $? "tiny workload, departures=$dep: exits 0"
	[ "$(wc -l <"$T/out")" = 1 ] && grep -q '^{"bench":"simgrid_place","case":"hosts=2/vms=10","metric":"wall_s","value":[0-9.e+-]*,"placed":' "$T/out"
	check $? "tiny workload, departures=$dep: one JSON line on stdout" ||
		sed 's/^/# /' "$T/out" "$T/err"
	expect "tiny workload, departures=$dep: first-fit outcome" "$T/out" \
		placed=7 refused=3 too_big=1 departed=6 departures=$dep
	"$BIN" --hosts 2:4:8 --workload "$T/tie.csv" --departures $dep \
		>"$T/out" 2>"$T/err"
	expect "ties, departures=$dep: departures happen before arrivals" \
		"$T/out" placed=4 refused=0 departed=4
done

# A generated workload on hosts too small for it, against an independent
# first fit in awk (departures at or before an arrival free capacity first).
"$BIN" --generate 400 7 >"$T/gen.csv" 2>"$T/err"
check $? "--generate 400 7 exits 0"
"$BIN" --generate 400 7 >"$T/gen2.csv" 2>/dev/null
cmp -s "$T/gen.csv" "$T/gen2.csv"
check $? "--generate is deterministic for a seed"
"$BIN" --generate 400 8 >"$T/gen3.csv" 2>/dev/null
! cmp -s "$T/gen.csv" "$T/gen3.csv"
check $? "--generate differs for another seed"
[ "$(head -n 1 "$T/gen.csv")" = "arrive_s,depart_s,cpu_milli,memory_mib" ] &&
	[ "$(wc -l <"$T/gen.csv")" = 401 ]
check $? "--generate prints the header and 400 VMs"
HOSTS=12:16:48
awk -F, -v hosts=$HOSTS '
BEGIN { split(hosts, hs, ":"); nh = hs[1]
	for (h = 0; h < nh; h++) { fc[h] = hs[2]; fm[h] = hs[3] * 1024 } }
NR == 1 { next }
{	a = $1 + 0
	for (j = 1; j <= nv; j++)
		if (on[j] && dep[j] != "" && dep[j] + 0 <= a) {
			fc[host[j]] += c[j]; fm[host[j]] += m[j]; on[j] = 0
		}
	nv++; dep[nv] = $2; c[nv] = int(($3 + 999) / 1000); m[nv] = $4 + 0
	for (h = 0; h < nh; h++)
		if (fc[h] >= c[nv] && fm[h] >= m[nv])
			break
	if (h < nh) {
		host[nv] = h; on[nv] = 1; fc[h] -= c[nv]; fm[h] -= m[nv]; p++
	} else
		r++
}
END { printf "%d %d\n", p, r }' "$T/gen.csv" >"$T/ref"
read -r want_p want_r <"$T/ref"
[ "$want_r" -gt 0 ] && [ "$want_p" -gt 0 ]
check $? "the generated workload has both placements and refusals ($want_p, $want_r)"
for dep in heap actors; do
	"$BIN" --hosts $HOSTS --workload "$T/gen.csv" --departures $dep \
		>"$T/out" 2>"$T/err"
	expect "generated workload, departures=$dep: same as the awk first fit" \
		"$T/out" placed=$want_p refused=$want_r case=hosts=12/vms=400
done
grep -q 'VMs arrived' "$T/err"
check $? "progress goes to stderr"

# Input errors name the file and line, and exit 2.
bad() {
	name=$1 want=$2
	"$BIN" --hosts 2:4:8 --workload "$T/bad.csv" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc = 2 ] && [ ! -s "$T/out" ] && grep -q -- "$want" "$T/err"; then
		ok "$name"
	else
		not_ok "$name (exit $rc)"
		sed 's/^/# /' "$T/err"
	fi
}
printf 'arrive,depart,cpu,mem\n0,1,1000,1\n' >"$T/bad.csv"
bad "a wrong header is refused" "bad.csv:1:1: expected the header line"
printf 'arrive_s,depart_s,cpu_milli,memory_mib\n0,1,1000,1\n0,2,x,1\n' >"$T/bad.csv"
bad "a bad cpu_milli names line and column" "bad.csv:3:5: cpu_milli: expected an integer"
printf 'arrive_s,depart_s,cpu_milli,memory_mib\n5,9,1000,1\n4,9,1000,1\n' >"$T/bad.csv"
bad "decreasing arrivals are refused" "bad.csv:3:1: arrive_s 4 is before the previous VM's 5"
printf 'arrive_s,depart_s,cpu_milli,memory_mib\n5,5,1000,1\n' >"$T/bad.csv"
bad "a departure not after the arrival is refused" "bad.csv:2:3: depart_s 5 is not after arrive_s 5"
printf 'arrive_s,depart_s,cpu_milli,memory_mib\n0,1,1000\n' >"$T/bad.csv"
bad "a short line is refused" "bad.csv:2:9: 3 fields, expected 4"
printf 'arrive_s,depart_s,cpu_milli,memory_mib\n-1,1,1000,1\n' >"$T/bad.csv"
bad "a negative time is refused" "bad.csv:2:1: arrive_s: expected a number of seconds"
: >"$T/bad.csv"
bad "an empty file is refused" "bad.csv:1: empty file"
"$BIN" --hosts 2:0:8 --workload "$T/tiny.csv" >"$T/out" 2>"$T/err"
[ $? = 2 ] && grep -q "CORES must be an integer from 1" "$T/err"
check $? "--hosts with 0 cores is refused"
"$BIN" --hosts 2:4 >"$T/out" 2>"$T/err"
[ $? = 2 ] && grep -q "expected COUNT:CORES:MEM_GIB" "$T/err"
check $? "--hosts without MEM_GIB is refused"
"$BIN" --workload "$T/missing.csv" >"$T/out" 2>"$T/err"
[ $? = 1 ] && grep -q "missing.csv: No such file" "$T/err"
check $? "a missing workload file is reported"
"$BIN" --frobnicate >"$T/out" 2>"$T/err"
[ $? = 2 ] && grep -q "unknown argument '--frobnicate'" "$T/err"
check $? "an unknown option is refused"
"$BIN" --help >"$T/out" 2>"$T/err"
[ $? = 0 ] && grep -q "^usage: bench_simgrid_place" "$T/out"
check $? "--help prints the usage"

echo "1..$n"
[ "$failed" = 0 ]
