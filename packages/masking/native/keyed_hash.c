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
#include <string.h>
#include <stdlib.h>

#define BLOCK_BYTES 64

#include "keyed_hash.h"

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

/* The MAC of data[start..end] under a hasher's pads into `mac`; the contexts are wiped after. */
void mac_of(const Hasher *hasher, const unsigned char *data, size_t length,
                   unsigned char mac[SHA256_DIGEST_LENGTH]) {
  SHA256_CTX ctx;
  unsigned char inner[SHA256_DIGEST_LENGTH];
  memcpy(&ctx, &hasher->inner, sizeof ctx);
  SHA256_Update(&ctx, data, length);
  SHA256_Final(inner, &ctx);
  memcpy(&ctx, &hasher->outer, sizeof ctx);
  SHA256_Update(&ctx, inner, sizeof inner);
  SHA256_Final(mac, &ctx);
  OPENSSL_cleanse(&ctx, sizeof ctx);
  OPENSSL_cleanse(inner, sizeof inner);
}

/* data[start..end] of a Uint8Array argument, its bounds checked here (this reads memory). */
static int range_of(napi_env env, napi_value *argv, unsigned char **data, size_t *length) {
  size_t size = 0;
  if (!bytes_of(env, argv[0], data, &size)) return 0;
  int ok = 1;
  size_t start = offset_of(env, argv[1], size, &ok);
  size_t end = offset_of(env, argv[2], size, &ok);
  if (!ok || start > end) return 0;
  *data += start;
  *length = end - start;
  return 1;
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
  if (!range_of(env, argv, &data, &length)) return throw_type(env, "digest: range outside the array");
  napi_value out_value;
  unsigned char *out = NULL;
  size_t out_length = 0;
  if (napi_get_reference_value(env, hasher->out_ref, &out_value) != napi_ok || out_value == NULL ||
      !bytes_of(env, out_value, &out, &out_length) || out_length != SHA256_DIGEST_LENGTH) {
    return throw_type(env, "digest: the output array is gone or was detached");
  }
  mac_of(hasher, data, length, out);
  return NULL;
}

/*
 * hex(data, start, end, out, at): the first `hex_bytes` bytes of the MAC of data[start..end], in
 * lowercase hex, at out[at..]. One call per masked value, writing where the value goes: no output
 * array to look up, no JavaScript loop to turn bytes into digits.
 */
static napi_value hex(napi_env env, napi_callback_info info) {
  static const char DIGITS[] = "0123456789abcdef";
  size_t argc = 5;
  napi_value argv[5];
  Hasher *hasher = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&hasher) != napi_ok || argc != 5) {
    return throw_type(env, "hex(data, start, end, out, at)");
  }
  unsigned char *data = NULL, *out = NULL;
  size_t length = 0, out_length = 0;
  if (!range_of(env, argv, &data, &length)) return throw_type(env, "hex: range outside the array");
  if (!bytes_of(env, argv[3], &out, &out_length)) return throw_type(env, "hex: `out` is not a Uint8Array");
  int ok = 1;
  size_t at = offset_of(env, argv[4], out_length, &ok);
  if (!ok || out_length - at < 2 * hasher->hex_bytes) return throw_type(env, "hex: no room at `at`");
  unsigned char mac[SHA256_DIGEST_LENGTH];
  mac_of(hasher, data, length, mac);
  for (size_t i = 0; i < hasher->hex_bytes; i++) {
    out[at + 2 * i] = DIGITS[mac[i] >> 4];
    out[at + 2 * i + 1] = DIGITS[mac[i] & 0x0f];
  }
  OPENSSL_cleanse(mac, sizeof mac);
  return NULL;
}

/*
 * hexMany(data, jobs, count, out): `hex` for `count` values at once, job i being the Int32 triple
 * jobs[3i..3i+3] = (start, end, at). A streamed result hashes a value per row; one call per read
 * instead of one per row saves the crossing into C, which costs as much as the hash itself.
 */
static napi_value hex_many(napi_env env, napi_callback_info info) {
  static const char DIGITS[] = "0123456789abcdef";
  size_t argc = 4;
  napi_value argv[4];
  Hasher *hasher = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&hasher) != napi_ok || argc != 4) {
    return throw_type(env, "hexMany(data, jobs, count, out)");
  }
  unsigned char *data = NULL, *out = NULL;
  size_t data_length = 0, out_length = 0, jobs_length = 0;
  napi_typedarray_type jobs_type;
  void *jobs_raw = NULL;
  if (!bytes_of(env, argv[0], &data, &data_length) || !bytes_of(env, argv[3], &out, &out_length) ||
      napi_get_typedarray_info(env, argv[1], &jobs_type, &jobs_length, &jobs_raw, NULL, NULL) != napi_ok ||
      jobs_type != napi_int32_array) {
    return throw_type(env, "hexMany(data: Uint8Array, jobs: Int32Array, count, out: Uint8Array)");
  }
  int ok = 1;
  size_t count = offset_of(env, argv[2], jobs_length / 3, &ok);
  if (!ok) return throw_type(env, "hexMany: more jobs than the array holds");
  const int32_t *jobs = jobs_raw;
  const size_t digits = 2 * hasher->hex_bytes;
  /* Every job is checked before any is written: a bad one writes nothing at all. */
  for (size_t i = 0; i < count; i++) {
    int32_t start = jobs[3 * i], end = jobs[3 * i + 1], at = jobs[3 * i + 2];
    if (start < 0 || end < start || (size_t)end > data_length) return throw_type(env, "hexMany: range outside the array");
    if (at < 0 || (size_t)at > out_length || out_length - (size_t)at < digits) return throw_type(env, "hexMany: no room at `at`");
  }
  unsigned char mac[SHA256_DIGEST_LENGTH];
  for (size_t i = 0; i < count; i++) {
    int32_t start = jobs[3 * i], end = jobs[3 * i + 1], at = jobs[3 * i + 2];
    mac_of(hasher, data + start, (size_t)(end - start), mac);
    for (size_t j = 0; j < hasher->hex_bytes; j++) {
      out[at + 2 * j] = DIGITS[mac[j] >> 4];
      out[at + 2 * j + 1] = DIGITS[mac[j] & 0x0f];
    }
  }
  OPENSSL_cleanse(mac, sizeof mac);
  return NULL;
}

void free_hasher(napi_env env, void *data, void *hint) {
  (void)hint;
  Hasher *hasher = data;
  if (hasher->out_ref != NULL) napi_delete_reference(env, hasher->out_ref);
  OPENSSL_cleanse(hasher, sizeof *hasher);
  free(hasher);
}

/* A hasher with one key's pads compressed, or NULL (out of memory). */
Hasher *new_hasher(const unsigned char *key, size_t key_length) {
  unsigned char block[BLOCK_BYTES] = {0};
  if (key_length > BLOCK_BYTES) SHA256(key, key_length, block);
  else if (key_length > 0) memcpy(block, key, key_length); /* memcpy from NULL is undefined even for 0 bytes. */
  Hasher *hasher = calloc(1, sizeof *hasher);
  if (hasher) {
    unsigned char pad[BLOCK_BYTES];
    for (int i = 0; i < BLOCK_BYTES; i++) pad[i] = block[i] ^ 0x36;
    SHA256_Init(&hasher->inner);
    SHA256_Update(&hasher->inner, pad, BLOCK_BYTES);
    for (int i = 0; i < BLOCK_BYTES; i++) pad[i] = block[i] ^ 0x5c;
    SHA256_Init(&hasher->outer);
    SHA256_Update(&hasher->outer, pad, BLOCK_BYTES);
    OPENSSL_cleanse(pad, sizeof pad);
  }
  OPENSSL_cleanse(block, sizeof block);
  return hasher;
}

/* A function over `hasher`, which it owns: freed with the function. */
static napi_value hasher_function(napi_env env, const char *name, napi_callback call, Hasher *hasher) {
  napi_value fn;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, call, hasher, &fn) != napi_ok ||
      napi_add_finalizer(env, fn, hasher, free_hasher, NULL, NULL) != napi_ok) {
    /* Not attached to a function (or its finalizer could not be): freed here, once. */
    free_hasher(env, hasher, NULL);
    napi_throw_error(env, NULL, "keyed hash: could not create the function");
    return NULL;
  }
  return fn;
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
  Hasher *hasher = new_hasher(key, key_length);
  if (!hasher) {
    napi_throw_error(env, NULL, "createDigest: out of memory");
    return NULL;
  }
  /* A strong reference keeps the output array alive as long as the function. */
  if (napi_create_reference(env, argv[1], 1, &hasher->out_ref) != napi_ok) {
    free_hasher(env, hasher, NULL);
    napi_throw_error(env, NULL, "createDigest: could not keep the output array");
    return NULL;
  }
  return hasher_function(env, "digest", digest, hasher);
}

/* A function over one key that writes the first `bytes` bytes of each MAC in hex: `call` is hex or hex_many. */
static napi_value create_hex_function(napi_env env, napi_callback_info info, const char *name, napi_callback call) {
  size_t argc = 2;
  napi_value argv[2];
  unsigned char *key = NULL;
  size_t key_length = 0;
  int ok = napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == 2 &&
           bytes_of(env, argv[0], &key, &key_length);
  size_t hex_bytes = ok ? offset_of(env, argv[1], SHA256_DIGEST_LENGTH, &ok) : 0;
  if (!ok) return throw_type(env, "expected (key: Uint8Array, bytes: 0 to 32)");
  Hasher *hasher = new_hasher(key, key_length);
  if (!hasher) {
    napi_throw_error(env, NULL, "keyed hash: out of memory");
    return NULL;
  }
  hasher->hex_bytes = hex_bytes;
  return hasher_function(env, name, call, hasher);
}

/* createHex(key, bytes): `hex` over one key. */
static napi_value create_hex(napi_env env, napi_callback_info info) {
  return create_hex_function(env, info, "hex", hex);
}

/* createHexMany(key, bytes): `hexMany` over one key. */
static napi_value create_hex_many(napi_env env, napi_callback_info info) {
  return create_hex_function(env, info, "hexMany", hex_many);
}

NAPI_MODULE_INIT() {
  napi_value digest_fn, hex_fn, hex_many_fn;
  if (napi_create_function(env, "createDigest", NAPI_AUTO_LENGTH, create_digest, NULL, &digest_fn) != napi_ok ||
      napi_set_named_property(env, exports, "createDigest", digest_fn) != napi_ok ||
      napi_create_function(env, "createHex", NAPI_AUTO_LENGTH, create_hex, NULL, &hex_fn) != napi_ok ||
      napi_set_named_property(env, exports, "createHex", hex_fn) != napi_ok ||
      napi_create_function(env, "createHexMany", NAPI_AUTO_LENGTH, create_hex_many, NULL, &hex_many_fn) != napi_ok ||
      napi_set_named_property(env, exports, "createHexMany", hex_many_fn) != napi_ok ||
      !register_mask_rows(env, exports)) {
    return NULL;
  }
  return exports;
}
