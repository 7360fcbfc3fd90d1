/* as_tool.h - subcommands of the as-tool program (shared/spec/as-tool.md).
 * Each returns the process exit status: 0 ok/verified, 1 rejected or
 * evaluation error, 2 usage or I/O error. */
#ifndef AS_TOOLS_AS_TOOL_H
#define AS_TOOLS_AS_TOOL_H

int as_tool_verify_main(int argc, char **argv); /* as_tool_verify.c */
int as_tool_rego_main(int argc, char **argv);   /* as_tool_rego.c: "eval", ... */

#endif
