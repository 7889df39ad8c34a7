import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { count, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { FormClient } from '../../../../test/support/form-client.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../../../../test/support/smtp-test-server.ts';
import type { Platform } from '../../../app.ts';
import { accounts, registrations } from '../db/identity.tables.ts';
import { residentIdCheckCharacter } from '../domain/identifiers.ts';

const ZHAO_MIN_ID = `99010019950601002${residentIdCheckCharacter('99010019950601002')}`;

describe('registration by e-mail code, through a real SMTP server', () => {
  let smtp: TestSmtpServer;
  let platform: Platform;
  let app: FastifyInstance;
  before(async () => {
    smtp = await startTestSmtpServer();
    platform = await startTestPlatform({ work: true, env: { YIWANG_SMTP_URL: smtp.url } });
    app = platform.app as FastifyInstance;
  });
  after(async () => {
    await platform.close();
    await smtp.close();
  });

  const accountCount = async () => (await platform.kernel.db.select({ n: count() }).from(accounts))[0]?.n;

  it('reports every problem of the form at once, translated, and registers nothing', async () => {
    const client = new FormClient(app);
    const form = await client.get('/register?lang=en');
    const before = await accountCount();
    const res = await client.post('/register', {
      _csrf: client.token(form.body),
      displayName: '',
      username: '1bad',
      idType: 'resident_id',
      idNumber: '990100199506010021',
      email: 'not-an-address',
      password: 'password123',
    });
    assert.equal(res.statusCode, 400);
    for (const text of [
      /Enter your name/,
      /A user name starts with a letter/,
      /check character/,
      /valid e-mail/,
      /too common/,
    ]) {
      assert.match(res.body, text);
    }
    assert.equal(await accountCount(), before);
    assert.equal((await platform.kernel.db.select({ n: count() }).from(registrations))[0]?.n, 0);
  });

  it('refuses a duplicate ID number, user name or address with 409', async () => {
    const client = new FormClient(app);
    const form = await client.get('/register');
    const res = await client.post('/register', {
      _csrf: client.token(form.body),
      displayName: '张伟',
      username: 'zhangwei',
      idType: 'resident_id',
      idNumber: ZHAO_MIN_ID,
      email: 'someone-new@example.test',
      password: 'a long and private sentence',
    });
    assert.equal(res.statusCode, 409);
    assert.match(res.body, /已经注册/);
  });

  it('mails a code, refuses a wrong one, creates an L2 account with the right one, and never accepts it twice', async () => {
    const client = new FormClient(app);
    const form = await client.get('/register');
    const started = await client.post('/register', {
      _csrf: client.token(form.body),
      displayName: '赵敏',
      username: 'zhaomin',
      idType: 'resident_id',
      idNumber: ZHAO_MIN_ID,
      email: 'zhaomin@example.test',
      phone: '13900000099',
      password: 'a long and private sentence',
    });
    assert.equal(started.statusCode, 303);
    const verifyUrl = String(started.headers.location);
    const registration = /registration=(reg_\w+)/.exec(verifyUrl)?.[1] ?? '';

    const mail = await smtp.waitFor((m) => m.envelope.to.includes('zhaomin@example.test'));
    assert.match(mail.subject, /注册验证码/);
    const code = /(\d{6})/.exec(mail.text)?.[1] ?? '';
    assert.equal(code.length, 6);

    const page = await client.get(verifyUrl);
    const wrong = await client.post('/register/verify', {
      _csrf: client.token(page.body),
      registration,
      code: code === '000000' ? '111111' : '000000',
    });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /验证码不正确、已过期或已使用/);
    assert.equal(await platform.kernel.db.$count(accounts, eq(accounts.username, 'zhaomin')), 0);

    const done = await client.post('/register/verify', {
      _csrf: client.token(page.body),
      registration,
      code,
    });
    assert.equal(done.statusCode, 200);
    assert.match(done.body, /L2/);
    const [account] = await platform.kernel.db
      .select()
      .from(accounts)
      .where(eq(accounts.username, 'zhaomin'));
    assert.equal(account?.assuranceLevel, 2, 'the demo population register knows 赵敏');

    const reused = await client.post('/register/verify', {
      _csrf: client.token(page.body),
      registration,
      code,
    });
    assert.equal(reused.statusCode, 400, 'a code works once');
    assert.equal((await platform.kernel.audit.verify(platform.kernel.db)).ok, true);
  });
});
