import { createHash } from "node:crypto";

/**
 * MariaDB's `client_ed25519` answer: an Ed25519 signature of the server's 32-byte scramble, whose
 * secret scalar and nonce prefix are SHA-512 of the password itself (where RFC 8032 takes SHA-512
 * of a 32-byte seed). Node's crypto signs only from a seed, so the group arithmetic is done here,
 * in BigInt, on RFC 8032's formulas; `ed25519SignExpanded` of SHA-512(seed) is exactly RFC 8032's
 * signature (the unit test checks it against Node's own).
 *
 * BigInt arithmetic is not constant-time: a party that can both trigger upstream logins and time
 * them finely could in principle learn about the brokered password. The ladder below does the same
 * operations for every bit, which removes the branch-dependent part only.
 *
 * @see https://mariadb.com/kb/en/authentication-plugin-ed25519/
 * @see https://github.com/MariaDB/server/blob/11.4/plugin/auth_ed25519/ref10/sign.c (crypto_sign)
 * @see https://www.rfc-editor.org/rfc/rfc8032#section-5.1.6
 */
export function ed25519PasswordSignature(password: string, scramble: Buffer): Buffer {
  const expanded = createHash("sha512").update(password, "utf8").digest();
  return ed25519SignExpanded(expanded, scramble);
}

/** The public key the server stores for the password (what `PASSWORD()` shows, in base64). */
export function ed25519PasswordPublicKey(password: string): Buffer {
  const expanded = createHash("sha512").update(password, "utf8").digest();
  return encodePoint(multiplyBase(clampedScalar(expanded)));
}

function clampedScalar(expanded: Buffer): bigint {
  const clamped = Buffer.from(expanded.subarray(0, 32));
  clamped[0] = (clamped[0] as number) & 248;
  clamped[31] = ((clamped[31] as number) & 63) | 64;
  return fromLittleEndian(clamped);
}

/** Ed25519 signing with the already expanded 64-byte secret (`h` of RFC 8032 5.1.6 step 1). */
export function ed25519SignExpanded(expanded: Buffer, message: Buffer): Buffer {
  if (expanded.length !== 64) throw new Error("an expanded Ed25519 secret is 64 bytes");
  const secret = clampedScalar(expanded);
  const publicKey = encodePoint(multiplyBase(secret));
  const nonce = fromLittleEndian(sha512(expanded.subarray(32), message)) % L;
  const commitment = encodePoint(multiplyBase(nonce));
  const challenge = fromLittleEndian(sha512(commitment, publicKey, message)) % L;
  const response = (nonce + challenge * secret) % L;
  return Buffer.concat([commitment, toLittleEndian(response)]);
}

/** The field prime 2^255 - 19, the group order, and the curve constant d = -121665/121666. */
const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const D = mod(-121665n * inverse(121666n));

/** A point in extended coordinates (x = X/Z, y = Y/Z, x·y = T/Z). */
type Point = { x: bigint; y: bigint; z: bigint; t: bigint };

const BASE_X = 15112221349535400772501151409588531511454012693041857206046113283949847762202n;
const BASE_Y = 46316835694926478169428394003475163141307993866256225615783033603165251855960n;
const BASE: Point = { x: BASE_X, y: BASE_Y, z: 1n, t: mod(BASE_X * BASE_Y) };
const IDENTITY: Point = { x: 0n, y: 1n, z: 1n, t: 0n };

function mod(value: bigint): bigint {
  const result = value % P;
  return result < 0n ? result + P : result;
}

function power(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let square = mod(base);
  for (let rest = exponent; rest > 0n; rest >>= 1n) {
    if (rest & 1n) result = mod(result * square);
    square = mod(square * square);
  }
  return result;
}

function inverse(value: bigint): bigint {
  return power(value, P - 2n);
}

/** RFC 8032 5.1.4, "add-2008-hwcd-3": complete for every pair of points, doubling included. */
function add(a: Point, b: Point): Point {
  const pa = mod((a.y - a.x) * (b.y - b.x));
  const pb = mod((a.y + a.x) * (b.y + b.x));
  const pc = mod(2n * D * a.t * b.t);
  const pd = mod(2n * a.z * b.z);
  const e = pb - pa;
  const f = pd - pc;
  const g = pd + pc;
  const h = pb + pa;
  return { x: mod(e * f), y: mod(g * h), z: mod(f * g), t: mod(e * h) };
}

/** scalar · B by a ladder that adds and doubles once per bit, whatever the bit. */
function multiplyBase(scalar: bigint): Point {
  let low = IDENTITY;
  let high = BASE;
  for (let bit = 255n; bit >= 0n; bit--) {
    const isSet = ((scalar >> bit) & 1n) === 1n;
    const sum = add(low, high);
    const doubled = add(isSet ? high : low, isSet ? high : low);
    low = isSet ? sum : doubled;
    high = isSet ? doubled : sum;
  }
  return low;
}

/** RFC 8032 5.1.2: y little-endian, the top bit holding x's parity. */
function encodePoint(point: Point): Buffer {
  const zInverse = inverse(point.z);
  const x = mod(point.x * zInverse);
  const y = mod(point.y * zInverse);
  const bytes = toLittleEndian(y);
  bytes[31] = (bytes[31] as number) | (Number(x & 1n) << 7);
  return bytes;
}

function sha512(...parts: Buffer[]): Buffer {
  const hash = createHash("sha512");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function fromLittleEndian(bytes: Buffer): bigint {
  return BigInt(`0x${Buffer.from(bytes).reverse().toString("hex") || "0"}`);
}

function toLittleEndian(value: bigint): Buffer {
  return Buffer.from(value.toString(16).padStart(64, "0"), "hex").reverse();
}
