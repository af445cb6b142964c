/*
 * header_cxx.cpp - ldredis.h is a self-contained, warning-free C++11 header with C linkage.
 *
 * Built with g++ -std=c++11 -Wall -Wextra -pedantic -Werror and linked against the library by
 * Tests/C/run.sh (the link proves extern "C"). Every function is checked against its exact
 * documented type with static_assert, every enum constant and version macro is pinned at
 * compile time, and ldredis_version() is compared with the macros at run time.
 */
#include <ldredis.h>
#include <ldredis.h> // the include guard makes a second inclusion harmless

#include <cstdio>
#include <cstring>
#include <type_traits>

static_assert(LDREDIS_OK == 0, "LDREDIS_OK");
static_assert(LDREDIS_NOT_FOUND == 1, "LDREDIS_NOT_FOUND");
static_assert(LDREDIS_ERR_INVALID_ARGUMENT == -1, "LDREDIS_ERR_INVALID_ARGUMENT");
static_assert(LDREDIS_ERR_UNAVAILABLE == -2, "LDREDIS_ERR_UNAVAILABLE");
static_assert(LDREDIS_ERR_TIMEOUT == -3, "LDREDIS_ERR_TIMEOUT");
static_assert(LDREDIS_ERR_REDIS == -4, "LDREDIS_ERR_REDIS");
static_assert(LDREDIS_ERR_MALFORMED == -5, "LDREDIS_ERR_MALFORMED");
static_assert(LDREDIS_ERR_CONFLICT == -6, "LDREDIS_ERR_CONFLICT");
static_assert(LDREDIS_ERR_INTERNAL == -7, "LDREDIS_ERR_INTERNAL");
static_assert(LDREDIS_ERR_BUSY == -8, "LDREDIS_ERR_BUSY");
static_assert(LDREDIS_UPSERT_AUTO == 0, "LDREDIS_UPSERT_AUTO");
static_assert(LDREDIS_UPSERT_SCRIPT == 1, "LDREDIS_UPSERT_SCRIPT");
static_assert(LDREDIS_UPSERT_WATCH == 2, "LDREDIS_UPSERT_WATCH");

#if !defined(LDREDIS_VERSION_MAJOR) || !defined(LDREDIS_VERSION_MINOR) || \
    !defined(LDREDIS_VERSION_PATCH) || !defined(LDREDIS_VERSION_STRING)
#error "ldredis.h must define LDREDIS_VERSION_MAJOR, _MINOR, _PATCH and _STRING"
#endif
static_assert(LDREDIS_VERSION_MAJOR >= 1 && LDREDIS_VERSION_MINOR >= 0 &&
                  LDREDIS_VERSION_PATCH >= 0,
              "version macros are non-negative integers, major at least 1");

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define VERSION_FROM_PARTS                                                                    \
    STRINGIFY(LDREDIS_VERSION_MAJOR) "." STRINGIFY(LDREDIS_VERSION_MINOR) "."                 \
    STRINGIFY(LDREDIS_VERSION_PATCH)

// Each function has exactly its documented type.
#define EXPECT_TYPE(fn, type) \
    static_assert(std::is_same<decltype(&fn), type>::value, #fn " has an unexpected type")

EXPECT_TYPE(ldredis_version, const char *(*)());
EXPECT_TYPE(ldredis_status_name, const char *(*)(int));
EXPECT_TYPE(ldredis_last_error, const char *(*)());
EXPECT_TYPE(ldredis_free, void (*)(void *));
EXPECT_TYPE(ldredis_config_new, int (*)(ldredis_config **));
EXPECT_TYPE(ldredis_config_free, void (*)(ldredis_config *));
EXPECT_TYPE(ldredis_config_set_url, int (*)(ldredis_config *, const char *));
EXPECT_TYPE(ldredis_config_set_host, int (*)(ldredis_config *, const char *, int));
EXPECT_TYPE(ldredis_config_set_prefix, int (*)(ldredis_config *, const char *));
EXPECT_TYPE(ldredis_config_set_password, int (*)(ldredis_config *, const char *));
EXPECT_TYPE(ldredis_config_set_username, int (*)(ldredis_config *, const char *));
EXPECT_TYPE(ldredis_config_set_database, int (*)(ldredis_config *, int));
EXPECT_TYPE(ldredis_config_set_connect_timeout_ms, int (*)(ldredis_config *, int64_t));
EXPECT_TYPE(ldredis_config_set_operation_timeout_ms, int (*)(ldredis_config *, int64_t));
EXPECT_TYPE(ldredis_config_set_pool_size, int (*)(ldredis_config *, int));
EXPECT_TYPE(ldredis_config_set_cache_ttl_ms, int (*)(ldredis_config *, int64_t));
EXPECT_TYPE(ldredis_config_set_cache_capacity, int (*)(ldredis_config *, int64_t));
EXPECT_TYPE(ldredis_config_set_cache_refresh_ahead, int (*)(ldredis_config *, int));
EXPECT_TYPE(ldredis_config_set_repopulate_on_restart, int (*)(ldredis_config *, int));
EXPECT_TYPE(ldredis_config_set_fail_fast, int (*)(ldredis_config *, int));
EXPECT_TYPE(ldredis_config_set_tls, int (*)(ldredis_config *, int));
EXPECT_TYPE(ldredis_config_set_tls_verify, int (*)(ldredis_config *, int));
EXPECT_TYPE(ldredis_config_set_tls_ca_file, int (*)(ldredis_config *, const char *));
EXPECT_TYPE(ldredis_config_set_tls_cert_file, int (*)(ldredis_config *, const char *));
EXPECT_TYPE(ldredis_config_set_tls_key_file, int (*)(ldredis_config *, const char *));
EXPECT_TYPE(ldredis_config_set_tls_server_name, int (*)(ldredis_config *, const char *));
EXPECT_TYPE(ldredis_config_set_upsert_mode, int (*)(ldredis_config *, int));
EXPECT_TYPE(ldredis_store_new, int (*)(ldredis_store **, const ldredis_config *));
EXPECT_TYPE(ldredis_store_free, void (*)(ldredis_store *));
EXPECT_TYPE(ldredis_store_init_json, int (*)(ldredis_store *, const char *, size_t));
EXPECT_TYPE(ldredis_store_get,
            int (*)(char **, size_t *, ldredis_store *, const char *, const char *));
EXPECT_TYPE(ldredis_store_all_json, int (*)(char **, size_t *, ldredis_store *, const char *));
EXPECT_TYPE(ldredis_store_upsert, int (*)(int *, ldredis_store *, const char *, const char *,
                                          const char *, size_t));
EXPECT_TYPE(ldredis_store_delete,
            int (*)(int *, ldredis_store *, const char *, const char *, int64_t));
EXPECT_TYPE(ldredis_store_initialized, int (*)(int *, ldredis_store *));
EXPECT_TYPE(ldredis_store_available, int (*)(int *, ldredis_store *));
static_assert(std::is_same<ldredis_status_fn, void (*)(void *, int, int)>::value,
              "ldredis_status_fn has an unexpected type");
EXPECT_TYPE(ldredis_store_status,
            int (*)(int *, int *, int64_t *, char **, ldredis_store *));
EXPECT_TYPE(ldredis_store_set_status_listener,
            int (*)(ldredis_store *, ldredis_status_fn, void *));
EXPECT_TYPE(ldredis_store_stats_json, int (*)(char **, size_t *, ldredis_store *));
EXPECT_TYPE(ldredis_store_describe, int (*)(char **, size_t *, ldredis_store *));
EXPECT_TYPE(ldredis_store_big_segments_metadata, int (*)(int64_t *, ldredis_store *));
EXPECT_TYPE(ldredis_store_big_segments_membership,
            int (*)(char **, size_t *, ldredis_store *, const char *));
EXPECT_TYPE(ldredis_evaluate,
            int (*)(char **, size_t *, ldredis_store *, const char *, const char *, size_t,
                    const char *, size_t));
EXPECT_TYPE(ldredis_all_flags_state,
            int (*)(char **, size_t *, ldredis_store *, const char *, size_t, int));
static_assert(LDREDIS_FLAGS_WITH_REASONS == 1 && LDREDIS_FLAGS_CLIENT_SIDE_ONLY == 2 &&
              LDREDIS_FLAGS_DETAILS_ONLY_FOR_TRACKED == 4, "all_flags_state option bits");

// Taking every address makes the linker resolve every symbol with C linkage.
typedef void (*any_function)();
static const any_function functions[] = {
    reinterpret_cast<any_function>(&ldredis_version),
    reinterpret_cast<any_function>(&ldredis_status_name),
    reinterpret_cast<any_function>(&ldredis_last_error),
    reinterpret_cast<any_function>(&ldredis_free),
    reinterpret_cast<any_function>(&ldredis_config_new),
    reinterpret_cast<any_function>(&ldredis_config_free),
    reinterpret_cast<any_function>(&ldredis_config_set_url),
    reinterpret_cast<any_function>(&ldredis_config_set_host),
    reinterpret_cast<any_function>(&ldredis_config_set_prefix),
    reinterpret_cast<any_function>(&ldredis_config_set_password),
    reinterpret_cast<any_function>(&ldredis_config_set_username),
    reinterpret_cast<any_function>(&ldredis_config_set_database),
    reinterpret_cast<any_function>(&ldredis_config_set_connect_timeout_ms),
    reinterpret_cast<any_function>(&ldredis_config_set_operation_timeout_ms),
    reinterpret_cast<any_function>(&ldredis_config_set_pool_size),
    reinterpret_cast<any_function>(&ldredis_config_set_cache_ttl_ms),
    reinterpret_cast<any_function>(&ldredis_config_set_cache_capacity),
    reinterpret_cast<any_function>(&ldredis_config_set_cache_refresh_ahead),
    reinterpret_cast<any_function>(&ldredis_config_set_repopulate_on_restart),
    reinterpret_cast<any_function>(&ldredis_config_set_fail_fast),
    reinterpret_cast<any_function>(&ldredis_config_set_tls),
    reinterpret_cast<any_function>(&ldredis_config_set_tls_verify),
    reinterpret_cast<any_function>(&ldredis_config_set_tls_ca_file),
    reinterpret_cast<any_function>(&ldredis_config_set_tls_cert_file),
    reinterpret_cast<any_function>(&ldredis_config_set_tls_key_file),
    reinterpret_cast<any_function>(&ldredis_config_set_tls_server_name),
    reinterpret_cast<any_function>(&ldredis_config_set_upsert_mode),
    reinterpret_cast<any_function>(&ldredis_store_new),
    reinterpret_cast<any_function>(&ldredis_store_free),
    reinterpret_cast<any_function>(&ldredis_store_init_json),
    reinterpret_cast<any_function>(&ldredis_store_get),
    reinterpret_cast<any_function>(&ldredis_store_all_json),
    reinterpret_cast<any_function>(&ldredis_store_upsert),
    reinterpret_cast<any_function>(&ldredis_store_delete),
    reinterpret_cast<any_function>(&ldredis_store_initialized),
    reinterpret_cast<any_function>(&ldredis_store_available),
    reinterpret_cast<any_function>(&ldredis_store_status),
    reinterpret_cast<any_function>(&ldredis_store_set_status_listener),
    reinterpret_cast<any_function>(&ldredis_store_stats_json),
    reinterpret_cast<any_function>(&ldredis_store_describe),
    reinterpret_cast<any_function>(&ldredis_store_big_segments_metadata),
    reinterpret_cast<any_function>(&ldredis_store_big_segments_membership),
    reinterpret_cast<any_function>(&ldredis_evaluate),
    reinterpret_cast<any_function>(&ldredis_all_flags_state),
};

int main()
{
    // The enum types are usable as such from C++.
    const enum ldredis_status statuses[] = {
        LDREDIS_OK, LDREDIS_NOT_FOUND, LDREDIS_ERR_INVALID_ARGUMENT, LDREDIS_ERR_UNAVAILABLE,
        LDREDIS_ERR_TIMEOUT, LDREDIS_ERR_REDIS, LDREDIS_ERR_MALFORMED, LDREDIS_ERR_CONFLICT,
        LDREDIS_ERR_INTERNAL, LDREDIS_ERR_BUSY};
    const ldredis_upsert_mode modes[] = {LDREDIS_UPSERT_AUTO, LDREDIS_UPSERT_SCRIPT,
                                         LDREDIS_UPSERT_WATCH};
    static_assert(sizeof statuses / sizeof statuses[0] == 10, "ten status codes");
    static_assert(sizeof modes / sizeof modes[0] == 3, "three upsert modes");

    int failures = 0;
    for (const any_function f : functions) {
        if (f == nullptr) {
            std::fprintf(stderr, "header_cxx: a function address is null\n");
            failures++;
        }
    }
    if (std::strcmp(VERSION_FROM_PARTS, LDREDIS_VERSION_STRING) != 0) {
        std::fprintf(stderr, "header_cxx: LDREDIS_VERSION_STRING \"%s\" is not %s\n",
                     LDREDIS_VERSION_STRING, VERSION_FROM_PARTS);
        failures++;
    }
    const char *version = ldredis_version();
    if (version == nullptr || std::strcmp(version, LDREDIS_VERSION_STRING) != 0) {
        std::fprintf(stderr, "header_cxx: ldredis_version() is \"%s\", header says \"%s\"\n",
                     version ? version : "(null)", LDREDIS_VERSION_STRING);
        failures++;
    }
    if (failures == 0)
        std::printf("header_cxx: ldredis.h %s compiles as C++11, all %zu functions linked\n",
                    LDREDIS_VERSION_STRING, sizeof functions / sizeof functions[0]);
    return failures == 0 ? 0 : 1;
}
