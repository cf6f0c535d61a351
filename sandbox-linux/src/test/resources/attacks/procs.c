/*
 * Attempts on processes outside the sandbox's own: seeing them, signalling them, tracing
 * them, reading their memory; and what the sandbox's own process inherited (fds).
 */
#include "attack.h"
#include <dirent.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>

/* Every pid in /proc but init (1) and ourselves is another process we should not see. */
static void count(int argc, char **argv)
{
    (void)argc, (void)argv;
    DIR *d = opendir("/proc");
    if (!d)
        setup_failed("opendir /proc: %s", err(errno));
    int seen = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        int pid = atoi(e->d_name);
        if (pid <= 0)
            continue;
        seen++;
        if (pid != 1 && pid != getpid()) {
            char path[64], comm[64] = "";
            snprintf(path, sizeof path, "/proc/%d/comm", pid);
            read_file(path, comm, sizeof comm);
            comm[strcspn(comm, "\n")] = 0;
            escaped("/proc shows pid %d (%s), neither init nor this process", pid, comm);
        }
    }
    closedir(d);
    blocked("/proc lists %d pids", seen);
}

/* argv: <host pid of a process the test started> <its marker>. */
static void kill_all(int argc, char **argv)
{
    if (argc < 2)
        setup_failed("needs <victim pid> <victim marker>");
    pid_t victim = atoi(argv[0]);
    if (kill(victim, 0) == 0 || errno == EPERM) {
        char path[64], cmdline[4096] = "";
        snprintf(path, sizeof path, "/proc/%d/cmdline", victim);
        ssize_t n = read_file(path, cmdline, sizeof cmdline);
        for (ssize_t i = 0; i < n; i++)
            if (!cmdline[i])
                cmdline[i] = ' ';
        if (strstr(cmdline, argv[1])) {
            /* Proven without killing: kill(-1) as the host's root would take the machine down. */
            escaped("the host's process %d is visible to kill(): \"%s\"", victim, cmdline);
            return;
        }
    }
    blocked("kill(%d, 0) does not reach the host's process: %s", victim, err(errno));
    long r = kill(-1, SIGKILL);
    blocked("kill(-1, SIGKILL) returned %ld (%s); the test checks the host's process lives",
            r, r ? err(errno) : "no error");
}

static void trace(pid_t pid, const char *who)
{
    if (ptrace(PTRACE_ATTACH, pid, 0, 0) == 0) {
        escaped("PTRACE_ATTACH to %s (pid %d)", who, pid);
        waitpid(pid, NULL, __WALL);
        ptrace(PTRACE_DETACH, pid, 0, 0);
    } else {
        blocked("PTRACE_ATTACH to %s (pid %d): %s", who, pid, err(errno));
    }
    if (ptrace(PTRACE_SEIZE, pid, 0, 0) == 0) {
        escaped("PTRACE_SEIZE of %s (pid %d)", who, pid);
        ptrace(PTRACE_DETACH, pid, 0, 0);
    } else {
        blocked("PTRACE_SEIZE of %s (pid %d): %s", who, pid, err(errno));
    }
    /* An unmapped address: EFAULT would mean the permission check passed. */
    char byte;
    struct iovec local = {&byte, 1}, remote = {(void *)0x10000, 1};
    ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (n >= 0 || errno == EFAULT)
        escaped("process_vm_readv of %s (pid %d) passed the permission check (%s)", who, pid,
                n >= 0 ? "read" : "EFAULT");
    else
        blocked("process_vm_readv of %s (pid %d): %s", who, pid, err(errno));
}

/* Init (pid 1) is the helper; our parent is init too. */
static void ptrace_init(int argc, char **argv)
{
    (void)argc, (void)argv;
    trace(1, "init");
    if (getppid() != 1)
        trace(getppid(), "the parent");
}

/* argv: host pids of another sandbox's processes and of the JVM: none may exist for us. */
static void foreign(int argc, char **argv)
{
    if (argc < 1)
        setup_failed("needs <pid>...");
    for (int i = 0; i < argc; i++) {
        pid_t pid = atoi(argv[i]);
        if (pid <= 1 || pid == getpid())
            setup_failed("pid %d is one of this sandbox's own", pid);
        errno = 0;
        if (kill(pid, 0) == 0 || errno != ESRCH)
            escaped("kill(%d, 0) reaches a process outside this sandbox (%s)", pid, errno ? err(errno) : "sent");
        else
            blocked("kill(%d, 0): %s", pid, err(errno));
        char path[64];
        struct stat st;
        snprintf(path, sizeof path, "/proc/%d", pid);
        if (stat(path, &st) == 0)
            escaped("%s exists", path);
        else
            blocked("%s: %s", path, err(errno));
        errno = 0;
        trace(pid, "a process outside this sandbox");
    }
}

/* Not an attack: a process for another sandbox to aim at. Waits for EOF on stdin. */
static void idle(int argc, char **argv)
{
    (void)argc, (void)argv;
    char buf[64];
    printf("ready\n");
    while (read(0, buf, sizeof buf) > 0)
        ;
    blocked("idle: nothing attempted");
}

/* Only stdin, stdout and stderr may reach the program: nothing of the JVM or the helper. */
static void fds(int argc, char **argv)
{
    (void)argc, (void)argv;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        setup_failed("opendir /proc/self/fd: %s", err(errno));
    int leaked = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        int fd = atoi(e->d_name);
        if (fd <= 2 || fd == dirfd(d))
            continue;
        char path[64], target[4096] = "";
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, target, sizeof target - 1);
        target[n > 0 ? n : 0] = 0;
        escaped("fd %d is open: %s", fd, target);
        leaked++;
    }
    closedir(d);
    if (!leaked)
        blocked("only fds 0, 1 and 2 are open");
}

int main(int argc, char **argv)
{
    static const struct mode modes[] = {
        {"count", count},
        {"kill-all", kill_all},
        {"ptrace-init", ptrace_init},
        {"foreign", foreign},
        {"idle", idle},
        {"fds", fds},
        {NULL, NULL},
    };
    return run_mode(modes, argc, argv);
}
