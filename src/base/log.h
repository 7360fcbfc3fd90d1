/* log.h - leveled logging on stderr, configured from RUST_LOG.
 *
 * RUST_LOG accepts what the original accepts: a level (error|warn|info|
 * debug|trace|off) and/or comma separated `target=level` entries, e.g.
 * "warn,restful_as=debug".  A line is
 *   2026-11-27T20:29:32.123Z INFO  [req 42] target: message
 * The request id is per thread (log_set_request_id).  Never pass secrets
 * (private keys, key material) to these functions. */
#ifndef AS_BASE_LOG_H
#define AS_BASE_LOG_H

#include <stdint.h>

enum log_level { LOG_OFF = 0, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE };

/* Parses spec (NULL = default "info").  Unknown words are ignored, as the
 * original's env_logger does. */
void log_init(const char *spec);
int log_enabled(enum log_level lvl, const char *target);
void log_msg(enum log_level lvl, const char *target, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_set_request_id(uint64_t id); /* 0 = none */
uint64_t log_request_id(void);

#define LOG_E(target, ...) log_msg(LOG_ERROR, target, __VA_ARGS__)
#define LOG_W(target, ...) log_msg(LOG_WARN, target, __VA_ARGS__)
#define LOG_I(target, ...) log_msg(LOG_INFO, target, __VA_ARGS__)
#define LOG_D(target, ...) log_msg(LOG_DEBUG, target, __VA_ARGS__)
#define LOG_T(target, ...) log_msg(LOG_TRACE, target, __VA_ARGS__)

#endif
