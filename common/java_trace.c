#include "common/java_trace.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CAUSED_BY "Caused by: "
/* Throwable.printEnclosedStackTrace for a throwable it printed already (a cyclic chain). */
#define CIRCULAR "[CIRCULAR REFERENCE: "

/* Length of the line at s, without its "\n" or "\r\n". */
static size_t line_len(const char *s)
{
    size_t n = strcspn(s, "\n");
    return n > 0 && s[n - 1] == '\r' ? n - 1 : n;
}

/* The line after the one at s, or NULL at the end. */
static const char *next_line(const char *s)
{
    const char *nl = strchr(s, '\n');
    return nl ? nl + 1 : NULL;
}

/* Does the line at s end a throwable's toString? Frames, "... n more" and suppressed
 * throwables are indented with a tab (Throwable.printEnclosedStackTrace); a cause starts
 * with "Caused by: " at the margin; the text may end with a newline. */
static bool ends_header(const char *s)
{
    return s[0] == '\0' || s[0] == '\t' || strncmp(s, CAUSED_BY, strlen(CAUSED_BY)) == 0;
}

/* Throwable.toString of the throwable whose trace starts at s: its first line and every
 * following one up to the first frame, joined with "\n". Caller frees. */
static char *header(const char *s)
{
    size_t cap = 0;
    for (const char *l = s; l; l = next_line(l)) {
        if (l != s && ends_header(l))
            break;
        cap += line_len(l) + 1;
    }
    char *out = malloc(cap + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    for (const char *l = s; l; l = next_line(l)) {
        if (l != s && ends_header(l))
            break;
        if (n)
            out[n++] = '\n';
        memcpy(out + n, l, line_len(l));
        n += line_len(l);
    }
    out[n] = '\0';
    return out;
}

/* Split a toString ("<class>" or "<class>: <message>") into t. A binary class name holds no
 * blank and no ':'; anything else after it (an overridden toString) is kept as the message. */
static fo_rc split(char *text, fo_java_throwable *t)
{
    size_t cls = strcspn(text, ": \t\n");
    t->class_name = strndup(text, cls);
    if (!t->class_name)
        return FO_ENOMEM;
    if (text[cls] == '\0')
        return FO_OK; /* no message */
    const char *msg = strncmp(text + cls, ": ", 2) == 0 ? text + cls + 2 : text;
    t->message = strdup(msg);
    return t->message ? FO_OK : FO_ENOMEM;
}

/* The throwable whose toString starts at `at`; circular: at is inside "[CIRCULAR REFERENCE: "
 * and its toString ends before the closing ']'. */
static fo_rc add(fo_java_trace *out, const char *at, bool circular)
{
    char *text = header(at);
    if (!text)
        return FO_ENOMEM;
    size_t len = strlen(text);
    if (circular && len > 0 && text[len - 1] == ']')
        text[len - 1] = '\0';
    fo_rc rc = split(text, &out->chain[out->n]);
    free(text);
    out->n++; /* released whole even when half filled */
    return rc;
}

fo_rc fo_java_trace_parse(const char *trace, const char *class_name, fo_java_trace *out)
{
    memset(out, 0, sizeof *out);
    if (!trace || !*trace) {
        if (!class_name || !*class_name)
            return FO_OK;
        out->chain[0].class_name = strdup(class_name);
        out->n = 1;
        return out->chain[0].class_name ? FO_OK : FO_ENOMEM;
    }
    fo_rc rc = add(out, trace, false);
    for (const char *l = next_line(trace); l && rc == FO_OK && out->n < FO_JAVA_TRACE_MAX_CHAIN;
         l = next_line(l)) {
        if (strncmp(l, CAUSED_BY, strlen(CAUSED_BY)) != 0)
            continue;
        const char *at = l + strlen(CAUSED_BY);
        if (strncmp(at, CIRCULAR, strlen(CIRCULAR)) == 0) {
            /* The chain came back to a throwable printed above: Flink's SerializedThrowable
             * copies the chain up to it once more, as itself without a cause, and stops. */
            rc = add(out, at + strlen(CIRCULAR), true);
            break;
        }
        rc = add(out, at, false);
    }
    return rc;
}

void fo_java_trace_release(fo_java_trace *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->chain[i].class_name);
        free(t->chain[i].message);
    }
    memset(t, 0, sizeof *t);
}

const char *fo_java_trace_simple_name(const char *class_name)
{
    if (!class_name)
        return "";
    const char *s = class_name;
    for (const char *p = class_name; *p; p++)
        if (*p == '.' || *p == '$')
            s = p + 1;
    return s;
}
