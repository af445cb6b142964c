/*
 * demo.c - the ldredis C API, step by step, against a real Redis.
 *
 *   demo [REDIS_URL [DATA_FILE]]
 *
 * REDIS_URL defaults to $LDREDIS_URL, then redis://localhost:6379/0; DATA_FILE defaults to
 * examples/data/flags.json. The demo writes under the default prefix "launchdarkly" (the one
 * the SDKs and the Relay Proxy read), replacing the flags and segments stored there: point it
 * at a scratch Redis. `make demo` runs it against a throwaway redis-server.
 *
 * Every call's status is checked; on an error the demo prints the status name and
 * ldredis_last_error(), releases what it holds and exits with status 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldredis.h>

#define DEFAULT_URL "redis://localhost:6379/0"
#define DEFAULT_DATA "examples/data/flags.json"

/* banner-color as a newer version (8 > the file's 7): a fourth color for the winter sale. */
static const char BANNER_V8[] =
    "{\"key\":\"banner-color\",\"version\":8,\"on\":true,\"prerequisites\":[],"
    "\"salt\":\"3c1d9f2e7b8a4d5c9e6f0a1b2c3d4e5f\","
    "\"targets\":[{\"values\":[\"user-design-lead\"],\"variation\":3}],\"contextTargets\":[],"
    "\"rules\":[],\"fallthrough\":{\"variation\":3},\"offVariation\":0,"
    "\"variations\":[\"blue\",\"green\",\"orange\",\"snow-white\"],"
    "\"clientSideAvailability\":{\"usingMobileKey\":true,\"usingEnvironmentId\":true},"
    "\"clientSide\":true,\"trackEvents\":false,\"trackEventsFallthrough\":false,"
    "\"debugEventsUntilDate\":null,\"deleted\":false}";

/* A stale writer's banner-color (version 6 < 8): the store must refuse it. */
static const char BANNER_V6[] =
    "{\"key\":\"banner-color\",\"version\":6,\"on\":false,\"prerequisites\":[],"
    "\"salt\":\"3c1d9f2e7b8a4d5c9e6f0a1b2c3d4e5f\",\"targets\":[],\"contextTargets\":[],"
    "\"rules\":[],\"fallthrough\":{\"variation\":0},\"offVariation\":0,"
    "\"variations\":[\"blue\",\"green\",\"orange\"],\"deleted\":false}";

/* Returns 1 when status is the expected one. Otherwise prints what failed - the status name
   and, for errors, ldredis_last_error() - and returns 0. */
static int check(int status, int expected, const char *what)
{
    if (status == expected)
        return 1;
    fflush(stdout); /* keep the narrative and the error in order */
    fprintf(stderr, "demo: %s: %s", what, ldredis_status_name(status));
    if (status < 0)
        fprintf(stderr, ": %s", ldredis_last_error());
    fprintf(stderr, " (expected %s)\n", ldredis_status_name(expected));
    return 0;
}

/* Returns 1 when an upsert or delete reported the expected outcome, else prints why not. */
static int check_updated(int updated, int expected, const char *what)
{
    if (updated == expected)
        return 1;
    fflush(stdout);
    fprintf(stderr, "demo: %s: updated=%d, expected %d\n", what, updated, expected);
    return 0;
}

/* Prints a Redis URL with its user info (which may hold a password) hidden. */
static void print_url(const char *url)
{
    const char *authority = strstr(url, "://");
    const char *at = authority != NULL ? strrchr(authority, '@') : NULL;

    if (at == NULL)
        fputs(url, stdout);
    else
        printf("%.*s***@%s", (int)(authority + 3 - url), url, at + 1);
}

/* Reads a whole file into a NUL-terminated buffer the caller frees with free().
   Returns NULL (after printing why) on failure. */
static char *read_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;

    if (f == NULL) {
        perror(path);
        return NULL;
    }
    for (;;) {
        if (cap - len < 4096) {
            char *bigger;
            cap = cap ? cap * 2 : 16384;
            bigger = realloc(buf, cap + 1);
            if (bigger == NULL) {
                fprintf(stderr, "demo: out of memory reading %s\n", path);
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = bigger;
        }
        {
            size_t n = fread(buf + len, 1, cap - len, f);
            len += n;
            if (n == 0)
                break;
        }
    }
    if (ferror(f)) {
        perror(path);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[len] = '\0';
    *out_len = len;
    return buf;
}

/* Prints the member names of the top-level JSON object json[0..len) and returns how many there
   are. ldredis returns valid JSON, so tracking strings and nesting depth is enough. */
static size_t print_keys(const char *json, size_t len)
{
    size_t i, count = 0;
    int depth = 0, expect_key = 0;

    for (i = 0; i < len; i++) {
        char c = json[i];
        if (c == '"') {
            size_t start = ++i;
            while (i < len && json[i] != '"')
                i += (json[i] == '\\') ? 2 : 1;
            if (depth == 1 && expect_key) {
                printf("     - %.*s\n", (int)(i - start), json + start);
                count++;
                expect_key = 0;
            }
        } else if (c == '{' || c == '[') {
            depth++;
            expect_key = (depth == 1);
        } else if (c == '}' || c == ']') {
            depth--;
        } else if (c == ',' && depth == 1) {
            expect_key = 1;
        }
    }
    return count;
}

int main(int argc, char **argv)
{
    const char *url = argc > 1 ? argv[1] : getenv("LDREDIS_URL");
    const char *data_path = argc > 2 ? argv[2] : DEFAULT_DATA;
    ldredis_config *cfg = NULL;
    ldredis_store *store = NULL;
    char *data = NULL, *item = NULL, *all = NULL;
    size_t data_len = 0, item_len = 0, all_len = 0;
    int flag = 0, updated = -1, rc = 1;

    if (url == NULL || url[0] == '\0')
        url = DEFAULT_URL;
    printf("ldredis %s demo: Redis at ", ldredis_version());
    print_url(url);
    printf(", prefix \"launchdarkly\"\n\n");

    /* A config holds the settings; the store copies them, so the config can go right away. */
    if (!check(ldredis_config_new(&cfg), LDREDIS_OK, "ldredis_config_new") ||
        !check(ldredis_config_set_url(cfg, url), LDREDIS_OK, "ldredis_config_set_url") ||
        !check(ldredis_store_new(&store, cfg), LDREDIS_OK, "ldredis_store_new"))
        goto done;
    ldredis_config_free(cfg);
    cfg = NULL;

    /* 1. Replace all flags and segments with the file's, in one MULTI/EXEC transaction. */
    data = read_file(data_path, &data_len);
    if (data == NULL)
        goto done;
    printf("1. ldredis_store_init_json: loading %s (%lu bytes)\n", data_path,
           (unsigned long)data_len);
    if (!check(ldredis_store_init_json(store, data, data_len), LDREDIS_OK, "init"))
        goto done;
    printf("   stored as hashes launchdarkly:features and launchdarkly:segments\n\n");

    /* 2. The init also set launchdarkly:$inited, which the SDKs look for. */
    if (!check(ldredis_store_initialized(&flag, store), LDREDIS_OK, "initialized"))
        goto done;
    printf("2. ldredis_store_initialized: %d\n\n", flag);

    /* 3. One flag, exactly as it was stored. */
    if (!check(ldredis_store_get(&item, &item_len, store, "features", "banner-color"),
               LDREDIS_OK, "get banner-color"))
        goto done;
    printf("3. ldredis_store_get(\"features\", \"banner-color\"): %lu bytes, byte for byte as "
           "in the file:\n%.*s\n\n", (unsigned long)item_len, (int)item_len, item);
    ldredis_free(item);
    item = NULL;

    /* 4. A newer version replaces it... */
    if (!check(ldredis_store_upsert(&updated, store, "features", "banner-color", BANNER_V8,
                                    strlen(BANNER_V8)),
               LDREDIS_OK, "upsert banner-color v8") ||
        !check_updated(updated, 1, "upsert banner-color v8"))
        goto done;
    printf("4. ldredis_store_upsert banner-color version 8 (stored: 7): updated=%d\n", updated);
    if (!check(ldredis_store_get(&item, &item_len, store, "features", "banner-color"),
               LDREDIS_OK, "get banner-color"))
        goto done;
    printf("   now stored: %.*s\n\n", (int)item_len, item);
    ldredis_free(item);
    item = NULL;

    /* 5. ...but an older one is refused: versions only go up. */
    if (!check(ldredis_store_upsert(&updated, store, "features", "banner-color", BANNER_V6,
                                    strlen(BANNER_V6)),
               LDREDIS_OK, "upsert banner-color v6") ||
        !check_updated(updated, 0, "upsert banner-color v6"))
        goto done;
    printf("5. ldredis_store_upsert banner-color version 6 (stored: 8): updated=%d, "
           "version 8 stays\n\n", updated);

    /* 6. A delete writes a tombstone carrying the delete's version; readers see no flag. */
    if (!check(ldredis_store_delete(&updated, store, "features", "pricing-page-config", 22),
               LDREDIS_OK, "delete pricing-page-config") ||
        !check_updated(updated, 1, "delete pricing-page-config"))
        goto done;
    printf("6. ldredis_store_delete pricing-page-config at version 22 (stored: 21): "
           "updated=%d\n", updated);
    if (!check(ldredis_store_get(&item, &item_len, store, "features", "pricing-page-config"),
               LDREDIS_NOT_FOUND, "get pricing-page-config"))
        goto done;
    printf("   ldredis_store_get(\"features\", \"pricing-page-config\"): %s\n\n",
           ldredis_status_name(LDREDIS_NOT_FOUND));

    /* 7. Every live flag at once; the tombstone is left out. */
    if (!check(ldredis_store_all_json(&all, &all_len, store, "features"), LDREDIS_OK,
               "all_json features"))
        goto done;
    printf("7. ldredis_store_all_json(\"features\"): %lu bytes, flags:\n",
           (unsigned long)all_len);
    printf("   %lu live flags\n", (unsigned long)print_keys(all, all_len));

    /* 8. Evaluation, as LaunchDarkly's SDKs do it: the detail for a targeted user. */
    {
        static const char ctx[] = "{\"kind\":\"user\",\"key\":\"user-design-lead\"}";
        char *detail = NULL;
        size_t detail_len = 0;
        if (!check(ldredis_evaluate(&detail, &detail_len, store, "banner-color", ctx, strlen(ctx),
                                    "\"blue\"", 6),
                   LDREDIS_OK, "evaluate banner-color"))
            goto done;
        printf("\n8. ldredis_evaluate(\"banner-color\", user-design-lead): %.*s\n",
               (int)detail_len, detail);
        ldredis_free(detail);
    }

    rc = 0;
done:
    ldredis_free(all);
    ldredis_free(item);
    free(data);
    ldredis_store_free(store);
    ldredis_config_free(cfg);
    return rc;
}
