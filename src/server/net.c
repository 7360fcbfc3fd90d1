/* net.c - see net.h */
#include "server/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int parse_port(const char *s, uint16_t *port)
{
    size_t n = strlen(s);
    if (n == 0 || n > 5)
        return -1;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > 65535)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

static int bad_socket(struct as_error *err, const char *text)
{
    return as_err(err, 400, ERR_INVALID_REQUEST,
                  "invalid --socket '%s': expected IPv4:PORT or [IPv6]:PORT, e.g. 127.0.0.1:8080",
                  text);
}

int net_parse_socket(const char *text, struct net_addr *out, struct as_error *err)
{
    char host[64];
    const char *port_text;
    memset(out, 0, sizeof(*out));
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof(host))
            return bad_socket(err, text);
        memcpy(host, text + 1, (size_t)(close - text - 1));
        host[close - text - 1] = '\0';
        port_text = close + 2;
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;
        if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1 || parse_port(port_text, &s6->sin6_port))
            return bad_socket(err, text);
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(s6->sin6_port);
        out->len = sizeof(*s6);
        return 0;
    }
    const char *colon = strchr(text, ':');
    if (!colon || strchr(colon + 1, ':') || (size_t)(colon - text) >= sizeof(host))
        return bad_socket(err, text);
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ss;
    uint16_t port;
    if (inet_pton(AF_INET, host, &s4->sin_addr) != 1 || parse_port(colon + 1, &port))
        return bad_socket(err, text);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    out->len = sizeof(*s4);
    return 0;
}

void net_format(const struct sockaddr *sa, char *out, size_t n)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
        snprintf(out, n, "[%s]:%u", ip, ntohs(s6->sin6_port));
    } else if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
        snprintf(out, n, "%s:%u", ip, ntohs(s4->sin_port));
    } else {
        snprintf(out, n, "?");
    }
}

int net_listen(const struct net_addr *addr, int *fd, struct as_error *err)
{
    char text[80];
    net_format((const struct sockaddr *)&addr->ss, text, sizeof(text));
    int s = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0)
        return as_err(err, 500, ERR_INTERNAL, "cannot create a socket for %s: %s", text,
                      strerror(errno));
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(s, (const struct sockaddr *)&addr->ss, addr->len) != 0 || listen(s, 511) != 0) {
        int e = errno;
        close(s);
        return as_err(err, 500, ERR_INTERNAL, "cannot listen on %s: %s", text, strerror(e));
    }
    *fd = s;
    return 0;
}

uint16_t net_bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return 0;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}
