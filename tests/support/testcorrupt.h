#ifndef FO_TESTCORRUPT_H
#define FO_TESTCORRUPT_H

/* Deterministic corruptions of a text for the suites that hold a reader to jansson's verdict
 * (test_review_json, test_json_skim): the same edits on every run. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One xorshift64* step of *state (never 0). */
uint64_t fo_test_rand(uint64_t *state);

/* One to three edits of buf[0..*len): a byte replaced by, or inserted from, alphabet, a byte
 * deleted, or (when truncate) the text cut there. The first `keep` bytes stay. buf must have
 * room for three more bytes. */
void fo_test_corrupt(char *buf, size_t *len, size_t keep, const char *alphabet, bool truncate,
                     uint64_t *state);

#endif
