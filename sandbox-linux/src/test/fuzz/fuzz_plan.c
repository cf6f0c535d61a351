/* libFuzzer target for the helper's plan decoder, plan_decode() in
 * sandbox-linux/src/main/c/plan.c (format: docs/helper-protocol.md). Run it with .ci/fuzz.
 *
 * plan_decode() must never crash, hang or read out of bounds, whatever the input, and a
 * plan it accepts must be one the rest of the helper can trust. Each input is decoded:
 *
 *   1. raw: the input is the whole plan, header included;
 *   2. body: the input is the body, behind a correct 16-byte header (magic, version 1,
 *      header_size 16, body_length = input length, reserved 0), so that the fuzzer spends
 *      its time on the records instead of on guessing the header;
 *   3. repeat, only for inputs starting with "S4JR": a compact form that reaches the count
 *      and size limits (256 MOUNTs, 4096 ARGs, 2 MiB of strings, 64 KiB FILE content,
 *      1 MiB VIEW_SNAPSHOT content, ...) which inputs of a few KiB cannot. Layout, little-endian:
 *          "S4JR", u16 reps, u16 start, u16 end, x[...]
 *      body = x[0..start) + reps copies of x[start..end) + x[end..), behind a correct
 *      header (start and end are clamped to x; bodies over 4 MiB + 16 bytes are skipped).
 *
 * Every buffer handed to the decoder is a heap block of exactly the plan's size, so
 * AddressSanitizer catches a read one byte past its end. After a successful decode the plan
 * is checked against the document (check_plan: counts within bounds, argv and envp
 * NULL-terminated, every string inside the used arena and NUL-terminated, no two strings
 * sharing bytes, the first MOUNT and only it a ROOT op, paths normalized, ...); a
 * violation aborts, which libFuzzer reports as a crash. A failed decode must leave a
 * non-empty, NUL-terminated message.
 *
 * LLVMFuzzerCustomMutator (at the end) adds record-level mutations to libFuzzer's own.
 *
 * FUZZ_PLAN_VERBOSE=1 prints what each decode returned, e.g. to see why a seed is rejected:
 *   FUZZ_PLAN_VERBOSE=1 ./fuzz_plan corpus/ok-minimal
 */
#include "plan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Wire values from docs/helper-protocol.md, spelled out here so that the checks follow the
 * document and not plan.h (which may lag behind or run ahead of it). */
enum { W_NS_PID = 1, W_NS_MOUNT = 2, W_NS_UTS = 4, W_NS_USER = 32, W_NS_TIME = 128,
       W_NS_ALL = 255 };
enum { W_ROOT_BIND = 1, W_ROOT_TMPFS, W_BIND, W_TMPFS, W_PROC, W_DIR, W_SYMLINK, W_FILE,
       W_MASK, W_READONLY_PATH, W_VIEW_SNAPSHOT, W_VIEW_LIVE, W_OVERLAY, W_DEVICE, W_ROOT_OVERLAY };
enum { W_RO = 1, W_NOSUID = 2, W_NODEV = 4, W_NOEXEC = 8, W_RECURSIVE = 16, W_CREATE = 32 };
#define W_MAX_PATH 4095u
#define W_MAX_STRING 131071u
#define W_MAX_ARGENV_TOTAL (2u << 20)
#define W_MAX_FILE 65536u
#define W_MAX_VIEW_CONTENT (1u << 20)
#define W_MAX_HOSTNAME 64u
#define W_MAX_DEVICES 16u
#define W_MAX_CPUS_MILLI 1048576u
#define W_MAX_RESOURCES 16u
#define W_MAX_VIEW_NAME 32u
#define W_MAX_TIME_ORIGIN 0x7FFFFFFFFFFFFFFFull

#define ERRLEN 256
#define MAX_SPANS (PLAN_MAX_ARGS + PLAN_MAX_ENVS + 2 * PLAN_MAX_MOUNTS + PLAN_MAX_CGROUPS + 3)

static struct plan *pl; /* several MiB: allocated once */
static char *err;       /* exactly ERRLEN bytes, so a write past errlen is caught */
static int verbose;
static const char *mode; /* for messages: which decode is being checked */

struct span {
    const char *s;
    size_t len;
};
static struct span spans[MAX_SPANS];
static size_t n_spans;

#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "fuzz_plan: invariant violated after a successful %s decode: ", \
                    mode);                                                                 \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fprintf(stderr, " [%s]\n", #cond);                                             \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    pl = malloc(sizeof *pl);
    err = malloc(ERRLEN);
    if (!pl || !err) {
        fprintf(stderr, "fuzz_plan: out of memory\n");
        abort();
    }
    memset(pl, 0xA5, sizeof *pl); /* no accidental NUL terminators in the arena */
    const char *v = getenv("FUZZ_PLAN_VERBOSE");
    verbose = v && *v && strcmp(v, "0") != 0;
    return 0;
}

/* A string the plan points to: inside the used part of the arena and NUL-terminated
 * there. Records it for the overlap check; returns its length. */
static size_t arena_string(const char *s, const char *what, unsigned i)
{
    CHECK(s != NULL, "%s %u is NULL", what, i);
    uintptr_t lo = (uintptr_t)pl->arena, hi = lo + pl->arena_used, p = (uintptr_t)s;
    CHECK(p >= lo && p < hi, "%s %u points outside the used arena", what, i);
    const char *nul = memchr(s, 0, hi - p);
    CHECK(nul != NULL, "%s %u is not NUL-terminated inside the used arena", what, i);
    CHECK(n_spans < MAX_SPANS, "more strings than the counts allow");
    spans[n_spans++] = (struct span){s, (size_t)(nul - s)};
    return (size_t)(nul - s);
}

/* Absolute, normalized: no "." or ".." component, no empty component, no trailing '/'
 * except "/" itself; 1..4095 bytes. Written independently of plan.c. */
static int path_ok(const char *s, size_t len)
{
    if (len < 1 || len > W_MAX_PATH || s[0] != '/')
        return 0;
    if (len == 1)
        return 1;
    const char *c = s + 1, *end = s + len;
    for (;;) {
        const char *slash = memchr(c, '/', (size_t)(end - c));
        const char *ce = slash ? slash : end;
        size_t n = (size_t)(ce - c);
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return 0;
        if (!slash)
            return 1;
        c = slash + 1;
    }
}

/* A live view's file name: 1..32 bytes of [a-z0-9_]; it is joined to "/live/". */
static int view_name_ok(const char *s, size_t len)
{
    if (len < 1 || len > W_MAX_VIEW_NAME)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

static int span_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const struct span *)a)->s;
    uintptr_t y = (uintptr_t)((const struct span *)b)->s;
    return x < y ? -1 : x > y;
}

static unsigned mount_flags_allowed(unsigned op)
{
    const unsigned mnt = W_RO | W_NOSUID | W_NODEV | W_NOEXEC;
    switch (op) {
    case W_ROOT_BIND: return mnt | W_RECURSIVE;
    case W_ROOT_TMPFS:
    case W_ROOT_OVERLAY: return mnt;
    case W_OVERLAY: return mnt | W_CREATE;
    case W_DEVICE: return W_RO | W_NOSUID | W_NOEXEC | W_CREATE;
    case W_BIND: return mnt | W_RECURSIVE | W_CREATE;
    case W_TMPFS:
    case W_PROC: return mnt | W_CREATE;
    case W_DIR:
    case W_SYMLINK:
    case W_FILE: return W_CREATE;
    case W_VIEW_SNAPSHOT:
    case W_VIEW_LIVE: return mnt | W_CREATE;
    default: return 0; /* MASK, READONLY_PATH */
    }
}

static void check_mount(const struct plan_mount *m, unsigned i, uint32_t ns)
{
    unsigned op = m->op;
    CHECK(op >= W_ROOT_BIND && op <= W_ROOT_OVERLAY, "MOUNT %u: op %u", i, op);
    int is_root = op == W_ROOT_BIND || op == W_ROOT_TMPFS || op == W_ROOT_OVERLAY;
    CHECK(!(op == W_OVERLAY || op == W_ROOT_OVERLAY) || (m->flags & W_RO), "MOUNT %u: overlay without RO", i);
    CHECK(is_root == (i == 0), "MOUNT %u: op %u; the first MOUNT, and only it, must be a ROOT op",
          i, op);
    CHECK((m->flags & ~mount_flags_allowed(op)) == 0, "MOUNT %u: flags 0x%x on op %u", i,
          m->flags, op);
    int has_mode = op == W_ROOT_TMPFS || op == W_TMPFS || op == W_DIR || op == W_FILE;
    CHECK(has_mode ? m->mode <= 07777 : m->mode == 0, "MOUNT %u: mode 0%o on op %u", i,
          m->mode, op);
    CHECK(m->size == 0 || op == W_ROOT_TMPFS || op == W_TMPFS, "MOUNT %u: size on op %u", i, op);
    CHECK(op != W_PROC || (ns & W_NS_PID), "MOUNT %u: PROC without the PID namespace", i);

    size_t slen = arena_string(m->source, "MOUNT source", i);
    CHECK(slen == m->source_len, "MOUNT %u: source_len %u but the string has %zu bytes", i,
          m->source_len, slen);
    if (op == W_ROOT_BIND || op == W_BIND || op == W_OVERLAY || op == W_ROOT_OVERLAY)
        CHECK(path_ok(m->source, slen), "MOUNT %u: bind source is not a normalized absolute path",
              i);
    else if (op == W_DEVICE)
        CHECK(path_ok(m->source, slen) && slen > 5 && memcmp(m->source, "/dev/", 5) == 0,
              "MOUNT %u: device source is not a normalized path under /dev/", i);
    else if (op == W_SYMLINK)
        CHECK(slen >= 1 && slen <= W_MAX_PATH, "MOUNT %u: symlink source of %zu bytes", i, slen);
    else if (op == W_FILE)
        CHECK(slen <= W_MAX_FILE, "MOUNT %u: file content of %zu bytes", i, slen);
    else if (op == W_VIEW_SNAPSHOT)
        CHECK(slen <= W_MAX_VIEW_CONTENT, "MOUNT %u: view content of %zu bytes", i, slen);
    else if (op == W_VIEW_LIVE)
        CHECK(view_name_ok(m->source, slen), "MOUNT %u: live view name is not 1..32 of [a-z0-9_]", i);
    else
        CHECK(slen == 0, "MOUNT %u: source on op %u", i, op);

    size_t tlen = arena_string(m->target, "MOUNT target", i);
    CHECK(path_ok(m->target, tlen), "MOUNT %u: target is not a normalized absolute path", i);
    CHECK(is_root == (tlen == 1), "MOUNT %u: target \"/\" goes with a ROOT op, and only with it",
          i);
}

static void check_plan(void)
{
    n_spans = 0;
    CHECK(pl->arena_used <= sizeof pl->arena, "arena_used %zu > %zu", pl->arena_used,
          sizeof pl->arena);
    uint32_t ns = pl->namespaces;
    CHECK((ns & ~(uint32_t)W_NS_ALL) == 0, "namespaces 0x%x", ns);

    /* UID_MAP / GID_MAP */
    CHECK(pl->n_uid_maps <= PLAN_MAX_MAPS && pl->n_gid_maps <= PLAN_MAX_MAPS,
          "%u uid maps, %u gid maps", pl->n_uid_maps, pl->n_gid_maps);
    CHECK((pl->n_uid_maps == 0 && pl->n_gid_maps == 0) || (ns & W_NS_USER), "maps without USER");
    for (unsigned k = 0; k < 2; k++) {
        const struct plan_idmap *maps = k ? pl->gid_maps : pl->uid_maps;
        unsigned n = k ? pl->n_gid_maps : pl->n_uid_maps;
        for (unsigned i = 0; i < n; i++) {
            CHECK(maps[i].count >= 1, "%s %u: count 0", k ? "GID_MAP" : "UID_MAP", i);
            CHECK((uint64_t)maps[i].inside + maps[i].count <= 0xFFFFFFFFu
                      && (uint64_t)maps[i].outside + maps[i].count <= 0xFFFFFFFFu,
                  "%s %u: range runs past 2^32-1", k ? "GID_MAP" : "UID_MAP", i);
        }
    }

    /* IDENTITY */
    CHECK(pl->has_identity == 0 || pl->has_identity == 1, "has_identity %d", pl->has_identity);
    if (pl->has_identity)
        CHECK(pl->uid != 0xFFFFFFFFu && pl->gid != 0xFFFFFFFFu, "IDENTITY %u:%u", pl->uid, pl->gid);

    /* HOSTNAME */
    if (pl->hostname) {
        size_t n = arena_string(pl->hostname, "HOSTNAME", 0);
        CHECK(n >= 1 && n <= W_MAX_HOSTNAME, "HOSTNAME of %zu bytes", n);
        CHECK(ns & W_NS_UTS, "HOSTNAME without UTS");
    }

    /* MOUNT */
    CHECK(pl->n_mounts <= PLAN_MAX_MOUNTS, "%u mounts", pl->n_mounts);
    CHECK(pl->n_mounts == 0 || (ns & W_NS_MOUNT), "MOUNT records without the MOUNT namespace");
    for (unsigned i = 0; i < pl->n_mounts; i++)
        check_mount(&pl->mounts[i], i, ns);

    /* WORKDIR: a decoded path in the arena, or the default "/" (which need not be there) */
    CHECK(pl->workdir != NULL, "workdir is NULL");
    uintptr_t w = (uintptr_t)pl->workdir, lo = (uintptr_t)pl->arena;
    if (w >= lo && w < lo + sizeof pl->arena) {
        size_t n = arena_string(pl->workdir, "WORKDIR", 0);
        CHECK(path_ok(pl->workdir, n), "WORKDIR is not a normalized absolute path");
    } else {
        CHECK(strcmp(pl->workdir, "/") == 0, "workdir outside the arena is not the default \"/\"");
    }

    /* ARG / ENV: NULL-terminated arrays ready for execve */
    CHECK(pl->n_args >= 1 && pl->n_args <= PLAN_MAX_ARGS, "%u args", pl->n_args);
    CHECK(pl->n_envs <= PLAN_MAX_ENVS, "%u envs", pl->n_envs);
    CHECK(pl->argv[pl->n_args] == NULL, "argv[%u] is not NULL", pl->n_args);
    CHECK(pl->envp[pl->n_envs] == NULL, "envp[%u] is not NULL", pl->n_envs);
    uint64_t total = 0;
    for (unsigned i = 0; i < pl->n_args; i++) {
        size_t n = arena_string(pl->argv[i], "ARG", i);
        CHECK(n <= W_MAX_STRING, "ARG %u of %zu bytes", i, n);
        total += n;
    }
    for (unsigned i = 0; i < pl->n_envs; i++) {
        size_t n = arena_string(pl->envp[i], "ENV", i);
        CHECK(n >= 1 && n <= W_MAX_STRING, "ENV %u of %zu bytes", i, n);
        CHECK(pl->envp[i][0] != '=' && strchr(pl->envp[i], '=') != NULL,
              "ENV %u is not NAME=VALUE", i);
        total += n;
    }
    CHECK(total <= W_MAX_ARGENV_TOTAL, "ARG and ENV strings total %llu bytes",
          (unsigned long long)total);

    /* CGROUP */
    CHECK(pl->n_cgroups <= PLAN_MAX_CGROUPS, "%u cgroups", pl->n_cgroups);
    if (pl->n_cgroups) {
        CHECK(pl->cgroup_version == 1 || pl->cgroup_version == 2, "cgroup version %u",
              pl->cgroup_version);
        CHECK(pl->cgroup_version == 1 || pl->n_cgroups == 1, "%u version-2 CGROUP records",
              pl->n_cgroups);
    }
    for (unsigned i = 0; i < pl->n_cgroups; i++) {
        size_t n = arena_string(pl->cgroups[i], "CGROUP", i);
        CHECK(path_ok(pl->cgroups[i], n), "CGROUP %u is not a normalized absolute path", i);
    }

    /* CPU_LIMIT */
    if (pl->cpu_usage_file) {
        size_t n = arena_string(pl->cpu_usage_file, "CPU_LIMIT usage file", 0);
        CHECK(path_ok(pl->cpu_usage_file, n), "CPU_LIMIT usage file is not a normalized path");
        CHECK(pl->n_cgroups > 0, "CPU_LIMIT without CGROUP");
        CHECK(pl->cpu_limit_us > 0, "CPU_LIMIT of 0");
        CHECK(pl->cpus_milli >= 1 && pl->cpus_milli <= W_MAX_CPUS_MILLI, "cpus_milli %u",
              pl->cpus_milli);
        CHECK(pl->cpu_format == 1 || pl->cpu_format == 2, "cpu format %u", pl->cpu_format);
    } else {
        CHECK(pl->cpu_limit_us == 0, "cpu_limit_us without a usage file");
    }

    /* RLIMIT */
    CHECK(pl->n_rlimits <= PLAN_MAX_RLIMITS, "%u rlimits", pl->n_rlimits);
    uint32_t seen = 0;
    for (unsigned i = 0; i < pl->n_rlimits; i++) {
        const struct plan_rlimit *l = &pl->rlimits[i];
        CHECK(l->resource < W_MAX_RESOURCES, "RLIMIT %u: resource %u", i, l->resource);
        CHECK(!(seen & 1u << l->resource), "RLIMIT %u: resource %u twice", i, l->resource);
        seen |= 1u << l->resource;
        CHECK(l->soft <= l->hard, "RLIMIT %u: soft above hard", i);
    }

#ifdef PLAN_LAST_CAP /* SECURITY, when the decoder has it */
    CHECK((pl->security_flags & ~1u) == 0, "SECURITY flags 0x%x", pl->security_flags);
    CHECK(pl->kept_caps >> 41 == 0, "kept capabilities above CAP_LAST_CAP (40): 0x%llx",
          (unsigned long long)pl->kept_caps);
#endif
#ifdef PLAN_MAX_VIEW_NAME /* the /proc view records, when the decoder has them */
    CHECK(pl->has_time_origin == 0 || pl->has_time_origin == 1, "has_time_origin %d",
          pl->has_time_origin);
    CHECK(pl->has_time_origin == !!(ns & W_NS_TIME), "TIME_ORIGIN %s the TIME namespace",
          pl->has_time_origin ? "without" : "missing with");
    CHECK(pl->has_time_origin || pl->time_origin_ns == 0, "a time origin without its record");
    CHECK(pl->time_origin_ns <= W_MAX_TIME_ORIGIN, "TIME_ORIGIN %llu above 2^63-1",
          (unsigned long long)pl->time_origin_ns);
    unsigned live = 0;
    for (unsigned i = 0; i < pl->n_mounts; i++)
        live += pl->mounts[i].op == W_VIEW_LIVE;
    CHECK(pl->n_live_views == live, "n_live_views %u, but %u VIEW_LIVE mounts", pl->n_live_views,
          live);
#endif
#ifdef PLAN_MAX_BPF /* SECCOMP, when the decoder has it */
    CHECK(pl->n_bpf <= 4096 && pl->n_bpf <= PLAN_MAX_BPF, "%u BPF instructions (doc: 1..4096)",
          pl->n_bpf);
    CHECK((pl->seccomp_flags & ~1u) == 0, "SECCOMP flags 0x%x", pl->seccomp_flags);
    CHECK(pl->n_bpf > 0 || pl->seccomp_flags == 0, "SECCOMP flags without a program");
#endif

    /* Strings never share bytes (each has its own NUL); together they fit in arena_used. */
    qsort(spans, n_spans, sizeof spans[0], span_cmp);
    for (size_t i = 1; i < n_spans; i++)
        CHECK((uintptr_t)spans[i - 1].s + spans[i - 1].len < (uintptr_t)spans[i].s,
              "two decoded strings overlap in the arena");
}

static void report(int rc)
{
    if (rc == 0)
        fprintf(stderr, "fuzz_plan: %s: ok: namespaces 0x%x, %u args, %u envs, %u mounts, "
                        "%u cgroups, %u rlimits, %zu arena bytes\n",
                mode, pl->namespaces, pl->n_args, pl->n_envs, pl->n_mounts, pl->n_cgroups,
                pl->n_rlimits, pl->arena_used);
    else
        fprintf(stderr, "fuzz_plan: %s: rejected: %s\n", mode, err);
}

/* Decodes buf (a heap block of exactly len bytes) and checks the outcome. */
static void decode(const uint8_t *buf, size_t len, const char *what)
{
    mode = what;
    memset(err, 0x5A, ERRLEN);
    int rc = plan_decode(buf, len, pl, err, ERRLEN);
    if (verbose)
        report(rc);
    if (rc == 0) {
        check_plan();
    } else {
        if (rc != -1) {
            fprintf(stderr, "fuzz_plan: %s decode returned %d, not 0 or -1\n", what, rc);
            abort();
        }
        if (!memchr(err, 0, ERRLEN) || err[0] == 0) {
            fprintf(stderr, "fuzz_plan: %s decode failed without a NUL-terminated message\n", what);
            abort();
        }
    }
}

static void put_header(uint8_t *h, size_t body_len)
{
    static const uint8_t fixed[8] = {'S', '4', 'J', 'P', 1, 0, PLAN_HEADER_SIZE, 0};
    memcpy(h, fixed, sizeof fixed);
    for (int i = 0; i < 4; i++) {
        h[8 + i] = (uint8_t)(body_len >> 8 * i);
        h[12 + i] = 0;
    }
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void decode_repeat(const uint8_t *data, size_t size)
{
    const uint8_t *x = data + 10;
    size_t xlen = size - 10, reps = rd16(data + 4), start = rd16(data + 6), end = rd16(data + 8);
    if (start > xlen)
        start = xlen;
    if (end < start)
        end = start;
    if (end > xlen)
        end = xlen;
    size_t seg = end - start, body_len = xlen - seg + seg * reps; /* reps < 2^16: no overflow */
    if (body_len > PLAN_MAX_BODY + 16)
        return;
    uint8_t *b = malloc(PLAN_HEADER_SIZE + body_len);
    if (!b)
        abort();
    put_header(b, body_len);
    uint8_t *p = b + PLAN_HEADER_SIZE;
    memcpy(p, x, start);
    p += start;
    for (size_t i = 0; i < reps; i++, p += seg)
        memcpy(p, x + start, seg);
    memcpy(p, x + end, xlen - end);
    decode(b, PLAN_HEADER_SIZE + body_len, "repeat");
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* 1. raw; an empty input is passed as the end of a 1-byte block, since ASan lets a
     * program read the byte it really allocates for malloc(0) */
    uint8_t *blk = malloc(size ? size : 1);
    if (!blk)
        abort();
    if (size)
        memcpy(blk, data, size);
    decode(size ? blk : blk + 1, size, "raw");
    free(blk);

    /* 2. body behind a correct header */
    if (size <= PLAN_MAX_BODY) {
        uint8_t *b = malloc(PLAN_HEADER_SIZE + size);
        if (!b)
            abort();
        put_header(b, size);
        if (size)
            memcpy(b + PLAN_HEADER_SIZE, data, size);
        decode(b, PLAN_HEADER_SIZE + size, "body");
        free(b);
    }

    /* 3. repeat form */
    if (size >= 10 && memcmp(data, "S4JR", 4) == 0)
        decode_repeat(data, size);
    return 0;
}

/* Structure-aware mutations. Byte-level mutations rarely delete, duplicate or move a whole
 * record, or change a string's length together with its record's length, yet plans that
 * differ from a valid one in exactly such a way are where a decoder's rules (first MOUNT
 * a ROOT op, exactly one SECURITY, ...) are tested. Half of the mutations are libFuzzer's
 * own; the other half act on one whole record and keep the framing consistent (the
 * record's length, and the header's body_length in a raw plan). */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

#define MAX_RECORDS 1024

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }

static void wr32(uint8_t *p, size_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> 8 * i);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    uint32_t s = seed | 1;
    if (rnd(&s) % 2)
        return LLVMFuzzerMutate(data, size, max_size);

    /* The records: after the header of a raw plan, after the 10 bytes of the repeat form,
     * else from the start (the body form); up to the first one that does not fit. */
    int raw = size >= PLAN_HEADER_SIZE && memcmp(data, "S4JP", 4) == 0;
    size_t at = raw ? PLAN_HEADER_SIZE : size >= 10 && memcmp(data, "S4JR", 4) == 0 ? 10 : 0;
    static size_t off[MAX_RECORDS + 1];
    unsigned n = 0;
    while (n < MAX_RECORDS && size - at >= 8 && rd32(data + at + 4) <= size - at - 8) {
        off[n++] = at;
        at += 8 + (size_t)rd32(data + at + 4);
    }
    off[n] = at;
    if (n == 0)
        return LLVMFuzzerMutate(data, size, max_size);

    unsigned i = rnd(&s) % n, j = rnd(&s) % n;
    size_t a = off[i], len = off[i + 1] - a;
    static uint8_t tmp[1 << 16];
    switch (rnd(&s) % 4) {
    case 0: /* delete record i */
        memmove(data + a, data + a + len, size - a - len);
        size -= len;
        break;
    case 1: /* duplicate record i */
        if (size + len > max_size)
            return LLVMFuzzerMutate(data, size, max_size);
        memmove(data + a + len, data + a, size - a);
        size += len;
        break;
    case 2: { /* move record i to where record j starts */
        if (len > sizeof tmp || i == j)
            return LLVMFuzzerMutate(data, size, max_size);
        memcpy(tmp, data + a, len);
        size_t b = off[j];
        if (b < a) {
            memmove(data + b + len, data + b, a - b);
            memcpy(data + b, tmp, len);
        } else { /* after record j, so that i and j swap when they are neighbours */
            size_t e = off[j + 1];
            memmove(data + a, data + a + len, e - a - len);
            memcpy(data + e - len, tmp, len);
        }
        break;
    }
    default: { /* mutate record i's payload, which may change its length */
        size_t tail = size - a - len, plen = len - 8;
        if (tail > sizeof tmp || size >= max_size)
            return LLVMFuzzerMutate(data, size, max_size);
        memcpy(tmp, data + a + len, tail);
        size_t room = max_size - (size - plen); /* what the payload may grow to, > 0 */
        plen = LLVMFuzzerMutate(data + a + 8, plen, room);
        wr32(data + a + 4, plen);
        memcpy(data + a + 8 + plen, tmp, tail);
        size = a + 8 + plen + tail;
        break;
    }
    }
    if (raw)
        wr32(data + 8, size - PLAN_HEADER_SIZE);
    return size;
}
