/*
 * Attempts to read host data from inside the sandbox. Secrets are never printed: an
 * escape reports how much it could read, not what.
 */
#include "attack.h"
#include <dirent.h>
#include <sys/statvfs.h>

static void must_not_read(const char *path)
{
    char buf[4096];
    ssize_t n = read_file(path, buf, sizeof buf);
    if (n >= 0)
        escaped("read %zd bytes of %s", n, path);
    else
        blocked("%s: %s", path, err(errno));
}

static void must_not_list(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        blocked("%s: %s", path, err(errno));
        return;
    }
    int entries = 0;
    while (readdir(d))
        entries++;
    closedir(d);
    escaped("listed %s: %d entries", path, entries);
}

static void shadow(int argc, char **argv)
{
    (void)argc, (void)argv;
    must_not_read("/etc/shadow");
    must_not_read("/etc/gshadow");
    must_not_read("/etc/sudoers");
}

static void root_and_home(int argc, char **argv)
{
    (void)argc, (void)argv;
    must_not_list("/root");
    must_not_list("/root/.ssh");
    must_not_list("/home");
    must_not_read("/root/.bash_history");
}

/* argv: <sentinel path on the host> */
static void sentinel(int argc, char **argv)
{
    if (argc < 1)
        setup_failed("needs <sentinel>");
    char path[4096];
    must_not_read(argv[0]);
    snprintf(path, sizeof path, "/proc/1/root%s", argv[0]);
    must_not_read(path);
    snprintf(path, sizeof path, "/proc/self/root%s", argv[0]);
    must_not_read(path);
}

/*
 * Init is the helper, spawned by the JVM: its environment and command line are the host's
 * business. argv: host strings that must not show up (the JVM's working directory, the
 * host's hostname, ...).
 */
static void init_environ(int argc, char **argv)
{
    char buf[65536];
    ssize_t n = read_file("/proc/1/environ", buf, sizeof buf);
    if (n < 0)
        blocked("/proc/1/environ: %s", err(errno));
    else if (n > 0)
        escaped("/proc/1/environ holds %zd bytes of the host's environment", n);
    else
        blocked("/proc/1/environ is empty");
    n = read_file("/proc/1/cmdline", buf, sizeof buf);
    if (n < 0) {
        blocked("/proc/1/cmdline: %s", err(errno));
        return;
    }
    for (ssize_t i = 0; i < n; i++)
        if (buf[i] == 0)
            buf[i] = ' ';
    int leaked = 0;
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] && strstr(buf, argv[i])) {
            escaped("/proc/1/cmdline reveals the host's \"%s\"", argv[i]);
            leaked++;
        }
    }
    if (!leaked)
        blocked("/proc/1/cmdline holds nothing of the host: \"%s\"", buf);
}

/* /sys: absent, or read-only with nothing writable (uevent_helper is the classic). */
static void sys(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct statvfs vfs;
    if (statvfs("/sys", &vfs) != 0) {
        blocked("/sys: %s", err(errno));
        return;
    }
    if (vfs.f_flag & ST_RDONLY)
        blocked("/sys is mounted read-only");
    else
        escaped("/sys is mounted writable");
    const char *targets[] = {"/sys/kernel/uevent_helper", "/sys/power/state", "/sys/kernel/mm/ksm/run", NULL};
    for (const char **t = targets; *t; t++) {
        int fd = open(*t, O_WRONLY);
        if (fd >= 0) {
            close(fd);
            escaped("opened %s for writing", *t);
        } else {
            blocked("open %s for writing: %s", *t, err(errno));
        }
    }
}

int main(int argc, char **argv)
{
    static const struct mode modes[] = {
        {"shadow", shadow},
        {"root-and-home", root_and_home},
        {"sentinel", sentinel},
        {"init-environ", init_environ},
        {"sys", sys},
        {NULL, NULL},
    };
    return run_mode(modes, argc, argv);
}
