#include "tests/fakes/apiserver/status.h"

#include <stdio.h>
#include <string.h>

#include "common/strbuf.h"

json_t *fka_status_failure(int code, const char *reason, const char *message, json_t *details)
{
    json_t *st = json_object();
    json_object_set_new(st, "kind", json_string("Status"));
    json_object_set_new(st, "apiVersion", json_string("v1"));
    json_object_set_new(st, "metadata", json_object());
    json_object_set_new(st, "status", json_string("Failure"));
    if (message && *message)
        json_object_set_new(st, "message", json_string(message));
    if (reason && *reason)
        json_object_set_new(st, "reason", json_string(reason));
    if (details)
        json_object_set_new(st, "details", details);
    json_object_set_new(st, "code", json_integer(code));
    return st;
}

/* details {name, group (omitted for core), kind} in the API server's order. */
static json_t *details(const char *name, const char *group, const char *kind)
{
    json_t *d = json_object();
    if (name && *name)
        json_object_set_new(d, "name", json_string(name));
    if (group && *group)
        json_object_set_new(d, "group", json_string(group));
    if (kind && *kind)
        json_object_set_new(d, "kind", json_string(kind));
    return d;
}

json_t *fka_status_not_found(const fka_resource *r, const char *name)
{
    char q[300], msg[700];
    snprintf(msg, sizeof msg, "%s \"%s\" not found", fka_resource_qualified(r, q, sizeof q), name);
    return fka_status_failure(404, "NotFound", msg, details(name, r->group, r->resource));
}

json_t *fka_status_namespace_not_found(const char *ns)
{
    char msg[400];
    snprintf(msg, sizeof msg, "namespaces \"%s\" not found", ns);
    return fka_status_failure(404, "NotFound", msg, details(ns, NULL, "namespaces"));
}

json_t *fka_status_already_exists(const fka_resource *r, const char *name)
{
    char q[300], msg[700];
    snprintf(msg, sizeof msg, "%s \"%s\" already exists", fka_resource_qualified(r, q, sizeof q),
             name);
    return fka_status_failure(409, "AlreadyExists", msg, details(name, r->group, r->resource));
}

json_t *fka_status_conflict(const fka_resource *r, const char *name)
{
    char q[300], msg[900];
    snprintf(msg, sizeof msg,
             "Operation cannot be fulfilled on %s \"%s\": the object has been modified; please "
             "apply your changes to the latest version and try again",
             fka_resource_qualified(r, q, sizeof q), name);
    return fka_status_failure(409, "Conflict", msg, details(name, r->group, r->resource));
}

json_t *fka_status_precondition(const fka_resource *r, const char *name, const char *detail)
{
    char q[300], msg[1200];
    snprintf(msg, sizeof msg, "Operation cannot be fulfilled on %s \"%s\": Precondition failed: %s",
             fka_resource_qualified(r, q, sizeof q), name, detail);
    return fka_status_failure(409, "Conflict", msg, details(name, r->group, r->resource));
}

const char *fka_field_error_body(const fo_field_error *fe)
{
    size_t n = strlen(fe->field);
    if (strncmp(fe->message, fe->field, n) == 0 && strncmp(fe->message + n, ": ", 2) == 0)
        return fe->message + n + 2;
    return fe->message;
}

json_t *fka_status_invalid(const fka_resource *r, const char *name, const fo_field_errors *errs)
{
    char qk[300];
    fo_strbuf sb;
    fo_strbuf_init(&sb, 64 * 1024);
    json_t *causes = json_array();
    size_t n = fo_field_errors_count(errs);
    /* errors.NewInvalid: `<Kind>[.<group>] "<name>" is invalid: <aggregate>`; an aggregate of
     * several errors is written "[a, b]". */
    fo_strbuf_printf(&sb, "%s \"%s\" is invalid", fka_resource_qualified_kind(r, qk, sizeof qk),
                     name ? name : "");
    if (n > 0)
        fo_strbuf_puts(&sb, n > 1 ? ": [" : ": ");
    for (size_t i = 0; i < n; i++) {
        const fo_field_error *fe = fo_field_errors_get(errs, i);
        if (i)
            fo_strbuf_puts(&sb, ", ");
        fo_strbuf_puts(&sb, fe->message);
        json_array_append_new(causes,
                              json_pack("{s:s, s:s, s:s}", "reason", fo_fe_reason(fe->type),
                                        "message", fka_field_error_body(fe), "field", fe->field));
    }
    if (n > 1)
        fo_strbuf_putc(&sb, ']');
    json_t *d = details(name, r->group, r->kind);
    json_object_set_new(d, "causes", causes);
    json_t *st = fka_status_failure(422, "Invalid", sb.data, d);
    fo_strbuf_release(&sb);
    return st;
}

json_t *fka_status_invalid_one(const fka_resource *r, const char *name, const char *field,
                               const char *reason, const char *body)
{
    char qk[300], msg[1200];
    snprintf(msg, sizeof msg, "%s \"%s\" is invalid: %s: %s",
             fka_resource_qualified_kind(r, qk, sizeof qk), name ? name : "", field, body);
    json_t *d = details(name, r->group, r->kind);
    json_object_set_new(
        d, "causes",
        json_pack("[{s:s, s:s, s:s}]", "reason", reason, "message", body, "field", field));
    return fka_status_failure(422, "Invalid", msg, d);
}

json_t *fka_status_expired(const char *message)
{
    return fka_status_failure(410, "Expired", message, NULL);
}

json_t *fka_status_bad_request(const char *message)
{
    return fka_status_failure(400, "BadRequest", message, NULL);
}

json_t *fka_status_unsupported_media(const char *content_type, const char *accepted)
{
    char msg[1024];
    (void)content_type;
    snprintf(msg, sizeof msg,
             "the body of the request was in an unknown format - accepted media types include: %s",
             accepted);
    return fka_status_failure(415, "UnsupportedMediaType", msg, NULL);
}

json_t *fka_status_method_not_allowed(const char *verb, const fka_resource *r)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s is not supported on resources of kind \"%s\"", verb,
             r ? r->resource : "");
    return fka_status_failure(405, "MethodNotAllowed", msg,
                              r ? details(NULL, r->group, r->resource) : NULL);
}

json_t *fka_status_internal(const char *message)
{
    char msg[2048];
    snprintf(msg, sizeof msg, "Internal error occurred: %s", message);
    json_t *d = json_object();
    json_object_set_new(d, "causes", json_pack("[{s:s}]", "message", message));
    return fka_status_failure(500, "InternalError", msg, d);
}

json_t *fka_status_too_many(const char *message, int retry_after_s)
{
    json_t *d = json_object();
    json_object_set_new(d, "retryAfterSeconds", json_integer(retry_after_s));
    return fka_status_failure(429, "TooManyRequests", message, d);
}

json_t *fka_status_deleted(const fka_resource *r, const char *name, const char *uid)
{
    json_t *st = json_object();
    json_object_set_new(st, "kind", json_string("Status"));
    json_object_set_new(st, "apiVersion", json_string("v1"));
    json_object_set_new(st, "metadata", json_object());
    json_object_set_new(st, "status", json_string("Success"));
    json_t *d = details(name, r->group, r->resource);
    if (uid && *uid)
        json_object_set_new(d, "uid", json_string(uid));
    json_object_set_new(st, "details", d);
    return st;
}

int fka_status_code(const json_t *status)
{
    json_t *c = json_object_get(status, "code");
    return json_is_integer(c) ? (int)json_integer_value(c) : 500;
}
