/*
 * dlclose.c - a store's background thread may outlive ldredis_store_free by up to one Redis
 * timeout; unloading the library meanwhile (LuaJIT's ffi.load handles are garbage-collected
 * and dlclosed) must not pull the code from under it. The library is linked -z nodelete.
 *
 *   dlclose LIBRARY_PATH REDIS_URL     exit 0 when the process survives
 */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <time.h>

typedef int (*new_fn)(void **, const void *);
typedef void (*free_fn)(void *);
typedef int (*cfg_new_fn)(void **);
typedef int (*set_url_fn)(void *, const char *);
typedef int (*available_fn)(int *, void *);

int main(int argc, char **argv)
{
    void *lib, *cfg = NULL, *store = NULL;
    int up = 0;
    struct timespec nap = {0, 700 * 1000 * 1000}; /* longer than the 500 ms status tick */

    if (argc < 3)
        return 2;
    lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    ((cfg_new_fn)dlsym(lib, "ldredis_config_new"))(&cfg);
    ((set_url_fn)dlsym(lib, "ldredis_config_set_url"))(cfg, argv[2]);
    ((new_fn)dlsym(lib, "ldredis_store_new"))(&store, cfg);
    ((available_fn)dlsym(lib, "ldredis_store_available"))(&up, store);
    ((free_fn)dlsym(lib, "ldredis_store_free"))(store);
    ((free_fn)dlsym(lib, "ldredis_config_free"))(cfg);
    dlclose(lib);
    nanosleep(&nap, NULL);
    printf("available=%d, survived dlclose\n", up);
    return up == 1 ? 0 : 1;
}
