#ifndef FO_BASE64_H
#define FO_BASE64_H

/* Base64 (RFC 4648 section 4: standard alphabet, '=' padding), as Go's
 * encoding/base64.StdEncoding reads and writes it - which is what Kubernetes uses for []byte
 * fields (kubeconfig *-data, caBundle, AdmissionReview patches), YAML !!binary and continue
 * tokens. Pure and thread-safe. */

#include <stddef.h>

/* Characters fo_base64_encode_into writes for len input bytes. */
size_t fo_base64_encoded_len(size_t len);

/* Encode into out (room for fo_base64_encoded_len(len) bytes; no NUL written). Returns the
 * count written. */
size_t fo_base64_encode_into(char *out, const void *in, size_t len);

/* Encode into a new NUL-terminated string. Caller frees; NULL when out of memory. */
char *fo_base64_encode(const void *in, size_t len);

/* Decode in[0..len): padding required, '\r' and '\n' skipped (as Go does), anything else
 * outside the alphabet refused. Returns a new buffer with a NUL after the decoded bytes
 * (*out_len excludes it), or NULL for invalid input or out of memory. */
char *fo_base64_decode(const char *in, size_t len, size_t *out_len);

#endif
