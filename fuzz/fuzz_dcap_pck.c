/* fuzz_dcap_pck.c - libFuzzer target: the DER walker for the PCK
 * certificate's SGX extension, and X.509 certificate/CRL decoding. */
#include <stddef.h>
#include <stdint.h>

#include "verifier/common/x509.h"
#include "verifier/dcap/pck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dcap_pck_ext ext;
    struct as_error err;
    dcap_pck_ext_parse(data, size, &ext, &err);
    X509 *x = x509_cert_parse(data, size, &err);
    X509_free(x);
    X509_CRL *c = x509_crl_parse(data, size, &err);
    X509_CRL_free(c);
    return 0;
}
