/*
 * Attempts to fill a disk. Each reports how far it got, "count=N" for the test to check
 * against the limit, and stops at a bound far beyond any limit the sandbox should have.
 */
#include "attack.h"
#include <signal.h>

/* Writes 1 MiB blocks to /tmp/fill until the file system is full; stops at 1 GiB. */
static void fill_tmp(int argc, char **argv)
{
    (void)argc, (void)argv;
    static char block[1 << 20];
    memset(block, 'x', sizeof block);
    int fd = open("/tmp/fill", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        setup_failed("open /tmp/fill: %s", err(errno));
    long long written = 0;
    while (written < (1LL << 30)) {
        ssize_t n = write(fd, block, sizeof block);
        if (n < 0) {
            blocked("write stopped with %s; count=%lld bytes", err(errno), written);
            return;
        }
        written += n;
    }
    escaped("wrote %lld bytes to /tmp without running out of space; count=%lld", written, written);
}

/* Creates empty files until the inode limit; stops at 1,000,000. */
static void inodes(int argc, char **argv)
{
    (void)argc, (void)argv;
    if (mkdir("/tmp/i", 0755) != 0)
        setup_failed("mkdir /tmp/i: %s", err(errno));
    char path[64];
    long created = 0;
    for (; created < 1000000; created++) {
        snprintf(path, sizeof path, "/tmp/i/%ld", created);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd < 0) {
            blocked("file creation stopped with %s; count=%ld files", err(errno), created);
            return;
        }
        close(fd);
    }
    escaped("created %ld empty files in /tmp without reaching an inode limit; count=%ld", created, created);
}

/* argv: <file on a writable bind of a host directory>. Writes 2 MiB in 64 KiB blocks. */
static void fsize(int argc, char **argv)
{
    if (argc < 1)
        setup_failed("needs <file>");
    signal(SIGXFSZ, SIG_IGN); /* EFBIG instead of death: we want to count */
    static char block[64 << 10];
    memset(block, 'x', sizeof block);
    int fd = open(argv[0], O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        setup_failed("open %s: %s", argv[0], err(errno));
    long long written = 0;
    while (written < (2LL << 20)) {
        ssize_t n = write(fd, block, sizeof block);
        if (n < 0) {
            blocked("write stopped with %s; count=%lld bytes", err(errno), written);
            return;
        }
        written += n;
    }
    escaped("wrote %lld bytes past RLIMIT_FSIZE; count=%lld", written, written);
}

int main(int argc, char **argv)
{
    static const struct mode modes[] = {
        {"fill-tmp", fill_tmp},
        {"inodes", inodes},
        {"fsize", fsize},
        {NULL, NULL},
    };
    return run_mode(modes, argc, argv);
}
