/* pck.c - DER walker for the SGX extensions of a PCK certificate (see
 * pck.h).  Structure:
 *   SEQUENCE OF SEQUENCE { OID 1.2.840.113741.1.13.1.<n>, value }
 * with n = 1 PPID, 2 TCB (SEQUENCE OF SEQUENCE { OID .2.<k>, INTEGER |
 * OCTET STRING }), 3 PCE-ID, 4 FMSPC, 5 SGX type (ENUMERATED), 6 platform
 * instance id, 7 configuration (SEQUENCE OF SEQUENCE { OID .7.<k>,
 * BOOLEAN }).  Unknown members are skipped. */
#include "verifier/dcap/pck.h"

#include <string.h>

#include "base/reader.h"

#define TAG_BOOLEAN 0x01
#define TAG_INTEGER 0x02
#define TAG_OCTET_STRING 0x04
#define TAG_OID 0x06
#define TAG_ENUMERATED 0x0a
#define TAG_SEQUENCE 0x30

/* DER of 1.2.840.113741.1.13.1 (without tag and length). */
static const uint8_t SGX_OID[] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01};

enum {
    PCK_HAVE_PPID = 1, PCK_HAVE_TCB = 2, PCK_HAVE_PCEID = 4, PCK_HAVE_FMSPC = 8,
    PCK_HAVE_TYPE = 16,
};
#define PCK_HAVE_ALL 31

static int bad(struct as_error *err, const char *what)
{
    return as_err(err, 400, ERR_INVALID_EVIDENCE, "PCK certificate SGX extension: %s", what);
}

/* One TLV: tag, definite length (up to 4 length bytes), value reader. */
static int der_tlv(struct reader *r, uint8_t *tag, struct reader *val)
{
    uint8_t t, l0;
    TRY(rd_u8(r, &t));
    TRY(rd_u8(r, &l0));
    size_t len = l0;
    if (l0 & 0x80) {
        unsigned nb = l0 & 0x7f;
        if (nb == 0 || nb > 4)
            return -1;
        len = 0;
        for (unsigned i = 0; i < nb; i++) {
            uint8_t b;
            TRY(rd_u8(r, &b));
            len = len << 8 | b;
        }
    }
    *tag = t;
    return rd_sub(r, len, val);
}

static int der_expect(struct reader *r, uint8_t tag, struct reader *val)
{
    uint8_t t;
    TRY(der_tlv(r, &t, val));
    return t == tag ? 0 : -1;
}

/* The OID must be SGX_OID followed by `depth` arcs (each < 128); they are
 * stored in arcs[]. */
static int sgx_oid_arcs(struct reader *oid, uint8_t *arcs, size_t depth)
{
    if (rd_remaining(oid) != sizeof SGX_OID + depth ||
        memcmp(rd_ptr(oid), SGX_OID, sizeof SGX_OID) != 0)
        return -1;
    memcpy(arcs, rd_ptr(oid) + sizeof SGX_OID, depth);
    for (size_t i = 0; i < depth; i++)
        if (arcs[i] & 0x80)
            return -1;
    return 0;
}

/* Non-negative INTEGER/ENUMERATED of at most 2 value bytes (plus a
 * leading zero). */
static int der_small_uint(struct reader *v, uint16_t *out)
{
    size_t n = rd_remaining(v);
    const uint8_t *p = rd_ptr(v);
    if (n == 0 || n > 3 || (p[0] & 0x80) || (n == 3 && p[0] != 0))
        return -1;
    uint32_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = x << 8 | p[i];
    if (x > 0xffff)
        return -1;
    *out = (uint16_t)x;
    return 0;
}

static int octets(struct reader *v, uint8_t *out, size_t n)
{
    return rd_remaining(v) == n ? rd_copy(v, out, n) : -1;
}

static int parse_tcb(struct reader *seq, struct dcap_pck_ext *e, struct as_error *err)
{
    unsigned seen = 0; /* bit k-1 for component k, bit 16 pcesvn, bit 17 cpusvn */
    while (!rd_eof(seq)) {
        struct reader item, oid, val;
        uint8_t arcs[2], tag;
        if (der_expect(seq, TAG_SEQUENCE, &item) < 0 || der_expect(&item, TAG_OID, &oid) < 0 ||
            der_tlv(&item, &tag, &val) < 0)
            return bad(err, "malformed TCB entry");
        if (sgx_oid_arcs(&oid, arcs, 2) < 0 || arcs[0] != 2)
            continue;
        uint16_t x;
        unsigned k = arcs[1];
        if (k >= 1 && k <= 17) {
            if (tag != TAG_INTEGER || der_small_uint(&val, &x) < 0 || (k <= 16 && x > 255))
                return bad(err, "TCB component is not a small INTEGER");
            if (k <= 16)
                e->comp_svn[k - 1] = (uint8_t)x;
            else
                e->pcesvn = x;
            seen |= 1u << (k - 1);
        } else if (k == 18) {
            if (tag != TAG_OCTET_STRING || octets(&val, e->cpusvn, 16) < 0)
                return bad(err, "CPUSVN is not a 16-byte OCTET STRING");
            seen |= 1u << 17;
        }
    }
    if (seen != 0x3ffff)
        return bad(err, "TCB lacks a component SVN, PCESVN or CPUSVN");
    return 0;
}

static int parse_config(struct reader *seq, struct dcap_pck_ext *e, struct as_error *err)
{
    while (!rd_eof(seq)) {
        struct reader item, oid, val;
        uint8_t arcs[2];
        if (der_expect(seq, TAG_SEQUENCE, &item) < 0 || der_expect(&item, TAG_OID, &oid) < 0 ||
            der_expect(&item, TAG_BOOLEAN, &val) < 0 || rd_remaining(&val) != 1)
            return bad(err, "malformed configuration entry");
        if (sgx_oid_arcs(&oid, arcs, 2) < 0 || arcs[0] != 7)
            continue;
        enum dcap_flag f = rd_ptr(&val)[0] ? FLAG_TRUE : FLAG_FALSE;
        if (arcs[1] == 1)
            e->dynamic_platform = f;
        else if (arcs[1] == 2)
            e->cached_keys = f;
        else if (arcs[1] == 3)
            e->smt_enabled = f;
    }
    return 0;
}

static int parse_member(uint8_t n, uint8_t tag, struct reader *val, struct dcap_pck_ext *e,
                        unsigned *have, struct as_error *err)
{
    uint16_t x;
    switch (n) {
    case 1:
        if (tag != TAG_OCTET_STRING || octets(val, e->ppid, 16) < 0)
            return bad(err, "PPID is not a 16-byte OCTET STRING");
        *have |= PCK_HAVE_PPID;
        return 0;
    case 2:
        if (tag != TAG_SEQUENCE)
            return bad(err, "TCB is not a SEQUENCE");
        *have |= PCK_HAVE_TCB;
        return parse_tcb(val, e, err);
    case 3:
        if (tag != TAG_OCTET_STRING || octets(val, e->pceid, 2) < 0)
            return bad(err, "PCE-ID is not a 2-byte OCTET STRING");
        *have |= PCK_HAVE_PCEID;
        return 0;
    case 4:
        if (tag != TAG_OCTET_STRING || octets(val, e->fmspc, 6) < 0)
            return bad(err, "FMSPC is not a 6-byte OCTET STRING");
        *have |= PCK_HAVE_FMSPC;
        return 0;
    case 5:
        if (tag != TAG_ENUMERATED || der_small_uint(val, &x) < 0 || x > 2)
            return bad(err, "SGX type is not 0, 1 or 2");
        e->sgx_type = x;
        *have |= PCK_HAVE_TYPE;
        return 0;
    case 6:
        if (tag != TAG_OCTET_STRING || octets(val, e->platform_instance_id, 16) < 0)
            return bad(err, "platform instance id is not a 16-byte OCTET STRING");
        e->has_platform_instance_id = true;
        return 0;
    case 7:
        if (tag != TAG_SEQUENCE)
            return bad(err, "configuration is not a SEQUENCE");
        return parse_config(val, e, err);
    default:
        return 0;
    }
}

int dcap_pck_ext_parse(const uint8_t *der, size_t len, struct dcap_pck_ext *out,
                       struct as_error *err)
{
    struct reader r, seq;
    unsigned have = 0;
    memset(out, 0, sizeof *out);
    rd_init(&r, der, len);
    if (der_expect(&r, TAG_SEQUENCE, &seq) < 0 || !rd_eof(&r))
        return bad(err, "not a DER SEQUENCE");
    while (!rd_eof(&seq)) {
        struct reader item, oid, val;
        uint8_t arc, tag;
        if (der_expect(&seq, TAG_SEQUENCE, &item) < 0 || der_expect(&item, TAG_OID, &oid) < 0 ||
            der_tlv(&item, &tag, &val) < 0)
            return bad(err, "malformed member");
        if (sgx_oid_arcs(&oid, &arc, 1) < 0)
            continue;
        TRY(parse_member(arc, tag, &val, out, &have, err));
    }
    if (have != PCK_HAVE_ALL)
        return bad(err, "missing PPID, TCB, PCE-ID, FMSPC or SGX type");
    return 0;
}

const char *dcap_sgx_type_name(int sgx_type)
{
    switch (sgx_type) {
    case SGX_TYPE_STANDARD: return "Standard";
    case SGX_TYPE_SCALABLE: return "Scalable";
    case SGX_TYPE_SCALABLE_INTEGRITY: return "Scalable with Integrity";
    default: return "Unknown";
    }
}
