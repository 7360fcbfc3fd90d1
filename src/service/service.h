/* service.h - the attestation pipeline, one implementation for the HTTP
 * server (src/server) and the command line (as-tool).
 *
 * Every operation takes plain values and returns plain values or an
 * as_error whose status/type/detail the server sends as the JSON error
 * {"type","detail"} (api.md §10.2).  Nothing here knows about HTTP.
 *
 * One struct service exists per process; its operations are thread-safe
 * (many workers call them at once). */
#ifndef AS_SERVICE_SERVICE_H
#define AS_SERVICE_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "config/config.h"
#include "value/value.h"

struct service;

/* Creates work_dir (and work_dir/opa), writes the default policy if absent,
 * creates the token broker and the reference-value store. */
int service_new(const struct as_config *cfg, struct service **out, struct as_error *err);
void service_free(struct service *s);

/* POST /attestation: body is the parsed request JSON in the V24 single form
 * or the V26 batch form.  On success *token is the compact JWS (arena). */
int service_attestation(struct service *s, const struct value *body, struct arena *a,
                        char **token, struct as_error *err);

/* POST /challenge: {"tee","tee_params",...} -> challenge string ("" for all
 * TEEs but se). */
int service_challenge(struct service *s, const struct value *body, struct arena *a, char **out,
                      struct as_error *err);

/* POST /policy {"policy_id","policy"(base64url),"type"?}. */
int service_set_policy(struct service *s, const struct value *body, struct as_error *err);
/* GET /policy -> [{"policy-hash","policy-id"}...] */
int service_list_policies(struct service *s, struct arena *a, struct value **out,
                          struct as_error *err);
/* GET /policy/<id> -> the Rego source. */
int service_get_policy(struct service *s, const char *id, struct arena *a, char **text,
                       size_t *len, struct as_error *err);
/* DELETE /policy/<id>. */
int service_delete_policy(struct service *s, const char *id, struct as_error *err);

/* GET /.well-known/jwks.json */
int service_jwks(struct service *s, struct arena *a, struct value **out, struct as_error *err);

#endif
