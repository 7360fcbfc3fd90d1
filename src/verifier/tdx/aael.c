/* aael.c - attestation-agent event log replay and claims (see aael.h).
 * s = init; s = H(s || H("INIT <alg>/<hexinit>")); for each event
 * s = H(s || H("<domain> <operation> <content>")); s must equal RTMR3.
 * As trustee V24: the INIT text hashed is rebuilt as "INIT <lower-case alg>/
 * <lower-case hex>", each event line is hashed after trimming trailing
 * whitespace, and the final state (hash length of the INIT algorithm) must
 * equal the 48 RTMR3 bytes exactly, so only sha384 logs can verify. */
#include "verifier/tdx/aael.h"

#include <string.h>

#include "base/codec.h"
#include "base/hash.h"

static int bad(struct as_error *err, size_t line, const char *what)
{
    return as_err(err, 400, ERR_INVALID_EVIDENCE, "tdx: AA event log line %zu: %s", line, what);
}

static void extend(enum hash_alg alg, uint8_t *s, const char *line, size_t n)
{
    uint8_t buf[2 * HASH_MAX_LEN];
    size_t hl = hash_len(alg);
    memcpy(buf, s, hl);
    hash_digest(alg, line, n, buf + hl);
    hash_digest(alg, buf, 2 * hl, s);
}

/* s = init; s = H(s || H("INIT <alg>/<lower-hex(init)>")), the text rebuilt
 * from the parsed values (trustee hashes the re-encoded line, not the one
 * received, so "SHA384/AB.." and "sha384/ab.." replay alike). */
static int extend_init(struct arena *a, enum hash_alg alg, uint8_t *s, const uint8_t *iv,
                       size_t ivl, struct as_error *err)
{
    char *hex = hex_encode_arena(a, iv, ivl);
    char *text = hex ? arena_sprintf(a, "INIT %s/%s", hash_alg_name(alg), hex) : NULL;
    if (!text)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    memcpy(s, iv, ivl);
    extend(alg, s, text, strlen(text));
    return 0;
}

static size_t trim_right(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    return n;
}

/* "<domain> <operation> <content>": exactly three fields. */
static int add_event(struct arena *a, struct pair_list *keys, struct value_list *lists,
                     const char *line, size_t n, size_t lineno, struct as_error *err)
{
    const char *sp1 = memchr(line, ' ', n);
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(line + n - sp1 - 1)) : NULL;
    if (!sp1 || !sp2 || sp1 == line || sp2 == sp1 + 1 || sp2 + 1 == line + n ||
        memchr(sp2 + 1, ' ', (size_t)(line + n - sp2 - 1)))
        return bad(err, lineno, "expected `<domain> <operation> <content>`");
    char *key = arena_sprintf(a, "%.*s/%.*s", (int)(sp1 - line), line, (int)(sp2 - sp1 - 1),
                              sp1 + 1);
    struct value *content = v_string(a, sp2 + 1, (size_t)(line + n - sp2 - 1));
    if (!key || !content)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    size_t i = 0;
    while (i < keys->len && strcmp(keys->pairs[i].key->u.str.s, key) != 0)
        i++;
    if (i == keys->len && pair_list_push_str(a, keys, key, v_null()) < 0)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    return value_list_push(a, &lists[i], content);
}

int aael_verify_claims(struct arena *a, const char *text, size_t len, const uint8_t *rtmr3,
                       struct value **out, struct as_error *err)
{
    struct pair_list keys = {0};
    struct value_list *lists = arena_zalloc(a, (len / 4 + 2) * sizeof *lists);
    uint8_t s[HASH_MAX_LEN];
    enum hash_alg alg = HASH_SHA384;
    size_t lineno = 0;
    bool init = false;
    if (!lists)
        return as_err(err, 500, ERR_INTERNAL, "out of memory");
    for (size_t pos = 0; pos < len; lineno++) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len, n = trim_right(text + pos, end - pos);
        const char *line = text + pos;
        pos = end + 1;
        if (n == 0)
            continue;
        if (!init) {
            const char *slash = memchr(line, '/', n);
            uint8_t *iv;
            size_t ivl;
            char name[16];
            if (n < 6 || memcmp(line, "INIT ", 5) != 0 || !slash || slash - line - 5 >= 16)
                return bad(err, lineno + 1, "first line must be `INIT <alg>/<hex>`");
            memcpy(name, line + 5, (size_t)(slash - line - 5));
            name[slash - line - 5] = 0;
            if (hash_alg_from_name(name, &alg) < 0 || alg == HASH_SM3 ||
                hex_decode(a, slash + 1, (size_t)(line + n - slash - 1), &iv, &ivl) < 0 ||
                ivl != hash_len(alg))
                return bad(err, lineno + 1, "bad INIT algorithm or initial value");
            TRY(extend_init(a, alg, s, iv, ivl, err));
            init = true;
            continue;
        }
        TRY(add_event(a, &keys, lists, line, n, lineno + 1, err));
        extend(alg, s, line, n);
    }
    if (!init)
        return bad(err, 1, "empty log");
    if (hash_len(alg) != 48 || memcmp(s, rtmr3, 48) != 0)
        return as_err(err, 403, ERR_VERIFICATION_FAILED,
                      "tdx: AA event log does not replay to RTMR3 of the quote");
    for (size_t i = 0; i < keys.len; i++)
        if (!(keys.pairs[i].val = v_array(a, lists[i].items, lists[i].len)))
            return as_err(err, 500, ERR_INTERNAL, "out of memory");
    *out = v_object(a, keys.pairs, keys.len, DUP_LAST_WINS, NULL);
    return *out ? 0 : as_err(err, 500, ERR_INTERNAL, "out of memory");
}
