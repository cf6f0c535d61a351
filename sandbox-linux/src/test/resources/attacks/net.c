/* Attempts to reach the network outside the sandbox's own namespace. */
#include "attack.h"
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

static void try_connect(const char *what, int family, int type, const struct sockaddr *addr, socklen_t len)
{
    int fd = socket(family, type | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        blocked("%s: socket: %s", what, err(errno));
        return;
    }
    must_fail(what, connect(fd, addr, len));
    close(fd);
}

/* argv: <port of a listener the test opened on the host's 127.0.0.1> */
static void host_loopback(int argc, char **argv)
{
    if (argc < 1)
        setup_failed("needs <port>");
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[0]))};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    try_connect("TCP connect to 127.0.0.1 at the host's port", AF_INET, SOCK_STREAM,
                (struct sockaddr *)&addr, sizeof addr);
}

static void interfaces(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct if_nameindex *list = if_nameindex();
    if (!list)
        setup_failed("if_nameindex: %s", err(errno));
    int others = 0;
    for (struct if_nameindex *i = list; i->if_name; i++) {
        if (strcmp(i->if_name, "lo") != 0) {
            escaped("interface %s is visible", i->if_name);
            others++;
        }
    }
    if_freenameindex(list);
    if (!others)
        blocked("only lo exists");
}

/* No route anywhere: a UDP connect needs only a route, no answer. */
static void route(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct sockaddr_in v4 = {.sin_family = AF_INET, .sin_port = htons(53)};
    inet_pton(AF_INET, "1.1.1.1", &v4.sin_addr);
    try_connect("UDP connect to 1.1.1.1", AF_INET, SOCK_DGRAM, (struct sockaddr *)&v4, sizeof v4);
    inet_pton(AF_INET, "10.0.2.2", &v4.sin_addr);
    try_connect("UDP connect to 10.0.2.2", AF_INET, SOCK_DGRAM, (struct sockaddr *)&v4, sizeof v4);
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_port = htons(53)};
    inet_pton(AF_INET6, "2606:4700:4700::1111", &v6.sin6_addr);
    try_connect("UDP connect to 2606:4700:4700::1111", AF_INET6, SOCK_DGRAM, (struct sockaddr *)&v6, sizeof v6);
    char routes[4096];
    ssize_t n = read_file("/proc/net/route", routes, sizeof routes);
    int lines = 0;
    for (ssize_t i = 0; i < n; i++)
        lines += routes[i] == '\n';
    if (lines > 1)
        escaped("/proc/net/route holds %d routes", lines - 1);
    else
        blocked("/proc/net/route holds no route");
}

/*
 * vsock is not isolated by network namespaces: a socket reaches the VM's host directly.
 * Creating one is the escape; nothing is connected (the host's services are not ours).
 */
static void vsock(int argc, char **argv)
{
    (void)argc, (void)argv;
    int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        blocked("socket(AF_VSOCK): %s", err(errno));
        return;
    }
    escaped("socket(AF_VSOCK) succeeded");
    close(fd);
}

int main(int argc, char **argv)
{
    static const struct mode modes[] = {
        {"host-loopback", host_loopback},
        {"interfaces", interfaces},
        {"route", route},
        {"vsock", vsock},
        {NULL, NULL},
    };
    return run_mode(modes, argc, argv);
}
