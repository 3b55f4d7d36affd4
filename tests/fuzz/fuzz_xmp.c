/*
 * fuzz_xmp.c — the XMP paths of `cull import xmp` and `cull export xmp`: a sidecar's bytes go
 * through the checks (size, encoding, DTD) and exempi's parser, then the marks through the keep
 * rule; and the same bytes get cull's properties and a flag merged in (the first byte picks the
 * flag), and the result must read back. A hostile sidecar must give an error, never a bad read,
 * a hang or a blow-up.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <glib.h>

#include "media/xmp.h"
#include "pipeline/importer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static import_rule rule;
    static int ready;
    if (!ready) {
        char err[256];
        if (xmp_start() || import_rule_parse("pick,rating>=2,label=Red,color=3", &rule, err, sizeof err)) return 0;
        ready = 1;
    }
    xmp_marks m;
    char err[256];
    if (xmp_marks_from_packet((const char *)data, size, &m, err, sizeof err) == 0) {
        m.source[0] = 's';   /* as if from a sidecar */
        import_decision d;
        import_decide(&m, &rule, &d);
    }
    xmp_export e = {0.75, "fuzz", "2026-12-06T00:00:00Z", size ? data[0] % 4 : XMP_MARK_NONE, "cull"};
    xmp_export_result r;
    char *out;
    size_t len;
    if (xmp_export_packet((const char *)data, size, &e, &out, &len, &r, err, sizeof err) == 0) {
        if (xmp_marks_from_packet(out, len, &m, err, sizeof err) != 0) abort();   /* what cull writes must read */
        g_free(out);
    }
    return 0;
}
