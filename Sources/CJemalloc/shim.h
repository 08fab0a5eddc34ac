// jemalloc (Debian's libjemalloc-dev) replaces glibc's malloc for the whole process once it is
// linked: Debian builds it without a prefix, so its malloc/free interpose glibc's.
//
// Only its control interface is declared here: <jemalloc/jemalloc.h> redeclares malloc, free and
// friends, which would clash with Glibc's declarations of the same functions in Swift.
#include <stddef.h>

extern int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
