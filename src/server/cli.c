/* cli.c - see cli.h.  A small table-driven parser instead of getopt: it
 * keeps no global state (unit-testable) and words its errors itself. */
#include "server/cli.h"

#include <stdlib.h>
#include <string.h>

#define MAX_WORKERS 1024

enum opt_id { OPT_SOCKET, OPT_CONFIG, OPT_CERT, OPT_KEY, OPT_ORIGIN, OPT_WORKERS, OPT_HELP,
              OPT_VERSION };

struct opt_spec {
    enum opt_id id;
    char short_name; /* 0 = none */
    const char *long_name;
    const char *alias;
    bool takes_value;
};

static const struct opt_spec opt_table[] = {
    {OPT_SOCKET, 's', "socket", NULL, true},
    {OPT_CONFIG, 'c', "config-file", NULL, true},
    {OPT_CERT, 't', "https-pubkey-cert", "tls-cert", true},
    {OPT_KEY, 'k', "https-prikey", "tls-key", true},
    {OPT_ORIGIN, 'r', "allowed_origin", "allowed-origin", true},
    {OPT_WORKERS, 0, "workers", NULL, true},
    {OPT_HELP, 'h', "help", NULL, false},
    {OPT_VERSION, 'V', "version", NULL, false},
};
#define N_OPTS (sizeof(opt_table) / sizeof(opt_table[0]))

void cli_usage(FILE *f)
{
    fputs("restful-as " AS_VERSION " - attestation service (RESTful)\n"
          "\n"
          "Usage: restful-as --socket <ADDR:PORT> [OPTIONS]\n"
          "\n"
          "Options:\n"
          "  -s, --socket <ADDR:PORT>          listen address, e.g. 127.0.0.1:8080 or [::1]:8080\n"
          "  -c, --config-file <FILE>          JSON configuration (2024 or 2026 layout)\n"
          "  -t, --https-pubkey-cert <FILE>    PEM certificate chain (with -k: HTTPS)\n"
          "  -k, --https-prikey <FILE>         PEM private key, RSA or EC (with -t: HTTPS)\n"
          "  -r, --allowed_origin <ORIGINS>    CORS origins, comma separated, repeatable\n"
          "      --workers <N>                 worker threads (default: one per CPU)\n"
          "  -h, --help                        print this help\n"
          "  -V, --version                     print the version\n"
          "\n"
          "Environment: RUST_LOG (log filter, default info), AS_WORK_DIR (default work_dir).\n",
          f);
}

static const struct opt_spec *find_long(const char *name, size_t n)
{
    for (size_t i = 0; i < N_OPTS; i++) {
        const struct opt_spec *s = &opt_table[i];
        if ((strlen(s->long_name) == n && strncmp(s->long_name, name, n) == 0) ||
            (s->alias && strlen(s->alias) == n && strncmp(s->alias, name, n) == 0))
            return s;
    }
    return NULL;
}

static const struct opt_spec *find_short(char c)
{
    for (size_t i = 0; i < N_OPTS; i++)
        if (opt_table[i].short_name && opt_table[i].short_name == c)
            return &opt_table[i];
    return NULL;
}

static int parse_workers(const char *v, unsigned *out, struct as_error *err)
{
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (!*v || *end || v[0] == '-' || v[0] == '+' || n < 1 || n > MAX_WORKERS)
        return as_err(err, 400, ERR_INVALID_REQUEST,
                      "invalid value '%s' for '--workers <N>': expected 1..%d", v, MAX_WORKERS);
    *out = (unsigned)n;
    return 0;
}

static int set_once(const char **slot, const char *v, const struct opt_spec *s,
                    struct as_error *err)
{
    if (*slot)
        return as_err(err, 400, ERR_INVALID_REQUEST,
                      "the argument '--%s' cannot be used multiple times", s->long_name);
    *slot = v;
    return 0;
}

static int apply(struct cli_options *o, const struct opt_spec *s, const char *v,
                 struct as_error *err)
{
    switch (s->id) {
    case OPT_SOCKET: return set_once(&o->socket, v, s, err);
    case OPT_CONFIG: return set_once(&o->config_path, v, s, err);
    case OPT_CERT: return set_once(&o->cert_path, v, s, err);
    case OPT_KEY: return set_once(&o->key_path, v, s, err);
    case OPT_ORIGIN:
        return cors_add_origins(&o->cors, v) < 0 ? as_err(err, 500, ERR_INTERNAL, "out of memory")
                                                 : 0;
    case OPT_WORKERS:
        if (o->workers)
            return as_err(err, 400, ERR_INVALID_REQUEST,
                          "the argument '--workers' cannot be used multiple times");
        return parse_workers(v, &o->workers, err);
    case OPT_HELP: o->help = true; return 0;
    case OPT_VERSION: o->version = true; return 0;
    }
    return 0;
}

/* Splits one argument into option spec + inline value (or NULL). */
static int classify(const char *arg, const struct opt_spec **spec, const char **inline_value,
                    struct as_error *err)
{
    *inline_value = NULL;
    if (arg[1] == '-') {
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t n = eq ? (size_t)(eq - name) : strlen(name);
        *spec = find_long(name, n);
        if (*spec && eq) {
            if (!(*spec)->takes_value)
                return as_err(err, 400, ERR_INVALID_REQUEST,
                              "unexpected value for '--%s' (it takes none)", (*spec)->long_name);
            *inline_value = eq + 1;
        }
    } else {
        *spec = find_short(arg[1]);
        if (*spec && arg[2]) {
            if (!(*spec)->takes_value)
                return as_err(err, 400, ERR_INVALID_REQUEST,
                              "unexpected argument '%s' (see restful-as --help)", arg);
            *inline_value = arg + 2;
        }
    }
    if (!*spec)
        return as_err(err, 400, ERR_INVALID_REQUEST,
                      "unexpected argument '%s' (see restful-as --help)", arg);
    return 0;
}

static bool is_option(const char *a) { return a[0] == '-' && a[1] != '\0'; }

int cli_parse(int argc, char **argv, struct cli_options *o, struct as_error *err)
{
    memset(o, 0, sizeof(*o));
    bool after_origin = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!is_option(arg)) {
            if (!after_origin)
                return as_err(err, 400, ERR_INVALID_REQUEST,
                              "unexpected argument '%s' (see restful-as --help)", arg);
            TRY(apply(o, find_long("allowed_origin", 14), arg, err));
            continue;
        }
        const struct opt_spec *s;
        const char *v;
        TRY(classify(arg, &s, &v, err));
        if (s->takes_value && !v) {
            if (i + 1 >= argc)
                return as_err(err, 400, ERR_INVALID_REQUEST,
                              "a value is required for '--%s' but none was supplied",
                              s->long_name);
            v = argv[++i];
        }
        TRY(apply(o, s, v, err));
        after_origin = s->id == OPT_ORIGIN;
    }
    if (o->help || o->version)
        return 0;
    if (!o->socket)
        return as_err(err, 400, ERR_INVALID_REQUEST,
                      "the required argument '--socket <ADDR:PORT>' was not provided");
    if (!o->cert_path != !o->key_path)
        return as_err(err, 400, ERR_INVALID_REQUEST,
                      "--https-pubkey-cert and --https-prikey must be given together");
    return 0;
}

void cli_options_free(struct cli_options *o) { cors_config_free(&o->cors); }
