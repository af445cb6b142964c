/* Tests/C/tls.c - libldredis over TLS, from C (run by Tests/C/run.sh through
   scripts/with-redis.sh --tls, and again under valgrind): every operation over rediss://, the
   errors of a wrong CA, a wrong server name and a missing key file, verification off, one
   handshake per pooled connection, and 1,000 store new/get/free cycles (LDREDIS_TLS_CYCLES;
   fewer under valgrind) leaking no descriptors.
   Environment (scripts/with-redis.sh --tls): LDREDIS_TLS_URL (rediss://127.0.0.1:PORT/0) and
   LDREDIS_TLS_CA_FILE (DIR/ca.crt; DIR holds the other test certificates too). */
#define _POSIX_C_SOURCE 200809L
#include <ldredis.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

static int check(int ok, const char *fmt, ...)
{
    va_list ap;
    printf("%s %3d - ", ok ? "ok  " : "FAIL", passed + failed + 1);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
    if (ok) passed++; else failed++;
    return ok;
}

static const char *url, *dir;

static char *path(const char *name)
{
    static char buffers[4][512];
    static int next;
    char *p = buffers[next++ % 4];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

/* A store over TLS: ca may be NULL (system roots), name NULL (the URL's host). */
static int open_store(ldredis_store **out, const char *ca, const char *name, int verify,
                      const char *cert, const char *key)
{
    ldredis_config *cfg = NULL;
    if (ldredis_config_new(&cfg) != LDREDIS_OK) return -100;
    ldredis_config_set_url(cfg, url);
    ldredis_config_set_prefix(cfg, "tls-c");
    ldredis_config_set_cache_ttl_ms(cfg, 0);
    ldredis_config_set_connect_timeout_ms(cfg, 2000);
    ldredis_config_set_pool_size(cfg, 2);
    if (ca) ldredis_config_set_tls_ca_file(cfg, ca);
    if (name) ldredis_config_set_tls_server_name(cfg, name);
    if (cert) ldredis_config_set_tls_cert_file(cfg, cert);
    if (key) ldredis_config_set_tls_key_file(cfg, key);
    ldredis_config_set_tls_verify(cfg, verify);
    int rc = ldredis_store_new(out, cfg);
    ldredis_config_free(cfg);
    return rc;
}

static int open_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    while (readdir(d)) n++;
    closedir(d);
    return n;
}

int main(void)
{
    static char directory[512];
    const char *ca = getenv("LDREDIS_TLS_CA_FILE");
    url = getenv("LDREDIS_TLS_URL");
    if (!url || !ca || strncmp(url, "rediss://", 9) != 0 || strlen(ca) >= sizeof directory) {
        fprintf(stderr, "tls: run me through scripts/with-redis.sh --tls\n");
        return 2;
    }
    strcpy(directory, ca);
    char *slash = strrchr(directory, '/');
    if (slash) *slash = 0;
    dir = directory;
    ldredis_store *st = NULL;
    char *out = NULL;
    size_t len = 0;
    int updated = -1;

    check(open_store(&st, path("ca.crt"), NULL, 1, NULL, NULL) == LDREDIS_OK, "store over %s with the test CA", url);
    const char *doc = "{\"flags\":{\"f\":{\"key\":\"f\",\"version\":1,\"on\":true}},\"segments\":{}}";
    check(ldredis_store_init_json(st, doc, strlen(doc)) == LDREDIS_OK, "init over TLS");
    check(ldredis_store_get(&out, &len, st, "features", "f") == LDREDIS_OK && out && strstr(out, "\"version\":1"), "get over TLS");
    ldredis_free(out); out = NULL;
    check(ldredis_store_all_json(&out, &len, st, "features") == LDREDIS_OK && out && strstr(out, "\"f\":"), "all over TLS");
    ldredis_free(out); out = NULL;
    const char *v2 = "{\"key\":\"f\",\"version\":2}";
    check(ldredis_store_upsert(&updated, st, "features", "f", v2, strlen(v2)) == LDREDIS_OK && updated == 1, "upsert over TLS");
    check(ldredis_store_delete(&updated, st, "features", "f", 3) == LDREDIS_OK && updated == 1, "delete over TLS");
    int initialized = 0;
    check(ldredis_store_initialized(&initialized, st) == LDREDIS_OK && initialized == 1, "initialized over TLS");
    for (int i = 0; i < 500; i++) {
        if (ldredis_store_get(&out, &len, st, "features", "g") != LDREDIS_NOT_FOUND) { check(0, "get %d", i); break; }
    }
    check(1, "500 gets on the pooled connections");
    ldredis_store_describe(&out, &len, st);
    check(out && strstr(out, "\"tls\":\"on\"") && strstr(out, "ca.crt") && !strstr(out, "BEGIN"), "describe: %s", out ? out : "");
    ldredis_free(out); out = NULL;
    ldredis_store_free(st); st = NULL;

    check(open_store(&st, path("other-ca.crt"), NULL, 1, NULL, NULL) == LDREDIS_OK, "store with an unrelated CA");
    int rc = ldredis_store_get(&out, &len, st, "features", "f");
    const char *e = ldredis_last_error();
    check(rc == LDREDIS_ERR_UNAVAILABLE && strstr(e, "certificate verify failed"), "wrong CA: %s", e);
    ldredis_store_free(st); st = NULL;

    check(open_store(&st, path("ca.crt"), "redis.internal", 1, NULL, NULL) == LDREDIS_OK, "store with another server name");
    rc = ldredis_store_get(&out, &len, st, "features", "f");
    e = ldredis_last_error();
    check(rc == LDREDIS_ERR_UNAVAILABLE && strstr(e, "host name mismatch: expected redis.internal"), "wrong name: %s", e);
    ldredis_store_free(st); st = NULL;

    check(open_store(&st, NULL, NULL, 0, NULL, NULL) == LDREDIS_OK, "store without verification");
    check(ldredis_store_get(&out, &len, st, "features", "f") == LDREDIS_NOT_FOUND, "verify off connects (f is deleted)");
    ldredis_store_describe(&out, &len, st);
    check(out && strstr(out, "\"tls_verify\":\"off\""), "describe says verification is off");
    ldredis_free(out); out = NULL;
    ldredis_store_free(st); st = NULL;

    rc = open_store(&st, path("ca.crt"), NULL, 1, path("client.crt"), NULL);
    e = ldredis_last_error();
    check(rc == LDREDIS_ERR_INVALID_ARGUMENT && strstr(e, "key file"), "a client certificate without its key: %s", e);
    rc = open_store(&st, path("ca.crt"), NULL, 1, path("client.crt"), path("server.key"));
    e = ldredis_last_error();
    check(rc == LDREDIS_ERR_INVALID_ARGUMENT && strstr(e, "does not match"), "a key that does not match: %s", e);
    check(open_store(&st, path("ca.crt"), NULL, 1, path("client.crt"), path("client.key")) == LDREDIS_OK, "mutual TLS settings load");
    check(ldredis_store_get(&out, &len, st, "features", "f") == LDREDIS_NOT_FOUND, "get with a client certificate");
    ldredis_store_free(st); st = NULL;

    const char *cycles_env = getenv("LDREDIS_TLS_CYCLES");
    int cycles = cycles_env ? atoi(cycles_env) : 1000;
    int before = open_fds();
    for (int i = 0; i < cycles; i++) {
        if (open_store(&st, path("ca.crt"), NULL, 1, NULL, NULL) != LDREDIS_OK) { check(0, "cycle %d", i); break; }
        ldredis_store_get(&out, &len, st, "features", "f");
        ldredis_store_free(st); st = NULL;
    }
    int after = open_fds();
    check(after <= before + 2, "%d store new/get/free cycles over TLS: %d descriptors before, %d after",
          cycles, before, after);

    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
