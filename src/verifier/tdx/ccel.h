/* ccel.h - the TDX CC event log (ACPI CCEL table data): a TCG PC Client
 * crypto-agile event log (TCG PC Client Platform Firmware Profile §10)
 * whose "PCR index" is the CC measurement register: 0 = MRTD, 1..4 =
 * RTMR0..3 (UEFI 2.11 §38).
 *
 * Owns: parsing (bounds-checked; ends at an all-0x00 or all-0xFF word or
 * the end of the data), RTMR replay with the SHA-384 digests, the V24
 * claims (ccel.kernel, ccel.kernel_parameters) and the V26
 * uefi_event_logs array. */
#ifndef AS_VERIFIER_TDX_CCEL_H
#define AS_VERIFIER_TDX_CCEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "value/value.h"

#define CCEL_MAX_DIGESTS 8
#define TCG_ALG_RSA 0x0001
#define TCG_ALG_TDES 0x0003
#define TCG_ALG_SHA1 0x0004
#define TCG_ALG_SHA256 0x000b
#define TCG_ALG_SHA384 0x000c
#define TCG_ALG_SHA512 0x000d
#define TCG_ALG_SM3 0x0012

struct ccel_digest {
    uint16_t alg;
    const uint8_t *value;
    uint16_t len;
};

struct ccel_event {
    uint32_t index; /* CC MR index */
    uint32_t type;
    struct ccel_digest digests[CCEL_MAX_DIGESTS];
    size_t ndigests;
    const uint8_t *data;
    uint32_t data_len;
};

struct ccel {
    struct ccel_event *events; /* arena */
    size_t len;
    uint16_t spec_algs[CCEL_MAX_DIGESTS]; /* the Spec ID event's algorithms */
    size_t nspec_algs;
};

/* 400 invalid_evidence on malformed logs (named field and offset). */
int ccel_parse(struct arena *a, const uint8_t *data, size_t len, struct ccel *out,
               struct as_error *err);
/* Replays MR `index` (1..4 = RTMR0..3) with SHA-384 from 48 zero bytes. */
void ccel_replay_sha384(const struct ccel *log, uint32_t index, uint8_t out[48]);
/* True when MR `index` is one of RTMR0..nrtmr-1 (index 1..nrtmr). */
bool ccel_index_replayed(uint32_t index, int nrtmr);
/* 400 invalid_evidence if an event at MR index 1..4 has no SHA-384 digest
 * or repeats an algorithm; then replays RTMR0..nrtmr-1 and compares with
 * the quote's (rtmrs = 4 x 48 bytes); 403 evidence_verification_failed
 * naming the RTMR. */
int ccel_check_rtmrs(const struct ccel *log, const uint8_t *rtmrs, int nrtmr,
                     struct as_error *err);
/* V24 `ccel` object: {"kernel": hex, "kernel_parameters": {...}} (members
 * only when found), taken only from events at the replayed MR indexes 1..3;
 * "kernel" is the event's SHA-384 digest. */
int ccel_v24_claims(struct arena *a, const struct ccel *log, struct value **out,
                    struct as_error *err);
/* V26 `uefi_event_logs` array (details and digest rule: ccel_details.h) of
 * the events at MR indexes 1..4 (others are never replayed and dropped);
 * 400 invalid_evidence when an event's data cannot be decoded as its type
 * requires or an algorithm is not one trustee knows. */
int ccel_v26_claims(struct arena *a, const struct ccel *log, struct value **out,
                    struct as_error *err);
const char *ccel_event_type_name(uint32_t type);

#endif
