/*
 * Attempts to change the sandbox's mounts or to enter or create namespaces. Inside its
 * own namespaces none of this touches the host by itself, but each is the first step of
 * a known escape (new user namespaces give every capability again; mounts can uncover
 * what /proc masking hides; setns into a mount namespace resets the root), so all of it
 * must be refused.
 */
#include "attack.h"
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>

static void mount_tmpfs(int argc, char **argv)
{
    (void)argc, (void)argv;
    mkdir("/tmp/m", 0755);
    must_fail("mount tmpfs on /tmp/m", mount("none", "/tmp/m", "tmpfs", 0, NULL));
    must_fail("mount proc on /tmp/m", mount("proc", "/tmp/m", "proc", 0, NULL));
    must_fail("remount / read-write", mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND, NULL));
}

static void umount_mounts(int argc, char **argv)
{
    (void)argc, (void)argv;
    must_fail("umount2 /proc", umount2("/proc", MNT_DETACH));
    must_fail("umount2 /", umount2("/", MNT_DETACH));
}

static void pivot(int argc, char **argv)
{
    (void)argc, (void)argv;
    if (chdir("/") != 0)
        setup_failed("chdir /: %s", err(errno));
    /* The sandbox's root has no parent mount, so the kernel answers EINVAL, but only after
       its permission check: EINVAL already means pivot_root is open to the program. */
    must_be_denied("pivot_root(\".\", \".\")", syscall(SYS_pivot_root, ".", "."));
}

static void unshare_user(int argc, char **argv)
{
    (void)argc, (void)argv;
    must_fail("unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER));
}

static void unshare_mount(int argc, char **argv)
{
    (void)argc, (void)argv;
    must_fail("unshare(CLONE_NEWNS)", unshare(CLONE_NEWNS));
}

/* clone with CLONE_NEWUSER, the way the C library's clone would: the child exits at once. */
static void clone_user(int argc, char **argv)
{
    (void)argc, (void)argv;
    long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        _exit(0);
    must_fail("clone(CLONE_NEWUSER)", pid);
    if (pid > 0)
        waitpid((pid_t)pid, NULL, 0);
}

/* setns into init's namespaces and back into our own (a mount namespace resets the root). */
static void set_ns(int argc, char **argv)
{
    (void)argc, (void)argv;
    const char *kinds[] = {"mnt", "user", "pid", "net", "ipc", "uts", "cgroup", NULL};
    char path[64], what[96];
    const char *owners[] = {"1", "self", NULL};
    for (const char **owner = owners; *owner; owner++) {
        for (const char **k = kinds; *k; k++) {
            snprintf(path, sizeof path, "/proc/%s/ns/%s", *owner, *k);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                blocked("open %s: %s", path, err(errno));
                continue;
            }
            snprintf(what, sizeof what, "setns(%s)", path);
            must_fail(what, setns(fd, 0));
            close(fd);
        }
    }
}

int main(int argc, char **argv)
{
    static const struct mode modes[] = {
        {"mount", mount_tmpfs},
        {"umount", umount_mounts},
        {"pivot-root", pivot},
        {"unshare-user", unshare_user},
        {"unshare-mount", unshare_mount},
        {"clone-user", clone_user},
        {"setns", set_ns},
        {NULL, NULL},
    };
    return run_mode(modes, argc, argv);
}
