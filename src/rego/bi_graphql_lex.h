/* bi_graphql_lex.h - GraphQL tokens (bi_graphql_lex.c), used by the parser.
 *
 * gqlparser's lexer: positions count runes, a line ends at \n, \r or \r\n,
 * commas are white space, a byte-order mark is skipped, strings and block
 * strings are decoded (escapes, common indentation).  A lexing error gives
 * an Invalid token whose position is where the error was found. */
#ifndef AS_REGO_BI_GRAPHQL_LEX_H
#define AS_REGO_BI_GRAPHQL_LEX_H

#include "rego/bi_graphql.h"

enum gql_tok {
    GQL_T_INVALID = 0,
    GQL_T_EOF,
    GQL_T_BANG,
    GQL_T_DOLLAR,
    GQL_T_AMP,
    GQL_T_PAREN_L,
    GQL_T_PAREN_R,
    GQL_T_SPREAD,
    GQL_T_COLON,
    GQL_T_EQUALS,
    GQL_T_AT,
    GQL_T_BRACKET_L,
    GQL_T_BRACKET_R,
    GQL_T_BRACE_L,
    GQL_T_BRACE_R,
    GQL_T_PIPE,
    GQL_T_NAME,
    GQL_T_INT,
    GQL_T_FLOAT,
    GQL_T_STRING,
    GQL_T_BLOCK_STRING,
    GQL_T_COMMENT,
};

struct gql_token {
    int kind;
    const char *val; /* decoded value (arena or input); "" for punctuation */
    size_t len;
    struct gql_pos pos;
    const char *err; /* the lexer's message for GQL_T_INVALID */
};

struct gql_lexer {
    struct gql_mem *m;
    const char *in;
    size_t n;
    size_t start, end;                /* bytes */
    long start_runes, end_runes;      /* runes */
    int line;
    long line_start_runes;
};

void gql_lex_init(struct gql_lexer *lx, struct gql_mem *m, const char *text, size_t len);
struct gql_token gql_lex_next(struct gql_lexer *lx);
/* Go's Type.String(): "<EOF>", "{", "Name", ... */
const char *gql_tok_kind_text(int kind);
/* Go's Token.String(): the kind, then the quoted value when there is one. */
void gql_tok_text(struct buf *b, const struct gql_token *t);

#endif
