#!/bin/sh
# test_cluster.sh - one manager and three agents in network namespaces with real guests: failover, partition, N+1, drain, plans, a degrading host (TAP).
# usage: test_cluster.sh VMGRD VMGR GUEST_DIR
# The manager listens on a bridge in the root namespace; each agent runs in
# its own namespace (vmgr-c1..3, 10.213.8.1..3) and joins it with --manager.
# Four HA guests of one core fill the three 2-core hosts as far as the N+1
# reserve allows, a fifth waits. Then: an agent is killed with its QEMUs and
# its VMs must run on the others within 5 s, each exactly once; a host is
# cut off (its link down) while its agent and guests live on, and its agent
# must kill them (self-fencing on its lease) before the manager restarts
# them elsewhere: at no sample does any VM run twice; a drained host's VMs
# live-migrate and their counters go on; a consolidation plan is applied by
# live migration; a host under memory pressure whose QEMU is SIGKILLed is
# drained, not fenced. Skips when `ip netns` is not
# permitted. Namespaces and links are removed by name at the start and end.
set -u
VMGRD=$1
VMGR=$2
GUEST=$3
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
[ -f "$GUEST/vmlinuz" ] && [ -f "$GUEST/initrd.img" ] || {
	echo "not ok 1 - the default guest is missing in $GUEST (scripts/guest-image)"
	echo "1..1"
	exit 1
}

BR=vmgr-cbr
NET=10.213.8
T=$(mktemp -d /tmp/vmgr-cluster-test.XXXXXX)
chmod 755 "$T"
MPID=
net_cleanup() {
	for i in 1 2 3; do
		ip netns del "vmgr-c$i" 2>/dev/null
		ip link del "vmgr-cv$i" 2>/dev/null
	done
	ip link del "$BR" 2>/dev/null
	true
}
cleanup() {
	for i in 1 2 3; do
		[ -f "$T/a$i.pid" ] && kill -9 "$(cat "$T/a$i.pid")" 2>/dev/null
	done
	[ -n "$MPID" ] && kill -9 "$MPID" 2>/dev/null
	net_cleanup
	rm -rf "$T"
}
trap cleanup EXIT
net_cleanup

if ! { ip link add "$BR" type bridge && ip addr add "$NET.254/24" dev "$BR" &&
	ip link set "$BR" up; } 2>"$T/netns.err"; then
	echo "1..0 # SKIP ip netns/bridges are not permitted here: $(head -c 200 "$T/netns.err")"
	exit 0
fi
for i in 1 2 3; do
	ip netns add "vmgr-c$i" &&
		ip link add "vmgr-cv$i" type veth peer name eth0 netns "vmgr-c$i" &&
		ip link set "vmgr-cv$i" master "$BR" up &&
		ip -n "vmgr-c$i" addr add "$NET.$i/24" dev eth0 &&
		ip -n "vmgr-c$i" link set eth0 up &&
		ip -n "vmgr-c$i" link set lo up || {
		echo "1..0 # SKIP cannot build namespace vmgr-c$i"
		exit 0
	}
done

printf 'api-token-0123456789\n' >"$T/token"
printf 'agent-token-0123456789\n' >"$T/atoken"
printf 'agent-api-token-012345\n' >"$T/agtok"
now_ms() { echo $(($(date +%s%N) / 1000000)); }

"$VMGRD" --role manager --state-dir "$T/var" --listen "$NET.254:7400" \
	--token-file "$T/token" --agent-token-file "$T/atoken" \
	--heartbeat-ms 250 --n-plus-one --log-level info 2>"$T/mgr.log" &
MPID=$!
# agent I: starts host hI's agent in namespace vmgr-cI.
agent() {
	ip netns exec "vmgr-c$1" "$VMGRD" --role agent --state-dir "$T/a$1" \
		--listen "$NET.$1:7401" --token-file "$T/agtok" \
		--manager "http://$NET.254:7400" --manager-token-file "$T/atoken" \
		--advertise "http://$NET.$1:7401" --host-name "h$1" \
		--kernel "$GUEST/vmlinuz" --initrd "$GUEST/initrd.img" \
		--migrate-address "$NET.$1" --pressure-file "$T/psi$1" \
		--log-level info 2>>"$T/a$1.log" &
	echo $! >"$T/a$1.pid"
}
# Each agent's memory pressure (PSI) comes from its own file: calm.
psi() { # I AVG10
	printf 'some avg10=%s avg60=1.00 avg300=0.50 total=100\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=10\n' "$2" >"$T/psi$1"
}
for i in 1 2 3; do psi $i 0.00; done
for i in 1 2 3; do agent $i; done
V="$VMGR --socket $T/var/vmgrd.sock"
# wait_for SECONDS COMMAND...: until the command succeeds.
wait_for() {
	t=$(($1 * 20))
	shift
	while ! "$@" >/dev/null 2>&1; do
		t=$((t - 1))
		[ $t -le 0 ] && return 1
		sleep 0.05
	done
}
hosts_up() { [ "$($V host list --json | grep -o '"state":"up"' | wc -l)" = "$1" ]; }
wait_for 20 hosts_up 3
check $? "three agents in three namespaces register with the manager" || {
	sed 's/^/# /' "$T/mgr.log" "$T"/a*.log
	echo "1..$n"
	exit 1
}

field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" | head -n 1; }
host_of() { $V vm show "$1" --json | field host; }
status_of() { $V vm show "$1" --json | field status; }
booted() { $V vm show "$1" --json | grep -q '"booted":true'; }
# live: "hI NAME" for every VM an agent runs or is about to (its API on the
# unix socket in its state directory, reachable from here).
live() {
	for i in 1 2 3; do
		curl -s -m 2 --unix-socket "$T/a$i/agent.sock" http://a/v1/vms |
			grep -o '"name":"[^"]*","state":"[a-z]*"' |
			grep -E 'starting|running|paused|stopping|restarting|incoming|migrating' |
			sed "s/\"name\":\"\([^\"]*\)\".*/h$i \1/"
	done
}
# most_copies: the largest number of agents running one VM.
most_copies() { live | awk '{c[$2]++} END {m = 0; for (v in c) if (c[v] > m) m = c[v]; print m}'; }
on_host_live() { live | grep -q "^$1 $2\$"; }

# Four HA guests of one core each: the N+1 reserve lets exactly four run on
# three hosts of two cores (any host's VMs must fit in the others' free
# room); the fifth waits.
for v in v1 v2 v3 v4 v5; do
	$V vm create $v --cpu-milli 1000 --memory-mib 128 --workload counter >/dev/null
done
all_booted() { booted v1 && booted v2 && booted v3 && booted v4; }
wait_for 90 all_booted
check $? "v1..v4 boot on the three hosts"
status_of v5 | grep -q queued && $V vm list | grep '^v5 ' | grep -q 'N+1'
check $? "v5 waits: the N+1 reserve would break ($($V vm list | grep '^v5 ' | sed 's/.*  0  //'))"
$V host list --json >"$T/hosts"
diag "$(live | tr '\n' ' ')"
[ "$(most_copies)" = 1 ]
check $? "every VM runs on exactly one agent"

# --- failure: kill an agent and its QEMUs --------------------------------
# The host with two VMs (first fit fills one host first).
victim=
for i in 1 2 3; do
	[ "$(live | grep -c "^h$i ")" = 2 ] && victim=$i && break
done
[ -n "$victim" ]
check $? "a host runs two VMs (h$victim)"
vms=$(live | awk -v h="h$victim" '$1 == h {print $2}' | tr '\n' ' ')
apid=$(cat "$T/a$victim.pid")
qpids=$(pgrep -P "$apid" qemu-system 2>/dev/null | tr '\n' ' ')
t0=$(now_ms)
kill -9 "$apid" $qpids
elsewhere() { # VM: live on a host other than the victim
	live | grep " $1\$" | grep -qv "^h$victim "
}
maxc=0
moved=
for v in $vms; do
	while [ $(($(now_ms) - t0)) -lt 15000 ] && ! elsewhere "$v"; do
		c=$(most_copies)
		[ "$c" -gt "$maxc" ] && maxc=$c
		sleep 0.05
	done
	dt=$(($(now_ms) - t0))
	moved="$moved $v:${dt}ms"
	elsewhere "$v" && [ "$dt" -le 5000 ]
	check $? "$v runs again on $(host_of "$v") ${dt} ms after its host failed (limit 5000)"
done
diag "failover:$moved"
[ "$maxc" -le 1 ] && [ "$(most_copies)" = 1 ]
check $? "no VM ran twice during the failover"
wait_for 60 all_booted
check $? "the restarted guests boot"
status_of v5 | grep -q queued
check $? "v5 still waits (restarts use the reserve, new VMs do not)"
grep -q "host h$victim fenced" "$T/mgr.log"
check $? "the manager fenced h$victim"

# The agent comes back: it registers, learns it was fenced, runs nothing.
agent "$victim"
wait_for 20 hosts_up 3
check $? "h$victim's agent registers again and its host is up"
# Its heartbeat history starts again: the outage is not an interval the
# failure detector learns from, so a second failure is seen as fast.
sleep 2
before=$(grep -c "host h$victim: lease over" "$T/mgr.log")
t0=$(now_ms)
kill -9 "$(cat "$T/a$victim.pid")"
failed_again() { [ "$(grep -c "host h$victim: lease over" "$T/mgr.log")" -gt "$before" ]; }
wait_for 10 failed_again
dt=$(($(now_ms) - t0))
failed_again && [ "$dt" -le 4000 ]
check $? "a second failure of h$victim is declared as fast (${dt} ms, limit 4000)"
agent "$victim"
wait_for 20 hosts_up 3
check $? "h$victim's agent registers once more"

# --- partition: the link of a host with VMs goes down ---------------------
cut=
for i in 1 2 3; do
	[ "$i" != "$victim" ] && [ "$(live | grep -c "^h$i ")" -ge 1 ] && cut=$i && break
done
cvms=$(live | awk -v h="h$cut" '$1 == h {print $2}' | tr '\n' ' ')
diag "cutting h$cut off, which runs $cvms"
t0=$(now_ms)
ip link set "vmgr-cv$cut" down
maxc=0
all_moved() {
	for v in $cvms; do
		live | grep " $v\$" | grep -qv "^h$cut " || return 1
	done
}
while [ $(($(now_ms) - t0)) -lt 15000 ] && ! all_moved; do
	c=$(most_copies)
	[ "$c" -gt "$maxc" ] && maxc=$c
	sleep 0.05
done
dt=$(($(now_ms) - t0))
all_moved && [ "$dt" -le 5000 ]
check $? "h$cut's VMs ($cvms) run elsewhere ${dt} ms after its link went down (limit 5000)"
[ "$maxc" -le 1 ] && [ "$(most_copies)" = 1 ]
check $? "no VM ran twice: h$cut's agent killed its guests when its lease ran out (most copies seen: $maxc)"
grep -q 'self-fenced' "$T/a$cut.log"
check $? "h$cut's agent says it self-fenced"
ip link set "vmgr-cv$cut" up
wait_for 20 hosts_up 3
check $? "h$cut comes back when its link does"
[ "$(most_copies)" = 1 ] && [ -z "$(live | grep "^h$cut ")" ]
check $? "h$cut runs none of its old VMs after it rejoined"
wait_for 60 all_booted
check $? "every guest runs after the partition"

# --- drain: live migration, the guest's counter goes on -------------------
$V vm delete v5 >/dev/null && $V vm delete v4 >/dev/null && $V vm delete v3 >/dev/null
check $? "v3, v4 and v5 deleted (room to drain with the reserve kept)"
dh=$(host_of v1)
dvms=$(live | awk -v h="$dh" '$1 == h {print $2}' | tr '\n' ' ')
counter() { # HOST VM: the last counter value in the VM's console on HOST
	tail -c 4096 "$T/a${1#h}/vms/$2/console.log" 2>/dev/null |
		sed -n 's/.*vmgr-counter \([0-9]*\).*/\1/p' | tail -n 1
}
before=
for v in $dvms; do before="$before $v=$(counter "$dh" "$v")"; done
$V host drain "$dh" >/dev/null
check $? "host drain $dh ($dvms)"
drained() {
	for v in $dvms; do
		h=$(host_of "$v")
		[ -n "$h" ] && [ "$h" != "$dh" ] && on_host_live "$h" "$v" || return 1
	done
}
wait_for 60 drained
check $? "every VM of $dh migrated away ($(for v in $dvms; do printf '%s->%s ' "$v" "$(host_of "$v")"; done))"
sleep 1
for kv in $before; do
	v=${kv%%=*}
	c0=${kv#*=}
	h=$(host_of "$v")
	first=$(sed -n 's/.*vmgr-counter \([0-9]*\).*/\1/p' "$T/a${h#h}/vms/$v/console.log" 2>/dev/null | head -n 1)
	last=$(counter "$h" "$v")
	[ -n "$c0" ] && [ -n "$first" ] && [ "$first" -ge "$c0" ] && [ "$last" -gt "$first" ]
	check $? "$v's counter goes on after the migration: $c0 on $dh, then $first..$last on $h"
done
grep -q 'migrated' "$T/mgr.log"
check $? "the manager logged the migrations"
$V host list | grep "^$dh " | grep -q maintenance
check $? "$dh is in maintenance"
$V host undrain "$dh" >/dev/null && $V host list | grep "^$dh " | grep -q ' up '
check $? "host undrain $dh"
[ "$(most_copies)" = 1 ]
check $? "every VM still runs exactly once"

# --- plan: an optimal consolidation, applied by live migration ------------
# v1 and v2 on two hosts; one host holds both (2 cores) with the reserve
# kept, so the plan moves one of them and frees a host.
settled() { [ "$(status_of v1)" = running ] && [ "$(status_of v2)" = running ] &&
	! $V vm list --json | grep -q migrating_from &&
	on_host_live "$(host_of v1)" v1 && on_host_live "$(host_of v2)" v2 &&
	[ "$(live | wc -l)" = 2 ]; }
wait_for 60 settled
if [ "$(host_of v1)" = "$(host_of v2)" ]; then
	for i in 1 2 3; do [ "h$i" != "$(host_of v1)" ] && break; done
	$V vm migrate v2 "h$i" >/dev/null
fi
spread() { [ "$(host_of v1)" != "$(host_of v2)" ] && settled; }
wait_for 60 spread
check $? "v1 on $(host_of v1), v2 on $(host_of v2)"
$V plan --apply --time-limit 5 >"$T/plan.out" 2>&1
rc=$?
sed "s/^/# /" "$T/plan.out"
[ $rc = 0 ] && grep -q '^plan 1 (optimal): cost 1 (1 host in use), bound 1' "$T/plan.out" &&
	grep -q '^migrate 1: v[12] h[123] -> h[123]$' "$T/plan.out" &&
	grep -q '^applied: done$' "$T/plan.out"
check $? "vmgr plan --apply: one migration, proven optimal, applied"
wait_for 30 settled
[ "$(host_of v1)" = "$(host_of v2)" ] && [ "$(most_copies)" = 1 ]
check $? "v1 and v2 run on one host ($(host_of v1)), each exactly once"
$V plan --json >"$T/plan2.json" && grep -q '"migrations_count":0' "$T/plan2.json" &&
	grep -q '"state":"planned"' "$T/plan2.json"
check $? "planned again: nothing left to move"
$V plan --time-limit 0 >/dev/null 2>&1
[ $? = 2 ]
check $? "a bad time limit is a usage error"
grep -q 'plan 1 applied: 1 migration in 1 step' "$T/mgr.log"
check $? "the manager logged the plan's application"

# --- a degrading host: memory pressure, then the OOM killer takes a QEMU ---
# v1 and v2 share host dg. Its agent reports 55% memory pressure; a
# SIGKILL to v1's QEMU (what the OOM killer does) makes the manager
# diagnose host exhaustion: v1 restarts elsewhere, v2 moves away live, the
# host is drained, not fenced, and nothing runs twice.
dg=$(host_of v1)
psi "${dg#h}" 55.00
sleep 1.5
qpid=$(pgrep -f "qemu-system-x86_64 -name v1 " | head -n 1)
[ -n "$qpid" ] && kill -9 "$qpid"
check $? "v1's QEMU on $dg killed with SIGKILL while $dg reports 55% memory pressure"
away() { for v in v1 v2; do h=$(host_of "$v")
	[ -n "$h" ] && [ "$h" != "$dg" ] && [ "$(status_of "$v")" = running ] &&
		on_host_live "$h" "$v" || return 1; done; }
wait_for 60 away
check $? "v1 restarted and v2 migrated away from $dg (v1 on $(host_of v1), v2 on $(host_of v2))"
logged() { grep -q "host $dg degrading: memory pressure 55.0% and v1's QEMU killed by signal 9" "$T/mgr.log" &&
	grep -q "host $dg drained (host exhaustion): 1 VM moves away live" "$T/mgr.log" &&
	grep -q "v2 migrated from $dg" "$T/mgr.log"; }
wait_for 10 logged
check $? "the manager logged the diagnosis, the drain and the live migration"
$V host list | grep "^$dg " | grep -q 'maintenance' &&
	! $V host list --json | grep -q '"fenced":true'
check $? "$dg is in maintenance and no host is fenced"
once() { [ "$(most_copies)" = 1 ] && [ -z "$(live | grep "^$dg ")" ]; }
wait_for 10 once
check $? "every VM runs exactly once after the drain, none on $dg ($(live | tr '\n' ' '))"
psi "${dg#h}" 0.00
# The same on a host whose only VM is the one killed: nothing to drain, so
# it stays in service (host-watched) and the VM restarts elsewhere.
$V host undrain "$dg" >/dev/null
for i in 1 2 3; do
	[ "h$i" != "$dg" ] && [ "h$i" != "$(host_of v1)" ] && break
done
wh=h$i
$V vm migrate v2 "$wh" >/dev/null
on_wh() { [ "$(host_of v2)" = "$wh" ] && settled && [ "$(live | grep -c "^$wh ")" = 1 ]; }
wait_for 60 on_wh
check $? "v2 alone on $wh"
psi "${wh#h}" 55.00
sleep 1.5
qpid=$(pgrep -f "qemu-system-x86_64 -name v2 " | head -n 1)
[ -n "$qpid" ] && kill -9 "$qpid"
moved() { h=$(host_of v2); [ -n "$h" ] && [ "$h" != "$wh" ] &&
	[ "$(status_of v2)" = running ] && on_host_live "$h" v2; }
wait_for 60 moved
check $? "v2 restarted on $(host_of v2)"
grep -q "host $wh stays in service: nothing to move away" "$T/mgr.log" &&
	$V host list | grep "^$wh " | grep -q ' up '
check $? "$wh had nothing else to move: it stays up (host-watched)"
psi "${wh#h}" 0.00

if [ $failed -gt 0 ]; then
	diag "manager log:"
	tail -n 60 "$T/mgr.log" | sed 's/^/#   /'
fi
echo "1..$n"
