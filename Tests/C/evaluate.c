/*
 * evaluate.c - ldredis_evaluate and ldredis_all_flags_state against a throwaway redis-server
 * (LDREDIS_URL from scripts/with-redis.sh): the detail JSON for a target match, a rule, the
 * fallthrough, an off flag, a failed prerequisite, a missing flag, an invalid context, a flag
 * with data of the wrong types; argument errors; the all_flags_state JSON; a cold (cache off)
 * store; a store whose Redis is gone (EXCEPTION, message in ldredis_last_error()).
 * Tests/C/run.sh runs it, also under valgrind. The last line is "N passed, M failed".
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldredis.h>

static int passed, failed;

static void check(int ok, const char *what)
{
    printf("%s %3d - %s\n", ok ? "ok  " : "FAIL", passed + failed + 1, what);
    if (ok)
        passed++;
    else
        failed++;
}

static const char *DATA =
    "{\"flags\":{"
    "\"f\":{\"key\":\"f\",\"version\":3,\"on\":true,\"salt\":\"s\","
    "\"variations\":[\"hello\",\"hallo\",\"bonjour\"],\"offVariation\":0,"
    "\"fallthrough\":{\"variation\":0},"
    "\"targets\":[{\"variation\":1,\"values\":[\"anna\"]}],"
    "\"rules\":[{\"id\":\"r0\",\"variation\":2,\"clauses\":[{\"attribute\":\"country\","
    "\"op\":\"in\",\"values\":[\"fr\"]}]}]},"
    "\"off\":{\"key\":\"off\",\"version\":1,\"on\":false,\"variations\":[1,2],\"offVariation\":1},"
    "\"pre\":{\"key\":\"pre\",\"version\":1,\"on\":true,\"variations\":[true,false],"
    "\"prerequisites\":[{\"key\":\"off\",\"variation\":0}],\"offVariation\":1,"
    "\"fallthrough\":{\"variation\":0}},"
    "\"bad\":{\"key\":\"bad\",\"version\":1,\"on\":\"yes\"}"
    "},\"segments\":{}}";

/* Evaluates and compares the whole detail JSON. */
static void expect(ldredis_store *store, const char *flag, const char *context, const char *def,
                   const char *want, const char *what)
{
    char *out = NULL;
    size_t len = 0;
    int status = ldredis_evaluate(&out, &len, store, flag, context, strlen(context), def, strlen(def));
    int ok = status == LDREDIS_OK && out != NULL && strlen(out) == len && strcmp(out, want) == 0;
    check(ok, what);
    if (!ok)
        printf("    status %d, got %s\n    want %s\n", status, out ? out : "(null)", want);
    ldredis_free(out);
}

static void evaluations(ldredis_store *store, const char *mode)
{
    char what[128];
    const char *user_anna = "{\"kind\":\"user\",\"key\":\"anna\"}";
    snprintf(what, sizeof what, "%s: target match", mode);
    expect(store, "f", user_anna, "null",
           "{\"value\":\"hallo\",\"variationIndex\":1,\"reason\":{\"kind\":\"TARGET_MATCH\"}}", what);
    snprintf(what, sizeof what, "%s: rule match (old-style user with custom)", mode);
    expect(store, "f", "{\"key\":\"bob\",\"custom\":{\"country\":\"fr\"}}", "null",
           "{\"value\":\"bonjour\",\"variationIndex\":2,\"reason\":{\"kind\":\"RULE_MATCH\","
           "\"ruleIndex\":0,\"ruleId\":\"r0\"}}", what);
    snprintf(what, sizeof what, "%s: fallthrough", mode);
    expect(store, "f", "{\"kind\":\"user\",\"key\":\"bob\"}", "null",
           "{\"value\":\"hello\",\"variationIndex\":0,\"reason\":{\"kind\":\"FALLTHROUGH\"}}", what);
    snprintf(what, sizeof what, "%s: off", mode);
    expect(store, "off", user_anna, "0",
           "{\"value\":2,\"variationIndex\":1,\"reason\":{\"kind\":\"OFF\"}}", what);
    snprintf(what, sizeof what, "%s: prerequisite failed", mode);
    expect(store, "pre", user_anna, "0",
           "{\"value\":false,\"variationIndex\":1,\"reason\":{\"kind\":\"PREREQUISITE_FAILED\","
           "\"prerequisiteKey\":\"off\"}}", what);
    snprintf(what, sizeof what, "%s: flag not found serves the default", mode);
    expect(store, "nope", user_anna, "{\"d\":[1]}",
           "{\"value\":{\"d\":[1]},\"reason\":{\"kind\":\"ERROR\",\"errorKind\":\"FLAG_NOT_FOUND\"}}", what);
    snprintf(what, sizeof what, "%s: invalid context", mode);
    expect(store, "f", "{\"kind\":\"user\",\"key\":\"\"}", "7",
           "{\"value\":7,\"reason\":{\"kind\":\"ERROR\",\"errorKind\":\"USER_NOT_SPECIFIED\"}}", what);
    snprintf(what, sizeof what, "%s: a flag with data of the wrong type", mode);
    expect(store, "bad", user_anna, "1",
           "{\"value\":1,\"reason\":{\"kind\":\"ERROR\",\"errorKind\":\"EXCEPTION\"}}", what);
    check(strstr(ldredis_last_error(), "\"on\"") != NULL, "the EXCEPTION's message names the property");
}

int main(void)
{
    const char *url = getenv("LDREDIS_URL");
    ldredis_config *cfg = NULL;
    ldredis_store *store = NULL, *cold = NULL, *gone = NULL;
    char *out = NULL;
    size_t len = 0;
    int status;
    if (url == NULL) {
        fprintf(stderr, "evaluate: LDREDIS_URL is not set (run through scripts/with-redis.sh)\n");
        return 2;
    }
    check(ldredis_config_new(&cfg) == LDREDIS_OK && ldredis_config_set_url(cfg, url) == LDREDIS_OK &&
          ldredis_config_set_prefix(cfg, "evaltest") == LDREDIS_OK, "config");
    check(ldredis_store_new(&store, cfg) == LDREDIS_OK, "store");
    check(ldredis_store_init_json(store, DATA, strlen(DATA)) == LDREDIS_OK, "init");

    evaluations(store, "cached");
    evaluations(store, "cached, warm");
    check(ldredis_config_set_cache_ttl_ms(cfg, 0) == LDREDIS_OK && ldredis_store_new(&cold, cfg) == LDREDIS_OK,
          "a store with the cache off");
    evaluations(cold, "cache off");

    /* Argument errors. */
    status = ldredis_evaluate(&out, &len, store, "f", "{", 1, "null", 4);
    check(status == LDREDIS_ERR_INVALID_ARGUMENT && out == NULL && len == 0, "context that is not JSON");
    status = ldredis_evaluate(&out, &len, store, "f", "{\"key\":\"a\"}", 11, "nul", 3);
    check(status == LDREDIS_ERR_INVALID_ARGUMENT && out == NULL, "default that is not JSON");
    check(ldredis_evaluate(NULL, &len, store, "f", "{}", 2, "1", 1) == LDREDIS_ERR_INVALID_ARGUMENT, "NULL out");
    check(ldredis_evaluate(&out, &len, NULL, "f", "{}", 2, "1", 1) == LDREDIS_ERR_INVALID_ARGUMENT, "NULL store");
    check(ldredis_evaluate(&out, &len, store, NULL, "{}", 2, "1", 1) == LDREDIS_ERR_INVALID_ARGUMENT, "NULL flag_key");
    check(ldredis_evaluate(&out, &len, store, "f", NULL, 0, "1", 1) == LDREDIS_ERR_INVALID_ARGUMENT, "NULL context");
    check(ldredis_all_flags_state(&out, &len, store, "{", 1, 0) == LDREDIS_ERR_INVALID_ARGUMENT && out == NULL,
          "all_flags_state: context that is not JSON");

    /* all_flags_state: a flag with data of the wrong type makes the state invalid, as in the SDK. */
    status = ldredis_all_flags_state(&out, &len, store, "{\"key\":\"anna\"}", 14, 0);
    check(status == LDREDIS_OK && out && strcmp(out, "{\"$flagsState\":{},\"$valid\":false}") == 0,
          "all_flags_state with an undecodable flag: $valid false");
    ldredis_free(out);
    out = NULL;
    {
        const char *data2 = "{\"flags\":{\"f\":{\"key\":\"f\",\"version\":3,\"on\":true,"
                            "\"variations\":[\"a\",\"b\"],\"fallthrough\":{\"variation\":1},"
                            "\"clientSide\":true}}}";
        const char *want = "{\"f\":\"b\",\"$flagsState\":{\"f\":{\"reason\":{\"kind\":\"FALLTHROUGH\"},"
                           "\"version\":3,\"variation\":1}},\"$valid\":true}";
        check(ldredis_store_init_json(store, data2, strlen(data2)) == LDREDIS_OK, "init 2");
        status = ldredis_all_flags_state(&out, &len, store, "{\"key\":\"anna\"}", 14, LDREDIS_FLAGS_WITH_REASONS);
        check(status == LDREDIS_OK && out && strcmp(out, want) == 0, "all_flags_state with reasons");
        if (out && strcmp(out, want) != 0)
            printf("    got %s\n", out);
        ldredis_free(out);
        out = NULL;
        status = ldredis_all_flags_state(&out, &len, store, "{\"kind\":\"user\"}", 15, 0);
        check(status == LDREDIS_OK && out && strcmp(out, "{\"$flagsState\":{},\"$valid\":false}") == 0,
              "all_flags_state with an invalid context: $valid false");
        ldredis_free(out);
        out = NULL;
    }

    /* Redis gone: EXCEPTION with the store's message. */
    check(ldredis_config_set_url(cfg, "redis://127.0.0.1:1/0") == LDREDIS_OK &&
          ldredis_config_set_connect_timeout_ms(cfg, 200) == LDREDIS_OK &&
          ldredis_store_new(&gone, cfg) == LDREDIS_OK, "a store without a server");
    expect(gone, "f", "{\"key\":\"anna\"}", "\"dflt\"",
           "{\"value\":\"dflt\",\"reason\":{\"kind\":\"ERROR\",\"errorKind\":\"EXCEPTION\"}}", "Redis down: EXCEPTION");
    check(strlen(ldredis_last_error()) > 0, "Redis down: ldredis_last_error() has the message");

    ldredis_store_free(gone);
    ldredis_store_free(cold);
    ldredis_store_free(store);
    ldredis_config_free(cfg);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
