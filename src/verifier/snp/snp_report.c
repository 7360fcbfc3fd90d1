/* snp_report.c - decoding and encoding of the SEV-SNP ATTESTATION_REPORT,
 * product detection and the per-product TCB_VERSION layouts (see
 * snp_report.h; offsets from AMD ABI spec #56860, summarised in
 * shared/vectors/snp/LAYOUT.md). */
#include "verifier/snp/snp_report.h"

#include <string.h>
#include <strings.h>

#include "base/reader.h"

static const char *const product_names[] = {"unknown", "Milan", "Genoa", "Turin"};

const char *snp_product_name(enum snp_product p)
{
    return (unsigned)p < 4 ? product_names[p] : "unknown";
}

enum snp_product snp_product_from_name(const char *name)
{
    for (int p = SNP_MILAN; p <= SNP_TURIN; p++)
        if (name && strcasecmp(name, product_names[p]) == 0)
            return (enum snp_product)p;
    return SNP_PRODUCT_UNKNOWN;
}

/* Family 19h (Milan, Genoa): bl, tee, 4 reserved, snp, ucode.
 * Family 1Ah (Turin): fmc, bl, tee, snp, 3 reserved, ucode. */
void snp_tcb_decode(const uint8_t raw[8], enum snp_product p, struct snp_tcb *out)
{
    memset(out, 0, sizeof *out);
    if (p == SNP_TURIN) {
        out->has_fmc = true;
        out->fmc = raw[0];
        out->bootloader = raw[1];
        out->tee = raw[2];
        out->snp = raw[3];
    } else {
        out->bootloader = raw[0];
        out->tee = raw[1];
        out->snp = raw[6];
    }
    out->microcode = raw[7];
}

int snp_tcb_encode(const struct snp_tcb *t, enum snp_product p, uint8_t raw[8],
                   struct as_error *err)
{
    memset(raw, 0, 8);
    if (p == SNP_TURIN) {
        if (!t->has_fmc)
            return as_err(err, 400, ERR_INVALID_EVIDENCE,
                          "snp: a Turin TCB needs an fmc value");
        raw[0] = t->fmc;
        raw[1] = t->bootloader;
        raw[2] = t->tee;
        raw[3] = t->snp;
    } else {
        if (t->has_fmc)
            return as_err(err, 400, ERR_INVALID_EVIDENCE,
                          "snp: a %s TCB has no fmc field", snp_product_name(p));
        raw[0] = t->bootloader;
        raw[1] = t->tee;
        raw[6] = t->snp;
    }
    raw[7] = t->microcode;
    return 0;
}

int snp_report_check_version(const struct snp_report *r, struct as_error *err)
{
    if (r->version < SNP_REPORT_VERSION_MIN || r->version > SNP_REPORT_VERSION_MAX)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "snp: unsupported attestation report version %u (supported: %d to %d)",
                      r->version, SNP_REPORT_VERSION_MIN, SNP_REPORT_VERSION_MAX);
    if (r->sig_algo != SNP_SIG_ALGO_ECDSA_P384_SHA384)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "snp: unsupported signature algorithm %u (only 1, ECDSA P-384 with "
                      "SHA-384, is defined)",
                      r->sig_algo);
    return 0;
}

/* 0x000-0x04F: version .. reserved. */
static int parse_header(struct reader *rd, struct snp_report *r)
{
    TRY(rd_u32le(rd, &r->version));
    TRY(rd_u32le(rd, &r->guest_svn));
    TRY(rd_u64le(rd, &r->policy));
    TRY(rd_copy(rd, r->family_id, 16));
    TRY(rd_copy(rd, r->image_id, 16));
    TRY(rd_u32le(rd, &r->vmpl));
    TRY(rd_u32le(rd, &r->sig_algo));
    TRY(rd_copy(rd, r->current_tcb, 8));
    TRY(rd_u64le(rd, &r->platform_info));
    TRY(rd_u32le(rd, &r->key_info));
    return rd_skip(rd, 4);
}

/* 0x050-0x1A0: report data .. CPUID and reserved. */
static int parse_digests(struct reader *rd, struct snp_report *r)
{
    TRY(rd_copy(rd, r->report_data, 64));
    TRY(rd_copy(rd, r->measurement, 48));
    TRY(rd_copy(rd, r->host_data, 32));
    TRY(rd_copy(rd, r->id_key_digest, 48));
    TRY(rd_copy(rd, r->author_key_digest, 48));
    TRY(rd_copy(rd, r->report_id, 32));
    TRY(rd_copy(rd, r->report_id_ma, 32));
    TRY(rd_copy(rd, r->reported_tcb, 8));
    TRY(rd_u8(rd, &r->cpuid_fam_id));
    TRY(rd_u8(rd, &r->cpuid_mod_id));
    TRY(rd_u8(rd, &r->cpuid_step));
    return rd_skip(rd, 21);
}

/* 0x1A0-0x4A0: chip id, versions, mitigation vectors, signature. */
static int parse_platform(struct reader *rd, struct snp_report *r)
{
    TRY(rd_copy(rd, r->chip_id, 64));
    TRY(rd_copy(rd, r->committed_tcb, 8));
    TRY(rd_u8(rd, &r->current_build));
    TRY(rd_u8(rd, &r->current_minor));
    TRY(rd_u8(rd, &r->current_major));
    TRY(rd_skip(rd, 1));
    TRY(rd_u8(rd, &r->committed_build));
    TRY(rd_u8(rd, &r->committed_minor));
    TRY(rd_u8(rd, &r->committed_major));
    TRY(rd_skip(rd, 1));
    TRY(rd_copy(rd, r->launch_tcb, 8));
    TRY(rd_u64le(rd, &r->launch_mit_vector));
    TRY(rd_u64le(rd, &r->current_mit_vector));
    TRY(rd_seek(rd, SNP_SIGNED_LEN));
    TRY(rd_copy(rd, r->sig_r, SNP_SIG_COMPONENT_LEN));
    TRY(rd_copy(rd, r->sig_s, SNP_SIG_COMPONENT_LEN));
    return rd_seek(rd, SNP_REPORT_LEN);
}

int snp_report_parse(const uint8_t *p, size_t n, struct snp_report *out, struct as_error *err)
{
    struct reader rd;
    memset(out, 0, sizeof *out);
    if (n != SNP_REPORT_LEN)
        return as_err(err, 400, ERR_INVALID_EVIDENCE,
                      "snp: attestation report must be %d bytes, got %zu", SNP_REPORT_LEN, n);
    rd_init(&rd, p, n);
    if (parse_header(&rd, out) < 0 || parse_digests(&rd, out) < 0 ||
        parse_platform(&rd, out) < 0)
        return as_err(err, 400, ERR_INVALID_EVIDENCE, "snp: attestation report truncated");
    TRY(snp_report_check_version(out, err));
    out->has_cpuid = out->version >= 3;
    if (!out->has_cpuid)
        out->cpuid_fam_id = out->cpuid_mod_id = out->cpuid_step = 0;
    out->has_mit_vectors = out->version >= 5;
    if (!out->has_mit_vectors)
        out->launch_mit_vector = out->current_mit_vector = 0;
    memcpy(out->raw, p, SNP_REPORT_LEN);
    return 0;
}

static void put_u32(uint8_t *o, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        o[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *o, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        o[i] = (uint8_t)(v >> (8 * i));
}

static void encode_header(const struct snp_report *r, uint8_t *o)
{
    put_u32(o + 0x000, r->version);
    put_u32(o + 0x004, r->guest_svn);
    put_u64(o + 0x008, r->policy);
    memcpy(o + 0x010, r->family_id, 16);
    memcpy(o + 0x020, r->image_id, 16);
    put_u32(o + 0x030, r->vmpl);
    put_u32(o + 0x034, r->sig_algo);
    memcpy(o + 0x038, r->current_tcb, 8);
    put_u64(o + 0x040, r->platform_info);
    put_u32(o + 0x048, r->key_info);
    memcpy(o + 0x050, r->report_data, 64);
    memcpy(o + 0x090, r->measurement, 48);
    memcpy(o + 0x0C0, r->host_data, 32);
    memcpy(o + 0x0E0, r->id_key_digest, 48);
    memcpy(o + 0x110, r->author_key_digest, 48);
    memcpy(o + 0x140, r->report_id, 32);
    memcpy(o + 0x160, r->report_id_ma, 32);
    memcpy(o + 0x180, r->reported_tcb, 8);
}

static void encode_platform(const struct snp_report *r, uint8_t *o)
{
    if (r->has_cpuid) {
        o[0x188] = r->cpuid_fam_id;
        o[0x189] = r->cpuid_mod_id;
        o[0x18A] = r->cpuid_step;
    }
    memcpy(o + 0x1A0, r->chip_id, 64);
    memcpy(o + 0x1E0, r->committed_tcb, 8);
    o[0x1E8] = r->current_build;
    o[0x1E9] = r->current_minor;
    o[0x1EA] = r->current_major;
    o[0x1EC] = r->committed_build;
    o[0x1ED] = r->committed_minor;
    o[0x1EE] = r->committed_major;
    memcpy(o + 0x1F0, r->launch_tcb, 8);
    if (r->has_mit_vectors) {
        put_u64(o + 0x1F8, r->launch_mit_vector);
        put_u64(o + 0x200, r->current_mit_vector);
    }
    memcpy(o + 0x2A0, r->sig_r, SNP_SIG_COMPONENT_LEN);
    memcpy(o + 0x2E8, r->sig_s, SNP_SIG_COMPONENT_LEN);
}

void snp_report_encode(const struct snp_report *r, uint8_t out[SNP_REPORT_LEN])
{
    memset(out, 0, SNP_REPORT_LEN);
    encode_header(r, out);
    encode_platform(r, out);
}

enum snp_product snp_report_cpuid_product(const struct snp_report *r)
{
    if (!r->has_cpuid)
        return SNP_PRODUCT_UNKNOWN;
    uint8_t model = r->cpuid_mod_id;
    switch (r->cpuid_fam_id) {
    case 0x19:
        if (model <= 0x0F)
            return SNP_MILAN;
        if ((model >= 0x10 && model <= 0x1F) || (model >= 0xA0 && model <= 0xAF))
            return SNP_GENOA;
        return SNP_PRODUCT_UNKNOWN;
    case 0x1A:
        return model <= 0x11 ? SNP_TURIN : SNP_PRODUCT_UNKNOWN;
    default:
        return SNP_PRODUCT_UNKNOWN;
    }
}

bool snp_report_chip_id_zero(const struct snp_report *r)
{
    for (size_t i = 0; i < sizeof r->chip_id; i++)
        if (r->chip_id[i])
            return false;
    return true;
}
