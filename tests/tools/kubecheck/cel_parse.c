/* The CEL subset's parser (see cel_subset.h): a recursive-descent parser following the CEL
 * language definition (github.com/google/cel-spec, langdef.md) for precedence:
 * ?: < || < && < relations < unary < member access. */
#include "tests/tools/kubecheck/cel_subset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tools/kubecheck/cel_subset_internal.h"

/* ---- lexer / parser --------------------------------------------------------------------- */

typedef struct parser {
    const char *s;
    size_t pos;
    int depth;
    fo_err *err;
    bool failed;
    bool old_self;
} parser;

static void fail(parser *ps, const char *what)
{
    if (!ps->failed)
        fo_err_set(ps->err, FO_EINVAL, "at offset %zu: %s", ps->pos, what);
    ps->failed = true;
}

static void skip_ws(parser *ps)
{
    while (ps->s[ps->pos] == ' ' || ps->s[ps->pos] == '\t' || ps->s[ps->pos] == '\n' ||
           ps->s[ps->pos] == '\r')
        ps->pos++;
}

static bool accept(parser *ps, const char *tok)
{
    skip_ws(ps);
    size_t n = strlen(tok);
    if (strncmp(ps->s + ps->pos, tok, n) != 0)
        return false;
    /* "in" and other words must not run into an identifier */
    char next = ps->s[ps->pos + n];
    if ((tok[0] >= 'a' && tok[0] <= 'z') &&
        ((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') ||
         (next >= '0' && next <= '9') || next == '_'))
        return false;
    /* "=" alone, "&" alone, "|" alone are not CEL */
    ps->pos += n;
    return true;
}

static void expect(parser *ps, const char *tok)
{
    if (!accept(ps, tok)) {
        char msg[64];
        snprintf(msg, sizeof msg, "expected '%s'", tok);
        fail(ps, msg);
    }
}

static node *mk(kind k)
{
    node *n = calloc(1, sizeof *n);
    if (n)
        n->k = k;
    return n;
}

static void free_node(node *n)
{
    if (!n)
        return;
    free(n->name);
    json_decref(n->lit);
    free_node(n->a);
    free_node(n->b);
    free_node(n->c);
    for (size_t i = 0; i < n->nitems; i++)
        free_node(n->items[i]);
    free(n->items);
    free(n);
}

static bool ident_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!first && c >= '0' && c <= '9');
}

static char *ident(parser *ps)
{
    skip_ws(ps);
    size_t start = ps->pos;
    if (!ident_char(ps->s[start], true))
        return NULL;
    while (ident_char(ps->s[ps->pos], false))
        ps->pos++;
    return strndup(ps->s + start, ps->pos - start);
}

static node *expr(parser *ps);

static bool push_item(node *n, node *item)
{
    node **grown = realloc(n->items, (n->nitems + 1) * sizeof *grown);
    if (!grown)
        return false;
    n->items = grown;
    n->items[n->nitems++] = item;
    return true;
}

/* Comma-separated expressions up to `close`. */
static void args(parser *ps, node *n, const char *close)
{
    if (accept(ps, close))
        return;
    do {
        node *item = expr(ps);
        if (!item || !push_item(n, item)) {
            free_node(item);
            fail(ps, "bad argument");
            return;
        }
    } while (accept(ps, ","));
    expect(ps, close);
}

static node *string_lit(parser *ps)
{
    char q = ps->s[ps->pos++];
    size_t cap = strlen(ps->s + ps->pos) + 1, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    while (ps->s[ps->pos] && ps->s[ps->pos] != q) {
        char c = ps->s[ps->pos++];
        if (c == '\\') {
            char e = ps->s[ps->pos++];
            c = e == 'n' ? '\n' : e == 't' ? '\t' : e;
            if (!e)
                break;
        }
        buf[len++] = c;
    }
    if (ps->s[ps->pos] != q) {
        free(buf);
        fail(ps, "unterminated string");
        return NULL;
    }
    ps->pos++;
    buf[len] = '\0';
    node *n = mk(N_LIT);
    if (n)
        n->lit = json_string(buf);
    free(buf);
    return n;
}

static node *primary(parser *ps)
{
    skip_ws(ps);
    char c = ps->s[ps->pos];
    if (c == '\'' || c == '"')
        return string_lit(ps);
    if (c >= '0' && c <= '9') {
        char *end;
        long long v = strtoll(ps->s + ps->pos, &end, 10);
        ps->pos = (size_t)(end - ps->s);
        node *n = mk(N_LIT);
        if (n)
            n->lit = json_integer(v);
        return n;
    }
    if (accept(ps, "(")) {
        node *n = expr(ps);
        expect(ps, ")");
        return n;
    }
    if (accept(ps, "[")) {
        node *n = mk(N_LIST);
        if (n)
            args(ps, n, "]");
        return n;
    }
    char *name = ident(ps);
    if (!name) {
        fail(ps, "expected an expression");
        return NULL;
    }
    node *n = NULL;
    if (!strcmp(name, "true") || !strcmp(name, "false") || !strcmp(name, "null")) {
        n = mk(N_LIT);
        if (n)
            n->lit = name[0] == 't' ? json_true() : name[0] == 'f' ? json_false() : json_null();
        free(name);
        return n;
    }
    if (accept(ps, "(")) {
        if (strcmp(name, "has") && strcmp(name, "size")) {
            free(name);
            fail(ps, "only the global functions has() and size() are supported");
            return NULL;
        }
        n = mk(!strcmp(name, "has") ? N_HAS : N_CALL);
        if (!n) {
            free(name);
            return NULL;
        }
        n->name = name;
        args(ps, n, ")");
        if (n->nitems != 1 || (n->k == N_HAS && n->items[0]->k != N_SELECT))
            fail(ps,
                 n->k == N_HAS ? "has() takes one field selection" : "size() takes one argument");
        return n;
    }
    if (!strcmp(name, "oldSelf"))
        ps->old_self = true;
    n = mk(N_IDENT);
    if (n)
        n->name = name;
    else
        free(name);
    return n;
}

static node *postfix(parser *ps)
{
    node *n = primary(ps);
    while (n && !ps->failed) {
        if (accept(ps, ".")) {
            char *name = ident(ps);
            if (!name) {
                fail(ps, "expected a field name");
                break;
            }
            node *m;
            if (accept(ps, "(")) {
                bool macro = !strcmp(name, "all") || !strcmp(name, "exists");
                if (!macro && strcmp(name, "size") && strcmp(name, "startsWith") &&
                    strcmp(name, "endsWith") && strcmp(name, "contains")) {
                    free(name);
                    fail(ps, "unsupported method");
                    break;
                }
                m = mk(macro ? N_MACRO : N_CALL);
                if (!m) {
                    free(name);
                    break;
                }
                m->name = name;
                m->a = n;
                args(ps, m, ")");
                if (macro && (m->nitems != 2 || m->items[0]->k != N_IDENT))
                    fail(ps, "all()/exists() take a variable and a predicate");
            } else {
                m = mk(N_SELECT);
                if (!m) {
                    free(name);
                    break;
                }
                m->name = name;
                m->a = n;
            }
            n = m;
        } else if (accept(ps, "[")) {
            node *m = mk(N_INDEX);
            if (!m)
                break;
            m->a = n;
            m->b = expr(ps);
            expect(ps, "]");
            n = m;
        } else {
            break;
        }
    }
    return n;
}

static node *unary(parser *ps)
{
    if (accept(ps, "!") || accept(ps, "-")) {
        bool neg = ps->s[ps->pos - 1] == '-';
        node *n = mk(neg ? N_NEG : N_NOT);
        if (n)
            n->a = unary(ps);
        return n;
    }
    return postfix(ps);
}

static node *bin(binop op, node *a, node *b)
{
    node *n = mk(N_BIN);
    if (!n) {
        free_node(a);
        free_node(b);
        return NULL;
    }
    n->op = op;
    n->a = a;
    n->b = b;
    return n;
}

static node *relation(parser *ps)
{
    node *a = unary(ps);
    static const struct {
        const char *tok;
        binop op;
    } ops[] = {{"==", OP_EQ}, {"!=", OP_NE}, {"<=", OP_LE}, {">=", OP_GE},
               {"<", OP_LT},  {">", OP_GT},  {"in", OP_IN}};
    for (size_t i = 0; a && i < sizeof ops / sizeof ops[0]; i++)
        if (accept(ps, ops[i].tok))
            return bin(ops[i].op, a, unary(ps));
    return a;
}

static node *conjunction(parser *ps)
{
    node *a = relation(ps);
    while (a && !ps->failed && accept(ps, "&&"))
        a = bin(OP_AND, a, relation(ps));
    return a;
}

static node *disjunction(parser *ps)
{
    node *a = conjunction(ps);
    while (a && !ps->failed && accept(ps, "||"))
        a = bin(OP_OR, a, conjunction(ps));
    return a;
}

static node *expr(parser *ps)
{
    if (++ps->depth > MAX_NESTING) {
        fail(ps, "nested too deeply");
        ps->depth--;
        return NULL;
    }
    node *a = disjunction(ps);
    if (a && accept(ps, "?")) {
        node *n = mk(N_COND);
        if (n) {
            n->a = a;
            n->b = expr(ps);
            expect(ps, ":");
            n->c = expr(ps);
        } else {
            free_node(a);
        }
        a = n;
    }
    ps->depth--;
    return a;
}

/* Any node left NULL by an allocation failure makes the tree unusable. */
static bool complete(const node *n)
{
    if (!n)
        return false;
    switch (n->k) {
    case N_LIT:
        return n->lit != NULL;
    case N_IDENT:
        return n->name != NULL;
    case N_SELECT:
        return n->name && complete(n->a);
    case N_INDEX:
    case N_BIN:
        return complete(n->a) && complete(n->b);
    case N_NOT:
    case N_NEG:
        return complete(n->a);
    case N_COND:
        return complete(n->a) && complete(n->b) && complete(n->c);
    default:
        if (n->a && !complete(n->a))
            return false;
        for (size_t i = 0; i < n->nitems; i++)
            if (!complete(n->items[i]))
                return false;
        return true;
    }
}

fo_cel_expr *fo_cel_parse(const char *text, fo_err *err)
{
    if (!text || strlen(text) > FO_CEL_MAX_RULE_BYTES) {
        fo_err_set(err, FO_ELIMIT, "rule missing or longer than %d bytes", FO_CEL_MAX_RULE_BYTES);
        return NULL;
    }
    parser ps = {.s = text, .err = err};
    node *root = expr(&ps);
    skip_ws(&ps);
    if (!ps.failed && ps.s[ps.pos])
        fail(&ps, "unexpected text (outside the supported CEL subset?)");
    if (!ps.failed && !complete(root))
        fail(&ps, "out of memory");
    fo_cel_expr *e = ps.failed ? NULL : calloc(1, sizeof *e);
    if (!e) {
        if (!ps.failed)
            fo_err_set(err, FO_ENOMEM, "out of memory");
        free_node(root);
        return NULL;
    }
    e->root = root;
    e->old_self = ps.old_self;
    return e;
}

void fo_cel_free(fo_cel_expr *e)
{
    if (e)
        free_node(e->root);
    free(e);
}

bool fo_cel_uses_old_self(const fo_cel_expr *e)
{
    return e && e->old_self;
}
