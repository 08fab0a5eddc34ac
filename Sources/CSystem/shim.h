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

// accept4 is hidden without _GNU_SOURCE, and defining _GNU_SOURCE here breaks other imports.
extern int accept4(int, struct sockaddr *, socklen_t *, int);

// sched_getaffinity is hidden without _GNU_SOURCE too; the mask is passed as raw bytes
// (cpu_set_t and CPU_COUNT are macros/hidden types) and counted in Swift.
extern int sched_getaffinity(pid_t pid, size_t cpusetsize, void *mask);
