/* Resource exhaustion: the cgroup limits must end these, not the host. */
#include "attack.h"
#include <sched.h>

/* Every process forks for ever; a refused fork is retried. */
static void fork_bomb(int argc, char **argv)
{
    (void)argc, (void)argv;
    printf("note: forking\n");
    for (;;)
        if (fork() < 0)
            sched_yield();
}

/* Touches 1 MiB after 1 MiB; 2 GiB would be far beyond any limit the test sets. */
static void memory_bomb(int argc, char **argv)
{
    (void)argc, (void)argv;
    long mib = 0;
    for (; mib < 2048; mib++) {
        char *p = malloc(1 << 20);
        if (!p) {
            blocked("malloc failed after %ld MiB", mib);
            return;
        }
        memset(p, 1, 1 << 20);
    }
    escaped("allocated and touched %ld MiB", mib);
}

int main(int argc, char **argv)
{
    static const struct mode modes[] = {
        {"fork", fork_bomb},
        {"memory", memory_bomb},
        {NULL, NULL},
    };
    return run_mode(modes, argc, argv);
}
