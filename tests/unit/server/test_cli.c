/* Unit tests for server/cli.c and server/net.c: the original's flags and
 * --socket syntax. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "server/cli.h"
#include "server/net.h"

static struct cli_options O;
static struct as_error E;
static void teardown(void) { cli_options_free(&O); }
TestSuite(cli, .fini = teardown);

#define PARSE(...)                                                                                 \
    ({                                                                                             \
        char *argv[] = {"restful-as", __VA_ARGS__};                                                \
        cli_options_free(&O);                                                                      \
        cli_parse((int)(sizeof(argv) / sizeof(argv[0])), argv, &O, &E);                            \
    })

Test(cli, long_and_short_forms)
{
    cr_assert_eq(PARSE("--socket", "127.0.0.1:8080", "-c", "/c.json", "--workers=3"), 0,
                 "%s", E.detail);
    cr_assert_str_eq(O.socket, "127.0.0.1:8080");
    cr_assert_str_eq(O.config_path, "/c.json");
    cr_assert_eq(O.workers, 3);
    cr_assert_eq(PARSE("-s127.0.0.1:1", "--config-file=/x", "-t", "c.pem", "-k", "k.pem"), 0);
    cr_assert_str_eq(O.socket, "127.0.0.1:1");
    cr_assert_str_eq(O.cert_path, "c.pem");
    cr_assert_str_eq(O.key_path, "k.pem");
    cr_assert_eq(PARSE("-s", "[::1]:1", "--https-pubkey-cert", "c", "--https-prikey", "k"), 0);
    cr_assert_eq(PARSE("-s", "[::1]:1", "--tls-cert", "c", "--tls-key", "k"), 0);
}

Test(cli, origins_repeatable_and_multi_valued)
{
    cr_assert_eq(PARSE("-s", "127.0.0.1:1", "-r", "http://a,https://b", "--allowed_origin",
                       "http://c", "http://d", "-r", "nope"),
                 0, "%s", E.detail);
    cr_assert_eq(O.cors.n_origins, 4);
    cr_assert_str_eq(O.cors.origins[3], "http://d");
}

Test(cli, help_and_version)
{
    cr_assert_eq(PARSE("-h"), 0);
    cr_assert(O.help);
    cr_assert_eq(PARSE("--version"), 0);
    cr_assert(O.version);
}

Test(cli, errors_are_one_line)
{
    cr_assert_eq(PARSE("-s", "127.0.0.1:1", "--bogus"), -1);
    cr_assert(strstr(E.detail, "--bogus"));
    cr_assert_null(strchr(E.detail, '\n'));
    cr_assert_eq(PARSE("-c", "x"), -1);
    cr_assert(strstr(E.detail, "--socket"));
    cr_assert_eq(PARSE("-s"), -1);
    cr_assert_eq(PARSE("-s", "127.0.0.1:1", "stray"), -1);
    cr_assert_eq(PARSE("-s", "127.0.0.1:1", "-s", "127.0.0.1:2"), -1);
    cr_assert_eq(PARSE("-s", "127.0.0.1:1", "-t", "c.pem"), -1);
    cr_assert(strstr(E.detail, "together"));
    cr_assert_eq(PARSE("-s", "127.0.0.1:1", "--workers", "0"), -1);
    cr_assert_eq(PARSE("-s", "127.0.0.1:1", "--workers", "2x"), -1);
    cr_assert_eq(PARSE("-s", "127.0.0.1:1", "--help=yes"), -1);
}

Test(net, socket_syntax)
{
    struct net_addr a;
    cr_assert_eq(net_parse_socket("127.0.0.1:8080", &a, &E), 0);
    cr_assert_eq(a.ss.ss_family, AF_INET);
    cr_assert_eq(ntohs(((struct sockaddr_in *)&a.ss)->sin_port), 8080);
    cr_assert_eq(net_parse_socket("[::1]:443", &a, &E), 0);
    cr_assert_eq(a.ss.ss_family, AF_INET6);
    cr_assert_eq(ntohs(((struct sockaddr_in6 *)&a.ss)->sin6_port), 443);
    cr_assert_eq(net_parse_socket("0.0.0.0:0", &a, &E), 0);
    char text[80];
    net_parse_socket("[::1]:443", &a, &E);
    net_format((struct sockaddr *)&a.ss, text, sizeof(text));
    cr_assert_str_eq(text, "[::1]:443");
    const char *bad[] = {"localhost:8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
                         "::1:80", "[::1]80", "[::1]", "127.0.0.1:-1", "1.2.3:4",
                         "127.0.0.1:8080x", "[127.0.0.1]:80", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(net_parse_socket(bad[i], &a, &E), -1, "%s", bad[i]);
}

Test(net, address_in_use_is_reported)
{
    struct net_addr a;
    int fd1, fd2;
    cr_assert_eq(net_parse_socket("127.0.0.1:0", &a, &E), 0);
    cr_assert_eq(net_listen(&a, &fd1, &E), 0);
    uint16_t port = net_bound_port(fd1);
    cr_assert_neq(port, 0);
    ((struct sockaddr_in *)&a.ss)->sin_port = htons(port);
    cr_assert_eq(net_listen(&a, &fd2, &E), -1);
    cr_assert(strstr(E.detail, "in use"), "%s", E.detail);
    close(fd1);
}
