/* log.c - see log.h */
#include "base/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_TARGETS 16

static enum log_level g_default = LOG_INFO;
static struct {
    char name[64];
    enum log_level lvl;
} g_targets[MAX_TARGETS];
static int g_ntargets;
static _Thread_local uint64_t t_request_id;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static int parse_level(const char *s, size_t n, enum log_level *out)
{
    static const char *names[] = {"off", "error", "warn", "info", "debug", "trace"};
    for (int i = 0; i < 6; i++) {
        if (strlen(names[i]) == n && strncasecmp(s, names[i], n) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

void log_init(const char *spec)
{
    g_default = LOG_INFO;
    g_ntargets = 0;
    if (!spec || !*spec)
        return;
    const char *p = spec;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        enum log_level lvl;
        if (eq) {
            size_t tn = (size_t)(eq - p);
            if (parse_level(eq + 1, n - tn - 1, &lvl) == 0 && g_ntargets < MAX_TARGETS &&
                tn < sizeof(g_targets[0].name)) {
                memcpy(g_targets[g_ntargets].name, p, tn);
                g_targets[g_ntargets].name[tn] = '\0';
                g_targets[g_ntargets].lvl = lvl;
                g_ntargets++;
            }
        } else if (parse_level(p, n, &lvl) == 0) {
            g_default = lvl;
        } else if (n > 0 && g_ntargets < MAX_TARGETS && n < sizeof(g_targets[0].name)) {
            /* a bare target name enables everything for it */
            memcpy(g_targets[g_ntargets].name, p, n);
            g_targets[g_ntargets].name[n] = '\0';
            g_targets[g_ntargets].lvl = LOG_TRACE;
            g_ntargets++;
        }
        p += n;
        if (*p == ',')
            p++;
    }
}

int log_enabled(enum log_level lvl, const char *target)
{
    enum log_level max = g_default;
    size_t best = 0;
    for (int i = 0; i < g_ntargets; i++) {
        size_t n = strlen(g_targets[i].name);
        if (target && strncmp(target, g_targets[i].name, n) == 0 &&
            (target[n] == '\0' || target[n] == ':') && n >= best) {
            best = n;
            max = g_targets[i].lvl;
        }
    }
    return lvl != LOG_OFF && lvl <= max;
}

void log_set_request_id(uint64_t id) { t_request_id = id; }
uint64_t log_request_id(void) { return t_request_id; }

void log_msg(enum log_level lvl, const char *target, const char *fmt, ...)
{
    if (!log_enabled(lvl, target))
        return;
    static const char *names[] = {"OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"};
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char line[2048];
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, names[lvl]);
    if (t_request_id && n > 0 && (size_t)n < sizeof(line))
        n += snprintf(line + n, sizeof(line) - (size_t)n, "[req %llu] ",
                      (unsigned long long)t_request_id);
    if (n > 0 && (size_t)n < sizeof(line))
        n += snprintf(line + n, sizeof(line) - (size_t)n, "%s: ", target ? target : "restful_as");
    if (n > 0 && (size_t)n < sizeof(line)) {
        va_list ap;
        va_start(ap, fmt);
        n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
        va_end(ap);
    }
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof(line) - 1 ? (size_t)n : sizeof(line) - 2;
    /* keep one line per message: control characters from clients are masked */
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)line[i] < 0x20)
            line[i] = ' ';
    line[len] = '\n';
    pthread_mutex_lock(&g_lock);
    fwrite(line, 1, len + 1, stderr);
    pthread_mutex_unlock(&g_lock);
}
