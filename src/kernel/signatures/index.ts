/*
 * The kernel's signature suites for signed documents such as electronic certificates: compact JWS in Ed25519
 * (default) or SM2/SM3 (国密), key generation, export for encryption at rest, and offline verification against a
 * public JWKS. Pure cryptography: storing keys, choosing the deployment's suite and rotating keys belong to the
 * caller. The SM2 curve is exported only as sm2p256v1; other curves and a fixed nonce exist in ./sm2.ts for the
 * standards' known-answer tests and are deliberately not part of this API.
 */
export {
  CERTIFICATE_JWS_TYPE,
  DEFAULT_SIGNATURE_SUITE,
  type Ed25519PublicJwk,
  generateSigningKey,
  type JsonObject,
  type Jwks,
  type JwksKey,
  jwkThumbprint,
  type PublicKeyJwk,
  publicJwks,
  restoreSigningKey,
  SIGNATURE_SUITES,
  type SignatureSuite,
  type SigningKey,
  SigningPrivateKey,
  type StoredSigningKey,
  signCompact,
  type VerifyResult,
  verifyCompact,
} from './jws.ts';
export {
  isSm3Available,
  SM2_DEFAULT_ID,
  type Sm2Curve,
  type Sm2IdOptions,
  type Sm2PublicJwk,
  sm2PublicKeyFromJwk,
  sm2PublicKeyToJwk,
  sm2p256v1,
  sm3,
} from './sm2.ts';
