/* quote.h - Intel DCAP ECDSA quote layout and parser (SGX quote v3/v4/v5,
 * TDX quote v4/v5 with TD report 1.0 and 1.5).
 *
 * The parser only decodes: every field is a pointer into the caller's
 * quote bytes, checked to lie inside them (base/reader.h).  Signature,
 * chain and TCB checks live in dcap_verify.c.
 *
 * Layout (Intel "SGX ECDSA Quote Library API" and "TDX DCAP Quote
 * Generation Library" specifications):
 *   header (48) | [v5: body type u16, body size u32] | body | sig_data_len u32 |
 *   signature data: quote signature (64) | attestation key (64) |
 *     v3: QE report (384) | QE report signature (64) | auth len u16 | auth |
 *         cert type u16 (5) | size u32 | PCK chain PEM
 *     v4/v5: cert type u16 (6) | size u32 | { the v3 tail from QE report on }
 * The signed region is [0, header + [descriptor] + body). */
#ifndef AS_VERIFIER_DCAP_QUOTE_H
#define AS_VERIFIER_DCAP_QUOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define DCAP_HEADER_LEN 48
#define DCAP_SGX_REPORT_LEN 384
#define DCAP_TD10_REPORT_LEN 584
#define DCAP_TD15_REPORT_LEN 648
#define DCAP_TEE_SGX 0x00000000u
#define DCAP_TEE_TDX 0x00000081u
#define DCAP_ATT_KEY_ECDSA_P256 2
#define DCAP_CERT_PCK_CHAIN 5
#define DCAP_CERT_QE_REPORT 6
#define DCAP_QE_VENDOR_INTEL "\x93\x9a\x72\x33\xf7\x9c\x4c\xa9\x94\x0a\x0d\xb3\x95\x7f\x06\x07"

enum dcap_body_type {
    DCAP_BODY_SGX = 1,  /* enclave report, 384 bytes */
    DCAP_BODY_TD10 = 2, /* TD report 1.0, 584 bytes */
    DCAP_BODY_TD15 = 3, /* TD report 1.5, 648 bytes */
    DCAP_BODY_TD15_EX = 4, /* TD report 1.5 with extensions: rejected as unsupported */
};

/* Offsets inside the SGX enclave report body (also the QE report). */
enum sgx_report_off {
    SGX_CPU_SVN = 0,          /* 16 */
    SGX_MISC_SELECT = 16,     /* 4, u32 LE */
    SGX_RESERVED1 = 20,       /* 12 */
    SGX_ISV_EXT_PROD_ID = 32, /* 16 */
    SGX_ATTRIBUTES = 48,      /* 16: flags 8 | xfrm 8 */
    SGX_MR_ENCLAVE = 64,      /* 32 */
    SGX_RESERVED2 = 96,       /* 32 */
    SGX_MR_SIGNER = 128,      /* 32 */
    SGX_RESERVED3 = 160,      /* 32 */
    SGX_CONFIG_ID = 192,      /* 64 */
    SGX_ISV_PROD_ID = 256,    /* 2, u16 LE */
    SGX_ISV_SVN = 258,        /* 2, u16 LE */
    SGX_CONFIG_SVN = 260,     /* 2 */
    SGX_RESERVED4 = 262,      /* 42 */
    SGX_ISV_FAMILY_ID = 304,  /* 16 */
    SGX_REPORT_DATA = 320,    /* 64 */
};

/* Offsets inside the TD report body. */
enum td_report_off {
    TD_TEE_TCB_SVN = 0,       /* 16 */
    TD_MR_SEAM = 16,          /* 48 */
    TD_MR_SIGNER_SEAM = 64,   /* 48 */
    TD_SEAM_ATTRIBUTES = 112, /* 8 */
    TD_TD_ATTRIBUTES = 120,   /* 8 */
    TD_XFAM = 128,            /* 8 */
    TD_MR_TD = 136,           /* 48 */
    TD_MR_CONFIG_ID = 184,    /* 48 */
    TD_MR_OWNER = 232,        /* 48 */
    TD_MR_OWNER_CONFIG = 280, /* 48 */
    TD_RTMR0 = 328,           /* 4 x 48 */
    TD_REPORT_DATA = 520,     /* 64 */
    TD_TEE_TCB_SVN2 = 584,    /* 16, TD 1.5 only */
    TD_MR_SERVICETD = 600,    /* 48, TD 1.5 only */
};

struct dcap_quote {
    const uint8_t *raw;
    size_t raw_len;
    /* header */
    const uint8_t *header; /* 48 bytes */
    uint16_t version;
    uint16_t att_key_type;
    uint32_t tee_type; /* 0 for v3 */
    /* body */
    enum dcap_body_type body_type;
    uint32_t body_size_field; /* v5 descriptor's size, else body length */
    const uint8_t *body;
    size_t body_len;
    size_t signed_len; /* header [+ descriptor] + body */
    /* signature data */
    uint32_t sig_data_len;
    size_t trailing_len; /* bytes after the signature data */
    const uint8_t *signature; /* 64, r||s */
    const uint8_t *att_key;   /* 64, X||Y */
    uint16_t outer_cert_type; /* 5 (v3) or 6 (v4/v5) */
    const uint8_t *qe_report; /* 384, an SGX report body */
    const uint8_t *qe_report_sig; /* 64 */
    const uint8_t *qe_auth;
    uint16_t qe_auth_len;
    const char *pck_pem; /* certification data type 5 (not NUL-terminated) */
    size_t pck_pem_len;
};

static inline bool dcap_quote_is_tdx(const struct dcap_quote *q)
{
    return q->body_type == DCAP_BODY_TD10 || q->body_type == DCAP_BODY_TD15;
}

/* Parses raw quote bytes.  Errors: 400 invalid_evidence with a detail that
 * names the field and offset, e.g. "quote truncated in QE report at offset
 * 700 (need 384 bytes, 120 left)", or "unsupported quote version 6". */
int dcap_quote_parse(const uint8_t *raw, size_t len, struct dcap_quote *q, struct as_error *err);

static inline uint16_t dcap_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t dcap_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
