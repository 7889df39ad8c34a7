/*
 * Every property a verifier relies on, for both suites: what is valid verifies, and each kind of failure gets
 * its own status, with nothing but the public JWKS.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { CompactSign, compactVerify, createLocalJWKSet } from 'jose';
import { canonicalJson } from '../audit/audit.chain.ts';
import {
  CERTIFICATE_JWS_TYPE,
  DEFAULT_SIGNATURE_SUITE,
  generateSigningKey,
  type Jwks,
  publicJwks,
  restoreSigningKey,
  SIGNATURE_SUITES,
  type SigningKey,
  SigningPrivateKey,
  signCompact,
  verifyCompact,
} from './jws.ts';
import { sm2PublicKeyFromJwk, sm2p256v1 } from './sm2.ts';

const b64u = (value: string | Uint8Array): string => Buffer.from(value).toString('base64url');
const fromB64u = (value: string): string => Buffer.from(value, 'base64url').toString('utf8');

const claims = {
  type: 'business-licence',
  id: 'cert_01JABCDEF',
  holder: { name: '张三', idNumber: '110101********1234' },
  issuedAt: '2026-05-01T08:00:00.000Z',
  fees: 0,
};

/** A JWS with one of its three parts replaced. */
function withPart(jws: string, index: 0 | 1 | 2, part: string): string {
  const parts = jws.split('.');
  parts[index] = part;
  return parts.join('.');
}

const EXPECTED_ALG = { ed25519: 'Ed25519', sm2: 'SM2' } as const;

it('signs with Ed25519 unless a deployment chooses SM2', () => {
  assert.equal(DEFAULT_SIGNATURE_SUITE, 'ed25519');
  assert.equal(generateSigningKey().suite, 'ed25519');
});

for (const suite of SIGNATURE_SUITES) {
  describe(`compact JWS, suite ${suite}`, () => {
    const key = generateSigningKey(suite);
    const jwks = publicJwks([key]);

    it('signs canonical JSON under {alg, kid, typ} and verifies it', async () => {
      const jws = await signCompact(claims, key);
      const [header, payload, signature] = jws.split('.') as [string, string, string];
      assert.deepEqual(JSON.parse(fromB64u(header)), {
        alg: EXPECTED_ALG[suite],
        kid: key.kid,
        typ: CERTIFICATE_JWS_TYPE,
      });
      assert.equal(fromB64u(payload), canonicalJson(claims));
      assert.equal(Buffer.from(signature, 'base64url').length, 64);
      assert.deepEqual(await verifyCompact(jws, jwks), {
        status: 'valid',
        payload: claims,
        kid: key.kid,
        alg: EXPECTED_ALG[suite],
      });
    });

    it('reports an altered payload as tampered', async () => {
      const jws = await signCompact(claims, key);
      const altered = withPart(jws, 1, b64u(canonicalJson({ ...claims, fees: 100 })));
      assert.equal((await verifyCompact(altered, jwks)).status, 'tampered');
      // Altered bytes that no longer even decode as JSON are still a signature mismatch first.
      const garbled = withPart(jws, 1, b64u('{"type":"business-licence",'));
      assert.equal((await verifyCompact(garbled, jwks)).status, 'tampered');
    });

    it('reports an altered header or signature as tampered', async () => {
      const jws = await signCompact(claims, key);
      const [, , signature] = jws.split('.') as [string, string, string];
      const flipped = Buffer.from(signature, 'base64url');
      flipped[10] = (flipped[10] as number) ^ 1;
      assert.equal((await verifyCompact(withPart(jws, 2, b64u(flipped)), jwks)).status, 'tampered');
      const header = b64u(
        JSON.stringify({ typ: CERTIFICATE_JWS_TYPE, alg: EXPECTED_ALG[suite], kid: key.kid }),
      );
      assert.equal((await verifyCompact(withPart(jws, 0, header), jwks)).status, 'tampered');
    });

    it('reports a signature by another key under the same kid as tampered', async () => {
      const impostor: SigningKey = { ...generateSigningKey(suite), kid: key.kid };
      const forged = await signCompact(claims, impostor);
      assert.equal(
        (await verifyCompact(forged, publicJwks([impostor]))).status,
        'valid',
        'genuine for its own key',
      );
      const result = await verifyCompact(forged, jwks);
      assert.equal(result.status, 'tampered');
    });

    it('reports a kid missing from the key set as unknown-key', async () => {
      const stranger = generateSigningKey(suite);
      const result = await verifyCompact(await signCompact(claims, stranger), jwks);
      assert.equal(result.status, 'unknown-key');
      assert.match(result.status === 'unknown-key' ? result.reason : '', new RegExp(stranger.kid));
      assert.equal((await verifyCompact(await signCompact(claims, key), { keys: [] })).status, 'unknown-key');
    });

    it('reports anything that is not one of our compact JWSs as malformed', async () => {
      const jws = await signCompact(claims, key);
      const [header, payload] = jws.split('.') as [string, string, string];
      const headerWith = (fields: object) =>
        b64u(
          JSON.stringify({ alg: EXPECTED_ALG[suite], kid: key.kid, typ: CERTIFICATE_JWS_TYPE, ...fields }),
        );
      const otherAlg = suite === 'sm2' ? 'Ed25519' : 'SM2';
      const cases: Record<string, string> = {
        empty: '',
        'one part': 'garbage',
        'two parts': `${header}.${payload}`,
        'four parts': `${jws}.${payload}`,
        'not base64url': '!!!.???.***',
        'padded base64': withPart(jws, 2, `${jws.split('.')[2]}=`),
        'header not JSON': withPart(jws, 0, b64u('{alg:')),
        'header an array': withPart(jws, 0, b64u('["alg"]')),
        'no kid': withPart(
          jws,
          0,
          b64u(JSON.stringify({ alg: EXPECTED_ALG[suite], typ: CERTIFICATE_JWS_TYPE })),
        ),
        'alg none': withPart(withPart(jws, 0, headerWith({ alg: 'none' })), 2, ''),
        'alg HS256': withPart(jws, 0, headerWith({ alg: 'HS256' })),
        'alg of the other suite': withPart(jws, 0, headerWith({ alg: otherAlg })),
        'another typ': withPart(jws, 0, headerWith({ typ: 'JWT' })),
        'critical extension': withPart(jws, 0, headerWith({ crit: ['exp'], exp: 1 })),
        'short signature': withPart(jws, 2, b64u(new Uint8Array(63))),
      };
      for (const [name, input] of Object.entries(cases)) {
        const result = await verifyCompact(input, jwks);
        assert.equal(result.status, 'malformed', name);
        assert.ok(result.status === 'malformed' && result.reason.length > 0, name);
      }
      assert.equal((await verifyCompact(42 as unknown as string, jwks)).status, 'malformed');
    });

    it('reports a validly signed payload that is not a JSON object as malformed', async () => {
      // Only a holder of the private key can make this, so sign by hand.
      const header = b64u(
        JSON.stringify({ alg: EXPECTED_ALG[suite], kid: key.kid, typ: CERTIFICATE_JWS_TYPE }),
      );
      const payload = b64u('[1,2,3]');
      const exported = key.privateKey?.export() as Uint8Array;
      const signature =
        suite === 'sm2'
          ? b64u(sm2p256v1.sign(Buffer.from(`${header}.${payload}`), exported))
          : (
              await new CompactSign(Buffer.from('[1,2,3]'))
                .setProtectedHeader(JSON.parse(fromB64u(header)))
                .sign(createPrivateKey({ key: Buffer.from(exported), format: 'der', type: 'pkcs8' }))
            ).split('.')[2];
      const result = await verifyCompact(`${header}.${payload}.${signature}`, jwks);
      assert.equal(result.status, 'malformed');
    });

    it('verifies a JWS typed for another purpose only when asked for that typ', async () => {
      const statusList = await signCompact({ bits: 1 }, key, { typ: 'statuslist+jwt' });
      assert.equal((await verifyCompact(statusList, jwks)).status, 'malformed');
      assert.equal((await verifyCompact(statusList, jwks, { typ: 'statuslist+jwt' })).status, 'valid');
    });

    it('keeps verifying old signatures across a key rotation', async () => {
      const old = generateSigningKey(suite, { now: new Date('2025-01-01T00:00:00Z') });
      const oldJws = await signCompact(claims, old);
      const retired: SigningKey = { ...old, retiredAt: new Date('2026-01-01T00:00:00Z') };
      const current = generateSigningKey(suite);
      const newJws = await signCompact({ ...claims, id: 'cert_02' }, current);
      const rotated = publicJwks([retired, current]);
      assert.equal(rotated.keys.length, 2);
      assert.deepEqual(await verifyCompact(oldJws, rotated), {
        status: 'valid',
        payload: claims,
        kid: old.kid,
        alg: EXPECTED_ALG[suite],
      });
      assert.equal((await verifyCompact(newJws, rotated)).status, 'valid');
      await assert.rejects(signCompact(claims, retired), /retired/);
      assert.equal(
        (await signCompact(claims, retired, { now: new Date('2025-06-01T00:00:00Z') })).split('.').length,
        3,
        'signs before its retirement',
      );
    });

    it('publishes a JWKS that survives JSON and verifies on its own', async () => {
      const jws = await signCompact(claims, key);
      const parsed = JSON.parse(JSON.stringify(jwks)) as Jwks;
      assert.deepEqual(parsed, jwks);
      const [entry] = parsed.keys;
      assert.equal(entry?.kid, key.kid);
      assert.equal(entry?.alg, EXPECTED_ALG[suite]);
      assert.equal(entry?.use, 'sig');
      assert.equal('d' in (entry ?? {}), false, 'no private member');
      assert.equal((await verifyCompact(jws, parsed)).status, 'valid');
      if (suite === 'sm2') assert.equal(sm2PublicKeyFromJwk(entry ?? {}).length, 65);
    });

    it('never shows the private key in JSON, text or inspection', () => {
      const secret = b64u(key.privateKey?.export() as Uint8Array);
      const secretHex = Buffer.from(key.privateKey?.export() as Uint8Array).toString('hex');
      const json = JSON.stringify(key);
      assert.equal('privateKey' in JSON.parse(json), false);
      assert.deepEqual(Object.keys(JSON.parse(json)).sort(), ['createdAt', 'kid', 'publicJwk', 'suite']);
      for (const shown of [
        json,
        JSON.stringify({ nested: [key] }),
        String(key.privateKey),
        `${key.privateKey}`,
        inspect(key, { depth: 10, showHidden: true }),
        JSON.stringify({ ...key.privateKey }),
      ]) {
        assert.equal(shown.includes(secret), false, shown);
        assert.equal(shown.includes(secretHex), false, shown);
        assert.equal(shown.includes(secret.slice(0, 20)), false, shown);
      }
      assert.equal(JSON.stringify(key.privateKey), undefined);
    });

    it('exports the private key for storage and restores a working key from it', async () => {
      const exported = key.privateKey?.export() as Uint8Array;
      if (suite === 'sm2') assert.equal(exported.length, 32);
      else
        assert.equal(
          createPrivateKey({ key: Buffer.from(exported), format: 'der', type: 'pkcs8' }).asymmetricKeyType,
          'ed25519',
        );
      const stored = { ...JSON.parse(JSON.stringify(key)), createdAt: key.createdAt, privateKey: exported };
      const restored = restoreSigningKey(stored);
      assert.equal((await verifyCompact(await signCompact(claims, restored), jwks)).status, 'valid');
      const other = generateSigningKey(suite).privateKey?.export() as Uint8Array;
      assert.throws(() => restoreSigningKey({ ...stored, privateKey: other }), /does not match/);
      const publicOnly = restoreSigningKey({ ...stored, privateKey: undefined });
      assert.equal(publicOnly.privateKey, undefined);
      await assert.rejects(signCompact(claims, publicOnly), /no private key/);
    });

    it('refuses to import bytes that are not a key of the suite', () => {
      assert.throws(() => SigningPrivateKey.import(suite, new Uint8Array(suite === 'sm2' ? 32 : 48)));
      assert.throws(() => SigningPrivateKey.import(suite, new Uint8Array(5)));
    });

    it('refuses to sign anything but a plain object', async () => {
      await assert.rejects(signCompact([1, 2] as unknown as Record<string, unknown>, key), TypeError);
      await assert.rejects(signCompact(new Date() as unknown as Record<string, unknown>, key), TypeError);
    });
  });
}

describe('compact JWS across suites', () => {
  it('verifies both suites against one mixed key set, and refuses an alg that does not fit the key', async () => {
    const ed = generateSigningKey('ed25519');
    const sm = generateSigningKey('sm2');
    const jwks = publicJwks([ed, sm]);
    assert.equal((await verifyCompact(await signCompact(claims, ed), jwks)).status, 'valid');
    assert.equal((await verifyCompact(await signCompact(claims, sm), jwks)).status, 'valid');
    // An SM2 header pointing at the Ed25519 key: a confused or hostile token, never a valid one.
    const smJws = await signCompact(claims, sm);
    const confused = withPart(
      smJws,
      0,
      b64u(JSON.stringify({ alg: 'SM2', kid: ed.kid, typ: CERTIFICATE_JWS_TYPE })),
    );
    assert.equal((await verifyCompact(confused, jwks)).status, 'malformed');
  });

  it('refuses a key set with two keys under one kid', () => {
    const a = generateSigningKey('ed25519', { kid: 'k1' });
    const b = generateSigningKey('sm2', { kid: 'k1' });
    assert.throws(() => publicJwks([a, b]), /share the kid/);
  });
});

describe('Ed25519 interoperability with other JOSE verifiers', () => {
  const key = generateSigningKey('ed25519');
  const jwks = publicJwks([key]);

  it('is verified by jose on its own, with our JWKS', async () => {
    const jws = await signCompact(claims, key);
    const { protectedHeader } = await compactVerify(jws, createLocalJWKSet(JSON.parse(JSON.stringify(jwks))));
    assert.equal(protectedHeader.alg, 'Ed25519');
  });

  it('accepts the older alg name EdDSA', async () => {
    const privateKey = createPrivateKey({
      key: Buffer.from(key.privateKey?.export() as Uint8Array),
      format: 'der',
      type: 'pkcs8',
    });
    const jws = await new CompactSign(Buffer.from(canonicalJson(claims)))
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: CERTIFICATE_JWS_TYPE })
      .sign(privateKey);
    assert.deepEqual(await verifyCompact(jws, jwks), {
      status: 'valid',
      payload: claims,
      kid: key.kid,
      alg: 'EdDSA',
    });
  });

  it('uses the RFC 7638 thumbprint as the default kid, as jose computes it', async () => {
    const { calculateJwkThumbprint } = await import('jose');
    assert.equal(key.kid, await calculateJwkThumbprint(key.publicJwk));
  });
});
