#!/usr/bin/env python3
# fault-model.py - writes models/vmgr-diagnosis.bif: priors from the shared failure data, symptom CPTs from the table below.
# usage: tools/fault-model.py [DATA_DIR] > models/vmgr-diagnosis.bif
#   (DATA_DIR defaults to ../shared/data beside the repository)
# On stderr: per root cause, the LANL events, downtime, rate per node-year and
# the prior P(cause present at a random instant) = downtime / exposure, then
# the published rates used as cross-checks. docs/fault.md explains each step.
import csv
import datetime
import gzip
import itertools
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', '..', 'shared', 'data')
LANL = os.path.join(DATA, 'lanl_failures', 'lanl_failures_1996-2005_shared_systems.csv.gz')
PUB = os.path.join(DATA, 'failure_rates_published', 'failure_rates_published.csv')

# Commodity clusters with one production date and still in service at the
# end of the data: 2-4 processors per node, the closest to today's hosts.
SYSTEMS = {'4', '5', '10', '11', '13', '14', '19', '20'}

NET_HW = {'Interconnect Interface', 'Interconnect Soft Error', 'Interconnect Switch',
          'Interconnect', 'Interconnect Cable', 'Interconnect Misc', 'Router Board',
          'Site Ethernet Switch', 'Ethernet Switch', 'Gig E Switch', 'Gig E Connection',
          'PCI GBIT Ethernet Board', 'GE Board', 'Ethernet Copper Cable', 'Ethernet Cable',
          '1 GBit Ethernet Card', '100 MBit Ethernet Card', 'PCI Ethernet Board',
          'Ethernet Fibre Cable', 'Site Network Interface', 'Console Network Device', 'Fddi'}
STORAGE_HW = {'Disk Drive', 'SCSI Drive', 'Fibre Drive', 'SAN Disk Drive', 'Fibre Raid Controller',
              'Disk Cabinet', 'SCSI Controller', 'PCI SCSI Controller', 'SCSI Adapter Card',
              'Fibre HBA', 'PCI Fibre Channel Adapter', 'PCI Fibre Channel Adaptor',
              'Fibre Channel Port Adapter', 'SAN Controller', 'SAN controller', 'SAN Shelf',
              'Fibre Raid Power Supply', 'Fibre Raid LCC card', 'Fibre Raid Midplane',
              'Drive Cage', 'IDE Cable', 'Fibre Cable', 'SAN Fiber Cable', 'IOS Disk Logic',
              'SSD Memory Module', 'SSD Logic', 'KGPSA'}
PLANNED_HW = {'Maintenance'}
STORAGE_SW = {'Parallel File System', 'Cluster File System', 'NFS', 'Scratch FS',
              'Vizscratch FS', 'Scratch Drive', 'Disk IO, firmware and storage',
              'DST-Scan for errors /scratch'}
OS_SW = {'OS', 'Kernel software'}
SYS_SW = {'Other Software', 'Cluster Software', 'Resource Mgmt System',
          'Scheduler Software', 'MPI, PVM, Array services', 'IOS Software'}
NET_SW = {'Network', 'Interconnect'}
EXHAUST_SW = {'User code'}

CAUSES = ['HostHardwareFailure', 'HostNetworkPartition', 'HypervisorCrash',
          'GuestKernelFailure', 'StorageFault', 'HostResourceExhaustion']

# Binary symptoms as noisy-ORs: P(symptom | only cause c present) per
# parent, and the leak P(symptom | no cause). Engineering estimates; the
# reasons are in docs/fault.md ("Symptom tables").
NOISY_OR = [
    ('AgentHeartbeatsMissed', 1e-4, [('HostHardwareFailure', 0.999),
                                     ('HostNetworkPartition', 0.999),
                                     ('HostResourceExhaustion', 0.2)]),
    ('PeersCannotReach', 1e-4, [('HostHardwareFailure', 0.999),
                                ('HostNetworkPartition', 0.9)]),
    ('QmpUnresponsive', 1e-3, [('HypervisorCrash', 0.9),
                               ('StorageFault', 0.3),
                               ('HostResourceExhaustion', 0.3)]),
    ('GuestHeartbeatMissing', 1e-3, [('HostHardwareFailure', 0.999),
                                     ('HostNetworkPartition', 0.999),
                                     ('HypervisorCrash', 0.99),
                                     ('GuestKernelFailure', 0.98),
                                     ('StorageFault', 0.6),
                                     ('HostResourceExhaustion', 0.5)]),
    ('GuestPanicked', 1e-5, [('GuestKernelFailure', 0.6)]),
    ('BlockIoError', 1e-4, [('StorageFault', 0.9)]),
    ('HostMemoryPressure', 1e-2, [('HostResourceExhaustion', 0.95)]),
]

# QemuExit: what the agent saw of the QEMU process. The most severe
# present cause decides the row (HypervisorCrash, then exhaustion, then
# the guest); with none, the leak row.
QEMU_STATES = ['running', 'exit_ok', 'exit_error', 'killed', 'crashed']
QEMU_PARENTS = ['HypervisorCrash', 'HostResourceExhaustion', 'GuestKernelFailure']
QEMU_ROWS = {
    'HypervisorCrash': [0.05, 0.0, 0.10, 0.0, 0.85],
    'HostResourceExhaustion': [0.5, 0.0, 0.0, 0.5, 0.0],
    'GuestKernelFailure': [0.9, 0.1, 0.0, 0.0, 0.0],
    None: [0.9996, 0.0001, 0.0001, 0.0001, 0.0001],
}


def cause_of(r):
    fac, hw, hum, net, und, sw = (x.strip() for x in r[19:25])
    if fac:
        return 'HostHardwareFailure'
    if hw:
        if hw in PLANNED_HW:
            return None
        if hw in NET_HW:
            return 'HostNetworkPartition'
        if hw in STORAGE_HW:
            return 'StorageFault'
        return 'HostHardwareFailure'
    if net:
        return 'HostNetworkPartition'
    if sw:
        if sw in OS_SW:
            return 'GuestKernelFailure'
        if sw in STORAGE_SW:
            return 'StorageFault'
        if sw in NET_SW:
            return 'HostNetworkPartition'
        if sw in SYS_SW:
            return 'HypervisorCrash'
        if sw in EXHAUST_SW:
            return 'HostResourceExhaustion'
        return None  # planned work: DST, upgrades, patches, config changes
    return None  # human error, undetermined


def when(s):
    return datetime.datetime.strptime(s.strip(), '%m/%d/%Y %H:%M')


def production(s):
    # "3-Sep" is September 2003.
    y, m = s.split('-')
    return datetime.datetime.strptime('%s 20%02d' % (m, int(y)), '%b %Y')


def fmt(x):
    return ('%.10f' % x).rstrip('0').rstrip('.') if x not in (0, 1) else '%.1f' % x


def write_bif(priors, out):
    w = out.write
    w('// vmgr-diagnosis.bif - what broke, given what the agent and the manager observe.\n')
    w('// Generated by tools/fault-model.py from the shared failure data; docs/fault.md\n')
    w('// says where every number comes from. One VM and the host it runs on.\n')
    w('network vmgr_diagnosis {\n}\n')
    for c in CAUSES:
        w('variable %s {\n  type discrete [ 2 ] { absent, present };\n}\n' % c)
    for name, _, _ in NOISY_OR[:2]:
        w('variable %s {\n  type discrete [ 2 ] { no, yes };\n}\n' % name)
    w('variable QemuExit {\n  type discrete [ %d ] { %s };\n}\n'
      % (len(QEMU_STATES), ', '.join(QEMU_STATES)))
    for name, _, _ in NOISY_OR[2:]:
        w('variable %s {\n  type discrete [ 2 ] { no, yes };\n}\n' % name)
    for c in CAUSES:
        p = priors[c]
        w('probability ( %s ) {\n  table %s, %s;\n}\n' % (c, fmt(1 - p), fmt(p)))
    def noisy(name, leak, parents):
        w('probability ( %s | %s ) {\n' % (name, ', '.join(p for p, _ in parents)))
        for bits in itertools.product([0, 1], repeat=len(parents)):
            off = 1 - leak
            for b, (_, q) in zip(bits, parents):
                if b:
                    off *= 1 - q
            states = ', '.join('present' if b else 'absent' for b in bits)
            w('  (%s) %s, %s;\n' % (states, fmt(off), fmt(1 - off)))
        w('}\n')
    for name, leak, parents in NOISY_OR[:2]:
        noisy(name, leak, parents)
    w('probability ( QemuExit | %s ) {\n' % ', '.join(QEMU_PARENTS))
    for bits in itertools.product([0, 1], repeat=len(QEMU_PARENTS)):
        top = next((p for b, p in zip(bits, QEMU_PARENTS) if b), None)
        states = ', '.join('present' if b else 'absent' for b in bits)
        w('  (%s) %s;\n' % (states, ', '.join(fmt(x) for x in QEMU_ROWS[top])))
    w('}\n')
    for name, leak, parents in NOISY_OR[2:]:
        noisy(name, leak, parents)


def main():
    rows = list(csv.reader(gzip.open(LANL, 'rt', errors='replace')))[1:]
    end = max(when(r[16]) for r in rows if r[16].strip())
    exposure = 0.0  # node-years
    seen = set()
    for r in rows:
        if r[0] in SYSTEMS and r[0] not in seen:
            seen.add(r[0])
            years = (end - production(r[8])).days / 365.25
            exposure += int(r[2]) * years
    events = {c: 0 for c in CAUSES}
    down_min = {c: 0.0 for c in CAUSES}
    other = 0
    for r in rows:
        if r[0] not in SYSTEMS:
            continue
        c = cause_of(r)
        if c is None:
            other += 1
            continue
        events[c] += 1
        down_min[c] += float(r[18] or 0)
    err = sys.stderr
    priors = {}
    print('LANL systems %s: %.1f node-years of exposure to %s; %d records '
          'not attributed (planned work, human error, undetermined)'
          % (','.join(sorted(SYSTEMS, key=int)), exposure, end.date(), other), file=err)
    print('%-24s %7s %12s %14s %12s %14s' % ('cause', 'events', 'per node-yr',
          'mean down (h)', 'prior', 'BIF table'), file=err)
    for c in CAUSES:
        rate = events[c] / exposure
        mean_h = down_min[c] / events[c] / 60 if events[c] else 0
        prior = down_min[c] / 60 / (exposure * 8766)
        p = float('%.3g' % prior)
        priors[c] = p
        print('%-24s %7d %12.4f %14.2f %12.3g   table %s, %s;'
              % (c, events[c], rate, mean_h, prior, fmt(1 - p), fmt(p)), file=err)
    print(file=err)
    print('published cross-checks (failure_rates_published.csv):', file=err)
    for r in csv.DictReader(open(PUB)):
        if r['component'] in ('Rest of server (non-DRAM/SSD)', 'HDD', 'SSD (per drive)'):
            print('  %-32s %-55s %s..%s %s' % (r['component'], r['metric'][:55],
                  r['value_low'], r['value_high'], r['unit']), file=err)
    write_bif(priors, sys.stdout)


if __name__ == '__main__':
    main()
