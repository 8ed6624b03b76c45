#!/bin/sh
# test_diagnose.sh - `vmgr diagnose` as a user meets it: golden output on the shipped model, bad input (TAP).
# usage: test_diagnose.sh VMGR SOURCE_ROOT
set -u
VMGR=$1
SRC=$2
MODEL=$SRC/models/vmgr-diagnosis.bif
EV='AgentHeartbeatsMissed=yes;PeersCannotReach=yes;GuestHeartbeatMissing=yes'
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi; }

# golden: a host gone silent, text and JSON
"$VMGR" diagnose --bif "$MODEL" --evidence "$EV" >"$T/out" 2>"$T/err"
check $? "diagnose exits 0"
diff -u "$SRC/tests/golden/diagnose.txt" "$T/out" >"$T/diff"
check $? "diagnose prints the golden text" || sed 's/^/# /' "$T/diff"
[ ! -s "$T/err" ]
check $? "nothing on stderr for a clean model"
"$VMGR" diagnose --json --bif "$MODEL" --evidence "$EV" >"$T/out" 2>"$T/err"
diff -u "$SRC/tests/golden/diagnose.json" "$T/out" >"$T/diff"
check $? "diagnose --json prints the golden JSON" || sed 's/^/# /' "$T/diff"
grep -q '^{"p_evidence":[0-9.e-]*,"marginals":{"HostHardwareFailure":{"absent":' "$T/out"
check $? "JSON has the documented shape"

# gzip input inflates transparently, stdin works
gzip -c "$MODEL" >"$T/model.bif.gz"
"$VMGR" diagnose --bif "$T/model.bif.gz" --evidence "$EV" >"$T/out" 2>&1
diff -u "$SRC/tests/golden/diagnose.txt" "$T/out" >"$T/diff"
check $? "a gzip'd model gives the same answer" || sed 's/^/# /' "$T/diff"
"$VMGR" diagnose --bif - --evidence "$EV" <"$MODEL" >"$T/out" 2>&1
diff -q "$SRC/tests/golden/diagnose.txt" "$T/out" >/dev/null
check $? "the model on stdin gives the same answer"

# no evidence: the priors; a state containing '=' splits at the first '='
"$VMGR" diagnose --bif "$MODEL" >"$T/out" 2>&1
grep -q '^P(evidence) = 1$' "$T/out" && grep -q '^HostHardwareFailure    absent 0.999603  present 0.000397$' "$T/out"
check $? "without evidence: P = 1 and the priors"
printf 'variable co2 { type discrete [3] { <5, 5-12, >=7.5 }; }\nprobability ( co2 ) { table 0.2, 0.3, 0.5; }\n' >"$T/eq.bif"
"$VMGR" diagnose --json --bif "$T/eq.bif" --evidence 'co2=>=7.5' >"$T/out" 2>&1
[ "$(cat "$T/out")" = '{"p_evidence":0.5,"marginals":{"co2":{"<5":0.0,"5-12":0.0,">=7.5":1.0}}}' ]
check $? "evidence 'co2=>=7.5' names the state '>=7.5'" || sed 's/^/# /' "$T/out"

# a row that sums to 1 - 1e-7 is normalised, with a warning naming the line
printf 'variable a { type discrete [2] { t, f }; }\nprobability ( a ) {\n  table 0.3, 0.6999999;\n}\n' >"$T/near.bif"
"$VMGR" diagnose --bif "$T/near.bif" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 0 ] && grep -q "near.bif:3:3: warning: a row of a sums to 0.9999999; normalised" "$T/err" &&
	grep -q '^a t 0.300000  f 0.700000$' "$T/out"
check $? "near-1 row: normalised, warned on stderr with file:line:col"

# bad input: exit code, exactly one line on stderr, nothing on stdout
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

printf 'variable a { type discrete [2] { t, f } }\n' >"$T/broken.bif"
printf 'variable a { type discrete [2] { t, f }; }\nvariable b { type discrete [2] { t, f }; }\nprobability ( a ) { table 1.0, 0.0; }\nprobability ( b | a ) { (t) 1.0, 0.0; (f) 0.5, 0.5; }\n' >"$T/zero.bif"
printf '\037\213garbage' >"$T/bad.gz"

expect_error "unknown variable" 2 "unknown variable 'Nope' (valid: HostHardwareFailure, HostNetworkPartition," "$VMGR" diagnose --bif "$MODEL" --evidence 'Nope=yes'
expect_error "unknown state" 2 "QemuExit has no state 'segv' (valid: running, exit_ok, exit_error, killed, crashed)" "$VMGR" diagnose --bif "$MODEL" --evidence 'QemuExit=segv'
expect_error "item without '='" 2 "evidence 'QemuExit': expected VAR=state" "$VMGR" diagnose --bif "$MODEL" --evidence 'QemuExit'
expect_error "no --bif" 2 "expected --bif FILE" "$VMGR" diagnose --evidence 'a=t'
expect_error "stray argument" 2 "unexpected argument 'extra'" "$VMGR" diagnose --bif "$MODEL" extra
expect_error "missing file" 1 "cannot open: No such file" "$VMGR" diagnose --bif "$T/missing.bif"
expect_error "malformed file" 1 "broken.bif:1:41: expected ';', got '}'" "$VMGR" diagnose --bif "$T/broken.bif"
expect_error "impossible evidence" 1 "impossible" "$VMGR" diagnose --bif "$T/zero.bif" --evidence 'a=f;b=t;a=f'
expect_error "corrupt gzip" 1 "bad.gz: " "$VMGR" diagnose --bif "$T/bad.gz"

echo "1..$n"
[ "$failed" = 0 ]
