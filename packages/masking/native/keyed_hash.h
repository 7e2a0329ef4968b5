/*
 * The keyed hash's shared parts: keyed_hash.c owns the hasher, mask_rows.c writes placeholders with
 * it while masking a read's rows. Both are compiled into one module (build.mjs).
 */
#ifndef SLUICE_KEYED_HASH_H
#define SLUICE_KEYED_HASH_H

#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#endif
#include <node_api.h>
#include <openssl/sha.h>
#include <stddef.h>

/*
 * One key's precomputed pads and a reference to the Uint8Array its digests are written to. The
 * array's memory is looked up again at every call, never kept: its buffer could be detached
 * (transferred) and freed while the array itself stays alive.
 */
typedef struct {
  SHA256_CTX inner;
  SHA256_CTX outer;
  napi_ref out_ref;
  /* How many bytes of the MAC `hex` writes (as twice as many digits). */
  size_t hex_bytes;
} Hasher;

/* A hasher with one key's pads compressed, or NULL (out of memory). */
Hasher *new_hasher(const unsigned char *key, size_t key_length);
/* Wipes and frees a hasher (a napi finalizer). */
void free_hasher(napi_env env, void *data, void *hint);
/* The MAC of data[0..length] under a hasher's pads into `mac`; the contexts are wiped after. */
void mac_of(const Hasher *hasher, const unsigned char *data, size_t length, unsigned char mac[SHA256_DIGEST_LENGTH]);
/* Adds createRowMasker to the module's exports (mask_rows.c); 0 on failure. */
int register_mask_rows(napi_env env, napi_value exports);

#endif
