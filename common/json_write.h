#ifndef FO_JSON_WRITE_H
#define FO_JSON_WRITE_H

/* Compact JSON text of jansson values: what every compact dump in the project is written with
 * (fo_json_dumps_compact in common/jsonutil.h, the webhook's answers and patches).
 *
 * fo_json_write produces what json_dumps(v, JSON_COMPACT) produces (members in insertion
 * order, the same string escapes, reals with 17 significant digits and a '.' or exponent so
 * they read back as reals), appending to a strbuf instead of building a string through
 * jansson's per-token callbacks; tests/unit/test_json_write.c compares the two. Strings are
 * written as they are stored (jansson keeps them valid UTF-8), \u0000 included.
 * Pure and thread-safe on values no other thread modifies. (Deep copies: fo_json_copy in
 * common/jsonutil.h.) */

#include <jansson.h>
#include <stddef.h>

#include "common/rc.h"
#include "common/strbuf.h"

/* Append v as compact JSON. FO_ENOMEM / FO_ELIMIT from the strbuf; FO_EINVAL for NULL. */
fo_rc fo_json_write(fo_strbuf *sb, const json_t *v);

/* Append s[0..len) as a JSON string literal, quotes included. */
fo_rc fo_json_write_str(fo_strbuf *sb, const char *s, size_t len);

#endif
