/* pck.h - the Intel SGX extensions of a PCK certificate (OID
 * 1.2.840.113741.1.13.1, "Intel SGX PCK Certificate and Certificate
 * Revocation List Profile"): PPID, TCB (16 component SVNs, PCESVN,
 * CPUSVN), PCE-ID, FMSPC, SGX type, and for Platform-CA certificates the
 * platform instance id and configuration flags.
 *
 * The parser is a small DER walker over the bounds-checked reader; it
 * takes the extension's value bytes (x509_ext_value). */
#ifndef AS_VERIFIER_DCAP_PCK_H
#define AS_VERIFIER_DCAP_PCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define DCAP_SGX_EXT_OID "1.2.840.113741.1.13.1"

enum dcap_sgx_type { SGX_TYPE_STANDARD = 0, SGX_TYPE_SCALABLE = 1, SGX_TYPE_SCALABLE_INTEGRITY = 2 };

/* A configuration flag: absent, false or true. */
enum dcap_flag { FLAG_ABSENT = 0, FLAG_FALSE, FLAG_TRUE };

struct dcap_pck_ext {
    uint8_t ppid[16];
    uint8_t comp_svn[16]; /* sgxtcbcomp01svn .. 16 */
    uint16_t pcesvn;
    uint8_t cpusvn[16];
    uint8_t pceid[2];
    uint8_t fmspc[6];
    int sgx_type; /* enum dcap_sgx_type */
    bool has_platform_instance_id;
    uint8_t platform_instance_id[16];
    enum dcap_flag dynamic_platform, cached_keys, smt_enabled;
};

/* Parses the extension value.  PPID, TCB, PCE-ID, FMSPC and SGX type are
 * required.  400 invalid_evidence on malformed or incomplete input. */
int dcap_pck_ext_parse(const uint8_t *der, size_t len, struct dcap_pck_ext *out,
                       struct as_error *err);

const char *dcap_sgx_type_name(int sgx_type);

#endif
