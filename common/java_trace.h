#ifndef FO_JAVA_TRACE_H
#define FO_JAVA_TRACE_H

/* What a Java stack trace says of an exception and its causes.
 *
 * Flink sends a failure as a SerializedThrowable: {"class", "stack-trace",
 * "serialized-throwable"}. The bytes are Java serialization, which only a JVM reads; the
 * stack trace is the text Throwable.printStackTrace prints, and it holds what the Apache
 * operator reads from the deserialized object: each throwable's toString ("<class>" or
 * "<class>: <message>", the message possibly over several lines), first the exception, then
 * one "Caused by: <toString>" line per cause, each followed by its frames ("\tat ...",
 * "\t... 12 more") and any "\tSuppressed: " throwables (indented, so never read as causes).
 * A chain that comes back to a throwable printed above ends in "Caused by: [CIRCULAR
 * REFERENCE: <toString>]": that throwable once more, without a cause, as Flink's
 * SerializedThrowable copies such a chain.
 *
 * Pure; thread-safe. */

#include <stddef.h>

#include "common/rc.h"

/* Causes read at most (the Apache operator reports 2 by default, 3 in an Event message). */
#define FO_JAVA_TRACE_MAX_CHAIN 8

typedef struct fo_java_throwable {
    char *class_name; /* "java.lang.ArithmeticException" */
    char *message;    /* Throwable.getMessage(); NULL when the throwable has none */
} fo_java_throwable;

typedef struct fo_java_trace {
    size_t n;                                         /* entries in chain */
    fo_java_throwable chain[FO_JAVA_TRACE_MAX_CHAIN]; /* [0] the exception, then its causes */
} fo_java_trace;

/* Read trace into out (which the caller releases with fo_java_trace_release, also after an
 * error). class_name (may be NULL) is the exception's class as Flink names it beside the
 * trace: with no trace (NULL or "") the chain is that class alone, without a message; with
 * neither, out is empty. Lines may end in "\r\n". FO_OK, or FO_ENOMEM. */
fo_rc fo_java_trace_parse(const char *trace, const char *class_name, fo_java_trace *out);

void fo_java_trace_release(fo_java_trace *t);

/* Class.getSimpleName of a binary class name: what follows the last '.' or '$'
 * ("java.util.Map$Entry" -> "Entry"). Borrowed from class_name. */
const char *fo_java_trace_simple_name(const char *class_name);

#endif
