/**
 * Named sizes and limits of the secrets package, each with the reason for its value.
 * @see https://www.rfc-editor.org/rfc/rfc7677 (SCRAM-SHA-256)
 */

/** PostgreSQL's default `scram_iterations` (and RFC 7677's minimum recommendation). */
export const SCRAM_DEFAULT_ITERATIONS = 4096;
/** PostgreSQL generates 16-byte salts (SCRAM_DEFAULT_SALT_LEN). */
export const SCRAM_SALT_BYTES = 16;
/** PostgreSQL's SCRAM_RAW_NONCE_LEN: 144 random bits per side, base64 encoded. */
export const SCRAM_NONCE_BYTES = 18;
/** SHA-256 output: the size of SaltedPassword, StoredKey, ServerKey, proofs and signatures. */
export const SCRAM_KEY_BYTES = 32;
/**
 * The most iterations the client side accepts from an upstream. PBKDF2 runs synchronously on the
 * gateway's event loop; a hostile or misconfigured upstream asking for billions would stall every
 * session. One million is far above any real deployment (PostgreSQL defaults to 4096).
 */
export const SCRAM_MAX_ITERATIONS = 1_000_000;

/** 256 random bits: beyond guessing, and 43 URL-safe characters once base64url encoded. */
export const AGENT_TOKEN_BYTES = 32;
/** 48 bits of the token's SHA-256: enough to tell credentials apart, far too few to help an attacker. */
export const TOKEN_FINGERPRINT_HEX_CHARS = 12;

/** AES-256 key size. */
export const SECRET_KEY_BYTES = 32;
/** GCM's recommended nonce size; random per box, so a key can safely seal billions of secrets. */
export const SECRET_BOX_IV_BYTES = 12;
/** GCM's full 128-bit tag: shorter tags weaken forgery resistance. */
export const SECRET_BOX_TAG_BYTES = 16;

/** The md5 AuthenticationRequest carries a 4-byte salt. */
export const MD5_SALT_BYTES = 4;

/**
 * Owners (connections) whose opened secret one opener keeps: far more connections than a gateway
 * serves, so every login of a live one is answered from memory, and bounded so that connections
 * created and deleted over a process's life do not keep their secrets forever.
 */
export const MAX_OPENED_SECRETS = 1024;

/** Random bytes drawn from the CSPRNG at once for small requests (random-pool.ts): about 100 connects' worth. */
export const RANDOM_POOL_BYTES = 4096;
