#!/bin/sh
# test_manager.sh - vmgrd (manager + this host's agent) end to end with real guests, the CLI and the API (TAP).
# usage: test_manager.sh VMGRD VMGR GUEST_DIR SOURCE_ROOT
# The seed's queueing with real QEMU guests; create/list/stop/delete through
# the CLI; every malformed request's status and field; the token on TCP;
# kill -9 of the daemon during a burst of 500 operations: every acknowledged
# one survives and nothing runs twice.
set -u
VMGRD=$1
VMGR=$2
GUEST=$3
SRC=$4
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi; }

command -v qemu-system-x86_64 >/dev/null 2>&1 || {
	echo "1..0 # SKIP qemu-system-x86_64 is not installed"
	exit 0
}
command -v curl >/dev/null 2>&1 || {
	echo "1..0 # SKIP curl is not installed"
	exit 0
}
[ -f "$GUEST/vmlinuz" ] || {
	echo "not ok 1 - the default guest is missing in $GUEST"
	echo "1..1"
	exit 1
}

T=$(mktemp -d /tmp/vmgr-manager-test.XXXXXX)
chmod 755 "$T"
PID=
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
printf 'api-token-0123456789\n' >"$T/token"
SOCK=$T/var/vmgrd.sock
V="$VMGR --socket $SOCK"

start() {
	"$VMGRD" --state-dir "$T/var" --offer 1000:1024 --host-name pm0 \
		--listen 127.0.0.1:0 --token-file "$T/token" \
		--kernel "$GUEST/vmlinuz" --initrd "$GUEST/initrd.img" \
		--log-level info 2>>"$T/log" &
	PID=$!
	i=0
	while ! grep -q 'manager ready' "$T/log" 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	PORT=$(sed -n 's/.*tcp port \([0-9]*\).*/\1/p' "$T/log" | tail -n 1)
}
# wait_for SECONDS COMMAND...: until the command succeeds.
wait_for() {
	t=$(($1 * 10))
	shift
	while ! "$@" >/dev/null 2>&1; do
		t=$((t - 1))
		[ $t -le 0 ] && return 1
		sleep 0.1
	done
}
status_is() { $V vm show "$1" --json | grep -q "\"status\":\"$2\""; }
event_seen() { $V events | grep -q -- "$1"; }

start
[ -n "$PORT" ]
check $? "vmgrd starts: manager and agent, unix socket and tcp" || {
	sed 's/^/# /' "$T/log"
	echo "1..$n"
	exit 1
}

# The seed: A runs, B waits for the CPU, then runs when A's workload ends.
$V vm create --from "$SRC/examples/seed.json" >"$T/out" 2>&1
check $? "vm create --from examples/seed.json"
status_is B queued
check $? "B is queued: the one core is taken"
$V why-not B pm0 | grep -q 'cpu needs 1000m, 0m free'
check $? "why-not B pm0 says why"
wait_for 30 event_seen "A booted on pm0"
check $? "A boots (a real guest)"
wait_for 40 event_seen "B booted on pm0"
check $? "B boots once A's workload has ended"
$V events >"$T/events"
a_stop=$(grep -n 'A stopped on pm0' "$T/events" | cut -d: -f1)
b_place=$(grep -n 'B placed on pm0' "$T/events" | cut -d: -f1)
[ -n "$a_stop" ] && [ -n "$b_place" ] && [ "$a_stop" -lt "$b_place" ]
check $? "B was placed after A stopped (events in order)"
wait_for 30 status_is B stopped
check $? "B stops when its workload ends"

# create, list, stop, delete through the CLI
$V vm create C --cpu-milli 500 --memory-mib 256 --workload sleep:300 >/dev/null
check $? "vm create C"
wait_for 30 status_is C running
check $? "C runs"
$V vm list | grep -q '^C  *running  *pm0'
check $? "vm list shows C running on pm0"
wait_for 30 sh -c "$V vm console C | grep -q 'vmgr-guest: boot ok'"
check $? "vm console C shows the guest's boot line"
wait_for 30 sh -c "$V vm console C | grep -q 'vmgr-heartbeat'"
b0=$($V vm console C | sed -n 's/.*vmgr-heartbeat \([0-9]*\).*/\1/p' | tail -n 1)
timeout 3 $V vm console C -f >"$T/console" 2>&1
b1=$(sed -n 's/.*vmgr-heartbeat \([0-9]*\).*/\1/p' "$T/console" | tail -n 1)
[ -n "$b0" ] && [ -n "$b1" ] && [ "$b1" -gt "$b0" ]
check $? "vm console C -f follows the console (heartbeat $b0, then $b1)"
$V vm console nosuch >/dev/null 2>&1
[ $? = 3 ]
check $? "vm console of an unknown VM: exit 3"
$V vm stop C >/dev/null
check $? "vm stop C"
wait_for 30 status_is C stopped
check $? "C stops (ACPI power-off of the guest)"
$V vm delete C >/dev/null
check $? "vm delete C"
$V vm show C >/dev/null 2>&1
[ $? = 3 ]
check $? "vm show C after delete: exit 3 (not found)"

# Bad input: status and the field named.
api() { # METHOD PATH [BODY] [TOKEN]: body in $T/body, status in $T/code
	if [ -n "${4:-}" ]; then
		auth="Authorization: Bearer $4"
	else
		auth="X-None: 1"
	fi
	curl -s -o "$T/body" -w '%{http_code}' -X "$1" -H "$auth" \
		-H 'Content-Type: application/json' ${3:+--data-binary "$3"} \
		"http://127.0.0.1:$PORT$2" >"$T/code"
}
TOK=api-token-0123456789
expect() { # NAME STATUS FIELD_PATTERN
	if [ "$(cat "$T/code")" = "$2" ] && grep -q -- "$3" "$T/body"; then
		ok "$1: $2 $(head -n 1 "$T/body" | cut -c1-200)"
	else
		not_ok "$1: got $(cat "$T/code") $(head -n 1 "$T/body" | cut -c1-200), want $2 and $3"
	fi
}
api POST /v1/vms '{"name":' "$TOK"
expect "truncated JSON" 400 '"field":"body"'
api POST /v1/vms '{"name":"x","cpu_milli":1000,"memory_mib":-5}' "$TOK"
expect "negative memory" 400 '"field":"memory_mib"'
api POST /v1/vms '{"name":"x","cpu_milli":1000}' "$TOK"
expect "missing memory" 400 '"field":"memory_mib"'
api POST /v1/vms '{"name":"x y","cpu_milli":1,"memory_mib":1}' "$TOK"
expect "bad name" 400 '"field":"name"'
api POST /v1/vms '{"name":"x","cpu_milli":1,"memory_mib":1,"colour":1}' "$TOK"
expect "unknown key" 400 '"field":"colour"'
api POST /v1/vms '{"name":"A","cpu_milli":1,"memory_mib":1}' "$TOK"
expect "duplicate name" 409 '"field":"name"'
api GET /v1/vms/nope
expect "unknown VM" 404 'no VM called'
api GET /v1/plans
expect "no plan yet" 200 '"state":"none"'
api POST /v1/plans '{"time_limit_s":-1}' "$TOK"
expect "plan: negative time limit" 400 '"field":"time_limit_s"'
api POST /v1/plans '{"apply":"yes"}' "$TOK"
expect "plan: apply not a boolean" 400 '"field":"apply"'
api POST /v1/plans '{"shape":1}' "$TOK"
expect "plan: unknown key" 400 '"field":"shape"'
api POST /v1/plans '{"target_hosts":0}' "$TOK"
expect "plan: no hosts" 400 '"field":"target_hosts"'
api POST /v1/plans '{}'
expect "plan: no token on TCP" 401 'bearer token'
api POST /v1/vms '{"name":"z","cpu_milli":1,"memory_mib":1}'
expect "no token on TCP" 401 'bearer token'
api POST /v1/vms '{"name":"z","cpu_milli":1,"memory_mib":1}' wrong
expect "wrong token" 401 'bearer token'
api GET /v1/vms
expect "reads need no token" 200 '"name":"A"'
head -c 70000 /dev/zero | tr '\0' 'a' >"$T/big"
curl -s -o "$T/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOK" \
	--data-binary @"$T/big" "http://127.0.0.1:$PORT/v1/vms" >"$T/code"
expect "oversized body" 413 'larger than 64 KiB'
api DELETE /v1/hosts "" "$TOK"
expect "wrong method on a route" 404 'no such route'
api PUT /v1/vms '{}' "$TOK"
expect "method not allowed" 405 'method not allowed'
api GET /metrics
expect "metrics in Prometheus text" 200 '^vmgr_vms{status="stopped"} '

# Crash safety: a running VM, then 500 creates in flight and kill -9.
$V vm create R --cpu-milli 500 --memory-mib 256 --workload sleep:600 >/dev/null
wait_for 30 status_is R running
check $? "R runs before the crash"
: >"$T/acked"
for w in 1 2 3 4; do
	(
		i=0
		while [ $i -lt 125 ]; do
			name="burst-$w-$i"
			code=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
				-H "Authorization: Bearer $TOK" \
				--data-binary "{\"name\":\"$name\",\"cpu_milli\":100,\"memory_mib\":64,\"start\":false}" \
				"http://127.0.0.1:$PORT/v1/vms" 2>/dev/null)
			[ "$code" = 201 ] && echo "$name" >>"$T/acked.$w"
			i=$((i + 1))
		done
	) &
done
sleep 1
kill -9 "$PID"
wait "$PID" 2>/dev/null
PID=
wait
cat "$T"/acked.* >"$T/acked" 2>/dev/null
acked=$(wc -l <"$T/acked")
[ "$acked" -gt 0 ] && [ "$acked" -lt 500 ]
check $? "the daemon died mid-burst ($acked of 500 acknowledged)"
start
wait_for 10 $V vm list
check $? "vmgrd restarts on the same store"
$V vm list --json >"$T/list"
missing=0
while read -r name; do
	grep -q "\"name\":\"$name\"" "$T/list" || missing=$((missing + 1))
done <"$T/acked"
[ "$missing" = 0 ]
check $? "every acknowledged create is there after the restart ($missing missing)"
wait_for 30 status_is R running
check $? "R runs again after the restart"
runs=$(curl -s --unix-socket "$T/var/agent.sock" http://a/v1/vms | grep -o '"name":"R"' | wc -l)
[ "$runs" = 1 ]
check $? "R runs exactly once ($runs)"
[ "$runs" = 1 ] || { curl -s --unix-socket "$T/var/agent.sock" http://a/v1/vms | head -c 600; echo; grep -n "R \|R)" "$T/log" | tail -n 20; } | sed "s/^/# /"
[ "$(pgrep -f 'qemu-system-x86_64 -name R ' | wc -l)" -le 1 ]
check $? "at most one QEMU process for R"

kill -TERM "$PID"
wait "$PID"
check $? "SIGTERM stops vmgrd cleanly"
PID=
[ ! -S "$SOCK" ]
check $? "the API socket is removed"
echo "1..$n"
[ "$failed" = 0 ]
