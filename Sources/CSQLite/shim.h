#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer; it does not import into Swift.
static inline sqlite3_destructor_type tandem_sqlite_transient(void) { return SQLITE_TRANSIENT; }
static inline sqlite3_destructor_type tandem_sqlite_static(void) { return SQLITE_STATIC; }

// sqlite3_config is variadic (not callable from Swift). Memory statistics take a global mutex on
// every allocation; the store does not use them. Must run before the first connection opens.
static inline int tandem_sqlite_disable_memstatus(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

// The store's search-indexing thread lowers its own CPU priority (setpriority takes a thread id
// on Linux); gettid is hidden without _GNU_SOURCE, which breaks other imports when defined here.
#include <sys/types.h>
extern pid_t gettid(void);
