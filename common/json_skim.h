#ifndef FO_JSON_SKIM_H
#define FO_JSON_SKIM_H

/* A fast check of one JSON object or array that nobody will read, for common/json_read.c: most
 * of an AdmissionReview (oldObject, managedFields, the status on /mutate) is checked and left
 * out, and the byte-wise reader spends 6-7 instructions a byte on it. This one classifies 64
 * bytes at a time with AVX2 (quotes, backslashes, structural bytes, white space; escapes by
 * the odd-length runs of backslashes; strings by the running parity of their quotes, a
 * carry-less multiply) and runs only the tokens outside strings through the grammar.
 *
 * It vouches or gives up, never refuses: it returns the end of the value when the value is
 * valid JSON that fo_json_read would accept, and NULL whenever it cannot vouch for it (no AVX2
 * or no PCLMUL on this CPU, non-ASCII text, reals, integers of more than 18 digits, \u escapes of
 * NUL or surrogates, nesting deeper than max_nest or 64, the end of the input, anything invalid).
 * The caller then reads the value the byte-wise way, which words every error. Pure; thread-safe. */

#include <stddef.h>
#include <stdint.h>

/* Of the backslashes bs of a block of at most 32 bytes whose first byte is not escaped (bit
 * i: byte i), those that escape the byte after them: in a run of backslashes every other one.
 * Shared by the readers' block loops. */
static inline uint32_t fo_json_escaping_backslashes(uint32_t bs)
{
    if (!(bs & (bs << 1)))
        return bs;
    uint32_t esc = 0;
    for (uint32_t starts = bs; starts;) {
        unsigned i = (unsigned)__builtin_ctz(starts);
        esc |= (uint32_t)1 << i;
        starts &= ~((uint32_t)3 << i);
    }
    return esc;
}

/* p points at '{' or '['; end is the end of the input. max_nest: the deepest nesting of
 * containers (this one counted as 1) the caller allows. */
const unsigned char *fo_json_skim_container(const unsigned char *p, const unsigned char *end,
                                            unsigned max_nest);

/* Text inside a string that is full of simple escapes (\" \\ \/ \b \f \n \r \t), such as
 * JSON inside a string, 32 bytes at a time: p is a byte of the string that is not escaped.
 * Returns the first byte from p that needs a closer look (the closing quote, a control
 * character, a byte from 0x80 up, the backslash of a \u or invalid escape), or a point
 * less than 32 bytes from end, or p itself without AVX2: the caller goes on from there. */
const unsigned char *fo_json_skim_escaped_text(const unsigned char *p, const unsigned char *end);

#endif
