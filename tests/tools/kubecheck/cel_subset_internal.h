#ifndef FO_CEL_SUBSET_INTERNAL_H
#define FO_CEL_SUBSET_INTERNAL_H

/* The parsed form of a CEL-subset rule, shared by cel_parse.c (which builds it) and
 * cel_eval.c (which checks and evaluates it). */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define MAX_NESTING 64
#define MAX_VARS 8

typedef enum {
    N_LIT,    /* lit */
    N_LIST,   /* items */
    N_IDENT,  /* name */
    N_SELECT, /* a.name */
    N_INDEX,  /* a[b] */
    N_HAS,    /* has(a) with a an N_SELECT */
    N_CALL,   /* name(items) or a.name(items) (a may be NULL) */
    N_MACRO,  /* a.name(var, b): all / exists */
    N_NOT,
    N_NEG,
    N_BIN, /* a op b */
    N_COND /* a ? b : c */
} kind;

typedef enum { OP_OR, OP_AND, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN } binop;

typedef struct node {
    kind k;
    binop op;
    char *name;
    json_t *lit;
    struct node *a, *b, *c;
    struct node **items;
    size_t nitems;
} node;

struct fo_cel_expr {
    node *root;
    bool old_self;
};

#endif
