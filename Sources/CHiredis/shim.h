#ifndef LDREDIS_CHIREDIS_SHIM_H
#define LDREDIS_CHIREDIS_SHIM_H
/* hiredis's RESP reply reader; ldredis owns the sockets (see RedisConnection.swift). */
#include <hiredis/hiredis.h>
#include <hiredis/read.h>
#endif
