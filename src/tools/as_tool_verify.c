/* as_tool_verify.c - `as-tool verify`.  Placeholder until the pipeline
 * lands (issue "Service foundation"); reports itself unavailable. */
#include <stdio.h>

#include "tools/as_tool.h"

int as_tool_verify_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "as-tool verify: not built yet\n");
    return 2;
}
