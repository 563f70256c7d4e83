#include "common/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"

#define FO_LOG_LINE_MAX (64u * 1024)
#define FO_LOG_CTX_MAX 256

static atomic_int current_level = FO_LOG_INFO;
static atomic_int sink_fd = -1;
static char component[64];
static pthread_mutex_t component_mu = PTHREAD_MUTEX_INITIALIZER;

static _Thread_local struct {
    bool set;
    char kind[64];
    char ns[FO_LOG_CTX_MAX];
    char name[FO_LOG_CTX_MAX];
    char reconcile_id[64];
} ctx;

void fo_log_set_level(fo_log_level level)
{
    atomic_store(&current_level, (int)level);
}

fo_log_level fo_log_get_level(void)
{
    return (fo_log_level)atomic_load(&current_level);
}

bool fo_log_enabled(fo_log_level level)
{
    return (int)level >= atomic_load(&current_level);
}

bool fo_log_parse_level(const char *s, fo_log_level *out)
{
    static const struct {
        const char *name;
        fo_log_level level;
    } names[] = {
        {"debug", FO_LOG_DEBUG}, {"info", FO_LOG_INFO},   {"warn", FO_LOG_WARN},
        {"warning", FO_LOG_WARN}, {"error", FO_LOG_ERROR},
    };
    if (!s)
        return false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].level;
            return true;
        }
    }
    return false;
}

void fo_log_set_component(const char *c)
{
    pthread_mutex_lock(&component_mu);
    snprintf(component, sizeof component, "%s", c ? c : "");
    pthread_mutex_unlock(&component_mu);
}

void fo_log_set_fd(int fd)
{
    atomic_store(&sink_fd, fd);
}

static void copy_field(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

void fo_log_ctx_set(const char *kind, const char *ns, const char *name, const char *reconcile_id)
{
    ctx.set = true;
    copy_field(ctx.kind, sizeof ctx.kind, kind);
    copy_field(ctx.ns, sizeof ctx.ns, ns);
    copy_field(ctx.name, sizeof ctx.name, name);
    copy_field(ctx.reconcile_id, sizeof ctx.reconcile_id, reconcile_id);
}

void fo_log_ctx_clear(void)
{
    ctx.set = false;
}

static const char *level_name(fo_log_level level)
{
    switch (level) {
    case FO_LOG_DEBUG: return "debug";
    case FO_LOG_INFO: return "info";
    case FO_LOG_WARN: return "warn";
    case FO_LOG_ERROR: return "error";
    }
    return "info";
}

static void put_field(fo_strbuf *sb, const char *key, const char *value)
{
    if (!value || !*value)
        return;
    fo_strbuf_putc(sb, ',');
    fo_strbuf_put_json_str(sb, key);
    fo_strbuf_putc(sb, ':');
    fo_strbuf_put_json_str(sb, value);
}

/* What a line keeps free for its end ("}\n") while its fields are written. */
#define LINE_END_BYTES 2
/* A caller's string field longer than this is written after the others, so that a text too
 * large for the line (a denial listing every field error) is the one cut and the short fields
 * after it (verdict, latency) are kept. */
#define LARGE_TEXT_BYTES 4096
/* Large texts of one line that share its room; more are left out. */
#define LARGE_TEXTS_MAX 8

/* One field of the caller's, `,"key":value`, with the line at most `end` bytes long after it: a
 * string value too long for the room left is cut (at a character) and ends in "...", any other
 * value too large is left out. Either way the line stays one JSON object: a value that failed
 * to fit used to leave `"key":` with nothing after it. */
static void put_value(fo_strbuf *sb, const char *key, const json_t *value, size_t end)
{
    size_t mark = sb->len;
    char *text = fo_json_dumps_compact(value);
    fo_rc rc = text ? fo_strbuf_putc(sb, ',') : FO_ENOMEM;
    if (rc == FO_OK)
        rc = fo_strbuf_put_json_str(sb, key);
    if (rc == FO_OK)
        rc = fo_strbuf_putc(sb, ':');
    size_t value_at = sb->len;
    bool keyed = rc == FO_OK;
    if (keyed)
        rc = fo_strbuf_puts(sb, text);
    free(text);
    if (rc == FO_OK && sb->len <= end)
        return;
    if (!keyed || rc == FO_ENOMEM || value_at > end || !json_is_string(value)) {
        fo_strbuf_truncate(sb, mark);
        return;
    }
    /* Escapes take up to 6 bytes a byte: halve the cut until its escaped text fits. */
    const char *s = json_string_value(value);
    size_t len = strlen(s);
    size_t room = end - value_at;
    /* the quotes and the "..." around the cut */
    for (size_t want = room > 5 ? room - 5 : 0; want > 0; want /= 2) {
        fo_strbuf_truncate(sb, value_at);
        size_t n = fo_utf8_prefix(s, len, want);
        char *cut = malloc(n + 4);
        if (!cut)
            break;
        memcpy(cut, s, n);
        memcpy(cut + n, "...", 4);
        rc = fo_strbuf_put_json_str(sb, cut);
        free(cut);
        if (rc == FO_OK && sb->len <= end)
            return;
    }
    fo_strbuf_truncate(sb, mark);
}

typedef struct large_text {
    const char *key;
    const json_t *value;
    size_t len;
} large_text;

/* The caller's fields: the short ones in their order, then the large texts, shortest first,
 * each given an equal share of the room the others left (one that needs less leaves the rest
 * to those after it). */
static void put_fields(fo_strbuf *sb, const json_t *fields)
{
    size_t end = sb->limit - LINE_END_BYTES;
    large_text large[LARGE_TEXTS_MAX];
    size_t nlarge = 0;
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)fields, key, value) {
        size_t len = json_is_string(value) ? json_string_length(value) : 0;
        if (len <= LARGE_TEXT_BYTES) {
            put_value(sb, key, value, end);
        } else if (nlarge < LARGE_TEXTS_MAX) {
            size_t i = nlarge++;
            for (; i > 0 && large[i - 1].len > len; i--)
                large[i] = large[i - 1];
            large[i] = (large_text){key, value, len};
        }
    }
    for (size_t i = 0; i < nlarge && sb->len < end; i++)
        put_value(sb, large[i].key, large[i].value, sb->len + (end - sb->len) / (nlarge - i));
}

static void write_line(fo_log_level level, const json_t *fields, const char *fmt, va_list ap)
{
    char msg[8192];
    vsnprintf(msg, sizeof msg, fmt, ap);
    char ts[40];
    fo_clock_format_rfc3339(fo_clock_now_ms(fo_clock_real()), true, ts, sizeof ts);

    fo_strbuf sb;
    fo_strbuf_init(&sb, FO_LOG_LINE_MAX);
    fo_strbuf_puts(&sb, "{\"ts\":\"");
    fo_strbuf_puts(&sb, ts);
    fo_strbuf_puts(&sb, "\",\"level\":\"");
    fo_strbuf_puts(&sb, level_name(level));
    fo_strbuf_putc(&sb, '"');
    char comp[64];
    pthread_mutex_lock(&component_mu);
    memcpy(comp, component, sizeof comp);
    pthread_mutex_unlock(&component_mu);
    put_field(&sb, "component", comp);
    put_field(&sb, "msg", msg);
    if (ctx.set) {
        put_field(&sb, "kind", ctx.kind);
        put_field(&sb, "namespace", ctx.ns);
        put_field(&sb, "name", ctx.name);
        put_field(&sb, "reconcile_id", ctx.reconcile_id);
    }
    if (fields && json_is_object(fields))
        put_fields(&sb, fields);
    fo_strbuf_puts(&sb, "}\n");
    int fd = atomic_load(&sink_fd);
    if (fd < 0)
        fd = STDERR_FILENO;
    /* A line that hit the size limit is cut; end it so the next line stays parseable. */
    if (sb.len == 0 || sb.data[sb.len - 1] != '\n') {
        fo_strbuf_reset(&sb);
        fo_strbuf_printf(&sb, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"log line too long\"}\n",
                         ts, level_name(level));
    }
    ssize_t off = 0;
    while (off < (ssize_t)sb.len) {
        ssize_t n = write(fd, sb.data + off, sb.len - (size_t)off);
        if (n <= 0)
            break;
        off += n;
    }
    fo_strbuf_release(&sb);
}

void fo_log(fo_log_level level, const char *fmt, ...)
{
    if (!fo_log_enabled(level))
        return;
    va_list ap;
    va_start(ap, fmt);
    write_line(level, NULL, fmt, ap);
    va_end(ap);
}

void fo_log_fields(fo_log_level level, const json_t *fields, const char *fmt, ...)
{
    if (!fo_log_enabled(level))
        return;
    va_list ap;
    va_start(ap, fmt);
    write_line(level, fields, fmt, ap);
    va_end(ap);
}
