/* pccs.h - where DCAP collateral comes from: the offline bundle given to
 * as-tool (--collateral), an Intel PCS/PCCS v4 service over HTTP (through
 * fetch/, so with its disk cache and stale fallback), or a file:// JSON
 * written by Intel's PCS Client Tool.
 *
 * Configuration, first found wins:
 *   verifier_config.dcap_verifier.collateral_service   (2026 config)
 *   the QCNL file (/etc/sgx_default_qcnl.conf format: collateral_service,
 *   else pccs_url; use_secure_cert, retry_times, retry_delay), whose path is
 *   verifier_config.dcap_verifier.qcnl_conf_path, else $QCNL_CONF_PATH,
 *   else /etc/sgx_default_qcnl.conf
 *   Intel PCS https://api.trustedservices.intel.com/sgx/certification/v4/
 * Also read: dcap_verifier.tcb_update_type ("early"|"standard"),
 * dcap_verifier.cache_dir (default <work_dir>/dcap-cache), and
 * dcap_verifier.offline (serve only from the disk cache).
 *
 * No collateral at all -> 503 upstream_unavailable naming the missing piece
 * and the URL tried. */
#ifndef AS_VERIFIER_DCAP_PCCS_H
#define AS_VERIFIER_DCAP_PCCS_H

#include "verifier/dcap/dcap_verify.h"
#include "verifier/verifier.h"

/* Gets verified collateral for the quote's platform (one reference). */
int dcap_collateral_for(const struct verify_ctx *ctx, const struct dcap_pck *pck, bool tdx,
                        struct dcap_collateral **out, struct as_error *err);

/* Percent-decoding of PCS issuer-chain headers (arena string). */
char *dcap_url_decode(struct arena *a, const char *s);

#endif
