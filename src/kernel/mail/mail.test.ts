import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { startTestSmtpServer, type TestSmtpServer } from '../../../test/support/smtp-test-server.ts';
import { type Database, openDatabase, queryRows } from '../db/database.ts';
import { migrate } from '../db/migrations.ts';
import { createHttpServer } from '../http/server.ts';
import { createJobs, type Jobs } from '../jobs/jobs.ts';
import { createLogger } from '../logger.ts';
import { mailRecords } from './mail.tables.ts';
import {
  createMailer,
  deliverMail,
  type Mailer,
  type MailMessage,
  queueMail,
  queueMails,
  registerMailJob,
} from './mail.ts';
import { registerDevMailbox } from './mailbox.routes.tsx';
import { parseSmtpUrl } from './smtp-url.ts';

const log = createLogger('silent');
const FROM = 'noreply@shifan.gov.example';

/** A fresh in-memory database with every migration applied (the mail table comes from drizzle/). */
async function freshDatabase(): Promise<Database> {
  const database = await openDatabase({ mode: 'memory' });
  await migrate(database.db);
  return database;
}

function smtpMailer(url: string): Mailer {
  const smtp = parseSmtpUrl(url);
  assert.ok(smtp, url);
  return createMailer({ transport: 'smtp', smtp, from: FROM, log, timeouts: { connection: 2000 } });
}

const codeMail = (to: string, code: string): MailMessage => ({
  to,
  subject: '示范市政务服务网：您的验证码',
  text: `您好！\n\n您的验证码是 ${code}，10 分钟内有效。\n如非本人操作，请忽略本邮件。`,
  locale: 'zh-CN',
});

async function mailRow(database: Database, id: string) {
  const [row] = await database.db.select().from(mailRecords).where(eq(mailRecords.id, id));
  return row;
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('SMTP URLs (YIWANG_SMTP_URL)', () => {
  it('reads host, port, TLS mode and percent-encoded credentials', () => {
    assert.deepEqual(parseSmtpUrl('smtp://mailer:p%40ss%3Aword@127.0.0.1:2525'), {
      host: '127.0.0.1',
      port: 2525,
      secure: false,
      user: 'mailer',
      password: 'p@ss:word',
      starttls: 'opportunistic',
    });
    assert.deepEqual(parseSmtpUrl('smtps://relay.shifan.gov.example'), {
      host: 'relay.shifan.gov.example',
      port: 465,
      secure: true,
      starttls: 'none',
    });
    assert.equal(parseSmtpUrl('smtp://relay.shifan.gov.example')?.port, 587);
    assert.equal(parseSmtpUrl('smtp://[::1]:25?starttls=required')?.host, '::1');
    assert.equal(parseSmtpUrl('smtp://[::1]:25?starttls=required')?.starttls, 'required');
  });

  it('refuses anything else', () => {
    for (const raw of [
      'http://127.0.0.1:25',
      'smtp://',
      'relay.example:25',
      'smtp://relay.example/path',
      'smtp://relay.example?starttls=maybe',
      'smtp://relay.example?tls=off',
      'smtp://%E0%A4%A@relay.example',
    ]) {
      assert.equal(parseSmtpUrl(raw), undefined, raw);
    }
  });
});

describe('mailer (real SMTP server on loopback)', () => {
  let server: TestSmtpServer;
  before(async () => {
    server = await startTestSmtpServer({ auth: { user: 'yiwang', password: 'p@ss word' } });
  });
  after(() => server.close());

  it('sends UTF-8 Chinese mail with the stored id as Message-ID, authenticating with the URL credentials', async () => {
    const mailer = smtpMailer(server.url);
    try {
      const delivery = await mailer.send({
        id: 'mail_01JTESTTESTTESTTESTTESTTES',
        ...codeMail('zhangwei@example.test', '482913'),
        html: '<p>您的验证码是 <strong>482913</strong></p>',
      });
      assert.equal(delivery.via, 'smtp');
      assert.equal(delivery.messageId, '<mail_01JTESTTESTTESTTESTTESTTES@shifan.gov.example>');
      const mail = await server.waitFor((m) => m.messageId === delivery.messageId);
      assert.deepEqual(mail.envelope, { from: FROM, to: ['zhangwei@example.test'] });
      assert.equal(mail.user, 'yiwang');
      assert.equal(mail.headers.get('to'), 'zhangwei@example.test');
      assert.equal(mail.subject, '示范市政务服务网：您的验证码');
      // On the wire the header is MIME-encoded UTF-8 (RFC 2047), the body base64 or quoted-printable.
      assert.match(mail.raw, /^Subject: =\?UTF-8\?[BQ]\?/im);
      assert.match(mail.text, /您的验证码是 482913，10 分钟内有效。/);
      assert.equal(mail.html, '<p>您的验证码是 <strong>482913</strong></p>');
      assert.equal(mail.headers.get('content-language'), 'zh-CN');
      assert.equal(mail.headers.get('auto-submitted'), 'auto-generated');
    } finally {
      mailer.close();
    }
  });

  it('fails when the server refuses the credentials', async () => {
    const mailer = smtpMailer(server.url.replace('yiwang:', 'intruder:'));
    try {
      await assert.rejects(
        mailer.send({ id: 'mail_01JTESTTESTTESTTESTTESTTEX', ...codeMail('a@example.test', '1') }),
        /Invalid/i,
      );
    } finally {
      mailer.close();
    }
  });

  it('without SMTP, the log transport keeps the mail and touches no network', async () => {
    const mailer = createMailer({ transport: 'log', from: FROM, log, devMailbox: true });
    const delivery = await mailer.send({
      id: 'mail_01JTESTTESTTESTTESTTESTTEY',
      ...codeMail('a@example.test', '1'),
    });
    assert.deepEqual(delivery, {
      via: 'log',
      messageId: '<mail_01JTESTTESTTESTTESTTESTTEY@shifan.gov.example>',
    });
  });
});

/*
 * Everything below needs the kernel_mail_messages table, i.e. the migration generated from mail.tables.ts into
 * drizzle/ (`npm run db:generate`).
 */

describe('mail outbox: stored in the transaction, sent by a job', () => {
  let server: TestSmtpServer;
  let database: Database;
  let jobs: Jobs;
  let mailer: Mailer;
  before(async () => {
    server = await startTestSmtpServer();
    database = await freshDatabase();
    mailer = smtpMailer(server.url);
    jobs = createJobs(database, { work: true });
    // A short delay so the retry test does not wait for production backoff.
    registerMailJob(jobs, database.db, mailer, { retryDelaySeconds: 1 });
    await jobs.start();
  });
  after(async () => {
    await jobs.stop();
    mailer.close();
    await database.close();
    await server.close();
  });

  it('delivers a mail queued in a committed transaction, with the right To, Subject and Chinese text', async () => {
    const id = await database.db.transaction((tx) =>
      queueMail(tx, jobs, codeMail('lina@example.test', '730164')),
    );
    assert.match(id, /^mail_[0-9A-Z]{26}$/);
    const mail = await server.waitFor((m) => m.messageId.includes(id));
    assert.deepEqual(mail.envelope.to, ['lina@example.test']);
    assert.equal(mail.headers.get('to'), 'lina@example.test');
    assert.equal(mail.subject, '示范市政务服务网：您的验证码');
    assert.equal(mail.text, '您好！\n\n您的验证码是 730164，10 分钟内有效。\n如非本人操作，请忽略本邮件。');
    await waitUntil(async () => Boolean((await mailRow(database, id))?.sentAt));
    const row = await mailRow(database, id);
    assert.equal(row?.deliveredVia, 'smtp');
    assert.equal(row?.attempts, 1);
    assert.equal(row?.lastError, null);
    assert.equal(row?.messageId, `<${id}@shifan.gov.example>`);
  });

  it('never sends a mail queued in a transaction that rolled back', async () => {
    let rolledBack = '';
    await assert.rejects(
      database.db.transaction(async (tx) => {
        rolledBack = await queueMail(tx, jobs, codeMail('wangfang@example.test', '111111'));
        throw new Error('the registration failed');
      }),
      /registration failed/,
    );
    assert.match(rolledBack, /^mail_/);
    // A mail committed afterwards goes through the same queue: once it has arrived, the other one would have too.
    const later = await database.db.transaction((tx) =>
      queueMail(tx, jobs, codeMail('wangfang@example.test', '222222')),
    );
    await server.waitFor((m) => m.messageId.includes(later));
    assert.equal(await mailRow(database, rolledBack), undefined);
    const queued = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from pgboss.job where name = 'mail.send' and data->>'mailId' = ${rolledBack}`,
    );
    assert.equal(queued[0]?.n, 0, 'no job either');
    assert.equal(
      server.messages.some((m) => m.messageId.includes(rolledBack) || m.text.includes('111111')),
      false,
    );
  });

  it('queues several mails at once, each delivered on its own, and none when one of them is refused', async () => {
    await assert.rejects(
      database.db.transaction((tx) =>
        queueMails(tx, jobs, [
          codeMail('sunli@example.test', '333333'),
          codeMail('sunli@example.test, zhouqiang@example.test', '444444'),
        ]),
      ),
      RangeError,
    );
    const ids = await database.db.transaction((tx) =>
      queueMails(tx, jobs, [
        codeMail('sunli@example.test', '555555'),
        codeMail('zhouqiang@example.test', '666666'),
      ]),
    );
    assert.equal(ids.length, 2);
    for (const [i, to] of ['sunli@example.test', 'zhouqiang@example.test'].entries()) {
      const mail = await server.waitFor((m) => m.messageId.includes(ids[i] as string));
      assert.deepEqual(mail.envelope.to, [to]);
    }
    assert.equal(
      server.messages.some((m) => m.text.includes('333333') || m.text.includes('444444')),
      false,
    );
    assert.deepEqual(await database.db.transaction((tx) => queueMails(tx, jobs, [])), []);
  });

  it('sends a mail once when its job is enqueued twice together (a redelivery beside the first)', async () => {
    const id = await database.db.transaction(async (tx) => {
      const [mailId] = await queueMails(tx, jobs, [codeMail('chenjing@example.test', '777777')]);
      await jobs.sendMany([{ name: 'mail.send', data: { mailId } }], { tx });
      return mailId as string;
    });
    await server.waitFor((m) => m.messageId.includes(id));
    await waitUntil(async () => Boolean((await mailRow(database, id))?.sentAt));
    const jobsDone = async () =>
      (
        await queryRows<{ n: number }>(
          database.db,
          sql`select count(*)::int as n from pgboss.job
               where name = 'mail.send' and data->>'mailId' = ${id} and state = 'completed'`,
        )
      )[0]?.n;
    await waitUntil(async () => (await jobsDone()) === 2);
    assert.equal(server.messages.filter((m) => m.messageId.includes(id)).length, 1);
    assert.equal((await mailRow(database, id))?.attempts, 1);
  });

  it('records a failure and lets pg-boss retry until the server accepts the mail', async () => {
    server.failNext(1);
    const id = await database.db.transaction((tx) =>
      queueMail(tx, jobs, codeMail('zhaolei@example.test', '505050')),
    );
    // First the failed attempt is recorded…
    await waitUntil(async () => ((await mailRow(database, id))?.attempts ?? 0) >= 1);
    const failed = await mailRow(database, id);
    assert.equal(failed?.sentAt, null);
    assert.match(failed?.lastError ?? '', /451|Temporary failure/);
    // …then the retry delivers it, and the error is cleared.
    const mail = await server.waitFor((m) => m.messageId.includes(id), 30_000);
    assert.match(mail.text, /505050/);
    await waitUntil(async () => Boolean((await mailRow(database, id))?.sentAt));
    const sent = await mailRow(database, id);
    assert.equal(sent?.attempts, 2);
    assert.equal(sent?.lastError, null);
    assert.equal(server.messages.filter((m) => m.messageId.includes(id)).length, 1);
  });
});

describe('mail delivery job, run by hand', () => {
  let server: TestSmtpServer;
  let database: Database;
  let jobs: Jobs;
  let mailer: Mailer;
  before(async () => {
    server = await startTestSmtpServer();
    database = await freshDatabase();
    mailer = smtpMailer(server.url);
    // Enqueue only: these tests run the job themselves.
    jobs = createJobs(database, { work: false });
    registerMailJob(jobs, database.db, mailer);
    await jobs.start();
  });
  after(async () => {
    await jobs.stop();
    mailer.close();
    await database.close();
    await server.close();
  });

  it('is idempotent: a job that runs twice sends the mail once', async () => {
    const id = await database.db.transaction((tx) =>
      queueMail(tx, jobs, codeMail('liuyang@example.test', '9')),
    );
    assert.equal(await deliverMail(database.db, mailer, id), 'sent');
    assert.equal(await deliverMail(database.db, mailer, id), 'already-sent');
    assert.equal(server.messages.filter((m) => m.messageId.includes(id)).length, 1);
    assert.equal((await mailRow(database, id))?.attempts, 1);
    assert.equal(await deliverMail(database.db, mailer, 'mail_01JUNKNOWNUNKNOWNUNKNOWNUN'), 'missing');
  });

  it('records each failed attempt and rethrows, so the job is retried', async () => {
    const id = await database.db.transaction((tx) =>
      queueMail(tx, jobs, codeMail('sunli@example.test', '7')),
    );
    server.failNext(2);
    await assert.rejects(deliverMail(database.db, mailer, id), /Temporary failure/);
    await assert.rejects(deliverMail(database.db, mailer, id), /Temporary failure/);
    const failed = await mailRow(database, id);
    assert.equal(failed?.attempts, 2);
    assert.equal(failed?.sentAt, null);
    assert.match(failed?.lastError ?? '', /451/);
    assert.equal(await deliverMail(database.db, mailer, id), 'sent');
    assert.equal((await mailRow(database, id))?.attempts, 3);
  });

  it('fails (and records why) when the SMTP server cannot be reached', async () => {
    const closed = await startTestSmtpServer();
    await closed.close();
    const unreachable = smtpMailer(closed.url);
    const id = await database.db.transaction((tx) =>
      queueMail(tx, jobs, codeMail('zhoumin@example.test', '3')),
    );
    await assert.rejects(deliverMail(database.db, unreachable, id));
    assert.match((await mailRow(database, id))?.lastError ?? '', /ECONNREFUSED|connect/i);
    unreachable.close();
  });

  it('with the log transport, stores the mail as kept, not sent by SMTP', async () => {
    const keeper = createMailer({ transport: 'log', from: FROM, log, devMailbox: true });
    const id = await database.db.transaction((tx) => queueMail(tx, jobs, codeMail('demo@example.test', '4')));
    assert.equal(await deliverMail(database.db, keeper, id), 'sent');
    const row = await mailRow(database, id);
    assert.equal(row?.deliveredVia, 'log');
    assert.ok(row?.sentAt);
  });

  it('refuses a recipient that is not exactly one address, and stores nothing', async () => {
    for (const to of ['a@example.test, b@example.test', 'Zhang Wei <a@example.test>', 'not-an-address', '']) {
      await assert.rejects(
        database.db.transaction((tx) => queueMail(tx, jobs, codeMail(to, '1'))),
        RangeError,
        to,
      );
    }
  });
});

describe('development mailbox pages', () => {
  let database: Database;
  let jobs: Jobs;
  let app: FastifyInstance;
  let id = '';
  before(async () => {
    database = await freshDatabase();
    jobs = createJobs(database, { work: false });
    registerMailJob(jobs, database.db, createMailer({ transport: 'log', from: FROM, log }));
    await jobs.start();
    app = await createHttpServer({
      log,
      version: 'test',
      cookieSecret: 'test-secret-of-at-least-thirty-two-characters',
    });
    registerDevMailbox(app, database.db, { timeZone: 'Asia/Shanghai' });
    id = await database.db.transaction((tx) =>
      queueMail(tx, jobs, {
        ...codeMail('chenjing@example.test', '246810'),
        html: '<p>验证码 <script>alert(1)</script></p>',
      }),
    );
  });
  after(async () => {
    await app.close();
    await jobs.stop();
    await database.close();
  });

  it('lists stored mails, newest first, in a captioned table that is never cached', async () => {
    const older = id;
    const newer = await database.db.transaction((tx) =>
      queueMail(tx, jobs, { ...codeMail('huanglei@example.test', '1'), subject: '第二封邮件' }),
    );
    const response = await app.inject({ url: '/dev/mailbox' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.match(String(response.headers['x-robots-tag']), /noindex/);
    const html = response.body;
    assert.match(html, /<h1>开发邮箱<\/h1>/);
    assert.match(html, /<caption[^>]*>最近的 2 封邮件（最新的在前）<\/caption>/);
    assert.match(html, /仅供演示/);
    assert.ok(html.indexOf(newer) < html.indexOf(older), 'newest first');
    assert.match(
      html,
      new RegExp(`<a href="/dev/mailbox/${older}" lang="zh-CN">示范市政务服务网：您的验证码</a>`),
    );
    assert.match(html, /排队中/);
  });

  it('shows one mail with its text, and its HTML only as escaped source', async () => {
    const response = await app.inject({ url: `/dev/mailbox/${id}` });
    assert.equal(response.statusCode, 200);
    const html = response.body;
    assert.match(html, /<title>邮件：示范市政务服务网：您的验证码/);
    assert.match(html, /<h1><span lang="zh-CN">示范市政务服务网：您的验证码<\/span><\/h1>/);
    assert.match(html, /您的验证码是 246810，10 分钟内有效。<br\/?>如非本人操作/);
    assert.match(html, /chenjing@example.test/);
    assert.doesNotMatch(html, /<script>alert/);
    assert.match(html, /&lt;script>alert\(1\)&lt;\/script>|&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  it('speaks English with ?lang=en', async () => {
    const response = await app.inject({ url: `/dev/mailbox?lang=en` });
    assert.match(response.body, /<h1>Development mailbox<\/h1>/);
    assert.match(response.body, /Queued/);
  });

  it('answers 404 for an unknown or malformed id', async () => {
    for (const url of ['/dev/mailbox/mail_01JUNKNOWNUNKNOWNUNKNOWNUN', '/dev/mailbox/..%2Fetc']) {
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 404, url);
    }
  });
});
