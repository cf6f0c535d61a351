/*
 * Keystroke injection into the terminal on stdin (TIOCSTI: push bytes into its input
 * queue, as if typed, to be run by whoever reads it next, e.g. the caller's shell) and
 * TIOCLINUX (paste the console selection). The kernel truncates the ioctl request to 32
 * bits, so the same requests with high bits set must be refused as well.
 */
#include "attack.h"
#include <sys/ioctl.h>

static void inject(const char *what, unsigned long request, void *arg)
{
    long r = syscall(SYS_ioctl, 0, request, arg);
    if (r == 0)
        escaped("%s on stdin succeeded", what);
    else
        blocked("%s: %s", what, err(errno));
}

static void tty(int argc, char **argv)
{
    (void)argc, (void)argv;
    if (!isatty(0))
        setup_failed("stdin is not a terminal");
    /* A session leader may adopt a terminal no session owns; TIOCSTI then passes the
       kernel's own "only your controlling terminal" check. Not a verdict by itself. */
    long r = ioctl(0, TIOCSCTTY, 0);
    printf("note: TIOCSCTTY: %s\n", r == 0 ? "adopted the terminal" : err(errno));
    char c = '#';
    inject("TIOCSTI", TIOCSTI, &c);
    inject("TIOCSTI with high bits", 0xFFFFFFFF00000000UL | TIOCSTI, &c);
    char paste = 3; /* TIOCL_PASTESEL */
    inject("TIOCLINUX", TIOCLINUX, &paste);
    inject("TIOCLINUX with high bits", 0xFFFFFFFF00000000UL | TIOCLINUX, &paste);
}

int main(int argc, char **argv)
{
    static const struct mode modes[] = {
        {"inject", tty},
        {NULL, NULL},
    };
    return run_mode(modes, argc, argv);
}
