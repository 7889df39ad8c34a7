/*
 * Compact JWS for signed documents (electronic certificates, status lists) in one of two suites chosen per
 * deployment: `ed25519` (default, through jose) or `sm2` (国密, through ./sm2.ts, because jose rejects any SM2 key
 * or alg). The payload is canonical JSON, so the same claims always give the same bytes. Verifying needs only the
 * public JWKS, so a certificate can be checked offline, years later, after its key has been retired.
 *
 * Names (no IANA registration exists for SM2): alg "SM2" = SM2 with SM3 over the default ID 1234567812345678,
 * signature r‖s, JWK `{kty:'EC', crv:'SM2'}`, the most common usage in Chinese JOSE code. Ed25519 signs with the
 * fully specified alg "Ed25519" (RFC 9864) and also accepts the older "EdDSA" on verification.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  verify as verifySignature,
} from 'node:crypto';
import { inspect } from 'node:util';
import { CompactSign } from 'jose';
import { canonicalJson } from '../audit/audit.chain.ts';
import { type Sm2PublicJwk, sm2PublicKeyFromJwk, sm2PublicKeyToJwk, sm2p256v1 } from './sm2.ts';

/** A signature suite: which algorithm a deployment signs with. */
export type SignatureSuite = 'ed25519' | 'sm2';

/** Every suite, e.g. for validating configuration. */
export const SIGNATURE_SUITES: readonly SignatureSuite[] = ['ed25519', 'sm2'];

/** The suite used unless a deployment chooses otherwise. */
export const DEFAULT_SIGNATURE_SUITE: SignatureSuite = 'ed25519';

/** The `typ` of a certificate JWS; verification demands it, so a JWS made for another purpose is refused. */
export const CERTIFICATE_JWS_TYPE = 'yiwang-certificate+jws';

// The alg each suite signs with, then every alg it accepts when verifying.
const SIGNING_ALG: Readonly<Record<SignatureSuite, string>> = { ed25519: 'Ed25519', sm2: 'SM2' };
const ACCEPTED_ALGS: Readonly<Record<SignatureSuite, readonly string[]>> = {
  ed25519: ['Ed25519', 'EdDSA'],
  sm2: ['SM2'],
};
const SIGNATURE_BYTES = 64; // Ed25519 and SM2 r‖s alike

/** An Ed25519 public key as a JWK (RFC 8037). A type literal, so it passes where any JSON object is expected. */
export type Ed25519PublicJwk = {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly x: string;
};

/** The key material of a public key, without key-set metadata. */
export type PublicKeyJwk = Ed25519PublicJwk | Sm2PublicJwk;

/** One entry of a published key set. */
export type JwksKey = PublicKeyJwk & { readonly kid: string; readonly alg: string; readonly use: 'sig' };

/** A JSON Web Key Set of public signing keys: everything a verifier needs. */
export interface Jwks {
  readonly keys: readonly JwksKey[];
}

/** A plain JSON object: what a JWS here carries. */
export type JsonObject = { [member: string]: unknown };

// The secret material lives only here, never on an object's own properties, so no spread, JSON.stringify,
// util.inspect or logger can reach it by walking the key.
const privateMaterial = new WeakMap<SigningPrivateKey, KeyObject | Uint8Array>();

/**
 * A private signing key. Opaque on purpose: its JSON is nothing and its text names only the suite. `export()`
 * gives the bytes for the caller to encrypt at rest (PKCS#8 DER for Ed25519, the raw 32-byte d for SM2).
 */
export class SigningPrivateKey {
  private constructor(
    readonly suite: SignatureSuite,
    material: KeyObject | Uint8Array,
  ) {
    privateMaterial.set(this, material);
    Object.freeze(this);
  }

  /** A fresh key from node:crypto's CSPRNG. */
  static generate(suite: SignatureSuite): SigningPrivateKey {
    if (suite === 'sm2') return new SigningPrivateKey(suite, sm2p256v1.generatePrivateKey());
    return new SigningPrivateKey(suite, generateKeyPairSync('ed25519').privateKey);
  }

  /** The key of bytes made by `export()`; throws unless they are a valid key of the suite. */
  static import(suite: SignatureSuite, bytes: Uint8Array): SigningPrivateKey {
    assertSuite(suite);
    if (suite === 'sm2') {
      sm2p256v1.publicKeyOf(bytes); // range check
      return new SigningPrivateKey(suite, Uint8Array.from(bytes));
    }
    const key = createPrivateKey({ key: Buffer.from(bytes), format: 'der', type: 'pkcs8' });
    if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('Not an Ed25519 PKCS#8 private key');
    return new SigningPrivateKey(suite, key);
  }

  /** The private key's bytes, to be encrypted by the caller before they are stored. */
  export(): Uint8Array {
    const material = materialOf(this);
    if (material instanceof Uint8Array) return Uint8Array.from(material);
    return new Uint8Array(material.export({ format: 'der', type: 'pkcs8' }));
  }

  /** The matching public key. */
  publicJwk(): PublicKeyJwk {
    const material = materialOf(this);
    if (material instanceof Uint8Array) return sm2PublicKeyToJwk(sm2p256v1.publicKeyOf(material));
    const { x } = createPublicKey(material).export({ format: 'jwk' });
    if (typeof x !== 'string') throw new Error('Ed25519 public key has no x');
    return { kty: 'OKP', crv: 'Ed25519', x };
  }

  /** Nothing: JSON.stringify leaves a private key out of whatever holds it. */
  toJSON(): undefined {
    return undefined;
  }

  toString(): string {
    return `[${this.suite} private key]`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function materialOf(key: SigningPrivateKey): KeyObject | Uint8Array {
  const material = privateMaterial.get(key);
  if (!material) throw new TypeError('Not a SigningPrivateKey');
  return material;
}

/**
 * A key of the signing key set. A retired key signs nothing new but stays in the published set, so that what it
 * signed still verifies. `privateKey` is absent where only verification happens.
 */
export interface SigningKey {
  readonly kid: string;
  readonly suite: SignatureSuite;
  readonly publicJwk: PublicKeyJwk;
  readonly privateKey?: SigningPrivateKey;
  readonly createdAt: Date;
  readonly retiredAt?: Date;
}

function assertSuite(suite: string): asserts suite is SignatureSuite {
  if (!SIGNATURE_SUITES.includes(suite as SignatureSuite))
    throw new RangeError(`Unknown signature suite: ${suite}`);
}

/** The RFC 7638 thumbprint (SHA-256, base64url) of a public key: a kid that is the same wherever it is computed. */
export function jwkThumbprint(jwk: PublicKeyJwk): string {
  // Only the required members, in lexicographic order, no whitespace: exactly what canonicalJson gives.
  const members =
    jwk.kty === 'EC'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(canonicalJson(members)).digest('base64url');
}

/** A new signing key of the suite; its kid is its JWK thumbprint unless one is given. */
export function generateSigningKey(
  suite: SignatureSuite = DEFAULT_SIGNATURE_SUITE,
  options: { kid?: string; now?: Date } = {},
): SigningKey {
  assertSuite(suite);
  const privateKey = SigningPrivateKey.generate(suite);
  const publicJwk = privateKey.publicJwk();
  return {
    kid: options.kid ?? jwkThumbprint(publicJwk),
    suite,
    publicJwk,
    privateKey,
    createdAt: options.now ?? new Date(),
  };
}

/** What a caller stores of a key: the private part as exported bytes (encrypted by the caller at rest). */
export interface StoredSigningKey {
  readonly kid: string;
  readonly suite: SignatureSuite;
  readonly publicJwk: PublicKeyJwk;
  readonly privateKey?: Uint8Array;
  readonly createdAt: Date;
  readonly retiredAt?: Date;
}

/** A key read back from storage; throws if the private key does not belong to the public one (a mixed-up row). */
export function restoreSigningKey(stored: StoredSigningKey): SigningKey {
  assertSuite(stored.suite);
  const publicJwk = publicKeyMaterial(stored.publicJwk, stored.suite);
  const base = { kid: stored.kid, suite: stored.suite, publicJwk, createdAt: stored.createdAt };
  const withRetirement = stored.retiredAt ? { ...base, retiredAt: stored.retiredAt } : base;
  if (!stored.privateKey) return withRetirement;
  const privateKey = SigningPrivateKey.import(stored.suite, stored.privateKey);
  if (jwkThumbprint(privateKey.publicJwk()) !== jwkThumbprint(publicJwk))
    throw new Error(`Signing key ${stored.kid}: the private key does not match the public key`);
  return { ...withRetirement, privateKey };
}

/** Only the key material of a JWK, checked against the suite. */
function publicKeyMaterial(jwk: { readonly [member: string]: unknown }, suite: SignatureSuite): PublicKeyJwk {
  if (suite === 'sm2') return sm2PublicKeyToJwk(sm2PublicKeyFromJwk(jwk));
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string')
    throw new TypeError('Not an Ed25519 JWK (kty OKP, crv Ed25519)');
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
  const { x } = key.export({ format: 'jwk' });
  if (x !== jwk.x) throw new TypeError('Ed25519 JWK "x" is not 32 bytes of base64url');
  return { kty: 'OKP', crv: 'Ed25519', x };
}

/** The public key set to publish (retired keys included, so their signatures keep verifying). */
export function publicJwks(keys: readonly SigningKey[]): Jwks {
  const kids = new Set<string>();
  return {
    keys: keys.map((key) => {
      if (kids.has(key.kid)) throw new Error(`Two signing keys share the kid ${key.kid}`);
      kids.add(key.kid);
      return {
        ...publicKeyMaterial(key.publicJwk, key.suite),
        kid: key.kid,
        alg: SIGNING_ALG[key.suite],
        use: 'sig',
      };
    }),
  };
}

const toBase64url = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url');

/**
 * Signs canonical JSON of a plain object as a compact JWS with header {alg, kid, typ}. Throws if the key has no
 * private part, is retired, or the payload is not a plain object.
 */
export async function signCompact(
  payload: JsonObject,
  key: SigningKey,
  options: { typ?: string; now?: Date } = {},
): Promise<string> {
  if (!isPlainObject(payload)) throw new TypeError('A JWS payload must be a plain object');
  const { privateKey } = key;
  if (!privateKey) throw new Error(`Signing key ${key.kid} has no private key here`);
  if (privateKey.suite !== key.suite)
    throw new Error(`Signing key ${key.kid}: private key is not ${key.suite}`);
  if (key.retiredAt && key.retiredAt <= (options.now ?? new Date()))
    throw new Error(`Signing key ${key.kid} is retired and may no longer sign`);
  const header = { alg: SIGNING_ALG[key.suite], kid: key.kid, typ: options.typ ?? CERTIFICATE_JWS_TYPE };
  const body = Buffer.from(canonicalJson(payload), 'utf8');
  const material = materialOf(privateKey);
  if (material instanceof Uint8Array) {
    const signingInput = `${toBase64url(JSON.stringify(header))}.${toBase64url(body)}`;
    const signature = sm2p256v1.sign(Buffer.from(signingInput, 'ascii'), material);
    return `${signingInput}.${toBase64url(signature)}`;
  }
  return new CompactSign(body).setProtectedHeader(header).sign(material);
}

/** The outcome of verifying a JWS: its payload, or why it was refused. */
export type VerifyResult =
  | { readonly status: 'valid'; readonly payload: JsonObject; readonly kid: string; readonly alg: string }
  | {
      /**
       * tampered: the signature does not match (altered content, or another key under this kid); unknown-key:
       * no key of the set has this kid; malformed: not a compact JWS of ours, or its alg does not fit the key.
       */
      readonly status: 'tampered' | 'unknown-key' | 'malformed';
      readonly reason: string;
    };

const refuse = (status: 'tampered' | 'unknown-key' | 'malformed', reason: string): VerifyResult => ({
  status,
  reason,
});

/**
 * Verifies a compact JWS against a public key set alone (offline). The header is checked first (malformed), then
 * the key is found by kid (unknown-key) and must be of the alg's suite (malformed), then the signature
 * (tampered), and only then is the payload read, so altered content is reported as tampered, not as bad JSON.
 */
export async function verifyCompact(
  jws: string,
  jwks: Jwks,
  options: { typ?: string } = {},
): Promise<VerifyResult> {
  if (!jwks || !Array.isArray(jwks.keys)) throw new TypeError('A JWKS is an object with a "keys" array');
  if (typeof jws !== 'string') return refuse('malformed', 'not a string');
  const parts = jws.split('.');
  if (parts.length !== 3) return refuse('malformed', 'a compact JWS has three parts separated by dots');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const headerBytes = decodeBase64url(headerPart);
  const payloadBytes = decodeBase64url(payloadPart);
  const signature = decodeBase64url(signaturePart);
  if (!headerBytes || !payloadBytes || !signature) return refuse('malformed', 'a part is not base64url');

  const header = parseJsonObject(headerBytes);
  if (!header) return refuse('malformed', 'the header is not a JSON object');
  const { alg, kid, typ } = header;
  if (typeof alg !== 'string' || typeof kid !== 'string' || kid === '')
    return refuse('malformed', 'the header needs "alg" and "kid"');
  const expectedTyp = options.typ ?? CERTIFICATE_JWS_TYPE;
  if (typ !== expectedTyp) return refuse('malformed', `the header "typ" is not ${expectedTyp}`);
  // We implement no extension, and RFC 7515 §4.1.11 requires refusing any that is marked critical.
  if ('crit' in header) return refuse('malformed', 'critical header extensions are not supported');
  const suite = SIGNATURE_SUITES.find((s) => ACCEPTED_ALGS[s].includes(alg));
  if (!suite) return refuse('malformed', `unsupported alg ${alg}`);

  const candidates = jwks.keys.filter((key) => isObject(key) && key.kid === kid);
  if (candidates.length === 0) return refuse('unknown-key', `no key ${kid} in the key set`);
  const usable = candidates.filter((key) => suiteOfJwk(key) === suite);
  if (usable.length === 0) return refuse('malformed', `alg ${alg} does not match key ${kid}`);
  if (signature.length !== SIGNATURE_BYTES) return refuse('malformed', `an ${alg} signature is 64 bytes`);

  for (const jwk of usable) {
    const outcome = await checkSignature(suite, jwk, jws, signature);
    if (outcome === 'valid') {
      const payload = parseJsonObject(payloadBytes);
      if (!payload) return refuse('malformed', 'the payload is not a JSON object');
      return { status: 'valid', payload, kid, alg };
    }
    if (outcome !== 'mismatch') return refuse('malformed', outcome.malformed);
  }
  return refuse('tampered', 'the signature does not match the content and key');
}

// Public keys imported once per published key object: a key set kept by its owner (a cached JWKS) pays for the
// import once, not on every verification (it was a quarter of a verification's time).
const importedKeys = new WeakMap<JwksKey, Uint8Array | KeyObject>();

function importPublicKey(suite: SignatureSuite, jwk: JwksKey): Uint8Array | KeyObject {
  let key = importedKeys.get(jwk);
  if (!key) {
    key =
      suite === 'sm2'
        ? sm2PublicKeyFromJwk(jwk)
        : createPublicKey({ key: publicKeyMaterial(jwk, 'ed25519'), format: 'jwk' });
    importedKeys.set(jwk, key);
  }
  return key;
}

/**
 * One key's verdict on a signature whose header has already been checked (alg, kid, typ, no crit): the signature
 * over the signing input, by node:crypto for Ed25519 (RFC 8037) and by our SM2 for SM2.
 */
async function checkSignature(
  suite: SignatureSuite,
  jwk: JwksKey,
  jws: string,
  signature: Uint8Array,
): Promise<'valid' | 'mismatch' | { malformed: string }> {
  let publicKey: Uint8Array | KeyObject;
  try {
    publicKey = importPublicKey(suite, jwk);
  } catch {
    return { malformed: `key ${jwk.kid} in the key set is not a valid ${suite} key` };
  }
  const signingInput = Buffer.from(jws.slice(0, jws.lastIndexOf('.')), 'ascii');
  if (publicKey instanceof Uint8Array)
    return sm2p256v1.verify(signingInput, signature, publicKey) ? 'valid' : 'mismatch';
  return verifySignature(null, signingInput, publicKey, signature) ? 'valid' : 'mismatch';
}

/** The suite a published key belongs to, or undefined if it is none of ours or not for signatures. */
function suiteOfJwk(jwk: JwksKey): SignatureSuite | undefined {
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  let suite: SignatureSuite;
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') suite = 'ed25519';
  else if (jwk.kty === 'EC' && jwk.crv === 'SM2') suite = 'sm2';
  else return undefined;
  // A published alg restricts the key further (RFC 7517 §4.4); either Ed25519 name fits an Ed25519 key.
  return jwk.alg === undefined || ACCEPTED_ALGS[suite].includes(jwk.alg) ? suite : undefined;
}

/** Strict base64url: the alphabet only, no padding, and no stray bits (so each value has one spelling). */
function decodeBase64url(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJsonObject(bytes: Uint8Array): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(utf8.decode(bytes));
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is { readonly [member: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPlainObject(value: unknown): value is JsonObject {
  if (!isObject(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
