#include "common/schema_check.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Paths longer than this are cut (marked "..."): a report must still say where it is. */
#define PATH_MAX_BYTES 512

typedef struct checker {
    const fo_schema *schema;
    fo_schema_report_fn report;
    void *ctx;
    size_t problems;
    char path[PATH_MAX_BYTES];
} checker;

static void report(checker *c, const char *problem)
{
    c->problems++;
    if (c->report)
        c->report(c->ctx, c->path, problem);
}

/* Append a step to the path (".name", "[name]" or "[i]"); returns the length to restore. */
static size_t push(checker *c, const char *fmt_open, const char *text, size_t text_len,
                   const char *close)
{
    size_t len = strlen(c->path);
    int n = snprintf(c->path + len, sizeof c->path - len, "%s%.*s%s", fmt_open, (int)text_len, text,
                     close);
    if (n < 0 || (size_t)n >= sizeof c->path - len)
        memcpy(c->path + sizeof c->path - 4, "...", 4);
    return len;
}

static const fo_schema_member *find_member(const fo_schema *s, const fo_schema_node *n,
                                           const char *key, size_t key_len)
{
    size_t lo = n->first, hi = (size_t)n->first + n->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *name = s->members[mid].name;
        size_t name_len = strlen(name);
        /* byte order, as strcmp sorted the names; a key holding NUL equals no name */
        int cmp = memcmp(name, key, name_len < key_len ? name_len : key_len);
        if (cmp == 0)
            cmp = (name_len > key_len) - (name_len < key_len);
        if (cmp == 0)
            return &s->members[mid];
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* An integer, or a real the API server takes as one: whole and within +-2^53. */
static bool integral(const json_t *v)
{
    if (json_is_integer(v))
        return true;
    double d = json_real_value(v);
    return json_is_real(v) && isfinite(d) && fabs(d) <= 9007199254740992.0 && d == floor(d);
}

/* item: v is an element of a list. The API server drops a null member of an object or map
 * (none of these schemas is nullable) but refuses a null element. */
static void check(checker *c, uint32_t index, const json_t *v, bool item)
{
    if (!v || index >= c->schema->nnodes)
        return;
    const fo_schema_node *n = &c->schema->nodes[index];
    if (json_is_null(v)) {
        if (item && n->kind != FO_SCHEMA_ANY)
            report(c, "must not be null");
        return;
    }
    switch ((fo_schema_kind)n->kind) {
    case FO_SCHEMA_ANY:
        return;
    case FO_SCHEMA_STRING:
        if (!json_is_string(v))
            report(c, "must be a string");
        return;
    case FO_SCHEMA_INTEGER:
        if (!integral(v))
            report(c, "must be an integer");
        return;
    case FO_SCHEMA_NUMBER:
        if (!json_is_number(v))
            report(c, "must be a number");
        return;
    case FO_SCHEMA_BOOLEAN:
        if (!json_is_boolean(v))
            report(c, "must be true or false");
        return;
    case FO_SCHEMA_INT_OR_STRING:
        if (!json_is_string(v) && !integral(v))
            report(c, "must be an integer or a string");
        return;
    case FO_SCHEMA_ARRAY:
        if (!json_is_array(v)) {
            report(c, "must be a list");
            return;
        }
        for (size_t i = 0; i < json_array_size(v); i++) {
            char at[24];
            int len = snprintf(at, sizeof at, "%zu", i);
            size_t mark = push(c, "[", at, (size_t)len, "]");
            check(c, n->first, json_array_get(v, i), true);
            c->path[mark] = '\0';
        }
        return;
    case FO_SCHEMA_MAP:
    case FO_SCHEMA_OBJECT:
        break;
    }
    if (!json_is_object(v)) {
        report(c, "must be an object");
        return;
    }
    const char *key;
    size_t key_len;
    json_t *member;
    json_object_keylen_foreach((json_t *)v, key, key_len, member)
    {
        if (n->kind == FO_SCHEMA_MAP) {
            size_t mark = push(c, "[", key, key_len, "]");
            check(c, n->first, member, false);
            c->path[mark] = '\0';
            continue;
        }
        const fo_schema_member *m = find_member(c->schema, n, key, key_len);
        if (!m && n->preserve_unknown)
            continue;
        size_t mark = push(c, c->path[0] ? "." : "", key, key_len, "");
        if (m)
            check(c, m->node, member, false);
        else
            report(c, "unknown field (the API server would drop it)");
        c->path[mark] = '\0';
    }
}

size_t fo_schema_check(const fo_schema *schema, const json_t *value, const char *path,
                       fo_schema_report_fn report_fn, void *ctx)
{
    checker c = {.schema = schema, .report = report_fn, .ctx = ctx};
    snprintf(c.path, sizeof c.path, "%s", path ? path : "");
    if (schema && schema->nnodes)
        check(&c, 0, value, false);
    return c.problems;
}
