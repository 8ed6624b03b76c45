#!/bin/sh
# test_run_seed.sh - `make run`'s main job (scripts/run-seed) end to end: A boots, B waits for the core, then boots; vmgrd stops (TAP).
# usage: test_run_seed.sh SOURCE_ROOT BUILD_DIR
set -u
SRC=$1
BUILD=$2
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi; }
command -v qemu-system-x86_64 >/dev/null 2>&1 || {
	echo "1..0 # SKIP qemu-system-x86_64 is not installed"
	exit 0
}
T=$(mktemp -d /tmp/vmgr-run-seed.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$SRC" || exit 1
VMGR_STATE="$T/var" timeout 180 scripts/run-seed "$BUILD" >"$T/out" 2>&1
check $? "scripts/run-seed exits 0"
grep -q 'B  *queued  *-  .*refused: 1 host cpu' "$T/out"
check $? "B waits in the queue: the core is taken"
grep -q 'A booted on pm0' "$T/out" && grep -q 'B booted on pm0' "$T/out"
check $? "A and B boot (real guests)"
a=$(grep -n 'A stopped on pm0' "$T/out" | cut -d: -f1)
b=$(grep -n 'B placed on pm0' "$T/out" | cut -d: -f1)
[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
check $? "B is placed after A's workload ended"
grep -q '^run: vmgrd stopped' "$T/out"
check $? "vmgrd stops cleanly"
pgrep -f "vmgrd --state-dir $T/var" >/dev/null
[ $? = 1 ]
check $? "no vmgrd left running"
sed 's/^/# /' "$T/out"

# Stopping it halfway (Ctrl-C sends SIGINT to the foreground job; the
# script treats SIGTERM the same, and a background job here cannot take
# SIGINT): vmgrd and its guests go, nothing is left behind.
VMGR_STATE="$T/var2" scripts/run-seed "$BUILD" >"$T/out2" 2>&1 &
RUN=$!
i=0
while ! grep -q 'A booted on pm0' "$T/out2" && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -TERM "$RUN"
i=0
while kill -0 "$RUN" 2>/dev/null && [ $i -lt 150 ]; do
	sleep 0.1
	i=$((i + 1))
done
! kill -0 "$RUN" 2>/dev/null && grep -q 'run: stopping vmgrd' "$T/out2"
check $? "stopped halfway, run-seed ends within 15 s"
sleep 0.5
! pgrep -f "vmgrd --state-dir $T/var2" >/dev/null &&
	! pgrep -f "qemu-system-x86_64 -name A " >/dev/null
check $? "no vmgrd and no guest left behind"
echo "1..$n"
