/* lexer.h - Rego tokens (lexer.c).
 *
 * The whole module text is scanned up front into an array of tokens; the
 * parser (parser.c) walks it with arbitrary lookahead.  Every token keeps its
 * source span, 1-based row/column and whether a newline came before it
 * (newlines separate body expressions in Rego). */
#ifndef AS_REGO_LEXER_H
#define AS_REGO_LEXER_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"

enum rtok {
    RT_EOF = 0,
    RT_IDENT,
    RT_STRING,   /* "..." (decoded into str/slen) */
    RT_RAWSTRING,/* `...` */
    RT_NUMBER,
    RT_LBRACE, RT_RBRACE, RT_LBRACK, RT_RBRACK, RT_LPAREN, RT_RPAREN,
    RT_DOT, RT_COMMA, RT_SEMI, RT_COLON,
    RT_ASSIGN, /* := */
    RT_UNIFY,  /* = */
    RT_EQ, RT_NEQ, RT_LT, RT_LTE, RT_GT, RT_GTE,
    RT_PLUS, RT_MINUS, RT_STAR, RT_SLASH, RT_PERCENT, RT_AMP, RT_BAR,
    RT_TEMPLATE, /* $"..." or $`...` (str/slen: the source span) */
};

struct rtoken {
    enum rtok t;
    bool nl_before;    /* a newline between the previous token and this one */
    bool ws_before;    /* any whitespace/comment between them */
    int row, col;
    size_t off, len;   /* source span */
    const char *str;   /* RT_STRING/RT_RAWSTRING: decoded text; RT_IDENT/NUMBER: source */
    size_t slen;
};

/* A comment: the text after '#' up to the end of its line (a '\r' before
 * the newline dropped), and the position of the '#'. */
struct rlex_comment {
    const char *text;
    size_t len;
    int row, col;
};

struct rlex_result {
    struct rtoken *toks;
    size_t n;
    struct rlex_comment *comments; /* in source order */
    size_t ncomments;
    /* on error: */
    int err_row, err_col;
    const char *err_msg;
};

/* Scans text; 0 or -1 with err_* set.  Tokens and decoded strings live in a. */
int rlex_scan(struct arena *a, const char *text, size_t len, struct rlex_result *out);
const char *rlex_tok_name(enum rtok t);
/* Inside a template string, s[i] follows an opening '{': the index after
 * the matching '}', or 0. */
size_t rlex_skip_template_expr(const char *s, size_t len, size_t i);

#endif
