/* sandbox4j-helper: supervisor -> init -> target, as described in docs/helper-protocol.md.
 *
 * Processes are created with the raw clone syscall and a NULL stack, i.e. fork semantics
 * plus namespace flags. fork() cannot take the flags and glibc's clone() wants a separate
 * stack and a callback; raw clone3 is used the same way, only for CLONE_INTO_CGROUP. The
 * process is single-threaded and registers no atfork handlers, so skipping glibc's fork
 * bookkeeping is safe; children never call raise()/abort()-style helpers that rely on
 * cached tids. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plan.h"

enum { REC_STARTED = 1, REC_STAGE_ERROR = 2, REC_EXIT = 3, REC_SECCOMP_VIOLATION = 4, REC_EXEC_OK = 100,
       REC_TARGET_EXIT = 101, REC_LISTENER = 102 };
enum { T_EXITED = 1, T_SIGNALED, T_WALL_TIME_LIMIT, T_KILLED, T_SETUP_FAILED, T_CPU_TIME_LIMIT,
       T_OUTPUT_LIMIT, T_SECCOMP_VIOLATION };
#define REC_MAX 1024
#define PLAN_FD 3
#define STATUS_FD 4
#define VIEW_FD 5 /* with VIEW_LIVE ops: the socket the FUSE connection goes up to the JVM */
#define PBUF 8192 /* "/newroot" or "/oldroot" + a 4095-byte path never truncates */

static struct plan plan;
static uint8_t planbuf[PLAN_HEADER_SIZE + PLAN_MAX_BODY];
static char resolved[PLAN_MAX_MOUNTS][PATH_MAX]; /* bind sources, resolved before pivot_root */
static int report_fd = STATUS_FD; /* where die() reports: fd 4, the init pipe or the exec pipe */
static int cgroup_fd[PLAN_MAX_CGROUPS]; /* init: v1 cgroup.procs, or the v2 directory */
static mode_t saved_umask;

/* ---------- records ---------- */

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }
static uint32_t get32(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

/* One write() per record: records are < PIPE_BUF, so pipes never split or interleave them. */
static int write_whole(int fd, const void *buf, size_t len)
{
    ssize_t n;
    do
        n = write(fd, buf, len);
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)len ? 0 : -1;
}

static int send_record(int fd, uint16_t type, const uint8_t *payload, size_t len)
{
    uint8_t rec[REC_MAX];
    put16(rec, type);
    put16(rec + 2, (uint16_t)len);
    memcpy(rec + 4, payload, len);
    return write_whole(fd, rec, len + 4);
}

static size_t put_str(uint8_t *p, const char *s, size_t len)
{
    put16(p, (uint16_t)len);
    memcpy(p + 2, s, len);
    return 2 + len;
}

static void send_error(int fd, int err, const char *stage, const char *path, const char *detail)
{
    uint8_t p[REC_MAX - 4];
    size_t sl = strnlen(stage, 64), dl = strnlen(detail ? detail : "", 256), pl = strlen(path);
    size_t room = sizeof p - 4 - 6 - sl - dl; /* the path is truncated to fit one record */
    if (pl > room)
        pl = room;
    put32(p, (uint32_t)err);
    size_t o = 4;
    o += put_str(p + o, stage, sl);
    o += put_str(p + o, path, pl);
    o += put_str(p + o, detail ? detail : "", dl);
    send_record(fd, REC_STAGE_ERROR, p, o);
}

static const char *errno_hint(int err)
{
    switch (err) {
    case ENOENT: return "not found";
    case EACCES: return "permission denied";
    case EPERM: return "operation not permitted";
    default: return strerror(err);
    }
}

/* Reports a failed setup stage with the current errno and ends this process. */
static _Noreturn void die(const char *stage, const char *path, const char *detail)
{
    int err = errno;
    send_error(report_fd, err, stage, path, detail ? detail : errno_hint(err));
    _exit(1);
}

/* ---------- small utilities ---------- */

static pid_t clone_process(unsigned long flags)
{
    return (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
}

/* fork() straight into the cgroup v2 directory dirfd (Linux >= 5.7), like clone_process. */
static pid_t clone_into_cgroup(int dirfd)
{
    struct clone_args a = {.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)dirfd};
    return (pid_t)syscall(SYS_clone3, &a, sizeof a);
}

static ssize_t read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 && got == 0 ? -1 : (ssize_t)got;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

static void close_range_compat(unsigned lo, unsigned hi)
{
    if (lo > hi || close_range(lo, hi, 0) == 0 || errno != ENOSYS)
        return;
    struct rlimit rl; /* kernels before 5.9 */
    unsigned max = 1u << 20;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < max)
        max = (unsigned)rl.rlim_cur;
    for (unsigned fd = lo; fd <= hi && fd < max; fd++)
        close((int)fd);
}

/* Closes every fd >= 3 except the five given (-1 for none). */
static void close_fds_except(int keep1, int keep2, int keep3, int keep4, int keep5)
{
    int k[5] = {keep1, keep2, keep3, keep4, keep5};
    for (int i = 1; i < 5; i++) /* sort */
        for (int j = i; j > 0 && k[j - 1] > k[j]; j--) {
            int t = k[j];
            k[j] = k[j - 1];
            k[j - 1] = t;
        }
    unsigned start = 3;
    for (int i = 0; i < 5; i++) {
        if (k[i] < (int)start)
            continue;
        if ((unsigned)k[i] > start)
            close_range_compat(start, (unsigned)k[i] - 1);
        start = (unsigned)k[i] + 1;
    }
    close_range_compat(start, ~0u);
}

static void stdio_to_devnull(int devnull)
{
    for (int fd = 0; fd < 3; fd++)
        if (devnull < 0 || dup2(devnull, fd) < 0)
            close(fd);
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The signals the supervisor takes through its signalfd (init: all but SIGUSR1/SIGUSR2). */
static void supervisor_signals(sigset_t *set)
{
    int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
    sigemptyset(set);
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaddset(set, sigs[i]);
}

/* Whether cap is in our effective set (in our own user namespace). */
static int has_cap(int cap)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    return syscall(SYS_capget, &h, d) == 0 && (d[cap / 32].effective & (1u << (cap % 32)));
}

/* ---------- init: setup stages ---------- */

/* prefix + path; path is a realpath() result (< PATH_MAX), the precision says so to gcc. */
static void join(char *buf, const char *prefix, const char *path)
{
    snprintf(buf, PBUF, "%s%.*s", prefix, PATH_MAX - 1, strcmp(path, "/") ? path : "");
}

/* ---------- init: targets resolved inside the new root ---------- */

static int root_fd = -1; /* O_PATH fd of /newroot once the ROOT op has mounted it */
static int no_openat2;   /* openat2 said ENOSYS (before Linux 5.6) */
/* Mounts that get flags in the final pass, each held by an fd on the mount itself. */
static struct {
    int fd, recursive;
    uint16_t flags;
} final_pass[PLAN_MAX_MOUNTS];

/* The host procfs's name for fd: mount(2) follows this magic link to exactly what the fd
 * holds, so a target path is never looked up by name a second time. */
static char *fd_path(char buf[64], int fd)
{
    snprintf(buf, 64, "/oldroot/proc/self/fd/%d", fd);
    return buf;
}

/* Before openat2: one component at a time from the root, never following a symlink (the
 * walk cannot clamp it to the new root, so a symlink is an error: ELOOP). */
static int walk_no_symlinks(const char *path)
{
    char comp[NAME_MAX + 1];
    int fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
    for (const char *p = path + 1; fd >= 0 && *p;) {
        size_t len = strcspn(p, "/");
        int next = -1, e = ENAMETOOLONG;
        struct stat st;
        if (len <= NAME_MAX) {
            memcpy(comp, p, len);
            comp[len] = 0;
            next = openat(fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
            e = errno;
            if (next >= 0 && fstat(next, &st) == 0 && S_ISLNK(st.st_mode)) {
                close(next);
                next = -1;
                e = ELOOP;
            }
        }
        close(fd);
        fd = next;
        errno = e;
        p += len + (p[len] == '/');
    }
    return fd;
}

/* O_PATH fd of path (absolute, as seen inside) resolved with /newroot as "/": symlinks
 * and ".." are clamped to the new root, /proc magic links refused. -1 with errno. */
static int resolve_in_root(const char *path)
{
    struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    for (int tries = 0; !no_openat2 && tries < 64; tries++) {
        int fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof how);
        if (fd >= 0 || (errno != EAGAIN && errno != ENOSYS))
            return fd;
        no_openat2 = errno == ENOSYS; /* EAGAIN: a rename or mount raced the walk, retry */
    }
    return no_openat2 ? walk_no_symlinks(path) : -1;
}

static const char *resolve_hint(int err)
{
    switch (err) {
    case ENOENT: return "does not exist inside the sandbox";
    case ENOTDIR: return "a component of the path is not a directory";
    case ELOOP: return no_openat2 ? "has a symlink: refused on kernels without openat2 (before Linux 5.6)"
                                  : "has too many symlinks or a /proc magic link";
    case EAGAIN: return "the tree kept changing while the path was resolved";
    default: return errno_hint(err);
    }
}

static int must_resolve(const char *path)
{
    int fd = resolve_in_root(path);
    if (fd < 0)
        die("resolve", path, resolve_hint(errno));
    return fd;
}

/* The helper creates things (mount points, directories, links, files) only inside a
 * tmpfs: the plan asks for creation only under tmpfs mounts it made itself, and this
 * check refuses, whatever a plan says, to write into a host directory such as a
 * caller's root file system. dirfd is the directory that would get the new entry. */
static void require_tmpfs(int dirfd, const char *stage, const char *path)
{
    struct statfs sf;
    if (fstatfs(dirfd, &sf) < 0 || sf.f_type != TMPFS_MAGIC) {
        errno = EPERM;
        die(stage, path, "refusing to create it outside a tmpfs the plan made");
    }
}

/* O_PATH fd of the directory holding target's last component (*name), with missing
 * parents created as 0755 directories when `create`. Each prefix is resolved afresh from
 * the root, so a directory is only ever made inside what the root resolution reached. */
static int open_parent(const char *stage, const char *target, int create, const char **name)
{
    char path[PBUF];
    size_t dirlen = (size_t)(strrchr(target, '/') - target);
    *name = target + dirlen + 1;
    snprintf(path, sizeof path, "%s", target);
    int fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        die("resolve", "/", NULL);
    for (size_t i = 1; i <= dirlen; i++) {
        if (i < dirlen && path[i] != '/')
            continue;
        path[i] = 0;
        int next = resolve_in_root(path);
        if (next < 0 && errno == ENOENT && create) {
            require_tmpfs(fd, "mkdir", path);
            if (mkdirat(fd, strrchr(path, '/') + 1, 0755) < 0 && errno != EEXIST)
                die("mkdir", path, "cannot create a parent directory");
            next = resolve_in_root(path);
        }
        if (next < 0 && errno == ENOENT)
            die(stage, path, "parent directory does not exist (CREATE_TARGET would make it)");
        if (next < 0)
            die("resolve", path, resolve_hint(errno));
        close(fd);
        fd = next;
        path[i] = '/';
    }
    return fd;
}

/* O_PATH fd of a mount point; missing, it is created (a directory, or an empty file)
 * only with CREATE_TARGET. */
static int open_mount_point(const char *stage, const struct plan_mount *m, int dir)
{
    int fd = resolve_in_root(m->target);
    if (fd >= 0)
        return fd;
    if (errno != ENOENT)
        die("resolve", m->target, resolve_hint(errno));
    if (!(m->flags & MF_CREATE_TARGET))
        die(stage, m->target, "mount point does not exist in the root filesystem");
    const char *name;
    int parent = open_parent(stage, m->target, 1, &name);
    require_tmpfs(parent, stage, m->target);
    int r = dir ? mkdirat(parent, name, 0755)
                : openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (r < 0 && errno != EEXIST)
        die(stage, m->target, "cannot create the mount point");
    if (!dir && r >= 0)
        close(r);
    close(parent);
    return must_resolve(m->target);
}

static unsigned long ms_flags(uint16_t f)
{
    return (f & MF_NOSUID ? MS_NOSUID : 0) | (f & MF_NODEV ? MS_NODEV : 0)
        | (f & MF_NOEXEC ? MS_NOEXEC : 0) | (f & MF_READONLY ? MS_RDONLY : 0);
}

static unsigned mount_attrs(uint16_t f)
{
    return (f & MF_READONLY ? MOUNT_ATTR_RDONLY : 0) | (f & MF_NOSUID ? MOUNT_ATTR_NOSUID : 0)
        | (f & MF_NODEV ? MOUNT_ATTR_NODEV : 0) | (f & MF_NOEXEC ? MOUNT_ATTR_NOEXEC : 0);
}

/* Adds flags to the mount fd sits on. mount_setattr only sets bits, so flags the kernel
 * locked in a user namespace are kept, and AT_RECURSIVE covers rbind submounts. Before
 * Linux 5.12 fall back to a bind remount that re-states the locked flags (else EPERM);
 * a recursive mount cannot be handled that way, so that is an error. */
static int add_mount_flags(int fd, uint16_t f, int recursive)
{
    struct mount_attr a = {.attr_set = mount_attrs(f)};
    if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof a) == 0)
        return 0;
    if (errno != ENOSYS || recursive)
        return -1;
    struct statvfs sv;
    char p[64];
    if (fstatvfs(fd, &sv) < 0)
        return -1;
    unsigned long keep = (sv.f_flag & ST_RDONLY ? MS_RDONLY : 0) | (sv.f_flag & ST_NOSUID ? MS_NOSUID : 0)
        | (sv.f_flag & ST_NODEV ? MS_NODEV : 0) | (sv.f_flag & ST_NOEXEC ? MS_NOEXEC : 0)
        | (sv.f_flag & ST_NOATIME ? MS_NOATIME : 0) | (sv.f_flag & ST_NODIRATIME ? MS_NODIRATIME : 0)
        | (sv.f_flag & ST_RELATIME ? MS_RELATIME : 0);
    if (!(sv.f_flag & (ST_NOATIME | ST_RELATIME)))
        keep |= MS_STRICTATIME;
    return mount(NULL, fd_path(p, fd), NULL, MS_REMOUNT | MS_BIND | keep | ms_flags(f), NULL);
}

static int has_mount_setattr(void)
{
    struct mount_attr a = {0};
    return mount_setattr(-1, "", AT_EMPTY_PATH, &a, sizeof a) == 0 || errno != ENOSYS;
}

/* A new, detached file system of `type` with mount(2)-style "key=value,..." options. */
static int new_fs(const char *type, uint16_t f, const char *data)
{
    char opts[96], *save, *kv;
    int fs = fsopen(type, FSOPEN_CLOEXEC);
    /* source: what mountinfo shows, as mount(2) would ("none" otherwise) */
    int ok = fs >= 0 && fsconfig(fs, FSCONFIG_SET_STRING, "source", type, 0) == 0;
    snprintf(opts, sizeof opts, "%s", data);
    for (kv = strtok_r(opts, ",", &save); ok && kv; kv = strtok_r(NULL, ",", &save)) {
        char *v = strchr(kv, '=');
        if (v)
            *v++ = 0;
        ok = fsconfig(fs, v ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, kv, v, 0) == 0;
    }
    int mnt = ok && fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0
        ? fsmount(fs, FSMOUNT_CLOEXEC, mount_attrs(f & ~MF_READONLY)) : -1;
    int e = errno;
    if (fs >= 0)
        close(fs);
    errno = e;
    return mnt;
}

/* Mounts a bind of src (type NULL) or a new file system of `type` (NOSUID/NODEV/NOEXEC of
 * f apply to it) on the resolved target fd dst. Returns an fd on the new mount itself, for
 * its flags later: the mount API of Linux 5.2 hands it over, so no path is looked up again
 * (resolved again, a path could lead elsewhere by then). -1 with errno. */
static int mount_at(const char *src, const char *type, uint16_t f, int rec, const char *data, int dst,
                    const char *target)
{
    int t = type ? new_fs(type, f, data)
                 : open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0));
    if (t >= 0 && move_mount(t, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) == 0)
        return t;
    int e = errno;
    if (t >= 0)
        close(t);
    errno = e;
    if (t >= 0 || e != ENOSYS)
        return -1;
    /* Before 5.2: mount(2) on the fd's /proc name; the new mount is then reached by
     * resolving the target again (without openat2 too, so never through a symlink). */
    char p[64];
    unsigned long flags = type ? ms_flags(f & ~MF_READONLY) : MS_BIND | (rec ? MS_REC : 0);
    if (mount(type ? type : src, fd_path(p, dst), type, flags, data) < 0)
        return -1;
    return must_resolve(target);
}

/* The stage a failure of op's mount flags is reported under. */
static const char *flags_stage(uint16_t op)
{
    switch (op) {
    case OP_MASK: return "mask";
    case OP_READONLY_PATH: return "readonly path";
    case OP_VIEW_SNAPSHOT:
    case OP_VIEW_LIVE: return "proc view";
    default: return NULL;
    }
}

/* Called right after op i mounted: fd is on the new mount. NOSUID/NODEV/NOEXEC (`now`)
 * are set at once; `later` flags (READONLY) wait for the final pass, which keeps fd. */
static void after_mount(unsigned i, int fd, uint16_t now, uint16_t later, int recursive)
{
    const struct plan_mount *m = &plan.mounts[i];
    if (now && add_mount_flags(fd, now, recursive) < 0)
        die(flags_stage(m->op) ? flags_stage(m->op) : "bind", m->target, "cannot set nosuid/nodev/noexec");
    if (!later) {
        close(fd);
        return;
    }
    final_pass[i].fd = fd;
    final_pass[i].flags = later; /* non-zero: the entry is used */
    final_pass[i].recursive = recursive;
}

/* A tmpfs with a size also gets an inode limit: without one a program could create
 * millions of empty files (the kernel's default is half the host's RAM pages), each costing
 * kernel memory, in a file system whose size says it is small. One inode per KiB of size,
 * at least 1024, is far more than any real use of that space needs. */
static unsigned long long tmpfs_inodes(uint64_t size)
{
    return size / 1024 > 1024 ? (unsigned long long)(size / 1024) : 1024;
}

static void tmpfs_options(char data[96], const struct plan_mount *m)
{
    int n = snprintf(data, 96, "mode=%o", m->mode);
    if (m->size)
        snprintf(data + n, 96 - (size_t)n, ",size=%llu,nr_inodes=%llu", (unsigned long long)m->size,
                 tmpfs_inodes(m->size));
}

/* MASK: an empty tmpfs over a directory, the host's /dev/null over anything else; both
 * made read-only in the final pass. Nothing there: nothing to hide. */
static void do_mask(unsigned i)
{
    const struct plan_mount *m = &plan.mounts[i];
    struct stat st;
    int dst = resolve_in_root(m->target);
    if (dst < 0 && (errno == ENOENT || errno == ENOTDIR))
        return;
    if (dst < 0)
        die("resolve", m->target, resolve_hint(errno));
    if (fstat(dst, &st) < 0)
        die("mask", m->target, "cannot inspect it");
    int dir = S_ISDIR(st.st_mode);
    int fd = dir ? mount_at(NULL, "tmpfs", MF_NOSUID | MF_NODEV | MF_NOEXEC, 0, "mode=0555", dst, m->target)
                 : mount_at("/oldroot/dev/null", NULL, 0, 0, NULL, dst, m->target);
    if (fd < 0)
        die("mask", m->target, dir ? "cannot mount an empty tmpfs over it" : "cannot bind /dev/null over it");
    close(dst);
    after_mount(i, fd, 0, MF_READONLY, 0);
}

/* READONLY_PATH: bound onto itself so that it is a mount of its own, read-only in the
 * final pass. With mount_setattr (5.12) the bind and the read-only flag are recursive, so
 * submounts stay visible and become read-only too; before it a plain bind hides them
 * (nothing writable stays reachable; in a user namespace the kernel refuses it: EINVAL). */
static void do_readonly_path(unsigned i)
{
    const struct plan_mount *m = &plan.mounts[i];
    char p[64];
    int dst = resolve_in_root(m->target);
    if (dst < 0 && (errno == ENOENT || errno == ENOTDIR))
        return;
    if (dst < 0)
        die("resolve", m->target, resolve_hint(errno));
    int rec = has_mount_setattr();
    int fd = mount_at(fd_path(p, dst), NULL, 0, rec, NULL, dst, m->target);
    if (fd < 0)
        die("readonly path", m->target, errno == EINVAL && !rec
            ? "it has submounts a user namespace may not hide: needs Linux 5.12" : "cannot bind it onto itself");
    close(dst);
    after_mount(i, fd, 0, MF_READONLY, rec);
}

static void make_node(const struct plan_mount *m)
{
    const char *stage = m->op == OP_DIR ? "dir" : m->op == OP_SYMLINK ? "symlink" : "file", *name;
    int dir = open_parent(stage, m->target, m->flags & MF_CREATE_TARGET, &name);
    require_tmpfs(dir, stage, m->target);
    if (m->op == OP_DIR) {
        if (mkdirat(dir, name, m->mode) < 0) {
            int e = errno, fd = e == EEXIST ? resolve_in_root(m->target) : -1;
            struct stat st;
            int ok = fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
            if (fd >= 0)
                close(fd);
            errno = e;
            if (!ok)
                die("dir", m->target, "cannot create directory");
        }
    } else if (m->op == OP_SYMLINK) {
        char cur[PATH_MAX];
        if (symlinkat(m->source, dir, name) < 0) {
            int e = errno;
            ssize_t n = e == EEXIST ? readlinkat(dir, name, cur, sizeof cur) : -1;
            if (n != (ssize_t)m->source_len || memcmp(cur, m->source, (size_t)n) != 0) {
                errno = e;
                die("symlink", m->target, e == EEXIST ? "something else exists there" : "cannot create symlink");
            }
        }
    } else { /* FILE: never overwrite, the root may be a host directory */
        int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, m->mode);
        if (fd < 0)
            die("file", m->target, errno == EEXIST ? "already exists" : "cannot create file");
        for (size_t off = 0; off < m->source_len;) {
            ssize_t w = write(fd, m->source + off, m->source_len - off);
            if (w < 0 && errno != EINTR)
                die("file", m->target, "cannot write file");
            off += w > 0 ? (size_t)w : 0;
        }
        close(fd);
    }
    close(dir);
}

/* ---------- init: the /proc views ---------- */

/* A view is a file of the staging tmpfs (VIEW_SNAPSHOT: /views/<op index>) or of the live
 * view's FUSE file system (VIEW_LIVE: /live/<name>), bound read-only, nosuid, nodev and
 * noexec over a file inside. The staging tmpfs is the old root after the last pivot_root:
 * detached, it stays alive only through these binds, each of which shows one file. */
static int live_view_mounted; /* /live is mounted and the FUSE connection went to the JVM */

static const char *view_bind_hint(int err, int live)
{
    switch (err) {
    case ENOENT: return live ? "the live view serves no file of this name" : "the view's file vanished";
    case ENOTCONN:
    case ECONNABORTED: return "the live view's server (the JVM) ended the FUSE connection";
    case ECONNREFUSED: return "the live view's server (the JVM) refused the FUSE connection";
    case ENOTDIR: return "the target is not a file: a view replaces a file";
    case EINVAL: return "the kernel refused to bind a file over the target";
    default: return errno_hint(err);
    }
}

/* O_PATH fd of op i's target: a file that exists, or is created empty with CREATE_TARGET
 * under a tmpfs the plan made. */
static int open_view_target(unsigned i)
{
    const struct plan_mount *m = &plan.mounts[i];
    struct stat st;
    int dst = open_mount_point("proc view", m, 0);
    if (fstat(dst, &st) < 0)
        die("proc view", m->target, "cannot inspect the target");
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        die("proc view", m->target, "the target is a directory: a view replaces a file");
    }
    return dst;
}

/* Binds file (a path in the staging tree) over op i's target, dst from open_view_target. */
static void bind_view(unsigned i, const char *file, int dst)
{
    const struct plan_mount *m = &plan.mounts[i];
    int fd = mount_at(file, NULL, 0, 0, NULL, dst, m->target);
    if (fd < 0)
        die("proc view", m->target, view_bind_hint(errno, m->op == OP_VIEW_LIVE));
    close(dst);
    after_mount(i, fd, MF_NOSUID | MF_NODEV | MF_NOEXEC, MF_READONLY, 0);
}

/* VIEW_SNAPSHOT: the content becomes /views/<i> (0444) in the staging tmpfs, bound over
 * the target. */
static void do_view_snapshot(unsigned i)
{
    const struct plan_mount *m = &plan.mounts[i];
    char file[32];
    snprintf(file, sizeof file, "/views/%u", i);
    if (mkdir("/views", 0755) < 0 && errno != EEXIST)
        die("proc view", m->target, "cannot create /views in the staging tmpfs");
    int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
    if (fd < 0)
        die("proc view", m->target, "cannot create the view's file in the staging tmpfs");
    for (size_t off = 0; off < m->source_len;) {
        ssize_t w = write(fd, m->source + off, m->source_len - off);
        if (w < 0 && errno != EINTR)
            die("proc view", m->target, "cannot write the view's content into the staging tmpfs");
        off += w > 0 ? (size_t)w : 0;
    }
    close(fd);
    bind_view(i, file, open_view_target(i));
}

/* Sends the /dev/fuse fd up fd 5: one message, payload 'F', the fd as SCM_RIGHTS. */
static void send_fuse_fd(int fuse, const char *target)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct iovec iov = {"F", 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fuse, sizeof fuse);
    ssize_t n;
    do
        n = sendmsg(VIEW_FD, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n != 1)
        die("proc view", target, "cannot pass the FUSE connection to the JVM over fd 5 (the JVM closed its end?)");
}

/* Stage "proc view", on the first VIEW_LIVE op, in the sandbox's user and mount
 * namespaces (the kernel wants /dev/fuse opened in the user namespace that mounts it):
 * mounts the live view's FUSE file system on /live in the staging tmpfs and hands the
 * connection to the JVM, which serves it. Init keeps neither the connection nor fd 5. */
static void start_live_view(const char *target)
{
    int fuse = open("/oldroot/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fuse < 0)
        die("proc view", target, errno == ENOENT || errno == ENXIO || errno == ENODEV
            ? "cannot open /dev/fuse: FUSE is not available on this host (load the fuse module)"
            : "cannot open /dev/fuse: the live view needs it (use the static view otherwise)");
    if (mkdir("/live", 0755) < 0)
        die("proc view", target, "cannot create /live in the staging tmpfs");
    unsigned uid = 0, gid = 0; /* the mount's owner, as seen in the sandbox's user namespace */
    if ((plan.namespaces & NS_USER) && plan.n_uid_maps)
        uid = plan.uid_maps[0].inside;
    if ((plan.namespaces & NS_USER) && plan.n_gid_maps)
        gid = plan.gid_maps[0].inside;
    char opts[128];
    snprintf(opts, sizeof opts, "fd=%d,rootmode=40000,user_id=%u,group_id=%u,allow_other", fuse, uid, gid);
    if (mount("sandbox4j-view", "/live", "fuse", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
        die("proc view", target, errno == ENODEV ? "the kernel has no FUSE file system (load the fuse module)"
            : errno == EPERM ? "the kernel refused a FUSE mount here (in a user namespace it needs Linux 4.18)"
            : "cannot mount the live view's FUSE file system");
    send_fuse_fd(fuse, target);
    close(fuse);
    close(VIEW_FD);
    live_view_mounted = 1;
}

/* VIEW_LIVE: /live/<name> bound over the target (found first, so that a plan that fails
 * there never involves the JVM). The lookup of /live/<name> waits for the JVM to answer
 * FUSE_INIT and FUSE_LOOKUP, which it does on its own thread. */
static void do_view_live(unsigned i)
{
    const struct plan_mount *m = &plan.mounts[i];
    char file[64];
    int dst = open_view_target(i);
    if (!live_view_mounted)
        start_live_view(m->target);
    snprintf(file, sizeof file, "/live/%s", m->source); /* 1..32 bytes of [a-z0-9_] */
    bind_view(i, file, dst);
}

/* ---------- init: read-only overlays, for inodes of the sandbox's own ---------- */

/* An OVERLAY of a host directory is an overlayfs whose lower layers are that directory
 * and an empty directory of the staging tmpfs (one lower layer alone is refused before
 * Linux 6.7), without upper layer: the same content, read-only, in inodes that belong to
 * this mount alone, so flock(2) and fcntl locks taken inside never meet those of the host
 * or of another sandbox. An overlay does not cross mount points of its lower layer: like
 * a non-recursive bind, it shows no submounts. */

static const char *overlay_hint(int err)
{
    switch (err) {
    case ENODEV: return "the kernel has no overlayfs (load the overlay module)";
    case EPERM: return "the kernel refused an overlay mount here (in a user namespace it needs Linux 5.11)";
    case ENOSYS: return "an overlay is mounted with the mount API of Linux 5.2";
    case EINVAL: return "overlayfs refused the directory as a lower layer";
    default: return errno_hint(err);
    }
}

/* A detached read-only overlay of dir (a directory under /oldroot) with the attributes of
 * f. The lower layer is named "." after a chdir into it: no escaping of ':' or ',' and no
 * limit of fsconfig's 256-byte strings, whatever the host path is. -1 with errno. */
static int new_overlay(const char *dir, uint16_t f)
{
    if (mkdir("/empty", 0555) < 0 && errno != EEXIST)
        return -1;
    if (chdir(dir) < 0)
        return -1;
    int fs = fsopen("overlay", FSOPEN_CLOEXEC);
    int ok = fs >= 0 && fsconfig(fs, FSCONFIG_SET_STRING, "source", "overlay", 0) == 0
        && fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", ".:/empty", 0) == 0
        && fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0;
    int mnt = ok ? fsmount(fs, FSMOUNT_CLOEXEC, mount_attrs(f | MF_READONLY)) : -1;
    int e = errno;
    if (fs >= 0)
        close(fs);
    if (chdir("/") < 0 && mnt >= 0) {
        e = errno;
        close(mnt);
        mnt = -1;
    }
    errno = e;
    return mnt;
}

static unsigned char staged_parent_of[PLAN_MAX_MOUNTS]; /* op j staged /overlays/<j> */

/* Index of the OVERLAY op whose staged parent overlay /overlays/<index> op i can share
 * (same host parent directory), or i itself when it is the first. */
static unsigned staged_parent(unsigned i, size_t parent_len)
{
    for (unsigned j = 0; j < i; j++)
        if (staged_parent_of[j] && strrchr(resolved[j], '/') - resolved[j] == (ptrdiff_t)parent_len
            && strncmp(resolved[j], resolved[i], parent_len) == 0 && resolved[j][parent_len] == '/')
            return j;
    return i;
}

/* A host file gets inodes of its own through a read-only overlay of its parent directory
 * at /overlays/<j> in the staging tmpfs (one per parent directory, shared by the ops that
 * need it), of which only the file is bound over the target: nothing else of the parent
 * shows, and after the last pivot_root the staged overlay is reachable only through it. */
static void overlay_file(unsigned i, const char *src)
{
    const struct plan_mount *m = &plan.mounts[i];
    char dir[PBUF], staged[64], file[64 + NAME_MAX + 2];
    const char *name = strrchr(src, '/') + 1; /* src is "/oldroot" + an absolute path */
    size_t parent_len = (size_t)(strrchr(resolved[i], '/') - resolved[i]);
    unsigned j = staged_parent(i, parent_len);
    if (strlen(name) > NAME_MAX) {
        errno = ENAMETOOLONG;
        die("overlay", m->target, "the source's name is too long");
    }
    snprintf(staged, sizeof staged, "/overlays/%u", j);
    snprintf(file, sizeof file, "%s/%s", staged, name);
    if (j == i) {
        snprintf(dir, sizeof dir, "%.*s", (int)(name - 1 - src), src);
        if ((mkdir("/overlays", 0755) < 0 && errno != EEXIST) || mkdir(staged, 0755) < 0)
            die("overlay", m->target, "cannot create the staging directory of the source's parent");
        int o = new_overlay(dir, 0);
        if (o < 0)
            die("overlay", m->target, overlay_hint(errno));
        if (move_mount(o, "", AT_FDCWD, staged, MOVE_MOUNT_F_EMPTY_PATH) < 0)
            die("overlay", m->target, "cannot attach the overlay of the source's parent in the staging tmpfs");
        close(o);
        staged_parent_of[i] = 1;
    }
    int dst = open_mount_point("overlay", m, 0);
    int fd = mount_at(file, NULL, 0, 0, NULL, dst, m->target);
    if (fd < 0)
        die("overlay", m->target, errno == ENOENT ? "the source vanished from the host"
            : "cannot bind the file of the source's overlay");
    close(dst);
    after_mount(i, fd, m->flags & (MF_NOSUID | MF_NODEV | MF_NOEXEC), MF_READONLY, 0);
}

/* OVERLAY: a read-only overlay of a host directory on the target, or of a host file's
 * parent with the one file bound on the target. */
static void do_overlay(unsigned i, const char *src)
{
    const struct plan_mount *m = &plan.mounts[i];
    struct stat st;
    if (stat(src, &st) < 0)
        die("overlay", m->target, errno == ENOENT ? "the source vanished from the host" : NULL);
    if (S_ISREG(st.st_mode)) {
        overlay_file(i, src);
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        errno = EINVAL;
        die("overlay", m->target, "the source is neither a directory nor a regular file");
    }
    int dst = open_mount_point("overlay", m, 1);
    int fd = new_overlay(src, m->flags);
    if (fd < 0)
        die("overlay", m->target, overlay_hint(errno));
    if (move_mount(fd, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        die("overlay", m->target, "cannot attach the overlay on the target");
    close(fd);
    close(dst);
}

/* ---------- supervisor and init: device nodes of the sandbox's own ---------- */

/* A tmpfs made by the supervisor, before clone, as root of the initial user namespace:
 * its superblock belongs to that namespace, so it is not implicitly nodev as any file
 * system mounted in the sandbox's user namespace would be, and the supervisor may mknod
 * in it. It is detached; init inherits the fd, attaches the tree to its staging tmpfs at
 * /devices and binds node "<op index>" over each DEVICE op's target. -1: no DEVICE ops. */
static int devices_fd = -1;

static const char *device_hint(int err)
{
    switch (err) {
    case EPERM: return "making device nodes needs root in the initial user namespace (CAP_MKNOD)";
    case ENOSYS: return "the device nodes' tmpfs is made with the mount API of Linux 5.2";
    case ENODEV: return "the source is not a character device";
    default: return errno_hint(err);
    }
}

/* One node: a character device with the host node's number, mode and owner. */
static int make_device_node(unsigned i, const char *source)
{
    struct stat st;
    char name[16];
    snprintf(name, sizeof name, "%u", i);
    if (lstat(source, &st) < 0)
        return -1;
    if (!S_ISCHR(st.st_mode)) {
        errno = ENODEV;
        return -1;
    }
    if (mknodat(devices_fd, name, S_IFCHR | (st.st_mode & 0777), st.st_rdev) < 0
        || fchmodat(devices_fd, name, st.st_mode & 0777, 0) < 0 /* the umask took bits off */
        || fchownat(devices_fd, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
        return -1;
    return 0;
}

/* Stage "device", in the supervisor before clone. 0 ok, -1 reported on fd 4. */
static int make_device_nodes(void)
{
    if (!plan.n_devices)
        return 0;
    int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
    int ok = fs >= 0 && fsconfig(fs, FSCONFIG_SET_STRING, "source", "sandbox4j-dev", 0) == 0
        && fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0755", 0) == 0
        && fsconfig(fs, FSCONFIG_SET_STRING, "size", "16k", 0) == 0
        && fsconfig(fs, FSCONFIG_SET_STRING, "nr_inodes", "64", 0) == 0
        && fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0;
    devices_fd = ok ? fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC) : -1;
    int e = errno;
    if (fs >= 0)
        close(fs);
    errno = e;
    const char *source = "";
    for (unsigned i = 0; devices_fd >= 0 && i < plan.n_mounts; i++)
        if (plan.mounts[i].op == OP_DEVICE && make_device_node(i, source = plan.mounts[i].source) < 0) {
            e = errno;
            close(devices_fd);
            devices_fd = -1;
            errno = e;
        }
    if (devices_fd >= 0)
        return 0;
    send_error(STATUS_FD, errno, "device", source, device_hint(errno));
    return -1;
}

/* In init, in the staging tmpfs: the supervisor's device tree becomes /devices. */
static void attach_devices(void)
{
    if (devices_fd < 0)
        return;
    if (mkdir("/devices", 0755) < 0 || move_mount(devices_fd, "", AT_FDCWD, "/devices", MOVE_MOUNT_F_EMPTY_PATH) < 0)
        die("device", "/dev", "cannot attach the device nodes' tmpfs in the staging tmpfs");
    close(devices_fd);
    devices_fd = -1;
}

/* DEVICE: node "<i>" of /devices bound over the target, a file (created empty under a
 * tmpfs the plan made with CREATE_TARGET). */
static void do_device(unsigned i)
{
    const struct plan_mount *m = &plan.mounts[i];
    char node[32];
    snprintf(node, sizeof node, "/devices/%u", i);
    int dst = open_mount_point("device", m, 0);
    int fd = mount_at(node, NULL, 0, 0, NULL, dst, m->target);
    if (fd < 0)
        die("device", m->target, "cannot bind the sandbox's own device node");
    close(dst);
    after_mount(i, fd, m->flags & (MF_NOSUID | MF_NOEXEC), m->flags & MF_READONLY, 0);
}

/* The ROOT op mounts on /newroot, the staging directory (ours, no resolution needed). */
/* ROOT_OVERLAY: a read-only overlay of a host directory as the new root. */
static void do_root_overlay(unsigned i, const char *src)
{
    const struct plan_mount *m = &plan.mounts[i];
    int fd = new_overlay(src, m->flags);
    if (fd < 0)
        die("overlay", "/", overlay_hint(errno));
    if (move_mount(fd, "", AT_FDCWD, "/newroot", MOVE_MOUNT_F_EMPTY_PATH) < 0)
        die("overlay", "/", "cannot attach the overlay as the new root");
    close(fd);
    if ((root_fd = open("/newroot", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        die("resolve", "/", "cannot open the new root");
}

static void do_root(unsigned i, const char *src)
{
    const struct plan_mount *m = &plan.mounts[i];
    int rec = m->flags & MF_RECURSIVE;
    char data[96];
    if (m->op == OP_ROOT_OVERLAY) {
        do_root_overlay(i, src);
        return;
    }
    tmpfs_options(data, m);
    if (m->op == OP_ROOT_BIND ? mount(src, "/newroot", NULL, MS_BIND | (rec ? MS_REC : 0), NULL)
                              : mount("tmpfs", "/newroot", "tmpfs", ms_flags(m->flags & ~MF_READONLY), data))
        die(m->op == OP_ROOT_BIND ? "bind" : "mount tmpfs", "/", m->op == OP_ROOT_TMPFS ? "cannot mount tmpfs"
            : errno == EINVAL && !rec ? "the source has submounts a user namespace may not hide: use RECURSIVE"
            : "cannot bind-mount");
    /* Every later target is resolved against the new root as mounted now. */
    if ((root_fd = open("/newroot", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        die("resolve", "/", "cannot open the new root");
    uint16_t now = m->op == OP_ROOT_BIND ? m->flags & (MF_NOSUID | MF_NODEV | MF_NOEXEC) : 0;
    after_mount(i, fcntl(root_fd, F_DUPFD_CLOEXEC, 0), now, m->flags & MF_READONLY, rec);
}

static void do_mount_op(unsigned i, const char *src)
{
    const struct plan_mount *m = &plan.mounts[i];
    int rec = m->flags & MF_RECURSIVE, dst, fd;
    char data[96];
    struct stat st;
    switch (m->op) {
    case OP_ROOT_BIND:
    case OP_ROOT_TMPFS:
    case OP_ROOT_OVERLAY:
        do_root(i, src);
        return;
    case OP_MASK:
        do_mask(i);
        return;
    case OP_READONLY_PATH:
        do_readonly_path(i);
        return;
    case OP_VIEW_SNAPSHOT:
        do_view_snapshot(i);
        return;
    case OP_VIEW_LIVE:
        do_view_live(i);
        return;
    case OP_OVERLAY:
        do_overlay(i, src);
        return;
    case OP_DEVICE:
        do_device(i);
        return;
    case OP_BIND:
        dst = open_mount_point("bind", m, stat(src, &st) == 0 && S_ISDIR(st.st_mode));
        if ((fd = mount_at(src, NULL, 0, rec, NULL, dst, m->target)) < 0)
            die("bind", m->target, errno == EINVAL && !rec
                ? "the source has submounts a user namespace may not hide: use RECURSIVE" : "cannot bind-mount");
        close(dst);
        after_mount(i, fd, m->flags & (MF_NOSUID | MF_NODEV | MF_NOEXEC), m->flags & MF_READONLY, rec);
        return;
    case OP_TMPFS:
        tmpfs_options(data, m);
        dst = open_mount_point("mount tmpfs", m, 1);
        if ((fd = mount_at(NULL, "tmpfs", m->flags, 0, data, dst, m->target)) < 0)
            die("mount tmpfs", m->target, "cannot mount tmpfs");
        close(dst);
        after_mount(i, fd, 0, m->flags & MF_READONLY, 0);
        return;
    case OP_PROC:
        dst = open_mount_point("proc", m, 1);
        if ((fd = mount_at(NULL, "proc", m->flags | MF_NOSUID | MF_NODEV | MF_NOEXEC, 0, "", dst, m->target)) < 0)
            die("proc", m->target, errno == EPERM
                ? "procfs needs a PID namespace owned by the sandbox's user namespace" : "cannot mount proc");
        close(dst);
        after_mount(i, fd, 0, m->flags & MF_READONLY, 0);
        return;
    default:
        make_node(m);
    }
}

static int pivot_root(const char *new_root, const char *put_old)
{
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}

/* bubblewrap's scheme: stage everything under a private tmpfs, with the host tree at
 * /oldroot as the source of binds, then pivot into /newroot and drop the host tree. */
static void setup_mounts(void)
{
    if (!(plan.namespaces & NS_MOUNT))
        return;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        die("make / private", "/", NULL);
    if (plan.n_mounts == 0)
        return;
    /* Resolve bind sources in the host's view: after pivot_root an absolute symlink
     * would resolve against the staging tmpfs instead of the host. */
    for (unsigned i = 0; i < plan.n_mounts; i++) {
        const struct plan_mount *m = &plan.mounts[i];
        int overlay = m->op == OP_OVERLAY || m->op == OP_ROOT_OVERLAY;
        if ((m->op == OP_BIND || m->op == OP_ROOT_BIND || overlay) && !realpath(m->source, resolved[i]))
            die(overlay ? "overlay" : "bind", m->source, errno == ENOENT ? "source does not exist on the host" : NULL);
    }
    if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
        die("mount tmpfs", "/tmp", "cannot mount the staging tmpfs on the host's /tmp");
    if (chdir("/tmp") < 0 || mkdir("newroot", 0755) < 0 || mkdir("oldroot", 0755) < 0)
        die("mkdir", "/tmp", "cannot prepare the staging tmpfs");
    if (pivot_root(".", "oldroot") < 0 || chdir("/") < 0)
        die("pivot_root", "/tmp", NULL);
    if (access("/oldroot/proc/self/fd", X_OK) < 0) /* what targets are mounted through */
        die("resolve", "", "the host's procfs must be mounted at /proc");
    attach_devices();

    for (unsigned i = 0; i < plan.n_mounts; i++) {
        char src[PBUF];
        join(src, "/oldroot", resolved[i]);
        do_mount_op(i, src);
    }
    /* Read-only last, so earlier ops could still create mount points anywhere. */
    for (unsigned i = 0; i < plan.n_mounts; i++) {
        const struct plan_mount *m = &plan.mounts[i];
        if (final_pass[i].flags
            && add_mount_flags(final_pass[i].fd, final_pass[i].flags, final_pass[i].recursive) < 0)
            die(flags_stage(m->op) ? flags_stage(m->op) : "remount read-only", m->target,
                errno == ENOSYS ? "recursive flags need Linux 5.12" : NULL);
        if (final_pass[i].flags)
            close(final_pass[i].fd);
    }
    close(root_fd);
    if (umount2("/oldroot", MNT_DETACH) < 0)
        die("umount", "/oldroot", "cannot detach the host's root");
    /* pivot_root(".", ".") stacks the old root on top of the new one; detaching "."
     * then leaves only the new root, with no directory needed inside it. */
    if (chdir("/newroot") < 0 || pivot_root(".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
        die("pivot_root", "/", NULL);
}

static void setup_hostname(void)
{
    if (plan.hostname && sethostname(plan.hostname, strlen(plan.hostname)) < 0)
        die("sethostname", "", NULL);
}

static void setup_loopback(void)
{
    if (!(plan.namespaces & NS_NET))
        return;
    struct ifreq ifr = {0};
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        die("loopback", "lo", "cannot create a socket");
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        die("loopback", "lo", "cannot read the flags of lo");
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
        die("loopback", "lo", "cannot bring lo up");
    close(s);
}

static void setup_workdir(void)
{
    if (chdir(plan.workdir) < 0)
        die("chdir", plan.workdir, errno == ENOENT ? "working directory does not exist inside the sandbox" : NULL);
}

/* ---------- init: the time namespace ---------- */

static int timens_fd = -1; /* /proc/self/timens_offsets, opened while the host's /proc is there */
static long long timens_parent_secs; /* the boot-time offset of the namespace init's children */
static long timens_parent_nsecs;     /* would have had: 0 0 unless the helper runs in one */

/* Stage "time namespace", right after the release, while init is still dumpable (with USER
 * the file then belongs to init's own uid, not to the host's root) and the host's /proc is
 * still visible. The kernel checks CAP_SYS_TIME against the opener's credentials at the
 * write. Also reads the boot-time offset of the namespace init's children would be born in:
 * offsets are relative to the initial time namespace, the origin to the JVM's (the same one
 * unless the JVM itself runs in a time namespace, e.g. inside another sandbox). */
static void open_time_offsets(void)
{
    const char *path = "/proc/self/timens_offsets";
    if (!(plan.namespaces & NS_TIME))
        return;
    if ((timens_fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
        die("time namespace", path, errno == ENOENT
            ? "needs Linux 5.6 with CONFIG_TIME_NS (and the host's procfs at /proc)"
            : errno == EACCES || errno == EPERM ? "needs root or a USER namespace" : NULL);
    char buf[256], name[16];
    int fd = open(path, O_RDONLY | O_CLOEXEC), found = 0;
    ssize_t n = fd < 0 ? -1 : read_full(fd, buf, sizeof buf - 1);
    if (fd >= 0)
        close(fd);
    buf[n > 0 ? n : 0] = 0;
    for (char *line = buf, *next; n > 0 && line; line = next) { /* "<clock> <secs> <nsecs>" lines */
        long long secs;
        long nsecs;
        if ((next = strchr(line, '\n')))
            *next++ = 0;
        /* the clock by name, or by number (7, CLOCK_BOOTTIME) as Linux 5.6 wrote it */
        if (sscanf(line, "%15s %lld %ld", name, &secs, &nsecs) == 3
            && (!strcmp(name, "boottime") || !strcmp(name, "7")) && nsecs >= 0 && nsecs < 1000000000L
            && secs > -(1LL << 40) && secs < (1LL << 40)) {
            timens_parent_secs = secs;
            timens_parent_nsecs = nsecs;
            found = 1;
        }
    }
    if (!found) {
        if (n >= 0)
            errno = 0;
        die("time namespace", path, "cannot read the current boot-time offset");
    }
}

/* Stage "time namespace", the last before the target is forked: init's later children
 * live in a new time namespace whose boot-time clock reads 0 at the run's origin (the
 * JVM's CLOCK_BOOTTIME when it started the run), so /proc/uptime, btime in /proc/stat and
 * process start times count from the run's start. Offsets can only be written before a
 * process enters the namespace, hence unshare (children only) and not a clone flag.
 * CLOCK_MONOTONIC keeps no offset: it reads the host's value inside (an offset would need
 * a second origin, the JVM's CLOCK_MONOTONIC, which the plan does not carry). */
static void setup_time_namespace(void)
{
    if (!(plan.namespaces & NS_TIME))
        return;
    struct timespec now;
    if (clock_gettime(CLOCK_BOOTTIME, &now) < 0)
        die("time namespace", "", "cannot read CLOCK_BOOTTIME");
    uint64_t now_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    if (plan.time_origin_ns > now_ns) {
        errno = EINVAL;
        die("time namespace", "", "the time origin is later than the host's boot-time clock now");
    }
    if (unshare(CLONE_NEWTIME) < 0)
        die("time namespace", "", errno == EINVAL ? "needs Linux 5.6 with CONFIG_TIME_NS"
            : errno == EPERM ? "needs CAP_SYS_ADMIN: root, or a USER namespace" : NULL);
    /* offset = parent offset - origin, as seconds and nanoseconds in [0, 1e9): with no parent
     * offset, an origin of 5.25 s is "7 -6 750000000". The clock by number (7,
     * CLOCK_BOOTTIME): Linux 5.6.0 accepted only that, names came later. */
    long long secs = timens_parent_secs - (long long)(plan.time_origin_ns / 1000000000u);
    long nsecs = timens_parent_nsecs - (long)(plan.time_origin_ns % 1000000000u);
    if (nsecs < 0) {
        secs -= 1;
        nsecs += 1000000000L;
    }
    char line[64];
    int len = snprintf(line, sizeof line, "%d %lld %ld\n", CLOCK_BOOTTIME, secs, nsecs);
    if (write_whole(timens_fd, line, (size_t)len) < 0)
        die("time namespace", "/proc/self/timens_offsets", errno == ERANGE
            ? "the kernel refused the boot-time offset" : "cannot set the boot-time offset");
    close(timens_fd);
    timens_fd = -1;
}

/* ---------- init: the run cgroup ---------- */

static const char *cgroup_hint(int err)
{
    switch (err) {
    case ENOENT: return "no such cgroup directory (or no cgroup.procs in it)";
    case ENOSPC: return "cpuset.cpus/mems of the cgroup are empty";
    case EBUSY: return "the cgroup has controllers enabled for its children (no internal processes)";
    case EOPNOTSUPP: return "the cgroup is not a valid domain for processes";
    case EBADF: return "not a cgroup version-2 directory";
    default: return errno_hint(err);
    }
}

/* Opened before the mount stage, while the host's tree is still visible; the fds stay
 * valid after pivot_root. */
static void open_cgroups(void)
{
    for (unsigned i = 0; i < plan.n_cgroups; i++) {
        char path[PBUF];
        snprintf(path, sizeof path, "%s/cgroup.procs", plan.cgroups[i]);
        cgroup_fd[i] = plan.cgroup_version == 1 ? open(path, O_WRONLY | O_CLOEXEC)
                                                : open(plan.cgroups[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cgroup_fd[i] < 0)
            die("cgroup", plan.cgroups[i], cgroup_hint(errno));
    }
}

/* The version-1 way: the target waits on the go pipe until it is in every run cgroup.
 * The pid is resolved in the writer's PID namespace, so init writes its own view. */
static void move_to_cgroups(pid_t target)
{
    char pid[16];
    int len = snprintf(pid, sizeof pid, "%d", (int)target);
    for (unsigned i = 0; i < plan.n_cgroups; i++)
        if (write(cgroup_fd[i], pid, (size_t)len) != len)
            die("cgroup", plan.cgroups[i], cgroup_hint(errno));
}

static void close_cgroups(void)
{
    for (unsigned i = 0; i < plan.n_cgroups; i++)
        close(cgroup_fd[i]);
}

/* ---------- target ---------- */

/* Set once the seccomp filter is installed: from then on the target makes only write,
 * read and execve calls (the policy may forbid anything else), so no stat for hints. */
static int filtered;

static _Noreturn void exec_failed(const char *path, int err, int exists)
{
    const char *d = NULL;
    if (err == ENOENT)
        d = exists ? "its interpreter or dynamic loader is missing inside the sandbox"
            : filtered ? "not found inside the sandbox, or its interpreter or dynamic loader is missing"
                       : "not found inside the sandbox";
    else if (err == ENOEXEC)
        d = "not an executable format";
    else if (err == E2BIG)
        d = "argument list too long";
    errno = err;
    die("execve", path, d);
}

static int exists(const char *path)
{
    struct stat st;
    return !filtered && stat(path, &st) == 0;
}

/* execvpe() semantics without its /bin/sh fallback: the LAST meaningful errno wins,
 * EACCES if any candidate was found but not executable, ENOENT only if none was found. */
static _Noreturn void exec_program(void)
{
    const char *file = plan.argv[0], *path = "/usr/local/bin:/usr/bin:/bin";
    if (!*file)
        exec_failed(file, ENOENT, 0);
    if (strchr(file, '/')) {
        execve(file, plan.argv, plan.envp);
        exec_failed(file, errno, errno == ENOENT && exists(file));
    }
    for (unsigned i = 0; i < plan.n_envs; i++)
        if (!strncmp(plan.envp[i], "PATH=", 5))
            path = plan.envp[i] + 5;
    char cand[PBUF], denied[PBUF] = "", noloader[PBUF] = "";
    for (const char *p = path;; p++) {
        const char *end = strchrnul(p, ':');
        size_t len = (size_t)(end - p); /* an empty element means the working directory */
        if (len + strlen(file) + 2 <= PATH_MAX) {
            snprintf(cand, sizeof cand, "%.*s%s%s", (int)len, p, len ? "/" : "", file);
            execve(cand, plan.argv, plan.envp);
            int e = errno;
            if (e == EACCES && !denied[0])
                strcpy(denied, cand);
            else if (e == ENOENT && !noloader[0] && exists(cand))
                strcpy(noloader, cand);
            else if (e != EACCES && e != ENOENT && e != ENOTDIR && e != ESTALE && e != ENODEV
                     && e != ETIMEDOUT && e != ELOOP)
                exec_failed(cand, e, 0);
        }
        if (!*end)
            break;
        p = end;
    }
    if (denied[0])
        exec_failed(denied, EACCES, 1);
    exec_failed(noloader[0] ? noloader : file, ENOENT, noloader[0] != 0);
}

static void set_rlimits(void)
{
    static const char *const names[PLAN_MAX_RLIMITS] = {"CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS",
        "NPROC", "NOFILE", "MEMLOCK", "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"};
    for (unsigned i = 0; i < plan.n_rlimits; i++) {
        const struct plan_rlimit *l = &plan.rlimits[i];
        struct rlimit rl = {l->soft == UINT64_MAX ? RLIM_INFINITY : (rlim_t)l->soft,
                            l->hard == UINT64_MAX ? RLIM_INFINITY : (rlim_t)l->hard};
        if (setrlimit((int)l->resource, &rl) < 0) {
            char detail[128];
            snprintf(detail, sizeof detail, "cannot set RLIMIT_%s: %s", names[l->resource],
                     errno == EPERM ? "raising a hard limit needs CAP_SYS_RESOURCE (NOFILE: at most fs.nr_open)"
                     : strerror(errno));
            die("setrlimit", "", detail);
        }
    }
}

static int last_cap = -1; /* the running kernel's CAP_LAST_CAP, found by drop_bounding_set */

/* The kept set, less any capability this kernel does not know: those cannot be had. */
static uint64_t kept_known(void)
{
    return last_cap < 0 ? 0 : plan.kept_caps & ~0ull >> (63 - last_cap);
}

static int permitted_is_empty(void)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    return syscall(SYS_capget, &h, d) == 0 && !d[0].permitted && !d[1].permitted;
}

/* Stage "capabilities", while the target is still privileged (CAP_SETPCAP): every
 * capability not kept leaves the bounding set, and the ambient set is cleared. */
static void drop_bounding_set(void)
{
    /* PR_CAPBSET_READ fails (EINVAL) past the last capability this kernel knows. */
    for (int c = 0; prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; last_cap = c++) {
        if ((plan.kept_caps >> c & 1) || prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0)
            continue;
        /* Without CAP_SETPCAP (no USER namespace, not root) the set cannot shrink. That is
         * harmless only for a target that holds no capability and can never gain one. */
        if (errno == EPERM && permitted_is_empty() && (plan.security_flags & SEC_NO_NEW_PRIVS))
            continue;
        char detail[128];
        snprintf(detail, sizeof detail, "cannot drop capability %d from the bounding set%s", c,
                 errno == EPERM ? ": needs CAP_SETPCAP (root, or a USER namespace)" : "");
        die("capabilities", "", detail);
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) /* EINVAL: < 4.3 */
        die("capabilities", "", "cannot clear the ambient set");
    /* The uid change would empty the permitted set: keep it, set_capabilities trims it. */
    if (kept_known() && plan.has_identity && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        die("capabilities", "", "cannot keep capabilities across the id change");
}

/* Stage "capabilities", after the id change: effective = permitted = inheritable = kept,
 * and each kept one ambient too, so that a non-root program still has it after execve. */
static void set_capabilities(void)
{
    uint64_t keep = kept_known();
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    for (int i = 0; i < 2; i++)
        d[i].effective = d[i].permitted = d[i].inheritable = (uint32_t)(keep >> 32 * i);
    if (syscall(SYS_capset, &h, d) < 0)
        die("capabilities", "", errno == EPERM ? "a kept capability is not held by the sandbox" : NULL);
    for (int c = 0; c <= last_cap; c++)
        if ((keep >> c & 1) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0) {
            char detail[64];
            snprintf(detail, sizeof detail, "cannot raise capability %d in the ambient set", c);
            die("capabilities", "", detail);
        }
}

static void set_no_new_privs(void)
{
    if ((plan.security_flags & SEC_NO_NEW_PRIVS) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        die("no_new_privs", "", NULL);
}

/* The very last step before execve. With NOTIFY the kernel gives us a listener (close on
 * exec): its number goes to init as a LISTENER record, init copies it out with
 * pidfd_getfd and releases us through the go pipe. From here on: write, read, execve. */
static void install_seccomp(int exec_fd, int go_fd, int make_dumpable)
{
    if (!plan.n_bpf)
        return;
    int notify = plan.seccomp_flags & SC_NOTIFY;
    struct sock_fprog prog = {(unsigned short)plan.n_bpf, plan.bpf};
    if (notify && make_dumpable && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
        die("seccomp listener", "", "cannot make the program reachable for pidfd_getfd");
    long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &prog);
    if (fd < 0)
        die("seccomp", "", errno == EACCES ? "needs NO_NEW_PRIVS or a kept CAP_SYS_ADMIN"
            : errno == EINVAL ? "the kernel refused the filter program or its flags" : NULL);
    filtered = 1;
    if (notify) {
        uint8_t p[4];
        char c;
        put32(p, (uint32_t)fd);
        if (send_record(exec_fd, REC_LISTENER, p, sizeof p) < 0 || read(go_fd, &c, 1) != 1)
            _exit(1); /* init is gone: it reports, and we are killed with the tree */
    }
}

/* go_fd: read end of the go pipe (-1 without one); wait_cgroup: the first byte on it says
 * we are in the run cgroup (a second one, with NOTIFY, releases us after seccomp). */
static _Noreturn void run_target(int exec_fd, int go_fd, int wait_cgroup, pid_t init_pid)
{
    char c;
    report_fd = exec_fd;
    /* EOF instead of the byte: init died or failed to move us; init reports that. */
    if (wait_cgroup && read_full(go_fd, &c, 1) != 1)
        _exit(1);
    /* Now in the run cgroup, so the new namespace is rooted there; init did not unshare. */
    if (plan.n_cgroups && (plan.namespaces & NS_CGROUP) && unshare(CLONE_NEWCGROUP) < 0)
        die("cgroup namespace", "", NULL);
    setsid();
    struct sigaction sa = {.sa_handler = SIG_DFL};
    for (int sig = 1; sig < _NSIG; sig++)
        sigaction(sig, &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    umask(saved_umask);
    set_rlimits(); /* before the id change, while a hard limit may still be raised */
    /* init takes the seccomp listener with pidfd_getfd, i.e. needs ptrace access to us. We
     * are not dumpable (as init), and our mm belongs to the helper's user namespace: there
     * init lacks CAP_SYS_PTRACE with USER (its capabilities are inside) or when the helper
     * is unprivileged. Then we must be dumpable; that only opens us to the JVM's own user,
     * and execve makes the program dumpable anyway. Decided now, with init's capabilities. */
    int make_dumpable = (plan.namespaces & NS_USER) || !has_cap(CAP_SYS_PTRACE);
    drop_bounding_set(); /* before the id change, while CAP_SETPCAP is still there */
    if (plan.has_identity) {
        if (setgroups(0, NULL) < 0 && errno != EPERM) /* EPERM: setgroups is denied */
            die("setgroups", "", NULL);
        if (setresgid(plan.gid, plan.gid, plan.gid) < 0)
            die("setresgid", "", errno == EINVAL ? "gid is not mapped in the user namespace" : NULL);
        if (setresuid(plan.uid, plan.uid, plan.uid) < 0)
            die("setresuid", "", errno == EINVAL ? "uid is not mapped in the user namespace" : NULL);
    }
    set_capabilities();
    set_no_new_privs();
    /* Set after the id change (which clears it); catches init dying before we got here. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != init_pid)
        _exit(1);
    close_fds_except(exec_fd, go_fd, -1, -1, -1);
    install_seccomp(exec_fd, go_fd, make_dumpable);
    exec_program();
}

/* ---------- init ---------- */

/* Forks the target into the run cgroup, never init itself: version 2 atomically with
 * clone3, else (version 1, or a kernel without CLONE_INTO_CGROUP) through a go pipe.
 * With NOTIFY the go pipe also releases the target after seccomp(); *go_w is then its
 * write end, else -1. */
static pid_t start_target(int exec_fd, pid_t self, int *go_w)
{
    pid_t target = -1;
    int go[2] = {-1, -1}, wait_cgroup = 0;
    if ((plan.n_cgroups || (plan.seccomp_flags & SC_NOTIFY)) && pipe2(go, O_CLOEXEC) < 0)
        die(plan.n_cgroups ? "cgroup" : "seccomp listener", "", "cannot create the go pipe");
    if (plan.cgroup_version == 2) {
        target = clone_into_cgroup(cgroup_fd[0]);
        if (target < 0 && errno != ENOSYS && errno != E2BIG && errno != EINVAL)
            die("cgroup", plan.cgroups[0], cgroup_hint(errno));
        if (target < 0) { /* before Linux 5.7 (or clone3 filtered): the version-1 way */
            int fd = openat(cgroup_fd[0], "cgroup.procs", O_WRONLY | O_CLOEXEC);
            if (fd < 0)
                die("cgroup", plan.cgroups[0], cgroup_hint(errno));
            close(cgroup_fd[0]);
            cgroup_fd[0] = fd;
        }
    }
    if (target < 0) {
        wait_cgroup = plan.n_cgroups != 0;
        target = clone_process(0);
    }
    if (target < 0)
        die("clone", "", "cannot start the program");
    if (target == 0) {
        if (go[1] >= 0)
            close(go[1]); /* so that init's death reads as EOF */
        run_target(exec_fd, go[0], wait_cgroup, self);
    }
    if (go[0] >= 0)
        close(go[0]);
    if (wait_cgroup) {
        move_to_cgroups(target); /* on failure init dies; the target reads EOF and exits */
        if (write_whole(go[1], "G", 1) < 0)
            die("cgroup", "", "cannot release the program");
    }
    if (!(plan.seccomp_flags & SC_NOTIFY) && go[1] >= 0) {
        close(go[1]);
        go[1] = -1;
    }
    close_cgroups();
    *go_w = go[1];
    return target;
}

/* Stage "seccomp listener": copies the target's listener (fd number target_fd in the
 * target) into init and hands it to the supervisor with SCM_RIGHTS. */
static void pass_listener(pid_t target, int target_fd, int sock)
{
    int pidfd = (int)syscall(SYS_pidfd_open, target, 0);
    int fd = pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, target_fd, 0);
    if (fd < 0)
        die("seccomp listener", "", errno == ENOSYS ? "needs Linux 5.6 (pidfd_getfd)"
            : errno == EPERM ? "cannot take the listener from the program: with another uid and no USER "
                               "namespace the helper needs CAP_SYS_PTRACE"
            : "cannot take the listener from the program");
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = {"L", 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
        die("seccomp listener", "", "cannot pass the listener to the supervisor");
    close(fd);
    close(pidfd);
}

/* Reads the exec-status pipe record by record until EOF (= the exec succeeded). A
 * LISTENER record (NOTIFY) is served and the target released; anything else is the
 * target's STAGE_ERROR: forwarded, and init exits. */
static void await_exec(int ep, pid_t target, int go_w, int sock, int to_sup)
{
    uint8_t rec[REC_MAX];
    for (;;) {
        ssize_t n = read_full(ep, rec, 4);
        if (n == 0 && go_w >= 0) { /* EOF, yet no LISTENER: the target died, it did not exec */
            errno = 0;
            die("seccomp listener", "", "the program died before it sent the listener: "
                "the policy must allow write, read and execve");
        }
        if (n == 0)
            return;
        size_t len = n == 4 ? (size_t)(rec[2] | rec[3] << 8) : 0;
        if (n == 4 && len <= REC_MAX - 4 && read_full(ep, rec + 4, len) == (ssize_t)len) {
            if (rec[0] == REC_LISTENER && rec[1] == 0 && len == 4 && go_w >= 0) {
                pass_listener(target, (int)get32(rec + 4), sock);
                if (write_whole(go_w, "G", 1) < 0)
                    die("seccomp listener", "", "cannot release the program");
                close(go_w);
                go_w = -1; /* one listener only */
                continue;
            }
            write_whole(to_sup, rec, 4 + len);
        } else {
            send_error(to_sup, n < 0 ? errno : 0, "exec pipe", "", "cannot read the program's exec status");
        }
        _exit(1); /* the target already _exit()ed or dies with us (pdeathsig / PID namespace) */
    }
}

/* sock: init's end of the socketpair that carries the seccomp listener (-1 without NOTIFY). */
static _Noreturn void init_main(int to_sup, int from_sup, int sock)
{
    char c;
    report_fd = to_sup;
    prctl(PR_SET_NAME, "sandbox4j-init"); /* else ps shows the memfd's fd number */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* Released once the id maps are written; EOF means the supervisor is gone. The
     * pdeathsig set above cannot have been missed: the supervisor was alive to write. */
    if (read_full(from_sup, &c, 1) != 1)
        _exit(1);
    open_time_offsets(); /* while still dumpable: see there */
    prctl(PR_SET_DUMPABLE, 0); /* was 1 only so that the maps could be written */
    saved_umask = umask(0);    /* modes in the plan are exact */
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

    open_cgroups();
    setup_mounts();
    setup_hostname();
    setup_loopback();
    setup_workdir();
    setup_time_namespace();

    int ep[2];
    if (pipe2(ep, O_CLOEXEC) < 0)
        die("exec pipe", "", NULL);
    pid_t self = getpid();
    int go_w;
    pid_t target = start_target(ep[1], self, &go_w);
    close(ep[1]);
    stdio_to_devnull(devnull);
    close(devnull);

    await_exec(ep[0], target, go_w, sock, to_sup);
    close(ep[0]);
    if (sock >= 0)
        close(sock);
    uint8_t p[4];
    put32(p, (uint32_t)target);
    send_record(to_sup, REC_EXEC_OK, p, 4);
    /* Reap nothing before the supervisor has found the target's host pid. */
    if (read_full(from_sup, &c, 1) != 1)
        _exit(1);

    sigset_t set;
    supervisor_signals(&set);
    sigdelset(&set, SIGUSR1);
    sigdelset(&set, SIGUSR2);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC); /* still blocked since the supervisor */
    if (sfd < 0)
        _exit(1);
    for (;;) {
        struct signalfd_siginfo si;
        ssize_t r = read(sfd, &si, sizeof si);
        if (r != sizeof si)
            continue; /* EINTR */
        if (si.ssi_signo != SIGCHLD) {
            kill(target, (int)si.ssi_signo);
            continue;
        }
        int st;
        pid_t w;
        while ((w = waitpid(-1, &st, WNOHANG)) > 0 || (w < 0 && errno == EINTR))
            if (w == target) {
                put32(p, (uint32_t)st);
                send_record(to_sup, REC_TARGET_EXIT, p, 4);
                _exit(0);
            }
    }
}

/* ---------- supervisor ---------- */

static struct {
    pid_t init;
    int init_alive, init_status;
    int pipe_fd; /* from init, -1 after EOF */
    int sync_fd; /* to init */
    int timer_fd, cpu_timer_fd;
    int exec_ok, setup_failed, have_status, target_status;
    uint64_t t0, wall_us;
    int term; /* 0 until decided */
    int jvm_gone; /* EOF on fd 3: nobody will read the account or remove the run cgroups */
    int sock_fd;     /* NOTIFY: from init, carries the seccomp listener; -1 once done */
    int listener_fd; /* the seccomp listener, -1 until received or once no process uses it */
    uint8_t buf[2 * REC_MAX];
    size_t have;
} S;

static void decide(int term)
{
    if (!S.term) {
        S.term = term;
        S.wall_us = S.exec_ok ? now_us() - S.t0 : 0;
    }
}

static void arm_timer(int fd, uint64_t us)
{
    struct itimerspec it = {{0, 0}, {(time_t)(us / 1000000u), (long)(us % 1000000u) * 1000}};
    timerfd_settime(fd, 0, &it, NULL);
}

/* ---------- supervisor: the CPU limit ---------- */

/* Parses a decimal number; returns the byte after it, NULL without digits or on overflow. */
static const char *parse_u64(const char *s, uint64_t *v)
{
    uint64_t x = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (x > (UINT64_MAX - d) / 10)
            return NULL;
        x = x * 10 + d;
    }
    *v = x;
    return p == s ? NULL : p;
}

/* The run cgroup's CPU usage in microseconds. -1 with errno (0: unparsable content). */
static int read_cpu_usage(uint64_t *usage_us)
{
    char buf[4096] = "\n"; /* so that every line, the first too, starts after a '\n' */
    int fd = open(plan.cpu_usage_file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read_full(fd, buf + 1, sizeof buf - 2);
    int e = errno;
    close(fd);
    if (n < 0) {
        errno = e;
        return -1;
    }
    buf[n + 1] = 0;
    const char *p = buf + 1, *end;
    uint64_t v;
    if (plan.cpu_format == CPU_FORMAT_CPU_STAT && (p = strstr(buf, "\nusage_usec ")))
        p += strlen("\nusage_usec ");
    errno = 0;
    if (!p || !(end = parse_u64(p, &v)) || (*end && *end != '\n'))
        return -1;
    *usage_us = plan.cpu_format == CPU_FORMAT_NANOS ? v / 1000 : v;
    return 0;
}

/* The earliest moment the program could reach the limit: what is left of it spread over
 * cpus_milli/1000 CPUs, at least 1 ms. 64-bit and overflow-free: remaining / cpus_milli
 * is split into quotient and remainder instead of multiplying remaining by 1000. */
static void arm_cpu_timer(uint64_t usage_us)
{
    const uint64_t max_us = (uint64_t)INT32_MAX * 1000000u; /* fits any time_t; re-armed on expiry */
    uint64_t left = plan.cpu_limit_us - usage_us, m = plan.cpus_milli;
    uint64_t us = left / m >= max_us / 1000 ? max_us : left / m * 1000 + left % m * 1000 / m;
    arm_timer(S.cpu_timer_fd, us < 1000 ? 1000 : us);
}

/* Kills at the limit or re-arms the timer. An unreadable usage file means the limit
 * cannot be enforced: rather than letting the program run unchecked (or calling it a CPU
 * verdict it may not have earned), fail closed with a STAGE_ERROR and SETUP_FAILED; the
 * tree is killed like on every other path. -1 on that failure. */
static int check_cpu_usage(void)
{
    uint64_t usage;
    if (read_cpu_usage(&usage) < 0) {
        send_error(STATUS_FD, errno, "cpu usage", plan.cpu_usage_file, errno
                   ? "cannot read the CPU usage file: the CPU limit cannot be enforced"
                   : "cannot parse the CPU usage file: the CPU limit cannot be enforced");
        S.setup_failed = 1;
        decide(T_SETUP_FAILED);
        return -1;
    }
    if (usage >= plan.cpu_limit_us)
        decide(T_CPU_TIME_LIMIT);
    else
        arm_cpu_timer(usage);
    return 0;
}

static void on_cpu_timer(void)
{
    uint64_t ticks;
    if (read(S.cpu_timer_fd, &ticks, sizeof ticks) == sizeof ticks)
        check_cpu_usage();
}

static int write_proc_file(pid_t pid, const char *name, const char *data)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = write_whole(fd, data, strlen(data)); /* the kernel wants the whole map in one write */
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

static int write_maps(pid_t pid)
{
    char uid[PLAN_MAX_MAPS * 40], gid[PLAN_MAX_MAPS * 40];
    size_t u = 0, g = 0;
    for (unsigned i = 0; i < plan.n_uid_maps; i++)
        u += (size_t)snprintf(uid + u, sizeof uid - u, "%u %u %u\n", plan.uid_maps[i].inside,
                              plan.uid_maps[i].outside, plan.uid_maps[i].count);
    for (unsigned i = 0; i < plan.n_gid_maps; i++)
        g += (size_t)snprintf(gid + g, sizeof gid - g, "%u %u %u\n", plan.gid_maps[i].inside,
                              plan.gid_maps[i].outside, plan.gid_maps[i].count);
    if (!u)
        snprintf(uid, sizeof uid, "0 %u 1\n", (unsigned)geteuid());
    if (!g)
        snprintf(gid, sizeof gid, "0 %u 1\n", (unsigned)getegid());
    const char *hint = "the kernel refused the mapping (without privilege only your own id can be mapped)";
    const char *stage = "setgroups";
    if ((has_cap(CAP_SETGID) || write_proc_file(pid, stage, "deny") == 0)
        && write_proc_file(pid, stage = "uid_map", uid) == 0 && write_proc_file(pid, stage = "gid_map", gid) == 0)
        return 0;
    send_error(STATUS_FD, errno, stage, "", strcmp(stage, "setgroups") ? hint : NULL);
    return -1;
}

/* Reads /proc/<pid>/task/<tid>/children for every thread; calls fn for each child. */
static void for_each_child(pid_t pid, void (*fn)(pid_t child, void *ctx), void *ctx)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char cpath[sizeof e->d_name + 64], buf[4096];
        snprintf(cpath, sizeof cpath, "/proc/%d/task/%s/children", (int)pid, e->d_name);
        int fd = open(cpath, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        /* Space-separated pids, read in chunks; a number cut at a chunk end is kept. */
        size_t have = 0;
        ssize_t n;
        while ((n = read(fd, buf + have, sizeof buf - 1 - have)) != 0) {
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                break;
            have += (size_t)n;
            buf[have] = 0;
            char *s = buf, *end;
            for (long v = strtol(s, &end, 10); end != s && *end; v = strtol(s, &end, 10)) {
                fn((pid_t)v, ctx);
                s = end;
            }
            have = (size_t)(buf + have - s);
            memmove(buf, s, have);
        }
        buf[have] = 0;
        char *end;
        long v = strtol(buf, &end, 10);
        if (end != buf)
            fn((pid_t)v, ctx);
        close(fd);
    }
    closedir(d);
}

struct pidstack {
    pid_t p[65536];
    size_t n;
};

static void kill_and_push(pid_t child, void *ctx)
{
    struct pidstack *st = ctx;
    kill(child, SIGKILL);
    if (st->n < sizeof st->p / sizeof st->p[0])
        st->p[st->n++] = child;
}

/* SIGKILLs every descendant, reaps them, and repeats until no child is left: as the
 * subreaper we inherit every orphan, so ECHILD means the whole tree is gone. */
static void kill_tree(void)
{
    static struct pidstack st;
    if (S.init_alive && (plan.namespaces & NS_PID))
        kill(S.init, SIGKILL); /* the kernel then kills the whole PID namespace */
    for (;;) {
        st.n = 0;
        for_each_child(getpid(), kill_and_push, &st);
        while (st.n)
            for_each_child(st.p[--st.n], kill_and_push, &st);
        int status;
        pid_t w = waitpid(-1, &status, 0);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            break;
        if (w == S.init)
            S.init_alive = 0;
    }
}

struct nspid_ctx {
    pid_t inner, found;
};

static void match_nspid(pid_t child, void *ctx)
{
    struct nspid_ctx *c = ctx;
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/status", (int)child);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read_full(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = 0;
    char *line = strstr(buf, "\nNSpid:");
    if (!line)
        return;
    long last = -1;
    char *s = line + 7, *end;
    for (long v = strtol(s, &end, 10); end != s; v = strtol(s, &end, 10)) {
        last = v;
        s = end;
    }
    if (last == c->inner)
        c->found = child;
}

static pid_t host_pid_of_target(pid_t inner)
{
    if (!(plan.namespaces & NS_PID))
        return inner;
    struct nspid_ctx c = {inner, -1};
    for_each_child(S.init, match_nspid, &c);
    return c.found;
}

static void on_record(uint16_t type, const uint8_t *rec, size_t len)
{
    const uint8_t *p = rec + 4;
    if (type == REC_STAGE_ERROR) {
        write_whole(STATUS_FD, rec, len);
        S.setup_failed = 1;
    } else if (type == REC_EXEC_OK && len == 8 && !S.exec_ok) {
        S.exec_ok = 1;
        S.t0 = now_us();
        /* Read once now: a wrong usage file fails at once (and before STARTED), not when
         * the timer first fires. This also arms the CPU timer. */
        if (plan.cpu_limit_us && check_cpu_usage() < 0)
            return;
        uint8_t st[8];
        put32(st, (uint32_t)S.init);
        put32(st + 4, (uint32_t)host_pid_of_target((pid_t)get32(p)));
        send_record(STATUS_FD, REC_STARTED, st, 8);
        if (plan.wall_time_us) /* both limits run from EXEC_OK */
            arm_timer(S.timer_fd, plan.wall_time_us);
        write_whole(S.sync_fd, "A", 1);
    } else if (type == REC_TARGET_EXIT && len == 8) {
        S.have_status = 1;
        S.target_status = (int)get32(p);
        decide(WIFSIGNALED(S.target_status) ? T_SIGNALED : T_EXITED);
    }
}

/* Reads what init sent (non-blocking); records are whole but may arrive several at once. */
static void drain_init_pipe(void)
{
    while (S.pipe_fd >= 0) {
        ssize_t n = read(S.pipe_fd, S.buf + S.have, sizeof S.buf - S.have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            close(S.pipe_fd);
            S.pipe_fd = -1;
            return;
        }
        S.have += (size_t)n;
        size_t off = 0;
        while (S.have - off >= 4) {
            size_t len = 4 + (size_t)(S.buf[off + 2] | S.buf[off + 3] << 8);
            if (len > REC_MAX) { /* cannot come from our init: stop listening */
                close(S.pipe_fd);
                S.pipe_fd = -1;
                return;
            }
            if (S.have - off < len)
                break;
            on_record((uint16_t)(S.buf[off] | S.buf[off + 1] << 8), S.buf + off, len);
            off += len;
        }
        memmove(S.buf, S.buf + off, S.have - off);
        S.have -= off;
    }
}

static void on_init_exit(void)
{
    drain_init_pipe(); /* TARGET_EXIT or STAGE_ERROR written just before init exited */
    if (S.have_status || S.term)
        return;
    if (S.setup_failed) {
        decide(T_SETUP_FAILED);
    } else if (!S.exec_ok) {
        send_error(STATUS_FD, 0, "init", "", "the sandbox's init died during setup");
        S.setup_failed = 1;
        decide(T_SETUP_FAILED);
    } else { /* init itself was killed (e.g. OOM): its status is all we know */
        S.have_status = 1;
        S.target_status = S.init_status;
        decide(WIFSIGNALED(S.init_status) ? T_SIGNALED : T_EXITED);
    }
}

/* Init passes the listener (SCM_RIGHTS) before it releases the target to execve. */
static void receive_listener(void)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    char byte;
    struct iovec iov = {&byte, 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    ssize_t n = recvmsg(S.sock_fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
        memcpy(&S.listener_fd, CMSG_DATA(c), sizeof(int));
    close(S.sock_fd); /* one listener per run; EOF: init is gone */
    S.sock_fd = -1;
}

/* A notification means a kill rule matched: report which syscall, once, and end the run.
 * It is never answered: the caller stays blocked until kill_tree kills it. Before EXEC_OK
 * the caller can only be the helper's own last steps (write, read, execve, or _exit after
 * a failed execve): a policy that forbids those is a setup failure, not the program's. */
static void on_listener(short revents)
{
    struct seccomp_notif n;
    memset(&n, 0, sizeof n); /* the kernel insists */
    if (!(revents & POLLIN) || ioctl(S.listener_fd, SECCOMP_IOCTL_NOTIF_RECV, &n) < 0) {
        /* POLLHUP: no process uses the filter any more. ENOENT: the caller died meanwhile. */
        if (!(revents & POLLIN) || (errno != EINTR && errno != ENOENT)) {
            close(S.listener_fd);
            S.listener_fd = -1;
        }
        return;
    }
    if (S.term)
        return;
    if (!S.exec_ok) {
        char detail[160];
        snprintf(detail, sizeof detail, "the policy stopped the sandbox's own syscall %d before the program "
                 "started: it must allow write, read and execve", n.data.nr);
        if (!S.setup_failed)
            send_error(STATUS_FD, 0, "seccomp", "", detail);
        S.setup_failed = 1;
        decide(T_SETUP_FAILED);
        return;
    }
    uint8_t p[8];
    put32(p, n.data.arch);
    put32(p + 4, (uint32_t)n.data.nr);
    send_record(STATUS_FD, REC_SECCOMP_VIOLATION, p, sizeof p);
    decide(T_SECCOMP_VIOLATION);
}

static void on_signals(int sfd)
{
    struct signalfd_siginfo si;
    while (read(sfd, &si, sizeof si) == sizeof si) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD) {
            int st;
            pid_t w;
            while ((w = waitpid(-1, &st, WNOHANG)) > 0)
                if (w == S.init) {
                    S.init_alive = 0;
                    S.init_status = st;
                    on_init_exit();
                }
        } else if (sig == SIGUSR1) {
            decide(T_KILLED);
        } else if (sig == SIGUSR2) {
            decide(T_OUTPUT_LIMIT);
        } else if (S.init_alive) {
            kill(S.init, sig);
        }
    }
}

/* With the JVM gone, the run cgroups it created would stay until another JVM reaps them:
 * remove them here, once empty. Anything still listed (it cannot be our descendant: those
 * are all reaped) is killed first; a cgroup that stays busy is left to that reaping. */
static void remove_run_cgroups(void)
{
    for (unsigned i = 0; i < plan.n_cgroups; i++) {
        char procs[PBUF];
        snprintf(procs, sizeof procs, "%s/cgroup.procs", plan.cgroups[i]);
        for (int attempt = 0; attempt < 200 && rmdir(plan.cgroups[i]) < 0 && errno == EBUSY; attempt++) {
            int fd = open(procs, O_RDONLY | O_CLOEXEC);
            if (fd >= 0) {
                char buf[4096];
                ssize_t n = read(fd, buf, sizeof buf - 1);
                close(fd);
                buf[n > 0 ? n : 0] = 0;
                for (char *p = buf, *end; *p; p = end) {
                    long pid = strtol(p, &end, 10);
                    if (end == p)
                        break;
                    if (pid > 0)
                        kill((pid_t)pid, SIGKILL);
                }
            }
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
        }
    }
}

static int finish(void)
{
    kill_tree();
    if (S.jvm_gone)
        remove_run_cgroups();
    int code = 0, sig = 0, st = S.target_status;
    if (S.term == T_EXITED)
        code = WEXITSTATUS(st);
    else if (S.term == T_SIGNALED)
        sig = WTERMSIG(st);
    else if (S.term != T_SETUP_FAILED)
        sig = SIGKILL;
    if (sig)
        code = 128 + sig;
    else if (S.term == T_SETUP_FAILED)
        code = 127;
    uint8_t p[20] = {(uint8_t)S.term};
    put32(p + 4, (uint32_t)code);
    put32(p + 8, (uint32_t)sig);
    put64(p + 12, S.wall_us);
    send_record(STATUS_FD, REC_EXIT, p, sizeof p);
    close(STATUS_FD);
    return 0;
}

static unsigned long clone_flags(uint32_t ns)
{
    return (ns & NS_PID ? CLONE_NEWPID : 0) | (ns & NS_MOUNT ? CLONE_NEWNS : 0)
        | (ns & NS_UTS ? CLONE_NEWUTS : 0) | (ns & NS_IPC ? CLONE_NEWIPC : 0)
        | (ns & NS_NET ? CLONE_NEWNET : 0) | (ns & NS_USER ? CLONE_NEWUSER : 0)
        | ((ns & NS_CGROUP) && !plan.n_cgroups ? CLONE_NEWCGROUP : 0); /* else the target unshares */
}

static int supervise(void)
{
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    sigset_t set;
    supervisor_signals(&set);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    S.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    S.cpu_timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    int ip[2], sp[2], lp[2] = {-1, -1}; /* lp: the listener's way from init */
    S.sock_fd = S.listener_fd = -1;
    if (sfd < 0 || S.timer_fd < 0 || S.cpu_timer_fd < 0 || pipe2(ip, O_CLOEXEC) < 0
        || pipe2(sp, O_CLOEXEC) < 0
        || ((plan.seccomp_flags & SC_NOTIFY) && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, lp) < 0)) {
        send_error(STATUS_FD, errno, "setup", "", "cannot create the supervisor's descriptors");
        S.term = T_SETUP_FAILED;
        return finish();
    }

    if (make_device_nodes() < 0) {
        S.term = T_SETUP_FAILED;
        return finish();
    }
    int user = plan.namespaces & NS_USER;
    /* /proc/<init>/uid_map of a non-dumpable process belongs to root, so an unprivileged
     * supervisor could not write it: init starts dumpable and drops it once released. */
    if (user)
        prctl(PR_SET_DUMPABLE, 1);
    S.init = clone_process(clone_flags(plan.namespaces));
    if (S.init == 0) {
        close_fds_except(ip[1], sp[0], lp[1], plan.n_live_views ? VIEW_FD : -1, devices_fd);
        init_main(ip[1], sp[0], lp[1]);
    }
    int clone_errno = errno;
    if (devices_fd >= 0)
        close(devices_fd); /* init has its own copy: the tree lives on only there */
    if (plan.n_live_views)
        close(VIEW_FD); /* init has it (or never will): the JVM sees EOF when init is done with it */
    if (user)
        prctl(PR_SET_DUMPABLE, 0);
    if (S.init < 0) {
        errno = clone_errno;
        const char *why = NULL;
        if (errno == EPERM && !user && geteuid() != 0)
            why = "the kernel refused to create the namespaces: without a user namespace only root"
                  " (CAP_SYS_ADMIN) may create them; add a user namespace (the strict preset has one)"
                  " or run as root";
        else if (errno == EPERM || errno == ENOSPC)
            why = "the kernel refused to create the namespaces";
        send_error(STATUS_FD, errno, "clone", "", why);
        S.term = T_SETUP_FAILED;
        return finish();
    }
    S.init_alive = 1;
    close(ip[1]);
    close(sp[0]);
    if (lp[1] >= 0)
        close(lp[1]);
    S.sock_fd = lp[0];
    S.pipe_fd = ip[0];
    S.sync_fd = sp[1];
    fcntl(S.pipe_fd, F_SETFL, O_NONBLOCK);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    stdio_to_devnull(devnull);
    if (devnull >= 0)
        close(devnull);

    if (user && write_maps(S.init) < 0) {
        S.setup_failed = 1;
        decide(T_SETUP_FAILED);
    } else {
        write_whole(S.sync_fd, "R", 1);
    }

    while (!S.term) {
        struct pollfd pf[7] = {{sfd, POLLIN, 0}, {S.timer_fd, POLLIN, 0}, {PLAN_FD, POLLIN, 0},
                               {S.pipe_fd, POLLIN, 0}, {S.cpu_timer_fd, POLLIN, 0}, {S.sock_fd, POLLIN, 0},
                               {S.listener_fd, POLLIN, 0}};
        if (poll(pf, 7, -1) < 0)
            continue; /* EINTR */
        if (pf[3].revents)
            drain_init_pipe(); /* before SIGCHLD, so TARGET_EXIT is seen before init's death */
        if (pf[5].revents)
            receive_listener();
        if (pf[6].revents)
            on_listener(pf[6].revents);
        if (pf[0].revents)
            on_signals(sfd);
        if (pf[1].revents)
            decide(T_WALL_TIME_LIMIT);
        if (pf[4].revents)
            on_cpu_timer();
        if (pf[2].revents) {
            char junk[256];
            ssize_t n = read(PLAN_FD, junk, sizeof junk);
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
                S.jvm_gone = 1;
                decide(T_KILLED); /* the JVM is gone: nobody will read EXIT, but clean up */
            }
        }
    }
    return finish();
}

/* With VIEW_LIVE ops fd 5 must be the JVM's AF_UNIX SOCK_SEQPACKET socket, which init
 * sends the live view's FUSE connection up; without them fd 5 is closed like any other. */
static int check_view_socket(void)
{
    if (!plan.n_live_views) {
        close(VIEW_FD);
        return 0;
    }
    const char *target = "", *detail = NULL;
    for (unsigned i = 0; i < plan.n_mounts && !*target; i++)
        if (plan.mounts[i].op == OP_VIEW_LIVE)
            target = plan.mounts[i].target;
    struct stat st;
    int type = 0, domain = 0, err = 0;
    socklen_t len = sizeof type, dlen = sizeof domain, plen = sizeof(struct sockaddr_storage);
    struct sockaddr_storage peer;
    if (fstat(VIEW_FD, &st) < 0) {
        err = errno;
        detail = "fd 5 is not open: a plan with VIEW_LIVE steps needs the live view's socket on fd 5";
    } else if (!S_ISSOCK(st.st_mode)) {
        err = ENOTSOCK;
        detail = "fd 5 is not a socket: a plan with VIEW_LIVE steps needs the live view's socket on fd 5";
    } else if (getsockopt(VIEW_FD, SOL_SOCKET, SO_DOMAIN, &domain, &dlen) < 0
               || getsockopt(VIEW_FD, SOL_SOCKET, SO_TYPE, &type, &len) < 0) {
        err = errno;
        detail = "cannot inspect the socket on fd 5";
    } else if (domain != AF_UNIX || type != SOCK_SEQPACKET) {
        detail = "fd 5 is not an AF_UNIX SOCK_SEQPACKET socket, which the live view needs";
    } else if (getpeername(VIEW_FD, (struct sockaddr *)&peer, &plen) < 0) {
        err = errno;
        detail = "the socket on fd 5 is not connected to the JVM's live view server";
    } else if (fcntl(VIEW_FD, F_SETFD, FD_CLOEXEC) < 0) { /* belt and braces: never reaches an exec */
        err = errno;
        detail = "cannot set close-on-exec on fd 5";
    }
    if (!detail)
        return 0;
    send_error(STATUS_FD, err, "proc view", target, detail);
    return -1;
}

/* Reads exactly header + body from fd 3; never more, so fd 3 stays a liveness signal. */
static int read_and_decode(char *err, size_t errlen)
{
    uint32_t body_len;
    ssize_t n = read_full(PLAN_FD, planbuf, PLAN_HEADER_SIZE);
    if (n != PLAN_HEADER_SIZE) {
        snprintf(err, errlen, "truncated header: %zd of 16 bytes", n);
        return -1;
    }
    if (plan_check_header(planbuf, PLAN_HEADER_SIZE, &body_len, err, errlen) < 0)
        return -1;
    n = read_full(PLAN_FD, planbuf + PLAN_HEADER_SIZE, body_len);
    if (n != (ssize_t)body_len) {
        snprintf(err, errlen, "truncated body: %zd of %u bytes", n, body_len);
        return -1;
    }
    return plan_decode(planbuf, PLAN_HEADER_SIZE + body_len, &plan, err, errlen);
}

int main(void)
{
    prctl(PR_SET_DUMPABLE, 0);
    prctl(PR_SET_NAME, "sandbox4j-sup");
    /* Blocked at once: a SIGTERM sent while the plan is read is then queued, not fatal. */
    sigset_t set;
    supervisor_signals(&set);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Keep 0-4 occupied so that no fd we open later can alias stdio or the status pipe. */
    for (int fd = 0; fd <= STATUS_FD; fd++)
        if (fcntl(fd, F_GETFD) < 0) {
            int n = open("/dev/null", O_RDWR);
            if (n >= 0 && n != fd) {
                dup2(n, fd);
                close(n);
            }
        }
    close_range_compat(VIEW_FD + 1, ~0u); /* fd 5: kept until the plan says whether it is needed */

    char err[256];
    if (read_and_decode(err, sizeof err) == 0) {
        if (check_view_socket() == 0)
            return supervise();
        S.term = T_SETUP_FAILED;
        return finish();
    }
    close(VIEW_FD);
    send_error(STATUS_FD, 0, "decode plan", "", err);
    S.term = T_SETUP_FAILED;
    finish();
    return 2;
}
