import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, count, eq, isNull } from 'drizzle-orm';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { FormClient } from '../../../../test/support/form-client.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../../../../test/support/smtp-test-server.ts';
import type { Platform } from '../../../app.ts';
import { accounts, sessions } from '../db/identity.tables.ts';
import { verifyPassword } from '../domain/passwords.ts';
import { DEMO_PASSWORD } from '../identity.seed.ts';

describe('forgotten password, through a real SMTP server', () => {
  let smtp: TestSmtpServer;
  let platform: Platform;
  let app: FastifyInstance;
  before(async () => {
    smtp = await startTestSmtpServer();
    platform = await startTestPlatform({
      work: true,
      env: { YIWANG_SMTP_URL: smtp.url, YIWANG_PUBLIC_URL: 'https://zwfw.shifan.example' },
    });
    app = platform.app as FastifyInstance;
  });
  after(async () => {
    await platform.close();
    await smtp.close();
  });

  it('answers the same for an unknown name, and sends nothing', async () => {
    const client = new FormClient(app);
    const form = await client.get('/password-reset');
    const unknown = await client.post('/password-reset', {
      identifier: 'nobody-at-all',
      _csrf: client.token(form.body),
    });
    const known = await client.post('/password-reset', {
      identifier: 'lina',
      _csrf: client.token(form.body),
    });
    const main = (res: LightMyRequestResponse) => /<main[\s\S]*<\/main>/.exec(res.body)?.[0];
    assert.equal(main(unknown), main(known));
    await smtp.waitFor((m) => m.envelope.to.includes('lina@shifan.example'));
    assert.equal(smtp.messages.filter((m) => m.envelope.to.some((to) => to.includes('nobody'))).length, 0);
  });

  it('mails a single-use link to the public address, sets the new password and signs out everywhere', async () => {
    const session = new FormClient(app);
    const signIn = await session.get('/sign-in');
    await session.post('/sign-in', {
      username: 'zhangwei',
      password: DEMO_PASSWORD,
      _csrf: session.token(signIn.body),
    });
    const [zhang] = await platform.kernel.db.select().from(accounts).where(eq(accounts.username, 'zhangwei'));
    const open = async () =>
      (
        await platform.kernel.db
          .select({ n: count() })
          .from(sessions)
          .where(and(eq(sessions.accountId, zhang?.id ?? ''), isNull(sessions.endedAt)))
      )[0]?.n;
    assert.equal(await open(), 1);

    const client = new FormClient(app);
    const form = await client.get('/password-reset');
    await client.post('/password-reset', {
      identifier: 'zhangwei@shifan.example',
      _csrf: client.token(form.body),
    });
    const mail = await smtp.waitFor((m) => m.envelope.to.includes('zhangwei@shifan.example'));
    const link =
      /(https:\/\/zwfw\.shifan\.example\/password-reset\/confirm\?token=[\w-]+)/.exec(mail.text)?.[1] ?? '';
    assert.ok(link, 'the link points at the public URL, not at whatever Host the request named');
    const path = link.replace('https://zwfw.shifan.example', '');
    const token = new URL(link).searchParams.get('token') ?? '';

    const page = await client.get(path);
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    const weak = await client.post('/password-reset/confirm', {
      token,
      password: 'password123',
      _csrf: client.token(page.body),
    });
    assert.equal(weak.statusCode, 400);
    assert.match(weak.body, /太常见/);
    const done = await client.post('/password-reset/confirm', {
      token,
      password: 'a new and private sentence',
      _csrf: client.token(page.body),
    });
    assert.equal(done.statusCode, 200);
    const [after] = await platform.kernel.db.select().from(accounts).where(eq(accounts.username, 'zhangwei'));
    assert.equal(await verifyPassword(after?.passwordHash ?? '', 'a new and private sentence'), true);
    assert.equal(await open(), 0, 'every session ended');
    const again = await client.post('/password-reset/confirm', {
      token,
      password: 'yet another private sentence',
      _csrf: client.token(page.body),
    });
    assert.equal(again.statusCode, 400, 'the link works once');
    assert.match(again.body, /无效、已过期或已使用/);
  });
});
