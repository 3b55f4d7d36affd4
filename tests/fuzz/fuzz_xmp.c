/*
 * fuzz_xmp.c — the XMP reading path of `cull import xmp`: a sidecar's bytes go through the checks
 * (size, encoding, DTD) and exempi's parser, then the marks through the keep rule. A hostile
 * sidecar must give an error, never a bad read, a hang or a blow-up.
 */
#include <stdint.h>
#include <stddef.h>

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
    return 0;
}
