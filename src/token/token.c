/* token.c - the token broker's life: creation from the configuration
 * (mode, EAR settings, key, certificate chain, JWK), accessors, JWKS, free.
 * Signing lives in token_jws.c, key files in token_key.c, the EAR claim set
 * in token_ear.c. */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "token/token_internal.h"

#define DEFAULT_ISSUER    "CoCo-Attestation-Service"
#define DEFAULT_PROFILE   "tag:github.com,2024:confidential-containers/Trustee"
#define DEFAULT_DEVELOPER "https://confidentialcontainers.org"
#define DEFAULT_BUILD     "attestation-service 0.1.0"

/* A string member of the EAR object: absent -> default; present -> a
 * non-empty string (the ear crate refuses to sign with an empty one, so we
 * refuse at start instead of failing every request). */
static int ear_string(const struct value *obj, const char *key, const char *dflt, const char **out,
                      struct as_error *err)
{
    const struct value *v = obj ? value_object_get_str(obj, key) : NULL;
    if (!v || v_is(v, V_NULL)) {
        *out = dflt;
        return 0;
    }
    if (!v_is(v, V_STRING))
        return as_err(err, 500, ERR_CONFIG,
                      "attestation_token_broker.%s: expected a string, got %s", key,
                      value_type_name((enum value_type)v->type));
    if (v->u.str.len == 0 || strlen(v->u.str.s) != v->u.str.len)
        return as_err(err, 500, ERR_CONFIG,
                      "attestation_token_broker.%s: must be a non-empty string without NUL", key);
    *out = v->u.str.s;
    return 0;
}

static int ear_settings_load(const struct value *obj, struct token_ear_settings *s,
                             struct as_error *err)
{
    TRY(ear_string(obj, "profile_name", DEFAULT_PROFILE, &s->profile_name, err));
    TRY(ear_string(obj, "developer_name", DEFAULT_DEVELOPER, &s->developer_name, err));
    TRY(ear_string(obj, "build_name", DEFAULT_BUILD, &s->build_name, err));
    const struct value *v = obj ? value_object_get_str(obj, "verbose_token") : NULL;
    s->verbose_token = true;
    if (v && !v_is(v, V_NULL)) {
        if (!v_is(v, V_BOOL))
            return as_err(err, 500, ERR_CONFIG,
                          "attestation_token_broker.verbose_token: expected a boolean, got %s",
                          value_type_name((enum value_type)v->type));
        s->verbose_token = v->u.b;
    }
    return 0;
}

static int broker_key(struct token_broker *b, const struct signer_config *sc, struct as_error *err)
{
    if (!sc->key_path) {
        if (sc->cert_path || sc->cert_url)
            return as_err(err, 500, ERR_CONFIG,
                          "signer.cert_path / signer.cert_url need signer.key_path");
        LOG_I("token",
              "no token signer key configured: using an ephemeral %s key (tokens "
              "cannot be verified after a restart)",
              b->ear ? "EC P-256" : "RSA-2048");
        return token_key_generate(b->ear, &b->key, &b->alg, err);
    }
    TRY(token_key_load(sc->key_path, b->ear, &b->key, &b->alg, err));
    LOG_I("token", "token signing key loaded from %s (%s)", sc->key_path, token_alg_name(b->alg));
    return 0;
}

static int broker_public_parts(struct token_broker *b, const struct signer_config *sc,
                               struct as_error *err)
{
    struct token_chain chain = {0};
    if (sc->cert_path)
        TRY(token_chain_load(sc->cert_path, b->key, &chain, err));
    int rc = token_jwk_build(b, &chain, sc->cert_url, err);
    token_chain_free(&chain);
    return rc;
}

static int broker_init(struct token_broker *b, const struct as_config *cfg, struct as_error *err)
{
    b->ear = cfg->token_broker == TOKEN_EAR;
    b->issuer = cfg->token_issuer ? cfg->token_issuer : DEFAULT_ISSUER;
    b->duration_min = cfg->token_duration_min;
    if (b->ear)
        TRY(ear_settings_load(cfg->ear_config, &b->ear_cfg, err));
    TRY(broker_key(b, &cfg->signer, err));
    b->md = EVP_MD_fetch(NULL, b->alg == TOKEN_ES256 ? "SHA256" : "SHA384", NULL);
    if (!b->md)
        return as_err(err, 500, ERR_INTERNAL, "OpenSSL lacks the token digest");
    return broker_public_parts(b, &cfg->signer, err);
}

int token_broker_new(const struct as_config *cfg, struct token_broker **out, struct as_error *err)
{
    struct token_broker *b = calloc(1, sizeof *b);
    if (!b)
        return as_err(err, 500, ERR_INTERNAL, "out of memory creating the token broker");
    arena_init(&b->arena, 8192);
    if (broker_init(b, cfg, err) < 0) {
        token_broker_free(b);
        return -1;
    }
    *out = b;
    return 0;
}

void token_broker_free(struct token_broker *b)
{
    if (!b)
        return;
    EVP_PKEY_free(b->key);
    EVP_MD_free(b->md);
    arena_free(&b->arena);
    free(b);
}

const char *token_broker_alg(const struct token_broker *b)
{
    return token_alg_name(b->alg);
}

bool token_ear_verbose(const struct token_broker *b)
{
    return b->ear ? b->ear_cfg.verbose_token : true;
}

int token_jwks(const struct token_broker *b, struct arena *a, struct value **jwks,
               struct as_error *err)
{
    (void)a; /* the document is immutable and lives as long as the broker */
    if (!b->jwks)
        return as_err(err, 500, ERR_INTERNAL, "token broker has no JWKS");
    *jwks = b->jwks;
    return 0;
}
