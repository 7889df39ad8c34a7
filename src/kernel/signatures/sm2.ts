/*
 * SM2 digital signatures with SM3 (GB/T 32918.2-2016 / GM/T 0003.2-2012), the 国密 suite for electronic
 * certificates. Why not node:crypto: Node 20 and 22 (OpenSSL 3.0) sign SM2 with an EMPTY distinguishing ID and
 * offer no way to set it, so their signatures fail against the standard's vectors and every verifier that uses
 * the default ID "1234567812345678"; `generateKeyPair('ec', {namedCurve:'SM2'})` even gives plain ECDSA, and
 * OpenSSL is changing that default upstream. So Z and e are computed here, SM3 comes from node:crypto (it is
 * correct there), and the point arithmetic from @noble/curves' Weierstrass code (audited, blinded constant-time
 * `multiply` for secret scalars). Curve parameters are an input only so the standard's example curve can be
 * tested; the production API is `sm2p256v1`.
 */
import { createHash, createHmac, getHashes, randomBytes } from 'node:crypto';
import {
  type WeierstrassPoint,
  type WeierstrassPointCons,
  weierstrass,
} from '@noble/curves/abstract/weierstrass.js';
import { bytesToNumberBE, createHmacDrbg, numberToBytesBE } from '@noble/curves/utils.js';

/** The default distinguishing ID (GM/T 0009-2012 §10, GB/T 35276), used when the signer has no other ID. */
export const SM2_DEFAULT_ID = '1234567812345678';

/** Bytes in a field element, a scalar, and each half of a signature: SM2 is defined over 256-bit curves. */
const SIZE = 32;

/** The parameters of a prime-field Weierstrass curve y² = x³ + ax + b, as GB/T 32918 gives them. */
export interface Sm2CurveParams {
  readonly p: bigint;
  readonly a: bigint;
  readonly b: bigint;
  readonly n: bigint;
  readonly h: bigint;
  readonly Gx: bigint;
  readonly Gy: bigint;
}

/** The recommended curve sm2p256v1 (GB/T 32918.5-2017, OID 1.2.156.10197.1.301). */
export const SM2P256V1_PARAMS: Sm2CurveParams = Object.freeze({
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  h: 1n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
});

/** Options of signing and verifying: the signer's distinguishing ID, which both sides must agree on. */
export interface Sm2IdOptions {
  /** UTF-8 text or raw bytes, at most 8191 bytes (its bit length must fit ENTL's 16 bits). */
  readonly id?: string | Uint8Array;
}

/**
 * SM2 over one curve. Private keys are 32 raw bytes (d in [1, n-2]); public keys are the 65-byte uncompressed
 * point 04‖x‖y; signatures are the 64 bytes r‖s (as in JOSE, not DER).
 */
export interface Sm2Curve {
  readonly params: Sm2CurveParams;
  /** A fresh private key from node:crypto's CSPRNG, uniform in [1, n-2]. */
  generatePrivateKey(): Uint8Array;
  /** The public key P = dG of a private key. Throws if the private key is out of range. */
  publicKeyOf(privateKey: Uint8Array): Uint8Array;
  /** Throws unless the bytes are an uncompressed point on the curve, other than infinity. */
  assertPublicKey(publicKey: Uint8Array): void;
  /** Z = SM3(ENTL‖ID‖a‖b‖xG‖yG‖xA‖yA): binds a signature to the signer's ID and key. */
  userHash(publicKey: Uint8Array, options?: Sm2IdOptions): Uint8Array;
  /** e = SM3(Z‖M): the value actually signed. */
  messageDigest(message: Uint8Array, publicKey: Uint8Array, options?: Sm2IdOptions): Uint8Array;
  /** Signs with a hedged nonce (see `hedgedSignature`). */
  sign(message: Uint8Array, privateKey: Uint8Array, options?: Sm2IdOptions): Uint8Array;
  /** GB/T 32918.2 §7 verification. False for any bad signature; throws only for an invalid public key. */
  verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array, options?: Sm2IdOptions): boolean;
}

/** SM3 over the concatenation of the parts. */
export function sm3(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sm3');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

/** Whether this Node's OpenSSL has SM3; a Node built against a system OpenSSL without it cannot use SM2. */
export function isSm3Available(): boolean {
  return getHashes().includes('sm3');
}

// The signing core of each curve, kept out of the public `Sm2Curve` so that a caller-chosen k is reachable only
// through `signWithFixedNonceForTest`.
type SignWithNonce = (
  message: Uint8Array,
  privateKey: Uint8Array,
  k: bigint,
  options?: Sm2IdOptions,
) => Uint8Array;
const fixedNonceSigners = new WeakMap<Sm2Curve, SignWithNonce>();

const mod = (a: bigint, n: bigint): bigint => ((a % n) + n) % n;

/** Modular inverse by the extended Euclidean algorithm; n is prime and a ≠ 0 mod n. */
function invert(a: bigint, n: bigint): bigint {
  let [oldR, r] = [mod(a, n), n];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new RangeError('SM2: value has no inverse');
  return mod(oldS, n);
}

const hmacSm3 = (key: Uint8Array, message: Uint8Array): Uint8Array =>
  new Uint8Array(createHmac('sm3', key).update(message).digest());

/** SM2 over the given curve. Use `sm2p256v1` in production; other parameters exist for the standard's tests. */
export function createSm2Curve(params: Sm2CurveParams): Sm2Curve {
  const { n } = params;
  // Every value is encoded in 32 bytes (Z, keys, signatures), so the curve must be at most 256 bits wide.
  if (params.p >= 1n << 256n || n >= 1n << 256n) throw new RangeError('SM2 curves are 256-bit');
  if (params.h !== 1n) throw new RangeError('SM2 here supports cofactor 1 only');
  // weierstrass() checks that a, b, Gx, Gy are field elements and that G lies on the curve.
  const Point: WeierstrassPointCons<bigint> = weierstrass({ ...params });
  const fixed = (value: bigint) => numberToBytesBE(value, SIZE);
  const curveBytes = [fixed(params.a), fixed(params.b), fixed(params.Gx), fixed(params.Gy)];

  const toPoint = (publicKey: Uint8Array): WeierstrassPoint<bigint> => {
    if (publicKey.length !== 1 + 2 * SIZE || publicKey[0] !== 0x04)
      throw new TypeError('SM2 public key must be 65 bytes: 04‖x‖y');
    return Point.fromBytes(publicKey); // checks that the point is on the curve and not infinity
  };

  // GB/T 32918.1 §6.1: d in [1, n-2], so that 1 + d is invertible mod n.
  const toScalar = (privateKey: Uint8Array): bigint => {
    if (privateKey.length !== SIZE) throw new TypeError(`SM2 private key must be ${SIZE} bytes`);
    const d = bytesToNumberBE(privateKey);
    if (d < 1n || d > n - 2n) throw new RangeError('SM2 private key is out of range [1, n-2]');
    return d;
  };

  const idBytes = (options?: Sm2IdOptions): Uint8Array => {
    const id = options?.id ?? SM2_DEFAULT_ID;
    const bytes = typeof id === 'string' ? new TextEncoder().encode(id) : id;
    if (bytes.length * 8 > 0xffff) throw new RangeError('SM2 distinguishing ID is longer than 8191 bytes');
    return bytes;
  };

  const userHashOf = (point: WeierstrassPoint<bigint>, options?: Sm2IdOptions): Uint8Array => {
    const id = idBytes(options);
    const bits = id.length * 8;
    const { x, y } = point.toAffine();
    return sm3(Uint8Array.of(bits >> 8, bits & 0xff), id, ...curveBytes, fixed(x), fixed(y));
  };

  const digestOf = (message: Uint8Array, point: WeierstrassPoint<bigint>, options?: Sm2IdOptions): bigint =>
    bytesToNumberBE(sm3(userHashOf(point, options), message));

  /** GB/T 32918.2 §6.1 A3–A6 for one k: the signature, or undefined when this k must be replaced. */
  const signatureFor = (e: bigint, d: bigint, k: bigint): Uint8Array | undefined => {
    if (k < 1n || k >= n) return undefined;
    const r = mod(e + Point.BASE.multiply(k).toAffine().x, n);
    if (r === 0n || r + k === n) return undefined;
    const s = mod(invert(1n + d, n) * (k - r * d), n);
    if (s === 0n) return undefined;
    const signature = new Uint8Array(2 * SIZE);
    signature.set(fixed(r), 0);
    signature.set(fixed(s), SIZE);
    return signature;
  };

  /*
   * The nonce is hedged: RFC 6979's HMAC-DRBG (with HMAC-SM3) seeded with d, e AND 32 fresh random bytes
   * (RFC 6979 §3.6). A weak or repeated random source then cannot leak d, since k still depends on d and e,
   * while the fresh bytes keep k unpredictable, which blunts fault attacks that a purely deterministic k invites.
   * Verifiers cannot tell: any k in [1, n-1] gives a standard SM2 signature.
   */
  const drbg = createHmacDrbg<Uint8Array>(SIZE, SIZE, hmacSm3);
  const hedgedSignature = (e: bigint, d: bigint): Uint8Array => {
    const seed = new Uint8Array(3 * SIZE);
    seed.set(fixed(d), 0);
    seed.set(fixed(mod(e, n)), SIZE);
    seed.set(randomBytes(SIZE), 2 * SIZE);
    const signature = drbg(seed, (candidate) => signatureFor(e, d, bytesToNumberBE(candidate)));
    seed.fill(0);
    return signature;
  };

  const curve: Sm2Curve = {
    params,
    generatePrivateKey() {
      // Rejection sampling keeps d exactly uniform; on sm2p256v1 a draw is rejected with probability < 2⁻³².
      for (;;) {
        const candidate = new Uint8Array(randomBytes(SIZE));
        const d = bytesToNumberBE(candidate);
        if (d >= 1n && d <= n - 2n) return candidate;
      }
    },
    publicKeyOf(privateKey) {
      return Point.BASE.multiply(toScalar(privateKey)).toBytes(false);
    },
    assertPublicKey(publicKey) {
      toPoint(publicKey);
    },
    userHash(publicKey, options) {
      return userHashOf(toPoint(publicKey), options);
    },
    messageDigest(message, publicKey, options) {
      return sm3(userHashOf(toPoint(publicKey), options), message);
    },
    sign(message, privateKey, options) {
      const d = toScalar(privateKey);
      return hedgedSignature(digestOf(message, Point.BASE.multiply(d), options), d);
    },
    verify(message, signature, publicKey, options) {
      const point = toPoint(publicKey);
      if (signature.length !== 2 * SIZE) return false;
      const r = bytesToNumberBE(signature.subarray(0, SIZE));
      const s = bytesToNumberBE(signature.subarray(SIZE));
      if (r < 1n || r >= n || s < 1n || s >= n) return false; // B1, B2
      const t = mod(r + s, n);
      if (t === 0n) return false; // B5
      // Only public values are multiplied here, so the faster variable-time multiplication is safe.
      const X = Point.BASE.multiplyUnsafe(s).add(point.multiplyUnsafe(t));
      if (X.is0()) return false;
      return mod(digestOf(message, point, options) + X.toAffine().x, n) === r; // B7
    },
  };

  fixedNonceSigners.set(curve, (message, privateKey, k, options) => {
    const d = toScalar(privateKey);
    const signature = signatureFor(digestOf(message, Point.BASE.multiply(d), options), d, k);
    if (!signature) throw new RangeError('SM2: this k gives no valid signature');
    return signature;
  });
  return Object.freeze(curve);
}

/** SM2 on the recommended curve: the only curve production code should use. */
export const sm2p256v1: Sm2Curve = createSm2Curve(SM2P256V1_PARAMS);

/**
 * FOR KNOWN-ANSWER TESTS ONLY: signs with a caller-chosen nonce k, as the standards' examples do. Reusing a k, or
 * a k anyone can guess, reveals the private key. Deliberately left out of the folder's index.
 */
export function signWithFixedNonceForTest(
  curve: Sm2Curve,
  message: Uint8Array,
  privateKey: Uint8Array,
  k: bigint,
  options?: Sm2IdOptions,
): Uint8Array {
  const signWithNonce = fixedNonceSigners.get(curve);
  if (!signWithNonce) throw new TypeError('Not a curve made by createSm2Curve');
  return signWithNonce(message, privateKey, k, options);
}

/** An SM2 public key as a JWK: `crv` "SM2" names sm2p256v1 (no IANA name exists; this is the common usage). */
export type Sm2PublicJwk = {
  readonly kty: 'EC';
  readonly crv: 'SM2';
  readonly x: string;
  readonly y: string;
};

/** The JWK of an sm2p256v1 public key (x and y as 32-byte base64url). */
export function sm2PublicKeyToJwk(publicKey: Uint8Array): Sm2PublicJwk {
  sm2p256v1.assertPublicKey(publicKey);
  const bytes = Buffer.from(publicKey);
  return {
    kty: 'EC',
    crv: 'SM2',
    x: bytes.subarray(1, 1 + SIZE).toString('base64url'),
    y: bytes.subarray(1 + SIZE).toString('base64url'),
  };
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** The sm2p256v1 public key of a JWK; throws unless it is `{kty:'EC', crv:'SM2'}` with a valid point. */
export function sm2PublicKeyFromJwk(jwk: { readonly [member: string]: unknown }): Uint8Array {
  if (jwk.kty !== 'EC' || jwk.crv !== 'SM2') throw new TypeError('Not an SM2 JWK (kty EC, crv SM2)');
  const coordinate = (value: unknown, name: string): Buffer => {
    const bytes = typeof value === 'string' && BASE64URL.test(value) ? Buffer.from(value, 'base64url') : null;
    if (!bytes || bytes.length !== SIZE || bytes.toString('base64url') !== value)
      throw new TypeError(`SM2 JWK "${name}" must be 32 bytes of base64url`);
    return bytes;
  };
  const publicKey = new Uint8Array(
    Buffer.concat([Buffer.of(0x04), coordinate(jwk.x, 'x'), coordinate(jwk.y, 'y')]),
  );
  sm2p256v1.assertPublicKey(publicKey);
  return publicKey;
}
