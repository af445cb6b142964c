/*
 * eval_bench.c - ldredis_evaluate, warm cache, against a raw hiredis HGET of the flag (the
 * floor a C program that reads the flag JSON itself pays before it has evaluated anything).
 * Counts the allocations one evaluation makes (this binary interposes malloc & co.; the
 * library's calls resolve to them). Prints one JSON object.
 *
 *   eval_bench REDIS_URL HOST PORT DATA_JSON_FILE SECONDS
 */
#define _GNU_SOURCE
#include <hiredis/hiredis.h>
#include <ldredis.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- allocation counting (glibc: __libc_* are the real allocator); -DNO_ALLOC_COUNT drops it ---- */
#ifndef NO_ALLOC_COUNT
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);
static __thread unsigned long allocations;

void *malloc(size_t n) { allocations++; return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { allocations++; return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { allocations++; return __libc_realloc(p, n); }
void free(void *p) { __libc_free(p); }
int posix_memalign(void **out, size_t align, size_t n) {
    allocations++;
    void *p = __libc_memalign(align, n);
    if (!p) return 12;
    *out = p;
    return 0;
}
void *aligned_alloc(size_t align, size_t n) { allocations++; return __libc_memalign(align, n); }
void *memalign(size_t align, size_t n) { allocations++; return __libc_memalign(align, n); }
#else
static unsigned long allocations;
#endif

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) { perror("fread"); exit(1); }
    buf[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static const char *CONTEXT =
    "{\"kind\":\"user\",\"key\":\"user-12345\",\"email\":\"someone@example.com\",\"plan\":\"silver\","
    "\"country\":\"fr\"}";

int main(int argc, char **argv) {
    if (argc < 6) { fprintf(stderr, "usage: eval_bench URL HOST PORT DATA SECONDS\n"); return 2; }
    double seconds = atof(argv[5]);
    size_t data_len;
    char *data = read_file(argv[4], &data_len);
    ldredis_config *cfg;
    ldredis_store *store;
    if (ldredis_config_new(&cfg) || ldredis_config_set_url(cfg, argv[1]) ||
        ldredis_config_set_prefix(cfg, "evalbench") || ldredis_config_set_cache_ttl_ms(cfg, 3600000) ||
        ldredis_store_new(&store, cfg) || ldredis_store_init_json(store, data, data_len)) {
        fprintf(stderr, "setup: %s\n", ldredis_last_error());
        return 1;
    }
    size_t ctx_len = strlen(CONTEXT);
    char *out = NULL;
    size_t out_len = 0;
    /* Warm the cache and show the detail. */
    if (ldredis_evaluate(&out, &out_len, store, "bench-flag", CONTEXT, ctx_len, "null", 4)) {
        fprintf(stderr, "evaluate: %s\n", ldredis_last_error());
        return 1;
    }
    char detail[512];
    snprintf(detail, sizeof detail, "%s", out);
    ldredis_free(out);

    /* Allocations per evaluation (warm). */
    unsigned long a0 = allocations;
    for (int i = 0; i < 1000; i++) {
        ldredis_evaluate(&out, &out_len, store, "bench-flag", CONTEXT, ctx_len, "null", 4);
        ldredis_free(out);
    }
    double allocs = (double)(allocations - a0) / 1000.0;

    /* ldredis_evaluate, warm, and a raw HGET of the flag over one hiredis connection:
       alternating rounds (a shared machine's load then hits both alike), each side's best
       round kept. */
    redisContext *c = NULL;
    int eval_only = argc > 6 && strcmp(argv[6], "eval-only") == 0;
    if (!eval_only) {
        c = redisConnect(argv[2], atoi(argv[3]));
        if (!c || c->err) { fprintf(stderr, "hiredis connect failed\n"); return 1; }
    }
    const int rounds = 10;
    uint64_t budget = (uint64_t)(seconds * 1e9 / rounds / 2), n = 0, m = 0;
    double eval_ns = 1e300, hget_ns = 1e300;
    for (int round = 0; round < rounds; round++) {
        uint64_t k = 0, t0 = now_ns();
        while (now_ns() - t0 < budget) {
            for (int i = 0; i < 1000; i++) {
                ldredis_evaluate(&out, &out_len, store, "bench-flag", CONTEXT, ctx_len, "null", 4);
                ldredis_free(out);
            }
            k += 1000;
        }
        double ns = (double)(now_ns() - t0) / (double)k;
        if (ns < eval_ns) eval_ns = ns;
        n += k;
        if (eval_only) continue;
        k = 0;
        t0 = now_ns();
        while (now_ns() - t0 < budget) {
            for (int i = 0; i < 100; i++) {
                redisReply *r = redisCommand(c, "HGET %s %s", "evalbench:features", "bench-flag");
                if (!r || r->type != REDIS_REPLY_STRING) { fprintf(stderr, "HGET failed\n"); return 1; }
                freeReplyObject(r);
            }
            k += 100;
        }
        ns = (double)(now_ns() - t0) / (double)k;
        if (ns < hget_ns) hget_ns = ns;
        m += k;
    }
    if (eval_only) {
        printf("{\"evaluate_warm_ns\": %.1f, \"allocations_per_evaluation\": %.2f}\n", eval_ns, allocs);
        return 0;
    }
    redisFree(c);

    printf("{\"evaluate_warm_ns\": %.1f, \"evaluations\": %llu, \"allocations_per_evaluation\": %.2f, "
           "\"hget_ns\": %.1f, \"hgets\": %llu, \"ratio_evaluate_to_hget\": %.4f, \"detail\": ",
           eval_ns, (unsigned long long)n, allocs, hget_ns, (unsigned long long)m, eval_ns / hget_ns);
    printf("\"");
    for (const char *p = detail; *p; p++) { if (*p == '"' || *p == '\\') putchar('\\'); putchar(*p); }
    printf("\"}\n");
    ldredis_store_free(store);
    ldredis_config_free(cfg);
    free(data);
    return 0;
}
