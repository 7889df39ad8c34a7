/*
 * Known-answer tests from the standards (values in .tmp/issue6-research.md §2, cross-checked against OpenSSL's
 * sm2_internal_test.c, GmSSL, libgcrypt and Botan), plus every way a signature must be refused.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  createSm2Curve,
  isSm3Available,
  SM2_DEFAULT_ID,
  type Sm2CurveParams,
  signWithFixedNonceForTest,
  sm2PublicKeyFromJwk,
  sm2PublicKeyToJwk,
  sm2p256v1,
  sm3,
} from './sm2.ts';

/** Hex as printed in the standards (spaces between words) to bytes. */
const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const big = (text: string): bigint => BigInt(`0x${text.replace(/\s+/g, '')}`);
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const ascii = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'ascii'));
const uncompressed = (x: string, y: string): Uint8Array => hex(`04 ${x} ${y}`);

const MESSAGE = ascii('message digest');

describe('SM3 (GB/T 32905-2016 Annex A)', () => {
  it('is available in this Node', () => {
    assert.equal(isSm3Available(), true);
  });

  it('hashes "abc"', () => {
    const expected = toHex(hex('66c7f0f4 62eeedd9 d1f2d46b dc10e4e2 4167c487 5cf2f7a2 297da02b 8f4ba8e0'));
    assert.equal(toHex(sm3(ascii('abc'))), expected);
  });

  it('hashes "abcd" × 16, also when given in parts', () => {
    const expected = toHex(hex('debe9ff9 2275b8a1 38604889 c18e5a4d 6fdb70e5 387e5765 293dcba3 9c0c5732'));
    assert.equal(toHex(sm3(ascii('abcd'.repeat(16)))), expected);
    assert.equal(toHex(sm3(ascii('abcd'.repeat(10)), ascii('abcd'.repeat(6)))), expected);
  });
});

describe('SM2 on sm2p256v1 with the default ID (GM/T 0003.5-2012 / GB/T 32918.5-2017 Annex A)', () => {
  const d = hex('3945208F 7B2144B1 3F36E38A C6D39F95 88939369 2860B51A 42FB81EF 4DF7C5B8');
  const publicKey = uncompressed(
    '09F9DF31 1E5421A1 50DD7D16 1E4BC5C6 72179FAD 1833FC07 6BB08FF3 56F35020',
    'CCEA490C E26775A5 2DC6EA71 8CC1AA60 0AED05FB F35E084A 6632F607 2DA9AD13',
  );
  const k = big('59276E27 D506861A 16680F3A D9C02DCC EF3CC1FA 3CDBE4CE 6D54B80D EAC1BC21');
  const signature = hex(
    'F5A03B06 48D2C463 0EEAC513 E1BB81A1 5944DA38 27D5B741 43AC7EAC EEE720B3' +
      'B1B6AA29 DF212FD8 763182BC 0D421CA1 BB9038FD 1F7F42D4 840B69C4 85BBC1AA',
  );

  it('derives the public key', () => {
    assert.equal(toHex(sm2p256v1.publicKeyOf(d)), toHex(publicKey));
  });

  it('computes Z with ID 1234567812345678, and e', () => {
    assert.equal(SM2_DEFAULT_ID, '1234567812345678');
    const z = 'B2E14C5C 79C6DF5B 85F4FE7E D8DB7A26 2B9DA7E0 7CCB0EA9 F4747B8C CDA8A4F3';
    assert.equal(toHex(sm2p256v1.userHash(publicKey)), toHex(hex(z)));
    assert.equal(toHex(sm2p256v1.userHash(publicKey, { id: SM2_DEFAULT_ID })), toHex(hex(z)));
    assert.equal(
      toHex(sm2p256v1.messageDigest(MESSAGE, publicKey)),
      toHex(hex('F0B43E94 BA45ACCA ACE692ED 534382EB 17E6AB5A 19CE7B31 F4486FDF C0D28640')),
    );
  });

  it('signs with the published k to the published r‖s', () => {
    assert.equal(toHex(signWithFixedNonceForTest(sm2p256v1, MESSAGE, d, k)), toHex(signature));
  });

  it('verifies the published signature', () => {
    assert.equal(sm2p256v1.verify(MESSAGE, signature, publicKey), true);
  });

  it('refuses it under another ID (as node:crypto with its empty ID would need)', () => {
    assert.equal(sm2p256v1.verify(MESSAGE, signature, publicKey, { id: '' }), false);
  });
});

describe('SM2 on the example Fp-256 curve with ID ALICE123@YAHOO.COM (GM/T 0003.2-2012 Annex A)', () => {
  const exampleCurve: Sm2CurveParams = {
    p: big('8542D69E 4C044F18 E8B92435 BF6FF7DE 45728391 5C45517D 722EDB8B 08F1DFC3'),
    a: big('787968B4 FA32C3FD 2417842E 73BBFEFF 2F3C848B 6831D7E0 EC65228B 3937E498'),
    b: big('63E4C6D3 B23B0C84 9CF84241 484BFE48 F61D59A5 B16BA06E 6E12D1DA 27C5249A'),
    n: big('8542D69E 4C044F18 E8B92435 BF6FF7DD 29772063 0485628D 5AE74EE7 C32E79B7'),
    h: 1n,
    Gx: big('421DEBD6 1B62EAB6 746434EB C3CC315E 32220B3B ADD50BDC 4C4E6C14 7FEDD43D'),
    Gy: big('0680512B CBB42C07 D47349D2 153B70C4 E5D7FDFC BFA36EA1 A85841B9 E46E09A2'),
  };
  const curve = createSm2Curve(exampleCurve);
  const id = 'ALICE123@YAHOO.COM';
  const d = hex('128B2FA8 BD433C6C 068C8D80 3DFF7979 2A519A55 171B1B65 0C23661D 15897263');
  const publicKey = uncompressed(
    '0AE4C779 8AA0F119 471BEE11 825BE462 02BB79E2 A5844495 E97C04FF 4DF2548A',
    '7C0240F8 8F1CD4E1 6352A73C 17B7F16F 07353E53 A176D684 A9FE0C6B B798E857',
  );
  const k = big('6CB28D99 385C175C 94F94E93 4817663F C176D925 DD72B727 260DBAAE 1FB2F96F');
  const signature = hex(
    '40F1EC59 F793D9F4 9E09DCEF 49130D41 94F79FB1 EED2CAA5 5BACDB49 C4E755D1' +
      '6FC6DAC3 2C5D5CF1 0C77DFB2 0F7C2EB6 67A45787 2FB09EC5 6327A67E C7DEEBE7',
  );

  it('derives the public key, Z (ENTL 0x0090) and e', () => {
    assert.equal(toHex(curve.publicKeyOf(d)), toHex(publicKey));
    assert.equal(
      toHex(curve.userHash(publicKey, { id })),
      toHex(hex('F4A38489 E32B45B6 F876E3AC 2168CA39 2362DC8F 23459C1D 1146FC3D BFB7BC9A')),
    );
    assert.equal(
      toHex(curve.messageDigest(MESSAGE, publicKey, { id: new TextEncoder().encode(id) })),
      toHex(hex('B524F552 CD82B8B0 28476E00 5C377FB1 9A87E6FC 682D48BB 5D42E3D9 B9EFFE76')),
    );
  });

  it('signs with the published k to the published r‖s, and verifies it', () => {
    assert.equal(toHex(signWithFixedNonceForTest(curve, MESSAGE, d, k, { id })), toHex(signature));
    assert.equal(curve.verify(MESSAGE, signature, publicKey, { id }), true);
  });

  it('refuses it under a different ID', () => {
    assert.equal(curve.verify(MESSAGE, signature, publicKey, { id: 'ALICE123@YAHOO.CO' }), false);
    assert.equal(curve.verify(MESSAGE, signature, publicKey), false);
  });

  it('makes and checks fresh signatures on this curve too', () => {
    const key = curve.generatePrivateKey();
    const pub = curve.publicKeyOf(key);
    assert.equal(curve.verify(MESSAGE, curve.sign(MESSAGE, key, { id }), pub, { id }), true);
  });
});

describe('SM2 signing and refusal on sm2p256v1', () => {
  const n = sm2p256v1.params.n;
  const privateKey = sm2p256v1.generatePrivateKey();
  const publicKey = sm2p256v1.publicKeyOf(privateKey);
  const message = new Uint8Array(Buffer.from('电子证照 cert_01J: 营业执照', 'utf8'));
  const signature = sm2p256v1.sign(message, privateKey);

  /** A signature with r and s replaced. */
  const withRS = (r: bigint, s: bigint): Uint8Array =>
    hex(r.toString(16).padStart(64, '0') + s.toString(16).padStart(64, '0'));
  const rOf = (sig: Uint8Array) => BigInt(`0x${toHex(sig.subarray(0, 32))}`);
  const sOf = (sig: Uint8Array) => BigInt(`0x${toHex(sig.subarray(32))}`);

  it('makes 64-byte signatures that verify, with a fresh nonce each time', () => {
    assert.equal(signature.length, 64);
    assert.equal(sm2p256v1.verify(message, signature, publicKey), true);
    const again = sm2p256v1.sign(message, privateKey);
    assert.notEqual(toHex(again), toHex(signature), 'hedged nonce: the same message signs differently');
    assert.equal(sm2p256v1.verify(message, again, publicKey), true);
  });

  it('refuses a tampered message', () => {
    const altered = Uint8Array.from(message);
    altered[0] = (altered[0] as number) ^ 1;
    assert.equal(sm2p256v1.verify(altered, signature, publicKey), false);
    assert.equal(sm2p256v1.verify(message.subarray(1), signature, publicKey), false);
  });

  it('refuses a tampered signature, wherever the bit flips', () => {
    for (const index of [0, 31, 32, 63]) {
      const altered = Uint8Array.from(signature);
      altered[index] = (altered[index] as number) ^ 0x80;
      assert.equal(sm2p256v1.verify(message, altered, publicKey), false, `byte ${index}`);
    }
  });

  it('refuses a signature checked against another key', () => {
    const other = sm2p256v1.publicKeyOf(sm2p256v1.generatePrivateKey());
    assert.equal(sm2p256v1.verify(message, signature, other), false);
  });

  it('refuses r or s equal to 0 or ≥ n, and r + s = n', () => {
    const r = rOf(signature);
    const s = sOf(signature);
    assert.equal(sm2p256v1.verify(message, withRS(r, s), publicKey), true, 'the helper round-trips');
    for (const [badR, badS] of [
      [0n, s],
      [r, 0n],
      [n, s],
      [r, n],
      [r + n, s].map((v) => v % (1n << 256n)),
      [r, s + n].map((v) => v % (1n << 256n)),
      [(1n << 256n) - 1n, s],
      [r, (1n << 256n) - 1n],
      [r, n - r],
    ] as [bigint, bigint][]) {
      assert.equal(sm2p256v1.verify(message, withRS(badR, badS), publicKey), false, `r=${badR} s=${badS}`);
    }
  });

  it('refuses signatures of the wrong length', () => {
    assert.equal(sm2p256v1.verify(message, signature.subarray(0, 63), publicKey), false);
    assert.equal(sm2p256v1.verify(message, new Uint8Array([...signature, 0]), publicKey), false);
    assert.equal(sm2p256v1.verify(message, new Uint8Array(0), publicKey), false);
  });

  it('refuses private keys out of [1, n-2] and public keys off the curve', () => {
    const scalar = (v: bigint) => hex(v.toString(16).padStart(64, '0'));
    assert.throws(() => sm2p256v1.publicKeyOf(scalar(0n)), RangeError);
    assert.throws(() => sm2p256v1.publicKeyOf(scalar(n - 1n)), RangeError);
    assert.throws(() => sm2p256v1.sign(message, scalar(n), {}), RangeError);
    assert.throws(() => sm2p256v1.publicKeyOf(new Uint8Array(31)), TypeError);
    assert.equal(toHex(sm2p256v1.publicKeyOf(scalar(n - 2n))).length, 130);
    const offCurve = Uint8Array.from(publicKey);
    offCurve[64] = (offCurve[64] as number) ^ 1;
    assert.throws(() => sm2p256v1.verify(message, signature, offCurve));
    assert.throws(() => sm2p256v1.verify(message, signature, publicKey.subarray(1)));
  });

  it('refuses a k that gives no signature (test-only path)', () => {
    assert.throws(() => signWithFixedNonceForTest(sm2p256v1, message, privateKey, 0n), RangeError);
    assert.throws(() => signWithFixedNonceForTest(sm2p256v1, message, privateKey, n), RangeError);
  });

  it('round-trips public keys through a JWK of 32-byte coordinates', () => {
    const jwk = sm2PublicKeyToJwk(publicKey);
    assert.deepEqual(Object.keys(jwk), ['kty', 'crv', 'x', 'y']);
    assert.equal(jwk.kty, 'EC');
    assert.equal(jwk.crv, 'SM2');
    assert.equal(Buffer.from(jwk.x, 'base64url').length, 32);
    assert.equal(Buffer.from(jwk.y, 'base64url').length, 32);
    assert.equal(toHex(sm2PublicKeyFromJwk(JSON.parse(JSON.stringify(jwk)))), toHex(publicKey));
  });

  it('refuses JWKs of other curves, bad lengths or points off the curve', () => {
    const jwk = sm2PublicKeyToJwk(publicKey);
    assert.throws(() => sm2PublicKeyFromJwk({ ...jwk, crv: 'P-256' }));
    assert.throws(() => sm2PublicKeyFromJwk({ ...jwk, kty: 'OKP' }));
    assert.throws(() => sm2PublicKeyFromJwk({ ...jwk, x: jwk.x.slice(0, -2) }));
    assert.throws(() => sm2PublicKeyFromJwk({ ...jwk, x: `${jwk.x}=` }));
    assert.throws(() => sm2PublicKeyFromJwk({ ...jwk, y: jwk.x }));
    assert.throws(() => sm2PublicKeyFromJwk({ kty: 'EC', crv: 'SM2' }));
  });
});

describe('SM2 interoperability with OpenSSL (an independent implementation)', () => {
  // OpenSSL 3.0 (Node 20, 22) signs with an EMPTY ID and cannot be told otherwise; upstream may change that
  // default to 1234567812345678. Either way one of the two IDs must agree, which checks our maths against theirs.
  const ids = ['', SM2_DEFAULT_ID];
  // DER prefixes of id-ecPublicKey with the sm2p256v1 OID (1.2.156.10197.1.301), under which OpenSSL uses SM2.
  const SPKI_PREFIX = '3059301306072a8648ce3d020106082a811ccf5501822d034200';
  const PKCS8_PREFIX = '3041020100301306072a8648ce3d020106082a811ccf5501822d042730250201010420';
  const privateKey = sm2p256v1.generatePrivateKey();
  const publicKey = sm2p256v1.publicKeyOf(privateKey);
  const opensslPublic = createPublicKey({
    key: Buffer.concat([Buffer.from(SPKI_PREFIX, 'hex'), publicKey]),
    format: 'der',
    type: 'spki',
  });
  const opensslPrivate = createPrivateKey({
    key: Buffer.concat([Buffer.from(PKCS8_PREFIX, 'hex'), privateKey]),
    format: 'der',
    type: 'pkcs8',
  });
  const message = new Uint8Array(Buffer.from('互认 interop', 'utf8'));

  /** r‖s to DER (OpenSSL ignores dsaEncoding for SM2). */
  const toDer = (signature: Uint8Array): Buffer => {
    const integer = (value: Uint8Array) => {
      let bytes = Buffer.from(value);
      while (bytes.length > 1 && bytes[0] === 0 && !((bytes[1] as number) & 0x80)) bytes = bytes.subarray(1);
      if ((bytes[0] as number) & 0x80) bytes = Buffer.concat([Buffer.of(0), bytes]);
      return Buffer.concat([Buffer.of(0x02, bytes.length), bytes]);
    };
    const body = Buffer.concat([integer(signature.subarray(0, 32)), integer(signature.subarray(32))]);
    return Buffer.concat([Buffer.of(0x30, body.length), body]);
  };
  /** DER to r‖s (short-form lengths suffice for 256-bit values). */
  const fromDer = (der: Buffer): Uint8Array => {
    assert.equal(der[0], 0x30);
    const rLength = der[3] as number;
    const r = der.subarray(4, 4 + rLength);
    const s = der.subarray(6 + rLength);
    const fixed = (v: Buffer) =>
      Buffer.from(
        v
          .toString('hex')
          .replace(/^(00)+/, '')
          .padStart(64, '0'),
        'hex',
      );
    return new Uint8Array(Buffer.concat([fixed(r), fixed(s)]));
  };

  it('OpenSSL verifies our signature under one of the two IDs', () => {
    const accepted = ids.filter((id) =>
      verify('sm3', message, opensslPublic, toDer(sm2p256v1.sign(message, privateKey, { id }))),
    );
    assert.equal(accepted.length, 1, `OpenSSL accepted IDs: ${JSON.stringify(accepted)}`);
  });

  it("we verify OpenSSL's signature under one of the two IDs", () => {
    const signature = fromDer(sign('sm3', message, opensslPrivate));
    const accepted = ids.filter((id) => sm2p256v1.verify(message, signature, publicKey, { id }));
    assert.equal(accepted.length, 1, `IDs that verify: ${JSON.stringify(accepted)}`);
  });
});
