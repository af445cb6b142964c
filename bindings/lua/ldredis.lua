--[[
ldredis.lua - LaunchDarkly's Redis persistent feature store (libldredis) for LuaJIT / OpenResty.

  local ldredis = require("ldredis")
  local store, err = ldredis.open{ url = "redis://127.0.0.1:6379/0", prefix = "launchdarkly",
                                   cache_ttl = 30, refresh_ahead = true }
  local json, err = store:get("features", "my-flag")   -- JSON text; nil (no err) if missing

Conventions (those of lua-resty-core):
  * runtime failures return nil, err, status: err is "<kind>: <message>" (kind is one of
    "invalid argument", "unavailable", "timeout", "redis error", "malformed", "conflict",
    "internal", "busy"; the message is ldredis_last_error(), passwords redacted), status the C status
    code (negative). A closed store gives nil, "closed".
  * error() is raised only for arguments of the wrong type (and unknown option names).
  * a missing or deleted item is a plain nil (no err).
  * handles are owned by ffi.gc, set right after allocation; close() (idempotent) unsets it
    with ffi.gc(p, nil) before freeing explicitly.
  * every call is a blocking C call (see README: in OpenResty it blocks the nginx worker for
    the time Redis takes to answer; the cache makes that rare).
  * no status listener: the library calls listeners from its own thread, which a LuaJIT state
    must never be entered from. Poll store:status() instead.

The library is loaded from $LDREDIS_LIBRARY if set, else "ldredis" (libldredis.so), else
"libldredis.so.1"; its major version is checked at require.

Kinds: ldredis.FEATURES ("features"; "flags" is the same kind) and ldredis.SEGMENTS.

Logs: the library's log lines (store started, Redis unavailable with the reason, available
again, write-back results; never a password) are queued in the store, because the library logs
from its own threads, which must never enter a LuaJIT state. They are delivered on the Lua side,
to the function given as the `log` option, by store:drain_log() (and by store:status() and
store:close(), which drain first): call it periodically, e.g. from ngx.timer.every.
]]

-- LuaJIT only: the module is LuaJIT FFI. Under plain Lua, say so (not "module 'ffi' not found").
local has_ffi, ffi = pcall(require, "ffi")
if not has_ffi or type(jit) ~= "table" then
    error("ldredis: this module needs LuaJIT (or OpenResty, which runs LuaJIT): it calls "
          .. "libldredis through LuaJIT's FFI, which " .. tostring(_VERSION) .. " does not have", 2)
end

local C_NULL = nil
local type, tostring, tonumber, error, setmetatable, pcall = type, tostring, tonumber, error,
    setmetatable, pcall
local ffi_string, ffi_new, ffi_gc = ffi.string, ffi.new, ffi.gc
local str_find, str_format, str_sub, str_byte, str_char =
    string.find, string.format, string.sub, string.byte, string.char
local concat = table.concat

-- _VERSION is written from the repository's VERSION by scripts/set-version.sh.
local _M = { _VERSION = "1.0.0" }

-- The C declarations: include/ldredis.h between "ffi.cdef begin" and "ffi.cdef end", pasted
-- unchanged (update-cdef.sh copies it from the header; tests/test_cdef.lua checks it matches).
local CDEF = [==[

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

]==]
_M._cdef = CDEF

ffi.cdef(CDEF)

-- ---- loading ------------------------------------------------------------------------------

local REQUIRED_MAJOR = "1"

local function load_library()
    local candidates = {}
    local env = os.getenv("LDREDIS_LIBRARY")
    if env and env ~= "" then
        candidates[1] = env -- explicit: nothing else is tried
    else
        candidates[1] = "ldredis"
        candidates[2] = "libldredis.so.1"
    end
    local tried = {}
    for _, name in ipairs(candidates) do
        local ok, lib = pcall(ffi.load, name)
        if not ok then
            tried[#tried + 1] = "  - " .. name .. ": " .. tostring(lib)
        else
            local vok, version = pcall(function() return ffi_string(lib.ldredis_version()) end)
            if not vok then
                tried[#tried + 1] = "  - " .. name .. ": no ldredis_version(): " .. tostring(version)
            elseif version:match("^(%d+)%.") ~= REQUIRED_MAJOR then
                tried[#tried + 1] = str_format("  - %s: version %s, this module needs %s.x",
                                               name, version, REQUIRED_MAJOR)
            else
                return lib, version, name
            end
        end
    end
    error("ldredis: cannot load libldredis (set LDREDIS_LIBRARY to its path). Tried:\n"
          .. concat(tried, "\n"), 2)
end

local C, version, loaded_from = load_library()
_M.library_version = version
_M.library = loaded_from

-- ---- statuses and errors ------------------------------------------------------------------

local OK, NOT_FOUND = 0, 1
_M.OK = OK
_M.NOT_FOUND = NOT_FOUND
_M.ERR_INVALID_ARGUMENT = -1
_M.ERR_UNAVAILABLE = -2
_M.ERR_TIMEOUT = -3
_M.ERR_REDIS = -4
_M.ERR_MALFORMED = -5
_M.ERR_CONFLICT = -6
_M.ERR_INTERNAL = -7
_M.ERR_BUSY = -8 -- no pooled connection free within the operation timeout: not an outage

-- The kinds of the LaunchDarkly schema ("flags" is accepted as the name of "features").
_M.FEATURES = "features"
_M.SEGMENTS = "segments"

-- Log levels (LDREDIS_LOG_*), by the names the log function receives.
local LOG_LEVELS = { debug = 0, info = 1, warn = 2, error = 3 }
local LOG_LEVEL_NAMES = { [0] = "debug", [1] = "info", [2] = "warn", [3] = "error" }
_M.LOG_DEBUG, _M.LOG_INFO, _M.LOG_WARN, _M.LOG_ERROR = 0, 1, 2, 3

local ERR_KIND = {
    [-1] = "invalid argument", [-2] = "unavailable", [-3] = "timeout", [-4] = "redis error",
    [-5] = "malformed", [-6] = "conflict", [-7] = "internal", [-8] = "busy",
}
_M._error_kinds = ERR_KIND -- for tests: status -> the first word of err

--- The constant name of a status ("LDREDIS_ERR_TIMEOUT", ...).
function _M.status_name(status)
    return ffi_string(C.ldredis_status_name(status))
end

-- nil, "<kind>: <last error>", status
local function fail(rc)
    local msg = ffi_string(C.ldredis_last_error())
    return nil, (ERR_KIND[rc] or "error") .. ": " .. msg, rc
end

local function arg_error(name, expected, value, level)
    error(str_format("ldredis: %s must be %s, got %s", name, expected, type(value)), level or 3)
end

local function check_string(name, value)
    if type(value) ~= "string" then arg_error(name, "a string", value, 4) end
end

-- A kind or key passed as a C string: a NUL would silently cut it.
local function has_nul(s)
    return str_find(s, "\0", 1, true) ~= nil
end

-- Reused output buffers (a LuaJIT state runs one call at a time; nothing yields mid-call).
local out_str = ffi_new("char *[1]")
local out_len = ffi_new("size_t[1]")
local out_int = ffi_new("int[1]")
local out_int2 = ffi_new("int[1]")
local out_i64 = ffi_new("int64_t[1]")

-- Copies and frees the owned string in out_str.
local function take_string()
    local p = out_str[0]
    local s = ffi_string(p, out_len[0])
    C.ldredis_free(p)
    out_str[0] = C_NULL
    return s
end

-- ---- a small reader for the flat JSON objects the library returns ---------------------------
-- (stats, describe, Big Segment membership: one level, values true/false/integers/strings)

local ESC = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r",
              t = "\t" }

local function utf8_char(cp)
    if cp < 0x80 then return str_char(cp) end
    if cp < 0x800 then return str_char(0xC0 + math.floor(cp / 0x40), 0x80 + cp % 0x40) end
    if cp < 0x10000 then
        return str_char(0xE0 + math.floor(cp / 0x1000), 0x80 + math.floor(cp / 0x40) % 0x40,
                        0x80 + cp % 0x40)
    end
    return str_char(0xF0 + math.floor(cp / 0x40000), 0x80 + math.floor(cp / 0x1000) % 0x40,
                    0x80 + math.floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
end

-- Reads the JSON string starting at s[i] == '"'; returns the value and the index after it.
local function read_string(s, i)
    local parts, j = {}, i + 1
    while true do
        local q = str_find(s, '["\\]', j)
        if not q then return nil end
        parts[#parts + 1] = str_sub(s, j, q - 1)
        if str_byte(s, q) == 34 then return concat(parts), q + 1 end
        local e = str_sub(s, q + 1, q + 1)
        if e == "u" then
            local cp = tonumber(str_sub(s, q + 2, q + 5), 16)
            local nxt = q + 6
            if cp and cp >= 0xD800 and cp < 0xDC00 and str_sub(s, nxt, nxt + 1) == "\\u" then
                local lo = tonumber(str_sub(s, nxt + 2, nxt + 5), 16)
                if lo then
                    cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00)
                    nxt = nxt + 6
                end
            end
            parts[#parts + 1] = utf8_char(cp or 0xFFFD)
            j = nxt
        else
            parts[#parts + 1] = ESC[e] or e
            j = q + 2
        end
    end
end

local function decode_flat(s)
    local t, i = {}, str_find(s, "{", 1, true)
    if not i then return nil end
    i = i + 1
    while true do
        local k = str_find(s, '[%S]', i)
        if not k then return nil end
        local c = str_sub(s, k, k)
        if c == "}" then return t end
        if c == "," then
            i = k + 1
        elseif c == '"' then
            local key, after = read_string(s, k)
            if not key then return nil end
            local v = str_find(s, "[^%s:]", after)
            if not v then return nil end
            local vc = str_sub(s, v, v)
            if vc == '"' then
                t[key], i = read_string(s, v)
            elseif str_sub(s, v, v + 3) == "true" then
                t[key], i = true, v + 4
            elseif str_sub(s, v, v + 4) == "false" then
                t[key], i = false, v + 5
            else
                local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", v)
                if not num then return nil end
                t[key], i = tonumber(num), v + #num
            end
            if i == nil then return nil end
        else
            return nil
        end
    end
end
_M._decode_flat = decode_flat

-- Optional: lua-cjson for get_decoded / all_decoded.
local cjson
do
    local ok, mod = pcall(require, "cjson.safe")
    if not ok then ok, mod = pcall(require, "cjson") end
    if ok then cjson = mod end
end
_M.have_cjson = cjson ~= nil

-- ---- configuration ------------------------------------------------------------------------

local UPSERT_MODES = { auto = 0, script = 1, watch = 2 }

-- name -> expected Lua type
local OPTIONS = {
    url = "string", prefix = "string", password = "string", username = "string",
    host = "string", port = "number", database = "number",
    cache_ttl = "number", cache_capacity = "number", refresh_ahead = "boolean",
    repopulate_on_restart = "boolean", fail_fast = "boolean", connect_timeout = "number",
    operation_timeout = "number", pool_size = "number", upsert_mode = "string",
    tls = "boolean", tls_ca_file = "string", tls_cert_file = "string", tls_key_file = "string",
    tls_server_name = "string", tls_verify = "boolean",
    sentinels = "table", sentinel_master = "string", sentinel_username = "string",
    sentinel_password = "string", cluster_nodes = "table",
    log = "function", log_level = "string",
}

-- The string options passed to the library as C strings (a NUL would silently cut them).
local STRING_OPTIONS = { "url", "prefix", "password", "username", "host", "tls_ca_file",
                         "tls_cert_file", "tls_key_file", "tls_server_name", "sentinel_master",
                         "sentinel_username", "sentinel_password" }
-- Options that mean something only with TLS on: given while it is off, they are refused.
local TLS_ONLY_OPTIONS = { "tls_ca_file", "tls_cert_file", "tls_key_file", "tls_server_name" }

-- Seconds to whole milliseconds, a positive duration rounded up (never to 0).
local function ms(seconds)
    if seconds > 0 then
        if seconds >= 2 ^ 52 then return 2 ^ 52 end
        return math.ceil(seconds * 1000)
    end
    return math.floor(seconds * 1000)
end

-- cache_ttl seconds: 0 off, > 0 finite, negative or math.huge forever.
local function ttl_ms(seconds)
    if seconds < 0 or seconds == math.huge then return -1 end
    return ms(seconds)
end

-- Options that must be integers, and their bound (C int, or int64 within a double's precision).
local INTEGER_OPTIONS = { port = 2 ^ 31 - 1, database = 2 ^ 31 - 1, pool_size = 2 ^ 31 - 1,
                          cache_capacity = 2 ^ 53 }

-- add(cfg, address) for each address of a list, stopping at the first the library refuses.
local function add_each(cfg, list, add)
    for _, address in ipairs(list) do
        local rc = add(cfg, address)
        if rc ~= 0 then return rc end
    end
    return 0
end

-- Applies the options in order, stopping at the first the library refuses (its status, with
-- ldredis_last_error() describing it).
local function apply(cfg, opts)
    local steps = {
        opts.url ~= nil and function() return C.ldredis_config_set_url(cfg, opts.url) end,
        (opts.host ~= nil or opts.port ~= nil) and function()
            return C.ldredis_config_set_host(cfg, opts.host or "localhost", opts.port or 6379)
        end,
        opts.tls ~= nil and function()
            return C.ldredis_config_set_tls(cfg, opts.tls and 1 or 0)
        end,
        opts.tls_ca_file ~= nil and function()
            return C.ldredis_config_set_tls_ca_file(cfg, opts.tls_ca_file)
        end,
        opts.tls_cert_file ~= nil and function()
            return C.ldredis_config_set_tls_cert_file(cfg, opts.tls_cert_file)
        end,
        opts.tls_key_file ~= nil and function()
            return C.ldredis_config_set_tls_key_file(cfg, opts.tls_key_file)
        end,
        opts.tls_server_name ~= nil and function()
            return C.ldredis_config_set_tls_server_name(cfg, opts.tls_server_name)
        end,
        opts.tls_verify ~= nil and function()
            return C.ldredis_config_set_tls_verify(cfg, opts.tls_verify and 1 or 0)
        end,
        opts.sentinels ~= nil and function()
            return add_each(cfg, opts.sentinels, C.ldredis_config_add_sentinel)
        end,
        opts.cluster_nodes ~= nil and function()
            return add_each(cfg, opts.cluster_nodes, C.ldredis_config_add_cluster_node)
        end,
        opts.sentinel_master ~= nil and function()
            return C.ldredis_config_set_sentinel_master(cfg, opts.sentinel_master)
        end,
        (opts.sentinel_username ~= nil or opts.sentinel_password ~= nil) and function()
            return C.ldredis_config_set_sentinel_auth(cfg, opts.sentinel_username, opts.sentinel_password)
        end,
        opts.prefix ~= nil and function() return C.ldredis_config_set_prefix(cfg, opts.prefix) end,
        opts.password ~= nil and function()
            return C.ldredis_config_set_password(cfg, opts.password)
        end,
        opts.username ~= nil and function()
            return C.ldredis_config_set_username(cfg, opts.username)
        end,
        opts.database ~= nil and function()
            return C.ldredis_config_set_database(cfg, opts.database)
        end,
        opts.connect_timeout ~= nil and function()
            return C.ldredis_config_set_connect_timeout_ms(cfg, ms(opts.connect_timeout))
        end,
        opts.operation_timeout ~= nil and function()
            return C.ldredis_config_set_operation_timeout_ms(cfg, ms(opts.operation_timeout))
        end,
        opts.pool_size ~= nil and function()
            return C.ldredis_config_set_pool_size(cfg, opts.pool_size)
        end,
        opts.cache_ttl ~= nil and function()
            return C.ldredis_config_set_cache_ttl_ms(cfg, ttl_ms(opts.cache_ttl))
        end,
        opts.cache_capacity ~= nil and function()
            return C.ldredis_config_set_cache_capacity(cfg, opts.cache_capacity)
        end,
        opts.refresh_ahead ~= nil and function()
            return C.ldredis_config_set_cache_refresh_ahead(cfg, opts.refresh_ahead and 1 or 0)
        end,
        opts.repopulate_on_restart ~= nil and function()
            return C.ldredis_config_set_repopulate_on_restart(cfg,
                                                              opts.repopulate_on_restart and 1 or 0)
        end,
        opts.fail_fast ~= nil and function()
            return C.ldredis_config_set_fail_fast(cfg, opts.fail_fast and 1 or 0)
        end,
        opts.log ~= nil and function()
            return C.ldredis_config_set_log_queue(cfg, LOG_LEVELS[opts.log_level or "info"])
        end,
    }
    for i = 1, #steps do -- every entry is a function or false, never nil
        local step = steps[i]
        if step then
            local rc = step()
            if rc ~= OK then return rc end
        end
    end
    return OK
end

-- ---- the store ----------------------------------------------------------------------------

local Store = {}
Store.__index = Store

-- A TLS file or server name given while TLS is off would be ignored, and the store would talk
-- to Redis in clear text: refused. Returns the store, or closes it and returns nil, err, status.
local function check_tls_only_options(store, opts)
    local given = {}
    for _, name in ipairs(TLS_ONLY_OPTIONS) do
        if opts[name] ~= nil then given[#given + 1] = name end
    end
    if #given == 0 then return store end
    local settings, err, rc = store:describe()
    if settings and settings.tls == "on" then return store end
    store:close()
    if settings == nil then return nil, err, rc end
    return nil, "invalid argument: " .. concat(given, ", ")
        .. " given, but TLS is off: use a rediss:// URL (or tls = true)", _M.ERR_INVALID_ARGUMENT
end

--- Opens a store. Options (all optional):
---   url ("redis://[[user][:password]@]host[:port][/db]" or "unix://..."), host + port,
---   prefix (default "launchdarkly"), password, username, database (override the URL's),
---   cache_ttl (seconds; 0 off, negative or math.huge forever; default 15),
---   cache_capacity (entries, 0 unbounded), refresh_ahead, repopulate_on_restart,
---   fail_fast (while the store is unavailable, an uncached read fails at once with
---   ERR_UNAVAILABLE instead of waiting for a timeout, one probe per 500 ms excepted;
---   default false, the OpenResty recipe in the README turns it on),
---   connect_timeout / operation_timeout (seconds; default 3 / 2), pool_size (default 16),
---   upsert_mode ("auto", "script", "watch"),
---   TLS: tls (nil: as the URL's scheme, rediss:// is TLS; true/false forces it on/off),
---   tls_ca_file (PEM CA certificates to trust instead of the system's), tls_cert_file +
---   tls_key_file (client certificate and key, PEM, for mutual TLS), tls_server_name (SNI and
---   the name checked; default the URL's host), tls_verify (default true: chain and name;
---   false: no verification, insecure). The files are read here (a bad one: nil,
---   "invalid argument: ..."); a failed handshake is "unavailable: ..." from the first call.
---   Sentinel: sentinels (a list of "host:port", port 26379 when omitted), sentinel_master
---   (the name the sentinels know the master by), sentinel_username / sentinel_password (the
---   sentinels' own credentials); or a "redis-sentinel://h1:26379,h2/master[/db]" url. The
---   store asks the sentinels for the master and follows failovers.
---   Redis Cluster: cluster_nodes (a list of seed "host:port", port 6379 when omitted), or a
---   "redis-cluster://h1:7000,h2:7001" url (rediss-cluster:// over TLS; database 0 only). Keys
---   carry the hash tag {ld}. ("{ld}.PREFIX:features" ...), as go-server-sdk-redis-go-redis
---   names them; the store follows MOVED/ASK, resharding and failovers.
--- Does not connect (the first operation does), so it succeeds while Redis is down.
--- Returns the store, or nil, err, status.
function _M.open(opts)
    if opts == nil then opts = {} end
    if type(opts) ~= "table" then arg_error("options", "a table", opts, 3) end
    for name, value in pairs(opts) do
        local expected = OPTIONS[name]
        if not expected then
            error("ldredis: unknown option '" .. tostring(name) .. "'", 2)
        end
        if type(value) ~= expected then
            arg_error("option '" .. name .. "'", "a " .. expected, value, 3)
        end
    end
    local mode = UPSERT_MODES.auto
    if opts.upsert_mode ~= nil then
        mode = UPSERT_MODES[opts.upsert_mode]
        if not mode then
            return nil, "invalid argument: upsert_mode must be auto, script or watch",
                _M.ERR_INVALID_ARGUMENT
        end
    end
    for name, expected in pairs(OPTIONS) do
        local v = opts[name]
        if expected == "number" and v ~= nil and v ~= v then
            return nil, "invalid argument: " .. name .. " must not be NaN", _M.ERR_INVALID_ARGUMENT
        end
    end
    for name, bound in pairs(INTEGER_OPTIONS) do
        local v = opts[name]
        if v ~= nil and (v % 1 ~= 0 or v < -bound - 1 or v > bound) then
            return nil, "invalid argument: " .. name .. " must be an integer",
                _M.ERR_INVALID_ARGUMENT
        end
    end
    for _, list in ipairs({ "sentinels", "cluster_nodes" }) do
        for k, address in pairs(opts[list] or {}) do
            if type(k) ~= "number" or type(address) ~= "string" or has_nul(address) then
                return nil, "invalid argument: " .. list .. " must be a list of \"host:port\" strings",
                    _M.ERR_INVALID_ARGUMENT
            end
        end
    end
    for _, name in ipairs(STRING_OPTIONS) do
        if opts[name] and has_nul(opts[name]) then
            return nil, "invalid argument: " .. name .. " contains a NUL character",
                _M.ERR_INVALID_ARGUMENT
        end
    end

    if opts.log_level ~= nil and LOG_LEVELS[opts.log_level] == nil then
        return nil, "invalid argument: log_level must be debug, info, warn or error",
            _M.ERR_INVALID_ARGUMENT
    end

    local pcfg = ffi_new("ldredis_config *[1]")
    local rc = C.ldredis_config_new(pcfg)
    if rc ~= OK then return fail(rc) end
    local cfg = ffi_gc(pcfg[0], C.ldredis_config_free)
    rc = apply(cfg, opts)
    if rc == OK then rc = C.ldredis_config_set_upsert_mode(cfg, mode) end
    local pstore = ffi_new("ldredis_store *[1]")
    if rc == OK then rc = C.ldredis_store_new(pstore, cfg) end
    local r1, r2, r3
    if rc ~= OK then r1, r2, r3 = fail(rc) end -- read last_error before anything else fails
    ffi_gc(cfg, nil)
    C.ldredis_config_free(cfg)
    if rc ~= OK then return r1, r2, r3 end
    local handle = ffi_gc(pstore[0], C.ldredis_store_free)
    local store = setmetatable({ handle = handle, log = opts.log }, Store)
    if store.log then store:drain_log() end -- the start line
    return check_tls_only_options(store, opts)
end

local out_level = ffi_new("int[1]")
local out_line = ffi_new("char *[1]")

--- Delivers the store's queued log lines, oldest first, to the `log` function given to open(),
--- as log(level, message) with level "debug", "info", "warn" or "error", on this (the Lua)
--- thread. Returns how many lines were delivered (0 without a `log` function). An error raised
--- by the function propagates (the lines after it stay queued).
function Store:drain_log()
    local h, log = self.handle, self.log
    if h == nil or log == nil then return 0 end
    local n = 0
    while C.ldredis_store_next_log(out_level, out_line, h) == OK do
        local message = ffi_string(out_line[0])
        C.ldredis_free(out_line[0])
        out_line[0] = C_NULL
        n = n + 1
        log(LOG_LEVEL_NAMES[out_level[0]] or "error", message)
    end
    return n
end

-- ngx.log's levels for ldredis's (OpenResty): ldredis.ngx_log is a ready `log` option.
function _M.ngx_log(level, message)
    local ngx = _G.ngx
    local ngx_level = ({ debug = ngx.DEBUG, info = ngx.INFO, warn = ngx.WARN,
                         error = ngx.ERR })[level] or ngx.ERR
    ngx.log(ngx_level, "ldredis: ", message)
end

--- Closes the store's connections and releases it (delivering its queued log lines first).
--- Idempotent. Returns true.
function Store:close()
    local h = self.handle
    if h ~= nil then
        if self.log then self:drain_log() end
        self.handle = nil
        ffi_gc(h, nil)
        C.ldredis_store_free(h)
    end
    return true
end

--- True once close() was called.
function Store:closed()
    return self.handle == nil
end

local CLOSED = "closed"

--- Replaces the data of the kinds in json ({"flags":{...},"segments":{...}}) and marks the
--- store initialized, atomically. Returns true, or nil, err, status.
function Store:init(json)
    check_string("json", json)
    local h = self.handle
    if h == nil then return nil, CLOSED end
    local rc = C.ldredis_store_init_json(h, json, #json)
    if rc ~= OK then return fail(rc) end
    return true
end

--- The item's JSON as stored; nil when absent or deleted; nil, err, status on failure.
function Store:get(kind, key)
    check_string("kind", kind)
    check_string("key", key)
    local h = self.handle
    if h == nil then return nil, CLOSED end
    if has_nul(kind) or has_nul(key) then
        return nil, "invalid argument: kind and key must not contain NUL", _M.ERR_INVALID_ARGUMENT
    end
    local rc = C.ldredis_store_get(out_str, out_len, h, kind, key)
    if rc == OK then return take_string() end
    if rc == NOT_FOUND then return nil end
    return fail(rc)
end

--- Every live item of a kind as one JSON object text ("{}" when none), or nil, err, status.
function Store:all(kind)
    check_string("kind", kind)
    local h = self.handle
    if h == nil then return nil, CLOSED end
    if has_nul(kind) then
        return nil, "invalid argument: kind must not contain NUL", _M.ERR_INVALID_ARGUMENT
    end
    local rc = C.ldredis_store_all_json(out_str, out_len, h, kind)
    if rc ~= OK then return fail(rc) end
    return take_string()
end

--- Like get, decoded with lua-cjson (a table; nil when absent). Needs lua-cjson.
function Store:get_decoded(kind, key)
    if not cjson then return nil, "get_decoded needs lua-cjson (require 'cjson' failed)" end
    local json, err, rc = self:get(kind, key)
    if json == nil then return nil, err, rc end
    local value, derr = cjson.decode(json)
    if value == nil then return nil, "malformed: " .. tostring(derr), _M.ERR_MALFORMED end
    return value
end

--- Like all, decoded with lua-cjson ({key = item}). Needs lua-cjson.
function Store:all_decoded(kind)
    if not cjson then return nil, "all_decoded needs lua-cjson (require 'cjson' failed)" end
    local json, err, rc = self:all(kind)
    if json == nil then return nil, err, rc end
    local value, derr = cjson.decode(json)
    if value == nil then return nil, "malformed: " .. tostring(derr), _M.ERR_MALFORMED end
    return value
end

--- Writes the item (JSON text) if its "version" is strictly higher than the stored one's.
--- Returns true (written) or false (rejected), or nil, err, status.
function Store:upsert(kind, key, json)
    check_string("kind", kind)
    check_string("key", key)
    check_string("json", json)
    local h = self.handle
    if h == nil then return nil, CLOSED end
    if has_nul(kind) or has_nul(key) then
        return nil, "invalid argument: kind and key must not contain NUL", _M.ERR_INVALID_ARGUMENT
    end
    local rc = C.ldredis_store_upsert(out_int, h, kind, key, json, #json)
    if rc ~= OK then return fail(rc) end
    return out_int[0] == 1
end

--- Writes the tombstone {"key":key,"version":version,"deleted":true} under the same rule.
--- Returns true (written) or false (rejected), or nil, err, status.
function Store:delete(kind, key, version)
    check_string("kind", kind)
    check_string("key", key)
    if type(version) ~= "number" then arg_error("version", "a number", version) end
    local h = self.handle
    if h == nil then return nil, CLOSED end
    if has_nul(kind) or has_nul(key) then
        return nil, "invalid argument: kind and key must not contain NUL", _M.ERR_INVALID_ARGUMENT
    end
    if version % 1 ~= 0 or version < 0 or version > 2 ^ 53 - 1 then
        return nil, "invalid argument: version must be an integer 0 .. 2^53-1",
            _M.ERR_INVALID_ARGUMENT
    end
    local rc = C.ldredis_store_delete(out_int, h, kind, key, version)
    if rc ~= OK then return fail(rc) end
    return out_int[0] == 1
end

--- Whether anyone sharing the prefix initialized the store: true/false, or nil, err, status.
function Store:initialized()
    local h = self.handle
    if h == nil then return nil, CLOSED end
    local rc = C.ldredis_store_initialized(out_int, h)
    if rc ~= OK then return fail(rc) end
    return out_int[0] == 1
end

--- Whether Redis answers now (an unreachable server is false, not an error).
function Store:available()
    local h = self.handle
    if h == nil then return nil, CLOSED end
    local rc = C.ldredis_store_available(out_int, h)
    if rc ~= OK then return fail(rc) end
    return out_int[0] == 1
end

--- The status: { available = bool, needs_refresh = bool, changed_at_ms = number,
--- last_error = string or nil }. No Redis traffic.
function Store:status()
    local h = self.handle
    if h == nil then return nil, CLOSED end
    if self.log then self:drain_log() end
    local rc = C.ldredis_store_status(out_int, out_int2, out_i64, out_str, h)
    if rc ~= OK then return fail(rc) end
    local last_error
    if out_str[0] ~= C_NULL then
        last_error = ffi_string(out_str[0])
        C.ldredis_free(out_str[0])
        out_str[0] = C_NULL
    end
    return {
        available = out_int[0] == 1,
        needs_refresh = out_int2[0] == 1,
        changed_at_ms = tonumber(out_i64[0]),
        last_error = last_error,
    }
end

--- Counters as a table: cache_hits, cache_misses, coalesced_waits, redis_round_trips,
--- redis_errors, malformed_skipped, cache_evictions, cache_entries.
function Store:stats()
    local h = self.handle
    if h == nil then return nil, CLOSED end
    local rc = C.ldredis_store_stats_json(out_str, out_len, h)
    if rc ~= OK then return fail(rc) end
    return decode_flat(take_string())
end

--- The configuration and key names, secrets redacted, as a table (describe_json: the text).
function Store:describe()
    local json, err, rc = self:describe_json()
    if json == nil then return nil, err, rc end
    return decode_flat(json)
end

function Store:describe_json()
    local h = self.handle
    if h == nil then return nil, CLOSED end
    local rc = C.ldredis_store_describe(out_str, out_len, h)
    if rc ~= OK then return fail(rc) end
    return take_string()
end

--- When Big Segment data was last synchronized, epoch milliseconds (a number); nil when never;
--- nil, err, status on failure.
function Store:big_segments_metadata()
    local h = self.handle
    if h == nil then return nil, CLOSED end
    local rc = C.ldredis_store_big_segments_metadata(out_i64, h)
    if rc == OK then return tonumber(out_i64[0]) end
    if rc == NOT_FOUND then return nil end
    return fail(rc)
end

--- A context's Big Segment membership: { ["<segmentKey>.g<generation>"] = true|false }, include
--- winning; nil when there is no data for the hash; nil, err, status on failure.
function Store:big_segment_membership(context_hash)
    check_string("context_hash", context_hash)
    local h = self.handle
    if h == nil then return nil, CLOSED end
    if has_nul(context_hash) then
        return nil, "invalid argument: context_hash must not contain NUL", _M.ERR_INVALID_ARGUMENT
    end
    local rc = C.ldredis_store_big_segments_membership(out_str, out_len, h, context_hash)
    if rc == NOT_FOUND then return nil end
    if rc ~= OK then return fail(rc) end
    return decode_flat(take_string())
end

-- ---- flag evaluation ------------------------------------------------------------------------

-- A small JSON encoder for contexts and defaults given as Lua values: tables with only keys
-- 1..n are arrays (an empty table is an object), other tables objects with string keys.
local function encode(v, out)
    local t = type(v)
    if v == nil or v == _M.null then
        out[#out + 1] = "null"
    elseif t == "boolean" then
        out[#out + 1] = v and "true" or "false"
    elseif t == "number" then
        if v ~= v or v == math.huge or v == -math.huge then error("ldredis: cannot encode " .. tostring(v) .. " as JSON", 0) end
        out[#out + 1] = (v % 1 == 0 and v > -2 ^ 53 and v < 2 ^ 53) and str_format("%d", v) or str_format("%.17g", v)
    elseif t == "string" then
        if str_find(v, '[%c"\\]') then
            v = v:gsub('[%c"\\]', function(c) return str_format("\\u%04x", str_byte(c)) end)
        end
        out[#out + 1] = '"' .. v .. '"'
    elseif t == "table" then
        local n = #v
        local is_array = n > 0
        if is_array then
            for k in pairs(v) do
                if type(k) ~= "number" or k % 1 ~= 0 or k < 1 or k > n then is_array = false break end
            end
        end
        if is_array then
            out[#out + 1] = "["
            for i = 1, n do
                if i > 1 then out[#out + 1] = "," end
                encode(v[i], out)
            end
            out[#out + 1] = "]"
        else
            out[#out + 1] = "{"
            local first = true
            for k, val in pairs(v) do
                if type(k) ~= "string" then error("ldredis: JSON object keys must be strings", 0) end
                if not first then out[#out + 1] = "," end
                first = false
                encode(k, out)
                out[#out + 1] = ":"
                encode(val, out)
            end
            out[#out + 1] = "}"
        end
    else
        error("ldredis: cannot encode a " .. t .. " as JSON", 0)
    end
end

--- The JSON null sentinel for defaults and contexts (a Lua nil cannot sit in a table):
--- lua-cjson's null when it is there, so both encoders agree.
_M.null = cjson and cjson.null or setmetatable({}, { __tostring = function() return "null" end })

-- lua-cjson's encoder, where it is exact: it writes numbers with at most 14 significant
-- digits, so it is used only when every number is an integer of magnitude below 1e14.
local cjson_encode
do
    local ok, base = pcall(require, "cjson")
    if ok and type(base) == "table" and base.new then cjson_encode = base.new().encode end
end

local function cjson_exact(v, depth)
    local t = type(v)
    if t == "number" then return v % 1 == 0 and v > -1e14 and v < 1e14 end
    if t == "table" then
        if depth > 64 then return false end
        for k, x in pairs(v) do
            if type(k) ~= "string" and type(k) ~= "number" then return false end
            if not cjson_exact(x, depth + 1) then return false end
        end
    end
    return true
end

--- JSON text for a Lua value (what evaluate sends for tables and defaults).
function _M.encode_json(v)
    if v == nil then return "null" end
    if cjson_encode and cjson_exact(v, 0) then
        local ok, text = pcall(cjson_encode, v)
        if ok then return text end
    end
    local out = {}
    encode(v, out)
    return concat(out)
end

-- A JSON reader for evaluation details (any JSON value; null becomes _M.null inside tables
-- and nil at the top of a value).
local decode_value
local function skip_ws(s, i)
    return str_find(s, "[^ \t\r\n]", i) or #s + 1
end
decode_value = function(s, i)
    i = skip_ws(s, i)
    local c = str_sub(s, i, i)
    if c == "{" then
        local t = {}
        i = skip_ws(s, i + 1)
        if str_sub(s, i, i) == "}" then return t, i + 1 end
        while true do
            local k
            k, i = read_string(s, skip_ws(s, i))
            if k == nil then error("ldredis: bad JSON from the library", 0) end
            i = skip_ws(s, i) + 1 -- ':'
            local v
            v, i = decode_value(s, i)
            if v == nil then v = _M.null end
            t[k] = v
            i = skip_ws(s, i)
            local d = str_sub(s, i, i)
            i = i + 1
            if d == "}" then return t, i end
        end
    elseif c == "[" then
        local t, n = {}, 0
        i = skip_ws(s, i + 1)
        if str_sub(s, i, i) == "]" then return t, i + 1 end
        while true do
            local v
            v, i = decode_value(s, i)
            n = n + 1
            if v == nil then v = _M.null end
            t[n] = v
            i = skip_ws(s, i)
            local d = str_sub(s, i, i)
            i = i + 1
            if d == "]" then return t, i end
        end
    elseif c == '"' then
        return read_string(s, i)
    elseif str_sub(s, i, i + 3) == "true" then
        return true, i + 4
    elseif str_sub(s, i, i + 4) == "false" then
        return false, i + 5
    elseif str_sub(s, i, i + 3) == "null" then
        return nil, i + 4
    else
        local num = s:match("^-?[%d.eE+%-]+", i) or s:match("^-?Infinity", i) or s:match("^NaN", i)
        if not num then error("ldredis: bad JSON from the library", 0) end
        return tonumber(num) or (num == "NaN" and 0 / 0) or (num:sub(1, 1) == "-" and -math.huge or math.huge),
            i + #num
    end
end

local function decode_json(s)
    if cjson then
        local v = cjson.decode(s)
        if v ~= nil then return v end
    end
    return (decode_value(s, 1))
end
_M._decode_json = decode_json
_M._decode_value = function(s) return (decode_value(s, 1)) end

local function json_arg(name, v, text_allowed)
    if text_allowed and type(v) == "string" then return v end
    return _M.encode_json(v)
end

--- The evaluation detail as JSON text ({"value":…,"variationIndex":…,"reason":{…}}), or
--- nil, err, status. context: a table or JSON text; default_json: JSON text ("null" if nil).
function Store:evaluate_json(flag_key, context, default_json)
    check_string("flag_key", flag_key)
    local h = self.handle
    if h == nil then return nil, CLOSED end
    if has_nul(flag_key) then
        return nil, "invalid argument: flag_key must not contain NUL", _M.ERR_INVALID_ARGUMENT
    end
    local ctx = json_arg("context", context, true)
    local dflt = default_json or "null"
    local rc = C.ldredis_evaluate(out_str, out_len, h, flag_key, ctx, #ctx, dflt, #dflt)
    if rc ~= OK then return fail(rc) end
    return take_string()
end

--- Evaluates a flag for a context as LaunchDarkly's server-side SDKs do (no events are sent).
--- context: a table ({kind="user", key="…", …}, multi-kind, or an old-style user) or JSON text;
--- default: any Lua value (served when the flag cannot be evaluated).
--- Returns value, detail (detail = {value=…, variationIndex=…, reason={kind=…, …}}), or
--- nil, err, status for invalid arguments (a context that is not JSON) and a closed store.
function Store:evaluate(flag_key, context, default)
    local text, err, status = self:evaluate_json(flag_key, context, _M.encode_json(default))
    if not text then return nil, err, status end
    local detail = decode_json(text)
    local value = detail.value
    if value == _M.null or (cjson and value == cjson.null) then value = nil end
    return value, detail
end

--- Every flag for a context, as the SDKs' all_flags_state JSON, decoded to a table (or the
--- text with opts.raw). opts: with_reasons, client_side_only, details_only_for_tracked_flags.
function Store:all_flags_state(context, opts)
    opts = opts or {}
    local h = self.handle
    if h == nil then return nil, CLOSED end
    local ctx = json_arg("context", context, true)
    local options = (opts.with_reasons and 1 or 0) + (opts.client_side_only and 2 or 0)
        + (opts.details_only_for_tracked_flags and 4 or 0)
    local rc = C.ldredis_all_flags_state(out_str, out_len, h, ctx, #ctx, options)
    if rc ~= OK then return fail(rc) end
    local text = take_string()
    if opts.raw then return text end
    return decode_json(text)
end

Store.__tostring = function(self)
    return "ldredis.store (" .. (self.handle == nil and "closed" or "open") .. ")"
end

return _M
