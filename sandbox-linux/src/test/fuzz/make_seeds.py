#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_plan.c (corpus/ next to this file), following
docs/helper-protocol.md. Deterministic (python3, stdlib only): rerun it after a protocol
change and commit its output with it.

    python3 make_seeds.py            rewrite corpus/ (files it no longer makes are removed)
    python3 make_seeds.py --check    exit 1 when corpus/ is not what it would write

Names say what each seed is:
    ok-*    a valid plan per the document, with the SECURITY record it requires as the last
            record (a decoder that predates tags 14 and 15 still decodes all the rest)
    bad-*   one defect each (a near miss), otherwise valid per the document
    rep-*   fuzz_plan.c's repeat form ("S4JR", u16 reps, u16 start, u16 end, body bytes)
            for the count and size limits that a seed under 8 KiB cannot spell out
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, 'corpus')
MAX_SEED = 8 * 1024 - 1

MAGIC = 0x504A3453  # "S4JP"
MAX_BODY = 4 << 20

# tags
NAMESPACES, UID_MAP, GID_MAP, IDENTITY, HOSTNAME, MOUNT, WORKDIR, ARG, ENV, WALL_TIME_LIMIT, \
    CGROUP, CPU_LIMIT, RLIMIT, SECURITY, SECCOMP, TIME_ORIGIN = range(1, 17)
# namespaces
PID, MNT, UTS, IPC, NET, USER, CGNS, TIMENS = 1, 2, 4, 8, 16, 32, 64, 128
ALL_NS = 255
# mount ops and flags
ROOT_BIND, ROOT_TMPFS, BIND, TMPFS, PROC, DIR, SYMLINK, FILE, MASK, READONLY_PATH, \
    VIEW_SNAPSHOT, VIEW_LIVE, OVERLAY, DEVICE, ROOT_OVERLAY = range(1, 16)
RO, NOSUID, NODEV, NOEXEC, RECURSIVE, CREATE = 1, 2, 4, 8, 16, 32
# SECURITY / SECCOMP flags
NO_NEW_PRIVS, NOTIFY = 1, 1
CAP_NET_BIND_SERVICE, CAP_LAST_CAP = 10, 40
UNLIMITED = 2**64 - 1


def b(s):
    return s if isinstance(s, bytes) else s.encode()


class Rec(bytes):
    """An encoded record (tag, flags, length, payload) that remembers its tag."""

    def __new__(cls, tag, payload, flags=0, length=None):
        r = super().__new__(cls, struct.pack('<HHI', tag, flags, len(payload) if length is None
                                             else length) + payload)
        r.tag = tag
        return r


def header(body_len, magic=MAGIC, version=1, size=16, reserved=0):
    return struct.pack('<IHHII', magic, version, size, body_len, reserved)


def plan(records, **hdr):
    body = b''.join(records)
    return header(len(body), **hdr) + body


def ns(bits):
    return Rec(NAMESPACES, struct.pack('<I', bits))


def uid_map(inside, outside, count, tag=UID_MAP):
    return Rec(tag, struct.pack('<III', inside, outside, count))


def gid_map(inside, outside, count):
    return uid_map(inside, outside, count, GID_MAP)


def identity(uid, gid):
    return Rec(IDENTITY, struct.pack('<II', uid, gid))


def hostname(s):
    return Rec(HOSTNAME, b(s))


def mount_payload(op, target, source=b'', flags=0, mode=0, size=0):
    s, t = b(source), b(target)
    return (struct.pack('<HHIQ', op, flags, mode, size) + struct.pack('<I', len(s)) + s
            + struct.pack('<I', len(t)) + t)


def mount(op, target, source=b'', flags=0, mode=0, size=0):
    return Rec(MOUNT, mount_payload(op, target, source, flags, mode, size))


def workdir(s):
    return Rec(WORKDIR, b(s))


def arg(s):
    return Rec(ARG, b(s))


def env(s):
    return Rec(ENV, b(s))


def wall(us):
    return Rec(WALL_TIME_LIMIT, struct.pack('<Q', us))


def cgroup(version, path):
    return Rec(CGROUP, struct.pack('<I', version) + b(path))


def cpu_limit(limit_us, cpus_milli, fmt, path):
    return Rec(CPU_LIMIT, struct.pack('<QII', limit_us, cpus_milli, fmt) + b(path))


def rlimit(resource, soft, hard):
    return Rec(RLIMIT, struct.pack('<IQQ', resource, soft, hard))


def security(flags=NO_NEW_PRIVS, caps=0):
    return Rec(SECURITY, struct.pack('<IQ', flags, caps))


def bpf(*insns):
    return b''.join(struct.pack('<HBBI', *i) for i in insns)


def seccomp(flags, program):
    return Rec(SECCOMP, struct.pack('<I', flags) + program)


def time_origin(ns):
    return Rec(TIME_ORIGIN, struct.pack('<Q', ns))


# A classic BPF filter like the JVM side writes: check the arch, kill (or notify) on
# ptrace and kexec_load, allow the rest.
LD_ARCH = (0x20, 0, 0, 4)          # ld [4]
LD_NR = (0x20, 0, 0, 0)            # ld [0]
RET_ALLOW = (0x06, 0, 0, 0x7FFF0000)
RET_KILL = (0x06, 0, 0, 0x80000000)
RET_NOTIF = (0x06, 0, 0, 0x7FC00000)
FILTER = bpf(LD_ARCH, (0x15, 1, 0, 0xC000003E), RET_KILL, LD_NR,
             (0x15, 1, 0, 101), (0x15, 0, 1, 246), RET_KILL, RET_ALLOW)
NOTIFY_FILTER = bpf(LD_ARCH, (0x15, 1, 0, 0xC000003E), RET_KILL, LD_NR,
                    (0x15, 0, 1, 101), RET_NOTIF, RET_ALLOW)

MIN = [ns(0), arg('/bin/true')]


def repeat(body, unit, reps):
    """fuzz_plan.c's repeat form of body, whose first run of reps copies of unit is folded."""
    start = body.index(unit * reps)
    x = body[:start + len(unit)] + body[start + len(unit) * reps:]
    seed = b'S4JR' + struct.pack('<HHH', reps, start, start + len(unit)) + x
    assert x[:start] + unit * reps + x[start + len(unit):] == body
    return seed


def seeds():
    out = {}

    def ok(name, records):
        out['ok-' + name] = plan(records + [security()] if records[-1].tag != SECURITY else records)

    def bad(name, records):
        out['bad-' + name] = plan(records + [security()])

    # ---- valid plans ----
    ok('minimal', MIN)
    ok('full', [
        ns(ALL_NS),
        uid_map(0, 1000, 1), uid_map(1, 100000, 65536), gid_map(0, 1000, 1),
        identity(0, 0),
        hostname('sandbox'),
        mount(ROOT_TMPFS, '/', flags=RO | NOSUID | NODEV, mode=0o755, size=64 << 20),
        mount(BIND, '/usr', '/usr', flags=RO | RECURSIVE | NODEV | CREATE),
        mount(TMPFS, '/tmp', flags=NOSUID | NODEV | CREATE, mode=0o1777, size=1 << 20),
        mount(PROC, '/proc', flags=NOSUID | NODEV | NOEXEC | CREATE),
        mount(DIR, '/home/user', flags=CREATE, mode=0o700),
        mount(SYMLINK, '/bin', 'usr/bin'),
        mount(FILE, '/etc/passwd', 'root:x:0:0::/:/bin/sh\n', flags=CREATE, mode=0o644),
        mount(MASK, '/proc/kcore'),
        mount(READONLY_PATH, '/proc/sys'),
        mount(VIEW_SNAPSHOT, '/proc/meminfo', 'MemTotal:       65536 kB\n'),
        mount(VIEW_LIVE, '/proc/stat', 'stat', flags=RO | NOSUID | NODEV | NOEXEC),
        workdir('/home/user'),
        arg('/bin/sh'), arg('-c'), arg('echo "$HOME" >&2'), arg(''),
        env('HOME=/home/user'), env('PATH=/usr/bin:/bin'), env('EMPTY='),
        wall(5_000_000),
        cgroup(2, '/sys/fs/cgroup/sandbox4j/run-1'),
        cpu_limit(2_000_000, 1500, 2, '/sys/fs/cgroup/sandbox4j/run-1/cpu.stat'),
        rlimit(7, 256, 1024), rlimit(4, 0, 0), rlimit(3, 8 << 20, UNLIMITED),
        seccomp(0, FILTER),
        time_origin(5_250_000_000),
        security(NO_NEW_PRIVS, 1 << CAP_NET_BIND_SERVICE)])
    ok('root-bind', [
        ns(MNT | USER | PID),
        mount(ROOT_BIND, '/', '/srv/rootfs', flags=RO | RECURSIVE | NOSUID),
        mount(BIND, '/etc/resolv.conf', '/etc/resolv.conf', flags=RO | CREATE),
        mount(BIND, '/data', '/home/me/project/data', flags=NOEXEC),
        mount(PROC, '/proc'),
        mount(MASK, '/proc/kcore'), mount(MASK, '/sys/firmware'),
        mount(READONLY_PATH, '/proc/sys'), mount(READONLY_PATH, '/proc/sysrq-trigger'),
        arg('/bin/busybox'), arg('sh'),
        security(0, 0)])
    ok('mount-ns-no-mounts', [ns(MNT | PID | IPC | NET), arg('ls'), env('PATH=/bin')])
    ok('user-maps', [
        ns(USER),
        uid_map(0, 1000, 1), uid_map(1, 100000, 65536), uid_map(0xFFFFFFFE, 0xFFFFFFFE, 1),
        gid_map(0, 1000, 1), gid_map(100, 0, 0xFFFFFF00),
        identity(65534, 65534),
        arg('/usr/bin/id'),
        security(NO_NEW_PRIVS, (1 << (CAP_LAST_CAP + 1)) - 1)])
    ok('cgroup-v1', [
        ns(PID | MNT | CGNS),
        mount(ROOT_TMPFS, '/'),
        cgroup(1, '/sys/fs/cgroup/cpu,cpuacct/sandbox4j/run-7'),
        cgroup(1, '/sys/fs/cgroup/memory/sandbox4j/run-7'),
        cgroup(1, '/sys/fs/cgroup/pids/sandbox4j/run-7'),
        cpu_limit(1, 1, 1, '/sys/fs/cgroup/cpu,cpuacct/sandbox4j/run-7/cpuacct.usage'),
        arg('/bin/true')])
    ok('cgroup-v2-max-cpus', [
        ns(0), cgroup(2, '/a'), cpu_limit(UNLIMITED, 1048576, 2, '/a/cpu.stat'), arg('x')])
    ok('rlimits-all', [ns(0), arg('/bin/true')] + [
        rlimit(r, hard if r % 3 == 0 else r * 1024, hard)
        for r, hard in ((r, UNLIMITED if r % 2 else (r + 1) * 4096) for r in range(16))])
    ok('strings', [
        ns(UTS | MNT),
        hostname('h' * 64),
        mount(ROOT_TMPFS, '/', mode=0o7777),
        mount(FILE, '/bin/tool', bytes(range(1, 256)) * 4, mode=0o7777),
        mount(SYMLINK, '/x/y', '../' * 20 + 'z', flags=CREATE),
        mount(DIR, '/.x/..y/...', mode=0),
        workdir('/' + '/'.join(['c' * 200] * 10)),
        arg(bytes(range(1, 256))), arg('a=b'), arg(''),
        env('A==b'), env(b'\x01=\xff'), env('K=' + 'v' * 600)])
    ok('long-paths', [
        ns(MNT),
        mount(ROOT_TMPFS, '/'),
        mount(DIR, '/' + 'd' * 4094, mode=0o755),
        arg('/bin/true'),
        workdir('/w')])
    ok('proc-view', [
        ns(PID | MNT | USER | CGNS | TIMENS),
        mount(ROOT_TMPFS, '/', flags=RO, mode=0o755, size=1 << 20),
        mount(PROC, '/proc', flags=NOSUID | NODEV | NOEXEC | CREATE),
        mount(VIEW_SNAPSHOT, '/proc/meminfo', 'MemTotal:       65536 kB\nMemFree:        65536 kB\n'),
        mount(VIEW_SNAPSHOT, '/proc/swaps', ''),
        mount(TMPFS, '/sys', flags=RO | NOSUID | NODEV | NOEXEC | CREATE, mode=0o555, size=65536),
        mount(VIEW_SNAPSHOT, '/sys/devices/system/cpu/online', '0-1\n', flags=CREATE),
        mount(VIEW_LIVE, '/proc/cpuinfo', 'cpuinfo'),
        mount(VIEW_LIVE, '/proc/uptime', 'uptime', flags=RO | NOSUID | NODEV | NOEXEC),
        mount(VIEW_LIVE, '/sys/devices/system/cpu/present', 'a' * 31 + '_', flags=CREATE),
        mount(BIND, '/sys/fs/cgroup/memory', '/sys/fs/cgroup/memory/sandbox4j/run-7',
              flags=RO | NOSUID | NODEV | NOEXEC | CREATE),
        mount(SYMLINK, '/sys/fs/cgroup/cpu', 'cpu,cpuacct'),
        cgroup(1, '/sys/fs/cgroup/memory/sandbox4j/run-7'),
        arg('/bin/cat'), arg('/proc/uptime'),
        time_origin(0x7FFFFFFFFFFFFFFF)])
    ok('time-origin-zero', [ns(TIMENS), time_origin(0), arg('/bin/true')])
    ok('seccomp-notify', MIN + [seccomp(NOTIFY, NOTIFY_FILTER), security(NO_NEW_PRIVS, 0)])
    ok('seccomp-one-insn', MIN + [seccomp(0, bpf(RET_ALLOW)), security(0, 1 << CAP_LAST_CAP)])

    # ---- near misses: the header ----
    body = b''.join(MIN + [security()])
    out['bad-header-magic'] = header(len(body), magic=0x504A3454) + body
    out['bad-header-body-too-big'] = header(MAX_BODY + 1) + body
    out['bad-header-length-long'] = header(len(body)) + body + b'\0'
    # ---- near misses: record framing ----
    bad('record-tag-17', MIN + [Rec(17, b'\0' * 8)])
    out['bad-record-overrun'] = plan(MIN + [Rec(ENV, b'A=1', length=4)])
    out['bad-record-truncated'] = plan(MIN + [security(), b'\x08\x00\x00'])
    # ---- near misses: the records ----
    bad('namespaces-twice', MIN + [ns(PID)])
    bad('no-namespaces', [arg('/bin/true')])
    bad('map-overflow', [ns(USER), uid_map(0xFFFFFFFF, 0, 1), arg('x')])
    bad('maps-17', [ns(USER)] + [uid_map(i, i, 1) for i in range(17)] + [arg('x')])
    bad('identity-minus-1', MIN + [identity(0, 0xFFFFFFFF)])
    bad('hostname-no-uts', [ns(MNT), hostname('h'), arg('x')])
    root = mount(ROOT_TMPFS, '/', mode=0o755)
    bad('mount-first-not-root', [ns(MNT), mount(TMPFS, '/tmp'), root, arg('x')])
    bad('mount-no-root', [ns(MNT), mount(TMPFS, '/tmp'), arg('x')])
    bad('mount-two-roots', [ns(MNT), root, mount(ROOT_BIND, '/', '/srv'), arg('x')])
    bad('mount-target-4096', [ns(MNT), root, mount(DIR, '/' + 'd' * 4095), arg('x')])
    bad('mount-dotdot', [ns(MNT), root, mount(DIR, '/a/../etc', mode=0o755), arg('x')])
    bad('mount-relative-source', [ns(MNT), root, mount(BIND, '/usr', 'usr'), arg('x')])
    bad('mount-recursive-tmpfs', [ns(MNT), root, mount(TMPFS, '/t', flags=RECURSIVE), arg('x')])
    bad('mount-source-len-huge', [ns(MNT), root, Rec(MOUNT, struct.pack(
        '<HHIQI', BIND, 0, 0, 0, 0xFFFFFFFF) + b'/usr' + struct.pack('<I', 4) + b'/usr'),
        arg('x')])
    bad('mount-trailing-byte', [ns(MNT), root, Rec(MOUNT, mount_payload(TMPFS, '/t') + b'\0'),
                                arg('x')])
    bad('mount-nul-target', [ns(MNT), root, mount(DIR, '/a\0b'), arg('x')])
    bad('mount-proc-no-pid', [ns(MNT), root, mount(PROC, '/proc'), arg('x')])
    bad('mount-no-mount-ns', [ns(PID), root, arg('x')])
    bad('mount-mask-source', [ns(MNT), root, mount(MASK, '/proc/kcore', '/dev/null'), arg('x')])
    bad('mount-readonly-path-flags', [ns(MNT), root, mount(READONLY_PATH, '/sys', flags=RO),
                                      arg('x')])
    bad('cgroup-v1-and-v2', MIN + [cgroup(1, '/sys/fs/cgroup/pids/x'), cgroup(2, '/x')])
    bad('cgroups-17', MIN + [cgroup(1, '/c/%d' % i) for i in range(17)])
    bad('cpu-no-cgroup', MIN + [cpu_limit(1000, 1000, 2, '/x/cpu.stat')])
    bad('rlimit-duplicate', MIN + [rlimit(7, 1, 1), rlimit(7, 2, 2)])
    bad('namespaces-bit-256', [ns(256), arg('x')])
    bad('time-no-origin', [ns(TIMENS | PID), arg('x')])
    bad('time-origin-no-ns', MIN + [time_origin(1)])
    bad('time-origin-twice', [ns(TIMENS), time_origin(1), time_origin(1), arg('x')])
    bad('time-origin-short', [ns(TIMENS), Rec(TIME_ORIGIN, b'\0' * 7), arg('x')])
    bad('time-origin-2p63', [ns(TIMENS), time_origin(1 << 63), arg('x')])
    view_ns = ns(MNT | PID)
    bad('view-live-name-upper', [view_ns, root, mount(VIEW_LIVE, '/proc/meminfo', 'MemInfo'), arg('x')])
    bad('view-live-name-dotdot', [view_ns, root, mount(VIEW_LIVE, '/proc/meminfo', '../x'), arg('x')])
    bad('view-live-name-empty', [view_ns, root, mount(VIEW_LIVE, '/proc/meminfo'), arg('x')])
    bad('view-live-name-33', [view_ns, root, mount(VIEW_LIVE, '/proc/meminfo', 'a' * 33), arg('x')])
    bad('view-snapshot-nul', [view_ns, root, mount(VIEW_SNAPSHOT, '/proc/meminfo', 'a\0b'), arg('x')])
    bad('view-recursive', [view_ns, root, mount(VIEW_SNAPSHOT, '/proc/meminfo', 'x', flags=RECURSIVE),
                           arg('x')])
    bad('view-mode', [view_ns, root, mount(VIEW_LIVE, '/proc/meminfo', 'meminfo', mode=0o444), arg('x')])
    bad('view-size', [view_ns, root, mount(VIEW_SNAPSHOT, '/proc/meminfo', 'x', size=4096), arg('x')])
    bad('view-root-target', [view_ns, root, mount(VIEW_LIVE, '/', 'meminfo'), arg('x')])
    bad('view-no-mount-ns', [ns(PID), root, mount(VIEW_LIVE, '/proc/meminfo', 'meminfo'), arg('x')])
    bad('mount-op-16', [view_ns, root, mount(16, '/proc/meminfo'), arg('x')])
    # ---- read-only overlays and device nodes of the sandbox's own ----
    ok('overlays', [ns(MNT | USER),
        mount(ROOT_TMPFS, '/', flags=RO | NOSUID | NODEV, mode=0o755, size=1 << 20),
        mount(OVERLAY, '/usr', '/usr', flags=RO | NOSUID | NODEV | CREATE),
        mount(OVERLAY, '/etc/ld.so.cache', '/etc/ld.so.cache', flags=RO | NOSUID | NODEV | NOEXEC | CREATE),
        mount(TMPFS, '/dev', flags=NOSUID | NOEXEC | CREATE, mode=0o755, size=64 << 10),
        mount(DEVICE, '/dev/null', '/dev/null', flags=NOSUID | NOEXEC | CREATE),
        mount(DEVICE, '/dev/tty', '/dev/tty', flags=RO | NOSUID | NOEXEC),
        arg('/bin/true')])
    ok('root-overlay', [ns(MNT), mount(ROOT_OVERLAY, '/', '/srv/rootfs', flags=RO | NOSUID | NODEV),
                        arg('/bin/true')])
    dev = mount(DEVICE, '/dev/null', '/dev/null', flags=NOSUID | NOEXEC | CREATE)
    ok('devices-16', [ns(MNT), root] + [dev] * 16 + [arg('x')])
    bad('devices-17', [ns(MNT), root] + [dev] * 17 + [arg('x')])
    bad('device-not-under-dev', [ns(MNT), root, mount(DEVICE, '/dev/null', '/etc/null'), arg('x')])
    bad('device-dev-itself', [ns(MNT), root, mount(DEVICE, '/dev/null', '/dev'), arg('x')])
    bad('device-dotdot', [ns(MNT), root, mount(DEVICE, '/dev/null', '/dev/../etc/shadow'), arg('x')])
    bad('device-nodev', [ns(MNT), root, mount(DEVICE, '/dev/null', '/dev/null', flags=NODEV), arg('x')])
    bad('device-recursive', [ns(MNT), root, mount(DEVICE, '/dev/null', '/dev/null', flags=RECURSIVE), arg('x')])
    bad('overlay-writable', [ns(MNT), root, mount(OVERLAY, '/usr', '/usr', flags=NOSUID), arg('x')])
    bad('overlay-recursive', [ns(MNT), root, mount(OVERLAY, '/usr', '/usr', flags=RO | RECURSIVE), arg('x')])
    bad('overlay-relative', [ns(MNT), root, mount(OVERLAY, '/usr', 'usr', flags=RO), arg('x')])
    bad('overlay-mode', [ns(MNT), root, mount(OVERLAY, '/usr', '/usr', flags=RO, mode=0o755), arg('x')])
    bad('overlay-root-target', [ns(MNT), root, mount(OVERLAY, '/', '/usr', flags=RO), arg('x')])
    bad('root-overlay-writable', [ns(MNT), mount(ROOT_OVERLAY, '/', '/srv', flags=NOSUID), arg('x')])
    bad('root-overlay-second', [ns(MNT), root, mount(ROOT_OVERLAY, '/', '/srv', flags=RO), arg('x')])
    out['bad-security-missing'] = plan(MIN)
    out['bad-security-missing-with-seccomp'] = plan(MIN + [seccomp(0, FILTER)])
    out['bad-security-twice'] = plan(MIN + [security(), security()])
    out['bad-security-flags'] = plan(MIN + [security(2, 0)])
    out['bad-security-cap-41'] = plan(MIN + [security(0, 1 << 41)])
    out['bad-security-short'] = plan(MIN + [Rec(SECURITY, struct.pack('<IQ', 1, 0)[:11])])
    bad('seccomp-empty', MIN + [seccomp(0, b'')])
    bad('seccomp-partial-insn', MIN + [seccomp(0, bpf(RET_ALLOW) + b'\0' * 4)])
    bad('seccomp-flags', MIN + [seccomp(2, bpf(RET_ALLOW))])
    bad('seccomp-twice', MIN + [seccomp(0, bpf(RET_ALLOW)), seccomp(0, bpf(RET_ALLOW))])

    # ---- the limits, in the repeat form ----
    def rep(name, records, unit, reps):
        out['rep-' + name] = repeat(b''.join(records + [security()]), unit, reps)

    d = mount(DIR, '/d', mode=0o755)
    rep('ok-mounts-256', [ns(MNT), root] + [d] * 255 + [arg('x')], d, 255)
    rep('bad-mounts-257', [ns(MNT), root] + [d] * 256 + [arg('x')], d, 256)
    rep('ok-args-4096', [ns(0)] + [arg('a')] * 4096, arg('a'), 4096)
    rep('bad-args-4097', [ns(0)] + [arg('a')] * 4097, arg('a'), 4097)
    rep('ok-envs-4096', MIN + [env('A=')] * 4096, env('A='), 4096)
    rep('bad-envs-4097', MIN + [env('A=')] * 4097, env('A='), 4097)
    a512 = arg('a' * 512)
    rep('ok-argenv-2mib', [ns(0)] + [a512] * 4096, a512, 4096)
    rep('bad-argenv-2mib-plus-1', [ns(0)] + [a512] * 4096 + [env('A=')], a512, 4096)
    rep('ok-arg-131071', [ns(0), arg('a' * 131071)], b'a' * 1024, 127)
    rep('bad-arg-131072', [ns(0), arg('a' * 131072)], b'a' * 1024, 128)
    rep('ok-file-65536', [ns(MNT), root, mount(FILE, '/f', 'x' * 65536, mode=0o644), arg('x')],
             b'x' * 4096, 16)
    rep('bad-file-65537', [ns(MNT), root, mount(FILE, '/f', 'x' * 65537, mode=0o644), arg('x')],
        b'x' * 4096, 16)
    # a VIEW_SNAPSHOT has a bound of its own, 1 MiB (/proc/cpuinfo of a large host)
    rep('ok-view-1mib', [ns(MNT), root, mount(VIEW_SNAPSHOT, '/f', 'x' * (1 << 20)), arg('x')],
        b'x' * 4096, 256)
    rep('bad-view-1mib-plus-1', [ns(MNT), root, mount(VIEW_SNAPSHOT, '/f', 'x' * ((1 << 20) + 1)), arg('x')],
        b'x' * 4096, 256)
    ret = bpf(RET_ALLOW)
    rep('ok-seccomp-4096', MIN + [seccomp(0, ret * 4096)], ret, 4096)
    rep('bad-seccomp-4097', MIN + [seccomp(0, ret * 4097)], ret, 4097)
    big = arg('a' * (MAX_BODY + 1 - 12 - 8 - 20))  # with NAMESPACES and SECURITY: 4 MiB + 1
    rep('bad-body-4mib-plus-1', [ns(0), big], b'a' * 64, 65535)
    return out


def main():
    check = sys.argv[1:] == ['--check']
    if sys.argv[1:] and not check:
        sys.exit(__doc__)
    out = seeds()
    for name, data in out.items():
        assert len(data) <= MAX_SEED, '%s is %d bytes' % (name, len(data))
    existing = set(os.listdir(CORPUS)) if os.path.isdir(CORPUS) else set()
    if check:
        stale = existing - set(out)
        differ = [n for n, d in sorted(out.items()) if n not in existing
                  or open(os.path.join(CORPUS, n), 'rb').read() != d]
        for n in sorted(stale):
            print('make_seeds: %s is not made by make_seeds.py' % n, file=sys.stderr)
        for n in differ:
            print('make_seeds: %s is missing or differs' % n, file=sys.stderr)
        sys.exit(1 if stale or differ else 0)
    os.makedirs(CORPUS, exist_ok=True)
    for n in sorted(existing - set(out)):
        os.remove(os.path.join(CORPUS, n))
    for name, data in sorted(out.items()):
        with open(os.path.join(CORPUS, name), 'wb') as f:
            f.write(data)
    print('make_seeds: %d seeds in %s (largest %d bytes)' % (
        len(out), os.path.relpath(CORPUS), max(len(d) for d in out.values())))


if __name__ == '__main__':
    main()
