import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { FormClient } from '../../../../test/support/form-client.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { signInStaff } from '../../../../test/support/staff-session.ts';
import type { Platform } from '../../../app.ts';
import { accessesToSubject } from '../../../kernel/audit/audit.ts';
import { accounts } from '../db/identity.tables.ts';
import { residentIdCheckCharacter } from '../domain/identifiers.ts';
import { DEMO_PASSWORD } from '../identity.seed.ts';

// 李娜's resident ID number (shared/docs/demo-city.md: demo numbers carry the division code 990100).
const LINA_ID = `99010019920815002${residentIdCheckCharacter('99010019920815002')}`;

describe('identity verified in person at a counter (L3)', () => {
  let platform: Platform;
  let app: FastifyInstance;
  const levelOf = async (username: string) =>
    (await platform.kernel.db.select().from(accounts).where(eq(accounts.username, username)))[0]
      ?.assuranceLevel;

  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
  });
  after(() => platform.close());

  it('raises 李娜 to L3 only when the number read from her card matches, and she sees the check', async () => {
    const clerk = await signInStaff(app, 'chenjing', '198.51.100.61');
    const form = await clerk.get('/workbench/identity-check');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /窗口核验身份/);
    const csrf = clerk.token(form.body);

    const wrong = await clerk.post('/workbench/identity-check', {
      username: 'lina',
      documentNumber: `${LINA_ID.slice(0, 17)}${LINA_ID.endsWith('1') ? '2' : '1'}`,
      _csrf: csrf,
    });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /证件号码与该账户登记的号码不一致/);
    assert.match(wrong.body, /href="#documentNumber"/);
    assert.equal(await levelOf('lina'), 1, 'nothing changed');

    const right = await clerk.post('/workbench/identity-check?lang=en', {
      username: 'lina',
      documentNumber: LINA_ID.toLowerCase(),
      _csrf: csrf,
    });
    assert.equal(right.statusCode, 200);
    assert.match(right.body, /Li Na’s account is now at identity assurance level L3/);
    assert.equal(await levelOf('lina'), 3);

    const [lina] = await platform.kernel.db.select().from(accounts).where(eq(accounts.username, 'lina'));
    const [check] = await accessesToSubject(platform.kernel.db, lina?.id as string);
    assert.equal(check?.action, 'identity.assurance.verified');
    assert.equal(check?.department, 'ZWFW');
    assert.equal(check?.role, 'clerk');
  });

  it('refuses the check to the hotline operator and to citizens, and without the CSRF token', async () => {
    const operator = await signInStaff(app, 'hejing', '198.51.100.62');
    const page = await operator.get('/workbench/identity-check');
    const refused = await operator.post('/workbench/identity-check', {
      username: 'zhangwei',
      documentNumber: 'X',
      _csrf: operator.token(page.body),
    });
    assert.equal(refused.statusCode, 403);
    assert.equal(await levelOf('zhangwei'), 2);

    const citizen = new FormClient(app, '198.51.100.63');
    const signIn = await citizen.post('/sign-in', {
      username: 'zhangwei',
      password: DEMO_PASSWORD,
      _csrf: await citizen.csrfFrom('/sign-in'),
    });
    assert.equal(signIn.statusCode, 303);
    assert.equal((await citizen.get('/workbench/identity-check')).statusCode, 303, 'a citizen is sent away');

    const clerk = await signInStaff(app, 'liuyang', '198.51.100.64');
    const forged = await clerk.post('/workbench/identity-check', {
      username: 'zhangwei',
      documentNumber: 'X',
    });
    assert.equal(forged.statusCode, 403);
  });

  it('shows a person their own details on the account page, masked', async () => {
    const citizen = new FormClient(app, '198.51.100.65');
    await citizen.post('/sign-in', {
      username: 'zhangwei',
      password: DEMO_PASSWORD,
      _csrf: await citizen.csrfFrom('/sign-in'),
    });
    const page = await citizen.get('/account');
    assert.match(page.body, /L2 已与人口库核验/);
    assert.match(page.body, /990100\*{8}\d{3}[\dX]/);
    assert.match(page.body, /139\*{4}0001/);
    assert.match(page.body, /zhangwei@shifan\.example/);
  });
});
