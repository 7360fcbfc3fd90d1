/* rvps.h - the built-in reference value provider (config.md §4).
 *
 * Reference values are records stored per name:
 *   V24 {"version":"0.1.0","name":N,"expired":"YYYY-MM-DDTHH:MM:SSZ",
 *        "hash-value":[{"alg":"sha384","value":"<v>"},...]}
 *   V26 {"version":"0.1.0","name":N,"expiration":"...","value":<JSON>}
 * Lookup by exact name; an expired record counts as absent (in both modes;
 * V26 did not check expiry).  Backends:
 *   dir   - our LocalFs layout: one JSON file per name in a directory
 *           (<percent-encoded name>.json, store.h);
 *   json  - the V24 LocalJson file: a JSON array of records;
 *   memory- records held in memory (as-tool --reference-values).
 * An empty or missing store is valid and has no values.  A record that
 * cannot be parsed fails the lookup (500) rather than silently vanishing:
 * a missing reference value would make the default policy accept anything. */
#ifndef AS_RVPS_RVPS_H
#define AS_RVPS_RVPS_H

#include <stddef.h>
#include <time.h>

#include "base/arena.h"
#include "base/error.h"
#include "value/value.h"

#define RVPS_MAX_FILE (16u << 20)

struct rvps;

int rvps_open_dir(const char *dir, struct rvps **out, struct as_error *err);
int rvps_open_json_file(const char *path, struct rvps **out, struct as_error *err);
int rvps_open_memory(struct rvps **out, struct as_error *err);
void rvps_free(struct rvps *r);

/* Registration message {"version":"0.1.0","type":"sample","payload":b64}
 * (sample extractor: payload = std base64 of {"name":["v",...],...});
 * records expire 12 calendar months after now.  Errors are 400. */
int rvps_register(struct rvps *r, const struct value *message, time_t now, struct as_error *err);
/* V26 registration (config.md §4.2): the same envelope; the sample payload
 * is std base64 of {"name": <any JSON>, ...} and each value is stored as-is
 * in a V26 record expiring 12 calendar months after now. */
int rvps_register_v26(struct rvps *r, const struct value *message, time_t now,
                      struct as_error *err);
/* Stores one record (either layout above), replacing that name. */
int rvps_put_record(struct rvps *r, const struct value *record, struct as_error *err);

/* For each key: the array of reference values ([] when absent or expired).
 * *out = {key: [...], ...}. */
int rvps_lookup(struct rvps *r, const char *const *keys, size_t n, time_t now, struct arena *a,
                struct value **out, struct as_error *err);

/* V26 query_reference_value(name) (policy.md §3): the record's value as
 * stored (a V26 `value` of any JSON type; a V24 record gives the array of
 * its hash-value strings), or *out = NULL when the name is absent or the
 * record expired.  *out lives in a. */
int rvps_query(struct rvps *r, const char *name, time_t now, struct arena *a, struct value **out,
               struct as_error *err);

/* Record helpers (rvps_record.c). */
/* The stored value (see rvps_query), or NULL when expired at now. */
int rvps_record_value(const struct value *record, time_t now, struct arena *a,
                      struct value **value, struct as_error *err);
/* Values of a record, or NULL (with *expired = true) when expired at now. */
int rvps_record_values(const struct value *record, time_t now, struct arena *a,
                       struct value **values, struct as_error *err);
const char *rvps_record_name(const struct value *record);
/* "YYYY-MM-DDTHH:MM:SSZ" <-> time_t (UTC). */
int rvps_parse_time(const char *s, size_t len, time_t *out);
void rvps_format_time(time_t t, char out[21]);
/* now + 12 calendar months (day clamped to the month's last day). */
time_t rvps_default_expiry(time_t now);
/* Builds the V24 record for name and string values. */
struct value *rvps_record_make(struct arena *a, const char *name, const struct value *values,
                               time_t expires);
/* Builds the V26 record {"version","name","expiration","value"}. */
struct value *rvps_record_make_v26(struct arena *a, const char *name, const struct value *value,
                                   time_t expires);

#endif
