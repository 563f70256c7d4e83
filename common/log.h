#ifndef FO_LOG_H
#define FO_LOG_H

/* Structured logging: one JSON object per line on stderr (or a sink set for tests).
 *
 *     {"ts":"2026-04-20T09:15:02.123000Z","level":"info","component":"controller",
 *      "msg":"job submitted: 3f2a...","kind":"FlinkDeployment","namespace":"ns","name":"x"}
 *
 * Messages are lower case, say what happened first, and have no full stop. A worker sets the
 * reconcile context once per pass with fo_log_ctx_set; it is thread-local and added to every
 * line that thread writes until fo_log_ctx_clear. Never log tokens, keys or Secret data.
 * All functions are thread-safe; each line is written with a single write(2). */

#include <jansson.h>
#include <stdbool.h>

typedef enum fo_log_level {
    FO_LOG_DEBUG = 0,
    FO_LOG_INFO,
    FO_LOG_WARN,
    FO_LOG_ERROR,
} fo_log_level;

/* Lines below this level are dropped. Default: FO_LOG_INFO. */
void fo_log_set_level(fo_log_level level);
fo_log_level fo_log_get_level(void);
bool fo_log_enabled(fo_log_level level);

/* Parse "debug", "info", "warn"/"warning", "error" (case-insensitive). */
bool fo_log_parse_level(const char *s, fo_log_level *out);

/* The "component" field of every line (e.g. "webhook"). The string is copied. */
void fo_log_set_component(const char *component);

/* Send lines to fd instead of stderr (tests). -1 restores stderr. */
void fo_log_set_fd(int fd);

/* Thread-local reconcile context; any argument may be NULL. Strings are copied. */
void fo_log_ctx_set(const char *kind, const char *ns, const char *name, const char *reconcile_id);
void fo_log_ctx_clear(void);

/* Write a line at level with a printf-style message. */
void fo_log(fo_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Same, with extra fields: every member of the object `fields` (borrowed, may be NULL) is
 * added to the line. */
void fo_log_fields(fo_log_level level, const json_t *fields, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define fo_log_debug(...) fo_log(FO_LOG_DEBUG, __VA_ARGS__)
#define fo_log_info(...) fo_log(FO_LOG_INFO, __VA_ARGS__)
#define fo_log_warn(...) fo_log(FO_LOG_WARN, __VA_ARGS__)
#define fo_log_error(...) fo_log(FO_LOG_ERROR, __VA_ARGS__)

#endif
