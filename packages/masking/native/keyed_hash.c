/*
 * HMAC-SHA256 for the keyed-hash masking strategy, on the OpenSSL that Node itself links (its SHA-256
 * uses the CPU's SHA extensions where there are some). The key's inner and outer pad blocks are
 * compressed once; each value then costs one context copy and one short update per side. Loaded by
 * src/native-keyed-hash.ts; when this file was not built, the JavaScript hash does the same work.
 */
/* SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, whose context copies
 * allocate; the low-level calls are still exported by Node and are the fast path here. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <node_api.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>
#include <stdlib.h>

#define BLOCK_BYTES 64

/*
 * One key's precomputed pads and a reference to the Uint8Array its digests are written to. The
 * array's memory is looked up again at every call, never kept: its buffer could be detached
 * (transferred) and freed while the array itself stays alive.
 */
typedef struct {
  SHA256_CTX inner;
  SHA256_CTX outer;
  napi_ref out_ref;
} Hasher;

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static int bytes_of(napi_env env, napi_value value, unsigned char **data, size_t *length) {
  napi_typedarray_type type;
  void *raw = NULL;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, NULL, NULL) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  *data = raw;
  return 1;
}

/* An offset argument: a whole number from 0 to `limit`, else 0 is returned and *ok is cleared. */
static size_t offset_of(napi_env env, napi_value value, size_t limit, int *ok) {
  double number = 0;
  if (napi_get_value_double(env, value, &number) != napi_ok || !(number >= 0) || number > (double)limit ||
      number != (double)(size_t)number) {
    *ok = 0;
    return 0;
  }
  return (size_t)number;
}

/* digest(data, start, end): the MAC of data[start..end] into the hasher's output array. */
static napi_value digest(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  Hasher *hasher = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&hasher) != napi_ok || argc != 3) {
    return throw_type(env, "digest(data, start, end)");
  }
  unsigned char *data = NULL;
  size_t length = 0;
  if (!bytes_of(env, argv[0], &data, &length)) {
    return throw_type(env, "digest(data: Uint8Array, start: number, end: number)");
  }
  /* The bounds are checked here, not trusted from the caller: this reads memory. */
  int ok = 1;
  size_t start = offset_of(env, argv[1], length, &ok);
  size_t end = offset_of(env, argv[2], length, &ok);
  if (!ok || start > end) return throw_type(env, "digest: range outside the array");
  napi_value out_value;
  unsigned char *out = NULL;
  size_t out_length = 0;
  if (napi_get_reference_value(env, hasher->out_ref, &out_value) != napi_ok || out_value == NULL ||
      !bytes_of(env, out_value, &out, &out_length) || out_length != SHA256_DIGEST_LENGTH) {
    return throw_type(env, "digest: the output array is gone or was detached");
  }
  SHA256_CTX ctx;
  unsigned char inner[SHA256_DIGEST_LENGTH];
  memcpy(&ctx, &hasher->inner, sizeof ctx);
  SHA256_Update(&ctx, data + start, end - start);
  SHA256_Final(inner, &ctx);
  memcpy(&ctx, &hasher->outer, sizeof ctx);
  SHA256_Update(&ctx, inner, sizeof inner);
  SHA256_Final(out, &ctx);
  OPENSSL_cleanse(&ctx, sizeof ctx);
  OPENSSL_cleanse(inner, sizeof inner);
  return NULL;
}

static void free_hasher(napi_env env, void *data, void *hint) {
  (void)hint;
  Hasher *hasher = data;
  if (hasher->out_ref != NULL) napi_delete_reference(env, hasher->out_ref);
  OPENSSL_cleanse(hasher, sizeof *hasher);
  free(hasher);
}

/* createDigest(key, out): a digest function for one key, writing each MAC into `out` (32 bytes). */
static napi_value create_digest(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2) {
    return throw_type(env, "createDigest(key, out)");
  }
  unsigned char *key = NULL, *out = NULL;
  size_t key_length = 0, out_length = 0;
  if (!bytes_of(env, argv[0], &key, &key_length) || !bytes_of(env, argv[1], &out, &out_length) ||
      out_length != SHA256_DIGEST_LENGTH) {
    return throw_type(env, "createDigest(key: Uint8Array, out: Uint8Array of 32 bytes)");
  }
  unsigned char block[BLOCK_BYTES] = {0};
  if (key_length > BLOCK_BYTES) SHA256(key, key_length, block);
  else memcpy(block, key, key_length);
  Hasher *hasher = calloc(1, sizeof *hasher);
  if (!hasher) {
    napi_throw_error(env, NULL, "createDigest: out of memory");
    return NULL;
  }
  unsigned char pad[BLOCK_BYTES];
  for (int i = 0; i < BLOCK_BYTES; i++) pad[i] = block[i] ^ 0x36;
  SHA256_Init(&hasher->inner);
  SHA256_Update(&hasher->inner, pad, BLOCK_BYTES);
  for (int i = 0; i < BLOCK_BYTES; i++) pad[i] = block[i] ^ 0x5c;
  SHA256_Init(&hasher->outer);
  SHA256_Update(&hasher->outer, pad, BLOCK_BYTES);
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
  napi_value fn;
  /* A strong reference keeps the output array alive as long as the function. */
  if (napi_create_reference(env, argv[1], 1, &hasher->out_ref) != napi_ok) {
    free_hasher(env, hasher, NULL);
    napi_throw_error(env, NULL, "createDigest: could not keep the output array");
    return NULL;
  }
  if (napi_create_function(env, "digest", NAPI_AUTO_LENGTH, digest, hasher, &fn) != napi_ok ||
      napi_add_finalizer(env, fn, hasher, free_hasher, NULL, NULL) != napi_ok) {
    /* Not attached to a function (or its finalizer could not be): freed here, once. */
    free_hasher(env, hasher, NULL);
    napi_throw_error(env, NULL, "createDigest: could not create the function");
    return NULL;
  }
  return fn;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "createDigest", NAPI_AUTO_LENGTH, create_digest, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "createDigest", fn) != napi_ok) return NULL;
  return exports;
}
