#ifndef LDREDIS_COPENSSL_SHIM_H
#define LDREDIS_COPENSSL_SHIM_H
/* OpenSSL (Debian libssl-dev) for ldredis's TLS byte stream: Transport/TLSContext.swift,
   TLSStream.swift and TLSSocketBIO.swift are its only users. */
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#endif
