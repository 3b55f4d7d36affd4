/*
 * fuzz_review_request.c — what `cull review` makes of a request before serving it: the Host,
 * Origin and Sec-Fetch-Site checks (address and port parsing), the token and image-signature
 * comparisons, and the
 * image-id parser, on arbitrary bytes. Fields are split at NUL bytes: method, path, host,
 * origin, sec-fetch-site, header token, query token, query signature (missing fields are NULL).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "review/api.h"
#include "review/guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    const char *field[8] = {0};
    size_t at = 0;
    for (int i = 0; i < 8 && at <= size; i++) {
        field[i] = buf + at;
        at += strlen(buf + at) + 1;
    }
    review_request r = {.method = field[0] ? field[0] : "GET", .path = field[1] ? field[1] : "/", .host = field[2],
                        .origin = field[3], .sec_fetch_site = field[4], .header_token = field[5],
                        .query_token = field[6], .query_sig = field[7]};
    review_guard loop = {8123, 1, NULL, "", "0123456789abcdef0123456789abcdef"};
    review_guard wide = {8123, 0, "192.168.1.5", "myhost", "0123456789abcdef0123456789abcdef"};
    review_guard_check(&loop, &r);
    review_guard_check(&wide, &r);
    if (field[2]) review_host_allowed(&wide, field[2]);
    api_parse_id(buf, size);
    free(buf);
    return 0;
}
