#include "tests/support/testcorrupt.h"

#include <string.h>

uint64_t fo_test_rand(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545F4914F6CDD1DULL;
}

void fo_test_corrupt(char *buf, size_t *len, size_t keep, const char *alphabet, bool truncate,
                     uint64_t *state)
{
    size_t n = *len, nalpha = strlen(alphabet);
    int edits = 1 + (int)(fo_test_rand(state) % 3);
    for (int e = 0; e < edits && n > keep; e++) {
        size_t at = keep + (size_t)(fo_test_rand(state) % (n - keep));
        char c = alphabet[fo_test_rand(state) % nalpha];
        switch (fo_test_rand(state) % (truncate ? 4 : 3)) {
        case 0: /* replace */
            buf[at] = c;
            break;
        case 1: /* delete */
            memmove(buf + at, buf + at + 1, n - at - 1);
            n--;
            break;
        case 2: /* insert */
            memmove(buf + at + 1, buf + at, n - at);
            buf[at] = c;
            n++;
            break;
        default: /* truncate */
            n = at;
        }
    }
    *len = n;
}
