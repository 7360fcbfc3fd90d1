/* Unit tests for base/log.c: RUST_LOG parsing. */
#include <criterion/criterion.h>

#include "base/log.h"

Test(log, default_level_is_info)
{
    log_init(NULL);
    cr_assert(log_enabled(LOG_INFO, "restful_as"));
    cr_assert(!log_enabled(LOG_DEBUG, "restful_as"));
}

Test(log, targets_override_default)
{
    log_init("warn,restful_as=debug,attestation_service=off");
    cr_assert(log_enabled(LOG_DEBUG, "restful_as"));
    cr_assert(log_enabled(LOG_DEBUG, "restful_as::http"));
    cr_assert(!log_enabled(LOG_TRACE, "restful_as"));
    cr_assert(!log_enabled(LOG_INFO, "verifier"));
    cr_assert(log_enabled(LOG_WARN, "verifier"));
    cr_assert(!log_enabled(LOG_ERROR, "attestation_service"));
    cr_assert(!log_enabled(LOG_INFO, "restful_asx"));
}

Test(log, unknown_words_ignored_and_off)
{
    log_init("bogus=nonsense,off");
    cr_assert(!log_enabled(LOG_ERROR, "anything"));
    log_init("TRACE");
    cr_assert(log_enabled(LOG_TRACE, "anything"));
}
