/*
 * Attempts to modify the helper binary or another process of the sandbox through /proc
 * (runc CVE-2019-5736: a container rewrote the runtime's binary through /proc/<pid>/exe).
 * Nothing is ever written: opening for writing is already the escape.
 */
#include "attack.h"
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>

static void must_not_open_for_writing(const char *path, const char *what)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        escaped("opened %s (%s) for writing", path, what);
    } else {
        blocked("open %s (%s) for writing: %s", path, what, err(errno));
    }
}

/* /proc/<pid>/exe of init (the helper), of ourselves and of every other process we see. */
static void proc_exe(int argc, char **argv)
{
    (void)argc, (void)argv;
    pid_t sibling = fork();
    if (sibling == 0) {
        pause();
        _exit(0);
    }
    must_not_open_for_writing("/proc/1/exe", "init, the helper");
    must_not_open_for_writing("/proc/self/exe", "this program, a host file");
    char path[64];
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        int pid = atoi(e->d_name);
        if (pid <= 1 || pid == getpid())
            continue;
        snprintf(path, sizeof path, "/proc/%d/exe", pid);
        must_not_open_for_writing(path, pid == sibling ? "a sibling process" : "another process");
    }
    if (d)
        closedir(d);
    kill(sibling, SIGKILL);
    waitpid(sibling, NULL, 0);
}

/* /proc/1/mem opened for writing would let us rewrite the helper's code while it runs. */
static void proc_mem(int argc, char **argv)
{
    (void)argc, (void)argv;
    must_not_open_for_writing("/proc/1/mem", "init's memory");
    int fd = open("/proc/1/mem", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        escaped("opened /proc/1/mem (init's memory) for reading");
    } else {
        blocked("open /proc/1/mem for reading: %s", err(errno));
    }
}

int main(int argc, char **argv)
{
    static const struct mode modes[] = {
        {"proc-exe", proc_exe},
        {"proc-mem", proc_mem},
        {NULL, NULL},
    };
    return run_mode(modes, argc, argv);
}
