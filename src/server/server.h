/* server.h - the restful-as HTTP(S) server on libmicrohttpd.
 *
 * One daemon with an internal thread pool (MHD_USE_INTERNAL_POLLING_THREAD +
 * epoll, `workers` threads) serving the routes of routes.c.  The transport
 * rules of api.md §3 (JSON content type -> 415, body limit -> 413 without
 * reading the rest, malformed JSON -> 400 with line/column), §9 CORS and
 * §10.2 JSON errors {"type","detail"} live in http.c.  Each request owns an
 * arena freed when it completes, gets an id for the log, and produces one
 * access-log line (method, path, status, duration). */
#ifndef AS_SERVER_SERVER_H
#define AS_SERVER_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "server/cors.h"
#include "server/tls.h"
#include "service/service.h"

struct server_config {
    int listen_fd;                  /* from net_listen; the server takes it over */
    unsigned workers;               /* >= 1 */
    size_t max_body_bytes;          /* request body limit */
    const struct cors_config *cors; /* must outlive the server */
    const struct tls_material *tls; /* NULL = plain HTTP; must outlive the server */
    struct service *service;
};

/* Limits that keep a slow or hostile client from starving the others. */
#define SERVER_CONNECTION_LIMIT 1024u
#define SERVER_PER_IP_CONNECTION_LIMIT 256u
#define SERVER_CONNECTION_TIMEOUT_S 30u
#define SERVER_CONNECTION_MEMORY (128u * 1024u) /* request head + read buffer */

struct server;

int server_start(const struct server_config *cfg, struct server **out, struct as_error *err);
/* Stops accepting, finishes the running requests, frees everything. */
void server_stop(struct server *s);

#endif
