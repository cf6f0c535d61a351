/*
 * Run as a setuid-root copy: a privilege gained through the set-user-ID bit shows as
 * effective uid 0 or as effective capabilities. nosuid mounts and no_new_privs must make
 * the bit do nothing.
 */
#include "attack.h"

static void euid(int argc, char **argv)
{
    (void)argc, (void)argv;
    char status[8192];
    unsigned long long cap_eff = 0;
    if (read_file("/proc/self/status", status, sizeof status) > 0) {
        char *line = strstr(status, "CapEff:");
        if (line)
            cap_eff = strtoull(line + 7, NULL, 16);
    }
    printf("note: uid=%d euid=%d CapEff=%016llx\n", getuid(), geteuid(), cap_eff);
    if (geteuid() == 0)
        escaped("the set-user-ID bit gave effective uid 0");
    else if (cap_eff != 0)
        escaped("running with effective capabilities %016llx", cap_eff);
    else
        blocked("effective uid %d, no capabilities", geteuid());
}

int main(int argc, char **argv)
{
    static const struct mode modes[] = {
        {"euid", euid},
        {NULL, NULL},
    };
    return run_mode(modes, argc, argv);
}
