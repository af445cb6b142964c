/*
 * smoke.c - every function of ldredis.h, used from C against a live Redis.
 *
 *   LDREDIS_URL=redis://127.0.0.1:PORT/0 [LDREDIS_TEST_PORT=PORT] ./smoke
 *
 * Tests/C/run.sh builds it with nothing but `pkg-config --cflags --libs ldredis` and -pthread
 * and runs it under scripts/with-redis.sh, plainly and under valgrind. Keys are written only
 * under prefixes "smoke-<pid>-...", so reruns do not interfere.
 *
 * What it covers, in order: version, status names and last error; every config setter with
 * valid and invalid input (password redaction in URL errors); store_new; then for each upsert
 * mode (auto, script, watch) init/get/all/upsert/delete with their argument checks, the SDKs'
 * tombstone shapes, byte-for-byte storage, the Redis commands each mode uses, foreign values,
 * re-init, status/stats/describe; then a 5000-item init, Big Segments, a user refused
 * scripting (AUTO falls back to WATCH), a paused server (timeout, status listener, recovery),
 * refused credentials, 8 threads on one store (auto and watch), password login; then an
 * unreachable server, where every operation fails and available says 0; and last fail fast
 * (a closed port, and a listener that never answers: with fail fast on, reads after the first
 * failure return UNAVAILABLE at once, one probe per 500 ms excepted).
 *
 * When LDREDIS_TEST_PORT is set (as scripts/with-redis.sh does; the server is then assumed to
 * be a throwaway one), redis-cli looks at the raw schema, plants foreign data and Big Segments,
 * pauses the server and changes its ACL users and requirepass (undone afterwards); without it
 * those parts are skipped. LDREDIS_SMOKE_ITERATIONS (default 200) bounds the threaded part.
 *
 * Each check prints one line ("ok" or "FAIL", a number, what was checked); the last line is
 * "N passed, M failed", and the exit status is 0 only when nothing failed. Everything the
 * library returns is released, so valgrind can report leaks precisely.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <ldredis.h>

#define SECRET "s3cret"
#define MAX_VERSION INT64_C(9007199254740991) /* 2^53 - 1, the highest valid version */
#define THREADS 8
#define DEFAULT_CACHE_TTL_MS INT64_C(15000) /* the documented default */
#define NO_CACHE INT64_C(0)

/* ---- Reporting ---- */

static int passed, failed;

/* Records and prints one check: "ok   N - description" or "FAIL N - description". */
static int check(int ok, const char *fmt, ...)
{
    va_list ap;
    printf("%s %3d - ", ok ? "ok  " : "FAIL", passed + failed + 1);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
    if (ok)
        passed++;
    else
        failed++;
    return ok;
}

/* Checks that a call returned the expected status. An expected error must also have left a
   message in ldredis_last_error(). */
static int check_status(int got, int want, const char *fmt, ...)
{
    char what[512];
    const char *message = ldredis_last_error();
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (message == NULL)
        return check(0, "%s -> %s, but ldredis_last_error() is NULL", what,
                     ldredis_status_name(got));
    if (got != want)
        return check(0, "%s -> %s, expected %s (last error: \"%s\")", what,
                     ldredis_status_name(got), ldredis_status_name(want), message);
    if (want < 0 && message[0] == '\0')
        return check(0, "%s -> %s, but ldredis_last_error() is empty", what,
                     ldredis_status_name(got));
    return check(1, "%s -> %s", what, ldredis_status_name(got));
}

/* Checks that a call failed with a connection-type error: negative, and not a complaint about
   the arguments (which were valid). */
static int check_connection_error(int got, const char *what)
{
    const char *message = ldredis_last_error();
    return check(got < 0 && got != LDREDIS_ERR_INVALID_ARGUMENT && message != NULL &&
                     message[0] != '\0',
                 "%s -> %s (%s)", what, ldredis_status_name(got),
                 message ? message : "(null)");
}

/* Checks that the last error does not reveal a password, in plain or percent-encoded form. */
static int check_redacted(const char *what, const char *plain, const char *encoded)
{
    const char *message = ldredis_last_error();
    int ok = message != NULL && strstr(message, plain) == NULL &&
             (encoded == NULL || strstr(message, encoded) == NULL);
    return check(ok, "%s: the last error does not contain the password (\"%s\")", what,
                 message ? message : "(null)");
}

/* ---- Calling the store ----
   Outputs are preset to a sentinel so the checks can see that the library set them. */

static char sentinel_byte;
#define SENTINEL (&sentinel_byte)

static void release(char *p)
{
    if (p != SENTINEL)
        ldredis_free(p);
}

/* get(kind, key) must give `want`; on LDREDIS_OK the JSON must be want_json byte for byte
   (unless want_json is NULL); on any other status *out must be NULL. */
static void expect_get(ldredis_store *store, const char *kind, const char *key, int want,
                       const char *want_json)
{
    char *out = SENTINEL;
    size_t len = (size_t)-1;
    int status = ldredis_store_get(&out, &len, store, kind, key);

    check_status(status, want, "get(\"%s\", \"%s\")", kind ? kind : "(null)",
                 key ? key : "(null)");
    if (status == LDREDIS_OK) {
        int valid = out != NULL && out != SENTINEL;
        check(valid && len == strlen(out), "  ... *out is a string of *out_len bytes");
        if (valid && want_json != NULL && strcmp(out, want_json) == 0)
            check(1, "  ... the item as stored: %s", out);
        else if (valid && want_json != NULL)
            check(0, "  ... the item as stored: %s, expected %s", out, want_json);
    } else {
        check(out == NULL, "  ... *out is NULL");
    }
    release(out);
}

/* all_json(kind) must succeed; returns the JSON (release with ldredis_free) or NULL. */
static char *expect_all(ldredis_store *store, const char *kind)
{
    char *out = SENTINEL;
    size_t len = (size_t)-1;
    int status = ldredis_store_all_json(&out, &len, store, kind);

    check_status(status, LDREDIS_OK, "all_json(\"%s\")", kind);
    if (status != LDREDIS_OK || out == NULL || out == SENTINEL) {
        if (status == LDREDIS_OK)
            check(0, "  ... *out is a string");
        release(out);
        return NULL;
    }
    check(len == strlen(out) && len >= 2 && out[0] == '{' && out[len - 1] == '}',
          "  ... a JSON object of *out_len bytes");
    return out;
}

/* The text of member `key`'s value in a JSON object the library returned, or NULL when there
   is no such member. Enough for our checks: the names we look for are plain and unique. */
static const char *json_value(const char *json, const char *key)
{
    char quoted[256];
    const char *p;

    snprintf(quoted, sizeof quoted, "\"%s\"", key);
    for (p = json ? strstr(json, quoted) : NULL; p != NULL; p = strstr(p + 1, quoted)) {
        const char *q = p + strlen(quoted);
        q += strspn(q, " \t\r\n");
        if (*q != ':')
            continue;
        q++;
        return q + strspn(q, " \t\r\n");
    }
    return NULL;
}

/* Checks whether "key" appears as a member name in a JSON object returned by all_json. */
static void check_member(const char *all, const char *key, int present)
{
    int found = json_value(all, key) != NULL;
    check(found == present, "  ... %s \"%s\"", present ? "has" : "leaves out", key);
}

/* A counter from ldredis_store_stats_json's object; -1 when it is missing. */
static long json_counter(const char *json, const char *key)
{
    const char *value = json_value(json, key);
    return value != NULL && *value >= '0' && *value <= '9' ? strtol(value, NULL, 10) : -1;
}

static void expect_upsert(ldredis_store *store, const char *kind, const char *key,
                          const char *json, int want_updated, const char *what)
{
    int updated = -1;
    int status = ldredis_store_upsert(&updated, store, kind, key, json, strlen(json));
    if (check_status(status, LDREDIS_OK, "upsert(\"%s\", \"%s\") %s", kind, key, what))
        check(updated == want_updated, "  ... updated=%d (expected %d)", updated, want_updated);
}

static void expect_delete(ldredis_store *store, const char *kind, const char *key,
                          int64_t version, int want_updated, const char *what)
{
    int updated = -1;
    int status = ldredis_store_delete(&updated, store, kind, key, version);
    if (check_status(status, LDREDIS_OK, "delete(\"%s\", \"%s\", %" PRId64 ") %s", kind, key,
                     version, what))
        check(updated == want_updated, "  ... updated=%d (expected %d)", updated, want_updated);
}

static void expect_flag(const char *what, int (*fn)(int *, ldredis_store *),
                        ldredis_store *store, int want)
{
    int value = -1;
    if (check_status(fn(&value, store), LDREDIS_OK, "%s", what))
        check(value == want, "  ... *out=%d (expected %d)", value, want);
}

/* A store on `url` (NULL: the defaults) with the given prefix, upsert mode and settings. */
static ldredis_store *open_store(const char *url, const char *prefix, int mode,
                                 int64_t connect_ms, int64_t operation_ms, int pool,
                                 int64_t cache_ttl_ms)
{
    ldredis_config *cfg = NULL;
    ldredis_store *store = NULL;
    int ok = ldredis_config_new(&cfg) == LDREDIS_OK &&
             (url == NULL || ldredis_config_set_url(cfg, url) == LDREDIS_OK) &&
             ldredis_config_set_prefix(cfg, prefix) == LDREDIS_OK &&
             ldredis_config_set_upsert_mode(cfg, mode) == LDREDIS_OK &&
             ldredis_config_set_connect_timeout_ms(cfg, connect_ms) == LDREDIS_OK &&
             ldredis_config_set_operation_timeout_ms(cfg, operation_ms) == LDREDIS_OK &&
             ldredis_config_set_pool_size(cfg, pool) == LDREDIS_OK &&
             ldredis_config_set_cache_ttl_ms(cfg, cache_ttl_ms) == LDREDIS_OK &&
             ldredis_store_new(&store, cfg) == LDREDIS_OK;
    if (!ok)
        check(0, "open a store on %s, prefix %s (%s)", url ? url : "(defaults)", prefix,
              ldredis_last_error());
    /* The store copied the settings: freeing the config now must not affect it. */
    ldredis_config_free(cfg);
    return ok ? store : NULL;
}

/* ---- Time ---- */

static long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec t;
    t.tv_sec = ms / 1000;
    t.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&t, &t) != 0)
        ;
}

/* ---- Status and diagnostics ---- */

/* What a status listener has been told, shared with the library's threads. */
struct status_log {
    pthread_mutex_t lock;
    int calls, last_available, last_needs_refresh;
};

static void on_status(void *user_data, int available, int needs_refresh)
{
    struct status_log *log = user_data;
    pthread_mutex_lock(&log->lock);
    log->calls++;
    log->last_available = available;
    log->last_needs_refresh = needs_refresh;
    pthread_mutex_unlock(&log->lock);
}

/* Waits up to timeout_ms until the listener has been called `calls` times; returns how many
   calls there were, and the last one's arguments through available / needs_refresh. */
static int wait_for_status(struct status_log *log, int calls, long timeout_ms, int *available,
                           int *needs_refresh)
{
    struct timespec start;
    int seen;

    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        pthread_mutex_lock(&log->lock);
        seen = log->calls;
        *available = log->last_available;
        *needs_refresh = log->last_needs_refresh;
        pthread_mutex_unlock(&log->lock);
        if (seen >= calls || elapsed_ms(&start) >= timeout_ms)
            return seen;
        sleep_ms(20);
    }
}

/* ldredis_store_status must succeed with the expected flags, a last Redis error exactly when
   `want_error`, and no secret in it. Returns changed_at_ms (-1 on failure). */
static int64_t expect_store_status(ldredis_store *store, int want_available,
                                   int want_needs_refresh, int want_error, const char *what)
{
    int available = -1, needs_refresh = -1;
    int64_t changed_at = -1;
    char *error = SENTINEL;

    if (!check_status(ldredis_store_status(&available, &needs_refresh, &changed_at, &error, store),
                      LDREDIS_OK, "status %s", what)) {
        release(error);
        return -1;
    }
    check(available == want_available && needs_refresh == want_needs_refresh,
          "  ... available=%d needs_refresh=%d (expected %d and %d)", available, needs_refresh,
          want_available, want_needs_refresh);
    check(changed_at > 0, "  ... changed_at_ms=%" PRId64, changed_at);
    if (want_error)
        check(error != NULL && error != SENTINEL && error[0] != '\0' &&
                  strstr(error, SECRET) == NULL,
              "  ... the last Redis error, without secrets: %s",
              error != NULL && error != SENTINEL ? error : "(none)");
    else
        check(error == NULL, "  ... no last Redis error (%s)",
              error != NULL && error != SENTINEL ? error : "NULL");
    release(error);
    return changed_at;
}

/* stats_json must succeed and hold every documented counter; returns it (ldredis_free). */
static char *expect_stats(ldredis_store *store)
{
    static const char *const counters[] = {
        "cache_hits", "cache_misses", "coalesced_waits", "redis_round_trips",
        "redis_errors", "malformed_skipped", "cache_evictions", "cache_entries",
        "write_back_written", "write_back_refused",
    };
    char *out = SENTINEL;
    size_t len = (size_t)-1, i, missing = 0;

    if (!check_status(ldredis_store_stats_json(&out, &len, store), LDREDIS_OK, "stats_json") ||
        out == NULL || out == SENTINEL) {
        release(out);
        return NULL;
    }
    for (i = 0; i < sizeof counters / sizeof counters[0]; i++)
        missing += json_counter(out, counters[i]) < 0;
    check(len == strlen(out) && missing == 0, "  ... all %lu counters: %s",
          (unsigned long)(sizeof counters / sizeof counters[0]), out);
    return out;
}

/* describe must succeed, name the prefix's keys and show no secret. */
static void expect_describe(ldredis_store *store, const char *prefix)
{
    char *out = SENTINEL, features_key[128];
    size_t len = (size_t)-1;

    if (check_status(ldredis_store_describe(&out, &len, store), LDREDIS_OK, "describe") &&
        out != NULL && out != SENTINEL) {
        snprintf(features_key, sizeof features_key, "\"%s:features\"", prefix);
        check(len == strlen(out) && out[0] == '{' && strstr(out, features_key) != NULL,
              "  ... a JSON object naming %s: %s", features_key, out);
        check(strstr(out, SECRET) == NULL, "  ... without the password");
    }
    release(out);
}

/* The argument checks of the status and diagnostics functions. */
static void test_diagnostics_arguments(ldredis_store *store)
{
    char *out = SENTINEL;
    size_t len;
    int64_t when;

    printf("# status and diagnostics arguments\n");
    check_status(ldredis_store_status(NULL, NULL, NULL, NULL, store), LDREDIS_OK,
                 "status with every output NULL");
    check_status(ldredis_store_status(NULL, NULL, NULL, NULL, NULL),
                 LDREDIS_ERR_INVALID_ARGUMENT, "status(NULL store)");
    check_status(ldredis_store_set_status_listener(NULL, on_status, NULL),
                 LDREDIS_ERR_INVALID_ARGUMENT, "set_status_listener(NULL store)");
    check_status(ldredis_store_set_status_listener(store, NULL, NULL), LDREDIS_OK,
                 "set_status_listener(NULL fn) with none set");
    check_status(ldredis_store_stats_json(NULL, &len, store), LDREDIS_ERR_INVALID_ARGUMENT,
                 "stats_json(NULL out)");
    check_status(ldredis_store_stats_json(&out, &len, NULL), LDREDIS_ERR_INVALID_ARGUMENT,
                 "stats_json(NULL store)");
    check(out == NULL, "  ... *out is NULL");
    release(out);
    out = SENTINEL;
    check_status(ldredis_store_describe(NULL, &len, store), LDREDIS_ERR_INVALID_ARGUMENT,
                 "describe(NULL out)");
    check_status(ldredis_store_describe(&out, &len, NULL), LDREDIS_ERR_INVALID_ARGUMENT,
                 "describe(NULL store)");
    check(out == NULL, "  ... *out is NULL");
    release(out);
    out = SENTINEL;
    check_status(ldredis_store_big_segments_metadata(NULL, store), LDREDIS_ERR_INVALID_ARGUMENT,
                 "big_segments_metadata(NULL out)");
    check_status(ldredis_store_big_segments_metadata(&when, NULL), LDREDIS_ERR_INVALID_ARGUMENT,
                 "big_segments_metadata(NULL store)");
    check_status(ldredis_store_big_segments_membership(NULL, &len, store, "h"),
                 LDREDIS_ERR_INVALID_ARGUMENT, "big_segments_membership(NULL out)");
    check_status(ldredis_store_big_segments_membership(&out, &len, NULL, "h"),
                 LDREDIS_ERR_INVALID_ARGUMENT, "big_segments_membership(NULL store)");
    check(out == NULL, "  ... *out is NULL");
    release(out);
    out = SENTINEL;
    check_status(ldredis_store_big_segments_membership(&out, &len, store, NULL),
                 LDREDIS_ERR_INVALID_ARGUMENT, "big_segments_membership(NULL context_hash)");
    check(out == NULL, "  ... *out is NULL");
    release(out);
    /* Flag evaluation (Tests/C/evaluate.c tests the results). */
    out = SENTINEL;
    check_status(ldredis_evaluate(&out, &len, NULL, "f", "{}", 2, "1", 1),
                 LDREDIS_ERR_INVALID_ARGUMENT, "evaluate(NULL store)");
    check(out == NULL, "  ... *out is NULL");
    release(out);
    out = SENTINEL;
    check_status(ldredis_all_flags_state(&out, &len, store, "{", 1, 0),
                 LDREDIS_ERR_INVALID_ARGUMENT, "all_flags_state(context that is not JSON)");
    check(out == NULL, "  ... *out is NULL");
    release(out);
}

/* ---- redis-cli, to see the raw schema (only when LDREDIS_TEST_PORT is set) ---- */

static const char *test_port;

/* Runs redis-cli --raw with the given arguments (already shell-quoted) and stores its output,
   without the trailing newline, in out. Returns 0 if redis-cli could not be run. */
static int redis_cli(char *out, size_t cap, const char *fmt, ...)
{
    char args[512], command[768];
    size_t len = 0, n;
    FILE *p;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(command, sizeof command, "redis-cli -h 127.0.0.1 -p %s --raw %s 2>&1", test_port,
             args);
    p = popen(command, "r");
    if (p == NULL)
        return 0;
    while (len + 1 < cap && (n = fread(out + len, 1, cap - 1 - len, p)) > 0)
        len += n;
    out[len] = '\0';
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
        out[--len] = '\0';
    return pclose(p) == 0;
}

/* How many times the server has run a command so far (INFO commandstats); -1 if unknown. */
static long command_calls(const char *command)
{
    char info[16384], needle[64];
    const char *at;

    if (!redis_cli(info, sizeof info, "INFO commandstats"))
        return -1;
    snprintf(needle, sizeof needle, "cmdstat_%s:calls=", command);
    at = strstr(info, needle);
    return at == NULL ? 0 : strtol(at + strlen(needle), NULL, 10);
}

struct command_counts {
    long evalsha, eval, watch;
};

static void count_commands(struct command_counts *c)
{
    c->evalsha = command_calls("evalsha");
    c->eval = command_calls("eval");
    c->watch = command_calls("watch");
}

/* Checks that the upserts and deletes since `before` used the commands of the mode. */
static void check_upsert_commands(int mode, const struct command_counts *before)
{
    struct command_counts after;
    long evalsha, eval, watch;

    count_commands(&after);
    evalsha = after.evalsha - before->evalsha;
    eval = after.eval - before->eval;
    watch = after.watch - before->watch;
    if (before->evalsha < 0 || after.evalsha < 0) {
        check(0, "INFO commandstats could be read");
        return;
    }
    if (mode == LDREDIS_UPSERT_WATCH)
        check(watch > 0 && evalsha == 0 && eval == 0,
              "WATCH mode: the writes ran WATCH %ld times, EVALSHA %ld, EVAL %ld", watch,
              evalsha, eval);
    else
        check(evalsha > 0 && watch == 0,
              "%s mode: the writes ran EVALSHA %ld times, WATCH %ld",
              mode == LDREDIS_UPSERT_AUTO ? "AUTO" : "SCRIPT", evalsha, watch);
}

/* ---- The tests ---- */

static void test_library(void)
{
    static const struct {
        int status;
        const char *name;
    } names[] = {
        {LDREDIS_OK, "LDREDIS_OK"},
        {LDREDIS_NOT_FOUND, "LDREDIS_NOT_FOUND"},
        {LDREDIS_ERR_INVALID_ARGUMENT, "LDREDIS_ERR_INVALID_ARGUMENT"},
        {LDREDIS_ERR_UNAVAILABLE, "LDREDIS_ERR_UNAVAILABLE"},
        {LDREDIS_ERR_TIMEOUT, "LDREDIS_ERR_TIMEOUT"},
        {LDREDIS_ERR_REDIS, "LDREDIS_ERR_REDIS"},
        {LDREDIS_ERR_MALFORMED, "LDREDIS_ERR_MALFORMED"},
        {LDREDIS_ERR_CONFLICT, "LDREDIS_ERR_CONFLICT"},
        {LDREDIS_ERR_INTERNAL, "LDREDIS_ERR_INTERNAL"},
        {LDREDIS_ERR_BUSY, "LDREDIS_ERR_BUSY"},
        {2, "unknown status"},
        {-9, "unknown status"},
        {INT_MAX, "unknown status"},
        {INT_MIN, "unknown status"},
    };
    const char *version = ldredis_version();
    const char *message = ldredis_last_error();
    size_t i;

    printf("# library\n");
    check(version != NULL && strcmp(version, LDREDIS_VERSION_STRING) == 0,
          "ldredis_version() is \"%s\", as LDREDIS_VERSION_STRING", version ? version : "(null)");
    check(message != NULL && message[0] == '\0',
          "ldredis_last_error() is \"\" before anything failed");
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *name = ldredis_status_name(names[i].status);
        check(name != NULL && strcmp(name, names[i].name) == 0,
              "ldredis_status_name(%d) is \"%s\"", names[i].status, name ? name : "(null)");
    }
    ldredis_free(NULL);
    check(1, "ldredis_free(NULL) does nothing");
}

static void test_config(void)
{
    static const char *const good_urls[] = {
        "redis://localhost:6379/0",
        "redis://127.0.0.1",
        "redis://cache.internal:6380",
        "redis://h/3",
        "redis://h:1",
        "redis://h:65535/15",
        "redis://user:pw@h:6379/2",
        "redis://:pw@h",
        "redis://user@h",
        "redis://us%40er:p%3Aw@h:6379/0",
        "redis://[::1]:6379/1",
        "redis://[::1]",
        "unix:///tmp/redis.sock",
        "unix:///tmp/redis.sock?db=3",
        "unix://:pw@/tmp/redis.sock",
    };
    static const char *const bad_urls[] = {
        "",
        "http://x",
        "localhost:6379",
        "redis://h:0",
        "redis://h:99999",
        "redis://h:65536",
        "redis://h:-1",
        "redis://h:port",
        "redis://h:port/notanumber",
        "redis://h:6379/notanumber",
        "redis://h:6379/-1",
        "redis://[::1",
        "rediss://h:0",
        "rediss://h:6380/x",
        "unix:///tmp/redis.sock?db=x",
    };
    /* Malformed URLs carrying the password: the error must not repeat it. */
    static const char *const secret_urls[] = {
        "redis://user:" SECRET "@h:99999/0",
        "redis://:" SECRET "@h:6379/notanumber",
        "redis://user:" SECRET "@[::1:6379",
        "rediss://:" SECRET "@h:99999",
        "http://user:" SECRET "@h",
        "unix://:" SECRET "@/tmp/redis.sock?db=x",
    };
    static const int64_t bad_timeouts[] = {0, -1, 3600001, INT64_MAX, INT64_MIN};
    static const int64_t good_timeouts[] = {1, 2000, 3600000};
    static const int64_t ttls[] = {0, 15000, -1, INT64_MAX, INT64_MIN};
    ldredis_config *cfg = NULL;
    size_t i;

    printf("# config\n");
    check_status(ldredis_config_new(NULL), LDREDIS_ERR_INVALID_ARGUMENT, "config_new(NULL)");
    if (!check_status(ldredis_config_new(&cfg), LDREDIS_OK, "config_new(&cfg)") ||
        !check(cfg != NULL, "  ... *out is a config"))
        return;
    ldredis_config_free(NULL);
    check(1, "config_free(NULL) does nothing");

    /* URL */
    check_status(ldredis_config_set_url(NULL, "redis://h"), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_url(NULL cfg)");
    check_status(ldredis_config_set_url(cfg, NULL), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_url(NULL url)");
    for (i = 0; i < sizeof good_urls / sizeof good_urls[0]; i++)
        check_status(ldredis_config_set_url(cfg, good_urls[i]), LDREDIS_OK, "set_url(\"%s\")",
                     good_urls[i]);
    for (i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++)
        check_status(ldredis_config_set_url(cfg, bad_urls[i]), LDREDIS_ERR_INVALID_ARGUMENT,
                     "set_url(\"%s\")", bad_urls[i]);
    for (i = 0; i < sizeof secret_urls / sizeof secret_urls[0]; i++) {
        check_status(ldredis_config_set_url(cfg, secret_urls[i]), LDREDIS_ERR_INVALID_ARGUMENT,
                     "set_url(\"%s\")", secret_urls[i]);
        check_redacted(secret_urls[i], SECRET, NULL);
    }
    /* Percent-encoded: "s3cr%65t" decodes to the secret. */
    check_status(ldredis_config_set_url(cfg, "redis://u:s3cr%65t@h:0"),
                 LDREDIS_ERR_INVALID_ARGUMENT, "set_url(\"redis://u:s3cr%%65t@h:0\")");
    check_redacted("percent-encoded password", SECRET, "s3cr%65t");

    /* Host and port */
    check_status(ldredis_config_set_host(NULL, "h", 6379), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_host(NULL cfg)");
    check_status(ldredis_config_set_host(cfg, NULL, 6379), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_host(NULL host)");
    check_status(ldredis_config_set_host(cfg, "", 6379), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_host(\"\", 6379)");
    check_status(ldredis_config_set_host(cfg, "h", 0), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_host(\"h\", 0)");
    check_status(ldredis_config_set_host(cfg, "h", -1), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_host(\"h\", -1)");
    check_status(ldredis_config_set_host(cfg, "h", 65536), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_host(\"h\", 65536)");
    check_status(ldredis_config_set_host(cfg, "localhost", 1), LDREDIS_OK,
                 "set_host(\"localhost\", 1)");
    check_status(ldredis_config_set_host(cfg, "127.0.0.1", 65535), LDREDIS_OK,
                 "set_host(\"127.0.0.1\", 65535)");
    check_status(ldredis_config_set_host(cfg, "::1", 6379), LDREDIS_OK,
                 "set_host(\"::1\", 6379)");

    /* Prefix */
    check_status(ldredis_config_set_prefix(NULL, "p"), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_prefix(NULL cfg)");
    check_status(ldredis_config_set_prefix(cfg, NULL), LDREDIS_OK, "set_prefix(NULL): default");
    check_status(ldredis_config_set_prefix(cfg, ""), LDREDIS_OK, "set_prefix(\"\"): default");
    check_status(ldredis_config_set_prefix(cfg, "my-env"), LDREDIS_OK, "set_prefix(\"my-env\")");

    /* Credentials */
    check_status(ldredis_config_set_password(NULL, "pw"), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_password(NULL cfg)");
    check_status(ldredis_config_set_password(cfg, "pw"), LDREDIS_OK, "set_password(\"pw\")");
    check_status(ldredis_config_set_password(cfg, NULL), LDREDIS_OK,
                 "set_password(NULL): removes it");
    check_status(ldredis_config_set_username(NULL, "u"), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_username(NULL cfg)");
    check_status(ldredis_config_set_username(cfg, "u"), LDREDIS_OK, "set_username(\"u\")");
    check_status(ldredis_config_set_username(cfg, NULL), LDREDIS_OK,
                 "set_username(NULL): removes it");

    /* Database */
    check_status(ldredis_config_set_database(NULL, 0), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_database(NULL cfg)");
    check_status(ldredis_config_set_database(cfg, -1), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_database(-1)");
    check_status(ldredis_config_set_database(cfg, INT_MIN), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_database(INT_MIN)");
    check_status(ldredis_config_set_database(cfg, 0), LDREDIS_OK, "set_database(0)");
    check_status(ldredis_config_set_database(cfg, 15), LDREDIS_OK, "set_database(15)");

    /* Timeouts */
    check_status(ldredis_config_set_connect_timeout_ms(NULL, 100),
                 LDREDIS_ERR_INVALID_ARGUMENT, "set_connect_timeout_ms(NULL cfg)");
    check_status(ldredis_config_set_operation_timeout_ms(NULL, 100),
                 LDREDIS_ERR_INVALID_ARGUMENT, "set_operation_timeout_ms(NULL cfg)");
    for (i = 0; i < sizeof bad_timeouts / sizeof bad_timeouts[0]; i++) {
        check_status(ldredis_config_set_connect_timeout_ms(cfg, bad_timeouts[i]),
                     LDREDIS_ERR_INVALID_ARGUMENT, "set_connect_timeout_ms(%" PRId64 ")",
                     bad_timeouts[i]);
        check_status(ldredis_config_set_operation_timeout_ms(cfg, bad_timeouts[i]),
                     LDREDIS_ERR_INVALID_ARGUMENT, "set_operation_timeout_ms(%" PRId64 ")",
                     bad_timeouts[i]);
    }
    for (i = 0; i < sizeof good_timeouts / sizeof good_timeouts[0]; i++) {
        check_status(ldredis_config_set_connect_timeout_ms(cfg, good_timeouts[i]), LDREDIS_OK,
                     "set_connect_timeout_ms(%" PRId64 ")", good_timeouts[i]);
        check_status(ldredis_config_set_operation_timeout_ms(cfg, good_timeouts[i]),
                     LDREDIS_OK, "set_operation_timeout_ms(%" PRId64 ")", good_timeouts[i]);
    }

    /* Pool size */
    check_status(ldredis_config_set_pool_size(NULL, 4), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_pool_size(NULL cfg)");
    check_status(ldredis_config_set_pool_size(cfg, 0), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_pool_size(0)");
    check_status(ldredis_config_set_pool_size(cfg, -1), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_pool_size(-1)");
    check_status(ldredis_config_set_pool_size(cfg, 1025), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_pool_size(1025)");
    check_status(ldredis_config_set_pool_size(cfg, 1), LDREDIS_OK, "set_pool_size(1)");
    check_status(ldredis_config_set_pool_size(cfg, 1024), LDREDIS_OK, "set_pool_size(1024)");

    /* Cache TTL: any value is valid (0 off, > 0 TTL, < 0 forever). */
    check_status(ldredis_config_set_cache_ttl_ms(NULL, 0), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_cache_ttl_ms(NULL cfg)");
    for (i = 0; i < sizeof ttls / sizeof ttls[0]; i++)
        check_status(ldredis_config_set_cache_ttl_ms(cfg, ttls[i]), LDREDIS_OK,
                     "set_cache_ttl_ms(%" PRId64 ")", ttls[i]);

    /* Cache capacity: 0 (unbounded) or more entries. */
    check_status(ldredis_config_set_cache_capacity(NULL, 0), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_cache_capacity(NULL cfg)");
    check_status(ldredis_config_set_cache_capacity(cfg, -1), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_cache_capacity(-1)");
    check_status(ldredis_config_set_cache_capacity(cfg, INT64_MIN), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_cache_capacity(INT64_MIN)");
    check_status(ldredis_config_set_cache_capacity(cfg, 1000), LDREDIS_OK,
                 "set_cache_capacity(1000)");
    check_status(ldredis_config_set_cache_capacity(cfg, INT64_MAX), LDREDIS_OK,
                 "set_cache_capacity(INT64_MAX)");
    check_status(ldredis_config_set_cache_capacity(cfg, 0), LDREDIS_OK,
                 "set_cache_capacity(0): unbounded");

    /* Switches */
    check_status(ldredis_config_set_cache_refresh_ahead(NULL, 1), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_cache_refresh_ahead(NULL cfg)");
    check_status(ldredis_config_set_cache_refresh_ahead(cfg, 1), LDREDIS_OK,
                 "set_cache_refresh_ahead(1)");
    check_status(ldredis_config_set_cache_refresh_ahead(cfg, 0), LDREDIS_OK,
                 "set_cache_refresh_ahead(0)");
    check_status(ldredis_config_set_repopulate_on_restart(NULL, 1),
                 LDREDIS_ERR_INVALID_ARGUMENT, "set_repopulate_on_restart(NULL cfg)");
    check_status(ldredis_config_set_repopulate_on_restart(cfg, 1), LDREDIS_OK,
                 "set_repopulate_on_restart(1)");
    check_status(ldredis_config_set_repopulate_on_restart(cfg, 0), LDREDIS_OK,
                 "set_repopulate_on_restart(0)");
    check_status(ldredis_config_set_fail_fast(NULL, 1), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_fail_fast(NULL cfg)");
    check_status(ldredis_config_set_fail_fast(cfg, 1), LDREDIS_OK, "set_fail_fast(1)");
    check_status(ldredis_config_set_fail_fast(cfg, 0), LDREDIS_OK, "set_fail_fast(0)");
    check_status(ldredis_config_set_tls(NULL, 1), LDREDIS_ERR_INVALID_ARGUMENT, "set_tls(NULL cfg)");
    check_status(ldredis_config_set_tls_verify(NULL, 1), LDREDIS_ERR_INVALID_ARGUMENT, "set_tls_verify(NULL cfg)");
    check_status(ldredis_config_set_tls_ca_file(NULL, "/x"), LDREDIS_ERR_INVALID_ARGUMENT, "set_tls_ca_file(NULL cfg)");
    check_status(ldredis_config_set_tls_cert_file(NULL, "/x"), LDREDIS_ERR_INVALID_ARGUMENT, "set_tls_cert_file(NULL cfg)");
    check_status(ldredis_config_set_tls_key_file(NULL, "/x"), LDREDIS_ERR_INVALID_ARGUMENT, "set_tls_key_file(NULL cfg)");
    check_status(ldredis_config_set_tls_server_name(NULL, "h"), LDREDIS_ERR_INVALID_ARGUMENT, "set_tls_server_name(NULL cfg)");
    check_status(ldredis_config_set_tls_ca_file(cfg, ""), LDREDIS_ERR_INVALID_ARGUMENT, "set_tls_ca_file(\"\")");
    check_status(ldredis_config_set_tls_server_name(cfg, "a b"), LDREDIS_ERR_INVALID_ARGUMENT, "set_tls_server_name(\"a b\")");
    check_status(ldredis_config_set_tls_ca_file(cfg, NULL), LDREDIS_OK, "set_tls_ca_file(NULL)");
    check_status(ldredis_config_set_tls_cert_file(cfg, NULL), LDREDIS_OK, "set_tls_cert_file(NULL)");
    check_status(ldredis_config_set_tls_key_file(cfg, NULL), LDREDIS_OK, "set_tls_key_file(NULL)");
    check_status(ldredis_config_set_tls_server_name(cfg, NULL), LDREDIS_OK, "set_tls_server_name(NULL)");
    check_status(ldredis_config_set_tls_verify(cfg, 1), LDREDIS_OK, "set_tls_verify(1)");
    check_status(ldredis_config_set_tls(cfg, 0), LDREDIS_OK, "set_tls(0)");
    {
        /* TLS files are read by ldredis_store_new: a missing CA file fails there, naming it. */
        ldredis_config *tls = NULL;
        ldredis_store *none = NULL;
        check_status(ldredis_config_new(&tls), LDREDIS_OK, "config_new (TLS)");
        check_status(ldredis_config_set_url(tls, "rediss://127.0.0.1:1/0"), LDREDIS_OK, "set_url(rediss://)");
        check_status(ldredis_config_set_tls_ca_file(tls, "/nonexistent/ca.pem"), LDREDIS_OK, "set_tls_ca_file");
        check_status(ldredis_store_new(&none, tls), LDREDIS_ERR_INVALID_ARGUMENT, "store_new with a missing CA file");
        check(strstr(ldredis_last_error(), "/nonexistent/ca.pem") != NULL, "the error names the CA file");
        check(none == NULL, "no store on failure");
        check_status(ldredis_config_set_tls_cert_file(tls, "/nonexistent/cert.pem"), LDREDIS_OK, "set_tls_cert_file");
        check_status(ldredis_config_set_tls_verify(tls, 0), LDREDIS_OK, "set_tls_verify(0)");
        check_status(ldredis_store_new(&none, tls), LDREDIS_ERR_INVALID_ARGUMENT, "store_new with a cert file and no key file");
        ldredis_config_free(tls);
    }

    /* Upsert mode */
    check_status(ldredis_config_set_upsert_mode(NULL, LDREDIS_UPSERT_AUTO),
                 LDREDIS_ERR_INVALID_ARGUMENT, "set_upsert_mode(NULL cfg)");
    check_status(ldredis_config_set_upsert_mode(cfg, -1), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_upsert_mode(-1)");
    check_status(ldredis_config_set_upsert_mode(cfg, 3), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_upsert_mode(3)");
    check_status(ldredis_config_set_upsert_mode(cfg, LDREDIS_UPSERT_SCRIPT), LDREDIS_OK,
                 "set_upsert_mode(LDREDIS_UPSERT_SCRIPT)");
    check_status(ldredis_config_set_upsert_mode(cfg, LDREDIS_UPSERT_WATCH), LDREDIS_OK,
                 "set_upsert_mode(LDREDIS_UPSERT_WATCH)");
    check_status(ldredis_config_set_upsert_mode(cfg, LDREDIS_UPSERT_AUTO), LDREDIS_OK,
                 "set_upsert_mode(LDREDIS_UPSERT_AUTO)");

    ldredis_config_free(cfg);
}

static void test_store_new(void)
{
    ldredis_store *store = NULL;
    ldredis_config *cfg = NULL;

    printf("# store_new\n");
    check_status(ldredis_store_new(NULL, NULL), LDREDIS_ERR_INVALID_ARGUMENT,
                 "store_new(NULL out, NULL cfg)");
    if (ldredis_config_new(&cfg) == LDREDIS_OK) {
        check_status(ldredis_store_new(NULL, cfg), LDREDIS_ERR_INVALID_ARGUMENT,
                     "store_new(NULL out, cfg)");
        ldredis_config_free(cfg);
    }
    /* The defaults point at localhost:6379, which need not exist: store_new does not connect. */
    if (check_status(ldredis_store_new(&store, NULL), LDREDIS_OK,
                     "store_new(&store, NULL): all defaults, no connection yet"))
        check(store != NULL, "  ... *out is a store");
    ldredis_store_free(store);
    ldredis_store_free(NULL);
    check(1, "store_free(NULL) does nothing");
}

/* Settings that fail leave the config as it was: a config pointed at the live server, then
   hit with invalid settings, still reaches it. Also host/port and database from setters. */
static void test_config_applies(const char *url)
{
    ldredis_config *cfg = NULL;
    ldredis_store *store = NULL;
    char prefix[64], url_copy[256], prefix_copy[64];

    printf("# settings reach the store\n");
    snprintf(prefix, sizeof prefix, "smoke-%ld-cfg", (long)getpid());
    if (ldredis_config_new(&cfg) != LDREDIS_OK) {
        check(0, "config_new (%s)", ldredis_last_error());
        return;
    }
    /* Strings are only read during the call: scribble over them afterwards. */
    snprintf(url_copy, sizeof url_copy, "%s", url);
    snprintf(prefix_copy, sizeof prefix_copy, "%s", prefix);
    check_status(ldredis_config_set_url(cfg, url_copy), LDREDIS_OK, "set_url(\"%s\")", url);
    check_status(ldredis_config_set_prefix(cfg, prefix_copy), LDREDIS_OK, "set_prefix(\"%s\")",
                 prefix);
    memset(url_copy, 'x', sizeof url_copy - 1);
    memset(prefix_copy, 'x', sizeof prefix_copy - 1);
    ldredis_config_set_connect_timeout_ms(cfg, 2000);
    ldredis_config_set_operation_timeout_ms(cfg, 10000);
    check_status(ldredis_config_set_url(cfg, "http://x"), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_url(\"http://x\") on a live config");
    check_status(ldredis_config_set_url(cfg, "rediss://h:0"), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_url(\"rediss://h:0\") on a live config");
    check_status(ldredis_config_set_host(cfg, "elsewhere", 0), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_host(\"elsewhere\", 0) on a live config");
    check_status(ldredis_config_set_database(cfg, -1), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_database(-1) on a live config");
    check_status(ldredis_config_set_connect_timeout_ms(cfg, 0), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_connect_timeout_ms(0) on a live config");
    check_status(ldredis_config_set_pool_size(cfg, 0), LDREDIS_ERR_INVALID_ARGUMENT,
                 "set_pool_size(0) on a live config");
    if (check_status(ldredis_store_new(&store, cfg), LDREDIS_OK, "store_new")) {
        /* The store has its own copy: pointing the config elsewhere does not move it. */
        ldredis_config_set_url(cfg, "redis://127.0.0.1:1/0");
        expect_flag("available after rejected settings, caller's strings overwritten and the "
                    "config changed after store_new",
                    ldredis_store_available, store, 1);
        check_status(ldredis_store_init_json(store, "{}", 2), LDREDIS_OK, "init_json(\"{}\")");
        if (test_port != NULL) {
            char out[64];
            check(redis_cli(out, sizeof out, "EXISTS '%s:$inited'", prefix) &&
                      strcmp(out, "1") == 0,
                  "  ... under the prefix given: %s:$inited exists (%s)", prefix, out);
        }
        ldredis_store_free(store);
        store = NULL;
    }

    if (test_port != NULL) {
        char url1[128], db_prefix[80];
        ldredis_store *db0 = NULL, *db1 = NULL, *db1_url = NULL, *db0_override = NULL;

        /* set_host replaces the URL's host and port. */
        ldredis_config_set_url(cfg, "redis://127.0.0.1:1/0");
        check_status(ldredis_config_set_host(cfg, "127.0.0.1", atoi(test_port)), LDREDIS_OK,
                     "set_host(\"127.0.0.1\", %s) after an unreachable URL", test_port);
        if (ldredis_store_new(&store, cfg) == LDREDIS_OK) {
            expect_flag("available through set_host", ldredis_store_available, store, 1);
            ldredis_store_free(store);
        }

        /* The database, from set_database and from the URL path: SELECT really happens, and
           set_database wins over the URL whichever is called first. */
        snprintf(db_prefix, sizeof db_prefix, "%s-db", prefix);
        ldredis_config_set_prefix(cfg, db_prefix);
        ldredis_config_set_database(cfg, 0);
        ldredis_store_new(&db0, cfg);
        check_status(ldredis_config_set_database(cfg, 1), LDREDIS_OK, "set_database(1)");
        ldredis_store_new(&db1, cfg);
        snprintf(url1, sizeof url1, "redis://127.0.0.1:%s/1", test_port);
        db1_url = open_store(url1, db_prefix, LDREDIS_UPSERT_AUTO, 2000, 10000, 2,
                             DEFAULT_CACHE_TTL_MS);
        ldredis_config_set_database(cfg, 0);
        check_status(ldredis_config_set_url(cfg, url1), LDREDIS_OK,
                     "set_url(\"%s\") after set_database(0)", url1);
        ldredis_store_new(&db0_override, cfg);
        if (db0 != NULL && db1 != NULL && db1_url != NULL && db0_override != NULL) {
            check_status(ldredis_store_init_json(db1, "{}", 2), LDREDIS_OK,
                         "init_json(\"{}\") in database 1");
            expect_flag("initialized in database 1", ldredis_store_initialized, db1, 1);
            expect_flag("initialized in database 1, chosen by the URL",
                        ldredis_store_initialized, db1_url, 1);
            expect_flag("initialized in database 0: a different database",
                        ldredis_store_initialized, db0, 0);
            expect_flag("initialized with set_database(0) before a URL naming database 1: "
                        "the setter wins",
                        ldredis_store_initialized, db0_override, 0);
        } else {
            check(0, "stores for databases 0 and 1 (%s)", ldredis_last_error());
        }
        ldredis_store_free(db0);
        ldredis_store_free(db1);
        ldredis_store_free(db1_url);
        ldredis_store_free(db0_override);
    }
    ldredis_config_free(cfg);
}

/* Items of the test data set. FLAG_B is spaced to show items are stored byte for byte; the
   three tombstones are the shapes the SDKs write. */
#define FLAG_A "{\"key\":\"flag-a\",\"version\":3,\"on\":true,\"variations\":[true,false]}"
#define FLAG_B "{ \"key\": \"flag-b\", \"version\": 1, \"on\": false, \"variations\": [\"x\"] }"
#define SEG_S "{\"key\":\"seg-s\",\"version\":2,\"included\":[\"u1\"],\"excluded\":[],\"rules\":[]}"
#define GONE_OURS "{\"key\":\"gone-ours\",\"version\":4,\"deleted\":true}"
#define GONE_JAVA "{\"version\":5,\"deleted\":true}"
#define GONE_GO "{\"key\":\"$deleted\",\"version\":6,\"on\":false,\"deleted\":true}"
#define ALL_DATA                                                                              \
    "{\"flags\":{\"flag-a\":" FLAG_A ",\"flag-b\":" FLAG_B ",\"gone-ours\":" GONE_OURS       \
    ",\"gone-java\":" GONE_JAVA ",\"gone-go\":" GONE_GO "},\"segments\":{\"seg-s\":" SEG_S "}}"

static void test_init(ldredis_store *store, const char *prefix)
{
    static const char *const bad_docs[] = {
        "{",
        "not json",
        "[]",
        "{} trailing",
        "{\"flags\":{\"x\":{\"key\":\"x\"}}}",
        "{\"flags\":{\"x\":{\"key\":\"x\",\"version\":-1}}}",
        "{\"flags\":{\"x\":{\"key\":\"x\",\"version\":1.5}}}",
        "{\"flags\":{\"x\":{\"key\":\"x\",\"version\":\"3\"}}}",
        "{\"flags\":{\"x\":{\"key\":\"x\",\"version\":null}}}",
        "{\"flags\":{\"x\":{\"key\":\"x\",\"version\":9007199254740992}}}",
        "{\"flags\":{\"\":{\"key\":\"\",\"version\":1}}}",
        "{\"flags\":{\"x\":1}}",
        "{\"segments\":{\"s\":[1,2]}}",
        "{\"flags\":{},\"features\":{}}",
    };
    /* A valid document followed by bytes that are not part of it: len decides. */
    static const char doc_and_more[] = ALL_DATA "{garbage after the document";
    size_t i;

    printf("# init_json (prefix %s)\n", prefix);
    check_status(ldredis_store_init_json(NULL, "{}", 2), LDREDIS_ERR_INVALID_ARGUMENT,
                 "init_json(NULL store)");
    check_status(ldredis_store_init_json(store, NULL, 0), LDREDIS_ERR_INVALID_ARGUMENT,
                 "init_json(NULL json)");
    check_status(ldredis_store_init_json(store, "{\"flags\":{}}", 5),
                 LDREDIS_ERR_INVALID_ARGUMENT, "init_json of the first 5 bytes of a document");
    for (i = 0; i < sizeof bad_docs / sizeof bad_docs[0]; i++)
        check_status(ldredis_store_init_json(store, bad_docs[i], strlen(bad_docs[i])),
                     LDREDIS_ERR_INVALID_ARGUMENT, "init_json(%s)", bad_docs[i]);
    expect_flag("initialized after failed inits: still 0", ldredis_store_initialized, store, 0);

    check_status(ldredis_store_init_json(store, doc_and_more, strlen(ALL_DATA)), LDREDIS_OK,
                 "init_json(valid document, len excluding the bytes after it)");
    expect_flag("initialized after init", ldredis_store_initialized, store, 1);
}

static void test_schema(const char *prefix)
{
    char out[512];

    if (test_port == NULL)
        return;
    printf("# the Redis schema (redis-cli)\n");
    check(redis_cli(out, sizeof out, "TYPE '%s:features'", prefix) && strcmp(out, "hash") == 0,
          "%s:features is a hash (%s)", prefix, out);
    check(redis_cli(out, sizeof out, "TYPE '%s:segments'", prefix) && strcmp(out, "hash") == 0,
          "%s:segments is a hash (%s)", prefix, out);
    check(redis_cli(out, sizeof out, "HGET '%s:features' flag-a", prefix) &&
              strcmp(out, FLAG_A) == 0,
          "HGET %s:features flag-a is the item as given (%s)", prefix, out);
    check(redis_cli(out, sizeof out, "EXISTS '%s:$inited'", prefix) && strcmp(out, "1") == 0,
          "%s:$inited exists (%s)", prefix, out);
    check(redis_cli(out, sizeof out, "GET '%s:$inited'", prefix) && strcmp(out, "") == 0,
          "%s:$inited is \"\" (\"%s\")", prefix, out);
}

static void test_reads(ldredis_store *store, const char *url, const char *prefix, int mode)
{
    char *out = SENTINEL, *all;
    size_t len = 0;
    ldredis_store *other;

    printf("# get / all_json\n");
    expect_get(store, "features", "flag-a", LDREDIS_OK, FLAG_A);
    expect_get(store, "features", "flag-b", LDREDIS_OK, FLAG_B);
    expect_get(store, "segments", "seg-s", LDREDIS_OK, SEG_S);
    expect_get(store, "features", "no-such-flag", LDREDIS_NOT_FOUND, NULL);
    expect_get(store, "segments", "flag-a", LDREDIS_NOT_FOUND, NULL);
    expect_get(store, "no-such-kind", "flag-a", LDREDIS_NOT_FOUND, NULL);
    expect_get(store, "features", "gone-ours", LDREDIS_NOT_FOUND, NULL);
    expect_get(store, "features", "gone-java", LDREDIS_NOT_FOUND, NULL);
    expect_get(store, "features", "gone-go", LDREDIS_NOT_FOUND, NULL);

    if (check_status(ldredis_store_get(&out, NULL, store, "features", "flag-a"), LDREDIS_OK,
                     "get with out_len NULL"))
        check(out != NULL && out != SENTINEL && strcmp(out, FLAG_A) == 0, "  ... *out is the item");
    release(out);
    check_status(ldredis_store_get(NULL, &len, store, "features", "flag-a"),
                 LDREDIS_ERR_INVALID_ARGUMENT, "get(NULL out)");
    expect_get(NULL, "features", "flag-a", LDREDIS_ERR_INVALID_ARGUMENT, NULL);
    expect_get(store, NULL, "flag-a", LDREDIS_ERR_INVALID_ARGUMENT, NULL);
    expect_get(store, "features", NULL, LDREDIS_ERR_INVALID_ARGUMENT, NULL);

    all = expect_all(store, "features");
    check_member(all, "flag-a", 1);
    check_member(all, "flag-b", 1);
    check_member(all, "gone-ours", 0);
    check_member(all, "gone-java", 0);
    check_member(all, "gone-go", 0);
    check_member(all, "seg-s", 0);
    ldredis_free(all);
    all = expect_all(store, "segments");
    check_member(all, "seg-s", 1);
    check_member(all, "flag-a", 0);
    ldredis_free(all);
    all = expect_all(store, "no-such-kind");
    check(all != NULL && strcmp(all, "{}") == 0, "  ... a kind with no items is \"{}\"");
    ldredis_free(all);

    out = SENTINEL;
    if (check_status(ldredis_store_all_json(&out, NULL, store, "segments"), LDREDIS_OK,
                     "all_json with out_len NULL"))
        check(out != NULL && out != SENTINEL, "  ... *out is a string");
    release(out);
    check_status(ldredis_store_all_json(NULL, &len, store, "features"),
                 LDREDIS_ERR_INVALID_ARGUMENT, "all_json(NULL out)");
    out = SENTINEL;
    check_status(ldredis_store_all_json(&out, &len, NULL, "features"),
                 LDREDIS_ERR_INVALID_ARGUMENT, "all_json(NULL store)");
    check(out == NULL, "  ... *out is NULL");
    release(out);
    out = SENTINEL;
    check_status(ldredis_store_all_json(&out, &len, store, NULL), LDREDIS_ERR_INVALID_ARGUMENT,
                 "all_json(NULL kind)");
    check(out == NULL, "  ... *out is NULL");
    release(out);

    /* Another store on the same prefix sees the data and the $inited marker. */
    other = open_store(url, prefix, mode, 2000, 10000, 2, DEFAULT_CACHE_TTL_MS);
    if (other != NULL) {
        expect_flag("initialized, seen from a second store", ldredis_store_initialized, other, 1);
        expect_get(other, "features", "flag-a", LDREDIS_OK, FLAG_A);
        ldredis_store_free(other);
    }
}

#define FLAG_A_V4 "{\"key\":\"flag-a\",\"version\":4,\"on\":false,\"variations\":[true,false]}"
#define FLAG_A_V4_OTHER "{\"key\":\"flag-a\",\"version\":4,\"on\":true,\"variations\":[1,2]}"
#define FLAG_A_V2 "{\"key\":\"flag-a\",\"version\":2,\"on\":true,\"variations\":[true,false]}"

static void test_writes(ldredis_store *store, const char *prefix)
{
    static const char *const bad_items[] = {
        "{",
        "[]",
        "{\"key\":\"flag-x\"}",
        "{\"key\":\"flag-x\",\"version\":-3}",
        "{\"key\":\"flag-x\",\"version\":2.5}",
        "{\"key\":\"flag-x\",\"version\":\"7\"}",
        "{\"key\":\"flag-x\",\"version\":9007199254740992}",
    };
    const char *item = "{\"key\":\"flag-x\",\"version\":1}";
    char *all;
    int updated = -1;
    size_t i;

    printf("# upsert\n");
    expect_upsert(store, "features", "flag-a", FLAG_A_V4, 1, "version 4 over 3: applied");
    expect_get(store, "features", "flag-a", LDREDIS_OK, FLAG_A_V4);
    expect_upsert(store, "features", "flag-a", FLAG_A_V4_OTHER, 0, "version 4 over 4: rejected");
    expect_upsert(store, "features", "flag-a", FLAG_A_V2, 0, "version 2 over 4: rejected");
    expect_get(store, "features", "flag-a", LDREDIS_OK, FLAG_A_V4);
    check_status(ldredis_store_upsert(NULL, store, "features", "flag-new",
                                      "{\"key\":\"flag-new\",\"version\":1}",
                                      strlen("{\"key\":\"flag-new\",\"version\":1}")),
                 LDREDIS_OK, "upsert a new item with out_updated NULL");
    expect_get(store, "features", "flag-new", LDREDIS_OK, "{\"key\":\"flag-new\",\"version\":1}");
    expect_upsert(store, "custom-kind", "thing", "{\"key\":\"thing\",\"version\":1}", 1,
                  "into a kind of its own");
    all = expect_all(store, "custom-kind");
    check_member(all, "thing", 1);
    ldredis_free(all);

    check_status(ldredis_store_upsert(&updated, NULL, "features", "flag-x", item, strlen(item)),
                 LDREDIS_ERR_INVALID_ARGUMENT, "upsert(NULL store)");
    check_status(ldredis_store_upsert(&updated, store, NULL, "flag-x", item, strlen(item)),
                 LDREDIS_ERR_INVALID_ARGUMENT, "upsert(NULL kind)");
    check_status(ldredis_store_upsert(&updated, store, "features", NULL, item, strlen(item)),
                 LDREDIS_ERR_INVALID_ARGUMENT, "upsert(NULL key)");
    check_status(ldredis_store_upsert(&updated, store, "features", "flag-x", NULL, 0),
                 LDREDIS_ERR_INVALID_ARGUMENT, "upsert(NULL json)");
    check_status(ldredis_store_upsert(&updated, store, "features", "flag-x", item, 0),
                 LDREDIS_ERR_INVALID_ARGUMENT, "upsert(json of length 0)");
    for (i = 0; i < sizeof bad_items / sizeof bad_items[0]; i++)
        check_status(ldredis_store_upsert(&updated, store, "features", "flag-x", bad_items[i],
                                          strlen(bad_items[i])),
                     LDREDIS_ERR_INVALID_ARGUMENT, "upsert(%s)", bad_items[i]);
    expect_get(store, "features", "flag-x", LDREDIS_NOT_FOUND, NULL);

    printf("# delete\n");
    expect_delete(store, "features", "flag-b", 2, 1, "over version 1: tombstone written");
    expect_get(store, "features", "flag-b", LDREDIS_NOT_FOUND, NULL);
    all = expect_all(store, "features");
    check_member(all, "flag-b", 0);
    check_member(all, "flag-a", 1);
    ldredis_free(all);
    if (test_port != NULL) {
        char raw[256];
        check(redis_cli(raw, sizeof raw, "HGET '%s:features' flag-b", prefix) &&
                  strcmp(raw, "{\"key\":\"flag-b\",\"version\":2,\"deleted\":true}") == 0,
              "  ... the tombstone in Redis is {\"key\":\"flag-b\",\"version\":2,\"deleted\":true}"
              " (%s)", raw);
    }
    expect_delete(store, "features", "flag-b", 2, 0, "again at version 2: rejected");
    expect_delete(store, "features", "flag-b", 1, 0, "at version 1: rejected");
    expect_upsert(store, "features", "flag-b", "{\"key\":\"flag-b\",\"version\":2}", 0,
                  "version 2 over the tombstone 2: rejected");
    expect_get(store, "features", "flag-b", LDREDIS_NOT_FOUND, NULL);
    expect_upsert(store, "features", "flag-b", "{\"key\":\"flag-b\",\"version\":3}", 1,
                  "version 3 over the tombstone 2: applied");
    expect_get(store, "features", "flag-b", LDREDIS_OK, "{\"key\":\"flag-b\",\"version\":3}");

    expect_delete(store, "features", "never-existed", 7, 1, "of an unknown key: tombstone");
    expect_get(store, "features", "never-existed", LDREDIS_NOT_FOUND, NULL);
    expect_upsert(store, "features", "never-existed", "{\"key\":\"never-existed\",\"version\":6}",
                  0, "version 6 under the tombstone 7: rejected");
    expect_upsert(store, "features", "never-existed", "{\"key\":\"never-existed\",\"version\":8}",
                  1, "version 8 over the tombstone 7: applied");
    check_status(ldredis_store_delete(NULL, store, "segments", "seg-s", 3), LDREDIS_OK,
                 "delete with out_updated NULL");
    expect_get(store, "segments", "seg-s", LDREDIS_NOT_FOUND, NULL);
    expect_delete(store, "features", "max-version", MAX_VERSION, 1, "at 2^53-1: the maximum");
    expect_upsert(store, "features", "max-version",
                  "{\"key\":\"max-version\",\"version\":9007199254740991}", 0,
                  "at 2^53-1 over the tombstone 2^53-1: rejected");

    check_status(ldredis_store_delete(&updated, store, "features", "flag-x", -1),
                 LDREDIS_ERR_INVALID_ARGUMENT, "delete at version -1");
    check_status(ldredis_store_delete(&updated, store, "features", "flag-x", MAX_VERSION + 1),
                 LDREDIS_ERR_INVALID_ARGUMENT, "delete at version 2^53");
    check_status(ldredis_store_delete(&updated, store, "features", "flag-x", INT64_MIN),
                 LDREDIS_ERR_INVALID_ARGUMENT, "delete at version INT64_MIN");
    check_status(ldredis_store_delete(&updated, NULL, "features", "flag-x", 1),
                 LDREDIS_ERR_INVALID_ARGUMENT, "delete(NULL store)");
    check_status(ldredis_store_delete(&updated, store, NULL, "flag-x", 1),
                 LDREDIS_ERR_INVALID_ARGUMENT, "delete(NULL kind)");
    check_status(ldredis_store_delete(&updated, store, "features", NULL, 1),
                 LDREDIS_ERR_INVALID_ARGUMENT, "delete(NULL key)");
    expect_get(store, "features", "flag-x", LDREDIS_NOT_FOUND, NULL);
}

/* Values that are not items, as other writers leave them (the Erlang SDK's "null" field), must
   read as LDREDIS_ERR_MALFORMED and must not break all_json. */
static void test_foreign(ldredis_store *store, const char *prefix)
{
    char out[256], *all;

    if (test_port == NULL) {
        printf("# foreign data: skipped (LDREDIS_TEST_PORT is not set)\n");
        return;
    }
    printf("# foreign data planted with redis-cli\n");
    check(redis_cli(out, sizeof out,
                    "HSET '%s:features' not-json 'this is not json' null null "
                    "no-version '{\"key\":\"no-version\"}'",
                    prefix),
          "HSET %s:features: three values that are not items (%s)", prefix, out);
    expect_get(store, "features", "not-json", LDREDIS_ERR_MALFORMED, NULL);
    expect_get(store, "features", "null", LDREDIS_ERR_MALFORMED, NULL);
    expect_get(store, "features", "no-version", LDREDIS_ERR_MALFORMED, NULL);
    all = expect_all(store, "features");
    check_member(all, "flag-a", 1);
    check_member(all, "not-json", 0);
    check_member(all, "null", 0);
    check_member(all, "no-version", 0);
    ldredis_free(all);
}

/* After the work above: the counters moved, and the stored values that were not items were
   counted; describe names this prefix's keys. */
static void test_diagnostics(ldredis_store *store, const char *prefix)
{
    char *stats;

    printf("# stats and describe\n");
    stats = expect_stats(store);
    if (stats != NULL) {
        check(json_counter(stats, "redis_round_trips") > 0, "  ... redis_round_trips > 0");
        if (test_port != NULL)
            check(json_counter(stats, "malformed_skipped") >= 3,
                  "  ... malformed_skipped counts the 3 values all_json skipped");
    }
    ldredis_free(stats);
    expect_describe(store, prefix);
}

/* A second init replaces the kinds it names and leaves the others; an empty one still marks a
   fresh prefix initialized; prefixes are independent. */
static void test_reinit(ldredis_store *store, const char *url, const char *prefix, int mode)
{
    static const char only[] = "{\"flags\":{\"only\":{\"key\":\"only\",\"version\":1}}}";
    char empty_prefix[96];
    ldredis_store *fresh;
    char *all;

    printf("# init again\n");
    check_status(ldredis_store_init_json(store, only, strlen(only)), LDREDIS_OK,
                 "init_json(%s)", only);
    all = expect_all(store, "features");
    check_member(all, "only", 1);
    check_member(all, "flag-a", 0);
    check_member(all, "never-existed", 0);
    ldredis_free(all);
    expect_get(store, "features", "flag-a", LDREDIS_NOT_FOUND, NULL);
    expect_get(store, "features", "not-json", LDREDIS_NOT_FOUND, NULL);
    all = expect_all(store, "custom-kind");
    check_member(all, "thing", 1); /* not in the document: left alone */
    ldredis_free(all);

    snprintf(empty_prefix, sizeof empty_prefix, "%s-empty", prefix);
    fresh = open_store(url, empty_prefix, mode, 2000, 10000, 2, DEFAULT_CACHE_TTL_MS);
    if (fresh == NULL)
        return;
    expect_flag("initialized on another fresh prefix: prefixes are independent",
                ldredis_store_initialized, fresh, 0);
    expect_get(fresh, "features", "only", LDREDIS_NOT_FOUND, NULL);
    check_status(ldredis_store_init_json(fresh, "{}", 2), LDREDIS_OK, "init_json(\"{}\")");
    expect_flag("initialized after an empty init", ldredis_store_initialized, fresh, 1);
    all = expect_all(fresh, "features");
    check(all != NULL && strcmp(all, "{}") == 0, "  ... no features: \"{}\"");
    ldredis_free(all);
    ldredis_store_free(fresh);
}

static void test_flag_arguments(ldredis_store *store)
{
    int value = -1;

    printf("# initialized / available arguments\n");
    check_status(ldredis_store_initialized(NULL, store), LDREDIS_ERR_INVALID_ARGUMENT,
                 "initialized(NULL out)");
    check_status(ldredis_store_initialized(&value, NULL), LDREDIS_ERR_INVALID_ARGUMENT,
                 "initialized(NULL store)");
    check_status(ldredis_store_available(NULL, store), LDREDIS_ERR_INVALID_ARGUMENT,
                 "available(NULL out)");
    check_status(ldredis_store_available(&value, NULL), LDREDIS_ERR_INVALID_ARGUMENT,
                 "available(NULL store)");
}

/* A live server refusing our credentials: the error must not show the password. */
static void test_auth_redacted(const char *url)
{
    static const char *const usernames[] = {NULL, "smoke-user"};
    char prefix[64];
    size_t i;

    printf("# wrong credentials\n");
    snprintf(prefix, sizeof prefix, "smoke-%ld-auth", (long)getpid());
    for (i = 0; i < sizeof usernames / sizeof usernames[0]; i++) {
        ldredis_config *cfg = NULL;
        ldredis_store *store = NULL;
        char *out = SENTINEL;
        int status;

        if (ldredis_config_new(&cfg) != LDREDIS_OK)
            continue;
        ldredis_config_set_url(cfg, url);
        ldredis_config_set_prefix(cfg, prefix);
        ldredis_config_set_connect_timeout_ms(cfg, 2000);
        check_status(ldredis_config_set_username(cfg, usernames[i]), LDREDIS_OK,
                     "set_username(%s)", usernames[i] ? usernames[i] : "NULL");
        check_status(ldredis_config_set_password(cfg, SECRET), LDREDIS_OK,
                     "set_password(\"" SECRET "\")");
        if (ldredis_store_new(&store, cfg) == LDREDIS_OK) {
            status = ldredis_store_get(&out, NULL, store, "features", "flag-a");
            check_connection_error(status, "get with a password the server refuses");
            check(out == NULL, "  ... *out is NULL");
            release(out);
            check_redacted("AUTH refused", SECRET, NULL);
            expect_describe(store, prefix);
            ldredis_store_free(store);
        }
        ldredis_config_free(cfg);
    }
}

/* Nothing listens on 127.0.0.1:1. available says 0, every other operation fails, the status
   turns unavailable once (one listener call), and nothing shows the URL's password. */
static void test_unreachable(void)
{
    static const char url[] = "redis://user:" SECRET "@127.0.0.1:1/0";
    static const char item[] = "{\"key\":\"flag-a\",\"version\":1}";
    static struct status_log log = {PTHREAD_MUTEX_INITIALIZER, 0, -1, -1};
    char prefix[64], *out = SENTINEL, *stats;
    ldredis_store *store;
    int value = -1, calls, available = -1, needs_refresh = -1;
    int64_t created_at, changed_at, when = -1;

    printf("# unreachable server (%s)\n", url);
    snprintf(prefix, sizeof prefix, "smoke-%ld-down", (long)getpid());
    store = open_store(url, prefix, LDREDIS_UPSERT_AUTO, 300, 300, 2, DEFAULT_CACHE_TTL_MS);
    if (store == NULL)
        return;
    check_status(ldredis_store_set_status_listener(store, on_status, &log), LDREDIS_OK,
                 "set_status_listener");
    created_at = expect_store_status(store, 1, 0, 0, "before any operation");
    expect_describe(store, prefix);
    sleep_ms(20); /* so that the change below has a later time */

    if (check_status(ldredis_store_available(&value, store), LDREDIS_OK, "available"))
        check(value == 0, "  ... *out=%d (expected 0)", value);
    check_connection_error(ldredis_store_initialized(&value, store), "initialized");
    check_redacted("initialized", SECRET, NULL);
    check_connection_error(ldredis_store_init_json(store, "{}", 2), "init_json");
    check_connection_error(ldredis_store_get(&out, NULL, store, "features", "flag-a"), "get");
    check(out == NULL, "  ... *out is NULL");
    release(out);
    out = SENTINEL;
    check_connection_error(ldredis_store_all_json(&out, NULL, store, "features"), "all_json");
    check(out == NULL, "  ... *out is NULL");
    release(out);
    check_connection_error(
        ldredis_store_upsert(&value, store, "features", "flag-a", item, strlen(item)),
        "upsert");
    check_connection_error(ldredis_store_delete(&value, store, "features", "flag-a", 2),
                           "delete");
    check_redacted("delete", SECRET, NULL);
    check_connection_error(ldredis_store_big_segments_metadata(&when, store),
                           "big_segments_metadata");
    out = SENTINEL;
    check_connection_error(ldredis_store_big_segments_membership(&out, NULL, store, "h"),
                           "big_segments_membership");
    check(out == NULL, "  ... *out is NULL");
    release(out);

    calls = wait_for_status(&log, 1, 3000, &available, &needs_refresh);
    check(calls >= 1 && available == 0 && needs_refresh == 0,
          "the listener was told: available=%d needs_refresh=%d", available, needs_refresh);
    changed_at = expect_store_status(store, 0, 0, 1, "after the failures");
    check(changed_at > created_at, "  ... changed_at_ms moved on (%" PRId64 " > %" PRId64 ")",
          changed_at, created_at);
    sleep_ms(700); /* at least one background check, which fails again */
    calls = wait_for_status(&log, 2, 0, &available, &needs_refresh);
    check(calls == 1, "the listener was called once for the outage (%d calls)", calls);
    stats = expect_stats(store);
    check(json_counter(stats, "redis_errors") > 0, "  ... redis_errors > 0");
    ldredis_free(stats);
    /* Freed with the listener still set: the store stops its threads first. */
    ldredis_store_free(store);
}

/* ---- Fail fast ---- */

/* A cache-off store on `url` with fail fast on or off, a 250 ms operation timeout. */
#define FAIL_FAST_TIMEOUT_MS 250

static ldredis_store *open_fail_fast_store(const char *url, int fail_fast)
{
    ldredis_config *cfg = NULL;
    ldredis_store *store = NULL;
    int ok = ldredis_config_new(&cfg) == LDREDIS_OK &&
             ldredis_config_set_url(cfg, url) == LDREDIS_OK &&
             ldredis_config_set_connect_timeout_ms(cfg, 2000) == LDREDIS_OK &&
             ldredis_config_set_operation_timeout_ms(cfg, FAIL_FAST_TIMEOUT_MS) == LDREDIS_OK &&
             ldredis_config_set_pool_size(cfg, 4) == LDREDIS_OK &&
             ldredis_config_set_cache_ttl_ms(cfg, NO_CACHE) == LDREDIS_OK &&
             ldredis_config_set_fail_fast(cfg, fail_fast) == LDREDIS_OK &&
             ldredis_store_new(&store, cfg) == LDREDIS_OK;
    if (!check(ok, "open a store on %s with fail fast %s", url, fail_fast ? "on" : "off"))
        store = NULL;
    ldredis_config_free(cfg);
    return store;
}

/* One get, timed; returns its status. */
static int timed_get(ldredis_store *store, const char *key, long *ms)
{
    struct timespec start;
    char *out = SENTINEL;
    int status;

    clock_gettime(CLOCK_MONOTONIC, &start);
    status = ldredis_store_get(&out, NULL, store, "features", key);
    *ms = elapsed_ms(&start);
    if (out != NULL)
        check(0, "  ... get(\"%s\") -> %s left *out set", key, ldredis_status_name(status));
    release(out);
    return status;
}

/* Closed port: Redis refuses connections, so every read fails at once anyway; fail fast must
   still answer UNAVAILABLE, and the stats have the write-back counters. */
static void test_fail_fast_refused(void)
{
    ldredis_store *store;
    char *stats;
    long ms;
    int status;

    printf("# fail fast, nothing listening (redis://127.0.0.1:1/0)\n");
    store = open_fail_fast_store("redis://127.0.0.1:1/0", 1);
    if (store == NULL)
        return;
    status = timed_get(store, "k1", &ms);
    check(status == LDREDIS_ERR_UNAVAILABLE || status == LDREDIS_ERR_TIMEOUT,
          "the first get -> %s (UNAVAILABLE or TIMEOUT) after %ld ms", ldredis_status_name(status),
          ms);
    expect_flag("available after the first get", ldredis_store_available, store, 0);
    status = timed_get(store, "k2", &ms);
    check_status(status, LDREDIS_ERR_UNAVAILABLE, "the second get");
    check(ms < FAIL_FAST_TIMEOUT_MS, "  ... at once (%ld ms)", ms);
    stats = expect_stats(store);
    check(json_counter(stats, "write_back_written") == 0 &&
              json_counter(stats, "write_back_refused") == 0,
          "  ... write_back_written and write_back_refused are 0: nothing was written");
    ldredis_free(stats);
    ldredis_store_free(store);
}

/* A "server" that accepts connections (the kernel completes them into the backlog) and never
   answers: every operation that reaches it waits the whole operation timeout, like a paused
   redis-server. Returns the listening socket (-1 on failure) and its port. */
static int silent_listener(int *port)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 128) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(addr.sin_port);
    return fd;
}

/* A silent server: the first get times out and marks the store unavailable. Then READS gets:
   with fail fast off each one waits the timeout; with it on, they fail at once with
   UNAVAILABLE, except one probe per 500 ms (which waits the timeout). A get that returns
   sooner than the timeout cannot have waited for the silent server. */
static void test_fail_fast_silent(const char *url, int fail_fast)
{
    enum { READS = 6 };
    struct timespec start;
    ldredis_store *store;
    char key[16];
    long ms, total;
    int i, status, fast = 0, slow = 0, fast_unavailable = 0, slow_timeout = 0;

    printf("# fail fast %s, a server that never answers (%s)\n", fail_fast ? "on" : "off", url);
    store = open_fail_fast_store(url, fail_fast);
    if (store == NULL)
        return;
    status = timed_get(store, "first", &ms);
    check_status(status, LDREDIS_ERR_TIMEOUT, "the first get (after %ld ms)", ms);
    expect_store_status(store, 0, 0, 1, "after the first get");

    clock_gettime(CLOCK_MONOTONIC, &start);
    for (i = 0; i < READS; i++) {
        snprintf(key, sizeof key, "k%d", i);
        status = timed_get(store, key, &ms);
        if (ms < FAIL_FAST_TIMEOUT_MS * 4 / 5) {
            fast++;
            fast_unavailable += status == LDREDIS_ERR_UNAVAILABLE;
        } else {
            slow++;
            slow_timeout += status == LDREDIS_ERR_TIMEOUT;
        }
    }
    total = elapsed_ms(&start);
    if (fail_fast) {
        /* Probes: one per 500 ms, the first maybe at once. */
        check(fast >= 1 && fast_unavailable == fast && slow <= 1 + total / 500,
              "%d gets in %ld ms: %d failed at once with UNAVAILABLE (%d did), %d waited the "
              "timeout (probes, at most %ld)", READS, total, fast, fast_unavailable, slow,
              1 + total / 500);
    } else {
        check(slow == READS && slow_timeout == READS,
              "%d gets in %ld ms: every one waited the timeout and gave TIMEOUT (%d did, %d fast)",
              READS, total, slow_timeout, fast);
    }
    ldredis_store_free(store);
}

static void test_fail_fast(void)
{
    char url[64];
    int port = 0, fd;

    test_fail_fast_refused();
    fd = silent_listener(&port);
    if (!check(fd >= 0, "a silent listener on 127.0.0.1:%d", port))
        return;
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", port);
    test_fail_fast_silent(url, 0);
    test_fail_fast_silent(url, 1);
    close(fd);
}

/* A data set large enough that init must chunk its HSETs arrives whole. */
static void test_large_init(const char *url)
{
    enum { ITEMS = 5000 };
    char prefix[64], key[16], last[64], *doc, *all;
    size_t n = 0, i, count = 0;
    const char *p;
    ldredis_store *store;

    printf("# init with %d flags\n", ITEMS);
    snprintf(prefix, sizeof prefix, "smoke-%ld-large", (long)getpid());
    store = open_store(url, prefix, LDREDIS_UPSERT_AUTO, 2000, 20000, 2, DEFAULT_CACHE_TTL_MS);
    doc = malloc((size_t)ITEMS * 64 + 32);
    if (store == NULL || doc == NULL) {
        check(doc != NULL, "malloc");
        free(doc);
        ldredis_store_free(store);
        return;
    }
    n += (size_t)sprintf(doc, "{\"flags\":{");
    for (i = 0; i < ITEMS; i++)
        n += (size_t)sprintf(doc + n, "%s\"f%lu\":{\"key\":\"f%lu\",\"version\":%lu}", i ? "," : "",
                             (unsigned long)i, (unsigned long)i, (unsigned long)i + 1);
    n += (size_t)sprintf(doc + n, "}}");
    check_status(ldredis_store_init_json(store, doc, n), LDREDIS_OK, "init_json of %lu bytes",
                 (unsigned long)n);
    free(doc);
    all = expect_all(store, "features");
    for (p = all; p != NULL && (p = strstr(p, "\"version\":")) != NULL; p++)
        count++;
    check(count == ITEMS, "  ... all %d items (found %lu)", ITEMS, (unsigned long)count);
    ldredis_free(all);
    snprintf(last, sizeof last, "{\"key\":\"f%d\",\"version\":%d}", ITEMS - 1, ITEMS);
    snprintf(key, sizeof key, "f%d", ITEMS - 1);
    expect_get(store, "features", key, LDREDIS_OK, last);
    ldredis_store_free(store);
}

/* Big Segments, as the Relay Proxy writes them (planted with redis-cli): the sync time, and a
   context's include/exclude sets read together. The context hash is passed through verbatim,
   base64 characters included. */
static void test_big_segments(const char *url)
{
    static const char hash[] = "Ab+/cD9xZ0==";
    char prefix[64], out[256], *members = SENTINEL;
    ldredis_store *store;
    int64_t when = -1;
    size_t len = (size_t)-1;
    int status;

    if (test_port == NULL) {
        printf("# big segments: skipped (LDREDIS_TEST_PORT is not set)\n");
        return;
    }
    printf("# big segments\n");
    snprintf(prefix, sizeof prefix, "smoke-%ld-big", (long)getpid());
    store = open_store(url, prefix, LDREDIS_UPSERT_AUTO, 2000, 10000, 2, NO_CACHE);
    if (store == NULL)
        return;

    check_status(ldredis_store_big_segments_metadata(&when, store), LDREDIS_NOT_FOUND,
                 "big_segments_metadata before any sync");
    redis_cli(out, sizeof out, "SET '%s:big_segments_synchronized_on' 1700000000123", prefix);
    if (check_status(ldredis_store_big_segments_metadata(&when, store), LDREDIS_OK,
                     "big_segments_metadata after SET ... 1700000000123"))
        check(when == INT64_C(1700000000123), "  ... %" PRId64, when);
    redis_cli(out, sizeof out, "SET '%s:big_segments_synchronized_on' yesterday", prefix);
    check_status(ldredis_store_big_segments_metadata(&when, store), LDREDIS_ERR_MALFORMED,
                 "big_segments_metadata of \"yesterday\"");

    status = ldredis_store_big_segments_membership(&members, &len, store, hash);
    check_status(status, LDREDIS_NOT_FOUND, "big_segments_membership(\"%s\") with no sets", hash);
    check(members == NULL, "  ... *out is NULL");
    release(members);

    redis_cli(out, sizeof out, "SADD '%s:big_segment_include:%s' beta.g1 both.g2", prefix, hash);
    redis_cli(out, sizeof out, "SADD '%s:big_segment_exclude:%s' churned.g7 both.g2", prefix,
              hash);
    members = SENTINEL;
    status = ldredis_store_big_segments_membership(&members, &len, store, hash);
    if (check_status(status, LDREDIS_OK, "big_segments_membership(\"%s\")", hash) &&
        members != NULL && members != SENTINEL) {
        const char *beta = json_value(members, "beta.g1");
        const char *churned = json_value(members, "churned.g7");
        const char *both = json_value(members, "both.g2");
        check(len == strlen(members), "  ... %s", members);
        check(beta != NULL && strncmp(beta, "true", 4) == 0, "  ... beta.g1 included");
        check(churned != NULL && strncmp(churned, "false", 5) == 0, "  ... churned.g7 excluded");
        check(both != NULL && strncmp(both, "true", 4) == 0,
              "  ... both.g2, in both sets: include wins");
    }
    release(members);

    redis_cli(out, sizeof out, "SADD '%s:big_segment_exclude:only-excluded' gone.g1", prefix);
    members = SENTINEL;
    status = ldredis_store_big_segments_membership(&members, NULL, store, "only-excluded");
    if (check_status(status, LDREDIS_OK, "big_segments_membership with only an exclude set") &&
        members != NULL && members != SENTINEL) {
        const char *gone = json_value(members, "gone.g1");
        check(gone != NULL && strncmp(gone, "false", 5) == 0, "  ... gone.g1 excluded: %s",
              members);
    }
    release(members);
    ldredis_store_free(store);
}

/* A user without scripting rights (ACL -@scripting): AUTO falls back to WATCH and gives the
   same results; SCRIPT mode reports Redis's refusal. Also proves ACL login works. */
static void test_scripting_refused(const char *url)
{
    static const struct {
        int mode;
        const char *name;
    } modes[] = {{LDREDIS_UPSERT_AUTO, "auto"}, {LDREDIS_UPSERT_SCRIPT, "script"}};
    char user[64], password[64], out[256];
    size_t i;

    if (test_port == NULL) {
        printf("# scripting refused: skipped (LDREDIS_TEST_PORT is not set)\n");
        return;
    }
    printf("# a user the server refuses scripting (ACL -@scripting)\n");
    snprintf(user, sizeof user, "smoke-%ld-noscript", (long)getpid());
    snprintf(password, sizeof password, "pw-%ld", (long)getpid());
    if (!check(redis_cli(out, sizeof out, "ACL SETUSER %s on '>%s' '~*' '+@all' '-@scripting'",
                         user, password) &&
                   strcmp(out, "OK") == 0,
               "ACL SETUSER %s: every command but scripting (%s)", user, out))
        return;
    for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        static const char v1[] = "{\"key\":\"f\",\"version\":1}";
        ldredis_config *cfg = NULL;
        ldredis_store *store = NULL;
        char prefix[96];
        int updated = -1;

        snprintf(prefix, sizeof prefix, "smoke-%ld-noscript-%s", (long)getpid(), modes[i].name);
        if (ldredis_config_new(&cfg) != LDREDIS_OK)
            continue;
        ldredis_config_set_url(cfg, url);
        ldredis_config_set_prefix(cfg, prefix);
        ldredis_config_set_upsert_mode(cfg, modes[i].mode);
        ldredis_config_set_username(cfg, user);
        ldredis_config_set_password(cfg, password);
        if (ldredis_store_new(&store, cfg) != LDREDIS_OK) {
            check(0, "store_new (%s)", ldredis_last_error());
            ldredis_config_free(cfg);
            continue;
        }
        ldredis_config_free(cfg);
        check_status(ldredis_store_init_json(store, "{}", 2), LDREDIS_OK,
                     "init_json as %s (ACL login)", user);
        if (modes[i].mode == LDREDIS_UPSERT_AUTO) {
            expect_upsert(store, "features", "f", v1, 1, "in AUTO mode: falls back to WATCH");
            expect_upsert(store, "features", "f", v1, 0, "equal version, AUTO after fallback");
            expect_get(store, "features", "f", LDREDIS_OK, v1);
            expect_delete(store, "features", "f", 2, 1, "AUTO after fallback");
            expect_get(store, "features", "f", LDREDIS_NOT_FOUND, NULL);
        } else {
            check_status(ldredis_store_upsert(&updated, store, "features", "f", v1, strlen(v1)),
                         LDREDIS_ERR_REDIS, "upsert in SCRIPT mode: Redis refuses the script");
            expect_get(store, "features", "f", LDREDIS_NOT_FOUND, NULL);
        }
        ldredis_store_free(store);
    }
    redis_cli(out, sizeof out, "ACL DELUSER %s", user);
}

/* A server that stops answering (CLIENT PAUSE) makes an operation fail with
   LDREDIS_ERR_TIMEOUT after the operation timeout, and the store unavailable (one listener call);
   once it answers again, the store says so (one more call, needs refresh), works, and no late
   reply is taken for a later command's answer. */
static void test_timeout(const char *url)
{
    static const char x[] = "{\"key\":\"x\",\"version\":1}";
    static const char y[] = "{\"key\":\"y\",\"version\":1}";
    static const char doc[] = "{\"flags\":{\"x\":{\"key\":\"x\",\"version\":1},"
                              "\"y\":{\"key\":\"y\",\"version\":1}}}";
    static struct status_log log = {PTHREAD_MUTEX_INITIALIZER, 0, -1, -1};
    char prefix[64], out[256];
    struct timespec paused_at;
    ldredis_store *store;
    char *item = SENTINEL;
    long waited;
    int status, calls, available = -1, needs_refresh = -1;

    if (test_port == NULL) {
        printf("# timeout: skipped (LDREDIS_TEST_PORT is not set)\n");
        return;
    }
    printf("# a server that stops answering (CLIENT PAUSE 1500 ALL), operation timeout 250 ms\n");
    snprintf(prefix, sizeof prefix, "smoke-%ld-timeout", (long)getpid());
    /* A pool of one connection, so the one that timed out is the one asked next. */
    store = open_store(url, prefix, LDREDIS_UPSERT_AUTO, 2000, 250, 1, NO_CACHE);
    if (store == NULL)
        return;
    check_status(ldredis_store_set_status_listener(store, on_status, &log), LDREDIS_OK,
                 "set_status_listener");
    check_status(ldredis_store_init_json(store, doc, strlen(doc)), LDREDIS_OK, "init_json");
    expect_get(store, "features", "x", LDREDIS_OK, x);

    if (check(redis_cli(out, sizeof out, "CLIENT PAUSE 1500 ALL") && strcmp(out, "OK") == 0,
              "CLIENT PAUSE 1500 ALL (%s)", out)) {
        /* The pause began before redis-cli returned, so it ends within 1500 ms from now. */
        clock_gettime(CLOCK_MONOTONIC, &paused_at);
        status = ldredis_store_get(&item, NULL, store, "features", "y");
        waited = elapsed_ms(&paused_at);
        check_status(status, LDREDIS_ERR_TIMEOUT, "get while the server is paused");
        check(item == NULL, "  ... *out is NULL");
        release(item);
        check(waited < 1200, "  ... gave up after %ld ms, not when the pause ended", waited);

        /* The timeout marks the store unavailable, once. */
        calls = wait_for_status(&log, 1, 1000, &available, &needs_refresh);
        check(calls == 1 && available == 0,
              "the listener was told: available=%d needs_refresh=%d (%d calls)", available,
              needs_refresh, calls);
        expect_store_status(store, 0, 0, 1, "during the pause");

        /* A background check finds the server back once the pause is over; with no cache
           (finite TTL or off) the data may be stale, so the owner should init again. */
        waited = elapsed_ms(&paused_at);
        if (waited < 1600)
            sleep_ms(1600 - waited);
        calls = wait_for_status(&log, 2, 3000, &available, &needs_refresh);
        check(calls == 2 && available == 1 && needs_refresh == 1,
              "the listener was told: available=%d needs_refresh=%d (%d calls)", available,
              needs_refresh, calls);
        expect_store_status(store, 1, 1, 1, "after the pause");
    }
    expect_get(store, "features", "x", LDREDIS_OK, x);
    expect_get(store, "features", "y", LDREDIS_OK, y);
    expect_flag("available after the pause", ldredis_store_available, store, 1);
    calls = wait_for_status(&log, 3, 600, &available, &needs_refresh);
    check(calls == 2, "no further listener calls (%d calls)", calls);
    check_status(ldredis_store_set_status_listener(store, NULL, NULL), LDREDIS_OK,
                 "set_status_listener(NULL fn): removed");
    ldredis_store_free(store);
}

/* A password-protected server (CONFIG SET requirepass, undone at the end): the password from
   the URL (percent-encoded) or from set_password logs in, set_password wins over the URL, and a
   missing or wrong password fails without showing up in the error. */
#define LOGIN_PASSWORD "p@ss:w/rd"
#define LOGIN_PASSWORD_ENCODED "p%40ss%3Aw%2Frd"

static void expect_login(const char *what, const char *url, const char *password, int ok)
{
    ldredis_config *cfg = NULL;
    ldredis_store *store = NULL;
    char prefix[64];
    int value = -1, status;

    snprintf(prefix, sizeof prefix, "smoke-%ld-login", (long)getpid());
    if (ldredis_config_new(&cfg) != LDREDIS_OK)
        return;
    if (password != NULL)
        ldredis_config_set_password(cfg, password);
    if (check_status(ldredis_config_set_url(cfg, url), LDREDIS_OK, "%s: set_url", what) &&
        ldredis_config_set_prefix(cfg, prefix) == LDREDIS_OK &&
        ldredis_store_new(&store, cfg) == LDREDIS_OK) {
        status = ldredis_store_initialized(&value, store);
        if (ok) {
            check_status(status, LDREDIS_OK, "%s: initialized", what);
        } else {
            check_status(status, LDREDIS_ERR_REDIS, "%s: initialized is refused", what);
            const char *message = ldredis_last_error();
            check(strstr(message, LOGIN_PASSWORD) == NULL &&
                      strstr(message, LOGIN_PASSWORD_ENCODED) == NULL &&
                      strstr(message, SECRET) == NULL,
                  "%s: the last error does not contain a password (\"%s\")", what, message);
        }
        ldredis_store_free(store);
    }
    ldredis_config_free(cfg);
}

static void test_password_login(void)
{
    char out[256], url[256];

    if (test_port == NULL) {
        printf("# password login: skipped (LDREDIS_TEST_PORT is not set)\n");
        return;
    }
    printf("# password login (CONFIG SET requirepass)\n");
    if (!check(redis_cli(out, sizeof out, "CONFIG SET requirepass '" LOGIN_PASSWORD "'") &&
                   strcmp(out, "OK") == 0,
               "CONFIG SET requirepass (%s)", out))
        return;
    snprintf(url, sizeof url, "redis://:%s@127.0.0.1:%s/0", LOGIN_PASSWORD_ENCODED, test_port);
    expect_login("percent-encoded password in the URL", url, NULL, 1);
    snprintf(url, sizeof url, "redis://127.0.0.1:%s/0", test_port);
    expect_login("set_password", url, LOGIN_PASSWORD, 1);
    expect_login("no password", url, NULL, 0);
    snprintf(url, sizeof url, "redis://:wrong-" SECRET "@127.0.0.1:%s/0", test_port);
    expect_login("wrong password in the URL", url, NULL, 0);
    expect_login("set_password before a URL with a wrong password: the setter wins", url,
                 LOGIN_PASSWORD, 1);
    check(redis_cli(out, sizeof out,
                    "-a '" LOGIN_PASSWORD "' --no-auth-warning CONFIG SET requirepass ''") &&
              strcmp(out, "OK") == 0,
          "CONFIG SET requirepass '' (%s)", out);
}

/* ---- Many threads on one store ---- */

struct worker {
    pthread_t thread;
    ldredis_store *store;
    int index, iterations, allow_conflict;
    int fresh_last_error; /* ldredis_last_error() was "" when the thread started */
    long ops, conflicts, errors;
    int64_t own_version;   /* the last version of item "t<index>" that was written */
    int64_t max_shared_ok; /* the highest version of "shared" whose upsert succeeded */
    char first_error[256];
};

static void worker_error(struct worker *w, const char *what, int status)
{
    w->errors++;
    if (w->first_error[0] == '\0')
        snprintf(w->first_error, sizeof w->first_error, "%s: %s (%s)", what,
                 ldredis_status_name(status), status < 0 ? ldredis_last_error() : "");
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    const char *message = ldredis_last_error();
    char key[16], json[128];
    int it, status, updated;

    w->fresh_last_error = message != NULL && message[0] == '\0';
    snprintf(key, sizeof key, "t%d", w->index);
    for (it = 0; it < w->iterations; it++) {
        int64_t shared = (int64_t)it * THREADS + w->index + 1;

        /* This thread's own item: nobody else writes it, so each newer version is written
           and read back exactly. */
        snprintf(json, sizeof json, "{\"key\":\"%s\",\"version\":%d,\"thread\":%d}", key, it + 1,
                 w->index);
        updated = -1;
        status = ldredis_store_upsert(&updated, w->store, "features", key, json, strlen(json));
        w->ops++;
        if (status == LDREDIS_ERR_CONFLICT && w->allow_conflict) {
            w->conflicts++;
        } else if (status != LDREDIS_OK || updated != 1) {
            worker_error(w, updated == 0 ? "own item: newer version rejected" : "own item upsert",
                         status);
        } else {
            char *out = NULL;
            size_t len = 0;
            w->own_version = it + 1;
            status = ldredis_store_get(&out, &len, w->store, "features", key);
            w->ops++;
            if (status != LDREDIS_OK)
                worker_error(w, "own item get", status);
            else if (len != strlen(json) || strcmp(out, json) != 0)
                worker_error(w, "own item get: not what was written", status);
            ldredis_free(out);
        }

        /* The shared item: the threads' versions interleave; the highest must win. */
        snprintf(json, sizeof json, "{\"key\":\"shared\",\"version\":%" PRId64 ",\"thread\":%d}",
                 shared, w->index);
        status = ldredis_store_upsert(&updated, w->store, "features", "shared", json,
                                      strlen(json));
        w->ops++;
        if (status == LDREDIS_OK) {
            if (shared > w->max_shared_ok)
                w->max_shared_ok = shared;
        } else if (status == LDREDIS_ERR_CONFLICT && w->allow_conflict) {
            w->conflicts++;
        } else {
            worker_error(w, "shared item upsert", status);
        }

        if (it % 10 == 9) {
            char *all = NULL;
            status = ldredis_store_all_json(&all, NULL, w->store, "features");
            w->ops++;
            if (status != LDREDIS_OK)
                worker_error(w, "all_json", status);
            else if (w->own_version > 0 && json_value(all, key) == NULL)
                worker_error(w, "all_json lacks the thread's own item", status);
            ldredis_free(all);
        }
        if (it % 25 == 24) {
            int initialized = -1;
            status = ldredis_store_initialized(&initialized, w->store);
            w->ops++;
            if (status != LDREDIS_OK || initialized != 1)
                worker_error(w, "initialized", status);
        }
    }
    return NULL;
}

static void test_threads(const char *url, int mode, const char *mode_name, int iterations)
{
    struct worker workers[THREADS];
    char prefix[64], json[128], key[16];
    ldredis_store *store;
    long ops = 0, conflicts = 0;
    int64_t max_shared = 0;
    int i, started = 0;

    snprintf(prefix, sizeof prefix, "smoke-%ld-threads-%s", (long)getpid(), mode_name);
    printf("# %d threads x %d iterations on one store, pool of 4, upsert mode %s\n", THREADS,
           iterations, mode_name);
    store = open_store(url, prefix, mode, 2000, 20000, 4, DEFAULT_CACHE_TTL_MS);
    if (store == NULL)
        return;
    check_status(ldredis_store_init_json(store, "{}", 2), LDREDIS_OK, "init_json(\"{}\")");

    memset(workers, 0, sizeof workers);
    for (i = 0; i < THREADS; i++) {
        workers[i].store = store;
        workers[i].index = i;
        workers[i].iterations = iterations;
        workers[i].allow_conflict = mode == LDREDIS_UPSERT_WATCH;
        if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0)
            break;
        started++;
    }
    check(started == THREADS, "started %d of %d threads", started, THREADS);
    for (i = 0; i < started; i++)
        pthread_join(workers[i].thread, NULL);

    for (i = 0; i < started; i++) {
        struct worker *w = &workers[i];
        ops += w->ops;
        conflicts += w->conflicts;
        if (w->max_shared_ok > max_shared)
            max_shared = w->max_shared_ok;
        check(w->errors == 0, "thread %d: %ld operations, %ld errors%s%s", i, w->ops, w->errors,
              w->errors ? "; first: " : "", w->first_error);
        check(w->fresh_last_error, "thread %d: ldredis_last_error() started as \"\" "
              "(thread-local)", i);
        snprintf(key, sizeof key, "t%d", i);
        if (w->own_version > 0) {
            snprintf(json, sizeof json, "{\"key\":\"%s\",\"version\":%" PRId64 ",\"thread\":%d}",
                     key, w->own_version, i);
            expect_get(store, "features", key, LDREDIS_OK, json);
        }
    }
    if (mode == LDREDIS_UPSERT_WATCH)
        check(max_shared > 0, "%ld operations, %ld upserts gave up with LDREDIS_ERR_CONFLICT "
              "(allowed in WATCH mode); at least one shared upsert succeeded (highest %" PRId64
              ")", ops, conflicts, max_shared);
    else
        check(started < THREADS || max_shared == (int64_t)THREADS * iterations,
              "%ld operations; every shared upsert succeeded (highest version %" PRId64 ")", ops,
              max_shared);
    if (max_shared > 0) {
        /* The highest version that any upsert accepted is what Redis holds. */
        snprintf(json, sizeof json, "{\"key\":\"shared\",\"version\":%" PRId64 ",\"thread\":%d}",
                 max_shared, (int)((max_shared - 1) % THREADS));
        expect_get(store, "features", "shared", LDREDIS_OK, json);
    }
    ldredis_store_free(store);
}

int main(void)
{
    static const struct {
        int mode;
        const char *name;
    } modes[] = {
        {LDREDIS_UPSERT_AUTO, "auto"},
        {LDREDIS_UPSERT_SCRIPT, "script"},
        {LDREDIS_UPSERT_WATCH, "watch"},
    };
    const char *url = getenv("LDREDIS_URL");
    const char *iterations_env = getenv("LDREDIS_SMOKE_ITERATIONS");
    int iterations = iterations_env ? atoi(iterations_env) : 200;
    size_t i;

    test_port = getenv("LDREDIS_TEST_PORT");
    if (test_port != NULL && test_port[0] == '\0')
        test_port = NULL;
    if (iterations < 1)
        iterations = 200;

    test_library();
    test_config();
    test_store_new();

    if (url == NULL || url[0] == '\0') {
        check(0, "LDREDIS_URL is set (run under scripts/with-redis.sh)");
    } else {
        printf("# live Redis at %s\n", url);
        test_config_applies(url);
        for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
            char prefix[64];
            ldredis_store *store;
            struct command_counts counts;

            snprintf(prefix, sizeof prefix, "smoke-%ld-%s", (long)getpid(), modes[i].name);
            printf("# upsert mode %s, prefix %s\n", modes[i].name, prefix);
            store = open_store(url, prefix, modes[i].mode, 2000, 10000, 4,
                               DEFAULT_CACHE_TTL_MS);
            if (store == NULL)
                continue;
            expect_store_status(store, 1, 0, 0, "of a new store");
            expect_flag("initialized on a fresh prefix", ldredis_store_initialized, store, 0);
            expect_flag("available", ldredis_store_available, store, 1);
            test_init(store, prefix);
            test_schema(prefix);
            test_reads(store, url, prefix, modes[i].mode);
            if (test_port != NULL)
                count_commands(&counts);
            test_writes(store, prefix);
            if (test_port != NULL)
                check_upsert_commands(modes[i].mode, &counts);
            test_foreign(store, prefix);
            test_diagnostics(store, prefix);
            test_reinit(store, url, prefix, modes[i].mode);
            test_flag_arguments(store);
            test_diagnostics_arguments(store);
            ldredis_store_free(store);
        }
        test_large_init(url);
        test_big_segments(url);
        test_scripting_refused(url);
        test_timeout(url);
        test_auth_redacted(url);
        test_threads(url, LDREDIS_UPSERT_AUTO, "auto", iterations);
        test_threads(url, LDREDIS_UPSERT_WATCH, "watch", iterations);
        test_password_login();
    }
    test_unreachable();
    test_fail_fast();

    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
