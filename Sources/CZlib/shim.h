#include <zlib.h>

// deflateInit2/inflateInit2 are macros (they pass the version and struct size); wrap them.
static inline int tandem_deflateInit2(z_streamp strm, int level, int method, int windowBits, int memLevel, int strategy) {
    return deflateInit2(strm, level, method, windowBits, memLevel, strategy);
}
static inline int tandem_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
