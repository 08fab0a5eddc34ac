/* report.c - the main thread: drives the phases, waits for the workers, prints one JSON line. */
#include "tandemload.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

uint64_t send_start_ns(void);
void set_send_start(uint64_t t);

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_us(const uint64_t *a, long n, double q) {
    if (n <= 0) return 0;
    long i = (long)(q * (double)n);
    return (double)a[i >= n ? n - 1 : i] / 1000.0;
}

static double cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* CPU seconds (user + system) the process cfg.server_pid has used so far; -1 when unknown. */
static double server_cpu_s(void) {
    if (cfg.server_pid <= 0) return -1;
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", cfg.server_pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command name may hold spaces; fields restart after it */
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Waits until *v (+ *fail) reaches target; -1 on timeout or a fatal setup answer. */
static int wait_until(_Atomic long *v, long target, _Atomic long *fail, uint64_t deadline) {
    while (atomic_load(v) + (fail ? atomic_load(fail) : 0) < target) {
        if (atomic_load(&g_fatal) || now_ns() > deadline) return -1;
        usleep(1000);
    }
    return 0;
}

/* The send phase ends when every expected delivery arrived or was written off (dead connection,
 * refused post) and, in tandem mode, every post was answered or written off. */
/* TANDEMLOAD_TIMELINE=FILE: one line per 10-ms bucket of send time that got a delivery,
 * "<ms since the send phase began> <worst latency in µs>", to see whether the tail is periodic. */
static void write_timeline(worker_t *ws) {
    const char *path = getenv("TANDEMLOAD_TIMELINE");
    FILE *f = path ? fopen(path, "w") : NULL;
    if (!f) return;
    for (long b = 0; b < TL_BUCKETS; b++) {
        uint32_t worst = 0;
        for (int t = 0; t < cfg.threads; t++) if (ws[t].tl_max_us[b] > worst) worst = ws[t].tl_max_us[b];
        if (worst) fprintf(f, "%ld %u\n", b * (TL_BUCKET_NS / 1000000), worst);
    }
    fclose(f);
}

static int wait_send(worker_t *ws, long expected, long posts, uint64_t deadline) {
    for (;;) {
        long got = 0, answered = 0;
        for (int t = 0; t < cfg.threads; t++) {
            got += atomic_load_explicit(&ws[t].pub_received, memory_order_relaxed) +
                   atomic_load_explicit(&ws[t].pub_lost, memory_order_relaxed) +
                   atomic_load_explicit(&ws[t].pub_undeliverable, memory_order_relaxed);
            answered += atomic_load_explicit(&ws[t].pub_answered, memory_order_relaxed) +
                        atomic_load_explicit(&ws[t].pub_lost_posts, memory_order_relaxed);
        }
        if (got >= expected && (cfg.mode == MODE_ROOM || answered >= posts)) return 0;
        if (now_ns() > deadline) return -1;
        usleep(5000); /* the figures use the workers' timestamps, not this poll */
    }
}

static uint64_t *gather(worker_t *ws, size_t field_off, size_t count_off, long *n_out) {
    long n = 0;
    for (int t = 0; t < cfg.threads; t++) n += *(long *)((char *)&ws[t] + count_off);
    uint64_t *all = malloc(sizeof(uint64_t) * (size_t)(n + 1));
    for (long t = 0, i = 0; t < cfg.threads; t++) {
        long k = *(long *)((char *)&ws[t] + count_off);
        memcpy(all + i, *(uint64_t **)((char *)&ws[t] + field_off), sizeof(uint64_t) * (size_t)k);
        i += k;
    }
    qsort(all, (size_t)n, sizeof *all, cmp_u64);
    *n_out = n;
    return all;
}

static void print_codes(worker_t *ws) {
    char names[MAX_CODES * 4][32];
    long counts[MAX_CODES * 4];
    int n = 0;
    for (int t = 0; t < cfg.threads; t++)
        for (int i = 0; i < MAX_CODES && ws[t].codes[i][0]; i++) {
            int j = 0;
            while (j < n && strcmp(names[j], ws[t].codes[i]) != 0) j++;
            if (j == n) {
                if (n == MAX_CODES * 4) continue;
                memcpy(names[n], ws[t].codes[i], 32); counts[n++] = 0;
            }
            counts[j] += ws[t].code_n[i];
        }
    printf("\"error_codes\":{");
    for (int j = 0; j < n; j++) printf("%s\"%s\":%ld", j ? "," : "", names[j], counts[j]);
    printf("},");
}

int run_main(worker_t *ws, long expected, long posts) {
    uint64_t tmo = (uint64_t)cfg.timeout_s * 1000000000ull, t0 = now_ns();
    const char *err = NULL;
    int setup_ok = wait_until(&g_open, cfg.conns, &g_failed, t0 + tmo) == 0 && atomic_load(&g_failed) == 0;
    uint64_t t_conn = now_ns(), t_create = t_conn, t_join = t_conn, t_sync = t_conn;
    char msg[200];
    if (!setup_ok) {
        int st = atomic_load(&g_http_status);
        int k = snprintf(msg, sizeof msg, "%s", atomic_load(&g_failed) ? "connections failed" : "connect timeout");
        if (st == -101) snprintf(msg + k, sizeof msg - (size_t)k, " (the server did not select tandem.v1)");
        else if (st > 0) snprintf(msg + k, sizeof msg - (size_t)k, " (last HTTP status %d)", st);
        err = msg;
    }
    if (!err && cfg.mode == MODE_TANDEM && cfg.create) {
        atomic_store(&g_phase, PH_CREATE);
        if (wait_until(&g_created, cfg.rooms, NULL, t0 + tmo) < 0) err = g_fatal ? g_fatal_msg : "session.create timeout";
        t_create = t_join = t_sync = now_ns();
    }
    if (!err && cfg.mode == MODE_TANDEM) {
        atomic_store(&g_phase, PH_JOIN);
        if (wait_until(&g_joined, cfg.conns, NULL, t0 + tmo) < 0) err = g_fatal ? g_fatal_msg : "session.join timeout";
        t_join = t_sync = now_ns();
    }
    if (!err && cfg.sync) {
        atomic_store(&g_phase, PH_SYNC);
        if (wait_until(&g_synced, cfg.conns, NULL, t0 + tmo) < 0) err = "sync timeout (some members never got a probe)";
        t_sync = now_ns();
    }
    setup_ok = !err;
    double cpu0 = cpu_s(), cpu1 = cpu0, srv0 = server_cpu_s(), srv1 = srv0;
    if (!err) {
        set_send_start(now_ns());
        atomic_store(&g_phase, PH_SEND);
        if (wait_send(ws, expected, posts, send_start_ns() + tmo) < 0) err = "send phase timeout";
        cpu1 = cpu_s();
        srv1 = server_cpu_s();
    }
    atomic_store(&g_phase, PH_DONE);
    for (int t = 0; t < cfg.threads; t++) pthread_join(ws[t].th, NULL);

    long sent = 0, received = 0, acked = 0, answered = 0, errors = 0, bad = 0, order = 0, other = 0, nlat, nack, nhs;
    uint64_t start = send_start_ns(), last_rx = start, last_ack = start;
    for (int t = 0; t < cfg.threads; t++) {
        worker_t *w = &ws[t];
        sent += w->sent; received += w->received; acked += w->acked; answered += w->answered;
        errors += w->errors; bad += w->bad; order += w->order_errors; other += w->other_events;
        if (w->last_rx > last_rx) last_rx = w->last_rx;
        if (w->last_ack > last_ack) last_ack = w->last_ack;
    }
    uint64_t *lat = gather(ws, offsetof(worker_t, lat), offsetof(worker_t, nlat), &nlat);
    uint64_t *ack = gather(ws, offsetof(worker_t, ack_lat), offsetof(worker_t, nack), &nack);
    uint64_t *hs = gather(ws, offsetof(worker_t, hs_lat), offsetof(worker_t, nhs), &nhs);
    double elapsed = start && last_rx > start ? (double)(last_rx - start) / 1e9 : 0;
    double ack_elapsed = start && last_ack > start ? (double)(last_ack - start) / 1e9 : 0;
    if (!err && received != expected) err = "deliveries missing";
    if (!err && cfg.mode == MODE_TANDEM && acked != posts) err = "posts not acknowledged";
    if (!err && (errors || order || bad)) err = order ? "turns out of order" : errors ? "errors" : "bad frames";

    printf("{\"mode\":\"%s\",\"connections\":%d,\"rooms\":%d,\"senders\":%d,\"msgs_per_sender\":%d,\"payload_bytes\":%d,"
           "\"threads\":%d,\"window\":%d,\"rate\":%.0f,\"messages_sent\":%ld,\"posts_acked\":%ld,\"posts_answered\":%ld,"
           "\"deliveries_expected\":%ld,\"deliveries_received\":%ld,\"elapsed_s\":%.4f,\"deliveries_per_s\":%.0f,"
           "\"acked_per_s\":%.0f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,"
           "\"ack_p50_us\":%.1f,\"ack_p99_us\":%.1f,\"connect_s\":%.4f,\"handshake_p50_us\":%.1f,\"handshake_p99_us\":%.1f,"
           "\"create_s\":%.4f,\"join_s\":%.4f,\"sync_s\":%.4f,\"conn_failed\":%ld,\"errors\":%ld,\"bad_frames\":%ld,"
           "\"order_errors\":%ld,\"other_events\":%ld,",
           cfg.mode == MODE_TANDEM ? "tandem" : "room", cfg.conns, cfg.rooms, cfg.senders, cfg.msgs, cfg.payload,
           cfg.threads, cfg.window == INT_MAX ? -1 : cfg.window, cfg.rate, sent, acked, answered, expected, received,
           elapsed, elapsed > 0 ? (double)received / elapsed : 0, ack_elapsed > 0 ? (double)acked / ack_elapsed : 0,
           pct_us(lat, nlat, 0.50), pct_us(lat, nlat, 0.90), pct_us(lat, nlat, 0.99), nlat ? (double)lat[nlat - 1] / 1000.0 : 0,
           pct_us(ack, nack, 0.50), pct_us(ack, nack, 0.99), (double)(t_conn - t0) / 1e9, pct_us(hs, nhs, 0.50),
           pct_us(hs, nhs, 0.99), (double)(t_create - t_conn) / 1e9, (double)(t_join - t_create) / 1e9,
           (double)(t_sync - t_join) / 1e9, (long)atomic_load(&g_failed), errors, bad, order, other);
    print_codes(ws);
    write_timeline(ws);
    if (srv0 >= 0 && srv1 >= 0) printf("\"server_send_cpu_s\":%.2f,", srv1 - srv0);
    printf("\"load_cpu_s\":%.3f,\"load_cpu_util\":%.3f,\"error\":%s%s%s}\n", cpu1 - cpu0,
           elapsed > 0 ? (cpu1 - cpu0) / (elapsed * cfg.threads) : 0, err ? "\"" : "", err ? err : "null", err ? "\"" : "");
    fflush(stdout);
    if (!err) return 0;
    return setup_ok ? 2 : 1;
}
