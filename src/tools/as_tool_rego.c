/* as_tool_rego.c - `as-tool rego eval`.  Placeholder until the Rego engine
 * lands; reports itself unavailable. */
#include <stdio.h>

#include "tools/as_tool.h"

int as_tool_rego_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "as-tool rego: not built yet\n");
    return 2;
}
