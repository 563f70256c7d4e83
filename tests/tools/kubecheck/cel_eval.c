/* The CEL subset's schema check and evaluator (see cel_subset.h). Semantics from the CEL
 * language definition (github.com/google/cel-spec, langdef.md): commutative logical operators
 * over errors, has() as a presence test, heterogeneous equality returning false. */
#include "tests/tools/kubecheck/cel_subset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tools/kubecheck/cel_subset_internal.h"


/* ---- schema check ----------------------------------------------------------------------- */

typedef struct binding {
    const char *name;
    const json_t *schema; /* NULL: dynamic */
    const json_t *value;  /* evaluation only */
} binding;

typedef struct scope {
    binding vars[MAX_VARS + 2];
    int n;
    fo_err *err;
} scope;

static const binding *lookup(const scope *sc, const char *name)
{
    for (int i = sc->n - 1; i >= 0; i--)
        if (!strcmp(sc->vars[i].name, name))
            return &sc->vars[i];
    return NULL;
}

/* The variable of a macro over a list is an element (its items schema); over a map it is a
 * key, a string with no fields to check (NULL). */
static const json_t *element_schema(const json_t *s)
{
    return json_object_get(s, "items");
}

/* Schema of node n (NULL when unknown/dynamic); FO_EINVAL on an undefined field. */
static fo_rc check_node(const node *n, scope *sc, const json_t **out)
{
    const json_t *a = NULL, *b = NULL;
    fo_rc rc = FO_OK;
    *out = NULL;
    switch (n->k) {
    case N_IDENT: {
        const binding *bd = lookup(sc, n->name);
        if (!bd)
            return fo_err_set(sc->err, FO_EINVAL, "undeclared reference to '%s'", n->name);
        *out = bd->schema;
        return FO_OK;
    }
    case N_SELECT:
        if ((rc = check_node(n->a, sc, &a)) != FO_OK || !a)
            return rc;
        if (json_object_get(a, "properties")) {
            *out = json_object_get(json_object_get(a, "properties"), n->name);
            if (!*out)
                return fo_err_set(sc->err, FO_EINVAL, "undefined field '%s'", n->name);
        } else if (json_is_object(json_object_get(a, "additionalProperties"))) {
            *out = json_object_get(a, "additionalProperties");
        } else if (!json_is_true(json_object_get(a, "x-kubernetes-preserve-unknown-fields"))) {
            return fo_err_set(sc->err, FO_EINVAL, "undefined field '%s'", n->name);
        }
        return FO_OK;
    case N_HAS:
        return check_node(n->items[0], sc, &a);
    case N_INDEX:
        if ((rc = check_node(n->a, sc, &a)) != FO_OK || (rc = check_node(n->b, sc, &b)) != FO_OK)
            return rc;
        *out = a ? (json_object_get(a, "items") ? json_object_get(a, "items")
                                                : json_object_get(a, "additionalProperties"))
                 : NULL;
        if (*out && !json_is_object(*out))
            *out = NULL;
        return FO_OK;
    case N_MACRO: {
        if ((rc = check_node(n->a, sc, &a)) != FO_OK)
            return rc;
        if (sc->n >= MAX_VARS + 2)
            return fo_err_set(sc->err, FO_EINVAL, "macros nested too deeply");
        /* Over a list the variable is an element; over a map it is a key (a string). */
        sc->vars[sc->n++] =
            (binding){.name = n->items[0]->name, .schema = a ? element_schema(a) : NULL};
        rc = check_node(n->items[1], sc, &b);
        sc->n--;
        return rc;
    }
    default:
        break;
    }
    const node *kids[3] = {n->a, n->b, n->c};
    for (int i = 0; i < 3 && rc == FO_OK; i++)
        if (kids[i])
            rc = check_node(kids[i], sc, &a);
    for (size_t i = 0; i < n->nitems && rc == FO_OK; i++)
        rc = check_node(n->items[i], sc, &a);
    return rc;
}

fo_rc fo_cel_check(const fo_cel_expr *e, const json_t *schema, fo_err *err)
{
    scope sc = {.err = err};
    sc.vars[sc.n++] = (binding){.name = "self", .schema = schema};
    sc.vars[sc.n++] = (binding){.name = "oldSelf", .schema = schema};
    const json_t *out;
    return check_node(e->root, &sc, &out);
}

/* ---- evaluation ------------------------------------------------------------------------- */

/* Values are new references; NULL means an error (sc->err set). */
static json_t *eval(const node *n, scope *sc);

static json_t *error(scope *sc, const char *fmt, const char *arg)
{
    fo_err_set(sc->err, FO_EINVAL, fmt, arg);
    return NULL;
}

static json_t *eval_bool(const node *n, scope *sc, int *truth)
{
    json_t *v = eval(n, sc);
    if (v && !json_is_boolean(v)) {
        json_decref(v);
        return error(sc, "%s: expected a boolean", "operand");
    }
    *truth = v ? json_is_true(v) : -1;
    return v;
}

static int compare(const json_t *a, const json_t *b, bool *ok)
{
    *ok = true;
    if (json_is_number(a) && json_is_number(b)) {
        double x = json_number_value(a), y = json_number_value(b);
        return x < y ? -1 : x > y;
    }
    if (json_is_string(a) && json_is_string(b))
        return strcmp(json_string_value(a), json_string_value(b));
    *ok = false;
    return 0;
}

static bool equal(const json_t *a, const json_t *b)
{
    bool ok;
    if (json_is_number(a) && json_is_number(b))
        return compare(a, b, &ok) == 0;
    return json_equal(a, b);
}

static json_t *eval_bin(const node *n, scope *sc)
{
    if (n->op == OP_AND || n->op == OP_OR) {
        int x, y;
        json_t *a = eval_bool(n->a, sc, &x);
        json_decref(a);
        bool shortcut = n->op == OP_AND ? x == 0 : x == 1;
        if (shortcut)
            return json_boolean(n->op == OP_OR);
        fo_err saved = *sc->err;
        json_t *b = eval_bool(n->b, sc, &y);
        json_decref(b);
        if (y == (n->op == OP_OR))
            return json_boolean(n->op == OP_OR);
        if (x < 0) {
            *sc->err = saved;
            return NULL;
        }
        if (y < 0)
            return NULL;
        return json_boolean(n->op == OP_OR ? (x || y) : (x && y));
    }
    json_t *a = eval(n->a, sc);
    json_t *b = a ? eval(n->b, sc) : NULL;
    json_t *r = NULL;
    if (a && b) {
        bool ok = true;
        int c;
        switch (n->op) {
        case OP_EQ:
            r = json_boolean(equal(a, b));
            break;
        case OP_NE:
            r = json_boolean(!equal(a, b));
            break;
        case OP_IN:
            if (json_is_array(b)) {
                bool found = false;
                size_t i;
                json_t *it;
                json_array_foreach(b, i, it) found = found || equal(a, it);
                r = json_boolean(found);
            } else if (json_is_object(b) && json_is_string(a)) {
                r = json_boolean(json_object_get(b, json_string_value(a)) != NULL);
            } else {
                r = error(sc, "%s: 'in' needs a list or a map", "operand");
            }
            break;
        default:
            c = compare(a, b, &ok);
            if (!ok)
                r = error(sc, "%s: no such overload for comparison", "operand");
            else
                r = json_boolean(n->op == OP_LT   ? c < 0
                                 : n->op == OP_LE ? c <= 0
                                 : n->op == OP_GT ? c > 0
                                                  : c >= 0);
        }
    }
    json_decref(a);
    json_decref(b);
    return r;
}

static json_t *eval_call(const node *n, scope *sc)
{
    json_t *target = eval(n->a ? n->a : n->items[0], sc);
    if (!target)
        return NULL;
    json_t *r = NULL;
    if (!strcmp(n->name, "size")) {
        if (json_is_string(target)) {
            size_t chars = 0;
            for (const char *p = json_string_value(target); *p; p++)
                chars += ((unsigned char)*p & 0xC0) != 0x80;
            r = json_integer((json_int_t)chars);
        } else if (json_is_array(target)) {
            r = json_integer((json_int_t)json_array_size(target));
        } else if (json_is_object(target)) {
            r = json_integer((json_int_t)json_object_size(target));
        } else {
            r = error(sc, "%s: size() needs a string, list or map", n->name);
        }
    } else {
        json_t *arg = n->nitems == 1 ? eval(n->items[0], sc) : NULL;
        if (arg && json_is_string(target) && json_is_string(arg)) {
            const char *s = json_string_value(target), *t = json_string_value(arg);
            size_t ls = strlen(s), lt = strlen(t);
            bool v = !strcmp(n->name, "startsWith") ? !strncmp(s, t, lt)
                     : !strcmp(n->name, "endsWith") ? (ls >= lt && !strcmp(s + ls - lt, t))
                                                    : strstr(s, t) != NULL;
            r = json_boolean(v);
        } else if (arg) {
            r = error(sc, "%s: needs strings", n->name);
        }
        json_decref(arg);
    }
    json_decref(target);
    return r;
}

static json_t *eval_macro(const node *n, scope *sc)
{
    json_t *range = eval(n->a, sc);
    if (!range)
        return NULL;
    if (!json_is_array(range) && !json_is_object(range)) {
        json_decref(range);
        return error(sc, "%s: needs a list or a map", n->name);
    }
    bool all = !strcmp(n->name, "all");
    bool result = all;
    bool failed = false;
    json_t *elems = json_is_array(range) ? json_incref(range) : json_array();
    if (json_is_object(range)) {
        const char *k;
        json_t *v;
        json_object_foreach(range, k, v) json_array_append_new(elems, json_string(k));
    }
    size_t i;
    json_t *el;
    json_array_foreach(elems, i, el)
    {
        if (sc->n >= MAX_VARS + 2) {
            failed = true;
            error(sc, "%s: nested too deeply", n->name);
            break;
        }
        sc->vars[sc->n++] = (binding){.name = n->items[0]->name, .value = el};
        int truth;
        json_t *v = eval_bool(n->items[1], sc, &truth);
        sc->n--;
        json_decref(v);
        if (truth < 0) {
            failed = true;
            break;
        }
        if (all && !truth) {
            result = false;
            break;
        }
        if (!all && truth) {
            result = true;
            break;
        }
    }
    json_decref(elems);
    json_decref(range);
    return failed ? NULL : json_boolean(result);
}

static json_t *eval(const node *n, scope *sc)
{
    json_t *a, *b, *r;
    int truth;
    switch (n->k) {
    case N_LIT:
        return json_incref(n->lit);
    case N_LIST:
        r = json_array();
        for (size_t i = 0; r && i < n->nitems; i++) {
            json_t *v = eval(n->items[i], sc);
            if (!v) {
                json_decref(r);
                return NULL;
            }
            json_array_append_new(r, v);
        }
        return r;
    case N_IDENT: {
        const binding *bd = lookup(sc, n->name);
        if (!bd || !bd->value)
            return error(sc, "no value for '%s'", n->name);
        return json_incref((json_t *)bd->value);
    }
    case N_SELECT:
    case N_HAS: {
        const node *sel = n->k == N_HAS ? n->items[0] : n;
        a = eval(sel->a, sc);
        if (!a)
            return NULL;
        if (!json_is_object(a)) {
            json_decref(a);
            return error(sc, "cannot select '%s' from a non-object", sel->name);
        }
        json_t *v = json_object_get(a, sel->name);
        if (v && json_is_null(v))
            v = NULL;
        if (n->k == N_HAS)
            r = json_boolean(v != NULL);
        else
            r = v ? json_incref(v) : error(sc, "no such key: %s", sel->name);
        json_decref(a);
        return r;
    }
    case N_INDEX:
        a = eval(n->a, sc);
        b = a ? eval(n->b, sc) : NULL;
        r = NULL;
        if (a && b) {
            json_t *v = json_is_array(a) && json_is_integer(b)
                            ? json_array_get(a, (size_t)json_integer_value(b))
                        : json_is_object(a) && json_is_string(b)
                            ? json_object_get(a, json_string_value(b))
                            : NULL;
            r = v ? json_incref(v) : error(sc, "%s: index out of range or no such key", "[]");
        }
        json_decref(a);
        json_decref(b);
        return r;
    case N_CALL:
        return eval_call(n, sc);
    case N_MACRO:
        return eval_macro(n, sc);
    case N_NOT:
        a = eval_bool(n->a, sc, &truth);
        json_decref(a);
        return truth < 0 ? NULL : json_boolean(!truth);
    case N_NEG:
        a = eval(n->a, sc);
        r = a && json_is_integer(a) ? json_integer(-json_integer_value(a))
            : a                     ? error(sc, "%s: needs an integer", "-")
                                    : NULL;
        json_decref(a);
        return r;
    case N_BIN:
        return eval_bin(n, sc);
    case N_COND:
        a = eval_bool(n->a, sc, &truth);
        json_decref(a);
        if (truth < 0)
            return NULL;
        return eval(truth ? n->b : n->c, sc);
    }
    return error(sc, "%s", "unknown node");
}

fo_rc fo_cel_eval(const fo_cel_expr *e, const json_t *self, const json_t *old_self, bool *result,
                  fo_err *err)
{
    fo_err local;
    if (!err)
        err = &local;
    fo_err_clear(err);
    scope sc = {.err = err};
    sc.vars[sc.n++] = (binding){.name = "self", .value = self};
    sc.vars[sc.n++] = (binding){.name = "oldSelf", .value = old_self};
    json_t *v = eval(e->root, &sc);
    if (!v)
        return err->rc != FO_OK ? err->rc : FO_EINVAL;
    if (!json_is_boolean(v)) {
        json_decref(v);
        return fo_err_set(err, FO_EINVAL, "the rule does not evaluate to a boolean");
    }
    *result = json_is_true(v);
    json_decref(v);
    return FO_OK;
}
