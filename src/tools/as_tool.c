/* as_tool.c - entry point of as-tool: the service pipeline on the command
 * line.  Dispatches to the subcommands declared in as_tool.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "tools/as_tool.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: as-tool <command> [options]\n"
               "\n"
               "commands:\n"
               "  verify      verify evidence offline with the service's pipeline\n"
               "  rego eval   evaluate a Rego query (opa eval compatible output)\n"
               "\n"
               "  as-tool <command> --help for the options of a command\n");
}

int main(int argc, char **argv)
{
    const char *rl = getenv("RUST_LOG");
    log_init(rl ? rl : "warn");
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("as-tool %s\n", AS_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "verify") == 0)
        return as_tool_verify_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "rego") == 0)
        return as_tool_rego_main(argc - 1, argv + 1);
    fprintf(stderr, "as-tool: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
