/*
 * bench.c - the C side of `make bench`: libldredis against raw hiredis, in one process, on
 * one redis-server, with the same keys, the same item bytes and the same connection type
 * (TCP over loopback, TCP_NODELAY, database 0).
 *
 *   ldbench run URL DATADIR INIT_N quick|full     prints results as JSON on stdout
 *   ldbench mem URL PREFIX TSVFILE                 resident size of a process caching the flags
 *   ldbench one URL DATADIR INIT_N CASE N          one case N times, for perf / callgrind
 *   ldbench pair URL DATADIR A B ROUNDS SAMPLES    two cases in turn: medians and A / B
 *   ldbench threads URL DATADIR MODE T SECONDS     T threads' ops/s (hit, off, raw, spin)
 *   ldbench handshakes URL DATADIR N T             N gets, cache off, from T threads on one
 *                                                  store (pool 16): JSON with the time taken
 *
 * Over TLS: with LDREDIS_TLS_URL and LDREDIS_TLS_CA_FILE set (scripts/with-redis.sh --tls), `run`
 * adds the TLS cases (get, cache off, and store creation + first get, over the TLS port of the
 * same server), `one` has the cases get_off_tls and open_first_tls, and a rediss:// URL given to
 * `handshakes` trusts LDREDIS_TLS_CA_FILE.
 *
 * `run` expects DATADIR/data-1000.{json,tsv} and DATADIR/data-INIT_N.{json,tsv} (see
 * bench/gen_data.py). It writes only under its own prefixes (bench1k, benchinit-*, benchup)
 * in the server it is given.
 *
 * Each case is measured in R rounds; the rounds interleave the cases (round 1 of every case,
 * then round 2 ...), so that a noisy neighbour slows both sides of a comparison alike. A
 * sample is the time of one operation, or, for operations too fast to time one by one
 * (cache hits), the mean of a batch of B operations. Results: median, p99 and mean over all
 * samples, and the median of each round. Throughput cases (threads) report ops/s per round.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <hiredis/hiredis.h>
#include <ldredis.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#endif
#endif
#ifndef CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#endif

/* ---- utilities ----------------------------------------------------------------------------- */

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("ldbench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory");
    return p;
}

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) die("out of memory");
    return p;
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open %s: %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = xmalloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) die("cannot read %s", path);
    buf[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void ld_check(int st, const char *what) {
    if (st < 0) die("%s: %s: %s", what, ldredis_status_name(st), ldredis_last_error());
}

/* ---- data: the TSV twin of a data set (kind \t key \t json per line) ------------------------- */

typedef struct {
    const char *kind, *key, *json;
    size_t key_len, json_len;
} item_t;

typedef struct {
    char *buf;       /* the TSV file, cut into NUL-terminated fields in place */
    item_t *items;
    size_t n, n_flags;
    char *doc;       /* data-N.json, the document ldredis_store_init_json takes */
    size_t doc_len;
} dataset_t;

static void load_dataset(dataset_t *d, const char *dir, int n) {
    char path[4096];
    size_t len;
    snprintf(path, sizeof path, "%s/data-%d.tsv", dir, n);
    d->buf = read_file(path, &len);
    size_t cap = 1024;
    d->items = xmalloc(cap * sizeof *d->items);
    d->n = d->n_flags = 0;
    char *p = d->buf, *end = d->buf + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) nl = end;
        char *t1 = memchr(p, '\t', (size_t)(nl - p));
        char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(nl - t1 - 1)) : NULL;
        if (!t2) die("%s: bad line", path);
        *t1 = *t2 = *nl = 0;
        if (d->n == cap) d->items = xrealloc(d->items, (cap *= 2) * sizeof *d->items);
        item_t *it = &d->items[d->n++];
        it->kind = p;
        it->key = t1 + 1;
        it->key_len = (size_t)(t2 - t1 - 1);
        it->json = t2 + 1;
        it->json_len = (size_t)(nl - t2 - 1);
        if (strcmp(it->kind, "features") == 0) d->n_flags++;
        p = nl + 1;
    }
    snprintf(path, sizeof path, "%s/data-%d.json", dir, n);
    d->doc = read_file(path, &d->doc_len);
}

/* ---- series: samples and their statistics ------------------------------------------------ */

typedef struct {
    const char *name, *desc;
    int batch;
    double *v;          /* ns per operation, every sample of every round */
    size_t n, cap;
    double *round_med;  /* median of each round */
    int rounds;
} series_t;

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double quantile_sorted(const double *v, size_t n, double q) {
    if (n == 0) return 0;
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    double frac = pos - (double)i;
    return i + 1 < n ? v[i] * (1 - frac) + v[i + 1] * frac : v[i];
}

static void series_init(series_t *s, const char *name, const char *desc, int batch, int rounds) {
    memset(s, 0, sizeof *s);
    s->name = name;
    s->desc = desc;
    s->batch = batch;
    s->round_med = xmalloc(sizeof(double) * (size_t)rounds);
}

static void series_add(series_t *s, double v) {
    if (s->n == s->cap) s->v = xrealloc(s->v, (s->cap = s->cap ? s->cap * 2 : 1024) * sizeof(double));
    s->v[s->n++] = v;
}

/* Marks the end of a round: the median of the samples added since `from`. */
static void series_end_round(series_t *s, size_t from) {
    size_t k = s->n - from;
    double *tmp = xmalloc(k * sizeof(double));
    memcpy(tmp, s->v + from, k * sizeof(double));
    qsort(tmp, k, sizeof(double), cmp_double);
    s->round_med[s->rounds++] = quantile_sorted(tmp, k, 0.5);
    free(tmp);
}

typedef int (*op_fn)(void *ctx, size_t i);

typedef void (*after_fn)(void *ctx);

/* One round of a case: `samples` samples of `batch` operations each; op(ctx, i) with a
   running index i (the caller maps it to keys). after (may be NULL) runs after each sample,
   untimed. */
static void run_block(series_t *s, op_fn op, after_fn after, void *ctx, int samples, size_t *counter) {
    for (int k = 0; k < samples; k++) {
        uint64_t t0 = now_ns();
        for (int b = 0; b < s->batch; b++) op(ctx, (*counter)++);
        uint64_t t1 = now_ns();
        series_add(s, (double)(t1 - t0) / s->batch);
        if (after) after(ctx);
    }
}

/* ---- the two sides ------------------------------------------------------------------------- */

static const char *g_url;
static char g_host[256] = "127.0.0.1";
static int g_port = 6379;

static void parse_url(const char *url) {
    /* redis://host:port[/db] as with-redis.sh and run.sh give it */
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    const char *colon = strrchr(p, ':');
    if (!colon) die("URL without a port: %s", url);
    size_t hl = (size_t)(colon - p);
    if (hl >= sizeof g_host) die("host too long");
    memcpy(g_host, p, hl);
    g_host[hl] = 0;
    g_port = atoi(colon + 1);
}

/* The TLS side (LDREDIS_TLS_URL, LDREDIS_TLS_CA_FILE from scripts/with-redis.sh --tls): the
   same server as g_url, on its TLS port. NULL: the TLS cases are skipped. */
static const char *g_tls_url, *g_tls_ca;

static void tls_from_env(void) {
    g_tls_url = getenv("LDREDIS_TLS_URL");
    g_tls_ca = getenv("LDREDIS_TLS_CA_FILE");
    if (g_tls_url && !*g_tls_url) g_tls_url = NULL;
    if (g_tls_url && (!g_tls_ca || !*g_tls_ca)) die("LDREDIS_TLS_URL without LDREDIS_TLS_CA_FILE");
}

/* A store on url (a rediss:// URL trusts the CA file ca). */
static ldredis_store *ld_open_at(const char *url, const char *ca, const char *prefix, int64_t ttl_ms, int mode, int pool) {
    ldredis_config *cfg = NULL;
    ldredis_store *st = NULL;
    ld_check(ldredis_config_new(&cfg), "config_new");
    ld_check(ldredis_config_set_url(cfg, url), "set_url");
    if (ca) ld_check(ldredis_config_set_tls_ca_file(cfg, ca), "set_tls_ca_file");
    ld_check(ldredis_config_set_prefix(cfg, prefix), "set_prefix");
    ld_check(ldredis_config_set_cache_ttl_ms(cfg, ttl_ms), "set_cache_ttl_ms");
    ld_check(ldredis_config_set_upsert_mode(cfg, mode), "set_upsert_mode");
    ld_check(ldredis_config_set_pool_size(cfg, pool), "set_pool_size");
    ld_check(ldredis_config_set_operation_timeout_ms(cfg, 30000), "set_operation_timeout_ms");
    ld_check(ldredis_store_new(&st, cfg), "store_new");
    ldredis_config_free(cfg);
    return st;
}

static ldredis_store *ld_open(const char *prefix, int64_t ttl_ms, int mode, int pool) {
    return ld_open_at(g_url, NULL, prefix, ttl_ms, mode, pool);
}

static redisContext *raw_open(void) {
    struct timeval tv = {5, 0};
    redisContext *c = redisConnectWithTimeout(g_host, g_port, tv);
    if (!c || c->err) die("hiredis connect %s:%d: %s", g_host, g_port, c ? c->errstr : "?");
    return c;
}

static redisReply *raw_cmd(redisContext *c, int argc, const char **argv, const size_t *lens) {
    redisReply *r = redisCommandArgv(c, argc, argv, lens);
    if (!r) die("hiredis: %s", c->errstr);
    if (r->type == REDIS_REPLY_ERROR) die("hiredis: error reply: %s", r->str);
    return r;
}

/* The keys the get cases cycle through: every flag of the 1,000-flag data set, in file order. */
typedef struct {
    ldredis_store *ld;
    redisContext *raw;
    const dataset_t *d;
    const char *hash;       /* raw side: PREFIX:features */
    size_t hash_len;
} get_ctx;

static int ld_get_op(void *p, size_t i) {
    get_ctx *c = p;
    const item_t *it = &c->d->items[i % c->d->n_flags];
    char *out = NULL;
    size_t len = 0;
    int st = ldredis_store_get(&out, &len, c->ld, "features", it->key);
    if (st != LDREDIS_OK) die("get %s: %s %s", it->key, ldredis_status_name(st), ldredis_last_error());
    ldredis_free(out);
    return 0;
}

static int raw_hget_op(void *p, size_t i) {
    get_ctx *c = p;
    const item_t *it = &c->d->items[i % c->d->n_flags];
    const char *argv[3] = {"HGET", c->hash, it->key};
    size_t lens[3] = {4, c->hash_len, it->key_len};
    redisReply *r = raw_cmd(c->raw, 3, argv, lens);
    if (r->type != REDIS_REPLY_STRING) die("HGET %s: no string", it->key);
    freeReplyObject(r);
    return 0;
}

/* A pair of cases measured op by op in turn (a b, b a, a b ...: each sample one operation of
   each, on the same key, the order swapped every sample), so that both see the same moment of
   the machine: on a shared VM the round trip has two modes (a busy vCPU answers in ~15 µs, an
   idle one wakes in ~45 µs) that change within a second, and blocks of one case then the other
   can land in different modes. */
static void run_pair_block(series_t *sa, op_fn a, void *ca, series_t *sb, op_fn b, void *cb, int samples, size_t *counter) {
    for (int k = 0; k < samples; k++) {
        size_t i = (*counter)++;
        int a_first = (k & 1) == 0;
        uint64_t t0 = now_ns();
        if (a_first) a(ca, i); else b(cb, i);
        uint64_t t1 = now_ns();
        if (a_first) b(cb, i); else a(ca, i);
        uint64_t t2 = now_ns();
        series_add(a_first ? sa : sb, (double)(t1 - t0));
        series_add(a_first ? sb : sa, (double)(t2 - t1));
    }
}

/* Store creation + first operation: the configuration, ldredis_store_new (over TLS: the CA
   file read into a new TLS context) and a first get, cache off, which opens the connection
   (over TLS: a full handshake, as a new store has no session to resume). The store is freed
   after the sample, untimed (open_free). */
typedef struct {
    const char *url, *ca;
    const dataset_t *d;
    ldredis_store *last;
} open_ctx;

static int ld_open_first_op(void *p, size_t i) {
    open_ctx *c = p;
    get_ctx g = {ld_open_at(c->url, c->ca, "bench1k", 0, LDREDIS_UPSERT_SCRIPT, 16), NULL, c->d, "bench1k:features", 16};
    ld_get_op(&g, i);
    c->last = g.ld;
    return 0;
}

static void open_free(void *p) {
    open_ctx *c = p;
    ldredis_store_free(c->last);
    c->last = NULL;
}

static int ld_all_op(void *p, size_t i) {
    (void)i;
    get_ctx *c = p;
    char *out = NULL;
    size_t len = 0;
    ld_check(ldredis_store_all_json(&out, &len, c->ld, "features"), "all_json");
    ldredis_free(out);
    return 0;
}

/* all_json, cache off, with every value changed since the store's last call: two copies of the
   1,000 flags, the second with a space after each value (other bytes, the same items), trade
   places under benchchg:features after each sample (untimed). The library then can reuse no
   verdict of its last reply (VerdictMemo) and scans every value, as on a store's first call. */
static get_ctx open_changed(const dataset_t *d1k, redisContext *raw) {
    redisReply *r = redisCommand(raw, "HGETALL bench1k:features");
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 * d1k->n_flags) die("HGETALL bench1k:features");
    freeReplyObject(redisCommand(raw, "DEL benchchg:features benchchg:alt"));
    for (size_t k = 0; k + 1 < r->elements; k += 2) {
        const redisReply *f = r->element[k], *v = r->element[k + 1];
        char *spaced = xmalloc(v->len + 1);
        memcpy(spaced, v->str, v->len);
        spaced[v->len] = ' ';
        freeReplyObject(redisCommand(raw, "HSET benchchg:features %b %b", f->str, f->len, v->str, v->len));
        freeReplyObject(redisCommand(raw, "HSET benchchg:alt %b %b", f->str, f->len, spaced, v->len + 1));
        free(spaced);
    }
    freeReplyObject(r);
    return (get_ctx){ld_open("benchchg", 0, LDREDIS_UPSERT_SCRIPT, 16), raw, d1k, "benchchg:features", 17};
}

static void swap_changed(void *p) {
    get_ctx *c = p;
    freeReplyObject(redisCommand(c->raw, "RENAME benchchg:features benchchg:tmp"));
    freeReplyObject(redisCommand(c->raw, "RENAME benchchg:alt benchchg:features"));
    freeReplyObject(redisCommand(c->raw, "RENAME benchchg:tmp benchchg:alt"));
}

static int raw_hgetall_op(void *p, size_t i) {
    (void)i;
    get_ctx *c = p;
    const char *argv[2] = {"HGETALL", c->hash};
    size_t lens[2] = {7, c->hash_len};
    redisReply *r = raw_cmd(c->raw, 2, argv, lens);
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 * c->d->n_flags) die("HGETALL: %zu elements", r->elements);
    freeReplyObject(r);
    return 0;
}

static int ld_initialized_op(void *p, size_t i) {
    (void)i;
    get_ctx *c = p;
    int v = 0;
    ld_check(ldredis_store_initialized(&v, c->ld), "initialized");
    if (!v) die("not initialized");
    return 0;
}

static int raw_exists_op(void *p, size_t i) {
    (void)i;
    get_ctx *c = p;
    static const char key[] = "bench1k:$inited";
    const char *argv[2] = {"EXISTS", key};
    size_t lens[2] = {6, sizeof key - 1};
    redisReply *r = raw_cmd(c->raw, 2, argv, lens);
    if (r->type != REDIS_REPLY_INTEGER || r->integer != 1) die("EXISTS: not 1");
    freeReplyObject(r);
    return 0;
}

/* ---- init: ldredis_store_init_json vs the same transaction pipelined with hiredis ------------ */

typedef struct {
    ldredis_store *ld;
    redisContext *raw;
    const dataset_t *d;
    int ncmd;
    int *argc;
    const char ***argv;
    size_t **lens;
} init_ctx;

#define HSET_CHUNK 1000 /* ldredis's chunk size (RedisFeatureStore.hsetChunkSize) */

static void add_cmd(init_ctx *c, int argc, const char **argv, size_t *lens) {
    c->argc = xrealloc(c->argc, sizeof(int) * (size_t)(c->ncmd + 1));
    c->argv = xrealloc(c->argv, sizeof(char **) * (size_t)(c->ncmd + 1));
    c->lens = xrealloc(c->lens, sizeof(size_t *) * (size_t)(c->ncmd + 1));
    c->argc[c->ncmd] = argc;
    c->argv[c->ncmd] = argv;
    c->lens[c->ncmd] = lens;
    c->ncmd++;
}

static void add_simple(init_ctx *c, int argc, ...) {
    const char **argv = xmalloc(sizeof(char *) * (size_t)argc);
    size_t *lens = xmalloc(sizeof(size_t) * (size_t)argc);
    va_list ap;
    va_start(ap, argc);
    for (int k = 0; k < argc; k++) {
        argv[k] = va_arg(ap, const char *);
        lens[k] = strlen(argv[k]);
    }
    va_end(ap);
    add_cmd(c, argc, argv, lens);
}

/* MULTI, per kind DEL + HSET (chunks of 1,000 pairs), SET PREFIX:$inited "", EXEC: the
   transaction ldredis sends, prebuilt from the TSV (the raw side gets the items already split,
   which is what makes it the floor). */
static void build_raw_init(init_ctx *c, const char *prefix) {
    static const char *kinds[2] = {"features", "segments"};
    add_simple(c, 1, "MULTI");
    for (int k = 0; k < 2; k++) {
        char *hash = xmalloc(strlen(prefix) + 16);
        sprintf(hash, "%s:%s", prefix, kinds[k]);
        add_simple(c, 2, "DEL", hash);
        size_t idx = 0;
        while (idx < c->d->n) {
            const char **argv = xmalloc(sizeof(char *) * (2 + 2 * HSET_CHUNK));
            size_t *lens = xmalloc(sizeof(size_t) * (2 + 2 * HSET_CHUNK));
            int argc = 2;
            argv[0] = "HSET";
            lens[0] = 4;
            argv[1] = hash;
            lens[1] = strlen(hash);
            for (; idx < c->d->n && argc < 2 + 2 * HSET_CHUNK; idx++) {
                const item_t *it = &c->d->items[idx];
                if (strcmp(it->kind, kinds[k]) != 0) continue;
                argv[argc] = it->key;
                lens[argc++] = it->key_len;
                argv[argc] = it->json;
                lens[argc++] = it->json_len;
            }
            if (argc > 2) add_cmd(c, argc, argv, lens);
            else free(argv), free(lens);
        }
    }
    char *inited = xmalloc(strlen(prefix) + 16);
    sprintf(inited, "%s:$inited", prefix);
    add_simple(c, 3, "SET", inited, "");
    add_simple(c, 1, "EXEC");
}

static int ld_init_op(void *p, size_t i) {
    (void)i;
    init_ctx *c = p;
    ld_check(ldredis_store_init_json(c->ld, c->d->doc, c->d->doc_len), "init_json");
    return 0;
}

static int raw_init_op(void *p, size_t i) {
    (void)i;
    init_ctx *c = p;
    for (int k = 0; k < c->ncmd; k++)
        if (redisAppendCommandArgv(c->raw, c->argc[k], c->argv[k], c->lens[k]) != REDIS_OK)
            die("hiredis append: %s", c->raw->errstr);
    for (int k = 0; k < c->ncmd; k++) {
        redisReply *r = NULL;
        if (redisGetReply(c->raw, (void **)&r) != REDIS_OK || !r) die("hiredis: %s", c->raw->errstr);
        if (r->type == REDIS_REPLY_ERROR) die("init: error reply: %s", r->str);
        if (k == c->ncmd - 1 && r->type != REDIS_REPLY_ARRAY) die("init: EXEC aborted");
        freeReplyObject(r);
    }
    return 0;
}

/* ---- upsert: applied (a higher version each time) and rejected (an older version) ----------- */

/* The SHA of the script ldredis's upserts run (captured, see capture_upsert_sha): the raw
   EVALSHA case runs that very script, so the difference is the library's. */
static char upsert_sha[41];

#define VERSION_BASE 1000000000LL /* 10 digits: patched in place, the JSON keeps its length */

typedef struct {
    ldredis_store *ld;
    redisContext *raw;
    const char *key;        /* the item key (field) */
    char *json;             /* the item, "version":NNNNNNNNNN */
    size_t json_len;
    char *digits;           /* where the 10 version digits are */
    long long next;         /* the next higher version */
    int rejected;           /* 1: always send VERSION_BASE (lower than the stored one) */
} upsert_ctx;

static void set_version(upsert_ctx *c, long long v) {
    char tmp[16];
    snprintf(tmp, sizeof tmp, "%010lld", v);
    memcpy(c->digits, tmp, 10);
}

/* A copy of a flag whose version is rewritten as 10 digits. */
static void make_upsert_item(upsert_ctx *c, const item_t *it) {
    const char *v = strstr(it->json, "\"version\":");
    if (!v) die("item without version");
    const char *num = v + 10;
    const char *numend = num;
    while (*numend >= '0' && *numend <= '9') numend++;
    size_t head = (size_t)(num - it->json), tail = it->json_len - (size_t)(numend - it->json);
    c->json_len = head + 10 + tail;
    c->json = xmalloc(c->json_len + 1);
    memcpy(c->json, it->json, head);
    memcpy(c->json + head + 10, numend, tail);
    c->json[c->json_len] = 0;
    c->digits = c->json + head;
    set_version(c, VERSION_BASE);
    c->next = VERSION_BASE + 1;
}

static int ld_upsert_op(void *p, size_t i) {
    (void)i;
    upsert_ctx *c = p;
    set_version(c, c->rejected ? VERSION_BASE : c->next++);
    int updated = -1;
    ld_check(ldredis_store_upsert(&updated, c->ld, "features", c->key, c->json, c->json_len), "upsert");
    if (updated != !c->rejected) die("upsert %s: updated=%d", c->key, updated);
    return 0;
}

static int raw_evalsha_op(void *p, size_t i) {
    (void)i;
    upsert_ctx *c = p;
    long long v = c->rejected ? VERSION_BASE : c->next++;
    set_version(c, v);
    char vbuf[24];
    int vl = snprintf(vbuf, sizeof vbuf, "%lld", v);
    static const char hash[] = "benchup:features";
    const char *argv[7] = {"EVALSHA", upsert_sha, "1", hash, c->key, vbuf, c->json};
    size_t lens[7] = {7, 40, 1, sizeof hash - 1, strlen(c->key), (size_t)vl, c->json_len};
    redisReply *r = raw_cmd(c->raw, 7, argv, lens);
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 || r->element[0]->integer != !c->rejected)
        die("EVALSHA: unexpected reply");
    freeReplyObject(r);
    return 0;
}

/* Watches the server (MONITOR) while ldredis makes one upsert in script mode, and keeps the
   SHA of the EVALSHA it sends. No copy of the script lives here, so the raw case cannot drift
   from the library's script. */
static void capture_upsert_sha(upsert_ctx *u) {
    redisContext *mon = raw_open();
    struct timeval tv = {10, 0};
    redisSetTimeout(mon, tv);
    redisReply *r = redisCommand(mon, "MONITOR");
    if (!r || r->type == REDIS_REPLY_ERROR) die("MONITOR refused");
    freeReplyObject(r);
    ld_upsert_op(u, 0); /* loads the script on NOSCRIPT, then EVALSHA */
    for (;;) {
        r = NULL;
        if (redisGetReply(mon, (void **)&r) != REDIS_OK || !r)
            die("no EVALSHA seen from ldredis's upsert (script mode): %s", mon->errstr);
        const char *p = r->type == REDIS_REPLY_STATUS ? strstr(r->str, "\"EVALSHA\" \"") : NULL;
        if (p && strlen(p + 11) >= 40) {
            memcpy(upsert_sha, p + 11, 40);
            upsert_sha[40] = 0;
            freeReplyObject(r);
            break;
        }
        freeReplyObject(r);
    }
    redisFree(mon);
}

static int raw_hset_op(void *p, size_t i) {
    (void)i;
    upsert_ctx *c = p;
    set_version(c, c->next++);
    static const char hash[] = "benchup:features";
    const char *argv[4] = {"HSET", hash, c->key, c->json};
    size_t lens[4] = {4, sizeof hash - 1, strlen(c->key), c->json_len};
    freeReplyObject(raw_cmd(c->raw, 4, argv, lens));
    return 0;
}

static int raw_hget_upsert_item_op(void *p, size_t i) {
    (void)i;
    upsert_ctx *c = p;
    static const char hash[] = "benchup:features";
    const char *argv[3] = {"HGET", hash, c->key};
    size_t lens[3] = {4, sizeof hash - 1, strlen(c->key)};
    redisReply *r = raw_cmd(c->raw, 3, argv, lens);
    if (r->type != REDIS_REPLY_STRING) die("HGET upsert item: no string");
    freeReplyObject(r);
    return 0;
}

/* ---- threads: ops/s of T threads doing gets for a fixed time ------------------------------- */

typedef struct {
    pthread_barrier_t *start;
    atomic_int *stop;
    ldredis_store *ld;      /* ldredis side (shared store) */
    redisContext *raw;      /* raw side: this thread's own connection */
    const dataset_t *d;
    size_t offset;
    uint64_t ops;
} thread_arg;

/* The machine's own scaling, as a control: a CPU-only loop (no memory shared between threads,
   no library), "one op" being about as long as a cache hit. If two of these do not run twice
   as fast as one, neither can anything else on this machine. */
static volatile uint64_t spin_sink;
static void spin_op(uint64_t *x) {
    uint64_t v = *x;
    for (int k = 0; k < 256; k++) {
        v ^= v << 13;
        v ^= v >> 7;
        v ^= v << 17;
    }
    *x = v;
}

static void *thread_main(void *p) {
    thread_arg *a = p;
    get_ctx c = {a->ld, a->raw, a->d, "bench1k:features", 16};
    size_t i = a->offset;
    uint64_t ops = 0, x = 88172645463325252ull + a->offset;
    pthread_barrier_wait(a->start);
    while (!atomic_load_explicit(a->stop, memory_order_relaxed)) {
        if (a->ld) ld_get_op(&c, i++);
        else if (a->raw) raw_hget_op(&c, i++);
        else spin_op(&x);
        ops++;
    }
    spin_sink = x;
    a->ops = ops;
    return NULL;
}

static double run_threads(int nthreads, ldredis_store *ld, redisContext **raws, const dataset_t *d, double seconds) {
    pthread_t th[64];
    thread_arg args[64];
    pthread_barrier_t start;
    atomic_int stop = 0;
    pthread_barrier_init(&start, NULL, (unsigned)nthreads + 1);
    for (int t = 0; t < nthreads; t++) {
        args[t] = (thread_arg){&start, &stop, ld, ld || !raws ? NULL : raws[t], d, (size_t)t * 97, 0};
        if (pthread_create(&th[t], NULL, thread_main, &args[t]) != 0) die("pthread_create");
    }
    pthread_barrier_wait(&start);
    uint64_t t0 = now_ns();
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&ts, NULL);
    atomic_store(&stop, 1);
    uint64_t total = 0;
    for (int t = 0; t < nthreads; t++) {
        pthread_join(th[t], NULL);
        total += args[t].ops;
    }
    uint64_t t1 = now_ns();
    pthread_barrier_destroy(&start);
    return (double)total / ((double)(t1 - t0) / 1e9);
}

typedef struct {
    char name[64];
    const char *desc;
    double *v;
    int n;
} tput_t;

/* ---- JSON output ----------------------------------------------------------------------------- */

static void print_series(FILE *f, const series_t *s, int last) {
    double *tmp = xmalloc(s->n * sizeof(double));
    memcpy(tmp, s->v, s->n * sizeof(double));
    qsort(tmp, s->n, sizeof(double), cmp_double);
    double sum = 0;
    for (size_t k = 0; k < s->n; k++) sum += tmp[k];
    fprintf(f, "    \"%s\": {\"desc\": \"%s\", \"unit\": \"ns/op\", \"batch\": %d, \"samples\": %zu, "
               "\"median\": %.1f, \"p99\": %.1f, \"mean\": %.1f, \"min\": %.1f, \"round_medians\": [",
            s->name, s->desc, s->batch, s->n, quantile_sorted(tmp, s->n, 0.5),
            quantile_sorted(tmp, s->n, 0.99), sum / (double)s->n, tmp[0]);
    for (int r = 0; r < s->rounds; r++) fprintf(f, "%s%.1f", r ? ", " : "", s->round_med[r]);
    fprintf(f, "]}%s\n", last ? "" : ",");
    free(tmp);
}

static void print_tput(FILE *f, const tput_t *t, int last) {
    double *tmp = xmalloc(sizeof(double) * (size_t)t->n);
    memcpy(tmp, t->v, sizeof(double) * (size_t)t->n);
    qsort(tmp, (size_t)t->n, sizeof(double), cmp_double);
    fprintf(f, "    \"%s\": {\"desc\": \"%s\", \"unit\": \"ops/s\", \"median\": %.0f, \"min\": %.0f, "
               "\"max\": %.0f, \"rounds\": [",
            t->name, t->desc, quantile_sorted(tmp, (size_t)t->n, 0.5), tmp[0], tmp[t->n - 1]);
    for (int r = 0; r < t->n; r++) fprintf(f, "%s%.0f", r ? ", " : "", t->v[r]);
    fprintf(f, "]}%s\n", last ? "" : ",");
    free(tmp);
}

/* ---- run --------------------------------------------------------------------------------------- */

typedef struct {
    int rounds, blocks, get_samples, hit_samples, hit_batch, all_samples, init_samples, upsert_samples, open_samples;
    double thread_seconds;
} plan_t;

/* What the commands share: the data sets, the 1,000-flag set written under bench1k (once, with
   ldredis: any writer would do), stores with the cache off and warmed, a raw connection, and
   both init cases (ldredis's, and the same transaction prebuilt for hiredis). */
typedef struct {
    dataset_t d1k, dinit;
    ldredis_store *ld_off, *ld_hit;
    redisContext *raw;
    get_ctx g_off, g_hit;
    init_ctx i_ld, i_raw;
} bench_env;

static void write_bench1k(const dataset_t *d1k) {
    ldredis_store *setup = ld_open("bench1k", 0, LDREDIS_UPSERT_SCRIPT, 1);
    ld_check(ldredis_store_init_json(setup, d1k->doc, d1k->doc_len), "init bench1k");
    ldredis_store_free(setup);
}

static void env_open(bench_env *e, const char *url, const char *dir, int init_n) {
    g_url = url;
    parse_url(url);
    memset(e, 0, sizeof *e);
    load_dataset(&e->d1k, dir, 1000);
    load_dataset(&e->dinit, dir, init_n);
    write_bench1k(&e->d1k);
    e->ld_off = ld_open("bench1k", 0, LDREDIS_UPSERT_SCRIPT, 16);
    e->ld_hit = ld_open("bench1k", 3600 * 1000, LDREDIS_UPSERT_SCRIPT, 16);
    e->raw = raw_open();
    e->g_off = (get_ctx){e->ld_off, e->raw, &e->d1k, "bench1k:features", 16};
    e->g_hit = (get_ctx){e->ld_hit, e->raw, &e->d1k, "bench1k:features", 16};
    /* Warm the cache: every flag once, and initialized. */
    for (size_t k = 0; k < e->d1k.n_flags; k++) ld_get_op(&e->g_hit, k);
    ld_initialized_op(&e->g_hit, 0);
    e->i_ld.ld = ld_open("benchinit-ld", 0, LDREDIS_UPSERT_SCRIPT, 1);
    e->i_ld.d = &e->dinit;
    e->i_raw.raw = raw_open();
    e->i_raw.d = &e->dinit;
    build_raw_init(&e->i_raw, "benchinit-raw");
}

static void env_close(bench_env *e) {
    redisFree(e->raw);
    redisFree(e->i_raw.raw);
    ldredis_store_free(e->ld_off);
    ldredis_store_free(e->ld_hit);
    ldredis_store_free(e->i_ld.ld);
}

static int cmd_run(const char *url, const char *dir, int init_n, int quick) {
    /* rounds, blocks per round, then samples per round: get, hit (x batch), all, init, upsert,
       store creation + first get */
    plan_t plan = quick ? (plan_t){2, 2, 200, 100, 100, 2, 1, 100, 2, 0.05}
                        : (plan_t){9, 4, 3000, 2000, 200, 40, 4, 1500, 40, 0.5};
    bench_env e;
    env_open(&e, url, dir, init_n);
    tls_from_env();
    /* Over TLS (when with-redis.sh --tls gave a TLS port): the same store settings, data and
       server as g_off, through the TLS port. */
    get_ctx g_off_tls = e.g_off;
    g_off_tls.ld = g_tls_url ? ld_open_at(g_tls_url, g_tls_ca, "bench1k", 0, LDREDIS_UPSERT_SCRIPT, 16) : NULL;
    open_ctx o_plain = {url, NULL, &e.d1k, NULL}, o_tls = {g_tls_url, g_tls_ca, &e.d1k, NULL};
    dataset_t d1k = e.d1k, dinit = e.dinit;
    ldredis_store *ld_off = e.ld_off, *ld_hit = e.ld_hit;
    redisContext *raw = e.raw;
    get_ctx g_off = e.g_off, g_hit = e.g_hit;
    init_ctx i_ld = e.i_ld, i_raw = e.i_raw;

    /* Upserts: a flag of median size, its version rewritten; one key per case. */
    size_t *order = xmalloc(sizeof(size_t) * d1k.n_flags);
    for (size_t k = 0; k < d1k.n_flags; k++) order[k] = k;
    for (size_t a = 0; a < d1k.n_flags; a++) /* selection by size: small n, done once */
        for (size_t b = a + 1; b < d1k.n_flags; b++)
            if (d1k.items[order[b]].json_len < d1k.items[order[a]].json_len) {
                size_t t = order[a]; order[a] = order[b]; order[b] = t;
            }
    const item_t *median_item = &d1k.items[order[d1k.n_flags / 2]];
    free(order);
    ldredis_store *ld_script = ld_open("benchup", 0, LDREDIS_UPSERT_SCRIPT, 1);
    ldredis_store *ld_watch = ld_open("benchup", 0, LDREDIS_UPSERT_WATCH, 1);
    upsert_ctx u_script = {.ld = ld_script, .raw = raw, .key = "upsert-script"}, u_watch = {.ld = ld_watch, .key = "upsert-watch"},
               u_raw = {.raw = raw, .key = "upsert-raw"}, u_hset = {.raw = raw, .key = "upsert-hset"};
    upsert_ctx *ups[4] = {&u_script, &u_watch, &u_raw, &u_hset};
    for (int k = 0; k < 4; k++) make_upsert_item(ups[k], median_item);
    /* Start from an empty hash (versions only go up), then seed each key with an applied write,
       so that rejected cases have a newer stored item. */
    freeReplyObject(redisCommand(raw, "DEL benchup:features"));
    capture_upsert_sha(&u_script);
    ld_upsert_op(&u_watch, 0);
    raw_evalsha_op(&u_raw, 0);
    raw_hset_op(&u_hset, 0);

    get_ctx g_chg = open_changed(&d1k, raw);

    enum { S_LD_GET_OFF, S_RAW_HGET, S_LD_GET_HIT, S_LD_ALL_OFF, S_LD_ALL_OFF_CHANGED, S_RAW_HGETALL, S_LD_INIT, S_RAW_INIT,
           S_LD_UP_SCRIPT_APPLIED, S_LD_UP_SCRIPT_REJECTED, S_RAW_EVALSHA_APPLIED, S_RAW_EVALSHA_REJECTED,
           S_LD_UP_WATCH_APPLIED, S_LD_UP_WATCH_REJECTED, S_RAW_HSET, S_RAW_HGET_UPSERT_ITEM,
           S_LD_INITIALIZED_OFF, S_LD_INITIALIZED_HIT, S_RAW_EXISTS, S_LD_GET_OFF_TLS, S_LD_GET_OFF_PAIRED,
           S_LD_OPEN_FIRST, S_LD_OPEN_FIRST_TLS, S_COUNT };
    series_t s[S_COUNT];
    series_init(&s[S_LD_GET_OFF], "ld_get_off", "ldredis_store_get, cache off (HGET)", 1, plan.rounds);
    series_init(&s[S_RAW_HGET], "raw_hget", "hiredis redisCommandArgv HGET, same keys", 1, plan.rounds);
    series_init(&s[S_LD_GET_HIT], "ld_get_hit", "ldredis_store_get, cache hit (warmed)", plan.hit_batch, plan.rounds);
    series_init(&s[S_LD_ALL_OFF], "ld_all_off", "ldredis_store_all_json features, 1,000 flags, cache off", 1, plan.rounds);
    series_init(&s[S_LD_ALL_OFF_CHANGED], "ld_all_off_changed",
                "ldredis_store_all_json features, 1,000 flags, cache off, every value changed since the last call", 1, plan.rounds);
    series_init(&s[S_RAW_HGETALL], "raw_hgetall", "hiredis HGETALL features, 1,000 flags", 1, plan.rounds);
    series_init(&s[S_LD_INIT], "ld_init", "ldredis_store_init_json, all data", 1, plan.rounds);
    series_init(&s[S_RAW_INIT], "raw_init", "hiredis pipelined MULTI/DEL/HSET x1000/SET/EXEC", 1, plan.rounds);
    series_init(&s[S_LD_UP_SCRIPT_APPLIED], "ld_upsert_script_applied", "ldredis_store_upsert, script mode, applied", 1, plan.rounds);
    series_init(&s[S_LD_UP_SCRIPT_REJECTED], "ld_upsert_script_rejected", "ldredis_store_upsert, script mode, rejected", 1, plan.rounds);
    series_init(&s[S_RAW_EVALSHA_APPLIED], "raw_evalsha_applied", "hiredis EVALSHA of ldredis's script, applied", 1, plan.rounds);
    series_init(&s[S_RAW_EVALSHA_REJECTED], "raw_evalsha_rejected", "hiredis EVALSHA of ldredis's script, rejected", 1, plan.rounds);
    series_init(&s[S_LD_UP_WATCH_APPLIED], "ld_upsert_watch_applied", "ldredis_store_upsert, WATCH mode, applied", 1, plan.rounds);
    series_init(&s[S_LD_UP_WATCH_REJECTED], "ld_upsert_watch_rejected", "ldredis_store_upsert, WATCH mode, rejected", 1, plan.rounds);
    series_init(&s[S_RAW_HSET], "raw_hset", "hiredis HSET of the same item", 1, plan.rounds);
    series_init(&s[S_RAW_HGET_UPSERT_ITEM], "raw_hget_upsert_item", "hiredis HGET of the upserted item", 1, plan.rounds);
    series_init(&s[S_LD_INITIALIZED_OFF], "ld_initialized_off", "ldredis_store_initialized, cache off (EXISTS)", 1, plan.rounds);
    series_init(&s[S_LD_INITIALIZED_HIT], "ld_initialized_hit", "ldredis_store_initialized, cached", plan.hit_batch, plan.rounds);
    series_init(&s[S_RAW_EXISTS], "raw_exists", "hiredis EXISTS PREFIX:$inited", 1, plan.rounds);
    series_init(&s[S_LD_GET_OFF_TLS], "ld_get_off_tls", "ldredis_store_get, cache off (HGET), over TLS, in turn with ld_get_off_paired", 1, plan.rounds);
    series_init(&s[S_LD_GET_OFF_PAIRED], "ld_get_off_paired", "ldredis_store_get, cache off (HGET), plain TCP, in turn with ld_get_off_tls", 1, plan.rounds);
    series_init(&s[S_LD_OPEN_FIRST], "ld_open_first", "ldredis_store_new + first get (connect), plain TCP", 1, plan.rounds);
    series_init(&s[S_LD_OPEN_FIRST_TLS], "ld_open_first_tls", "ldredis_store_new + first get (connect, full TLS handshake)", 1, plan.rounds);

    /* Warm-up: a short pass of every case, not recorded. */
    for (size_t k = 0; k < 200; k++) {
        ld_get_op(&g_off, k);
        raw_hget_op(&g_off, k);
    }
    ld_init_op(&i_ld, 0);
    raw_init_op(&i_raw, 0);
    ld_all_op(&g_off, 0);
    ld_all_op(&g_chg, 0);
    swap_changed(&g_chg);
    raw_hgetall_op(&g_off, 0);
    if (g_tls_url)
        for (size_t k = 0; k < 200; k++) ld_get_op(&g_off_tls, k);

    /* Each round runs every case in BLOCKS blocks, alternating (A1 B1 C1 ... A2 B2 C2 ...), so
       that the two sides of a comparison are measured within milliseconds of each other. */
    typedef struct {
        series_t *s;
        op_fn op;
        void *ctx;
        int samples;
        size_t *counter;
        int rejected; /* for upserts: -1 leave, 0 applied, 1 rejected */
        int tls;      /* 1: needs the TLS port (skipped without it) */
        after_fn after;
    } case_t;
    size_t c_get = 0, c_raw = 0, c_tls = 0, c_hit = 0, c_any = 0;
    const case_t cases[] = {
        {&s[S_LD_GET_OFF], ld_get_op, &g_off, plan.get_samples, &c_get, -1, 0, NULL},
        {&s[S_RAW_HGET], raw_hget_op, &g_off, plan.get_samples, &c_raw, -1, 0, NULL},
        {&s[S_LD_GET_HIT], ld_get_op, &g_hit, plan.hit_samples, &c_hit, -1, 0, NULL},
        {&s[S_LD_ALL_OFF], ld_all_op, &g_off, plan.all_samples, &c_any, -1, 0, NULL},
        {&s[S_LD_ALL_OFF_CHANGED], ld_all_op, &g_chg, plan.all_samples, &c_any, -1, 0, swap_changed},
        {&s[S_RAW_HGETALL], raw_hgetall_op, &g_off, plan.all_samples, &c_any, -1, 0, NULL},
        {&s[S_LD_INIT], ld_init_op, &i_ld, plan.init_samples, &c_any, -1, 0, NULL},
        {&s[S_RAW_INIT], raw_init_op, &i_raw, plan.init_samples, &c_any, -1, 0, NULL},
        {&s[S_LD_UP_SCRIPT_APPLIED], ld_upsert_op, &u_script, plan.upsert_samples, &c_any, 0, 0, NULL},
        {&s[S_RAW_EVALSHA_APPLIED], raw_evalsha_op, &u_raw, plan.upsert_samples, &c_any, 0, 0, NULL},
        {&s[S_LD_UP_WATCH_APPLIED], ld_upsert_op, &u_watch, plan.upsert_samples, &c_any, 0, 0, NULL},
        {&s[S_RAW_HSET], raw_hset_op, &u_hset, plan.upsert_samples, &c_any, -1, 0, NULL},
        {&s[S_RAW_HGET_UPSERT_ITEM], raw_hget_upsert_item_op, &u_script, plan.upsert_samples, &c_any, -1, 0, NULL},
        {&s[S_LD_UP_SCRIPT_REJECTED], ld_upsert_op, &u_script, plan.upsert_samples, &c_any, 1, 0, NULL},
        {&s[S_RAW_EVALSHA_REJECTED], raw_evalsha_op, &u_raw, plan.upsert_samples, &c_any, 1, 0, NULL},
        {&s[S_LD_UP_WATCH_REJECTED], ld_upsert_op, &u_watch, plan.upsert_samples, &c_any, 1, 0, NULL},
        {&s[S_LD_INITIALIZED_OFF], ld_initialized_op, &g_off, plan.get_samples, &c_any, -1, 0, NULL},
        {&s[S_RAW_EXISTS], raw_exists_op, &g_off, plan.get_samples, &c_any, -1, 0, NULL},
        {&s[S_LD_INITIALIZED_HIT], ld_initialized_op, &g_hit, plan.hit_samples, &c_any, -1, 0, NULL},
        {&s[S_LD_OPEN_FIRST], ld_open_first_op, &o_plain, plan.open_samples, &c_any, -1, 0, open_free},
        {&s[S_LD_OPEN_FIRST_TLS], ld_open_first_op, &o_tls, plan.open_samples, &c_any, -1, 1, open_free},
    };
    const int ncases = (int)(sizeof cases / sizeof cases[0]);
    size_t from[S_COUNT];
    for (int r = 0; r < plan.rounds; r++) {
        fprintf(stderr, "ldbench: C round %d/%d\n", r + 1, plan.rounds);
        for (int k = 0; k < S_COUNT; k++) from[k] = s[k].n;
        size_t start = (size_t)r * 7919; /* both sides walk the same keys in a round */
        c_get = c_raw = c_tls = start;
        for (int b = 0; b < plan.blocks; b++) {
            for (int k = 0; k < ncases; k++) {
                const case_t *c = &cases[k];
                if (c->tls && !g_tls_url) continue;
                int per = c->samples / plan.blocks;
                if (per < 1) per = 1;
                if (c->rejected >= 0) ((upsert_ctx *)c->ctx)->rejected = c->rejected;
                run_block(c->s, c->op, c->after, c->ctx, per, c->counter);
            }
            if (g_tls_url) /* get, cache off: TLS and plain TCP in turn, op by op */
                run_pair_block(&s[S_LD_GET_OFF_TLS], ld_get_op, &g_off_tls, &s[S_LD_GET_OFF_PAIRED], ld_get_op, &g_off,
                               plan.get_samples / plan.blocks, &c_tls);
        }
        for (int k = 0; k < S_COUNT; k++) series_end_round(&s[k], from[k]);
    }

    /* Threads: 1, 2 and 8 threads, gets on one shared store (cache hit, cache off) and, for
       reference, raw hiredis with one connection per thread. */
    static const int counts[3] = {1, 2, 8};
    redisContext *raws[8];
    for (int t = 0; t < 8; t++) raws[t] = raw_open();
    run_threads(8, ld_off, raws, &d1k, 0.05); /* opens the pool's connections */
    run_threads(8, ld_hit, raws, &d1k, 0.05);
    run_threads(8, NULL, raws, &d1k, 0.05);
    enum { NMODES = 4, NTP = NMODES * 3 };
    tput_t tp[NTP];
    for (int m = 0; m < NMODES; m++)
        for (int k = 0; k < 3; k++) {
            tput_t *t = &tp[m * 3 + k];
            snprintf(t->name, sizeof t->name, "%s_t%d",
                     m == 0 ? "ld_get_hit" : m == 1 ? "ld_get_off" : m == 2 ? "raw_hget" : "cpu_spin", counts[k]);
            t->desc = m == 0 ? "ldredis_store_get, cache hit, one shared store"
                    : m == 1 ? "ldredis_store_get, cache off, one shared store (pool 16)"
                    : m == 2 ? "hiredis HGET, one connection per thread"
                             : "control: a CPU-only loop per thread (no library)";
            t->v = xmalloc(sizeof(double) * (size_t)plan.rounds);
            t->n = 0;
        }
    for (int r = 0; r < plan.rounds; r++) {
        fprintf(stderr, "ldbench: C threads round %d/%d\n", r + 1, plan.rounds);
        for (int k = 0; k < 3; k++) {
            tp[0 * 3 + k].v[tp[0 * 3 + k].n++] = run_threads(counts[k], ld_hit, raws, &d1k, plan.thread_seconds);
            tp[1 * 3 + k].v[tp[1 * 3 + k].n++] = run_threads(counts[k], ld_off, raws, &d1k, plan.thread_seconds);
            tp[2 * 3 + k].v[tp[2 * 3 + k].n++] = run_threads(counts[k], NULL, raws, &d1k, plan.thread_seconds);
            tp[3 * 3 + k].v[tp[3 * 3 + k].n++] = run_threads(counts[k], NULL, NULL, &d1k, plan.thread_seconds);
        }
    }

    char *stats = NULL;
    size_t stats_len = 0;
    ld_check(ldredis_store_stats_json(&stats, &stats_len, ld_hit), "stats");

    FILE *f = stdout;
    fprintf(f, "{\n  \"env\": {\"ldredis_version\": \"%s\", \"hiredis_version\": \"%d.%d.%d\", \"quick\": %s, "
               "\"rounds\": %d, \"blocks\": %d, \"init_flags\": %zu, \"init_segments\": %zu, \"init_json_bytes\": %zu, "
               "\"upsert_item_bytes\": %zu, \"upsert_script_sha\": \"%s\", \"thread_seconds\": %.2f, \"cpus\": %ld, \"tls\": %s},\n",
            ldredis_version(), HIREDIS_MAJOR, HIREDIS_MINOR, HIREDIS_PATCH, quick ? "true" : "false",
            plan.rounds, plan.blocks, dinit.n_flags, dinit.n - dinit.n_flags, dinit.doc_len, u_script.json_len, upsert_sha,
            plan.thread_seconds, sysconf(_SC_NPROCESSORS_ONLN), g_tls_url ? "true" : "false");
    fprintf(f, "  \"hit_store_stats\": %.*s,\n", (int)stats_len, stats);
    ldredis_free(stats);
    fprintf(f, "  \"series\": {\n");
    int last = S_COUNT - 1;
    while (last > 0 && s[last].n == 0) last--;
    for (int k = 0; k <= last; k++)
        if (s[k].n) print_series(f, &s[k], k == last); /* the TLS series are empty without TLS */
    fprintf(f, "  },\n  \"throughput\": {\n");
    for (int k = 0; k < NTP; k++) print_tput(f, &tp[k], k == NTP - 1);
    fprintf(f, "  }\n}\n");

    for (int t = 0; t < 8; t++) redisFree(raws[t]);
    env_close(&e);
    ldredis_store_free(g_off_tls.ld);
    ldredis_store_free(ld_script);
    ldredis_store_free(g_chg.ld);
    ldredis_store_free(ld_watch);
    return 0;
}

/* ---- mem: resident size of a process holding N cached flags ------------------------------- */

static long rss_kb(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long v = -1;
    size_t fl = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, fl) == 0 && line[fl] == ':') v = strtol(line + fl + 1, NULL, 10);
    fclose(f);
    return v;
}

static int cmd_mem(const char *url, const char *prefix, const char *tsv) {
    g_url = url;
    /* The flag keys only (read line by line: the data itself never enters this process). */
    FILE *f = fopen(tsv, "r");
    if (!f) die("cannot open %s", tsv);
    size_t cap = 1024, n = 0;
    char **keys = xmalloc(cap * sizeof(char *));
    char *line = NULL;
    size_t lcap = 0;
    while (getline(&line, &lcap, f) > 0) {
        if (strncmp(line, "features\t", 9) != 0) continue;
        char *k = line + 9, *t = strchr(k, '\t');
        if (!t) die("bad line");
        if (n == cap) keys = xrealloc(keys, (cap *= 2) * sizeof(char *));
        keys[n++] = strndup(k, (size_t)(t - k));
    }
    free(line);
    fclose(f);

    ldredis_store *st = ld_open(prefix, -1, LDREDIS_UPSERT_SCRIPT, 16);
    int inited = 0;
    ld_check(ldredis_store_initialized(&inited, st), "initialized"); /* connection, threads */
    char *out = NULL;
    size_t len = 0;
    ld_check(ldredis_store_get(&out, &len, st, "features", keys[0]), "get");
    ldredis_free(out);
    long before = rss_kb("VmRSS");
    size_t json_bytes = 0;
    for (size_t k = 0; k < n; k++) {
        out = NULL;
        int rc = ldredis_store_get(&out, &len, st, "features", keys[k]);
        if (rc != LDREDIS_OK) die("get %s: %s", keys[k], ldredis_status_name(rc));
        json_bytes += len;
        ldredis_free(out);
    }
    long after = rss_kb("VmRSS");
    char *stats = NULL;
    size_t stats_len = 0;
    ld_check(ldredis_store_stats_json(&stats, &stats_len, st), "stats");
    /* A second pass must be all hits (the flags are held, not re-read). */
    for (size_t k = 0; k < n; k++) {
        ld_check(ldredis_store_get(&out, &len, st, "features", keys[k]), "get");
        ldredis_free(out);
    }
    long after2 = rss_kb("VmRSS");
    printf("{\"flags\": %zu, \"json_bytes\": %zu, \"rss_before_kb\": %ld, \"rss_after_kb\": %ld, "
           "\"rss_after_second_pass_kb\": %ld, \"hwm_kb\": %ld, \"stats_after_fill\": %.*s}\n",
           n, json_bytes, before, after, after2, rss_kb("VmHWM"), (int)stats_len, stats);
    ldredis_free(stats);
    ldredis_store_free(st);
    for (size_t k = 0; k < n; k++) free(keys[k]);
    free(keys);
    return 0;
}

/* ---- one, threads: a single case, for profilers -------------------------------------------
   ldbench one URL DATADIR INIT_N CASE N: runs CASE N times after the same setup as `run`;
   under callgrind (--instr-atstart=no) only the N operations are instrumented.
   ldbench threads URL DATADIR hit|off|raw|spin T SECONDS: prints T threads' total ops/s. */

static int cmd_one(const char *url, const char *dir, int init_n, const char *which, long n) {
    bench_env e;
    env_open(&e, url, dir, init_n);
    dataset_t d1k = e.d1k;
    redisContext *raw = e.raw;
    get_ctx g_off = e.g_off, g_hit = e.g_hit;
    init_ctx i_ld = e.i_ld, i_raw = e.i_raw;
    upsert_ctx up = {.ld = ld_open("benchup", 0, LDREDIS_UPSERT_SCRIPT, 1), .raw = raw, .key = "upsert-one"};
    make_upsert_item(&up, &d1k.items[0]);
    freeReplyObject(redisCommand(raw, "DEL benchup:features"));
    capture_upsert_sha(&up);
    tls_from_env();
    get_ctx g_tls = g_off;
    g_tls.ld = NULL;
    get_ctx g_chg = strcmp(which, "all_off_changed") ? g_off : open_changed(&d1k, raw);
    open_ctx o_plain = {url, NULL, &d1k, NULL}, o_tls = {g_tls_url, g_tls_ca, &d1k, NULL};
    op_fn op = NULL;
    after_fn after = NULL;
    void *ctx = NULL;
    if (strstr(which, "_tls") && !g_tls_url) die("%s needs LDREDIS_TLS_URL (scripts/with-redis.sh --tls)", which);
    if (!strcmp(which, "get_off")) op = ld_get_op, ctx = &g_off;
    else if (!strcmp(which, "get_off_tls")) {
        g_tls.ld = ld_open_at(g_tls_url, g_tls_ca, "bench1k", 0, LDREDIS_UPSERT_SCRIPT, 16);
        op = ld_get_op, ctx = &g_tls;
    } else if (!strcmp(which, "open_first")) op = ld_open_first_op, after = open_free, ctx = &o_plain;
    else if (!strcmp(which, "open_first_tls")) op = ld_open_first_op, after = open_free, ctx = &o_tls;
    else if (!strcmp(which, "raw_hget")) op = raw_hget_op, ctx = &g_off;
    else if (!strcmp(which, "get_hit")) op = ld_get_op, ctx = &g_hit;
    else if (!strcmp(which, "all_off")) op = ld_all_op, ctx = &g_off;
    else if (!strcmp(which, "all_off_changed")) op = ld_all_op, after = swap_changed, ctx = &g_chg;
    else if (!strcmp(which, "raw_hgetall")) op = raw_hgetall_op, ctx = &g_off;
    else if (!strcmp(which, "init")) op = ld_init_op, ctx = &i_ld;
    else if (!strcmp(which, "raw_init")) op = raw_init_op, ctx = &i_raw;
    else if (!strcmp(which, "upsert")) op = ld_upsert_op, ctx = &up;
    else if (!strcmp(which, "raw_evalsha")) op = raw_evalsha_op, ctx = &up;
    else die("unknown case %s", which);
    for (long k = 0; k < 3; k++) { /* warm: connections, script, first init */
        op(ctx, (size_t)k);
        if (after) after(ctx);
    }
    uint64_t spent = 0;
    if (!after) {
        uint64_t t0 = now_ns();
        CALLGRIND_START_INSTRUMENTATION;
        for (long k = 0; k < n; k++) op(ctx, (size_t)k);
        CALLGRIND_STOP_INSTRUMENTATION;
        spent = now_ns() - t0;
    } else {
        for (long k = 0; k < n; k++) {
            uint64_t t0 = now_ns();
            CALLGRIND_START_INSTRUMENTATION;
            op(ctx, (size_t)k);
            CALLGRIND_STOP_INSTRUMENTATION;
            spent += now_ns() - t0;
            after(ctx); /* untimed, uninstrumented */
        }
    }
    printf("%s: %ld ops, %.1f ns/op\n", which, n, (double)spent / (double)n);
    ldredis_store_free(g_tls.ld);
    env_close(&e);
    ldredis_store_free(up.ld);
    return 0;
}

/* ---- pair: two cases in turn, op by op, for one ratio ---------------------------------------
   ldbench pair URL DATADIR CASE_A CASE_B ROUNDS SAMPLES: CASE_A and CASE_B (the cases of `one`
   that need no per-sample teardown) measured in turn (run_pair_block), ROUNDS rounds of SAMPLES
   pairs; prints each side's median and p99 and the ratio of the medians, A / B, with the range
   of the per-round ratios. Quick to run while working on one target, e.g. all_off raw_hgetall. */

static op_fn pair_case(const char *which, bench_env *e, void **ctx) {
    if (!strcmp(which, "get_off")) { *ctx = &e->g_off; return ld_get_op; }
    if (!strcmp(which, "raw_hget")) { *ctx = &e->g_off; return raw_hget_op; }
    if (!strcmp(which, "get_hit")) { *ctx = &e->g_hit; return ld_get_op; }
    if (!strcmp(which, "all_off")) { *ctx = &e->g_off; return ld_all_op; }
    if (!strcmp(which, "raw_hgetall")) { *ctx = &e->g_off; return raw_hgetall_op; }
    die("pair: unknown case %s (get_off raw_hget get_hit all_off raw_hgetall)", which);
    return NULL;
}

static void pair_summary(series_t *s, double *median, double *p99) {
    qsort(s->v, s->n, sizeof(double), cmp_double);
    *median = quantile_sorted(s->v, s->n, 0.5);
    *p99 = quantile_sorted(s->v, s->n, 0.99);
}

static int cmd_pair(const char *url, const char *dir, const char *a, const char *b, int rounds, int samples) {
    if (rounds < 1 || rounds > 1000 || samples < 1) die("pair: 1 to 1000 rounds, 1 or more samples");
    bench_env e;
    env_open(&e, url, dir, 1000);
    void *ca = NULL, *cb = NULL;
    op_fn fa = pair_case(a, &e, &ca), fb = pair_case(b, &e, &cb);
    series_t sa, sb;
    series_init(&sa, a, a, 1, rounds);
    series_init(&sb, b, b, 1, rounds);
    size_t counter = 0;
    for (int k = 0; k < 3; k++) fa(ca, (size_t)k), fb(cb, (size_t)k); /* warm */
    double lo = 0, hi = 0;
    for (int r = 0; r < rounds; r++) {
        size_t from_a = sa.n, from_b = sb.n;
        run_pair_block(&sa, fa, ca, &sb, fb, cb, samples, &counter);
        series_end_round(&sa, from_a);
        series_end_round(&sb, from_b);
        double q = sa.round_med[r] / sb.round_med[r];
        if (r == 0 || q < lo) lo = q;
        if (r == 0 || q > hi) hi = q;
    }
    double ma, pa, mb, pb;
    pair_summary(&sa, &ma, &pa);
    pair_summary(&sb, &mb, &pb);
    printf("%s: median %.1f us, p99 %.1f us\n%s: median %.1f us, p99 %.1f us\n"
           "%s / %s: %.2f (medians), %.2f (p99s), per-round %.2f - %.2f\n",
           a, ma / 1e3, pa / 1e3, b, mb / 1e3, pb / 1e3, a, b, ma / mb, pa / pb, lo, hi);
    env_close(&e);
    return 0;
}

static int cmd_threads(const char *url, const char *dir, const char *which, int t, double seconds) {
    g_url = url;
    parse_url(url);
    dataset_t d1k;
    load_dataset(&d1k, dir, 1000);
    write_bench1k(&d1k);
    ldredis_store *st = NULL;
    redisContext *raws[64];
    if (t < 1 || t > 64) die("1 to 64 threads");
    if (!strcmp(which, "hit") || !strcmp(which, "off")) {
        st = ld_open("bench1k", !strcmp(which, "hit") ? 3600 * 1000 : 0, LDREDIS_UPSERT_SCRIPT, 64);
        get_ctx g = {st, NULL, &d1k, "bench1k:features", 16};
        for (size_t k = 0; k < d1k.n_flags; k++) ld_get_op(&g, k);
    } else if (!strcmp(which, "raw")) {
        for (int k = 0; k < t; k++) raws[k] = raw_open();
    } else if (strcmp(which, "spin") != 0) {
        die("unknown mode %s", which);
    }
    run_threads(t, st, !strcmp(which, "raw") ? raws : NULL, &d1k, 0.05);
    double ops = run_threads(t, st, !strcmp(which, "raw") ? raws : NULL, &d1k, seconds);
    printf("%s, %d threads: %.0f ops/s\n", which, t, ops);
    ldredis_store_free(st);
    return 0;
}

/* ---- handshakes: N gets, cache off, from T threads on one new store ------------------------
   The caller counts the connections the server received meanwhile (INFO stats
   total_connections_received, before and after): with a pool, that is the connections the
   pool opened (at most T), not N. */

typedef struct {
    get_ctx g;
    size_t from, count;
} hs_arg;

static void *hs_thread(void *p) {
    hs_arg *a = p;
    for (size_t k = 0; k < a->count; k++) ld_get_op(&a->g, a->from + k);
    return NULL;
}

static int cmd_handshakes(const char *url, const char *dir, long n, int t) {
    if (n < 1 || t < 1 || t > 64) die("handshakes: 1 or more gets, 1 to 64 threads");
    tls_from_env();
    dataset_t d1k;
    load_dataset(&d1k, dir, 1000); /* the keys of bench1k, which `run` wrote */
    const char *ca = strncmp(url, "rediss://", 9) == 0 ? g_tls_ca : NULL;
    uint64_t t0 = now_ns();
    ldredis_store *st = ld_open_at(url, ca, "bench1k", 0, LDREDIS_UPSERT_SCRIPT, 16);
    pthread_t th[64];
    hs_arg args[64];
    for (int k = 0; k < t; k++) {
        size_t from = (size_t)n * (size_t)k / (size_t)t, to = (size_t)n * (size_t)(k + 1) / (size_t)t;
        args[k] = (hs_arg){{st, NULL, &d1k, "bench1k:features", 16}, from, to - from};
        if (pthread_create(&th[k], NULL, hs_thread, &args[k]) != 0) die("pthread_create");
    }
    for (int k = 0; k < t; k++) pthread_join(th[k], NULL);
    uint64_t t1 = now_ns();
    char *stats = NULL;
    size_t stats_len = 0;
    ld_check(ldredis_store_stats_json(&stats, &stats_len, st), "stats");
    printf("{\"gets\": %ld, \"threads\": %d, \"pool_size\": 16, \"tls\": %s, \"seconds\": %.3f, \"stats\": %.*s}\n",
           n, t, ca ? "true" : "false", (double)(t1 - t0) / 1e9, (int)stats_len, stats);
    ldredis_free(stats);
    ldredis_store_free(st);
    return 0;
}

/* ---- cluster: the same store on a Redis Cluster and on the standalone server -----------------
   ldredis_store_get (cache off) and ldredis_store_init_json through a redis-cluster:// URL (keys
   {ld}.benchcl:..., routed to the master of the {ld} slot) and through the standalone URL,
   measured in turn op by op (run_pair_block), so the ratio is what cluster mode costs: the
   routing, and Redis's own cluster-enabled command path. */

static int cmd_cluster(const char *url, const char *cluster_url, const char *dir, int init_n, int quick) {
    int rounds = quick ? 2 : 9, get_samples = quick ? 200 : 3000, init_samples = quick ? 1 : 4;
    g_url = url;
    parse_url(url);
    dataset_t d1k, dinit;
    load_dataset(&d1k, dir, 1000);
    load_dataset(&dinit, dir, init_n);
    ldredis_store *sa = ld_open_at(url, NULL, "benchcl", 0, LDREDIS_UPSERT_SCRIPT, 16);
    ldredis_store *cl = ld_open_at(cluster_url, NULL, "benchcl", 0, LDREDIS_UPSERT_SCRIPT, 16);
    ldredis_store *sa_init = ld_open_at(url, NULL, "benchclinit", 0, LDREDIS_UPSERT_SCRIPT, 1);
    ldredis_store *cl_init = ld_open_at(cluster_url, NULL, "benchclinit", 0, LDREDIS_UPSERT_SCRIPT, 1);
    ld_check(ldredis_store_init_json(sa, d1k.doc, d1k.doc_len), "init standalone");
    ld_check(ldredis_store_init_json(cl, d1k.doc, d1k.doc_len), "init cluster");
    get_ctx gs = {sa, NULL, &d1k, NULL, 0}, gc = {cl, NULL, &d1k, NULL, 0};
    init_ctx is = {.ld = sa_init, .d = &dinit}, ic = {.ld = cl_init, .d = &dinit};
    enum { C_GET, S_GET, C_INIT, S_INIT, N };
    series_t s[N];
    series_init(&s[C_GET], "cluster_get_off", "ldredis_store_get, cache off, Redis Cluster", 1, rounds);
    series_init(&s[S_GET], "standalone_get_off", "ldredis_store_get, cache off, standalone, in turn", 1, rounds);
    series_init(&s[C_INIT], "cluster_init", "ldredis_store_init_json, all data, Redis Cluster", 1, rounds);
    series_init(&s[S_INIT], "standalone_init", "ldredis_store_init_json, all data, standalone, in turn", 1, rounds);
    size_t counter = 0, init_counter = 0;
    /* Warm-up: connections open, caches of the CPU and the servers filled. */
    run_pair_block(&s[C_GET], ld_get_op, &gc, &s[S_GET], ld_get_op, &gs, 200, &counter);
    run_pair_block(&s[C_INIT], ld_init_op, &ic, &s[S_INIT], ld_init_op, &is, 1, &init_counter);
    for (int k = 0; k < N; k++) s[k].n = 0;
    for (int r = 0; r < rounds; r++) {
        size_t from[N];
        for (int k = 0; k < N; k++) from[k] = s[k].n;
        run_pair_block(&s[C_GET], ld_get_op, &gc, &s[S_GET], ld_get_op, &gs, get_samples, &counter);
        run_pair_block(&s[C_INIT], ld_init_op, &ic, &s[S_INIT], ld_init_op, &is, init_samples, &init_counter);
        for (int k = 0; k < N; k++) series_end_round(&s[k], from[k]);
    }
    char *stats = NULL, *describe = NULL;
    size_t stats_len = 0, describe_len = 0;
    ld_check(ldredis_store_stats_json(&stats, &stats_len, cl), "stats");
    ld_check(ldredis_store_describe(&describe, &describe_len, cl), "describe");
    printf("{\n  \"env\": {\"quick\": %s, \"rounds\": %d, \"init_flags\": %zu, \"init_json_bytes\": %zu},\n",
           quick ? "true" : "false", rounds, dinit.n_flags, dinit.doc_len);
    printf("  \"cluster_store_stats\": %.*s,\n  \"cluster_store\": %.*s,\n  \"series\": {\n",
           (int)stats_len, stats, (int)describe_len, describe);
    for (int k = 0; k < N; k++) print_series(stdout, &s[k], k == N - 1);
    printf("  }\n}\n");
    ldredis_free(stats);
    ldredis_free(describe);
    ldredis_store_free(sa);
    ldredis_store_free(cl);
    ldredis_store_free(sa_init);
    ldredis_store_free(cl_init);
    return 0;
}

/* ---- reshard: upserts and gets on a cluster store, cache off, for SECONDS, while the caller
   moves the {ld} slot to another master (scripts/redis-cluster.sh reshard): the operations,
   those that failed, and the longest one (the stall the migration caused). */

static int cmd_reshard(const char *cluster_url, const char *dir, double seconds) {
    dataset_t d1k;
    load_dataset(&d1k, dir, 1000);
    ldredis_store *st = ld_open_at(cluster_url, NULL, "benchrs", 0, LDREDIS_UPSERT_SCRIPT, 4);
    ld_check(ldredis_store_init_json(st, d1k.doc, d1k.doc_len), "init benchrs");
    long ops = 0, failed = 0;
    double longest = 0;
    uint64_t start = now_ns();
    char item[600];
    for (long n = 1; (double)(now_ns() - start) / 1e9 < seconds; n++) {
        const item_t *it = &d1k.items[(size_t)n % d1k.n_flags];
        int len = snprintf(item, sizeof item, "{\"key\":\"%.*s\",\"version\":%ld}", (int)it->key_len, it->key, 1000000 + n);
        char *out = NULL;
        size_t out_len = 0;
        int updated = 0;
        uint64_t t0 = now_ns();
        if (ldredis_store_upsert(&updated, st, "features", it->key, item, (size_t)len) != LDREDIS_OK) failed++;
        uint64_t t1 = now_ns();
        if (ldredis_store_get(&out, &out_len, st, "features", it->key) != LDREDIS_OK) failed++;
        uint64_t t2 = now_ns();
        ldredis_free(out);
        ops += 2;
        if ((double)(t1 - t0) / 1e6 > longest) longest = (double)(t1 - t0) / 1e6;
        if ((double)(t2 - t1) / 1e6 > longest) longest = (double)(t2 - t1) / 1e6;
    }
    char *stats = NULL;
    size_t stats_len = 0;
    ld_check(ldredis_store_stats_json(&stats, &stats_len, st), "stats");
    printf("{\"seconds\": %.1f, \"operations\": %ld, \"failed\": %ld, \"longest_ms\": %.1f, \"stats\": %.*s}\n",
           seconds, ops, failed, longest, (int)stats_len, stats);
    ldredis_free(stats);
    ldredis_store_free(st);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 7 && strcmp(argv[1], "one") == 0)
        return cmd_one(argv[2], argv[3], atoi(argv[4]), argv[5], atol(argv[6]));
    if (argc == 8 && strcmp(argv[1], "pair") == 0)
        return cmd_pair(argv[2], argv[3], argv[4], argv[5], atoi(argv[6]), atoi(argv[7]));
    if (argc == 7 && strcmp(argv[1], "threads") == 0)
        return cmd_threads(argv[2], argv[3], argv[4], atoi(argv[5]), atof(argv[6]));
    if (argc == 6 && strcmp(argv[1], "run") == 0)
        return cmd_run(argv[2], argv[3], atoi(argv[4]), strcmp(argv[5], "quick") == 0);
    if (argc == 5 && strcmp(argv[1], "mem") == 0) return cmd_mem(argv[2], argv[3], argv[4]);
    if (argc == 5 && strcmp(argv[1], "reshard") == 0) return cmd_reshard(argv[2], argv[3], atof(argv[4]));
    if (argc == 7 && strcmp(argv[1], "cluster") == 0)
        return cmd_cluster(argv[2], argv[3], argv[4], atoi(argv[5]), strcmp(argv[6], "quick") == 0);
    if (argc == 6 && strcmp(argv[1], "handshakes") == 0)
        return cmd_handshakes(argv[2], argv[3], atol(argv[4]), atoi(argv[5]));
    fprintf(stderr, "usage: ldbench run URL DATADIR INIT_N quick|full\n"
                    "       ldbench mem URL PREFIX TSVFILE\n"
                    "       ldbench one URL DATADIR INIT_N CASE N   (get_off raw_hget get_hit all_off all_off_changed\n"
                    "                                               raw_hgetall init raw_init upsert raw_evalsha open_first\n"
                    "                                               get_off_tls open_first_tls)\n"
                    "       ldbench pair URL DATADIR CASE_A CASE_B ROUNDS SAMPLES   (CASE: get_off raw_hget\n"
                    "                                               get_hit all_off raw_hgetall)\n"
                    "       ldbench threads URL DATADIR hit|off|raw|spin THREADS SECONDS\n"
                    "       ldbench handshakes URL DATADIR N THREADS\n"
                    "       ldbench cluster URL CLUSTER_URL DATADIR INIT_N quick|full\n"
                    "       ldbench reshard CLUSTER_URL DATADIR SECONDS\n");
    return 2;
}
