/*
 * header_c99.c - ldredis.h is a self-contained, warning-free C99 header.
 *
 * Built with -std=c99 -Wall -Wextra -pedantic -Werror and linked against the library by
 * Tests/C/run.sh. It includes the header first (and twice, for the include guard), binds every
 * function to a pointer of its exact documented type (so a changed prototype fails to
 * compile), pins every enum constant and version macro at compile time, and checks at run time
 * that ldredis_version() matches the macros. Exit status 0 means every check held.
 */
#include <ldredis.h>
#include <ldredis.h> /* the include guard makes a second inclusion harmless */

#include <stdio.h>
#include <string.h>

/* A compile-time assertion C99 can express: a negative array size is an error. */
#define STATIC_ASSERT(name, cond) typedef char static_assert_##name[(cond) ? 1 : -1]

STATIC_ASSERT(ok, LDREDIS_OK == 0);
STATIC_ASSERT(not_found, LDREDIS_NOT_FOUND == 1);
STATIC_ASSERT(invalid_argument, LDREDIS_ERR_INVALID_ARGUMENT == -1);
STATIC_ASSERT(unavailable, LDREDIS_ERR_UNAVAILABLE == -2);
STATIC_ASSERT(timeout, LDREDIS_ERR_TIMEOUT == -3);
STATIC_ASSERT(redis, LDREDIS_ERR_REDIS == -4);
STATIC_ASSERT(malformed, LDREDIS_ERR_MALFORMED == -5);
STATIC_ASSERT(conflict, LDREDIS_ERR_CONFLICT == -6);
STATIC_ASSERT(internal, LDREDIS_ERR_INTERNAL == -7);
STATIC_ASSERT(busy, LDREDIS_ERR_BUSY == -8);
STATIC_ASSERT(upsert_auto, LDREDIS_UPSERT_AUTO == 0);
STATIC_ASSERT(upsert_script, LDREDIS_UPSERT_SCRIPT == 1);
STATIC_ASSERT(upsert_watch, LDREDIS_UPSERT_WATCH == 2);

/* The version macros are integers usable by the preprocessor. */
#if !defined(LDREDIS_VERSION_MAJOR) || !defined(LDREDIS_VERSION_MINOR) || \
    !defined(LDREDIS_VERSION_PATCH) || !defined(LDREDIS_VERSION_STRING)
#error "ldredis.h must define LDREDIS_VERSION_MAJOR, _MINOR, _PATCH and _STRING"
#endif
#if LDREDIS_VERSION_MAJOR < 1 || LDREDIS_VERSION_MINOR < 0 || LDREDIS_VERSION_PATCH < 0
#error "ldredis.h version macros must be non-negative integers, major at least 1"
#endif

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define VERSION_FROM_PARTS                                                                    \
    STRINGIFY(LDREDIS_VERSION_MAJOR) "." STRINGIFY(LDREDIS_VERSION_MINOR) "."                 \
    STRINGIFY(LDREDIS_VERSION_PATCH)

/* Every function of the API, each through a pointer of its exact type. */
struct api_table {
    const char *(*version)(void);
    const char *(*status_name)(int);
    const char *(*last_error)(void);
    void (*free_)(void *);
    int (*config_new)(ldredis_config **);
    void (*config_free)(ldredis_config *);
    int (*config_set_url)(ldredis_config *, const char *);
    int (*config_set_host)(ldredis_config *, const char *, int);
    int (*config_set_prefix)(ldredis_config *, const char *);
    int (*config_set_password)(ldredis_config *, const char *);
    int (*config_set_username)(ldredis_config *, const char *);
    int (*config_set_database)(ldredis_config *, int);
    int (*config_set_connect_timeout_ms)(ldredis_config *, int64_t);
    int (*config_set_operation_timeout_ms)(ldredis_config *, int64_t);
    int (*config_set_pool_size)(ldredis_config *, int);
    int (*config_set_cache_ttl_ms)(ldredis_config *, int64_t);
    int (*config_set_cache_capacity)(ldredis_config *, int64_t);
    int (*config_set_cache_refresh_ahead)(ldredis_config *, int);
    int (*config_set_repopulate_on_restart)(ldredis_config *, int);
    int (*config_set_fail_fast)(ldredis_config *, int);
    int (*config_set_tls)(ldredis_config *, int);
    int (*config_set_tls_verify)(ldredis_config *, int);
    int (*config_set_tls_ca_file)(ldredis_config *, const char *);
    int (*config_set_tls_cert_file)(ldredis_config *, const char *);
    int (*config_set_tls_key_file)(ldredis_config *, const char *);
    int (*config_set_tls_server_name)(ldredis_config *, const char *);
    int (*config_set_upsert_mode)(ldredis_config *, int);
    int (*store_new)(ldredis_store **, const ldredis_config *);
    void (*store_free)(ldredis_store *);
    int (*store_init_json)(ldredis_store *, const char *, size_t);
    int (*store_get)(char **, size_t *, ldredis_store *, const char *, const char *);
    int (*store_all_json)(char **, size_t *, ldredis_store *, const char *);
    int (*store_upsert)(int *, ldredis_store *, const char *, const char *, const char *,
                        size_t);
    int (*store_delete)(int *, ldredis_store *, const char *, const char *, int64_t);
    int (*store_initialized)(int *, ldredis_store *);
    int (*store_available)(int *, ldredis_store *);
    int (*store_status)(int *, int *, int64_t *, char **, ldredis_store *);
    int (*store_set_status_listener)(ldredis_store *, ldredis_status_fn, void *);
    int (*store_stats_json)(char **, size_t *, ldredis_store *);
    int (*store_describe)(char **, size_t *, ldredis_store *);
    int (*store_big_segments_metadata)(int64_t *, ldredis_store *);
    int (*store_big_segments_membership)(char **, size_t *, ldredis_store *, const char *);
    int (*evaluate)(char **, size_t *, ldredis_store *, const char *, const char *, size_t,
                    const char *, size_t);
    int (*all_flags_state)(char **, size_t *, ldredis_store *, const char *, size_t, int);
};

static const struct api_table api = {
    ldredis_version,
    ldredis_status_name,
    ldredis_last_error,
    ldredis_free,
    ldredis_config_new,
    ldredis_config_free,
    ldredis_config_set_url,
    ldredis_config_set_host,
    ldredis_config_set_prefix,
    ldredis_config_set_password,
    ldredis_config_set_username,
    ldredis_config_set_database,
    ldredis_config_set_connect_timeout_ms,
    ldredis_config_set_operation_timeout_ms,
    ldredis_config_set_pool_size,
    ldredis_config_set_cache_ttl_ms,
    ldredis_config_set_cache_capacity,
    ldredis_config_set_cache_refresh_ahead,
    ldredis_config_set_repopulate_on_restart,
    ldredis_config_set_fail_fast,
    ldredis_config_set_tls,
    ldredis_config_set_tls_verify,
    ldredis_config_set_tls_ca_file,
    ldredis_config_set_tls_cert_file,
    ldredis_config_set_tls_key_file,
    ldredis_config_set_tls_server_name,
    ldredis_config_set_upsert_mode,
    ldredis_store_new,
    ldredis_store_free,
    ldredis_store_init_json,
    ldredis_store_get,
    ldredis_store_all_json,
    ldredis_store_upsert,
    ldredis_store_delete,
    ldredis_store_initialized,
    ldredis_store_available,
    ldredis_store_status,
    ldredis_store_set_status_listener,
    ldredis_store_stats_json,
    ldredis_store_describe,
    ldredis_store_big_segments_metadata,
    ldredis_store_big_segments_membership,
    ldredis_evaluate,
    ldredis_all_flags_state,
};

/* The listener type is exactly what the header documents. */
static void status_listener(void *user_data, int available, int needs_refresh)
{
    (void)user_data;
    (void)available;
    (void)needs_refresh;
}
static const ldredis_status_fn listener = status_listener;

int main(void)
{
    /* The enum types are usable as such. */
    enum ldredis_status statuses[] = {
        LDREDIS_OK, LDREDIS_NOT_FOUND, LDREDIS_ERR_INVALID_ARGUMENT, LDREDIS_ERR_UNAVAILABLE,
        LDREDIS_ERR_TIMEOUT, LDREDIS_ERR_REDIS, LDREDIS_ERR_MALFORMED, LDREDIS_ERR_CONFLICT,
        LDREDIS_ERR_INTERNAL, LDREDIS_ERR_BUSY};
    enum ldredis_upsert_mode modes[] = {LDREDIS_UPSERT_AUTO, LDREDIS_UPSERT_SCRIPT,
                                        LDREDIS_UPSERT_WATCH};
    const char *version = api.version();
    int failures = 0;

    if (listener == NULL) {
        fprintf(stderr, "header_c99: ldredis_status_fn is unusable\n");
        failures++;
    }
    if (sizeof statuses / sizeof statuses[0] != 10 || sizeof modes / sizeof modes[0] != 3) {
        fprintf(stderr, "header_c99: unexpected enum count\n");
        failures++;
    }
    if (strcmp(VERSION_FROM_PARTS, LDREDIS_VERSION_STRING) != 0) {
        fprintf(stderr, "header_c99: LDREDIS_VERSION_STRING \"%s\" is not %s\n",
                LDREDIS_VERSION_STRING, VERSION_FROM_PARTS);
        failures++;
    }
    if (version == NULL || strcmp(version, LDREDIS_VERSION_STRING) != 0) {
        fprintf(stderr, "header_c99: ldredis_version() is \"%s\", header says \"%s\"\n",
                version ? version : "(null)", LDREDIS_VERSION_STRING);
        failures++;
    }
    if (failures == 0)
        printf("header_c99: ldredis.h %s compiles as C99, all %lu functions bound\n",
               LDREDIS_VERSION_STRING,
               (unsigned long)(sizeof api / sizeof api.version));
    return failures == 0 ? 0 : 1;
}
