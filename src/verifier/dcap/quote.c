/* quote.c - the DCAP quote parser (see quote.h).  Every read goes through
 * the bounds-checked reader; each failure names what was being read. */
#include "verifier/dcap/quote.h"

#include <string.h>

#include "base/reader.h"

/* Reads n bytes into *p or fails naming `what`. */
static int take(struct reader *r, size_t n, const uint8_t **p, const char *what,
                size_t base, struct as_error *err)
{
    if (rd_bytes(r, n, p) < 0)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "quote truncated in %s at offset %zu (need %zu bytes, %zu left)", what,
                      base + rd_offset(r), n, rd_remaining(r));
    return 0;
}

static int take_u16(struct reader *r, uint16_t *v, const char *what, size_t base,
                    struct as_error *err)
{
    const uint8_t *p;
    TRY(take(r, 2, &p, what, base, err));
    *v = dcap_le16(p);
    return 0;
}

static int take_u32(struct reader *r, uint32_t *v, const char *what, size_t base,
                    struct as_error *err)
{
    const uint8_t *p;
    TRY(take(r, 4, &p, what, base, err));
    *v = dcap_le32(p);
    return 0;
}

static int parse_header(struct reader *r, struct dcap_quote *q, struct as_error *err)
{
    TRY(take(r, DCAP_HEADER_LEN, &q->header, "header", 0, err));
    q->version = dcap_le16(q->header);
    q->att_key_type = dcap_le16(q->header + 2);
    q->tee_type = q->version >= 4 ? dcap_le32(q->header + 4) : DCAP_TEE_SGX;
    if (q->version < 3 || q->version > 5)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "unsupported quote version %u (3, 4 and 5 are supported)", q->version);
    if (q->att_key_type != DCAP_ATT_KEY_ECDSA_P256)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "unsupported attestation key type %u (2 = ECDSA P-256 expected)",
                      q->att_key_type);
    if (q->tee_type != DCAP_TEE_SGX && q->tee_type != DCAP_TEE_TDX)
        return as_err(err, 400, ERR_INVALID_EVIDENCE, "unsupported TEE type 0x%x", q->tee_type);
    return 0;
}

static size_t body_len_for(enum dcap_body_type t)
{
    return t == DCAP_BODY_SGX ? DCAP_SGX_REPORT_LEN
           : t == DCAP_BODY_TD10 ? DCAP_TD10_REPORT_LEN
                                 : DCAP_TD15_REPORT_LEN;
}

static int parse_body(struct reader *r, struct dcap_quote *q, struct as_error *err)
{
    if (q->version == 5) {
        uint16_t type;
        TRY(take_u16(r, &type, "body descriptor", 0, err));
        TRY(take_u32(r, &q->body_size_field, "body descriptor", 0, err));
        if (type == DCAP_BODY_TD15_EX)
            return as_err(err, 400, ERR_INVALID_EVIDENCE,
                          "quote v5 body type 4 (TD report 1.5 with extensions, \"Ex\") is not "
                          "supported: 1 SGX, 2 TD 1.0 and 3 TD 1.5 bodies are");
        if (type < DCAP_BODY_SGX || type > DCAP_BODY_TD15)
            return as_err(err, 400, ERR_INVALID_EVIDENCE,
                          "unsupported quote v5 body type %u (1 SGX, 2 TD 1.0, 3 TD 1.5)", type);
        q->body_type = (enum dcap_body_type)type;
        if (q->body_size_field != body_len_for(q->body_type))
            return as_err(err, 400, ERR_INVALID_EVIDENCE,
                          "quote v5 body type %u has size %u, expected %zu", type,
                          q->body_size_field, body_len_for(q->body_type));
    } else {
        q->body_type = q->tee_type == DCAP_TEE_TDX ? DCAP_BODY_TD10 : DCAP_BODY_SGX;
    }
    bool tdx_body = dcap_quote_is_tdx(q);
    if (tdx_body != (q->tee_type == DCAP_TEE_TDX))
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "quote body type %u does not match TEE type 0x%x", q->body_type,
                      q->tee_type);
    q->body_len = body_len_for(q->body_type);
    if (q->version != 5)
        q->body_size_field = (uint32_t)q->body_len;
    TRY(take(r, q->body_len, &q->body, tdx_body ? "TD report" : "enclave report", 0, err));
    q->signed_len = rd_offset(r);
    return 0;
}

/* QE report, its signature, QE authentication data and the type-5 PCK
 * chain: the tail common to v3 and the type-6 block of v4/v5. */
static int parse_qe_tail(struct reader *r, size_t base, struct dcap_quote *q,
                         struct as_error *err)
{
    uint16_t cert_type;
    uint32_t cert_size;
    const uint8_t *p;
    TRY(take(r, DCAP_SGX_REPORT_LEN, &q->qe_report, "QE report", base, err));
    TRY(take(r, 64, &q->qe_report_sig, "QE report signature", base, err));
    TRY(take_u16(r, &q->qe_auth_len, "QE authentication data size", base, err));
    TRY(take(r, q->qe_auth_len, &q->qe_auth, "QE authentication data", base, err));
    TRY(take_u16(r, &cert_type, "certification data type", base, err));
    TRY(take_u32(r, &cert_size, "certification data size", base, err));
    if (cert_type != DCAP_CERT_PCK_CHAIN)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "unsupported certification data type %u (5 = PCK certificate chain "
                      "expected)",
                      cert_type);
    TRY(take(r, cert_size, &p, "PCK certificate chain", base, err));
    q->pck_pem = (const char *)p;
    q->pck_pem_len = cert_size;
    return 0;
}

static int parse_signature_data(struct reader *r, struct dcap_quote *q, struct as_error *err)
{
    struct reader sig;
    TRY(take_u32(r, &q->sig_data_len, "signature data size", 0, err));
    size_t base = rd_offset(r);
    if (rd_sub(r, q->sig_data_len, &sig) < 0)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "quote truncated: signature data size %u but %zu bytes left",
                      q->sig_data_len, rd_remaining(r));
    q->trailing_len = rd_remaining(r);
    TRY(take(&sig, 64, &q->signature, "quote signature", base, err));
    TRY(take(&sig, 64, &q->att_key, "attestation key", base, err));
    if (q->version == 3) {
        q->outer_cert_type = DCAP_CERT_PCK_CHAIN;
        return parse_qe_tail(&sig, base, q, err);
    }
    uint32_t size;
    struct reader inner;
    TRY(take_u16(&sig, &q->outer_cert_type, "certification data type", base, err));
    TRY(take_u32(&sig, &size, "certification data size", base, err));
    if (q->outer_cert_type != DCAP_CERT_QE_REPORT)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "unsupported certification data type %u (6 = QE report certification "
                      "data expected in quote v%u)",
                      q->outer_cert_type, q->version);
    size_t inner_base = base + rd_offset(&sig);
    if (rd_sub(&sig, size, &inner) < 0)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "quote truncated: QE report certification data size %u but %zu bytes "
                      "left",
                      size, rd_remaining(&sig));
    TRY(parse_qe_tail(&inner, inner_base, q, err));
    if (!rd_eof(&inner))
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "QE report certification data has %zu unexpected trailing bytes",
                      rd_remaining(&inner));
    return 0;
}

int dcap_quote_parse(const uint8_t *raw, size_t len, struct dcap_quote *q, struct as_error *err)
{
    struct reader r;
    memset(q, 0, sizeof *q);
    if (!raw || len == 0)
        return as_err(err, 400, ERR_INVALID_EVIDENCE, "quote is empty");
    q->raw = raw;
    q->raw_len = len;
    rd_init(&r, raw, len);
    TRY(parse_header(&r, q, err));
    TRY(parse_body(&r, q, err));
    return parse_signature_data(&r, q, err);
}
