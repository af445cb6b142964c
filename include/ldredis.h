/*
 * ldredis.h - LaunchDarkly's Redis persistent feature store, as a C library.
 *
 * ldredis reads and writes feature-flag data in the Redis schema that LaunchDarkly's
 * server-side SDKs and Relay Proxy use (one hash per data kind, PREFIX:features and
 * PREFIX:segments, plus the PREFIX:$inited marker), so a C, Python or Lua process can share
 * one Redis with them.
 *
 * Conventions, the same for every function:
 *
 * - Thread safety: every function is thread-safe. One ldredis_store may be used by any
 *   number of threads at once; it hands each operation one pooled connection. Do not free a
 *   handle while another thread is still using it.
 * - Status: functions return int. LDREDIS_OK (0) is success; LDREDIS_NOT_FOUND (1) means "no
 *   such item" and is not an error; every error is negative (see ldredis_status). After an
 *   error, ldredis_last_error() describes it.
 * - Ownership: output parameters come first. Handles (ldredis_config, ldredis_store) are
 *   created by their _new function and released by the matching _free, which accepts NULL.
 *   Strings the library returns through a char ** output are allocated by the library,
 *   NUL-terminated, and released by the caller with ldredis_free() (never free()); on any
 *   status other than LDREDIS_OK the output is set to NULL. Strings the caller passes in are
 *   only read during the call and never retained. Strings returned as const char * (version,
 *   status names, last error) are owned by the library: do not free them.
 * - Input: C strings are NUL-terminated UTF-8. JSON documents are passed as pointer and length
 *   (they need not be NUL-terminated). A NULL where the comment does not allow one, an empty
 *   kind or key, or a kind reserved by the schema ("$inited", "big_segment...") gives
 *   LDREDIS_ERR_INVALID_ARGUMENT. Numeric outputs are set to 0 when a call fails.
 * - Cache: reads may be answered from the store's cache (see ldredis_config_set_cache_ttl_ms);
 *   the Redis commands listed for each function are what it sends when it does go to Redis.
 * - Secrets: passwords never appear in error messages or descriptions.
 *
 * Items are LaunchDarkly flag or segment JSON objects. The store needs two properties from each:
 * an integer "version" (0 .. 2^53-1) and an optional boolean "deleted". A delete is stored as a
 * tombstone {"key":K,"version":N,"deleted":true}; all tombstone shapes the SDKs write read as
 * deleted. Items given by the caller are checked strictly; values written by others are read
 * leniently: any JSON number is taken as the version and compared as a number (so a stored
 * 2.5 or 9007199254740993 takes part in the version rule as the SDKs would compare it).
 *
 * The prototypes below carry no attributes or macros, so they can be pasted into LuaJIT's
 * ffi.cdef unchanged.
 */
#ifndef LDREDIS_H
#define LDREDIS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version: written from the repository's VERSION by scripts/set-version.sh. */
#define LDREDIS_VERSION_MAJOR 1
#define LDREDIS_VERSION_MINOR 0
#define LDREDIS_VERSION_PATCH 0
#define LDREDIS_VERSION_STRING "1.0.0"

/* The kinds of the LaunchDarkly schema, for the kind argument of the store functions.
   "flags" (what LaunchDarkly's payloads call the features) is accepted everywhere as another
   name of "features"; any other non-reserved name is a kind of its own (PREFIX:name). */
#define LDREDIS_KIND_FEATURES "features"
#define LDREDIS_KIND_SEGMENTS "segments"

/* ---- ffi.cdef begin ---- */

/* Status codes. */
enum ldredis_status {
    LDREDIS_OK = 0,
    LDREDIS_NOT_FOUND = 1,              /* the item is absent or deleted: not an error */
    LDREDIS_ERR_INVALID_ARGUMENT = -1,  /* NULL pointer, bad JSON, bad version, bad URL ... */
    LDREDIS_ERR_UNAVAILABLE = -2,       /* cannot connect, connection lost, Redis LOADING */
    LDREDIS_ERR_TIMEOUT = -3,           /* no answer within the configured timeout */
    LDREDIS_ERR_REDIS = -4,             /* Redis answered with an error reply (not an outage) */
    LDREDIS_ERR_MALFORMED = -5,         /* data stored in Redis is not a valid item */
    LDREDIS_ERR_CONFLICT = -6,          /* upsert (WATCH mode) lost 10 races in a row */
    LDREDIS_ERR_INTERNAL = -7,          /* out of memory or a bug in ldredis */
    LDREDIS_ERR_BUSY = -8               /* no pooled connection free within the operation
                                           timeout: back-pressure, not an outage */
};

/* How upserts are made atomic. */
enum ldredis_upsert_mode {
    /* Server-side script; falls back to WATCH for good when the server refuses scripting
       (NOPERM, unknown command). The default. */
    LDREDIS_UPSERT_AUTO = 0,
    /* Always the server-side script: EVALSHA (SCRIPT LOAD on NOSCRIPT), one round trip. */
    LDREDIS_UPSERT_SCRIPT = 1,
    /* Always the SDKs' optimistic transaction: WATCH + HGET, then MULTI/HSET/EXEC, retried
       while another writer changes the hash, at most 10 attempts. */
    LDREDIS_UPSERT_WATCH = 2
};

/* Log levels (ldredis_config_set_logger). */
enum ldredis_log_level {
    LDREDIS_LOG_DEBUG = 0,  /* details: a store closed, needs refresh cleared */
    LDREDIS_LOG_INFO = 1,   /* a store started (server, prefix, cache), Redis available again,
                               the write-back's result */
    LDREDIS_LOG_WARN = 2,   /* Redis unavailable (with the reason), what a write-back refused */
    LDREDIS_LOG_ERROR = 3
};

typedef struct ldredis_config ldredis_config; /* opaque */
typedef struct ldredis_store ldredis_store;   /* opaque */

/* ---- Library ---- */

/* The library's version, "MAJOR.MINOR.PATCH". Owned by the library; never NULL. */
const char *ldredis_version(void);

/* A constant name for a status code ("LDREDIS_OK", "LDREDIS_ERR_TIMEOUT", ...; "unknown
   status" for other values). Owned by the library; never NULL. */
const char *ldredis_status_name(int status);

/* The message of the last failed call made on this thread. Owned by the library (thread-local;
   valid until the next failing ldredis call on the same thread); never NULL ("" when nothing
   failed yet). Passwords are redacted. */
const char *ldredis_last_error(void);

/* Releases a string or buffer the library returned through an output parameter.
   NULL is allowed and does nothing. */
void ldredis_free(void *p);

/* ---- Configuration ----
   A config collects settings for ldredis_store_new, which copies them: the config can be
   changed or freed afterwards without affecting existing stores. Setters validate their input
   and leave the config unchanged when they return an error. */

/* Creates a config with the defaults: redis://localhost:6379/0, prefix "launchdarkly",
   connect timeout 3000 ms, operation timeout 2000 ms, pool of 16 connections, cache TTL
   15000 ms, unbounded cache, no refresh-ahead, upsert mode LDREDIS_UPSERT_AUTO.
   *out receives the new config (free it with ldredis_config_free).
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT (out is NULL). */
int ldredis_config_new(ldredis_config **out);

/* Releases a config. NULL is allowed. */
void ldredis_config_free(ldredis_config *cfg);

/* Sets the server from a URL:
     redis://[[username][:password]@]host[:port][/database]   (host may be [IPv6])
     rediss://...   the same over TLS (see ldredis_config_set_tls and the TLS setters)
     unix://[[username][:password]@]/path/to/redis.sock[?db=N]
     redis-sentinel://[[username][:password]@]host[:port][,host[:port]...]/master-name[/database]
                    Redis Sentinel: the sentinels (port 26379 by default) and the master's
                    name, as ldredis_config_add_sentinel and ldredis_config_set_sentinel_master
                    give them; the credentials, database and TLS (rediss-sentinel://) are the
                    master's (and its replicas'); the sentinels' own credentials are set with
                    ldredis_config_set_sentinel_auth.
     redis-cluster://[[username][:password]@]host[:port][,host[:port]...]
                    Redis Cluster: seed nodes (port 6379 by default), as
                    ldredis_config_add_cluster_node gives them (rediss-cluster:// over TLS; a
                    cluster has only database 0, so no database may follow).
   User info may be percent-encoded. A password, username or database set with their own
   setters overrides the URL's, whichever is called first; so does ldredis_config_set_tls.
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT (NULL, malformed URL, unknown scheme, bad
   port or database). */
int ldredis_config_set_url(ldredis_config *cfg, const char *url);

/* Sets the server as host name or address and TCP port (1-65535), keeping credentials and
   database. Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT. */
int ldredis_config_set_host(ldredis_config *cfg, const char *host, int port);

/* Sets the key prefix. Keys are PREFIX ":" suffix. NULL or "" means the default,
   "launchdarkly". Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT (cfg is NULL). */
int ldredis_config_set_prefix(ldredis_config *cfg, const char *prefix);

/* Sets the password sent with AUTH, overriding the URL's. NULL removes it.
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT. */
int ldredis_config_set_password(ldredis_config *cfg, const char *password);

/* Sets the ACL username sent with AUTH, overriding the URL's. NULL removes it.
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT. */
int ldredis_config_set_username(ldredis_config *cfg, const char *username);

/* Sets the database number selected on connect (SELECT), overriding the URL's. 0 or more.
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT. */
int ldredis_config_set_database(ldredis_config *cfg, int database);

/* Sets how long establishing a connection (TCP connect, AUTH, SELECT) may take, in
   milliseconds, 1 .. 3600000. Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT. */
int ldredis_config_set_connect_timeout_ms(ldredis_config *cfg, int64_t timeout_ms);

/* Sets how long one operation may take once it has a connection (waiting for a free pooled
   connection included), in milliseconds, 1 .. 3600000. A server that stops answering makes
   the operation fail with LDREDIS_ERR_TIMEOUT after this long.
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT. */
int ldredis_config_set_operation_timeout_ms(ldredis_config *cfg, int64_t timeout_ms);

/* Sets the maximum number of pooled connections, 1 .. 1024 (default 16).
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT. */
int ldredis_config_set_pool_size(ldredis_config *cfg, int size);

/* Sets the cache time-to-live in milliseconds, as the SDKs' caching does: 0 turns the cache off
   (every call goes to Redis), > 0 caches item results (found, not found, deleted), per-kind
   lists and the initialized answer for that long, < 0 caches forever (the cache is then the
   source of truth during an outage and what the store wrote is written back when Redis
   returns). Default 15000.
   The infinite cache's write-back keeps four promises: (1) an upsert or delete that returned
   LDREDIS_OK is in Redis after recovery, unless someone wrote a higher version of that item;
   (2) no stored version is ever replaced by a lower one, write-back included, except through
   an init the caller made after that version was written (init is authoritative); (3) every
   kind the store wrote is written back, not only the kinds of the last init; (4) an item Redis
   refuses (WRONGTYPE, OOM ...) is skipped and reported in the status's last error and in the
   "write_back_refused" counter, and the rest continue. Items are written back with the
   version-checked upsert script, batched, never with DEL; only an init made during the outage
   removes fields (per kind, in one script that keeps higher versions).
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT. */
int ldredis_config_set_cache_ttl_ms(ldredis_config *cfg, int64_t ttl_ms);

/* Sets the largest number of entries the cache holds, evicting the least recently used:
   0 (the default) means unbounded. The bound applies to item entries (the per-kind lists,
   one per kind, are not counted). Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT (< 0). */
int ldredis_config_set_cache_capacity(ldredis_config *cfg, int64_t max_entries);

/* With a finite TTL: non-zero serves an expired entry while one background refresh reads Redis, so
   that after warm-up readers never wait for Redis; 0 (the default) reads through on expiry.
   The background refresh is skipped while the store is unavailable.
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT. */
int ldredis_config_set_cache_refresh_ahead(ldredis_config *cfg, int enabled);

/* With the infinite cache: non-zero checks PREFIX:$inited every poll interval and, when it vanished
   (a Redis that restarted empty), writes the cached data back. Default 0.
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT. */
int ldredis_config_set_repopulate_on_restart(ldredis_config *cfg, int enabled);

/* Non-zero: while the store is unavailable (after an outage, until the 500 ms poll finds Redis
   back), a read that the cache cannot answer fails at once with LDREDIS_ERR_UNAVAILABLE instead
   of waiting for the connect or operation timeout; one such read per 500 ms still goes to Redis
   as a probe. Writes are not affected. Default 0 (the Lua binding's OpenResty recipe turns it
   on: a blocked nginx worker is worse than a default value).
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT. */
int ldredis_config_set_fail_fast(ldredis_config *cfg, int enabled);

/* ---- TLS ----
   TLS (OpenSSL, TLS 1.2 at least) is on with a rediss:// URL or ldredis_config_set_tls(cfg, 1).
   The files are read by ldredis_store_new: a missing, unreadable or unparsable file, or a key
   that does not match the certificate, is LDREDIS_ERR_INVALID_ARGUMENT from ldredis_store_new
   naming the file and the reason, and nothing connects. A failed handshake or verification is
   LDREDIS_ERR_UNAVAILABLE saying what failed ("certificate verify failed: ...", "host name
   mismatch: expected NAME"), within the connect timeout, which covers TCP + handshake + AUTH +
   SELECT. Connections are pooled: one handshake per pooled connection, not per operation.
   Each setter returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT (cfg NULL, an empty path). */

/* Non-zero turns TLS on, 0 off, overriding the URL's scheme. */
int ldredis_config_set_tls(ldredis_config *cfg, int enabled);

/* PEM file of trusted CA certificates (replaces the system roots for this store); NULL = the
   system roots (the default). */
int ldredis_config_set_tls_ca_file(ldredis_config *cfg, const char *path);

/* Client certificate chain (PEM) for mutual TLS; NULL removes. Needs the key file too. */
int ldredis_config_set_tls_cert_file(ldredis_config *cfg, const char *path);

/* The client certificate's private key (PEM, unencrypted); NULL removes. */
int ldredis_config_set_tls_key_file(ldredis_config *cfg, const char *path);

/* The name sent as SNI and checked against the server's certificate (an IP address is checked
   against the certificate's IP addresses); NULL = the host of the URL (the default). */
int ldredis_config_set_tls_server_name(ldredis_config *cfg, const char *name);

/* 1 (the default): verify the certificate chain and the host name. 0: no verification at all
   (insecure: anyone between the store and Redis can read and change the data; describe shows
   "tls_verify":"off"). */
int ldredis_config_set_tls_verify(ldredis_config *cfg, int verify);

/* ---- Redis Sentinel ----
   With at least one sentinel the store asks the sentinels, in order, for the master of the
   name ldredis_config_set_sentinel_master gives (SENTINEL get-master-addr-by-name), moves the
   one that answered to the front, and checks with ROLE that the address is a master. It
   ignores the URL's host and port; the URL (or the setters) still give the password, username,
   database and TLS, which apply to the master. It follows a failover through a subscription to
   +switch-master on one sentinel and by asking again after connection errors and READONLY,
   LOADING or MASTERDOWN replies: the old master's connections are dropped, and nothing is sent
   to it once the switch is known. A write is acknowledged only once a replica of the master
   has it (WAIT 1) whenever the master has replicas, so a failover loses no acknowledged write
   (the same holds in cluster mode). Writes during the switch fail with an error (never dropped);
   with the infinite cache they are written back to the new master (see
   ldredis_config_set_cache_ttl_ms). describe shows "mode":"sentinel", "sentinels",
   "sentinel_master" and "master" (the current address); stats count "failovers".
   Sentinels without a master name, or a master name without sentinels, is
   LDREDIS_ERR_INVALID_ARGUMENT from ldredis_store_new. No sentinel reachable, or none that knows
   the name, is LDREDIS_ERR_UNAVAILABLE from the operations, naming the master and the sentinels
   tried. */

/* Adds a sentinel: "host:port" or "[v6addr]:port" (port 26379 when omitted); call once per
   sentinel. Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT (NULL, malformed address). */
int ldredis_config_add_sentinel(ldredis_config *cfg, const char *host_port);

/* Sets the name the sentinels know the master by (overriding a redis-sentinel:// URL's). NULL
   removes it. Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT (empty or with spaces). */
int ldredis_config_set_sentinel_master(ldredis_config *cfg, const char *name);

/* Sets the credentials of the sentinels themselves (their requirepass, or an ACL user): NULL
   username = password only; NULL password = none. Never shown in messages or describe.
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT (cfg is NULL). */
int ldredis_config_set_sentinel_auth(ldredis_config *cfg, const char *username, const char *password);

/* ---- Redis Cluster ----
   With at least one seed node the store runs in cluster mode. Every key carries the hash tag
   {ld}. in front of the prefix, as go-server-sdk-redis-go-redis names them in cluster mode:
   {ld}.PREFIX:features, {ld}.PREFIX:segments, {ld}.PREFIX:$inited,
   {ld}.PREFIX:big_segment_include:HASH ... so all of a store's keys are in one slot (the slot
   of "ld", 8805) and data is shared in place with that store; init stays one MULTI/EXEC and an
   upsert one script call. The store asks the seeds, then the nodes they name, in order (dead
   ones skipped; a replica answers too) for the slot map (CLUSTER SHARDS, or CLUSTER SLOTS
   before Redis 7), keeps one pool of connections per node and sends every operation to the
   slot's master. It follows MOVED (the map is refreshed, at most every 100 ms) and ASK (ASKING
   on the node named, for that attempt), and retries TRYAGAIN, CLUSTERDOWN and LOADING after a
   short backoff, all within the operation timeout; an operation is sent again only when the
   reply says nothing was done. A master that fails is an outage (as with one server) that
   ends when the cluster has promoted its replica: the map is asked again of the other nodes
   after connection errors and in the store's poll while unavailable; with the infinite cache
   the outage's writes are written back to the new master. A write is acknowledged only once a
   replica of the slot's master has it (WAIT 1) whenever that master has replicas. describe shows "mode":"cluster",
   "cluster_nodes" (the seeds), "slot" and "master" (the current owner of the slot) and the {ld}.
   key names; stats count "redirects_moved", "redirects_ask" and "slot_map_refreshes".
   No node reachable is LDREDIS_ERR_UNAVAILABLE from the operations, naming the nodes tried;
   cluster nodes together with sentinels is LDREDIS_ERR_INVALID_ARGUMENT from
   ldredis_store_new. */

/* Adds a seed node of a Redis Cluster ("host:port", "[v6addr]:port"); call once per seed (one
   reachable seed suffices). With at least one seed the store runs in cluster mode: it ignores
   the URL's host, port and database (a cluster has only db 0: a non-zero db is
   LDREDIS_ERR_INVALID_ARGUMENT from ldredis_store_new), keeps its credentials and TLS, and uses
   the {ld}. key names. */
int ldredis_config_add_cluster_node(ldredis_config *cfg, const char *host_port);

/* ---- Logs ----
   A store logs what the LaunchDarkly SDKs log about their store: when it starts (INFO, with
   the server, the prefix and the cache mode), when Redis becomes unavailable (WARN, with the
   reason), when it is available again (INFO), and what a write-back after an outage wrote or
   Redis refused. Lines never contain a password (the server is shown as
   redis://user:xxxxx@host:port/db). Nothing is logged unless one of these is set; a config has
   one destination, and setting one replaces the other. */

/* Called with each log line of level min_level or above: level is an enum ldredis_log_level,
   message a NUL-terminated UTF-8 line owned by the library and valid only during the call
   (copy it to keep it); user_data is the pointer given to ldredis_config_set_logger.
   It may be called from any thread: the thread of ldredis_store_new (the start line), the
   store's background thread (status changes, write-backs), or a thread whose operation failed.
   A store makes one call at a time, and none after ldredis_store_free has returned (a store
   thread still winding down then logs nothing). It must return quickly, must not call
   ldredis_store_free, and must be safe to call from a thread the caller did not create (a
   language runtime that cannot run callbacks on foreign threads, such as LuaJIT's FFI, should
   use ldredis_config_set_log_queue instead). */
typedef void (*ldredis_log_fn)(void *user_data, int level, const char *message);

/* Sends the log lines of stores made from this config to fn (NULL: no logging, the default).
   fn and user_data must stay valid until every store made from the config is freed (not
   after: see ldredis_log_fn).
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT (cfg NULL, min_level not a log level). */
int ldredis_config_set_logger(ldredis_config *cfg, ldredis_log_fn fn, void *user_data,
                              int min_level);

/* Keeps the log lines of each store made from this config (min_level and above) in the store's
   own queue, up to 1000 lines (when full the oldest are dropped, and the next line read says how
   many were), to be read with ldredis_store_next_log from a thread of the caller's choosing.
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT (cfg NULL, min_level not a log level). */
int ldredis_config_set_log_queue(ldredis_config *cfg, int min_level);

/* Takes the oldest queued log line of a store (see ldredis_config_set_log_queue).
   On LDREDIS_OK *out_level receives its level (out_level may be NULL) and *out_message the line
   (release with ldredis_free). Returns LDREDIS_OK, LDREDIS_NOT_FOUND (no line queued, or the
   store does not queue its lines), LDREDIS_ERR_INVALID_ARGUMENT (out_message or store NULL). */
int ldredis_store_next_log(int *out_level, char **out_message, ldredis_store *store);

/* Sets the upsert mode (enum ldredis_upsert_mode).
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT (unknown mode). */
int ldredis_config_set_upsert_mode(ldredis_config *cfg, int mode);

/* ---- Store ---- */

/* Creates a store from a config (NULL means all defaults). Does not connect: connections are
   opened by the first operations, so a store can be created while Redis is down.
   *out receives the store (free it with ldredis_store_free).
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT (out is NULL, unusable TLS files, an
   inconsistent Sentinel configuration, cluster nodes with a non-zero database). */
int ldredis_store_new(ldredis_store **out, const ldredis_config *cfg);

/* Closes the store's connections, removes its status listener (waiting for a running callback
   to return) and releases it. Its background thread is told to stop and waited for at most
   50 ms (one blocked on a frozen Redis finishes on its own, within the timeouts). NULL is
   allowed. The caller must make sure no other thread is still using the store, and must not
   call this from the store's status listener. */
void ldredis_store_free(ldredis_store *store);

/* Replaces the data of the given kinds with a full data set and marks the store initialized,
   atomically, in one round trip: MULTI, then for each kind DEL PREFIX:kind and HSET PREFIX:kind
   (chunked), then SET PREFIX:$inited "", EXEC.
   json is all data as LaunchDarkly serves it: {"flags":{key:item,...},"segments":{...}};
   "flags" is stored as kind "features"; every other member is stored as a kind of that name.
   Kinds not in the document are left alone. Items are stored as given (byte for byte).
   A key given twice in one kind (however escaped: "a", "\u0061") keeps its LAST value, as
   Redis does with the repeated HSET field (and as Python's json and Go's encoding/json decode
   it); the cache holds exactly what Redis holds. Keys are compared as UTF-8 bytes.
   An empty document {} still marks the store initialized.
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT (invalid JSON, an item that is not an object
   or has no valid version, an empty key, a kind or key with a lone surrogate escape such as
   "\ud800", both "flags" and "features"), and connection errors. */
int ldredis_store_init_json(ldredis_store *store, const char *json, size_t len);

/* Gets one item (HGET PREFIX:kind key). kind is LDREDIS_KIND_FEATURES ("flags" is the same
   kind), LDREDIS_KIND_SEGMENTS, or another kind name; so for every function taking a kind.
   On LDREDIS_OK, *out receives the item's JSON as stored (release with ldredis_free) and
   *out_len its length (out_len may be NULL). Absent and deleted items give LDREDIS_NOT_FOUND.
   Returns LDREDIS_OK, LDREDIS_NOT_FOUND, LDREDIS_ERR_MALFORMED (the stored value is not an
   item), LDREDIS_ERR_INVALID_ARGUMENT and connection errors. */
int ldredis_store_get(char **out, size_t *out_len, ldredis_store *store,
                      const char *kind, const char *key);

/* Gets every live item of a kind (HGETALL PREFIX:kind) as one JSON object {key: item, ...};
   deleted items are left out, and stored values that are not items are skipped (and counted).
   A kind with no items gives "{}". *out / *out_len as for ldredis_store_get.
   With the cache off, the store keeps the bytes of each kind's last reply (up to 64 MiB for all
   kinds together): values that have not changed since are compared, not validated again.
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT and connection errors. */
int ldredis_store_all_json(char **out, size_t *out_len, ldredis_store *store, const char *kind);

/* Writes an item if its version is strictly higher than the stored one's (a missing item
   counts as lower; an equal version is rejected). json is the item; its "version" decides.
   *out_updated (may be NULL) receives 1 when the item was written, 0 when it was rejected.
   Commands: LDREDIS_UPSERT_SCRIPT: EVALSHA (SCRIPT LOAD on NOSCRIPT); LDREDIS_UPSERT_WATCH:
   WATCH, HGET, MULTI, HSET, EXEC (or UNWATCH when rejected).
   Returns LDREDIS_OK (written or rejected), LDREDIS_ERR_INVALID_ARGUMENT, LDREDIS_ERR_CONFLICT
   and connection errors. */
int ldredis_store_upsert(int *out_updated, ldredis_store *store, const char *kind,
                         const char *key, const char *json, size_t len);

/* Deletes an item by writing the tombstone {"key":key,"version":version,"deleted":true} with
   the same rule and commands as ldredis_store_upsert. Deleting an unknown key writes a
   tombstone. version is 0 .. 2^53-1.
   Returns as ldredis_store_upsert. */
int ldredis_store_delete(int *out_updated, ldredis_store *store, const char *kind,
                         const char *key, int64_t version);

/* Tells whether the store has been initialized by anyone sharing the prefix
   (EXISTS PREFIX:$inited). *out receives 1 or 0. Once true it stays true for this store
   (a successful init also sets it); a false answer is cached for the cache TTL.
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT and connection errors. */
int ldredis_store_initialized(int *out, ldredis_store *store);

/* Tells whether Redis is reachable now (EXISTS PREFIX:$inited succeeds). *out receives 1 or 0;
   an unreachable server is *out = 0 with LDREDIS_OK, not an error. A probe: it does not change
   the store's status (see ldredis_store_status).
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT. */
int ldredis_store_available(int *out, ldredis_store *store);

/* ---- Status and diagnostics ---- */

/* Called once per status change, from a library thread (the store's status thread, or the
   thread whose operation failed). It must return quickly and must not call
   ldredis_store_free on the store; other store calls are allowed. */
typedef void (*ldredis_status_fn)(void *user_data, int available, int needs_refresh);

/* Polls the store's status: *out_available 1 while Redis answers (0 after an outage: connection
   refused or lost, a timeout of Redis I/O, a LOADING reply; until a background check every
   500 ms finds it back; operations are still attempted meanwhile, each bounded by the timeouts
   (see ldredis_config_set_fail_fast), and cached entries are served). An error reply about data
   (WRONGTYPE, a script error), OOM, or LDREDIS_ERR_BUSY is that operation's error only: it is
   counted and changes no status. *out_needs_refresh 1 when Redis came back but
   the data there may be stale and the owner of the data should init again; *out_changed_at_ms
   the time of the last change (Unix epoch ms); *out_last_error the last Redis error
   (release with ldredis_free; NULL when there was none). Any output may be NULL.
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT. */
int ldredis_store_status(int *out_available, int *out_needs_refresh, int64_t *out_changed_at_ms,
                         char **out_last_error, ldredis_store *store);

/* Sets (fn non-NULL) or removes (fn NULL) the status listener; user_data is passed back to fn
   and not otherwise used. When this returns after removing, fn is no longer running.
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT. */
int ldredis_store_set_status_listener(ldredis_store *store, ldredis_status_fn fn, void *user_data);

/* Counters, as a JSON object: {"cache_hits":N,"cache_misses":N,"coalesced_waits":N,
   "redis_round_trips":N,"redis_errors":N,"malformed_skipped":N,"cache_evictions":N,
   "cache_entries":N,"write_back_written":N,"write_back_refused":N,"failovers":N,
   "redirects_moved":N,"redirects_ask":N,"slot_map_refreshes":N} (failovers: Sentinel master
   switches seen; redirects and slot map refreshes: Redis Cluster). *out / *out_len as for
   ldredis_store_get.
   Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT. */
int ldredis_store_stats_json(char **out, size_t *out_len, ldredis_store *store);

/* The store's configuration and effective key names, with secrets redacted, as a JSON object.
   *out / *out_len as for ldredis_store_get. Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT. */
int ldredis_store_describe(char **out, size_t *out_len, ldredis_store *store);

/* ---- Big Segments (read only; Relay Proxy writes them) ---- */

/* When Big Segment data was last synchronized (GET PREFIX:big_segments_synchronized_on), as
   Unix epoch milliseconds in *out_synchronized_on_ms.
   Returns LDREDIS_OK, LDREDIS_NOT_FOUND (never synchronized), LDREDIS_ERR_MALFORMED (not a
   decimal integer), LDREDIS_ERR_INVALID_ARGUMENT and connection errors. */
int ldredis_store_big_segments_metadata(int64_t *out_synchronized_on_ms, ldredis_store *store);

/* A context's Big Segment membership: SMEMBERS PREFIX:big_segment_include:<hash> and
   SMEMBERS PREFIX:big_segment_exclude:<hash>, pipelined in one round trip. context_hash is the
   SDK's hash of the context key (base64 of SHA-256), passed through verbatim.
   On LDREDIS_OK *out is a JSON object {"<segmentKey>.g<generation>": true|false, ...}: true
   for included, false for excluded, include winning when a ref is in both.
   Returns LDREDIS_OK, LDREDIS_NOT_FOUND (both sets empty: no membership data),
   LDREDIS_ERR_INVALID_ARGUMENT and connection errors. */
int ldredis_store_big_segments_membership(char **out, size_t *out_len, ldredis_store *store,
                                          const char *context_hash);

/* ---- Flag evaluation (LaunchDarkly's server-side evaluation; sends no analytics events) ---- */

/* Evaluates flag_key for a context as LaunchDarkly's server-side SDKs do, from the store's data
   (through its cache: a warm evaluation issues no Redis command and parses no flag; with the
   cache off, HGET PREFIX:features / PREFIX:segments for the flag, its prerequisites and the
   segments it references; a Big Segment adds SMEMBERS of the context's include/exclude sets and
   GET PREFIX:big_segments_synchronized_on).
   context_json: a LaunchDarkly context (single-kind {"kind":"user","key":…},
   multi-kind {"kind":"multi","org":{…},…}, or an old-style user {"key":…,"custom":{…}}).
   default_json: the JSON value served when the flag cannot be evaluated.
   On LDREDIS_OK *out receives the evaluation detail {"value":V,"variationIndex":N,"reason":{…}}
   — the object the SDKs' variation_detail gives; variationIndex is absent when the default was
   served; the reason's members as LaunchDarkly defines them (ruleIndex, ruleId,
   prerequisiteKey, inExperiment, errorKind, bigSegmentsStatus). Release *out with ldredis_free;
   *out_len receives its length (out_len may be NULL). Evaluation failures are LDREDIS_OK with
   an ERROR reason, as in the SDKs (FLAG_NOT_FOUND, MALFORMED_FLAG, USER_NOT_SPECIFIED for an
   invalid context, EXCEPTION when Redis failed or the stored flag data has the wrong types:
   the message is in ldredis_last_error()). LDREDIS_ERR_INVALID_ARGUMENT only for NULLs and for
   context_json or default_json that is not JSON, or nested deeper than 512 levels.
   As the Python SDK: a stored JSON null is no flag (FLAG_NOT_FOUND); an integer beyond the
   double range compared as a number or a date is EXCEPTION; `matches` is Python 3.11's `re`
   (re.compile(pattern).search(value): its syntax, \d \w \s and case folding over Unicode,
   `$` also before a final newline, look-behind, ...; a pattern re cannot compile matches
   nothing). Limits: a regex search gives up after 20,000,000 steps (catastrophic
   backtracking; about 0.2 s) and counts as no match; a pattern nested more than 100 groups deep never
   matches; stored flag JSON nested deeper than 512 levels is EXCEPTION (Python accepts ~990). */
int ldredis_evaluate(char **out, size_t *out_len, ldredis_store *store, const char *flag_key,
                     const char *context_json, size_t context_len,
                     const char *default_json, size_t default_len);

/* Every flag for a context, as the SDKs' all_flags_state JSON
   ({"flagKey": value, …, "$flagsState": {…}, "$valid": true}); options: bit 1 with reasons,
   bit 2 client-side-only flags, bit 4 details only for tracked flags. Reads the flag list
   through the cache (HGETALL PREFIX:features when cold) and what ldredis_evaluate reads.
   An invalid context, a failure to read the flags, or any stored value in PREFIX:features that
   the SDK cannot decode (not JSON, JSON null, a flag or tombstone with members of the wrong
   types) gives {"$flagsState":{},"$valid":false} with LDREDIS_OK, as in the SDKs (the
   message is in ldredis_last_error()).
   *out / *out_len as for ldredis_evaluate. Returns LDREDIS_OK, LDREDIS_ERR_INVALID_ARGUMENT
   (NULLs, context_json that is not JSON). */
int ldredis_all_flags_state(char **out, size_t *out_len, ldredis_store *store,
                            const char *context_json, size_t context_len, int options);

/* ---- ffi.cdef end ---- */

/* Options of ldredis_all_flags_state (bits, combined with |). */
#define LDREDIS_FLAGS_WITH_REASONS 1
#define LDREDIS_FLAGS_CLIENT_SIDE_ONLY 2
#define LDREDIS_FLAGS_DETAILS_ONLY_FOR_TRACKED 4

#ifdef __cplusplus
}
#endif

#endif /* LDREDIS_H */
