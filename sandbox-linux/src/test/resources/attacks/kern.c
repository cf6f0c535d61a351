/*
 * Attempts on kernel interfaces a sandboxed program has no business with: each one is
 * either host-wide state (keyrings, the clock, modules, kexec, reboot) or a large attack
 * surface behind many recent kernel exploits (userfaultfd, io_uring, bpf, perf,
 * open_by_handle_at). Probes that could change the host use arguments the kernel rejects
 * only after its permission check (see must_be_denied), so nothing happens even when the
 * check passes.
 */
#include "attack.h"
#include <dirent.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <sys/time.h>
#include <sys/timex.h>

static void keyrings(int argc, char **argv)
{
    (void)argc, (void)argv;
    char desc[128];
    snprintf(desc, sizeof desc, "sandbox4j-%s", marker);
    must_fail("add_key to the session keyring",
              syscall(SYS_add_key, "user", desc, "1", 1, KEY_SPEC_SESSION_KEYRING));
    must_fail("add_key to the user keyring", syscall(SYS_add_key, "user", desc, "1", 1, KEY_SPEC_USER_KEYRING));
    must_fail("keyctl(KEYCTL_DESCRIBE) of the session keyring",
              syscall(SYS_keyctl, KEYCTL_DESCRIBE, KEY_SPEC_SESSION_KEYRING, desc, sizeof desc));
    must_fail("keyctl(KEYCTL_JOIN_SESSION_KEYRING)", syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, desc));
    must_fail("request_key", syscall(SYS_request_key, "user", desc, NULL, 0));
}

static void userfaultfd(int argc, char **argv)
{
    (void)argc, (void)argv;
    must_fail("userfaultfd", syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK));
    must_fail("userfaultfd(UFFD_USER_MODE_ONLY)", syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | 1));
}

static void io_uring(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct io_uring_params params;
    memset(&params, 0, sizeof params);
    must_fail("io_uring_setup", syscall(SYS_io_uring_setup, 1, &params));
}

static void bpf(int argc, char **argv)
{
    (void)argc, (void)argv;
    union bpf_attr map;
    memset(&map, 0, sizeof map);
    map.map_type = BPF_MAP_TYPE_ARRAY;
    map.key_size = 4;
    map.value_size = 4;
    map.max_entries = 1;
    must_fail("bpf(BPF_MAP_CREATE)", syscall(SYS_bpf, BPF_MAP_CREATE, &map, sizeof map));
    struct bpf_insn prog[] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
        {.code = BPF_JMP | BPF_EXIT},
    };
    union bpf_attr load;
    memset(&load, 0, sizeof load);
    load.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    load.insn_cnt = 2;
    load.insns = (unsigned long)prog;
    load.license = (unsigned long)"GPL";
    must_fail("bpf(BPF_PROG_LOAD)", syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load));
}

static void perf(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.disabled = 1;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    must_fail("perf_event_open of this process", syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
    must_fail("perf_event_open of CPU 0", syscall(SYS_perf_event_open, &attr, -1, 0, -1, 0));
}

/*
 * "Shocker": a file handle is an inode number on a file system; with a bind mount of the
 * host's file system as the mount fd, inode 2 (an ext4 root) would open the host's root.
 */
static void open_by_handle(int argc, char **argv)
{
    (void)argc, (void)argv;
    int mount_fd = open("/attacks", O_RDONLY | O_DIRECTORY);
    if (mount_fd < 0)
        setup_failed("open /attacks: %s", err(errno));
    struct {
        struct file_handle h;
        unsigned char bytes[128];
    } handle;
    handle.h.handle_bytes = sizeof handle.bytes;
    int mount_id;
    if (name_to_handle_at(AT_FDCWD, "/attacks/kern", &handle.h, &mount_id, 0) != 0) {
        blocked("name_to_handle_at: %s", err(errno));
    } else {
        must_fail("open_by_handle_at of a handle from name_to_handle_at",
                  open_by_handle_at(mount_fd, &handle.h, O_RDONLY));
    }
    handle.h.handle_bytes = 8;
    handle.h.handle_type = 1; /* FILEID_INO32_GEN: u32 inode, u32 generation */
    unsigned int ino_gen[2] = {2, 0};
    memcpy(handle.h.f_handle, ino_gen, sizeof ino_gen);
    int fd = open_by_handle_at(mount_fd, &handle.h, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        blocked("open_by_handle_at of inode 2, the file system's root: %s", err(errno));
        return;
    }
    DIR *d = fdopendir(fd);
    struct dirent *e;
    char names[512] = "";
    while (d && (e = readdir(d)) && strlen(names) < 400) {
        strcat(names, " ");
        strcat(names, e->d_name);
    }
    escaped("open_by_handle_at opened the host file system's root:%s", names);
}

static void kexec_and_modules(int argc, char **argv)
{
    (void)argc, (void)argv;
    /* 17 segments is one more than KEXEC_SEGMENT_MAX: EINVAL, but only after the permission check. */
    must_be_denied("kexec_load", syscall(SYS_kexec_load, 0, 17, NULL, 0));
    must_be_denied("kexec_file_load", syscall(SYS_kexec_file_load, -1, -1, 0, "", 0));
    must_be_denied("init_module (an empty image)", syscall(SYS_init_module, NULL, 0, ""));
    must_be_denied("finit_module (fd -1)", syscall(SYS_finit_module, -1, "", 0));
    must_be_denied("delete_module (no such module)", syscall(SYS_delete_module, "sandbox4j_absent", O_NONBLOCK));
}

static void set_time(int argc, char **argv)
{
    (void)argc, (void)argv;
    /* A tick off by far more than 10%: EINVAL, but only after the CAP_SYS_TIME check. */
    struct timex tx;
    memset(&tx, 0, sizeof tx);
    tx.modes = ADJ_TICK;
    tx.tick = 1;
    errno = 0;
    long r = adjtimex(&tx);
    must_be_denied("adjtimex(ADJ_TICK)", r);
    if (r < 0 && errno == EPERM) {
        /* Only when the probe was refused: set the clock to what it already is. */
        struct timeval now;
        gettimeofday(&now, NULL);
        must_fail("settimeofday", settimeofday(&now, NULL));
    }
}

static void reboot(int argc, char **argv)
{
    (void)argc, (void)argv;
    /* A wrong second magic number: EINVAL, but only after the CAP_SYS_BOOT check. */
    must_be_denied("reboot(LINUX_REBOOT_CMD_CAD_OFF)",
                   syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, 0, LINUX_REBOOT_CMD_CAD_OFF, NULL));
}

int main(int argc, char **argv)
{
    static const struct mode modes[] = {
        {"keyrings", keyrings},
        {"userfaultfd", userfaultfd},
        {"io-uring", io_uring},
        {"bpf", bpf},
        {"perf", perf},
        {"open-by-handle", open_by_handle},
        {"kexec-and-modules", kexec_and_modules},
        {"settimeofday", set_time},
        {"reboot", reboot},
        {NULL, NULL},
    };
    return run_mode(modes, argc, argv);
}
