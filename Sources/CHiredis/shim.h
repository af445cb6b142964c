#ifndef LDREDIS_CHIREDIS_SHIM_H
#define LDREDIS_CHIREDIS_SHIM_H
/* hiredis's RESP reply reader; ldredis owns the sockets (see RedisConnection.swift).
   Included from the system include path (/usr/include/hiredis), without hiredis.pc's Cflags:
   see Package.swift. The module map links libhiredis. */
#include <hiredis/hiredis.h>
#include <hiredis/read.h>
#endif
