/* intel_root.c - the pinned Intel SGX Root CA, trust anchor of every
 * DCAP PCK, CRL and TCB-signing chain.
 *
 * Public certificate published by Intel at
 * https://certificates.trustedservices.intel.com/Intel_SGX_Provisioning_Certification_RootCA.cer
 * CN=Intel SGX Root CA, O=Intel Corporation, serial
 * 22650CD65A9D3489F383B49552BF501B392706AC, valid 2018-05-21..2049-12-31,
 * SHA-256 fingerprint
 * 44:A0:19:6B:2B:99:F8:89:B8:E1:49:E9:5B:80:7A:35:0E:74:24:96:43:99:E8:85:A7:CB:B8:CC:FA:B6:74:D3.
 * Checked to be byte-identical to the root that ends the PCK chain of
 * every real quote in the test vectors and to the copies embedded by
 * independent public verifiers (go-tdx-guest, dcap-qvl, dcap-rs).  Intel
 * QVL pins the root by its public key; dcap_verify does the same. */
#include <pthread.h>

#include "verifier/dcap/collateral.h"

static const char INTEL_SGX_ROOT_CA_PEM[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIICjzCCAjSgAwIBAgIUImUM1lqdNInzg7SVUr9QGzknBqwwCgYIKoZIzj0EAwIw\n"
    "aDEaMBgGA1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENv\n"
    "cnBvcmF0aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJ\n"
    "BgNVBAYTAlVTMB4XDTE4MDUyMTEwNDUxMFoXDTQ5MTIzMTIzNTk1OVowaDEaMBgG\n"
    "A1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENvcnBvcmF0\n"
    "aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJBgNVBAYT\n"
    "AlVTMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEC6nEwMDIYZOj/iPWsCzaEKi7\n"
    "1OiOSLRFhWGjbnBVJfVnkY4u3IjkDYYL0MxO4mqsyYjlBalTVYxFP2sJBK5zlKOB\n"
    "uzCBuDAfBgNVHSMEGDAWgBQiZQzWWp00ifODtJVSv1AbOScGrDBSBgNVHR8ESzBJ\n"
    "MEegRaBDhkFodHRwczovL2NlcnRpZmljYXRlcy50cnVzdGVkc2VydmljZXMuaW50\n"
    "ZWwuY29tL0ludGVsU0dYUm9vdENBLmRlcjAdBgNVHQ4EFgQUImUM1lqdNInzg7SV\n"
    "Ur9QGzknBqwwDgYDVR0PAQH/BAQDAgEGMBIGA1UdEwEB/wQIMAYBAf8CAQEwCgYI\n"
    "KoZIzj0EAwIDSQAwRgIhAOW/5QkR+S9CiSDcNoowLuPRLsWGf/Yi7GSX94BgwTwg\n"
    "AiEA4J0lrHoMs+Xo5o/sX6O9QWxHRAvZUGOdRQ7cvqRXaqI=\n"
    "-----END CERTIFICATE-----\n"
    ;

static X509 *root;
static pthread_once_t root_once = PTHREAD_ONCE_INIT;

static void root_load(void)
{
    root = x509_cert_parse((const uint8_t *)INTEL_SGX_ROOT_CA_PEM,
                           sizeof INTEL_SGX_ROOT_CA_PEM - 1, NULL);
}

X509 *dcap_intel_root(void)
{
    pthread_once(&root_once, root_load);
    return root;
}
