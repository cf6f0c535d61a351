/*
 * Attempts to outlive the run. The verdict is the test's: after the run no process with
 * the marker in its command line may exist on the host.
 */
#include "attack.h"
#include <signal.h>
#include <sys/wait.h>

static void deaf_to_signals(void)
{
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
}

/* The classic daemon: fork, setsid, fork again, let go of stdio, run forever. */
static void daemon_mode(int argc, char **argv)
{
    (void)argc, (void)argv;
    pid_t child = fork();
    if (child < 0)
        setup_failed("fork: %s", err(errno));
    if (child == 0) {
        setsid();
        if (fork() != 0)
            _exit(0);
        deaf_to_signals();
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        for (;;)
            pause();
    }
    waitpid(child, NULL, 0);
    blocked("a daemon was started; the test checks that it does not outlive the run");
}

/* Ignores every polite signal and keeps running until the wall-time limit. */
static void ignore_term(int argc, char **argv)
{
    (void)argc, (void)argv;
    deaf_to_signals();
    if (fork() == 0) {
        deaf_to_signals();
        for (;;)
            pause();
    }
    printf("ready\n");
    for (;;)
        pause();
}

int main(int argc, char **argv)
{
    static const struct mode modes[] = {
        {"daemon", daemon_mode},
        {"ignore-term", ignore_term},
        {NULL, NULL},
    };
    return run_mode(modes, argc, argv);
}
