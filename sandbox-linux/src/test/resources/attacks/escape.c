/*
 * Attempts to leave the sandbox's root and reach the host's file system.
 * Arguments of every mode: <sentinel path on the host> <the host's /etc/hostname content>.
 * Reaching any of HOST_ONLY, the sentinel or the host's /etc/hostname is an escape.
 */
#include "attack.h"
#include <dirent.h>

/* Paths the host has and the host-derived root of the strict sandbox does not. */
static const char *HOST_ONLY[] = {"/root", "/home", "/work", "/var", "/srv", "/opt", "/boot",
                                  "/etc/shadow", "/etc/machine-id", NULL};
static const char *sentinel = "";
static const char *host_hostname = "";

/* Looks for host files under prefix ("" = the current root); each one found is an escape. */
static void look_for_host(const char *route, const char *prefix)
{
    char path[8192], buf[512];
    struct stat st;
    int found = 0;
    for (const char **p = HOST_ONLY; *p; p++) {
        snprintf(path, sizeof path, "%s%s", prefix, *p);
        if (lstat(path, &st) == 0) {
            escaped("%s: the host's %s is visible as %s", route, *p, path);
            found++;
        }
    }
    snprintf(path, sizeof path, "%s%s", prefix, sentinel);
    if (read_file(path, buf, sizeof buf) >= 0) {
        escaped("%s: read the host's sentinel file %s: %s", route, path, buf);
        found++;
    } else if (lstat(path, &st) == 0) {
        escaped("%s: the host's sentinel file is visible as %s (%s)", route, path, err(errno));
        found++;
    }
    snprintf(path, sizeof path, "%s/etc/hostname", prefix);
    if (read_file(path, buf, sizeof buf) > 0) {
        buf[strcspn(buf, "\n")] = 0;
        if (strcmp(buf, host_hostname) == 0) {
            escaped("%s: %s holds the host's hostname %s", route, path, buf);
            found++;
        }
    }
    if (!found)
        blocked("%s: nothing of the host under \"%s\"", route, prefix[0] ? prefix : "/");
}

static void args(int argc, char **argv)
{
    if (argc < 2)
        setup_failed("needs <sentinel> <host hostname>");
    sentinel = argv[0];
    host_hostname = argv[1];
}

static void up_a_hundred_times(void)
{
    for (int i = 0; i < 100; i++)
        chdir("..");
}

/* The classic: chroot into a subdirectory without entering it, climb out with .., chroot(".") */
static void nested_chroot(int argc, char **argv)
{
    args(argc, argv);
    mkdir("/tmp/x", 0755);
    if (chdir("/tmp") != 0)
        setup_failed("chdir /tmp: %s", err(errno));
    if (chroot("x") != 0) {
        blocked("chroot(\"x\"): %s", err(errno));
    } else {
        up_a_hundred_times();
        if (chroot(".") != 0)
            blocked("chroot(\".\") after climbing: %s", err(errno));
    }
    look_for_host("nested chroot + chdir(\"..\") x 100 + chroot(\".\")", "");
    look_for_host("the same, relative to the working directory", ".");
}

/* .. of / is / itself: walking up from the root must stay in it. */
static void dotdot(int argc, char **argv)
{
    args(argc, argv);
    if (chdir("/") != 0)
        setup_failed("chdir /: %s", err(errno));
    up_a_hundred_times();
    look_for_host("chdir(\"..\") x 100 from /", "");
    look_for_host("/.. x 8 as a path prefix", "/../../../../../../../..");
}

/* A directory fd taken before a chroot still points outside it: fchdir + .. from there. */
static void fchdir_after_chroot(int argc, char **argv)
{
    args(argc, argv);
    int fd = open("/", O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        setup_failed("open /: %s", err(errno));
    mkdir("/tmp/y", 0755);
    int chrooted = chroot("/tmp/y") == 0;
    if (!chrooted)
        blocked("chroot(\"/tmp/y\"): %s", err(errno));
    if (fchdir(fd) != 0)
        setup_failed("fchdir: %s", err(errno));
    up_a_hundred_times();
    if (chrooted && chroot(".") != 0)
        blocked("chroot(\".\") after fchdir: %s", err(errno));
    look_for_host("fd to / kept across chroot, fchdir, chdir(\"..\") x 100", ".");
    look_for_host("the same, absolute paths", "");
}

/* The magic links of /proc lead to a process's root; they must lead to the sandbox's. */
static void proc_root(int argc, char **argv)
{
    args(argc, argv);
    char buf[512];
    const char *paths[] = {"/proc/1/root/../../etc/hostname", "/proc/self/root/../etc/hostname",
                           "/proc/1/cwd/../../etc/hostname", NULL};
    for (const char **p = paths; *p; p++) {
        if (read_file(*p, buf, sizeof buf) < 0) {
            blocked("%s: %s", *p, err(errno));
            continue;
        }
        buf[strcspn(buf, "\n")] = 0;
        if (strcmp(buf, host_hostname) == 0)
            escaped("%s is the host's hostname: %s", *p, buf);
        else
            blocked("%s is the sandbox's own: %s", *p, buf);
    }
    look_for_host("/proc/1/root/../..", "/proc/1/root/../..");
    look_for_host("/proc/self/root/..", "/proc/self/root/..");
    DIR *d = opendir("/proc/self/root/..");
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            for (const char **p = HOST_ONLY; *p; p++)
                if (strcmp(e->d_name, *p + 1) == 0)
                    escaped("/proc/self/root/.. lists the host's %s", *p);
        closedir(d);
    }
}

/* Every route to a file the sandbox knows of: magic links of each process and fd, old roots. */
static void every_route(int argc, char **argv)
{
    args(argc, argv);
    char prefix[512];
    const char *fixed[] = {"", "/proc/self/root", "/proc/thread-self/root", "/proc/self/cwd",
                           "/oldroot", "/newroot", "/proc/1/root", "/proc/1/cwd", NULL};
    for (const char **p = fixed; *p; p++)
        look_for_host(**p ? *p : "the sandbox's /", *p);
    DIR *proc = opendir("/proc");
    if (proc) {
        struct dirent *e;
        while ((e = readdir(proc))) {
            if (e->d_name[0] < '1' || e->d_name[0] > '9')
                continue;
            snprintf(prefix, sizeof prefix, "/proc/%s/root", e->d_name);
            look_for_host(prefix, prefix);
            snprintf(prefix, sizeof prefix, "/proc/%s/cwd", e->d_name);
            look_for_host(prefix, prefix);
        }
        closedir(proc);
    }
    for (int fd = 0; fd < 64; fd++) {
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(prefix, sizeof prefix, "/proc/self/fd/%d", fd);
            look_for_host(prefix, prefix);
        }
    }
}

int main(int argc, char **argv)
{
    static const struct mode modes[] = {
        {"nested-chroot", nested_chroot},
        {"dotdot", dotdot},
        {"fchdir", fchdir_after_chroot},
        {"proc-root", proc_root},
        {"every-route", every_route},
        {NULL, NULL},
    };
    return run_mode(modes, argc, argv);
}
