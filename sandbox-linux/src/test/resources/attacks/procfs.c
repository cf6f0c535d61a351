/*
 * Attempts on the host-wide files of /proc: kernel.core_pattern ("|program" runs a program
 * as the host's root on the next crash), the SysRq trigger, kernel memory, the host's
 * keys and timers. A path masked with a bind of /dev/null reads empty and swallows writes:
 * that counts as blocked, and is recognised by its device number.
 */
#include "attack.h"
#include <sys/sysmacros.h>

static int is_dev_null(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3;
}

/* Writes back what the file already holds, so that even a success changes nothing. */
static void core_pattern(int argc, char **argv)
{
    (void)argc, (void)argv;
    const char *path = "/proc/sys/kernel/core_pattern";
    char current[256];
    ssize_t n = read_file(path, current, sizeof current);
    if (n < 0)
        blocked("read %s: %s", path, err(errno));
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        blocked("open %s for writing: %s", path, err(errno));
        return;
    }
    if (is_dev_null(fd)) {
        blocked("%s is masked by /dev/null", path);
    } else if (n <= 0) {
        escaped("opened %s for writing", path);
    } else {
        ssize_t w = write(fd, current, (size_t)n);
        if (w >= 0)
            escaped("wrote %zd bytes to the host's %s", w, path);
        else
            blocked("write %s: %s", path, err(errno));
    }
    close(fd);
}

/* 'h' only prints the help text to the kernel log: harmless if it ever gets through. */
static void sysrq(int argc, char **argv)
{
    (void)argc, (void)argv;
    const char *path = "/proc/sysrq-trigger";
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        blocked("open %s for writing: %s", path, err(errno));
        return;
    }
    if (is_dev_null(fd))
        blocked("%s is masked by /dev/null", path);
    else if (write(fd, "h", 1) == 1)
        escaped("wrote to the host's %s", path);
    else
        blocked("write %s: %s", path, err(errno));
    close(fd);
}

static void must_read_nothing(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        blocked("open %s: %s", path, err(errno));
        return;
    }
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    int masked = is_dev_null(fd);
    close(fd);
    if (n > 0)
        escaped("read %zd bytes of %s", n, path);
    else if (n == 0)
        blocked("%s reads empty%s", path, masked ? " (masked by /dev/null)" : "");
    else
        blocked("read %s: %s", path, err(errno));
}

static void kcore(int argc, char **argv)
{
    (void)argc, (void)argv;
    must_read_nothing("/proc/kcore");
}

static void keys(int argc, char **argv)
{
    (void)argc, (void)argv;
    must_read_nothing("/proc/keys");
}

static void timer_list(int argc, char **argv)
{
    (void)argc, (void)argv;
    must_read_nothing("/proc/timer_list");
}

int main(int argc, char **argv)
{
    static const struct mode modes[] = {
        {"core-pattern", core_pattern},
        {"sysrq", sysrq},
        {"kcore", kcore},
        {"keys", keys},
        {"timer-list", timer_list},
        {NULL, NULL},
    };
    return run_mode(modes, argc, argv);
}
