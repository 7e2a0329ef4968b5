/*
 * Masks the whole DataRows of one upstream read in one call, under a column program compiled from
 * the result's masking plan (src/column-program.ts). It mirrors maskDataRowInto (src/row-masker.ts),
 * which stays the reference: every row is checked whole (lengths, bounds, room in the output)
 * before a byte of it is written, and anything this code does not do exactly as the JavaScript does
 * (a content-detector column, a partial mask of text that is not valid UTF-8, a malformed row) is
 * handed back to it, row by row, instead of being guessed at. Nothing is ever copied through for a
 * column the program does not say to keep.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-DATAROW
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "keyed_hash.h"

/* Column operations; the same numbers as COLUMN_OP in src/column-program.ts. */
enum { OP_KEEP = 0, OP_NULL = 1, OP_REDACT = 2, OP_HASH = 3, OP_PARTIAL = 4, OP_JS = 5 };
/* What a call stopped at; the same numbers as MASK_ROWS_STATUS in src/native-row-masker.ts. */
enum { STATUS_DONE = 0, STATUS_NEED_ROOM = 1, STATUS_MALFORMED = 2, STATUS_NEEDS_JS = 3 };
/* Why a row is malformed, in maskDataRowInto's order of checks. */
enum {
  WHY_SHORT = 1,          /* shorter than its header */
  WHY_LENGTH = 2,         /* its length is out of range */
  WHY_COLUMN_START = 3,   /* column N starts past its end */
  WHY_COLUMN_LENGTH = 4,  /* column N has length L */
  WHY_UNFILLED = 5        /* its columns do not fill its length */
};
/* state[]: where the call stopped in the input and the output, then what it needs or why. */
enum { STATE_IN = 0, STATE_OUT = 1, STATE_DETAIL = 2, STATE_COLUMN = 3, STATE_LENGTH = 4, STATE_SLOTS = 5 };

#define DATA_ROW 0x44 /* 'D' */
#define ROW_HEADER_BYTES 7 /* type, Int32 length, Int16 column count */
#define MAX_REDACTED_BYTES 64
/* A program is at most this many columns (a DataRow's count is an Int16). */
#define MAX_PROGRAM_COLUMNS 65535

typedef struct {
  Hasher *hasher;
  unsigned char redacted[MAX_REDACTED_BYTES];
  size_t redacted_length;
} RowMasker;

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static int32_t read_int32(const unsigned char *at) {
  return (int32_t)(((uint32_t)at[0] << 24) | ((uint32_t)at[1] << 16) | ((uint32_t)at[2] << 8) | (uint32_t)at[3]);
}

static unsigned char *write_int32(unsigned char *at, int32_t value) {
  uint32_t bits = (uint32_t)value;
  at[0] = (unsigned char)(bits >> 24);
  at[1] = (unsigned char)(bits >> 16);
  at[2] = (unsigned char)(bits >> 8);
  at[3] = (unsigned char)bits;
  return at + 4;
}

/*
 * Characters of value[0..length] when it is valid UTF-8 (no overlong form, no surrogate, nothing
 * past U+10FFFF: what decodes without a replacement character), else -1. Only then do characters
 * and their bytes correspond one to one, as the JavaScript's decoded string has them.
 */
static int64_t utf8_characters(const unsigned char *value, size_t length) {
  int64_t characters = 0;
  size_t i = 0;
  while (i < length) {
    unsigned char lead = value[i];
    size_t extra;
    uint32_t point;
    if (lead < 0x80) {
      i += 1;
      characters += 1;
      continue;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
      extra = 1;
      point = lead & 0x1f;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      extra = 2;
      point = lead & 0x0f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      extra = 3;
      point = lead & 0x07;
    } else {
      return -1;
    }
    if (length - i <= extra) return -1;
    for (size_t k = 1; k <= extra; k++) {
      unsigned char next = value[i + k];
      if ((next & 0xc0) != 0x80) return -1;
      point = (point << 6) | (next & 0x3f);
    }
    if ((extra == 2 && (point < 0x800 || (point >= 0xd800 && point <= 0xdfff))) ||
        (extra == 3 && (point < 0x10000 || point > 0x10ffff))) {
      return -1;
    }
    i += extra + 1;
    characters += 1;
  }
  return characters;
}

/* Byte offset in value[0..length] (valid UTF-8) where its last `keep` characters begin. */
static size_t tail_start(const unsigned char *value, size_t length, int64_t keep) {
  size_t at = length;
  while (keep > 0 && at > 0) {
    at -= 1;
    if ((value[at] & 0xc0) != 0x80) keep -= 1;
  }
  return at;
}

/* PARTIAL's kept characters: min(cap, characters / 2), as partialText computes it. */
static int64_t kept_characters(int64_t characters, int32_t cap) {
  int64_t half = characters / 2;
  return cap < half ? cap : half;
}

/* One checked row: where it ends and what its masked form takes, or a status to stop with. */
typedef struct {
  size_t end;
  int64_t size;
} RowPlan;

/*
 * Pass one over the row at data[pos..limit]: checks every length as maskDataRowInto does, in the
 * same order, and sizes the masked row. Writes nothing but `state` when it stops.
 */
static int plan_row(const RowMasker *masker, const int32_t *program, size_t known, const unsigned char *data,
                    size_t pos, size_t limit, RowPlan *row, int32_t *state) {
  if (limit - pos < ROW_HEADER_BYTES) {
    state[STATE_DETAIL] = WHY_SHORT;
    return STATUS_MALFORMED;
  }
  /* Not a DataRow: the JavaScript reads it as it always has (the caller only sends rows). */
  if (data[pos] != DATA_ROW) return STATUS_NEEDS_JS;
  int64_t declared = read_int32(data + pos + 1);
  int64_t row_end = (int64_t)pos + 1 + declared;
  if (row_end > (int64_t)limit || row_end < (int64_t)pos + ROW_HEADER_BYTES) {
    state[STATE_DETAIL] = WHY_LENGTH;
    return STATUS_MALFORMED;
  }
  size_t end = (size_t)row_end;
  size_t count = ((size_t)data[pos + 5] << 8) | data[pos + 6];
  int64_t size = ROW_HEADER_BYTES;
  size_t offset = pos + ROW_HEADER_BYTES;
  for (size_t i = 0; i < count; i++) {
    if (offset > end || end - offset < 4) {
      state[STATE_DETAIL] = WHY_COLUMN_START;
      state[STATE_COLUMN] = (int32_t)(i + 1);
      return STATUS_MALFORMED;
    }
    int32_t length = read_int32(data + offset);
    size_t start = offset + 4;
    if (length < -1 || (length > 0 && (size_t)length > end - start)) {
      state[STATE_DETAIL] = WHY_COLUMN_LENGTH;
      state[STATE_COLUMN] = (int32_t)(i + 1);
      state[STATE_LENGTH] = length;
      return STATUS_MALFORMED;
    }
    offset = length < 0 ? start : start + (size_t)length;
    int32_t op = i < known ? program[1 + 2 * i] : OP_NULL;
    if (length < 0) {
      size += 4; /* SQL NULL stays NULL under every operation */
      continue;
    }
    switch (op) {
      case OP_KEEP:
        size += 4 + (int64_t)length;
        break;
      case OP_NULL:
        size += 4;
        break;
      case OP_REDACT:
        size += 4 + (int64_t)masker->redacted_length;
        break;
      case OP_HASH:
        size += 4 + 2 + 2 * (int64_t)masker->hasher->hex_bytes;
        break;
      case OP_PARTIAL: {
        const unsigned char *value = data + start;
        int64_t characters = utf8_characters(value, (size_t)length);
        /* Not valid UTF-8: the JavaScript decodes it with replacement characters; left to it. */
        if (characters < 0) return STATUS_NEEDS_JS;
        int64_t keep = kept_characters(characters, program[2 + 2 * i]);
        size_t tail = tail_start(value, (size_t)length, keep);
        size += 4 + (characters - keep) + (int64_t)((size_t)length - tail);
        break;
      }
      default:
        /* OP_JS, or anything this code does not know: the whole row goes to the JavaScript. */
        return STATUS_NEEDS_JS;
    }
  }
  if (offset != end) {
    state[STATE_DETAIL] = WHY_UNFILLED;
    return STATUS_MALFORMED;
  }
  /* The masked row's length must fit its Int32 length word, and its size the int32 the JS reads back. */
  if (size > INT32_MAX) return STATUS_NEEDS_JS;
  row->end = end;
  row->size = size;
  return STATUS_DONE;
}

/* Pass two: the row at data[pos..row->end], already checked, written masked at out[0..row->size]. */
static void write_row(const RowMasker *masker, const int32_t *program, size_t known, const unsigned char *data,
                      size_t pos, const RowPlan *row, unsigned char *out) {
  static const char DIGITS[] = "0123456789abcdef";
  size_t count = ((size_t)data[pos + 5] << 8) | data[pos + 6];
  out[0] = DATA_ROW;
  write_int32(out + 1, (int32_t)(row->size - 1));
  out[5] = data[pos + 5];
  out[6] = data[pos + 6];
  unsigned char *at = out + ROW_HEADER_BYTES;
  size_t offset = pos + ROW_HEADER_BYTES;
  unsigned char mac[SHA256_DIGEST_LENGTH];
  for (size_t i = 0; i < count; i++) {
    int32_t length = read_int32(data + offset);
    const unsigned char *value = data + offset + 4;
    int32_t op = i < known ? program[1 + 2 * i] : OP_NULL;
    if (length < 0 || op == OP_NULL) {
      at = write_int32(at, -1);
    } else if (op == OP_KEEP) {
      memcpy(at, data + offset, 4 + (size_t)length);
      at += 4 + (size_t)length;
    } else if (op == OP_REDACT) {
      at = write_int32(at, (int32_t)masker->redacted_length);
      memcpy(at, masker->redacted, masker->redacted_length);
      at += masker->redacted_length;
    } else if (op == OP_HASH) {
      /* Deterministic per deployment, so an agent can still join and group on the column. */
      at = write_int32(at, (int32_t)(2 + 2 * masker->hasher->hex_bytes));
      *at++ = 'h';
      *at++ = '_';
      mac_of(masker->hasher, value, (size_t)length, mac);
      for (size_t j = 0; j < masker->hasher->hex_bytes; j++) {
        *at++ = (unsigned char)DIGITS[mac[j] >> 4];
        *at++ = (unsigned char)DIGITS[mac[j] & 0x0f];
      }
    } else { /* OP_PARTIAL: plan_row admitted nothing else */
      int64_t characters = utf8_characters(value, (size_t)length);
      int64_t keep = kept_characters(characters, program[2 + 2 * i]);
      size_t tail = tail_start(value, (size_t)length, keep);
      int32_t stars = (int32_t)(characters - keep);
      at = write_int32(at, stars + (int32_t)((size_t)length - tail));
      memset(at, '*', (size_t)stars);
      at += stars;
      memcpy(at, value + tail, (size_t)length - tail);
      at += (size_t)length - tail;
    }
    offset += 4 + (length < 0 ? 0 : (size_t)length);
  }
  OPENSSL_cleanse(mac, sizeof mac);
}

/* A typed array argument of `type`: its memory and element count. */
static int array_of(napi_env env, napi_value value, napi_typedarray_type type, void **data, size_t *length) {
  napi_typedarray_type actual;
  if (napi_get_typedarray_info(env, value, &actual, length, data, NULL, NULL) != napi_ok) return 0;
  return actual == type;
}

/* A whole-number argument from 0 to `limit`. */
static int offset_arg(napi_env env, napi_value value, size_t limit, size_t *out) {
  double number = 0;
  if (napi_get_value_double(env, value, &number) != napi_ok || !(number >= 0) || number > (double)limit ||
      number != (double)(size_t)number) {
    return 0;
  }
  *out = (size_t)number;
  return 1;
}

/*
 * maskRows(program, data, start, end, out, at, state): masks the DataRows at data[start..end] into
 * out[at..], row after row, and returns a status: DONE (every row written), NEED_ROOM (the next row
 * needs state[DETAIL] bytes, more than `out` has left), MALFORMED (the next row's lengths do not add
 * up; state says which check) or NEEDS_JS (the next row is the JavaScript's to mask). state[IN] and
 * state[OUT] are where it stopped: rows before them are written whole, nothing after.
 */
static napi_value mask_rows(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  RowMasker *masker = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&masker) != napi_ok || argc != 7) {
    return throw_type(env, "maskRows(program, data, start, end, out, at, state)");
  }
  void *program_raw = NULL, *data_raw = NULL, *out_raw = NULL, *state_raw = NULL;
  size_t program_length = 0, data_length = 0, out_length = 0, state_length = 0;
  if (!array_of(env, argv[0], napi_int32_array, &program_raw, &program_length) ||
      !array_of(env, argv[1], napi_uint8_array, &data_raw, &data_length) ||
      !array_of(env, argv[4], napi_uint8_array, &out_raw, &out_length) ||
      !array_of(env, argv[6], napi_int32_array, &state_raw, &state_length) || state_length < STATE_SLOTS) {
    return throw_type(env, "maskRows(program: Int32Array, data: Uint8Array, start, end, out: Uint8Array, at, state: Int32Array(5))");
  }
  /* Positions travel back in Int32 slots. */
  if (data_length > INT32_MAX || out_length > INT32_MAX) return throw_type(env, "maskRows: arrays of 2 GiB or more");
  const int32_t *program = program_raw;
  if (program_length < 1 || program[0] < 0 || program[0] > MAX_PROGRAM_COLUMNS ||
      program_length != 1 + 2 * (size_t)program[0]) {
    return throw_type(env, "maskRows: not a column program");
  }
  size_t known = (size_t)program[0];
  for (size_t i = 0; i < known; i++) {
    if (program[1 + 2 * i] == OP_PARTIAL && program[2 + 2 * i] < 0) return throw_type(env, "maskRows: negative partial");
  }
  size_t start = 0, end = 0, at = 0;
  if (!offset_arg(env, argv[3], data_length, &end) || !offset_arg(env, argv[2], end, &start) ||
      !offset_arg(env, argv[5], out_length, &at)) {
    return throw_type(env, "maskRows: range outside the arrays");
  }
  const unsigned char *data = data_raw;
  unsigned char *out = out_raw;
  int32_t *state = state_raw;
  memset(state, 0, STATE_SLOTS * sizeof *state);
  int status = STATUS_DONE;
  size_t pos = start;
  while (pos < end) {
    RowPlan row;
    status = plan_row(masker, program, known, data, pos, end, &row, state);
    if (status != STATUS_DONE) break;
    if ((int64_t)(out_length - at) < row.size) {
      state[STATE_DETAIL] = (int32_t)row.size;
      status = STATUS_NEED_ROOM;
      break;
    }
    write_row(masker, program, known, data, pos, &row, out + at);
    at += (size_t)row.size;
    pos = row.end;
  }
  state[STATE_IN] = (int32_t)pos;
  state[STATE_OUT] = (int32_t)at;
  napi_value result;
  if (napi_create_int32(env, status, &result) != napi_ok) return NULL;
  return result;
}

static void free_row_masker(napi_env env, void *data, void *hint) {
  (void)hint;
  RowMasker *masker = data;
  if (masker->hasher) free_hasher(env, masker->hasher, NULL);
  OPENSSL_cleanse(masker, sizeof *masker);
  free(masker);
}

/* createRowMasker(key, hashBytes, redacted): `maskRows` over one hash key and one redaction text. */
static napi_value create_row_masker(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  void *key = NULL, *redacted = NULL;
  size_t key_length = 0, redacted_length = 0, hex_bytes = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3 ||
      !array_of(env, argv[0], napi_uint8_array, &key, &key_length) ||
      !offset_arg(env, argv[1], SHA256_DIGEST_LENGTH, &hex_bytes) ||
      !array_of(env, argv[2], napi_uint8_array, &redacted, &redacted_length) ||
      redacted_length > MAX_REDACTED_BYTES) {
    return throw_type(env, "createRowMasker(key: Uint8Array, hashBytes: 0 to 32, redacted: Uint8Array of at most 64 bytes)");
  }
  RowMasker *masker = calloc(1, sizeof *masker);
  if (masker) masker->hasher = new_hasher(key, key_length);
  if (!masker || !masker->hasher) {
    free(masker);
    napi_throw_error(env, NULL, "createRowMasker: out of memory");
    return NULL;
  }
  masker->hasher->hex_bytes = hex_bytes;
  /* memcpy from NULL is undefined even for 0 bytes (an empty redaction text). */
  if (redacted_length > 0) memcpy(masker->redacted, redacted, redacted_length);
  masker->redacted_length = redacted_length;
  napi_value fn;
  if (napi_create_function(env, "maskRows", NAPI_AUTO_LENGTH, mask_rows, masker, &fn) != napi_ok ||
      napi_add_finalizer(env, fn, masker, free_row_masker, NULL, NULL) != napi_ok) {
    free_row_masker(env, masker, NULL);
    napi_throw_error(env, NULL, "createRowMasker: could not create the function");
    return NULL;
  }
  return fn;
}

int register_mask_rows(napi_env env, napi_value exports) {
  napi_value fn;
  return napi_create_function(env, "createRowMasker", NAPI_AUTO_LENGTH, create_row_masker, NULL, &fn) == napi_ok &&
         napi_set_named_property(env, exports, "createRowMasker", fn) == napi_ok;
}
