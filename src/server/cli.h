/* cli.h - the restful-as command line, compatible with the original
 * (api.md §1): --socket/-s, --config-file/-c, --https-pubkey-cert/-t
 * (alias --tls-cert), --https-prikey/-k (alias --tls-key),
 * --allowed_origin/-r (alias --allowed-origin; repeatable, comma separated,
 * and like clap's num_args=1.. it also takes the plain words that follow),
 * plus --workers N, -h/--help, -V/--version.  Forms: "-s V", "-sV",
 * "--socket V", "--socket=V". */
#ifndef AS_SERVER_CLI_H
#define AS_SERVER_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "base/error.h"
#include "server/cors.h"

struct cli_options {
    const char *socket;
    const char *config_path;
    const char *cert_path;
    const char *key_path;
    struct cors_config cors;
    unsigned workers; /* 0 = one per online CPU */
    bool help;
    bool version;
};

/* 0 on success (check help/version first), -1 with a one-line message. */
int cli_parse(int argc, char **argv, struct cli_options *o, struct as_error *err);
void cli_options_free(struct cli_options *o);
void cli_usage(FILE *f);

#endif
