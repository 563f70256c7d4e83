#ifndef FO_CEL_SUBSET_H
#define FO_CEL_SUBSET_H

/* The part of CEL (Common Expression Language, as used by CRD x-kubernetes-validations rules)
 * that our CRDs use, so tests can check those rules without an API server:
 *
 *   literals       1  'text' "text"  true false null  [a, b]
 *   variables      self  oldSelf  and the variable of a macro
 *   operators      ! - && || == != < <= > >= in  ?:  (.)  a.b  a[b]
 *   functions      has(a.b)  size(x)  x.size()  x.all(v, p)  x.exists(v, p)
 *                  s.startsWith(t)  s.endsWith(t)  s.contains(t)
 *
 * Evaluation follows CEL: && and || are commutative over errors (false && error == false),
 * selecting an absent field is an error, has() tests presence, comparisons of different
 * types are errors (except null). fo_cel_check resolves every field selected from self and
 * oldSelf against the CRD schema of the rule's node, as the API server's type checker does
 * when the CRD is created, so a misspelt field fails the test instead of the CRD apply.
 * Anything outside the subset fails to parse with a message saying so. Parsed expressions
 * are immutable and may be shared between threads. */

#include <jansson.h>
#include <stdbool.h>

#include "common/rc.h"

/* Longest rule accepted. */
#define FO_CEL_MAX_RULE_BYTES 4096

typedef struct fo_cel_expr fo_cel_expr;

/* Parse a rule. Returns NULL with err set (FO_EINVAL, with the byte offset) on a syntax error
 * or a construct outside the subset. */
fo_cel_expr *fo_cel_parse(const char *text, fo_err *err);
void fo_cel_free(fo_cel_expr *e); /* NULL ok */

/* True when the rule refers to oldSelf (a transition rule, evaluated on updates only). */
bool fo_cel_uses_old_self(const fo_cel_expr *e);

/* Check every field selection on self/oldSelf against schema (the structural schema of the
 * node that carries the rule). FO_EINVAL names the first undefined field. */
fo_rc fo_cel_check(const fo_cel_expr *e, const json_t *schema, fo_err *err);

/* Evaluate to a boolean. old_self may be NULL when the rule does not use it. Runtime errors
 * (no such key, type mismatch, a non-boolean result) return FO_EINVAL with err set. */
fo_rc fo_cel_eval(const fo_cel_expr *e, const json_t *self, const json_t *old_self, bool *result,
                  fo_err *err);

#endif
