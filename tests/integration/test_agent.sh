#!/bin/sh
# test_agent.sh - vmgrd --role agent with real QEMU guests, through its HTTP API (TAP).
# usage: test_agent.sh VMGRD GUEST_DIR
# Boots the default guest (scripts/guest-image) several times, in parallel
# where it can: lifecycle, heartbeat, kill -9 detection, a silent guest, a
# flooding console, pvpanic with restart, bad specs, the token on TCP, and
# that no QEMU outlives a killed agent. Skips only when QEMU cannot run.
set -u
VMGRD=$1
GUEST=$2
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi; }
diag() { echo "# $*"; }

command -v qemu-system-x86_64 >/dev/null 2>&1 || {
	echo "1..0 # SKIP qemu-system-x86_64 is not installed"
	exit 0
}
command -v curl >/dev/null 2>&1 || {
	echo "1..0 # SKIP curl is not installed"
	exit 0
}
if ! qemu-system-x86_64 -M microvm -accel tcg -display none -nodefaults \
	-S -no-user-config -qmp none -daemonize -pidfile /dev/null \
	-serial none -monitor none </dev/null >/dev/null 2>&1; then
	:
fi
[ -f "$GUEST/vmlinuz" ] && [ -f "$GUEST/initrd.img" ] || {
	echo "not ok 1 - the default guest is missing in $GUEST (scripts/guest-image)"
	echo "1..1"
	exit 1
}

T=$(mktemp -d /tmp/vmgr-agent-test.XXXXXX)
chmod 755 "$T"
AGENT_PID=
cleanup() {
	[ -n "$AGENT_PID" ] && kill -9 "$AGENT_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
SOCK=$T/agent.sock
printf 'test-token-0123456789abcdef\n' >"$T/token"

"$VMGRD" --role agent --socket "$SOCK" --listen 127.0.0.1:0 \
	--token-file "$T/token" --state-dir "$T/state" \
	--kernel "$GUEST/vmlinuz" --initrd "$GUEST/initrd.img" \
	--log-level info 2>"$T/agent.log" &
AGENT_PID=$!
i=0
while ! grep -q 'agent ready' "$T/agent.log" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
grep -q 'agent ready' "$T/agent.log"
check $? "vmgrd --role agent starts and listens" || {
	sed 's/^/# /' "$T/agent.log"
	echo "1..$n"
	exit 1
}
PORT=$(sed -n 's/.*tcp port \([0-9]*\).*/\1/p' "$T/agent.log" | head -n 1)

# api METHOD PATH [BODY]: the body on stdout, the status in $T/code.
api() {
	if [ $# -ge 3 ]; then
		curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$SOCK" \
			-X "$1" -H 'Content-Type: application/json' \
			--data-binary "$3" "http://agent$2" >"$T/code"
	else
		curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$SOCK" \
			-X "$1" "http://agent$2" >"$T/code"
	fi
	cat "$T/body"
}
code() { cat "$T/code"; }
# field JSON KEY: a top-level scalar of compact JSON (numbers, strings, bools).
field() { printf '%s' "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p" | head -n 1; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# wait_for VM KEY VALUE SECONDS: polls GET /v1/vms/VM until KEY is VALUE.
wait_for() {
	end=$(($(now_ms) + $4 * 1000))
	while [ "$(now_ms)" -lt "$end" ]; do
		v=$(field "$(api GET "/v1/vms/$1")" "$2")
		[ "$v" = "$3" ] && return 0
		sleep 0.1
	done
	diag "$1: $2 is '$v', wanted '$3' within $4 s"
	return 1
}
has_event() { api GET "/v1/events?since=0&max=1024" | grep -q "$1"; }

# --- bad requests: refused with a 4xx naming the field ---------------------
expect() { # name want_code field_or_text method path [body]
	name=$1 want=$2 pat=$3
	shift 3
	out=$(api "$@")
	if [ "$(code)" = "$want" ] && printf '%s' "$out" | grep -q -- "$pat"; then
		ok "$name: $want $out"
	else
		not_ok "$name: got $(code) $out (want $want, '$pat')"
	fi
}
expect "missing kernel" 400 '"field":"kernel"' POST /v1/vms \
	'{"name":"x","vcpus":1,"memory_mib":128,"kernel":"/nonexistent/vmlinuz"}'
expect "zero memory" 400 '"field":"memory_mib"' POST /v1/vms \
	'{"name":"x","vcpus":1,"memory_mib":0}'
expect "more vcpus than the host" 409 '"field":"vcpus"' POST /v1/vms \
	"{\"name\":\"x\",\"vcpus\":$(($(nproc) + 1)),\"memory_mib\":128}"
expect "unknown policy" 400 '"field":"cpu.policy"' POST /v1/vms \
	'{"name":"x","vcpus":1,"memory_mib":128,"cpu":{"policy":"lottery"}}'
expect "unknown key" 400 '"field":"colour"' POST /v1/vms \
	'{"name":"x","vcpus":1,"memory_mib":128,"colour":"red"}'
expect "missing name" 400 '"field":"name"' POST /v1/vms '{"vcpus":1}'
expect "malformed JSON" 400 '"field":"(body)"' POST /v1/vms '{"name":'
expect "cpu outside the host" 400 '"field":"cpu.cpus"' POST /v1/vms \
	'{"name":"x","vcpus":1,"memory_mib":128,"cpu":{"cpus":"1000"}}'
head -c 70000 /dev/zero | tr '\0' ' ' >"$T/big"
expect "body over the limit" 413 'limit' POST /v1/vms "$(cat "$T/big")"
expect "unknown VM" 404 'no such VM' GET /v1/vms/nobody
expect "unknown route" 404 'no such route' GET /v2/x
expect "bad query" 400 '"field":"since"' GET '/v1/events?since=abc'
c=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v1/vms")
[ "$c" = 401 ]
check $? "TCP without the bearer token: 401 (got $c)"
c=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong-token-0123456789" "http://127.0.0.1:$PORT/v1/vms")
[ "$c" = 401 ]
check $? "TCP with a wrong token: 401 (got $c)"
c=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer test-token-0123456789abcdef" "http://127.0.0.1:$PORT/v1/vms")
[ "$c" = 200 ]
check $? "TCP with the token: 200 (got $c)"
out=$(api GET /v1/agent)
diag "accelerator: $out"

# --- boot four guests at once ----------------------------------------------
spec() { # name workload [extra json]
	printf '{"name":"%s","vcpus":1,"memory_mib":128,"workload":"%s"%s}' "$1" "$2" "${3:-}"
}
api POST /v1/vms "$(spec life idle)" >/dev/null
check $([ "$(code)" = 201 ] && echo 0 || echo 1) "create life: 201 ($(code) $(head -c 200 "$T/body"))"
api POST /v1/vms "$(spec k idle)" >/dev/null
check $([ "$(code)" = 201 ] && echo 0 || echo 1) "create k: 201"
api POST /v1/vms "$(spec quiet silent:3 ',"heartbeat_timeout_ms":2500')" >/dev/null
check $([ "$(code)" = 201 ] && echo 0 || echo 1) "create quiet (stops beating after 3 s): 201"
api POST /v1/vms "$(spec flood flood ',"console_max_bytes":65536')" >/dev/null
check $([ "$(code)" = 201 ] && echo 0 || echo 1) "create flood (console cap 64 KiB): 201"
expect "duplicate name" 409 '"field":"name"' POST /v1/vms "$(spec life idle)"

out=$(api GET /v1/vms/life)
pid=$(field "$out" pid)
user=$(ps -o user= -p "$pid" 2>/dev/null | tr -d ' ')
diag "QEMU of life: pid $pid, user $user"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	[ "$user" = nobody ]
	check $? "QEMU runs as the unprivileged user nobody (got '$user')"
fi
tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- '-sandbox on'
check $? "QEMU runs with its seccomp sandbox on"
grep -q vmgr- "/proc/$pid/cgroup"
check $? "QEMU runs in the agent's cgroups: $(grep vmgr- "/proc/$pid/cgroup" | tr '\n' ' ')"

wait_for life booted true 60
check $? "life boots (boot marker seen)"
wait_for life heartbeat ok 10 && sleep 2.2
b1=$(field "$(api GET /v1/vms/life)" beats)
[ "${b1:-0}" -ge 2 ]
check $? "life beats every second ($b1 beats)"

# --- pause / resume --------------------------------------------------------
out=$(api POST /v1/vms/life/pause)
[ "$(field "$out" state)" = paused ]
check $? "pause: state paused"
b1=$(field "$(api GET /v1/vms/life)" beats)
sleep 2
b2=$(field "$(api GET /v1/vms/life)" beats)
[ "$b1" = "$b2" ]
check $? "a paused guest does not beat ($b1 -> $b2)"
expect "pause twice" 409 'not running' POST /v1/vms/life/pause
out=$(api POST /v1/vms/life/resume)
[ "$(field "$out" state)" = running ]
check $? "resume: state running"
sleep 2.2
b3=$(field "$(api GET /v1/vms/life)" beats)
[ "$b3" -gt "$b2" ]
check $? "a resumed guest beats again ($b2 -> $b3)"
has_event '"vm":"life","type":"paused"' && has_event '"vm":"life","type":"resumed"'
check $? "paused and resumed events"

# --- kill -9 of QEMU is seen within a second -------------------------------
wait_for k booted true 60 >/dev/null
kpid=$(field "$(api GET /v1/vms/k)" pid)
last=$(field "$(api GET '/v1/events?since=0&max=1')" last)
t0=$(now_ms)
kill -9 "$kpid"
seen=
while [ $(($(now_ms) - t0)) -lt 3000 ]; do
	out=$(api GET "/v1/events?since=$last&wait_ms=1000&max=1024")
	if printf '%s' "$out" | grep -q '"vm":"k","type":"exited","data":{"signal":9}'; then
		seen=$(($(now_ms) - t0))
		break
	fi
	last=$(field "$out" last)
done
[ -n "$seen" ] && [ "$seen" -le 1000 ]
check $? "kill -9 of QEMU reported as exited with signal 9 within 1 s (${seen:-never} ms)"
wait_for k state failed 2
check $? "k is failed (restart policy never)"

# --- a guest that stops beating while QEMU lives ---------------------------
wait_for quiet heartbeat lost 60
check $? "quiet: heartbeat lost reported"
qpid=$(field "$(api GET /v1/vms/quiet)" pid)
kill -0 "$qpid" 2>/dev/null && [ "$(field "$(api GET /v1/vms/quiet)" state)" = running ]
check $? "quiet: QEMU still lives and the VM is running"
has_event '"vm":"quiet","type":"heartbeat-lost"'
check $? "quiet: heartbeat-lost event"

# --- the console log stays within its cap under a flood --------------------
wait_for flood booted true 60 >/dev/null
end=$(($(now_ms) + 20000))
while [ "$(now_ms)" -lt "$end" ]; do
	b=$(field "$(api GET /v1/vms/flood)" console_bytes)
	[ "${b:-0}" -gt 400000 ] && break
	sleep 0.2
done
dir=$T/state/vms/flood
sz=$(($(stat -c %s "$dir/console.log") + $(stat -c %s "$dir/console.log.1" 2>/dev/null || echo 0)))
[ "${b:-0}" -gt 400000 ] && [ "$sz" -le 65536 ]
check $? "flood: $b bytes written by the guest, $sz bytes on disk (cap 65536)"

# --- graceful stop: ACPI power button -> guest powers off ------------------
out=$(api POST /v1/vms/life/stop)
[ "$(field "$out" state)" = stopping ]
check $? "stop: state stopping"
wait_for life state stopped 15
check $? "life stops gracefully"
out=$(api GET /v1/vms/life)
[ "$(field "$out" exit_status)" = 0 ] && has_event '"vm":"life","type":"powerdown"'
check $? "life exited with status 0 after the power button"

# --- pvpanic + restart on failure with backoff -----------------------------
api POST /v1/vms "$(spec pan panic ',"restart":{"policy":"on-failure","backoff_ms":200,"max_restarts":1}')" >/dev/null
check $([ "$(code)" = 201 ] && echo 0 || echo 1) "create pan (panics, restart on-failure once)"
wait_for pan state failed 90
check $? "pan: panicked, restarted once, then failed at the restart limit"
has_event '"vm":"pan","type":"panicked"' && has_event '"vm":"pan","type":"restarting"' &&
	has_event '"reason":"restart limit reached"'
check $? "pan: panicked, restarting and restart-limit events"
[ "$(field "$(api GET /v1/vms/pan)" restarts)" = 1 ]
check $? "pan: restarted exactly once"

# --- delete ----------------------------------------------------------------
api DELETE /v1/vms/k >/dev/null
[ "$(code)" = 200 ] && [ ! -d "$T/state/vms/k" ]
check $? "delete k: 200 and its state directory is gone"
expect "k is gone" 404 'no such VM' GET /v1/vms/k

# --- no QEMU outlives its agent --------------------------------------------
pids=""
for v in quiet flood; do
	pids="$pids $(field "$(api GET /v1/vms/$v)" pid)"
done
kill -9 "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
AGENT_PID=
alive=
end=$(($(now_ms) + 3000))
while [ "$(now_ms)" -lt "$end" ]; do
	alive=
	for p in $pids; do
		kill -0 "$p" 2>/dev/null && alive="$alive $p"
	done
	[ -z "$alive" ] && break
	sleep 0.05
done
[ -z "$alive" ]
check $? "kill -9 of the agent: its QEMU processes ($pids) are gone${alive:+; alive:$alive}"

# --- the next agent sweeps the dead agent's cgroups, then leaves cleanly ---
old=$(sed -n 's/.*cgroup\/cpu\/\(vmgr-[0-9]*\).*/\1/p' "$T/agent.log" | head -n 1)
"$VMGRD" --role agent --socket "$T/agent2.sock" --state-dir "$T/state2" \
	--log-level info 2>"$T/agent2.log" &
AGENT_PID=$!
i=0
while ! grep -q 'agent ready' "$T/agent2.log" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
AGENT_PID=
left=$(ls -d /sys/fs/cgroup/*/vmgr-* /sys/fs/cgroup/memory/*/*/vmgr-* 2>/dev/null |
	grep -E "/(${old:-none}|vmgr-[0-9]+)$" | while read -r g; do
		p=${g##*/vmgr-}
		kill -0 "$p" 2>/dev/null || echo "$g"
	done)
[ "$rc" = 0 ] && [ -z "$left" ]
check $? "a new agent removes a dead agent's cgroups and exits 0 on SIGTERM${left:+; left: $left}"

echo "1..$n"
[ "$failed" = 0 ]
