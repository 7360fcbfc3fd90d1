/* token_bench.c - tokens signed per second by the token module against the
 * raw OpenSSL signature rate measured in the same run, for RS384 (RSA-2048),
 * ES256 and ES384, on 1 thread and on T threads.
 *
 * "raw" = EVP_DigestSign of a message as long as a real token's signing
 * input, with a fresh EVP_MD_CTX per signature (what any thread-safe signer
 * must pay); "token" = token_sign_jwt of a Simple-token-sized claims object
 * (JSON printing, base64url, signature, base64url).  "ear" = token_ear_issue
 * with one submod.
 *
 * Usage: token_bench [seconds-per-measurement (default 1)] [threads (default nproc)] */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "token/token.h"

/* Measurements alternate raw / token ROUNDS times and report the best of
 * each, which keeps a busy machine from favouring either side. */
#define ROUNDS 3

static double seconds_per_run = 1.0;

static const char *CLAIMS =
    "{\"customized_claims\":{\"init_data\":null,\"runtime_data\":{\"nonce\":"
    "\"0123456789abcdef0123456789abcdef\",\"tee-pubkey\":{\"alg\":\"RSA1_5\",\"k_mod\":"
    "\"vBa4qZ6Rk1mJJgmzFyK1Vb0k4z7jW5h8o4Xy7ZP1u9cVw0cE0ZpPA9dN7rAqY4s1bK2xHc6mVj1T3zL8"
    "\",\"k_exp\":\"AQAB\",\"kty\":\"RSA\"}}},\"evaluation-reports\":[{\"policy-hash\":"
    "\"c0e7929671fb6780387f54760d84d65d2ce96093dfb33efda21f5eb05afcda77bba444c02cd177b23a5d35"
    "0716726157\",\"policy-id\":\"default\"}],\"exp\":1730431091,\"iat\":1730430791,\"iss\":"
    "\"CoCo-Attestation-Service\",\"jti\":\"a1B2c3D4e5\",\"nbf\":1730430791,\"reference-data\":"
    "{},\"tcb-status\":{\"init_data\":\"\",\"report_data\":\"0123456789abcdef0123456789abcdef"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\"sample.svn\":\"1\"},"
    "\"tee\":\"sample\"}";

enum op { OP_RAW, OP_TOKEN, OP_EAR };

struct job {
    enum op op;
    const struct token_broker *b;
    EVP_PKEY *key;
    const EVP_MD *md;
    const struct value *claims;
    const struct token_ear_submod *submod;
    size_t msg_len;
    long count;
    int failed;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int raw_sign(struct job *j, const unsigned char *msg)
{
    unsigned char sig[1024];
    size_t n = sizeof sig;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, j->md, NULL, j->key) == 1 &&
             EVP_DigestSign(ctx, sig, &n, msg, j->msg_len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : -1;
}

static int one(struct job *j, struct arena *a, const unsigned char *msg)
{
    struct as_error err;
    char *jws = NULL;
    switch (j->op) {
    case OP_RAW:
        return raw_sign(j, msg);
    case OP_TOKEN:
        return token_sign_jwt(j->b, j->claims, a, &jws, &err);
    case OP_EAR:
        return token_ear_issue(j->b, j->submod, 1, "default", a, &jws, &err);
    }
    return -1;
}

static void *run_job(void *arg)
{
    struct job *j = arg;
    struct arena a;
    arena_init(&a, 16384);
    unsigned char *msg = calloc(1, j->msg_len + 1);
    memset(msg, 'e', j->msg_len);
    double end = now_s() + seconds_per_run;
    while (now_s() < end) {
        for (int i = 0; i < 8; i++) {
            if (one(j, &a, msg) < 0) {
                j->failed = 1;
                goto out;
            }
            j->count++;
        }
        arena_reset(&a);
    }
out:
    free(msg);
    arena_free(&a);
    return NULL;
}

static double rate(struct job proto, int threads)
{
    struct job jobs[256];
    pthread_t t[256];
    for (int i = 0; i < threads; i++) {
        jobs[i] = proto;
        pthread_create(&t[i], NULL, run_job, &jobs[i]);
    }
    long total = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        if (jobs[i].failed) {
            fprintf(stderr, "token_bench: signing failed\n");
            exit(1);
        }
        total += jobs[i].count;
    }
    return (double)total / seconds_per_run;
}

/* The broker signs with a key we also hold, so raw and token use one key. */
static EVP_PKEY *write_key(const char *dir, const char *alg, char *path, size_t n)
{
    EVP_PKEY *k = strcmp(alg, "RS384") == 0   ? EVP_RSA_gen(2048)
                  : strcmp(alg, "ES256") == 0 ? EVP_EC_gen("P-256")
                                              : EVP_EC_gen("P-384");
    snprintf(path, n, "%s/%s.pem", dir, alg);
    BIO *bio = BIO_new_file(path, "w");
    if (!k || !bio || PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL) != 1) {
        fprintf(stderr, "token_bench: cannot write %s\n", path);
        exit(1);
    }
    BIO_free(bio);
    return k;
}

static void bench_alg(const char *dir, const char *alg, int threads, struct arena *a)
{
    char path[512];
    EVP_PKEY *key = write_key(dir, alg, path, sizeof path);
    bool ear = strcmp(alg, "ES256") == 0;
    struct as_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.token_broker = TOKEN_SIMPLE;
    cfg.token_duration_min = 5;
    cfg.token_issuer = "CoCo-Attestation-Service";
    cfg.signer.key_path = path;
    struct token_broker *b = NULL, *eb = NULL;
    struct as_error err;
    if (token_broker_new(&cfg, &b, &err) < 0) {
        fprintf(stderr, "token_bench: %s\n", err.detail);
        exit(1);
    }
    struct value *claims = NULL;
    json_parse(a, CLAIMS, strlen(CLAIMS), NULL, &claims, &err);
    char *sample = NULL;
    token_sign_jwt(b, claims, a, &sample, &err);
    EVP_MD *md = EVP_MD_fetch(NULL, ear ? "SHA256" : "SHA384", NULL);
    struct job proto = {.b = b,
                        .key = key,
                        .claims = claims,
                        .md = md,
                        .msg_len = (size_t)(strrchr(sample, '.') - sample)};
    int counts[2] = {1, threads};
    for (int c = 0; c < (threads > 1 ? 2 : 1); c++) {
        int t = counts[c];
        double raw = 0, tok = 0;
        for (int round = 0; round < ROUNDS; round++) { /* alternate; keep the best of each */
            proto.op = OP_RAW;
            double r = rate(proto, t);
            proto.op = OP_TOKEN;
            double k = rate(proto, t);
            raw = r > raw ? r : raw;
            tok = k > tok ? k : tok;
        }
        printf("%-6s threads %3d  raw OpenSSL sign/s %9.0f  tokens/s %9.0f  ratio %.2f\n", alg, t,
               raw, tok, tok / raw);
        fflush(stdout);
    }
    if (ear) {
        cfg.token_broker = TOKEN_EAR;
        token_broker_new(&cfg, &eb, &err);
        struct value *ev = NULL, *tc = NULL;
        const char *evj = "{\"report_data\":\"abc\",\"sample\":{\"svn\":\"1\"}}";
        json_parse(a, evj, strlen(evj), NULL, &ev, &err);
        json_parse(a, "{\"hardware\":2,\"executables\":3}", 31, NULL, &tc, &err);
        struct token_ear_submod s = {
            .tee_class = "cpu", .annotated_evidence = ev, .trust_claims = tc};
        struct job ej = {.op = OP_EAR, .b = eb, .submod = &s};
        printf("%-6s threads %3d  EAR tokens/s %9.0f\n", "EAR", 1, rate(ej, 1));
        token_broker_free(eb);
    }
    token_broker_free(b);
    EVP_MD_free(md);
    EVP_PKEY_free(key);
}

int main(int argc, char **argv)
{
    log_init("error");
    if (argc > 1)
        seconds_per_run = atof(argv[1]);
    long nproc = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = argc > 2 ? atoi(argv[2]) : (int)(nproc > 0 ? nproc : 1);
    if (threads < 1 || threads > 256 || seconds_per_run <= 0) {
        fprintf(stderr, "usage: token_bench [seconds] [threads 1..256]\n");
        return 2;
    }
    char dir[] = "/tmp/token_bench_XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    struct arena a;
    arena_init(&a, 16384);
    printf("token_bench: %.1f s per measurement, up to %d threads, %s\n", seconds_per_run, threads,
           OpenSSL_version(OPENSSL_VERSION));
    const char *algs[] = {"RS384", "ES256", "ES384"};
    for (int i = 0; i < 3; i++)
        bench_alg(dir, algs[i], threads, &a);
    arena_free(&a);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
