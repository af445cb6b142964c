/*
 * outputs.c - the header's promise for failed calls: "Numeric outputs are set to 0 when a call
 * fails" and "on any status other than LDREDIS_OK the output is set to NULL". Every numeric and
 * string output of every function is pre-filled with a sentinel, the call is made to fail
 * (a NULL store, an empty kind, invalid JSON) and the output must read 0 / NULL afterwards.
 *
 *   outputs                 exit 0 when every check passed; no Redis needed (the store points
 *                           at a closed port and is never asked to connect)
 *
 * Tests/C/run.sh builds it with pkg-config's flags. Each check prints "ok" or "FAIL"; the last
 * line is "N passed, M failed".
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <ldredis.h>

static int passed, failed;
static char sentinel_text[] = "sentinel";
#define SENTINEL_TEXT sentinel_text

static void check(int ok, const char *what)
{
    printf("%s %3d - %s\n", ok ? "ok  " : "FAIL", passed + failed + 1, what);
    if (ok)
        passed++;
    else
        failed++;
}

/* A failed call: an error status, and every output cleared. */
static void failed_with_zeros(int status, int zeros, const char *what)
{
    char line[256];
    snprintf(line, sizeof line, "%s: fails (%s) and clears its outputs", what,
             ldredis_status_name(status));
    check(status < 0 && zeros, line);
}

int main(void)
{
    ldredis_config *cfg = NULL;
    ldredis_store *store = NULL;
    int available = 7, needs_refresh = 7, flag = 7;
    int64_t when = 7;
    char *text = SENTINEL_TEXT;
    size_t len = 7;
    int status;

    /* ldredis_store_status: NULL store. */
    status = ldredis_store_status(&available, &needs_refresh, &when, &text, NULL);
    failed_with_zeros(status, available == 0 && needs_refresh == 0 && when == 0 && text == NULL,
                      "store_status(NULL store)");

    /* The same with only some outputs asked for. */
    available = 7, when = 7;
    status = ldredis_store_status(&available, NULL, &when, NULL, NULL);
    failed_with_zeros(status, available == 0 && when == 0, "store_status(NULL store), two outputs");

    /* The other functions with numeric outputs, for comparison (NULL store). */
    flag = 7;
    status = ldredis_store_initialized(&flag, NULL);
    failed_with_zeros(status, flag == 0, "store_initialized(NULL store)");
    flag = 7;
    status = ldredis_store_available(&flag, NULL);
    failed_with_zeros(status, flag == 0, "store_available(NULL store)");
    flag = 7;
    status = ldredis_store_upsert(&flag, NULL, "features", "k", "{\"version\":1}", 13);
    failed_with_zeros(status,
                      flag == 0, "store_upsert(NULL store)");
    flag = 7;
    status = ldredis_store_delete(&flag, NULL, "features", "k", 1);
    failed_with_zeros(status, flag == 0,
                      "store_delete(NULL store)");
    when = 7;
    status = ldredis_store_big_segments_metadata(&when, NULL);
    failed_with_zeros(status, when == 0,
                      "store_big_segments_metadata(NULL store)");
    text = SENTINEL_TEXT, len = 7;
    status = ldredis_store_stats_json(&text, &len, NULL);
    failed_with_zeros(status, text == NULL && len == 0,
                      "store_stats_json(NULL store)");
    text = SENTINEL_TEXT, len = 7;
    status = ldredis_store_describe(&text, &len, NULL);
    failed_with_zeros(status, text == NULL && len == 0,
                      "store_describe(NULL store)");

    /* A real store (never connected: a closed port, and only calls that fail before Redis). */
    if (ldredis_config_new(&cfg) != LDREDIS_OK || ldredis_config_set_host(cfg, "127.0.0.1", 1) != LDREDIS_OK
        || ldredis_store_new(&store, cfg) != LDREDIS_OK) {
        check(0, "a store on 127.0.0.1:1 can be created");
    } else {
        flag = 7;
        status = ldredis_store_upsert(&flag, store, "", "k", "{\"version\":1}", 13);
        failed_with_zeros(status, flag == 0,
                          "store_upsert(empty kind)");
        flag = 7;
        status = ldredis_store_upsert(&flag, store, "features", "k", "{", 1);
        failed_with_zeros(status, flag == 0,
                          "store_upsert(invalid JSON)");
        flag = 7;
        status = ldredis_store_delete(&flag, store, "features", "k", -1);
        failed_with_zeros(status, flag == 0,
                          "store_delete(negative version)");
        text = SENTINEL_TEXT, len = 7;
        status = ldredis_store_get(&text, &len, store, "$inited", "k");
        failed_with_zeros(status, text == NULL && len == 0,
                          "store_get(reserved kind)");
        text = SENTINEL_TEXT, len = 7;
        status = ldredis_store_all_json(&text, &len, store, "");
        failed_with_zeros(status, text == NULL && len == 0,
                          "store_all_json(empty kind)");
        /* And a successful status call sets every output. */
        available = 7, needs_refresh = 7, when = -1, text = SENTINEL_TEXT;
        status = ldredis_store_status(&available, &needs_refresh, &when, &text, store);
        check(status == LDREDIS_OK && (available == 0 || available == 1)
                  && (needs_refresh == 0 || needs_refresh == 1) && when >= 0 && text != SENTINEL_TEXT,
              "store_status(store) succeeds and sets every output");
        if (status == LDREDIS_OK)
            ldredis_free(text);
    }
    ldredis_store_free(store);
    ldredis_config_free(cfg);

    printf("\n%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
