#ifndef FO_YAMLCONV_H
#define FO_YAMLCONV_H

/* YAML <-> JSON (jansson) conversion. The only user of libyaml.
 *
 * Decoding follows Kubernetes' YAML decoding (sigs.k8s.io/yaml: YAML 1.1-ish scalars
 * resolved like Go's yaml.v2, then JSON): plain `true`/`false` (and yes/no/on/off in any
 * of their YAML 1.1 spellings) are booleans, plain integers (decimal, 0x hex, 0o/leading-0
 * octal, with `_` separators) are integers, plain floats (incl. .inf/.nan) are reals, `null`,
 * `~` and empty plain scalars are null, and anything quoted ("1.20", 'true') or tagged !!str is
 * a string. Block and flow styles, multi-line scalars, anchors and aliases (expanded; alias
 * bombs are refused by a node budget), merge keys `<<`. Non-string mapping keys are turned
 * into strings as Kubernetes does. Input larger than `limit` bytes fails with FO_ELIMIT
 * (callers name their limit; 0 means none, for text the program wrote itself), nesting deeper
 * than 1000 levels and more than FO_YAML_MAX_NODES nodes too. All functions are thread-safe
 * (no shared state). */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/rc.h"
#include "common/strbuf.h"

/* Upper bound on nodes produced from one input (anchors/aliases can multiply nodes). */
#define FO_YAML_MAX_NODES 1000000

/* Parse exactly one document (an empty input is JSON null). More than one document fails
 * with FO_EINVAL. Errors name line and column. New reference or NULL. */
json_t *fo_yaml_parse(const char *buf, size_t len, size_t limit, fo_err *err);

/* What a reader with other scalar rules makes of an untagged plain scalar s[0..len): a new
 * reference (it stands in the document as it is; a key must be a string), or NULL to fail the
 * parse. */
typedef json_t *(*fo_yaml_plain_fn)(const char *s, size_t len, bool is_key);

/* fo_yaml_parse with every untagged plain scalar given by plain (for example snakeyaml's YAML
 * 1.1 resolution, which Flink's configuration uses, instead of go-yaml's); quoted and tagged
 * scalars, anchors, merge keys and the limits as there. */
json_t *fo_yaml_parse_with(const char *buf, size_t len, size_t limit, fo_yaml_plain_fn plain,
                           fo_err *err);

/* Parse a multi-document stream ("---" separated); empty documents are skipped. Returns a
 * new JSON array with one element per document, or NULL with err set. */
json_t *fo_yaml_parse_all(const char *buf, size_t len, size_t limit, fo_err *err);

/* Append s[0..len) to sb as a YAML double-quoted scalar that every YAML 1.1 and 1.2 reader
 * gives back exactly: '"' and '\\' escaped, and so is every character YAML does not let
 * stand in a document (controls, DEL, C1 controls, the YAML 1.1 line breaks NEL, LS and PS,
 * the byte order mark; invalid UTF-8 becomes U+FFFD). FO_ELIMIT / FO_ENOMEM from sb. */
fo_rc fo_yaml_quote(fo_strbuf *sb, const char *s, size_t len);

/* Append a mapping key and its ':' at the current position: the key as is, or quoted
 * (fo_yaml_quote) when quote is set; a key that would be longer than YAML lets an implicit
 * key be (1024 characters) is written in the explicit form instead: `? "key"`, a line break,
 * indent spaces, then ':'. FO_ELIMIT / FO_ENOMEM from sb. */
fo_rc fo_yaml_put_key(fo_strbuf *sb, const char *key, size_t len, bool quote, int indent);

/* Render a JSON value as block-style YAML that fo_yaml_parse reads back to an equal value:
 * strings that would be read as another type ("true", "1.20", "", "null", "0x1F", "- a")
 * are quoted. Caller frees. NULL only when out of memory. */
char *fo_yaml_emit(const json_t *value);

#endif
