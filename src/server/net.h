/* net.h - the listening socket: `--socket` address syntax (Rust SocketAddr:
 * "IPv4:port" or "[IPv6]:port", no host names) and bind/listen, so that an
 * address already in use is reported with its errno before anything else
 * starts. */
#ifndef AS_SERVER_NET_H
#define AS_SERVER_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/error.h"

struct net_addr {
    struct sockaddr_storage ss;
    socklen_t len;
};

int net_parse_socket(const char *text, struct net_addr *out, struct as_error *err);
/* "127.0.0.1:8080" / "[::1]:8080" */
void net_format(const struct sockaddr *sa, char *out, size_t n);
/* Non-blocking, close-on-exec listening socket with SO_REUSEADDR. */
int net_listen(const struct net_addr *addr, int *fd, struct as_error *err);
/* The port actually bound (useful with port 0). */
uint16_t net_bound_port(int fd);

#endif
