/* Plan decoder for the sandbox4j helper: see docs/helper-protocol.md.
 * plan_decode() is pure (no syscalls, no globals, no allocation) so it can be fuzzed. */
#ifndef SANDBOX4J_PLAN_H
#define SANDBOX4J_PLAN_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

#define PLAN_MAGIC 0x504A3453u
#define PLAN_VERSION 1
#define PLAN_HEADER_SIZE 16
#define PLAN_MAX_BODY (4u << 20)
#define PLAN_MAX_MAPS 16
#define PLAN_MAX_MOUNTS 256
#define PLAN_MAX_ARGS 4096
#define PLAN_MAX_ENVS 4096
#define PLAN_MAX_STRING 131071
#define PLAN_MAX_ARGENV_TOTAL (2u << 20)
#define PLAN_MAX_PATH 4095
#define PLAN_MAX_FILE_CONTENT 65536
#define PLAN_MAX_VIEW_CONTENT (1u << 20) /* VIEW_SNAPSHOT: /proc/cpuinfo of a large host */
#define PLAN_MAX_HOSTNAME 64
#define PLAN_MAX_CGROUPS 16
#define PLAN_MAX_RLIMITS 16 /* also the bound on the resource number */
#define PLAN_MAX_CPUS_MILLI 1048576u
#define PLAN_LAST_CAP 40       /* CAP_CHECKPOINT_RESTORE; higher bits are errors */
#define PLAN_MAX_BPF 4096      /* instructions, the kernel's BPF_MAXINSNS */
#define PLAN_MAX_VIEW_NAME 32  /* VIEW_LIVE: a file of the live view, [a-z0-9_] */
#define PLAN_MAX_DEVICES 16    /* DEVICE ops: nodes in the supervisor's device tmpfs */
#define PLAN_MAX_TIME_ORIGIN INT64_MAX /* ns; an offset of minus it must fit a signed clock */
/* Every decoded string is copied with a NUL: the copies need the string bytes, which are
 * part of the body, plus one byte per string. A record is at least 8 bytes and holds at
 * most one string per 8 bytes (MOUNT: two strings in >= 32 bytes; CGROUP: one in >= 12,
 * CPU_LIMIT: one in >= 24; RLIMIT, SECURITY, SECCOMP: none), so the NULs take at most
 * body/8 and a quarter more than the body always suffices, however long one string is
 * (a 1 MiB VIEW_SNAPSHOT is a MOUNT of >= 1 MiB + 32 bytes: 2 NULs). The decoder still
 * checks every copy. */
#define PLAN_ARENA_SIZE (PLAN_MAX_BODY + PLAN_MAX_BODY / 4)

enum { TAG_NAMESPACES = 1, TAG_UID_MAP, TAG_GID_MAP, TAG_IDENTITY, TAG_HOSTNAME, TAG_MOUNT,
       TAG_WORKDIR, TAG_ARG, TAG_ENV, TAG_WALL_TIME_LIMIT, TAG_CGROUP, TAG_CPU_LIMIT, TAG_RLIMIT,
       TAG_SECURITY, TAG_SECCOMP, TAG_TIME_ORIGIN };

enum { CPU_FORMAT_NANOS = 1, CPU_FORMAT_CPU_STAT = 2 };

enum { SEC_NO_NEW_PRIVS = 1, SEC_ALL = 1 };        /* SECURITY flags */
enum { SC_NOTIFY = 1, SC_ALL = 1 };                /* SECCOMP flags */

enum { NS_PID = 1, NS_MOUNT = 2, NS_UTS = 4, NS_IPC = 8, NS_NET = 16, NS_USER = 32,
       NS_CGROUP = 64, NS_TIME = 128, NS_ALL = 255 };

enum { OP_ROOT_BIND = 1, OP_ROOT_TMPFS, OP_BIND, OP_TMPFS, OP_PROC, OP_DIR, OP_SYMLINK,
       OP_FILE, OP_MASK, OP_READONLY_PATH, OP_VIEW_SNAPSHOT, OP_VIEW_LIVE, OP_OVERLAY, OP_DEVICE,
       OP_ROOT_OVERLAY };

enum { MF_READONLY = 1, MF_NOSUID = 2, MF_NODEV = 4, MF_NOEXEC = 8, MF_RECURSIVE = 16,
       MF_CREATE_TARGET = 32, MF_ALL = 63 };

struct plan_idmap {
    uint32_t inside, outside, count;
};

struct plan_mount {
    uint16_t op, flags;
    uint32_t mode;
    uint64_t size;
    const char *source; /* NUL-terminated, "" when absent */
    uint32_t source_len;
    const char *target; /* NUL-terminated absolute path inside the new root */
};

struct plan_rlimit {
    uint32_t resource;
    uint64_t soft, hard; /* UINT64_MAX: unlimited */
};

struct plan {
    uint32_t namespaces;
    unsigned n_uid_maps, n_gid_maps;
    struct plan_idmap uid_maps[PLAN_MAX_MAPS], gid_maps[PLAN_MAX_MAPS];
    int has_identity;
    uint32_t uid, gid;
    const char *hostname; /* NULL when absent */
    const char *workdir;  /* "/" when absent */
    unsigned n_mounts;
    struct plan_mount mounts[PLAN_MAX_MOUNTS];
    unsigned n_args, n_envs;
    char *argv[PLAN_MAX_ARGS + 1]; /* NULL-terminated, ready for execve */
    char *envp[PLAN_MAX_ENVS + 1];
    uint64_t wall_time_us; /* 0: no limit */
    unsigned n_cgroups;
    uint32_t cgroup_version;                   /* 1 or 2 when n_cgroups > 0 */
    const char *cgroups[PLAN_MAX_CGROUPS];     /* host directories */
    uint64_t cpu_limit_us;                     /* 0: no CPU_LIMIT */
    uint32_t cpus_milli, cpu_format;
    const char *cpu_usage_file;                /* host path, NULL without CPU_LIMIT */
    unsigned n_rlimits;
    struct plan_rlimit rlimits[PLAN_MAX_RLIMITS];
    uint32_t security_flags;                   /* SEC_*: the SECURITY record is required */
    uint64_t kept_caps;                        /* bit n: keep CAP_ number n */
    uint32_t seccomp_flags;                    /* SC_NOTIFY */
    unsigned n_bpf;                            /* 0: no SECCOMP record */
    struct sock_filter bpf[PLAN_MAX_BPF];      /* host byte order, ready for seccomp() */
    int has_time_origin;                       /* TIME_ORIGIN: present iff NS_TIME */
    uint64_t time_origin_ns;                   /* host CLOCK_BOOTTIME at the run's start, <= INT64_MAX */
    unsigned n_live_views;                     /* how many MOUNTs are VIEW_LIVE (fd 5 is needed) */
    unsigned n_devices;                        /* how many MOUNTs are DEVICE (<= PLAN_MAX_DEVICES) */
    size_t arena_used;
    char arena[PLAN_ARENA_SIZE];
};

/* Checks the 16-byte header; on success stores the body length. 0 ok, -1 error. */
int plan_check_header(const uint8_t *hdr, size_t len, uint32_t *body_len, char *err, size_t errlen);

/* Decodes and validates a whole plan (header + body, len must match exactly).
 * Returns 0 on success, -1 with a message in err. Pointers in *out point into out->arena. */
int plan_decode(const uint8_t *buf, size_t len, struct plan *out, char *err, size_t errlen);

#endif
