/* ccel_details.h - the per-event-type part of V26 uefi_event_logs entries,
 * as trustee's eventlog crate (deps/eventlog @ V26) produces it:
 *
 *   details   decoded event data, by event type:
 *     EV_POST_CODE, EV_ACTION, EV_COMPACT_HASH, EV_OMIT_BOOT_DEVICE_EVENTS,
 *     EV_EFI_ACTION               {string}: the data as UTF-8 (must be UTF-8)
 *     EV_EVENT_TAG                {string}: tagged data, lossy UTF-8 without
 *                                 NULs; tag "AAEL" adds unicode_name "AAEL"
 *                                 and data {domain, operation, content}
 *     EV_PLATFORM_CONFIG_FLAGS    {string}: UTF-8 (else ""), U+0010 as a
 *                                 space, control characters dropped
 *     EV_IPL                      {string}: UTF-8 up to the first NUL (else
 *                                 the hex of the data); "2e00"-prefixed
 *                                 UTF-16 on Google Cloud
 *     EV_EFI_VARIABLE_DRIVER_CONFIG, _BOOT, _BOOT2, _AUTHORITY
 *                                 {unicode_name, unicode_name_length,
 *                                  variable_data (base64),
 *                                  variable_data_length, variable_name}
 *     EV_EFI_BOOT_SERVICES_APPLICATION  {device_paths: [...]} (device_path.h)
 *     EV_EFI_PLATFORM_FIRMWARE_BLOB2, EV_EFI_HANDOFF_TABLES2
 *                                 {string}: the description
 *     every other type            {}
 *   digest_matches_event  every digest equals the hash of the event data
 *                         (true when there is none).
 *
 * Data a type's decoder cannot read makes the whole log invalid, as it
 * makes trustee's parse fail; so do digests of algorithms other than
 * SHA-256/384/512 and SM3.  Both functions then return -1 with *why saying
 * what was wrong (*why = NULL: out of memory). */
#ifndef AS_VERIFIER_TDX_CCEL_DETAILS_H
#define AS_VERIFIER_TDX_CCEL_DETAILS_H

#include <stdbool.h>

#include "base/arena.h"
#include "value/value.h"
#include "verifier/tdx/ccel.h"

int ccel_event_details(struct arena *a, const struct ccel_event *e, struct value **out,
                       const char **why);
int ccel_digest_matches_event(const struct ccel_event *e, bool *out, const char **why);

#endif
