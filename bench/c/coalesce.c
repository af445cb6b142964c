/* coalesce.c - what a coalesced miss costs: 8 threads get one cold key at once (100 rounds),
 * against single cold misses, with the stats that show one Redis read per round.
 *   cc -O2 -pthread -o build/coalesce bench/c/coalesce.c -Ibuild/stage/include -Lbuild/stage/lib -lldredis
 *   LD_LIBRARY_PATH=build/stage/lib scripts/with-redis.sh build/coalesce  */
#include <ldredis.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e6+t.tv_nsec/1e3;}
static ldredis_store *s; static pthread_barrier_t bar; static char key[64]; static double lat[16];
static void *worker(void *arg){ long id=(long)arg; pthread_barrier_wait(&bar); double t=now(); char*o; size_t n;
  if (ldredis_store_get(&o,&n,s,"features",key)==LDREDIS_OK) ldredis_free(o); lat[id]=now()-t; return NULL;}
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
int main(void){
  ldredis_config*c; ldredis_config_new(&c); ldredis_config_set_url(c,getenv("LDREDIS_URL")); ldredis_config_set_cache_ttl_ms(c,600000);
  ldredis_store_new(&s,c); char item[1500]; int up;
  for(int r=0;r<200;r++){ sprintf(key,"cold-%d",r); int n=snprintf(item,sizeof item,"{\"key\":\"%s\",\"version\":1,\"pad\":\"%01200d\"}",key,0); ldredis_store_upsert(&up,s,"features",key,item,n);}
  ldredis_store_free(s); ldredis_store_new(&s,c);   /* fresh cache */
  int T=8; double all[200*8]; int k=0; double single[200];
  for(int r=0;r<100;r++){ sprintf(key,"cold-%d",r); pthread_barrier_init(&bar,NULL,T); pthread_t th[16];
    for(long i=0;i<T;i++) pthread_create(&th[i],NULL,worker,(void*)i); for(int i=0;i<T;i++) pthread_join(th[i],NULL);
    for(int i=0;i<T;i++) all[k++]=lat[i]; pthread_barrier_destroy(&bar);}
  for(int r=100;r<200;r++){ sprintf(key,"cold-%d",r); char*o; size_t n; double t=now(); ldredis_store_get(&o,&n,s,"features",key); single[r-100]=now()-t; ldredis_free(o);}
  char*st; size_t sl; ldredis_store_stats_json(&st,&sl,s);
  qsort(all,k,sizeof(double),cmp); qsort(single,100,sizeof(double),cmp);
  printf("single cold miss: median %.1f us p99 %.1f us\n", single[50], single[98]);
  printf("8 threads on one cold key: median per-caller latency %.1f us, p99 %.1f us\nstats %s\n", all[k/2], all[k*99/100], st);
  ldredis_free(st); ldredis_store_free(s); ldredis_config_free(c); return 0;}
