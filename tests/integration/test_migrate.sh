#!/bin/sh
# test_migrate.sh - live migration between two vmgrd agents with real QEMU guests, on loopback and across a veth pair between network namespaces (TAP).
# usage: test_migrate.sh VMGRD GUEST_DIR
# A guest printing "vmgr-counter N" every 100 ms migrates from agent A to
# agent B; its counter must go on at B, not start again. A migration to a
# closed port fails and the guest keeps running; a broken incoming stream
# fails the incoming VM with QEMU's reason. Then the same across two
# network namespaces joined by a veth pair (skipped when `ip netns` is not
# permitted). Namespaces and links are removed by name at the start and end.
set -u
VMGRD=$1
GUEST=$2
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
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
[ -f "$GUEST/vmlinuz" ] && [ -f "$GUEST/initrd.img" ] || {
	echo "not ok 1 - the default guest is missing in $GUEST (scripts/guest-image)"
	echo "1..1"
	exit 1
}

NSA=vmgr-mig-a
NSB=vmgr-mig-b
VETH=vmgr-mva
ADDR_A=10.213.7.1
ADDR_B=10.213.7.2
T=$(mktemp -d /tmp/vmgr-migrate-test.XXXXXX)
chmod 755 "$T"
PIDS=
net_cleanup() {
	ip netns del "$NSA" 2>/dev/null
	ip netns del "$NSB" 2>/dev/null
	ip link del "$VETH" 2>/dev/null
	true
}
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	net_cleanup
	rm -rf "$T"
}
trap cleanup EXIT
net_cleanup

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# api SOCK METHOD PATH [BODY]: the body on stdout, the status in $T/code.
api() {
	s=$1
	shift
	if [ $# -ge 3 ]; then
		curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$s" \
			-X "$1" --data-binary "$3" "http://agent$2" >"$T/code"
	else
		curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$s" \
			-X "$1" "http://agent$2" >"$T/code"
	fi
	cat "$T/body"
}
code() { cat "$T/code"; }
field() { printf '%s' "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p" | head -n 1; }
# wait_for SOCK VM KEY VALUE SECONDS
wait_for() {
	end=$(($(now_ms) + $5 * 1000))
	while [ "$(now_ms)" -lt "$end" ]; do
		v=$(field "$(api "$1" GET "/v1/vms/$2")" "$3")
		[ "$v" = "$4" ] && return 0
		sleep 0.1
	done
	diag "$2: $3 is '$v', wanted '$4' within $5 s"
	return 1
}
# wait_event SOCK PATTERN SECONDS: prints the matching events.
wait_event() {
	end=$(($(now_ms) + $3 * 1000))
	while [ "$(now_ms)" -lt "$end" ]; do
		out=$(api "$1" GET "/v1/events?since=0&max=1024")
		if printf '%s' "$out" | grep -q -- "$2"; then
			printf '%s' "$out"
			return 0
		fi
		sleep 0.1
	done
	return 1
}
# counters LOG: every complete "vmgr-counter N" value, one a line.
counters() { tr -d '\r' <"$1" | sed -n 's/^vmgr-counter \([0-9][0-9]*\)$/\1/p'; }

# start_agent NAME PORTS [NETNS ADDR]: vmgrd with its socket and state in $T.
start_agent() {
	name=$1 ports=$2 ns=${3:-} addr=${4:-127.0.0.1}
	set -- "$VMGRD" --role agent --socket "$T/$name.sock" \
		--state-dir "$T/$name" --kernel "$GUEST/vmlinuz" \
		--initrd "$GUEST/initrd.img" --migrate-address "$addr" \
		--migrate-ports "$ports" --log-level info
	if [ -n "$ns" ]; then
		nsenter --net="/run/netns/$ns" "$@" 2>"$T/$name.log" &
	else
		"$@" 2>"$T/$name.log" &
	fi
	PIDS="$PIDS $!"
	echo $! >"$T/$name.pid"
	i=0
	while ! grep -q 'agent ready' "$T/$name.log" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	grep -q 'agent ready' "$T/$name.log"
}
stop_agent() {
	p=$(cat "$T/$1.pid")
	kill -TERM "$p" 2>/dev/null
	wait "$p" 2>/dev/null
}

spec() { # name [extra]
	printf '{"name":"%s","vcpus":1,"memory_mib":256,"workload":"counter"%s}' "$1" "${2:-}"
}

# migrate SRC DST VM LABEL: boots nothing; the VM runs on SRC. Checks the
# whole path and that the counter goes on at DST.
migrate() {
	src=$1 dst=$2 vm=$3 label=$4
	out=$(api "$T/$dst.sock" POST /v1/vms "$(spec "$vm" ',"incoming":true')")
	uri=$(field "$out" incoming_uri)
	[ "$(code)" = 201 ] && [ "$(field "$out" state)" = incoming ] && [ -n "$uri" ]
	check $? "$label: incoming VM on $dst: 201, state incoming, incoming_uri $uri"
	out=$(api "$T/$src.sock" POST "/v1/vms/$vm/migrate" "{\"uri\":\"$uri\",\"max_downtime_ms\":300}")
	[ "$(code)" = 202 ] && [ "$(field "$out" state)" = migrating ]
	check $? "$label: migrate: 202, state migrating ($(code))"
	wait_for "$T/$src.sock" "$vm" state migrated 60
	check $? "$label: the source VM is migrated"
	ev=$(api "$T/$src.sock" GET "/v1/events?since=0&max=1024" | grep -o "\"vm\":\"$vm\",\"type\":\"migrated\",\"data\":{[^}]*}")
	diag "$label: $ev"
	printf '%s' "$ev" | grep -q '"total_ms":[1-9]' &&
		printf '%s' "$ev" | grep -q '"downtime_ms":[0-9]' &&
		printf '%s' "$ev" | grep -q '"transferred_mib":[0-9]' &&
		printf '%s' "$ev" | grep -q "\"target\":\"$uri\""
	check $? "$label: event migrated with total_ms (> 0), downtime_ms, transferred_mib, target"
	wait_for "$T/$dst.sock" "$vm" state running 10
	check $? "$label: the target VM is running"
	wait_event "$T/$dst.sock" "\"vm\":\"$vm\",\"type\":\"started\",\"data\":{[^}]*\"migrated\":true" 5 >/dev/null
	check $? "$label: the target reports started with migrated true"
	wait_for "$T/$src.sock" "$vm" pid 0 5
	check $? "$label: the source QEMU has quit"
	sleep 2
	last_src=$(counters "$T/$src/vms/$vm/console.log" | tail -n 1)
	first_dst=$(counters "$T/$dst/vms/$vm/console.log" | head -n 1)
	last_dst=$(counters "$T/$dst/vms/$vm/console.log" | tail -n 1)
	diag "$label: counter at the source ends at $last_src; at the target $first_dst .. $last_dst"
	[ -n "$last_src" ] && [ -n "$first_dst" ] && [ -n "$last_dst" ] &&
		[ "$first_dst" -ge $((last_src - 2)) ] &&
		[ "$first_dst" -le $((last_src + 20)) ] &&
		[ "$last_dst" -ge $((first_dst + 5)) ] &&
		! tr -d '\r' <"$T/$dst/vms/$vm/console.log" | grep -q 'vmgr-guest: boot ok'
	check $? "$label: the guest's counter continues on the target without a restart"
	wait_for "$T/$dst.sock" "$vm" heartbeat ok 10
	check $? "$label: the target watches the migrated guest's heartbeat"
}

# --- two agents on loopback -------------------------------------------------
start_agent a 49400-49419
check $? "agent a starts"
start_agent b 49420-49439
check $? "agent b starts"
api "$T/a.sock" POST /v1/vms "$(spec m)" >/dev/null
check $([ "$(code)" = 201 ] && echo 0 || echo 1) "create m on a (counter workload)"
wait_for "$T/a.sock" m booted true 60
check $? "m boots on a"
sleep 2
migrate a b m "loopback"

# Errors.
api "$T/b.sock" POST /v1/vms/m/migrate '{"uri":"udp:127.0.0.1:1"}' >/dev/null
[ "$(code)" = 400 ] && grep -q '"field":"uri"' "$T/body"
check $? "a bad uri is refused: 400 naming uri ($(cat "$T/body"))"
api "$T/b.sock" POST /v1/vms/m/migrate '{"uri":"tcp:127.0.0.1:1","max_downtime_ms":0}' >/dev/null
[ "$(code)" = 400 ] && grep -q '"field":"max_downtime_ms"' "$T/body"
check $? "max_downtime_ms 0 is refused: 400"
api "$T/b.sock" POST /v1/vms/nobody/migrate '{"uri":"tcp:127.0.0.1:1"}' >/dev/null
[ "$(code)" = 404 ]
check $? "migrating an unknown VM: 404"
api "$T/a.sock" POST /v1/vms/m/migrate '{"uri":"tcp:127.0.0.1:1"}' >/dev/null
[ "$(code)" = 409 ]
check $? "migrating a migrated VM: 409"
api "$T/a.sock" DELETE /v1/vms/m >/dev/null
[ "$(code)" = 200 ]
check $? "the migrated VM on a is deleted"

# A migration to a closed port fails; the guest keeps running where it is.
before=$(counters "$T/b/vms/m/console.log" | tail -n 1)
api "$T/b.sock" POST /v1/vms/m/migrate '{"uri":"tcp:127.0.0.1:1"}' >/dev/null
[ "$(code)" = 202 ]
check $? "migrate m to a closed port: 202"
out=$(wait_event "$T/b.sock" '"type":"migrate-failed"' 30)
check $? "event migrate-failed: $(printf '%s' "$out" | grep -o '"type":"migrate-failed","data":{[^}]*}')"
wait_for "$T/b.sock" m state running 5
check $? "m is running on b after the failed migration"
sleep 1.5
after=$(counters "$T/b/vms/m/console.log" | tail -n 1)
[ "${after:-0}" -gt "${before:-0}" ]
check $? "its counter goes on ($before -> $after)"

# A migration that cannot finish in its time (1 MiB/s, 1 s) is cancelled:
# the guest stays where it is, the target's incoming QEMU fails.
out=$(api "$T/a.sock" POST /v1/vms "$(spec m ',"incoming":true')")
uri=$(field "$out" incoming_uri)
api "$T/b.sock" POST /v1/vms/m/migrate "{\"uri\":\"$uri\",\"max_bandwidth_mibps\":1,\"timeout_ms\":1000}" >/dev/null
[ "$(code)" = 202 ]
check $? "migrate m at 1 MiB/s with a 1 s timeout: 202"
out=$(wait_event "$T/b.sock" '"type":"migrate-failed","data":{"reason":"timed out' 20)
check $? "event migrate-failed: timed out"
wait_for "$T/b.sock" m state running 5
check $? "m is running on b after the cancelled migration"
wait_for "$T/a.sock" m state failed 10
check $? "the abandoned incoming VM on a is failed"
api "$T/a.sock" DELETE /v1/vms/m >/dev/null

# A broken incoming stream: QEMU exits 1, the incoming VM fails with its reason.
out=$(api "$T/a.sock" POST /v1/vms "$(spec f ',"incoming":true')")
uri=$(field "$out" incoming_uri)
port=${uri##*:}
api "$T/a.sock" POST /v1/vms/f/migrate '{"uri":"tcp:127.0.0.1:1"}' >/dev/null
[ "$(code)" = 409 ]
check $? "an incoming VM cannot migrate out: 409"
curl -s --max-time 2 "http://127.0.0.1:$port/" >/dev/null 2>&1
wait_for "$T/a.sock" f state failed 10
check $? "garbage on the incoming port: the incoming VM is failed"
out=$(api "$T/a.sock" GET "/v1/events?since=0&max=1024" | grep -o '"vm":"f","type":"failed","data":{[^}]*}')
diag "$out"
printf '%s' "$out" | grep -q 'migration'
check $? "the failed event carries QEMU's reason"
[ "$(field "$(api "$T/a.sock" GET /v1/vms/f)" exit_status)" = 1 ]
check $? "the incoming QEMU exited with status 1"
api "$T/b.sock" DELETE /v1/vms/m >/dev/null
api "$T/a.sock" DELETE /v1/vms/f >/dev/null
stop_agent a
stop_agent b

# --- across a veth pair between two network namespaces ----------------------
if ip netns add "$NSA" 2>"$T/netns.err" && ip netns add "$NSB" 2>>"$T/netns.err" &&
	ip link add "$VETH" netns "$NSA" type veth peer name vmgr-mvb netns "$NSB" 2>>"$T/netns.err" &&
	ip -n "$NSA" addr add "$ADDR_A/24" dev "$VETH" &&
	ip -n "$NSB" addr add "$ADDR_B/24" dev vmgr-mvb &&
	ip -n "$NSA" link set "$VETH" up && ip -n "$NSB" link set vmgr-mvb up &&
	ip -n "$NSA" link set lo up && ip -n "$NSB" link set lo up; then
	start_agent na 49440-49449 "$NSA" "$ADDR_A"
	check $? "agent na starts in namespace $NSA ($ADDR_A)"
	start_agent nb 49450-49459 "$NSB" "$ADDR_B"
	check $? "agent nb starts in namespace $NSB ($ADDR_B)"
	api "$T/na.sock" POST /v1/vms "$(spec v)" >/dev/null
	check $([ "$(code)" = 201 ] && echo 0 || echo 1) "create v on na"
	wait_for "$T/na.sock" v booted true 60
	check $? "v boots on na"
	sleep 2
	migrate na nb v "veth"
	case "$uri" in tcp:$ADDR_B:*) r=0 ;; *) r=1 ;; esac
	check $r "veth: the incoming_uri is on nb's namespace address ($uri)"
	api "$T/nb.sock" DELETE /v1/vms/v >/dev/null
	api "$T/na.sock" DELETE /v1/vms/v >/dev/null
	stop_agent na
	stop_agent nb
else
	skip "migration across a veth pair" "ip netns is not permitted here: $(head -c 200 "$T/netns.err")"
fi
net_cleanup
ip netns list 2>/dev/null | grep -q "vmgr-mig-" && r=1 || r=0
check $r "the namespaces are gone"

echo "1..$n"
[ "$failed" = 0 ]
