/* restful_as.c - entry point of the restful-as service: command line
 * (server/cli.h), RUST_LOG, configuration (config/config.h), HTTPS material,
 * listening socket, the attestation service, then the HTTP server until
 * SIGINT/SIGTERM.  Every start-up failure is one line on stderr and a
 * non-zero exit (2 = bad command line, 1 = anything else). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/log.h"
#include "config/config.h"
#include "server/cli.h"
#include "server/net.h"
#include "server/server.h"
#include "server/tls.h"
#include "service/service.h"

#define EXIT_USAGE 2

struct app {
    struct cli_options cli;
    struct arena config_arena;
    struct as_config config;
    struct tls_material tls;
    bool have_tls;
    int listen_fd;
    struct service *service;
    struct server *server;
};

static int die(const char *detail)
{
    fprintf(stderr, "restful-as: error: %s\n", detail);
    return EXIT_FAILURE;
}

static unsigned default_workers(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n < 1024 ? (unsigned)n : 1u;
}

/* Loads everything that can fail before serving, in the order a user fixes
 * things: config, certificate, address, service. */
static int prepare(struct app *app, struct as_error *err)
{
    struct net_addr addr;
    TRY(net_parse_socket(app->cli.socket, &addr, err));
    TRY(config_load(app->cli.config_path, &app->config_arena, &app->config, err));
    if (app->cli.cert_path) {
        TRY(tls_load(app->cli.cert_path, app->cli.key_path, &app->tls, err));
        app->have_tls = true;
        LOG_I("restful_as", "HTTPS certificate chain: %zu certificate(s) from %s",
              app->tls.n_certs, app->cli.cert_path);
    }
    TRY(net_listen(&addr, &app->listen_fd, err));
    if (service_new(&app->config, &app->service, err) < 0)
        return as_err_prefix(err, "cannot start the attestation service");
    struct server_config sc = {
        .listen_fd = app->listen_fd,
        .workers = app->cli.workers ? app->cli.workers : default_workers(),
        .max_body_bytes = app->config.max_body_bytes,
        .cors = &app->cli.cors,
        .tls = app->have_tls ? &app->tls : NULL,
        .service = app->service,
    };
    TRY(server_start(&sc, &app->server, err));
    app->listen_fd = -1; /* owned by the server now */
    char where[80];
    net_format((const struct sockaddr *)&addr.ss, where, sizeof(where));
    if (strrchr(where, ':'))
        snprintf(strrchr(where, ':'), sizeof(where) - (size_t)(strrchr(where, ':') - where),
                 ":%u", net_bound_port(sc.listen_fd));
    LOG_I("restful_as", "starting %s server at %s://%s (%u workers, body limit %zu bytes)",
          app->have_tls ? "HTTPS" : "HTTP", app->have_tls ? "https" : "http", where, sc.workers,
          sc.max_body_bytes);
    return 0;
}

static void cleanup(struct app *app)
{
    server_stop(app->server);
    if (app->listen_fd >= 0)
        close(app->listen_fd);
    if (app->service)
        service_free(app->service);
    tls_material_free(&app->tls);
    arena_free(&app->config_arena);
    cli_options_free(&app->cli);
}

static void wait_for_stop_signal(const sigset_t *set)
{
    int sig = 0;
    sigwait(set, &sig);
    LOG_I("restful_as", "received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
}

int main(int argc, char **argv)
{
    log_init(getenv("RUST_LOG"));
    struct app app = {.listen_fd = -1};
    struct as_error err;
    arena_init(&app.config_arena, 64 * 1024);
    if (cli_parse(argc, argv, &app.cli, &err) < 0) {
        fprintf(stderr, "restful-as: error: %s\n", err.detail);
        cleanup(&app);
        return EXIT_USAGE;
    }
    if (app.cli.help || app.cli.version) {
        if (app.cli.help)
            cli_usage(stdout);
        else
            printf("restful-as %s\n", AS_VERSION);
        cleanup(&app);
        return 0;
    }
    /* Worker threads inherit this mask; only the main thread takes signals. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    LOG_I("restful_as", "restful-as %s (C) starting", AS_VERSION);
    int rc = 0;
    if (prepare(&app, &err) < 0)
        rc = die(err.detail);
    else
        wait_for_stop_signal(&stop);
    cleanup(&app);
    return rc;
}
