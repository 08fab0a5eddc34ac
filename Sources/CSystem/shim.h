#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <malloc.h>
#include <string.h>

// accept4 is hidden without _GNU_SOURCE, and defining _GNU_SOURCE here breaks other imports.
extern int accept4(int, struct sockaddr *, socklen_t *, int);

// sched_getaffinity is hidden without _GNU_SOURCE too; the mask is passed as raw bytes
// (cpu_set_t and CPU_COUNT are macros/hidden types) and counted in Swift.
extern int sched_getaffinity(pid_t pid, size_t cpusetsize, void *mask);

// pthread_setname_np is hidden without _GNU_SOURCE as well. Linux keeps 15 bytes of a thread's
// name and refuses a longer one (ERANGE), so this cuts it: the name shows in top -H, perf, gdb.
extern int pthread_setname_np(pthread_t thread, const char *name);
static inline void tandem_name_current_thread(const char *name) {
    char cut[16];
    strncpy(cut, name, 15);
    cut[15] = 0;
    pthread_setname_np(pthread_self(), cut);
}
