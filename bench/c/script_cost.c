/*
 * script_cost.c - what the upsert script costs, raw (hiredis, no ldredis): EVALSHA of two
 * versions of the script (e.g. before and after a change) against HGET and HSET of the same
 * item, in one process, on one connection, rounds interleaved (A B C D ... A B C D ...).
 *
 *   script_cost PORT OLD.lua NEW.lua ITEM.json [ROUNDS [OPS]]
 *
 * The item is stored in field f of hash script-cost:features. "applied" upserts pass version
 * 999999999999, higher than the item's, so every call writes (the item is written back as it
 * is, so the next call does the same work); "rejected" pass version 0, so the stored item wins
 * and comes back in the reply. Prints the median latency of each case (µs, client side), the
 * ratios against HGET, and Redis's own time per call (INFO commandstats usec_per_call, after
 * CONFIG RESETSTAT) for each script: the CPU a write costs a Redis shared with others.
 *
 * Build: cc -O2 -o script_cost bench/c/script_cost.c $(pkg-config --cflags --libs hiredis)
 */
#define _GNU_SOURCE
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(const char *what) {
    fprintf(stderr, "script_cost: %s\n", what);
    exit(1);
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) die(path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) die(path);
    fclose(f);
    p[n] = 0;
    *len = (size_t)n;
    return p;
}

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static redisContext *c;
static char *item, sha_old[41], sha_new[41];
static size_t item_len;

static redisReply *run(int argc, const char **argv, const size_t *lens) {
    redisReply *r = redisCommandArgv(c, argc, argv, lens);
    if (!r) die("connection lost");
    if (r->type == REDIS_REPLY_ERROR) { fprintf(stderr, "%s\n", r->str); die("error reply"); }
    return r;
}

static void load(const char *path, char *sha) {
    size_t len;
    char *src = slurp(path, &len);
    const char *argv[3] = {"SCRIPT", "LOAD", src};
    size_t lens[3] = {6, 4, len};
    redisReply *r = run(3, argv, lens);
    if (r->type != REDIS_REPLY_STRING || r->len != 40) die("SCRIPT LOAD");
    memcpy(sha, r->str, 41);
    freeReplyObject(r);
    free(src);
}

/* case k: 0 HGET, 1 HSET, 2/3 EVALSHA old/new applied, 4/5 EVALSHA old/new rejected */
enum { CASES = 6 };
static const char *names[CASES] = {"HGET", "HSET", "EVALSHA old, applied", "EVALSHA new, applied",
                                   "EVALSHA old, rejected", "EVALSHA new, rejected"};

static void op(int k) {
    const char *hash = "script-cost:features";
    if (k == 0) {
        const char *argv[3] = {"HGET", hash, "f"};
        size_t lens[3] = {4, strlen(hash), 1};
        freeReplyObject(run(3, argv, lens));
    } else if (k == 1) {
        const char *argv[4] = {"HSET", hash, "f", item};
        size_t lens[4] = {4, strlen(hash), 1, item_len};
        freeReplyObject(run(4, argv, lens));
    } else {
        const char *sha = (k == 2 || k == 4) ? sha_old : sha_new;
        const char *version = k <= 3 ? "999999999999" : "0";
        const char *argv[7] = {"EVALSHA", sha, "1", hash, "f", version, item};
        size_t lens[7] = {7, 40, 1, strlen(hash), 1, strlen(version), item_len};
        redisReply *r = run(7, argv, lens);
        if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 || r->element[0]->integer != (k <= 3))
            die("unexpected script reply");
        freeReplyObject(r);
    }
}

static double usec_per_call(const char *command) {
    redisReply *r = redisCommand(c, "INFO commandstats");
    if (!r || r->type != REDIS_REPLY_STRING) die("INFO");
    char key[64];
    snprintf(key, sizeof key, "cmdstat_%s:", command);
    const char *line = strstr(r->str, key);
    const char *u = line ? strstr(line, "usec_per_call=") : NULL;
    double v = u ? atof(u + 14) : -1;
    freeReplyObject(r);
    return v;
}

/* Redis's own time per call of one case: CONFIG RESETSTAT, n calls, usec_per_call. */
static double server_usec(int k, const char *command, int n) {
    freeReplyObject(redisCommand(c, "CONFIG RESETSTAT"));
    for (int i = 0; i < n; i++) op(k);
    return usec_per_call(command);
}

int main(int argc, char **argv) {
    if (argc < 5) die("usage: script_cost PORT OLD.lua NEW.lua ITEM.json [ROUNDS [OPS]]");
    int rounds = argc > 5 ? atoi(argv[5]) : 9, ops = argc > 6 ? atoi(argv[6]) : 2000;
    if (rounds < 1 || ops < 1) die("ROUNDS and OPS must be positive");
    c = redisConnect("127.0.0.1", atoi(argv[1]));
    if (!c || c->err) die("cannot connect");
    item = slurp(argv[4], &item_len);
    load(argv[2], sha_old);
    load(argv[3], sha_new);
    op(1);
    for (int k = 0; k < CASES; k++) for (int i = 0; i < 200; i++) op(k); /* warm-up */

    double *samples[CASES];
    size_t count = (size_t)rounds * (size_t)ops;
    for (int k = 0; k < CASES; k++) samples[k] = malloc(sizeof(double) * count);
    size_t at = 0;
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < CASES; k++) {
            for (int i = 0; i < ops; i++) {
                double t0 = now_us();
                op(k);
                samples[k][at + (size_t)i] = now_us() - t0;
            }
        }
        at += (size_t)ops;
    }
    double median[CASES];
    for (int k = 0; k < CASES; k++) {
        qsort(samples[k], count, sizeof(double), cmp_double);
        median[k] = samples[k][count / 2];
    }
    printf("item: %zu bytes; %d rounds x %d ops per case, interleaved\n", item_len, rounds, ops);
    printf("%-24s %10s %10s\n", "case", "median us", "/ HGET");
    for (int k = 0; k < CASES; k++)
        printf("%-24s %10.1f %10.2f\n", names[k], median[k], median[k] / median[0]);
    printf("new / old, applied: %.2f; rejected: %.2f\n", median[3] / median[2], median[5] / median[4]);

    int n = ops * 5;
    double hget = server_usec(0, "hget", n), hset = server_usec(1, "hset", n);
    double old_a = server_usec(2, "evalsha", n), new_a = server_usec(3, "evalsha", n);
    double old_r = server_usec(4, "evalsha", n), new_r = server_usec(5, "evalsha", n);
    printf("Redis time per call (usec_per_call): HGET %.2f, HSET %.2f; EVALSHA applied: old %.2f, "
           "new %.2f; rejected: old %.2f, new %.2f\n", hget, hset, old_a, new_a, old_r, new_r);
    for (int k = 0; k < CASES; k++) free(samples[k]);
    free(item);
    redisFree(c);
    return 0;
}
