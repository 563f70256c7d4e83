#include "common/labels.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

/* Grammar and semantics follow k8s.io/apimachinery/pkg/labels (selector.go) and the
 * "Labels and Selectors" concept page: equality-based (=, ==, !=) and set-based (in, notin,
 * exists, !exists) requirements joined by ',' (AND); `!=` and `notin` also match objects
 * without the key. The parser also accepts the numeric `>` / `<` requirements that
 * apimachinery accepts. */

typedef enum req_op {
    OP_EQ,
    OP_NEQ,
    OP_IN,
    OP_NOTIN,
    OP_EXISTS,
    OP_NOT_EXISTS,
    OP_GT,
    OP_LT,
} req_op;

typedef struct req {
    char *key;
    req_op op;
    char **values; /* OP_EQ/OP_NEQ: one; OP_IN/OP_NOTIN: one or more */
    size_t nvalues;
    long long number; /* OP_GT/OP_LT */
} req;

struct fo_label_selector {
    req *reqs;
    size_t n;
    bool nothing; /* a null metav1.LabelSelector selects nothing */
};

/* ---- validity (apimachinery validation: IsQualifiedName, IsValidLabelValue) ---------- */

#define NAME_MAX_LEN 63
#define PREFIX_MAX_LEN 253

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], at most 63 characters. */
static bool name_valid(const char *s, size_t len)
{
    if (len == 0 || len > NAME_MAX_LEN)
        return false;
    if (!is_alnum(s[0]) || !is_alnum(s[len - 1]))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return false;
    return true;
}

/* RFC 1123 subdomain: lower-case labels of [a-z0-9-] starting and ending alphanumeric,
 * joined by '.', at most 253 characters. */
static bool dns_subdomain_valid(const char *s, size_t len)
{
    if (len == 0 || len > PREFIX_MAX_LEN)
        return false;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.') {
            char c = s[i];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
                return false;
            continue;
        }
        if (i == start || s[start] == '-' || s[i - 1] == '-')
            return false;
        start = i + 1;
    }
    return true;
}

bool fo_label_key_valid(const char *key)
{
    if (!key)
        return false;
    const char *slash = strchr(key, '/');
    if (!slash)
        return name_valid(key, strlen(key));
    if (strchr(slash + 1, '/'))
        return false;
    return dns_subdomain_valid(key, (size_t)(slash - key)) &&
           name_valid(slash + 1, strlen(slash + 1));
}

bool fo_label_value_valid(const char *value)
{
    if (!value)
        return false;
    size_t len = strlen(value);
    return len == 0 || name_valid(value, len);
}

/* ---- building ----------------------------------------------------------------------- */

static void req_release(req *r)
{
    free(r->key);
    for (size_t i = 0; i < r->nvalues; i++)
        free(r->values[i]);
    free(r->values);
}

void fo_label_selector_free(fo_label_selector *sel)
{
    if (!sel)
        return;
    for (size_t i = 0; i < sel->n; i++)
        req_release(&sel->reqs[i]);
    free(sel->reqs);
    free(sel);
}

static req *sel_add(fo_label_selector *sel)
{
    req *r = realloc(sel->reqs, (sel->n + 1) * sizeof *r);
    if (!r)
        return NULL;
    sel->reqs = r;
    r = &sel->reqs[sel->n++];
    memset(r, 0, sizeof *r);
    return r;
}

static bool req_add_value(req *r, const char *v, size_t len)
{
    char **vals = realloc(r->values, (r->nvalues + 1) * sizeof *vals);
    if (!vals)
        return false;
    r->values = vals;
    char *copy = strndup(v, len);
    if (!copy)
        return false;
    r->values[r->nvalues++] = copy;
    return true;
}

/* ---- string form -------------------------------------------------------------------- */

typedef enum tok_kind {
    T_END,
    T_IDENT,
    T_COMMA,
    T_OPEN,
    T_CLOSE,
    T_NOT, /* ! */
    T_EQ,  /* = */
    T_DEQ, /* == */
    T_NEQ, /* != */
    T_GT,  /* > */
    T_LT,  /* < */
} tok_kind;

typedef struct lexer {
    const char *text;
    size_t pos;
    /* the current token */
    tok_kind kind;
    size_t start, len;
} lexer;

static bool is_special(char c)
{
    return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '<' || c == '>';
}

static void lex(lexer *lx)
{
    const char *s = lx->text;
    while (s[lx->pos] && isspace((unsigned char)s[lx->pos]))
        lx->pos++;
    lx->start = lx->pos;
    char c = s[lx->pos];
    size_t len = 1;
    if (c == '\0') {
        lx->kind = T_END;
        len = 0;
    } else if (c == ',') {
        lx->kind = T_COMMA;
    } else if (c == '(') {
        lx->kind = T_OPEN;
    } else if (c == ')') {
        lx->kind = T_CLOSE;
    } else if (c == '>') {
        lx->kind = T_GT;
    } else if (c == '<') {
        lx->kind = T_LT;
    } else if (c == '!') {
        lx->kind = s[lx->pos + 1] == '=' ? T_NEQ : T_NOT;
        len = lx->kind == T_NEQ ? 2 : 1;
    } else if (c == '=') {
        lx->kind = s[lx->pos + 1] == '=' ? T_DEQ : T_EQ;
        len = lx->kind == T_DEQ ? 2 : 1;
    } else {
        lx->kind = T_IDENT;
        len = 0;
        while (s[lx->pos + len] && !isspace((unsigned char)s[lx->pos + len]) &&
               !is_special(s[lx->pos + len]))
            len++;
    }
    lx->len = len;
    lx->pos += len;
}

static bool tok_is(const lexer *lx, const char *word)
{
    return lx->kind == T_IDENT && lx->len == strlen(word) &&
           memcmp(lx->text + lx->start, word, lx->len) == 0;
}

/* Messages quote the selector and the offending text, but only so much of each that the
 * position and the reason always fit in the message (a selector may be 16 KiB long). */
#define SHOWN 200
#define SHOW(s) (int)(strlen(s) > SHOWN ? SHOWN : strlen(s)), (s), (strlen(s) > SHOWN ? "..." : "")
#define SHOWN_TOKEN 64

static fo_rc syntax(const lexer *lx, fo_err *err, const char *expected)
{
    if (lx->kind == T_END)
        return fo_err_set(err, FO_EINVAL,
                          "label selector \"%.*s%s\": unexpected end at position %zu, expected %s",
                          SHOW(lx->text), lx->start, expected);
    return fo_err_set(
        err, FO_EINVAL, "label selector \"%.*s%s\": found \"%.*s%s\" at position %zu, expected %s",
        SHOW(lx->text), (int)(lx->len > SHOWN_TOKEN ? SHOWN_TOKEN : lx->len), lx->text + lx->start,
        lx->len > SHOWN_TOKEN ? "..." : "", lx->start, expected);
}

static fo_rc check_key(const lexer *lx, const char *key, fo_err *err)
{
    if (fo_label_key_valid(key))
        return FO_OK;
    return fo_err_set(err, FO_EINVAL,
                      "label selector \"%.*s%s\": invalid label key \"%.*s%s\" at position %zu: a "
                      "name of at most 63 characters ([A-Za-z0-9] with '-', '_', '.' inside), "
                      "optionally prefixed by a DNS subdomain and '/'",
                      SHOW(lx->text), SHOW(key), lx->start);
}

static fo_rc check_value(const lexer *lx, const char *value, fo_err *err)
{
    if (fo_label_value_valid(value))
        return FO_OK;
    return fo_err_set(err, FO_EINVAL,
                      "label selector \"%.*s%s\": invalid label value \"%.*s%s\" at position %zu: "
                      "at most 63 characters ([A-Za-z0-9] with '-', '_', '.' inside), or empty",
                      SHOW(lx->text), SHOW(value), lx->start);
}

/* One value after =, == or != : an identifier, or nothing (the empty value) before ',' or
 * the end. */
static fo_rc parse_single_value(lexer *lx, req *r, fo_err *err)
{
    lex(lx);
    if (lx->kind == T_END || lx->kind == T_COMMA) {
        if (!req_add_value(r, "", 0))
            return fo_err_set(err, FO_ENOMEM, "out of memory");
        return FO_OK;
    }
    if (lx->kind != T_IDENT)
        return syntax(lx, err, "a value");
    if (!req_add_value(r, lx->text + lx->start, lx->len))
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    fo_rc rc = check_value(lx, r->values[0], err);
    if (rc == FO_OK)
        lex(lx);
    return rc;
}

/* "(" value ("," value)* ")" where a value may be empty ("(a,)" holds "a" and ""), as
 * apimachinery's parseIdentifiersList does; an empty list "()" is refused. */
static fo_rc parse_value_list(lexer *lx, req *r, fo_err *err)
{
    lex(lx);
    if (lx->kind != T_OPEN)
        return syntax(lx, err, "'('");
    lex(lx);
    if (lx->kind == T_CLOSE)
        return fo_err_set(err, FO_EINVAL,
                          "label selector \"%s\": 'in' and 'notin' need at least one value",
                          lx->text);
    for (;;) {
        if (lx->kind == T_IDENT) {
            if (!req_add_value(r, lx->text + lx->start, lx->len))
                return fo_err_set(err, FO_ENOMEM, "out of memory");
            fo_rc rc = check_value(lx, r->values[r->nvalues - 1], err);
            if (rc != FO_OK)
                return rc;
            lex(lx);
        } else if (lx->kind == T_COMMA || lx->kind == T_CLOSE) {
            if (!req_add_value(r, "", 0))
                return fo_err_set(err, FO_ENOMEM, "out of memory");
        } else {
            return syntax(lx, err, "a value, ',' or ')'");
        }
        if (lx->kind == T_CLOSE)
            break;
        if (lx->kind != T_COMMA)
            return syntax(lx, err, "',' or ')'");
        lex(lx);
    }
    lex(lx);
    return FO_OK;
}

static fo_rc parse_number(lexer *lx, req *r, fo_err *err)
{
    lex(lx);
    if (lx->kind != T_IDENT)
        return syntax(lx, err, "an integer");
    char buf[32];
    if (lx->len >= sizeof buf)
        return syntax(lx, err, "an integer");
    memcpy(buf, lx->text + lx->start, lx->len);
    buf[lx->len] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (errno || *end || end == buf)
        return syntax(lx, err, "an integer");
    r->number = v;
    lex(lx);
    return FO_OK;
}

static fo_rc parse_requirement(lexer *lx, fo_label_selector *sel, fo_err *err)
{
    req *r = sel_add(sel);
    if (!r)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    bool negated = false;
    if (lx->kind == T_NOT) {
        negated = true;
        lex(lx);
    }
    if (lx->kind != T_IDENT)
        return syntax(lx, err, negated ? "a label key" : "'!' or a label key");
    r->key = strndup(lx->text + lx->start, lx->len);
    if (!r->key)
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    fo_rc rc = check_key(lx, r->key, err);
    if (rc != FO_OK)
        return rc;
    lex(lx);
    if (negated) {
        r->op = OP_NOT_EXISTS;
        return FO_OK;
    }
    switch (lx->kind) {
    case T_END:
    case T_COMMA:
        r->op = OP_EXISTS;
        return FO_OK;
    case T_EQ:
    case T_DEQ:
        r->op = OP_EQ;
        return parse_single_value(lx, r, err);
    case T_NEQ:
        r->op = OP_NEQ;
        return parse_single_value(lx, r, err);
    case T_GT:
    case T_LT:
        r->op = lx->kind == T_GT ? OP_GT : OP_LT;
        return parse_number(lx, r, err);
    default:
        break;
    }
    if (tok_is(lx, "in") || tok_is(lx, "notin")) {
        r->op = tok_is(lx, "in") ? OP_IN : OP_NOTIN;
        return parse_value_list(lx, r, err);
    }
    return syntax(lx, err, "'=', '==', '!=', 'in', 'notin', ',' or the end");
}

fo_label_selector *fo_label_selector_parse(const char *text, fo_err *err)
{
    if (!text)
        text = "";
    size_t len = strlen(text);
    if (len > FO_LABEL_SELECTOR_MAX_LEN) {
        fo_err_set(err, FO_ELIMIT, "label selector of %zu bytes exceeds the limit of %d", len,
                   FO_LABEL_SELECTOR_MAX_LEN);
        return NULL;
    }
    fo_label_selector *sel = calloc(1, sizeof *sel);
    if (!sel) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    lexer lx = {.text = text};
    lex(&lx);
    if (lx.kind == T_END)
        return sel;
    for (;;) {
        if (parse_requirement(&lx, sel, err) != FO_OK)
            goto fail;
        if (lx.kind == T_END)
            return sel;
        if (lx.kind != T_COMMA) {
            syntax(&lx, err, "',' or the end");
            goto fail;
        }
        lex(&lx);
    }
fail:
    fo_label_selector_free(sel);
    return NULL;
}

/* ---- object form (metav1.LabelSelector) --------------------------------------------- */

static fo_rc parse_expression(fo_label_selector *sel, const json_t *e, size_t i, fo_err *err)
{
    if (!json_is_object(e))
        return fo_err_set(err, FO_EINVAL, "matchExpressions[%zu]: must be an object", i);
    const json_t *key = json_object_get(e, "key");
    const json_t *op = json_object_get(e, "operator");
    const json_t *values = json_object_get(e, "values");
    if (!json_is_string(key) || !fo_label_key_valid(json_string_value(key)))
        return fo_err_set(err, FO_EINVAL, "matchExpressions[%zu].key: must be a valid label key",
                          i);
    if (!json_is_string(op))
        return fo_err_set(err, FO_EINVAL, "matchExpressions[%zu].operator: must be a string", i);
    if (values && !json_is_null(values) && !json_is_array(values))
        return fo_err_set(err, FO_EINVAL, "matchExpressions[%zu].values: must be a list", i);
    const char *o = json_string_value(op);
    req_op rop;
    if (strcmp(o, "In") == 0)
        rop = OP_IN;
    else if (strcmp(o, "NotIn") == 0)
        rop = OP_NOTIN;
    else if (strcmp(o, "Exists") == 0)
        rop = OP_EXISTS;
    else if (strcmp(o, "DoesNotExist") == 0)
        rop = OP_NOT_EXISTS;
    else
        return fo_err_set(err, FO_EINVAL,
                          "matchExpressions[%zu].operator: unsupported value \"%s\": supported "
                          "values: \"In\", \"NotIn\", \"Exists\", \"DoesNotExist\"",
                          i, o);
    size_t nvals = json_array_size(values);
    if ((rop == OP_IN || rop == OP_NOTIN) && nvals == 0)
        return fo_err_set(err, FO_EINVAL,
                          "matchExpressions[%zu].values: must be specified when operator is %s", i,
                          o);
    if ((rop == OP_EXISTS || rop == OP_NOT_EXISTS) && nvals > 0)
        return fo_err_set(err, FO_EINVAL,
                          "matchExpressions[%zu].values: may not be specified when operator is %s",
                          i, o);
    req *r = sel_add(sel);
    if (!r || !(r->key = strdup(json_string_value(key))))
        return fo_err_set(err, FO_ENOMEM, "out of memory");
    r->op = rop;
    for (size_t j = 0; j < nvals; j++) {
        const json_t *v = json_array_get(values, j);
        if (!json_is_string(v) || !fo_label_value_valid(json_string_value(v)))
            return fo_err_set(err, FO_EINVAL,
                              "matchExpressions[%zu].values[%zu]: must be a valid label value", i,
                              j);
        if (!req_add_value(r, json_string_value(v), json_string_length(v)))
            return fo_err_set(err, FO_ENOMEM, "out of memory");
    }
    return FO_OK;
}

fo_label_selector *fo_label_selector_from_json(const json_t *selector, fo_err *err)
{
    fo_label_selector *sel = calloc(1, sizeof *sel);
    if (!sel) {
        fo_err_set(err, FO_ENOMEM, "out of memory");
        return NULL;
    }
    /* metav1.LabelSelectorAsSelector: a nil selector selects nothing, an empty one
     * everything. */
    if (!selector || json_is_null(selector)) {
        sel->nothing = true;
        return sel;
    }
    if (!json_is_object(selector)) {
        fo_err_set(err, FO_EINVAL, "label selector: must be an object");
        goto fail;
    }
    const json_t *ml = json_object_get(selector, "matchLabels");
    const json_t *me = json_object_get(selector, "matchExpressions");
    if (ml && !json_is_null(ml) && !json_is_object(ml)) {
        fo_err_set(err, FO_EINVAL, "matchLabels: must be an object");
        goto fail;
    }
    if (me && !json_is_null(me) && !json_is_array(me)) {
        fo_err_set(err, FO_EINVAL, "matchExpressions: must be a list");
        goto fail;
    }
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)ml, k, v)
    {
        if (!fo_label_key_valid(k)) {
            fo_err_set(err, FO_EINVAL, "matchLabels: invalid label key \"%s\"", k);
            goto fail;
        }
        if (!json_is_string(v) || !fo_label_value_valid(json_string_value(v))) {
            fo_err_set(err, FO_EINVAL, "matchLabels.%s: must be a valid label value", k);
            goto fail;
        }
        req *r = sel_add(sel);
        if (!r || !(r->key = strdup(k)) ||
            !req_add_value(r, json_string_value(v), json_string_length(v))) {
            fo_err_set(err, FO_ENOMEM, "out of memory");
            goto fail;
        }
        r->op = OP_EQ;
    }
    for (size_t i = 0; i < json_array_size(me); i++)
        if (parse_expression(sel, json_array_get(me, i), i, err) != FO_OK)
            goto fail;
    return sel;
fail:
    fo_label_selector_free(sel);
    return NULL;
}

/* ---- matching and rendering --------------------------------------------------------- */

static bool in_values(const req *r, const char *v)
{
    for (size_t i = 0; i < r->nvalues; i++)
        if (strcmp(r->values[i], v) == 0)
            return true;
    return false;
}

static bool req_matches(const req *r, const json_t *labels)
{
    const json_t *lv = json_is_object(labels) ? json_object_get(labels, r->key) : NULL;
    const char *v = json_is_string(lv) ? json_string_value(lv) : NULL;
    switch (r->op) {
    case OP_EXISTS:
        return v != NULL;
    case OP_NOT_EXISTS:
        return v == NULL;
    case OP_EQ:
    case OP_IN:
        return v && in_values(r, v);
    case OP_NEQ:
    case OP_NOTIN:
        return !v || !in_values(r, v);
    case OP_GT:
    case OP_LT: {
        if (!v)
            return false;
        char *end;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (errno || *end || end == v)
            return false;
        return r->op == OP_GT ? n > r->number : n < r->number;
    }
    }
    return false;
}

bool fo_label_selector_matches(const fo_label_selector *sel, const json_t *labels)
{
    if (!sel || sel->nothing)
        return false;
    for (size_t i = 0; i < sel->n; i++)
        if (!req_matches(&sel->reqs[i], labels))
            return false;
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *fo_labels_to_selector(const json_t *labels)
{
    fo_strbuf sb;
    fo_strbuf_init(&sb, 0);
    size_t n = json_is_object(labels) ? json_object_size(labels) : 0;
    const char **keys = n ? calloc(n, sizeof *keys) : NULL;
    size_t k = 0;
    const char *key;
    const json_t *v;
    if (keys) {
        json_object_foreach((json_t *)labels, key, v)
        {
            if (json_is_string(v))
                keys[k++] = key;
        }
        qsort(keys, k, sizeof *keys, cmp_str);
    }
    for (size_t i = 0; i < k; i++)
        fo_strbuf_printf(&sb, "%s%s=%s", i ? "," : "", keys[i],
                         json_string_value(json_object_get(labels, keys[i])));
    free(keys);
    return fo_strbuf_take(&sb);
}
