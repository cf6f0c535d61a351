/* Plan decoder: pure and reentrant (it is fuzzed). Every length is checked against the
 * remaining input before use; sums are done in 64 bits so nothing can wrap. */
#include "plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct rd {
    const uint8_t *p;
    size_t n;
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

#define FAIL(...) return fail(err, errlen, __VA_ARGS__)

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16; }
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

static int take(struct rd *r, size_t k, const uint8_t **out)
{
    if (r->n < k)
        return -1;
    *out = r->p;
    r->p += k;
    r->n -= k;
    return 0;
}

static int get16(struct rd *r, uint16_t *v)
{
    const uint8_t *p;
    if (take(r, 2, &p))
        return -1;
    *v = le16(p);
    return 0;
}

static int get32(struct rd *r, uint32_t *v)
{
    const uint8_t *p;
    if (take(r, 4, &p))
        return -1;
    *v = le32(p);
    return 0;
}

static int get64(struct rd *r, uint64_t *v)
{
    const uint8_t *p;
    if (take(r, 8, &p))
        return -1;
    *v = le64(p);
    return 0;
}

/* Copies a wire string into the arena with a terminating NUL; NULL when it holds a NUL
 * byte or the arena is full (cannot happen for a valid body, see PLAN_ARENA_SIZE). */
static char *save(struct plan *pl, const uint8_t *s, size_t len)
{
    if (memchr(s, 0, len) || len >= sizeof pl->arena - pl->arena_used)
        return NULL;
    char *d = pl->arena + pl->arena_used;
    memcpy(d, s, len);
    d[len] = 0;
    pl->arena_used += len + 1;
    return d;
}

/* Absolute, normalized path: no ".", "..", empty component or trailing '/' ("/" alone
 * is allowed here; callers decide whether the root is acceptable). */
static const char *path_problem(const uint8_t *s, size_t len)
{
    if (len == 0 || len > PLAN_MAX_PATH)
        return "length must be 1..4095";
    if (s[0] != '/')
        return "must be absolute";
    if (len == 1)
        return NULL;
    if (s[len - 1] == '/')
        return "must not end with '/'";
    size_t start = 1;
    for (size_t i = 1; i <= len; i++) {
        if (i < len && s[i] != '/')
            continue;
        size_t c = i - start;
        if (c == 0)
            return "has an empty component";
        if ((c == 1 && s[start] == '.') || (c == 2 && s[start] == '.' && s[start + 1] == '.'))
            return "has a '.' or '..' component";
        start = i + 1;
    }
    return NULL;
}

int plan_check_header(const uint8_t *hdr, size_t len, uint32_t *body_len, char *err, size_t errlen)
{
    if (len < PLAN_HEADER_SIZE)
        FAIL("truncated header (%zu bytes)", len);
    if (le32(hdr) != PLAN_MAGIC)
        FAIL("bad magic 0x%08x", le32(hdr));
    if (le16(hdr + 4) != PLAN_VERSION)
        FAIL("unsupported version %u", le16(hdr + 4));
    if (le16(hdr + 6) != PLAN_HEADER_SIZE)
        FAIL("bad header_size %u", le16(hdr + 6));
    if (le32(hdr + 8) > PLAN_MAX_BODY)
        FAIL("body_length %u exceeds %u", le32(hdr + 8), PLAN_MAX_BODY);
    if (le32(hdr + 12) != 0)
        FAIL("reserved header field is not 0");
    *body_len = le32(hdr + 8);
    return 0;
}

/* The name of a file in the live view's file system: 1..32 bytes of [a-z0-9_], so that
 * "/live/<name>" can never leave the view's directory or name anything but a plain file. */
static const char *view_name_problem(const uint8_t *s, size_t len)
{
    if (len < 1 || len > PLAN_MAX_VIEW_NAME)
        return "must be a view file name of 1..32 bytes";
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return "must be a view file name of [a-z0-9_] only";
    return NULL;
}

static uint16_t allowed_flags(uint16_t op)
{
    const uint16_t mnt = MF_READONLY | MF_NOSUID | MF_NODEV | MF_NOEXEC;
    switch (op) {
    case OP_ROOT_BIND: return mnt | MF_RECURSIVE;
    case OP_ROOT_OVERLAY: return mnt; /* READONLY required: an overlay without upper layer */
    case OP_OVERLAY: return mnt | MF_CREATE_TARGET;
    case OP_DEVICE: return MF_READONLY | MF_NOSUID | MF_NOEXEC | MF_CREATE_TARGET; /* never NODEV */
    case OP_ROOT_TMPFS: return mnt;
    case OP_BIND: return mnt | MF_RECURSIVE | MF_CREATE_TARGET;
    case OP_TMPFS:
    case OP_PROC: return mnt | MF_CREATE_TARGET;
    case OP_MASK:
    case OP_READONLY_PATH: return 0; /* act on what exists, never create */
    case OP_VIEW_SNAPSHOT:
    case OP_VIEW_LIVE: return mnt | MF_CREATE_TARGET; /* ro,nosuid,nodev,noexec: always applied */
    default: return MF_CREATE_TARGET; /* DIR, SYMLINK, FILE: create missing parents */
    }
}

static int decode_mount(struct plan *pl, struct rd *r, unsigned idx, char *err, size_t errlen)
{
    struct plan_mount *m = &pl->mounts[pl->n_mounts];
    uint32_t slen, tlen;
    const uint8_t *src, *tgt;
    if (get16(r, &m->op) || get16(r, &m->flags) || get32(r, &m->mode) || get64(r, &m->size)
        || get32(r, &slen) || take(r, slen, &src) || get32(r, &tlen) || take(r, tlen, &tgt))
        FAIL("MOUNT %u: truncated payload", idx);
    if (r->n != 0)
        FAIL("MOUNT %u: %zu trailing bytes in payload", idx, r->n);
    uint16_t op = m->op;
    if (op < OP_ROOT_BIND || op > OP_ROOT_OVERLAY)
        FAIL("MOUNT %u: unknown op %u", idx, op);
    int is_root = op == OP_ROOT_BIND || op == OP_ROOT_TMPFS || op == OP_ROOT_OVERLAY;
    if (m->flags & ~MF_ALL)
        FAIL("MOUNT %u: unknown flag bits 0x%x", idx, m->flags & ~MF_ALL);
    if (m->flags & ~allowed_flags(op))
        FAIL("MOUNT %u: flags 0x%x not valid for op %u", idx, m->flags & ~allowed_flags(op), op);
    if ((op == OP_OVERLAY || op == OP_ROOT_OVERLAY) && !(m->flags & MF_READONLY))
        FAIL("MOUNT %u: an overlay has no upper layer: READONLY is required", idx);
    if (op == OP_DEVICE && pl->n_devices >= PLAN_MAX_DEVICES)
        FAIL("MOUNT %u: more than %u DEVICE ops", idx, PLAN_MAX_DEVICES);
    int has_mode = op == OP_ROOT_TMPFS || op == OP_TMPFS || op == OP_DIR || op == OP_FILE;
    if (has_mode ? m->mode > 07777 : m->mode != 0)
        FAIL("MOUNT %u: bad mode 0%o", idx, m->mode);
    if (m->size != 0 && op != OP_ROOT_TMPFS && op != OP_TMPFS)
        FAIL("MOUNT %u: size given for op %u", idx, op);
    if (pl->n_mounts == 0 && !is_root)
        FAIL("MOUNT %u: the first MOUNT must be ROOT_BIND, ROOT_TMPFS or ROOT_OVERLAY", idx);
    if (pl->n_mounts != 0 && is_root)
        FAIL("MOUNT %u: only one ROOT op is allowed", idx);

    const char *why = NULL;
    if (op == OP_ROOT_BIND || op == OP_BIND || op == OP_ROOT_OVERLAY || op == OP_OVERLAY)
        why = path_problem(src, slen);
    else if (op == OP_DEVICE)
        why = path_problem(src, slen) ? path_problem(src, slen)
            : slen < 6 || memcmp(src, "/dev/", 5) != 0 ? "must be a path under /dev/" : NULL;
    else if (op == OP_SYMLINK)
        why = slen < 1 || slen > PLAN_MAX_PATH ? "length must be 1..4095" : NULL;
    else if (op == OP_FILE)
        why = slen > PLAN_MAX_FILE_CONTENT ? "content longer than 65536 bytes" : NULL;
    else if (op == OP_VIEW_SNAPSHOT)
        why = slen > PLAN_MAX_VIEW_CONTENT ? "content longer than 1048576 bytes" : NULL;
    else if (op == OP_VIEW_LIVE)
        why = view_name_problem(src, slen);
    else
        why = slen != 0 ? "must be empty for this op" : NULL;
    if (why)
        FAIL("MOUNT %u: source %s", idx, why);

    why = path_problem(tgt, tlen);
    if (!why && is_root != (tlen == 1))
        why = is_root ? "must be \"/\" for a ROOT op" : "must not be \"/\"";
    if (why)
        FAIL("MOUNT %u: target %s", idx, why);

    m->source_len = slen;
    if (!(m->source = save(pl, src, slen)) || !(m->target = save(pl, tgt, tlen)))
        FAIL("MOUNT %u: string contains a NUL byte", idx);
    pl->n_live_views += op == OP_VIEW_LIVE;
    pl->n_devices += op == OP_DEVICE;
    pl->n_mounts++;
    return 0;
}

static int decode_idmap(struct plan_idmap *maps, unsigned *n, struct rd *r, const char *what,
                        char *err, size_t errlen)
{
    if (*n >= PLAN_MAX_MAPS)
        FAIL("more than %u %s records", PLAN_MAX_MAPS, what);
    struct plan_idmap *m = &maps[*n];
    if (r->n != 12 || get32(r, &m->inside) || get32(r, &m->outside) || get32(r, &m->count))
        FAIL("%s: payload must be 12 bytes", what);
    if (m->count == 0)
        FAIL("%s: count must be >= 1", what);
    if ((uint64_t)m->inside + m->count > 0xFFFFFFFFu || (uint64_t)m->outside + m->count > 0xFFFFFFFFu)
        FAIL("%s: range runs past 4294967294", what);
    (*n)++;
    return 0;
}

/* A host path taking the rest of the payload (CGROUP directory, CPU usage file). */
static const char *host_path(struct plan *pl, struct rd *r, const char **why)
{
    const char *s = NULL;
    if (!(*why = path_problem(r->p, r->n)) && !(s = save(pl, r->p, r->n)))
        *why = "contains a NUL byte";
    return s;
}

static int decode_cgroup(struct plan *pl, struct rd *r, char *err, size_t errlen)
{
    uint32_t version;
    const char *why;
    if (pl->n_cgroups >= PLAN_MAX_CGROUPS)
        FAIL("more than %u CGROUP records", PLAN_MAX_CGROUPS);
    if (get32(r, &version))
        FAIL("CGROUP: truncated payload");
    if (version != 1 && version != 2)
        FAIL("CGROUP: version must be 1 or 2, not %u", version);
    if (pl->n_cgroups && (version == 2 || pl->cgroup_version == 2))
        FAIL("CGROUP: a version-2 record must be the only CGROUP record");
    if (!(pl->cgroups[pl->n_cgroups] = host_path(pl, r, &why)))
        FAIL("CGROUP %u: directory %s", pl->n_cgroups, why);
    pl->cgroup_version = version;
    pl->n_cgroups++;
    return 0;
}

static int decode_cpu_limit(struct plan *pl, struct rd *r, char *err, size_t errlen)
{
    const char *why;
    if (pl->cpu_usage_file)
        FAIL("more than one CPU_LIMIT record");
    if (get64(r, &pl->cpu_limit_us) || get32(r, &pl->cpus_milli) || get32(r, &pl->cpu_format))
        FAIL("CPU_LIMIT: truncated payload");
    if (pl->cpu_limit_us == 0)
        FAIL("CPU_LIMIT: limit must be > 0");
    if (pl->cpus_milli < 1 || pl->cpus_milli > PLAN_MAX_CPUS_MILLI)
        FAIL("CPU_LIMIT: cpus_milli must be 1..%u, not %u", PLAN_MAX_CPUS_MILLI, pl->cpus_milli);
    if (pl->cpu_format != CPU_FORMAT_NANOS && pl->cpu_format != CPU_FORMAT_CPU_STAT)
        FAIL("CPU_LIMIT: format must be 1 or 2, not %u", pl->cpu_format);
    if (!(pl->cpu_usage_file = host_path(pl, r, &why)))
        FAIL("CPU_LIMIT: usage file %s", why);
    return 0;
}

static int decode_security(struct plan *pl, struct rd *r, unsigned *n, char *err, size_t errlen)
{
    if ((*n)++)
        FAIL("more than one SECURITY record");
    if (r->n != 12 || get32(r, &pl->security_flags) || get64(r, &pl->kept_caps))
        FAIL("SECURITY: payload must be 12 bytes");
    if (pl->security_flags & ~(uint32_t)SEC_ALL)
        FAIL("SECURITY: unknown flag bits 0x%x", pl->security_flags & ~(uint32_t)SEC_ALL);
    if (pl->kept_caps >> (PLAN_LAST_CAP + 1))
        FAIL("SECURITY: capability bits above %u: 0x%llx", PLAN_LAST_CAP,
             (unsigned long long)(pl->kept_caps >> (PLAN_LAST_CAP + 1) << (PLAN_LAST_CAP + 1)));
    return 0;
}

/* The program is only bounded here (size, shape); its semantics are the kernel's to check. */
static int decode_seccomp(struct plan *pl, struct rd *r, char *err, size_t errlen)
{
    if (pl->n_bpf)
        FAIL("more than one SECCOMP record");
    if (get32(r, &pl->seccomp_flags))
        FAIL("SECCOMP: truncated payload");
    if (pl->seccomp_flags & ~(uint32_t)SC_ALL)
        FAIL("SECCOMP: unknown flag bits 0x%x", pl->seccomp_flags & ~(uint32_t)SC_ALL);
    if (r->n == 0 || r->n % 8 || r->n / 8 > PLAN_MAX_BPF)
        FAIL("SECCOMP: the program must be 1..%u instructions of 8 bytes, not %zu bytes",
             PLAN_MAX_BPF, r->n);
    pl->n_bpf = (unsigned)(r->n / 8);
    for (unsigned i = 0; i < pl->n_bpf; i++) {
        const uint8_t *p = r->p + 8 * (size_t)i;
        pl->bpf[i] = (struct sock_filter){le16(p), p[2], p[3], le32(p + 4)};
    }
    return 0;
}

static int decode_rlimit(struct plan *pl, struct rd *r, uint32_t *seen, char *err, size_t errlen)
{
    if (pl->n_rlimits >= PLAN_MAX_RLIMITS)
        FAIL("more than %u RLIMIT records", PLAN_MAX_RLIMITS);
    struct plan_rlimit *l = &pl->rlimits[pl->n_rlimits];
    if (r->n != 20 || get32(r, &l->resource) || get64(r, &l->soft) || get64(r, &l->hard))
        FAIL("RLIMIT: payload must be 20 bytes");
    if (l->resource >= PLAN_MAX_RLIMITS)
        FAIL("RLIMIT: resource must be 0..%u, not %u", PLAN_MAX_RLIMITS - 1, l->resource);
    if (*seen & 1u << l->resource)
        FAIL("RLIMIT: more than one record for resource %u", l->resource);
    if (l->soft > l->hard)
        FAIL("RLIMIT %u: soft limit above the hard limit", l->resource);
    *seen |= 1u << l->resource;
    pl->n_rlimits++;
    return 0;
}

int plan_decode(const uint8_t *buf, size_t len, struct plan *pl, char *err, size_t errlen)
{
    uint32_t body_len;
    if (plan_check_header(buf, len, &body_len, err, errlen))
        return -1;
    if (len - PLAN_HEADER_SIZE != body_len)
        FAIL("plan is %zu bytes, header says %u", len, PLAN_HEADER_SIZE + body_len);

    memset(pl, 0, offsetof(struct plan, arena));
    pl->workdir = "/";
    unsigned n_ns = 0, n_hostname = 0, n_workdir = 0, n_wall = 0, n_security = 0;
    uint32_t rlimits_seen = 0;
    uint64_t argenv_total = 0;
    struct rd body = {buf + PLAN_HEADER_SIZE, body_len};

    for (unsigned idx = 0; body.n > 0; idx++) {
        uint16_t tag, flags;
        uint32_t plen;
        const uint8_t *payload;
        if (get16(&body, &tag) || get16(&body, &flags) || get32(&body, &plen))
            FAIL("record %u: truncated record header", idx);
        if (take(&body, plen, &payload))
            FAIL("record %u: length %u exceeds the remaining %zu bytes", idx, plen, body.n);
        if (flags != 0)
            FAIL("record %u: flags must be 0", idx);
        struct rd r = {payload, plen};
        char *s;

        switch (tag) {
        case TAG_NAMESPACES:
            if (n_ns++)
                FAIL("more than one NAMESPACES record");
            if (plen != 4 || get32(&r, &pl->namespaces))
                FAIL("NAMESPACES: payload must be 4 bytes");
            if (pl->namespaces & ~(uint32_t)NS_ALL)
                FAIL("NAMESPACES: unknown bits 0x%x", pl->namespaces & ~(uint32_t)NS_ALL);
            break;
        case TAG_UID_MAP:
            if (decode_idmap(pl->uid_maps, &pl->n_uid_maps, &r, "UID_MAP", err, errlen))
                return -1;
            break;
        case TAG_GID_MAP:
            if (decode_idmap(pl->gid_maps, &pl->n_gid_maps, &r, "GID_MAP", err, errlen))
                return -1;
            break;
        case TAG_IDENTITY:
            if (pl->has_identity++)
                FAIL("more than one IDENTITY record");
            if (plen != 8 || get32(&r, &pl->uid) || get32(&r, &pl->gid))
                FAIL("IDENTITY: payload must be 8 bytes");
            /* (uid_t)-1 means "leave unchanged" to setresuid: it would silently keep init's ids */
            if (pl->uid == 0xFFFFFFFFu || pl->gid == 0xFFFFFFFFu)
                FAIL("IDENTITY: uid and gid must not be 4294967295");
            break;
        case TAG_HOSTNAME:
            if (n_hostname++)
                FAIL("more than one HOSTNAME record");
            if (plen < 1 || plen > PLAN_MAX_HOSTNAME || !(pl->hostname = save(pl, payload, plen)))
                FAIL("HOSTNAME: must be 1..64 bytes without NUL");
            break;
        case TAG_MOUNT:
            if (pl->n_mounts >= PLAN_MAX_MOUNTS)
                FAIL("more than %u MOUNT records", PLAN_MAX_MOUNTS);
            if (decode_mount(pl, &r, pl->n_mounts, err, errlen))
                return -1;
            break;
        case TAG_WORKDIR:
            if (n_workdir++)
                FAIL("more than one WORKDIR record");
            if (path_problem(payload, plen) || !(pl->workdir = save(pl, payload, plen)))
                FAIL("WORKDIR: must be an absolute, normalized path of 1..4095 bytes without NUL");
            break;
        case TAG_ARG:
        case TAG_ENV: {
            int is_arg = tag == TAG_ARG;
            unsigned *n = is_arg ? &pl->n_args : &pl->n_envs;
            if (*n >= (is_arg ? PLAN_MAX_ARGS : PLAN_MAX_ENVS))
                FAIL("more than %u %s records", is_arg ? PLAN_MAX_ARGS : PLAN_MAX_ENVS,
                     is_arg ? "ARG" : "ENV");
            if (plen > PLAN_MAX_STRING || (!is_arg && plen < 1))
                FAIL("%s %u: bad length %u", is_arg ? "ARG" : "ENV", *n, plen);
            argenv_total += plen;
            if (argenv_total > PLAN_MAX_ARGENV_TOTAL)
                FAIL("ARG and ENV strings exceed 2 MiB in total");
            if (!(s = save(pl, payload, plen)))
                FAIL("%s %u: contains a NUL byte", is_arg ? "ARG" : "ENV", *n);
            if (!is_arg && (s[0] == '=' || !strchr(s, '=')))
                FAIL("ENV %u: must be NAME=VALUE with a non-empty NAME", *n);
            (is_arg ? pl->argv : pl->envp)[(*n)++] = s;
            break;
        }
        case TAG_WALL_TIME_LIMIT:
            if (n_wall++)
                FAIL("more than one WALL_TIME_LIMIT record");
            if (plen != 8 || get64(&r, &pl->wall_time_us))
                FAIL("WALL_TIME_LIMIT: payload must be 8 bytes");
            if (pl->wall_time_us == 0)
                FAIL("WALL_TIME_LIMIT: must be > 0");
            break;
        case TAG_CGROUP:
            if (decode_cgroup(pl, &r, err, errlen))
                return -1;
            break;
        case TAG_CPU_LIMIT:
            if (decode_cpu_limit(pl, &r, err, errlen))
                return -1;
            break;
        case TAG_RLIMIT:
            if (decode_rlimit(pl, &r, &rlimits_seen, err, errlen))
                return -1;
            break;
        case TAG_SECURITY:
            if (decode_security(pl, &r, &n_security, err, errlen))
                return -1;
            break;
        case TAG_SECCOMP:
            if (decode_seccomp(pl, &r, err, errlen))
                return -1;
            break;
        case TAG_TIME_ORIGIN:
            if (pl->has_time_origin++)
                FAIL("more than one TIME_ORIGIN record");
            if (plen != 8 || get64(&r, &pl->time_origin_ns))
                FAIL("TIME_ORIGIN: payload must be 8 bytes");
            if (pl->time_origin_ns > (uint64_t)PLAN_MAX_TIME_ORIGIN)
                FAIL("TIME_ORIGIN: must be at most 2^63-1 nanoseconds");
            break;
        default:
            FAIL("record %u: unknown tag %u", idx, tag);
        }
    }

    if (n_ns != 1)
        FAIL("exactly one NAMESPACES record is required");
    if (n_security != 1)
        FAIL("exactly one SECURITY record is required");
    uint32_t ns = pl->namespaces;
    if ((pl->n_uid_maps || pl->n_gid_maps) && !(ns & NS_USER))
        FAIL("UID_MAP/GID_MAP need the USER namespace");
    if (pl->hostname && !(ns & NS_UTS))
        FAIL("HOSTNAME needs the UTS namespace");
    if (pl->n_mounts && !(ns & NS_MOUNT))
        FAIL("MOUNT records need the MOUNT namespace");
    for (unsigned i = 0; i < pl->n_mounts; i++)
        if (pl->mounts[i].op == OP_PROC && !(ns & NS_PID))
            FAIL("MOUNT %u: PROC needs the PID namespace", i);
    if (pl->cpu_usage_file && !pl->n_cgroups)
        FAIL("CPU_LIMIT needs a CGROUP record");
    if ((ns & NS_TIME) && !pl->has_time_origin)
        FAIL("the TIME namespace needs a TIME_ORIGIN record");
    if (pl->has_time_origin && !(ns & NS_TIME))
        FAIL("TIME_ORIGIN needs the TIME namespace");
    if (pl->n_args == 0)
        FAIL("at least one ARG record is required");
    pl->argv[pl->n_args] = NULL;
    pl->envp[pl->n_envs] = NULL;
    return 0;
}
