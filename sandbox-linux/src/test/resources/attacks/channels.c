/*
 * Covert channels between two sandboxes running at the same time: "hold-X" sets up
 * channel X in sandbox A, prints "ready" and keeps it until its stdin closes; "probe-X",
 * run in sandbox B meanwhile, tries to receive the bit. Both get the same marker, which
 * names the channel. B receiving anything is the escape.
 */
#include "attack.h"
#include <stddef.h>
#include <sys/file.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/keyctl.h>

static const char *LOCKED_FILE = "/usr/lib/os-release"; /* the same host file in both, read-only */

static void hold_until_eof(void)
{
    char buf[64];
    printf("ready\n");
    while (read(0, buf, sizeof buf) > 0)
        ;
}

static socklen_t abstract_address(struct sockaddr_un *addr)
{
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    int n = snprintf(addr->sun_path + 1, sizeof addr->sun_path - 1, "sandbox4j-%s", marker);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static void hold_abstract(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct sockaddr_un addr;
    socklen_t len = abstract_address(&addr);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, len) != 0 || listen(fd, 1) != 0)
        blocked("listen on @sandbox4j-%s: %s", marker, err(errno));
    else
        printf("note: listening on @sandbox4j-%s\n", marker);
    hold_until_eof();
}

static void probe_abstract(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct sockaddr_un addr;
    socklen_t len = abstract_address(&addr);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        setup_failed("socket: %s", err(errno));
    if (connect(fd, (struct sockaddr *)&addr, len) == 0)
        escaped("connected to the other sandbox's @sandbox4j-%s", marker);
    else
        blocked("connect to @sandbox4j-%s: %s", marker, err(errno));
    close(fd);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (bind(fd, (struct sockaddr *)&addr, len) != 0 && errno == EADDRINUSE)
        escaped("@sandbox4j-%s is taken: the other sandbox's name is visible", marker);
    else
        blocked("@sandbox4j-%s is free here", marker);
}

static key_t sysv_key(void)
{
    unsigned h = 5381;
    for (const char *c = marker; *c; c++)
        h = h * 33 + (unsigned char)*c;
    return (key_t)(0x53340000u | (h & 0xffffu));
}

static void hold_sysv(int argc, char **argv)
{
    (void)argc, (void)argv;
    int id = shmget(sysv_key(), 4096, IPC_CREAT | IPC_EXCL | 0600);
    char *p = id < 0 ? (char *)-1 : shmat(id, NULL, 0);
    if (p == (char *)-1) {
        blocked("shmget/shmat key %#x: %s", sysv_key(), err(errno));
    } else {
        *p = '1';
        printf("note: SysV segment key %#x holds '1'\n", sysv_key());
    }
    hold_until_eof();
    if (id >= 0)
        shmctl(id, IPC_RMID, NULL);
}

static void probe_sysv(int argc, char **argv)
{
    (void)argc, (void)argv;
    int id = shmget(sysv_key(), 0, 0);
    if (id < 0) {
        blocked("shmget key %#x: %s", sysv_key(), err(errno));
        return;
    }
    char *p = shmat(id, NULL, SHM_RDONLY);
    escaped("found the other sandbox's SysV segment key %#x%s%c", sysv_key(),
            p == (char *)-1 ? "" : " holding ", p == (char *)-1 ? ' ' : *p);
}

static void shm_name(char *name, size_t len)
{
    snprintf(name, len, "/sandbox4j-%s", marker);
}

static void hold_posix(int argc, char **argv)
{
    (void)argc, (void)argv;
    char name[128];
    shm_name(name, sizeof name);
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0644);
    if (fd < 0 || write(fd, "1", 1) != 1)
        blocked("shm_open %s: %s", name, err(errno));
    else
        printf("note: POSIX shm %s holds '1'\n", name);
    hold_until_eof();
}

static void probe_posix(int argc, char **argv)
{
    (void)argc, (void)argv;
    char name[128];
    shm_name(name, sizeof name);
    int fd = shm_open(name, O_RDONLY, 0);
    if (fd >= 0)
        escaped("opened the other sandbox's POSIX shm %s", name);
    else
        blocked("shm_open %s: %s", name, err(errno));
}

static const struct {
    int id;
    const char *name;
} RINGS[] = {{KEY_SPEC_SESSION_KEYRING, "session"},
             {KEY_SPEC_USER_KEYRING, "user"},
             {KEY_SPEC_USER_SESSION_KEYRING, "user-session"},
             {0, NULL}};

static void key_desc(char *desc, size_t len)
{
    snprintf(desc, len, "sandbox4j-%s", marker);
}

static void hold_keyring(int argc, char **argv)
{
    (void)argc, (void)argv;
    char desc[128];
    key_desc(desc, sizeof desc);
    for (int i = 0; RINGS[i].name; i++) {
        if (syscall(SYS_add_key, "user", desc, "1", 1, RINGS[i].id) >= 0)
            printf("note: key %s added to the %s keyring\n", desc, RINGS[i].name);
        else
            blocked("add_key %s to the %s keyring: %s", desc, RINGS[i].name, err(errno));
    }
    hold_until_eof();
}

static void probe_keyring(int argc, char **argv)
{
    (void)argc, (void)argv;
    char desc[128];
    key_desc(desc, sizeof desc);
    for (int i = 0; RINGS[i].name; i++) {
        if (syscall(SYS_keyctl, KEYCTL_SEARCH, RINGS[i].id, "user", desc, 0) >= 0)
            escaped("found the other sandbox's key %s in the %s keyring", desc, RINGS[i].name);
        else
            blocked("search the %s keyring for %s: %s", RINGS[i].name, desc, err(errno));
    }
    if (syscall(SYS_request_key, "user", desc, NULL, 0) >= 0)
        escaped("request_key found the other sandbox's key %s", desc);
    else
        blocked("request_key %s: %s", desc, err(errno));
}

static int open_locked_file(void)
{
    int fd = open(LOCKED_FILE, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        setup_failed("open %s: %s", LOCKED_FILE, err(errno));
    return fd;
}

static void hold_flock(int argc, char **argv)
{
    (void)argc, (void)argv;
    int fd = open_locked_file();
    if (flock(fd, LOCK_EX) != 0)
        blocked("flock(LOCK_EX) %s: %s", LOCKED_FILE, err(errno));
    else
        printf("note: holding flock(LOCK_EX) on %s\n", LOCKED_FILE);
    hold_until_eof();
}

static void probe_flock(int argc, char **argv)
{
    (void)argc, (void)argv;
    int fd = open_locked_file();
    int r = flock(fd, LOCK_EX | LOCK_NB);
    if (r != 0 && errno == EWOULDBLOCK)
        escaped("flock: %s is locked by the other sandbox", LOCKED_FILE);
    else if (r != 0)
        blocked("flock(LOCK_EX | LOCK_NB) %s: %s", LOCKED_FILE, err(errno));
    else
        blocked("flock: %s is free here", LOCKED_FILE);
}

static struct flock whole_file(short type)
{
    struct flock l;
    memset(&l, 0, sizeof l);
    l.l_type = type;
    l.l_whence = SEEK_SET;
    return l;
}

static void hold_fcntl(int argc, char **argv)
{
    (void)argc, (void)argv;
    int fd = open_locked_file();
    struct flock l = whole_file(F_RDLCK);
    if (fcntl(fd, F_SETLK, &l) != 0)
        blocked("fcntl(F_SETLK, F_RDLCK) %s: %s", LOCKED_FILE, err(errno));
    else
        printf("note: holding a POSIX read lock on %s\n", LOCKED_FILE);
    int ofd = open_locked_file();
    l = whole_file(F_RDLCK);
    if (fcntl(ofd, F_OFD_SETLK, &l) != 0)
        blocked("fcntl(F_OFD_SETLK, F_RDLCK) %s: %s", LOCKED_FILE, err(errno));
    else
        printf("note: holding an OFD read lock on %s\n", LOCKED_FILE);
    hold_until_eof();
}

static void probe_fcntl(int argc, char **argv)
{
    (void)argc, (void)argv;
    int fd = open_locked_file();
    struct flock l = whole_file(F_WRLCK);
    if (fcntl(fd, F_GETLK, &l) != 0)
        blocked("fcntl(F_GETLK) %s: %s", LOCKED_FILE, err(errno));
    else if (l.l_type != F_UNLCK)
        escaped("fcntl(F_GETLK): %s is locked by the other sandbox (pid %d as seen here)", LOCKED_FILE, l.l_pid);
    else
        blocked("fcntl(F_GETLK): %s is not locked", LOCKED_FILE);
    l = whole_file(F_WRLCK);
    if (fcntl(fd, F_OFD_GETLK, &l) != 0)
        blocked("fcntl(F_OFD_GETLK) %s: %s", LOCKED_FILE, err(errno));
    else if (l.l_type != F_UNLCK)
        escaped("fcntl(F_OFD_GETLK): %s is locked by the other sandbox", LOCKED_FILE);
    else
        blocked("fcntl(F_OFD_GETLK): %s is not locked", LOCKED_FILE);
}

int main(int argc, char **argv)
{
    static const struct mode modes[] = {
        {"hold-abstract", hold_abstract},   {"probe-abstract", probe_abstract},
        {"hold-sysv-shm", hold_sysv},       {"probe-sysv-shm", probe_sysv},
        {"hold-posix-shm", hold_posix},     {"probe-posix-shm", probe_posix},
        {"hold-keyring", hold_keyring},     {"probe-keyring", probe_keyring},
        {"hold-flock", hold_flock},         {"probe-flock", probe_flock},
        {"hold-fcntl-lock", hold_fcntl},    {"probe-fcntl-lock", probe_fcntl},
        {NULL, NULL},
    };
    return run_mode(modes, argc, argv);
}
