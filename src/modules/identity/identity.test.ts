import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { startTestPlatform } from '../../../test/support/platform.ts';
import type { Platform } from '../../app.ts';
import type { IdentityContract } from './contract.ts';
import { accounts } from './db/identity.tables.ts';
import { verifyPassword } from './domain/passwords.ts';
import { DEMO_PASSWORD } from './identity.seed.ts';

describe('identity: the demo city’s people', () => {
  let platform: Platform;
  before(async () => {
    platform = await startTestPlatform();
  });
  after(() => platform.close());

  it('has one account per role, staff with their department roles', async () => {
    const identity = platform.contracts.identity as IdentityContract;
    const clerk = await identity.findAccount('liuyang');
    assert.equal(clerk?.kind, 'staff');
    assert.deepEqual(clerk?.roles, [{ departmentCode: 'SJ', role: 'clerk' }]);
    const citizen = await identity.findAccount('zhangwei');
    assert.equal(citizen?.kind, 'public');
    assert.equal(citizen?.assuranceLevel, 2);
    assert.equal(await identity.findAccount('nobody'), undefined);
    assert.ok(!('passwordHash' in (citizen ?? {})), 'no secret leaves the module');
  });

  it('stores passwords as argon2id hashes that verify only the right password', async () => {
    const [row] = await platform.kernel.db.select().from(accounts).where(eq(accounts.username, 'machao'));
    assert.match(row?.passwordHash ?? '', /^\$argon2id\$/);
    assert.equal(await verifyPassword(row?.passwordHash ?? '', DEMO_PASSWORD), true);
    assert.equal(await verifyPassword(row?.passwordHash ?? '', 'wrong-password'), false);
    assert.equal(await verifyPassword('not a hash', DEMO_PASSWORD), false);
  });
});
