/*
 * Shared by every attack program of AdversarialTest. Convention: an attack prints
 * "ESCAPED: <what>" for each probe that worked and then exits 42; a probe that failed
 * prints "blocked: <reason>"; when nothing worked the program exits 0. "setup: ..." and
 * exit 3 mean the attack could not even be attempted (a bug in the test, not a verdict).
 *
 * argv: <program> <mode> <marker> [arguments of the mode...]. The marker is never used by
 * the attack itself: it is there so that the test finds any process of the attack that
 * outlives the run by its command line.
 */
#ifndef ATTACK_H
#define ATTACK_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int escapes;
static const char *marker = ""; /* argv[2], for names the test can find on the host */

static inline void say(const char *tag, const char *fmt, va_list ap)
{
    fputs(tag, stdout);
    vprintf(fmt, ap);
    putchar('\n');
}

static inline void escaped(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say("ESCAPED: ", fmt, ap);
    va_end(ap);
    escapes++;
}

static inline void blocked(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say("blocked: ", fmt, ap);
    va_end(ap);
}

static _Noreturn void setup_failed(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say("setup: ", fmt, ap);
    va_end(ap);
    exit(3);
}

/* The errno's name (EPERM), which the test matches on; strerror's text varies. */
static inline const char *err(int e)
{
    const char *name = strerrorname_np(e);
    return name ? name : "E?";
}

/* A call that must fail: a result >= 0 is an escape, a failure is reported with its errno. */
static inline void must_fail(const char *what, long ret)
{
    int e = errno;
    if (ret >= 0)
        escaped("%s succeeded (returned %ld)", what, ret);
    else
        blocked("%s: %s", what, err(e));
}

/*
 * A call made with arguments the kernel rejects only after its permission check: EPERM
 * (or ENOSYS: not in this kernel) means blocked, any other answer means the permission
 * check passed.
 */
static inline void must_be_denied(const char *what, long ret)
{
    int e = errno;
    if (ret < 0 && (e == EPERM || e == ENOSYS))
        blocked("%s: %s", what, err(e));
    else if (ret < 0)
        escaped("%s got past the permission check (%s)", what, err(e));
    else
        escaped("%s succeeded (returned %ld)", what, ret);
}

struct mode {
    const char *name;
    void (*run)(int argc, char **argv); /* argv[0] is the mode's first argument */
};

static inline int run_mode(const struct mode *modes, int argc, char **argv)
{
    /* Unbuffered: a sandbox killed mid-attack (seccomp) still shows what it printed. */
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 3)
        setup_failed("usage: %s <mode> <marker> [args...]", argv[0]);
    marker = argv[2];
    for (const struct mode *m = modes; m->name; m++) {
        if (strcmp(m->name, argv[1]) == 0) {
            m->run(argc - 3, argv + 3);
            return escapes ? 42 : 0;
        }
    }
    setup_failed("unknown mode %s", argv[1]);
}

/* Reads up to len-1 bytes of path; -1 with errno on failure. */
static inline ssize_t read_file(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t n = 0;
    while (n + 1 < len) {
        ssize_t r = read(fd, buf + n, len - 1 - n);
        if (r < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = 0;
    return (ssize_t)n;
}

#endif
