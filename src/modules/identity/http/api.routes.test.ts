import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import type { Platform } from '../../../app.ts';
import type { IdentityContract } from '../contract.ts';

describe('API tokens of machine clients', () => {
  let platform: Platform;
  let app: FastifyInstance;
  let identity: IdentityContract;
  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
    identity = platform.contracts.identity as IdentityContract;
  });
  after(() => platform.close());

  it('lets a client with a valid token say who it is, and stores only the hash', async () => {
    const issued = await identity.apiTokens.issue({
      clientName: 'sj-licensing',
      departmentCode: 'SJ',
      scopes: ['organisations.department.read'],
      days: 30,
    });
    assert.match(issued.token, /^ywt_[\w-]{43}$/);
    const res = await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${issued.token}` } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), {
      clientId: issued.id,
      departmentCode: 'SJ',
      scopes: ['organisations.department.read'],
    });
    const stored = await platform.database.executeSql(
      'select token_hash from identity_api_tokens where id = $1',
      [issued.id],
    );
    assert.notEqual(stored.rows[0]?.token_hash, issued.token);
  });

  it('refuses a revoked, unknown or malformed token with a translated 401, and a missing one too', async () => {
    const issued = await identity.apiTokens.issue({
      clientName: 'old-system',
      scopes: ['identity.profile.read'],
      days: 1,
    });
    assert.equal(await identity.apiTokens.revoke(issued.id), true);
    assert.equal(await identity.apiTokens.revoke(issued.id), false, 'nothing left to revoke');
    for (const authorization of [`Bearer ${issued.token}`, 'Bearer ywt_unknown', 'Basic abc']) {
      const res = await app.inject({ url: '/api/v1/me?lang=en', headers: { authorization } });
      assert.equal(res.statusCode, 401, authorization);
      assert.equal(res.json().code, 'IDENTITY_ERR_TOKEN_INVALID');
      assert.match(res.json().title, /not valid, has expired or has been revoked/);
    }
    const anonymous = await app.inject({ url: '/api/v1/me' });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().code, 'AUTHZ_ERR_SIGN_IN_REQUIRED');
  });

  it('refuses bad issue requests and records issue and revocation in the audit chain', async () => {
    await assert.rejects(
      identity.apiTokens.issue({ clientName: 'x', scopes: ['a.b.c'], days: 30 }),
      RangeError,
    );
    await assert.rejects(
      identity.apiTokens.issue({ clientName: 'ok-name', scopes: ['not a scope'], days: 30 }),
      RangeError,
    );
    await assert.rejects(
      identity.apiTokens.issue({ clientName: 'ok-name', scopes: ['a.b.c'], days: 400 }),
      RangeError,
    );
    const { rows } = await platform.database.executeSql(
      "select count(*)::int as n from kernel_audit_records where action in ('identity.apiToken.issued', 'identity.apiToken.revoked')",
    );
    assert.equal(rows[0]?.n, 3);
    assert.equal((await platform.kernel.audit.verify(platform.kernel.db)).ok, true);
  });

  it('is described in the OpenAPI document with its bearer scheme', async () => {
    const doc = (await app.inject({ url: '/api/openapi.json' })).json();
    assert.deepEqual(doc.paths['/api/v1/me'].get.security, [{ bearerAuth: [] }]);
    assert.equal(doc.components.securitySchemes.bearerAuth.scheme, 'bearer');
  });
});
