/*
 * dlclose.c - a store's background thread may outlive ldredis_store_free by up to one Redis
 * timeout; unloading the library meanwhile (LuaJIT's ffi.load handles are garbage-collected
 * and dlclosed) must not pull the code from under it. The library is linked -z nodelete.
 *
 * It also checks the other way a process meets a winding-down thread: exiting right after
 * ldredis_store_free (50 child processes, each exits the moment free returns).
 *
 *   dlclose LIBRARY_PATH REDIS_URL     exit 0 when every process survives
 */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
    fflush(stdout); /* before fork: the children must not print it again */
    if (up != 1)
        return 1;

    for (int i = 0; i < 50; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            void *l = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL), *c = NULL, *s = NULL;
            int a = 0;
            ((cfg_new_fn)dlsym(l, "ldredis_config_new"))(&c);
            ((set_url_fn)dlsym(l, "ldredis_config_set_url"))(c, argv[2]);
            ((new_fn)dlsym(l, "ldredis_store_new"))(&s, c);
            ((available_fn)dlsym(l, "ldredis_store_available"))(&a, s);
            ((free_fn)dlsym(l, "ldredis_store_free"))(s);
            ((free_fn)dlsym(l, "ldredis_config_free"))(c);
            exit(a == 1 ? 0 : 3);
        }
        int status = 0;
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("process %d exiting after free: status %d\n", i, status);
            return 1;
        }
    }
    printf("survived 50 exits right after free\n");
    return 0;
}
