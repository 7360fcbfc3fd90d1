/* fuzz_snp_certtable.c - libFuzzer target for the GHCB certificate table
 * parser, the KDS answer shape check and the VCEK/VLEK extension reader:
 * every entry must lie inside the input, and whatever certificate an entry
 * holds is read without crashing. */
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "verifier/common/x509.h"
#include "verifier/snp/snp_cert.h"
#include "verifier/snp/snp_kds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct snp_cert_entry e[SNP_CERT_TABLE_MAX];
    size_t n = 0;
    struct as_error err;
    (void)snp_kds_one_der_sequence(data, size); /* the KDS answer shape check */
    if (snp_cert_table_parse(data, size, e, &n, &err) < 0) {
        /* Not a table: treat the whole input as one certificate. */
        e[0].data = data;
        e[0].len = size;
        n = 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (e[i].data < data || e[i].data + e[i].len > data + size)
            __builtin_trap();
        X509 *x = x509_cert_parse(e[i].data, e[i].len, &err);
        if (x) {
            struct snp_vek_info info;
            snp_vek_info_read(x, &info);
            X509_free(x);
        }
    }
    return 0;
}
