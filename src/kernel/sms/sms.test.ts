import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { createTestPostgresDatabase, needPostgres } from '../../../test/support/environment.ts';
import { startTestSmsGateway, type TestSmsGateway } from '../../../test/support/sms-test-gateway.ts';
import { type Database, openDatabase, queryRows } from '../db/database.ts';
import { migrate } from '../db/migrations.ts';
import { createHttpServer } from '../http/server.ts';
import { createJobs, type Jobs } from '../jobs/jobs.ts';
import { createLogger } from '../logger.ts';
import { registerDevMailbox } from '../mail/mailbox.routes.tsx';
import { smsRecords } from './sms.tables.ts';
import {
  createSmsSender,
  deliverSms,
  queueSms,
  registerSmsJob,
  type SmsGatewayError,
  SmsInFlightError,
  type SmsMessage,
  type SmsSender,
} from './sms.ts';

const log = createLogger('silent');

/** A fresh in-memory database with every migration applied (the SMS table comes from drizzle/). */
async function freshDatabase(): Promise<Database> {
  const database = await openDatabase({ mode: 'memory' });
  await migrate(database.db);
  return database;
}

function gatewaySender(
  gateway: TestSmsGateway,
  options: { token?: string; timeoutMs?: number } = {},
): SmsSender {
  return createSmsSender({
    transport: 'http',
    gateway: { url: new URL(gateway.url), token: options.token ?? gateway.token },
    log,
    timeoutMs: options.timeoutMs ?? 5000,
  });
}

const codeSms = (to: string, code: string): SmsMessage => ({
  to,
  text: `【示范市政务服务】您的注册验证码是 ${code}，10 分钟内有效。如非本人操作，请忽略本短信。`,
  locale: 'zh-CN',
});

async function smsRow(database: Database, id: string) {
  const [row] = await database.db.select().from(smsRecords).where(eq(smsRecords.id, id));
  return row;
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const requestsFor = (gateway: TestSmsGateway, id: string) =>
  gateway.requests.filter((r) => r.body?.id === id);

describe('SMS gateway transport (a real HTTP server on loopback)', () => {
  let gateway: TestSmsGateway;
  before(async () => {
    gateway = await startTestSmsGateway();
  });
  after(() => gateway.close());

  it('POSTs exactly { id, to, text } as UTF-8 JSON with the bearer token', async () => {
    const delivery = await gatewaySender(gateway).send({
      id: 'sms_01JTESTTESTTESTTESTTESTTES',
      ...codeSms('13900000099', '482913'),
    });
    assert.deepEqual(delivery, { via: 'http', status: 200 });
    const [request] = requestsFor(gateway, 'sms_01JTESTTESTTESTTESTTESTTES');
    assert.ok(request);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/v1/sms');
    assert.equal(request.headers.authorization, `Bearer ${gateway.token}`);
    assert.equal(request.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(request.headers['idempotency-key'], 'sms_01JTESTTESTTESTTESTTESTTES');
    assert.equal(Number(request.headers['content-length']), Buffer.byteLength(request.raw));
    assert.deepEqual(JSON.parse(request.raw), {
      id: 'sms_01JTESTTESTTESTTESTTESTTES',
      to: '13900000099',
      text: '【示范市政务服务】您的注册验证码是 482913，10 分钟内有效。如非本人操作，请忽略本短信。',
    });
  });

  it('treats 5xx, 408 and 429 as worth retrying and any other refusal as final, keeping the answer', async () => {
    const sender = gatewaySender(gateway);
    const cases: [number, boolean][] = [
      [500, false],
      [503, false],
      [408, false],
      [429, false],
      [400, true],
      [403, true],
      [422, true],
    ];
    for (const [status, permanent] of cases) {
      gateway.failNext(1, status);
      await assert.rejects(
        sender.send({ id: `sms_01JSTATUS${status}STATUSSTATUSSTATU`, ...codeSms('13900000099', '1') }),
        (error: SmsGatewayError) =>
          error.name === 'SmsGatewayError' &&
          error.permanent === permanent &&
          error.status === status &&
          error.message.includes(`answered ${status}`) &&
          error.message.includes(`status ${status}`),
        String(status),
      );
    }
  });

  it('is refused for good with a wrong token, and never names the token', async () => {
    await assert.rejects(
      gatewaySender(gateway, { token: 'not-the-right-token' }).send({
        id: 'sms_01JWRONGTOKENWRONGTOKENWRO',
        ...codeSms('13900000099', '1'),
      }),
      (error: SmsGatewayError) =>
        error.permanent && error.status === 401 && !error.message.includes('not-the-right-token'),
    );
  });

  it('fails, to be retried, when the gateway cannot be reached', async () => {
    const closed = await startTestSmsGateway();
    await closed.close();
    await assert.rejects(
      gatewaySender(closed).send({ id: 'sms_01JUNREACHABLEUNREACHABLEU', ...codeSms('13900000099', '1') }),
      (error: SmsGatewayError) =>
        error.permanent === false && error.status === undefined && /ECONNREFUSED/.test(error.message),
    );
  });

  it('gives up an attempt the gateway does not answer in time', async () => {
    const held = gateway.holdNext();
    const attempt = gatewaySender(gateway, { timeoutMs: 300 }).send({
      id: 'sms_01JSLOWSLOWSLOWSLOWSLOWSLO',
      ...codeSms('13900000099', '1'),
    });
    await held.arrived;
    await assert.rejects(
      attempt,
      (error: SmsGatewayError) => !error.permanent && /within 300 ms/.test(error.message),
    );
    held.release();
  });

  it('without a gateway, the log transport keeps the message and touches no network', async () => {
    const before = gateway.requests.length;
    const sender = createSmsSender({ transport: 'log', log, devMailbox: true });
    assert.deepEqual(
      await sender.send({ id: 'sms_01JLOGLOGLOGLOGLOGLOGLOGL', ...codeSms('13900000099', '1') }),
      {
        via: 'log',
      },
    );
    assert.equal(gateway.requests.length, before);
  });
});

/**
 * The outbox as production runs it — stored in the transaction, sent by the pg-boss job with retries — on the
 * database given (PGlite here, PostgreSQL below).
 */
async function outboxScenarios(database: Database, gateway: TestSmsGateway): Promise<void> {
  const jobs = createJobs(database, { work: true });
  // A short delay so the retry does not wait for production backoff.
  registerSmsJob(jobs, database.db, gatewaySender(gateway), { retryDelaySeconds: 1 });
  await jobs.start();
  try {
    // Delivered once, with what was committed.
    const id = await database.db.transaction((tx) => queueSms(tx, jobs, codeSms('13900000099', '730164')));
    assert.match(id, /^sms_[0-9A-Z]{26}$/);
    const sms = await gateway.waitFor((s) => s.id === id);
    assert.equal(sms.to, '13900000099');
    assert.match(sms.text, /验证码是 730164，/);
    await waitUntil(async () => Boolean((await smsRow(database, id))?.sentAt));
    const sent = await smsRow(database, id);
    assert.equal(sent?.deliveredVia, 'http');
    assert.equal(sent?.gatewayStatus, 200);
    assert.equal(sent?.attempts, 1);
    assert.equal(sent?.claimedUntil, null);

    // A rolled-back transaction leaves no message, no job, and nothing reaches the gateway.
    let rolledBack = '';
    await assert.rejects(
      database.db.transaction(async (tx) => {
        rolledBack = await queueSms(tx, jobs, codeSms('13900000002', '111111'));
        throw new Error('the registration failed');
      }),
      /registration failed/,
    );
    assert.match(rolledBack, /^sms_/);

    // A 5xx is recorded, then retried until the gateway accepts the message: one delivery.
    gateway.failNext(1, 503);
    const retried = await database.db.transaction((tx) =>
      queueSms(tx, jobs, codeSms('13900000003', '505050')),
    );
    await waitUntil(async () => ((await smsRow(database, retried))?.attempts ?? 0) >= 1);
    await gateway.waitFor((s) => s.id === retried, 30_000);
    await waitUntil(async () => Boolean((await smsRow(database, retried))?.sentAt));
    const afterRetry = await smsRow(database, retried);
    assert.equal(afterRetry?.attempts, 2);
    assert.equal(afterRetry?.lastError, null);
    assert.deepEqual(
      requestsFor(gateway, retried).map((r) => r.status),
      [503, 200],
    );

    // A 4xx is recorded and never retried.
    gateway.failNext(1, 400);
    const refused = await database.db.transaction((tx) =>
      queueSms(tx, jobs, codeSms('13900000004', '404040')),
    );
    await waitUntil(async () => Boolean((await smsRow(database, refused))?.failedAt));
    const refusedRow = await smsRow(database, refused);
    assert.equal(refusedRow?.sentAt, null);
    assert.equal(refusedRow?.gatewayStatus, 400);
    assert.equal(refusedRow?.attempts, 1);
    assert.match(refusedRow?.lastError ?? '', /answered 400/);

    // Its job ended as completed: pg-boss will not run it again.
    const jobState = async () =>
      (
        await queryRows<{ state: string }>(
          database.db,
          sql`select state from pgboss.job where name = 'sms.send' and data->>'smsId' = ${refused}`,
        )
      )[0]?.state;
    await waitUntil(async () => (await jobState()) === 'completed');
    assert.deepEqual(
      requestsFor(gateway, refused).map((r) => r.status),
      [400],
      'the refused message was not retried',
    );

    // A message committed afterwards goes through the same queue: once it has arrived, the rolled-back one would
    // have too.
    const later = await database.db.transaction((tx) => queueSms(tx, jobs, codeSms('13900000005', '222222')));
    await gateway.waitFor((s) => s.id === later);
    assert.equal(await smsRow(database, rolledBack), undefined);
    const rolledBackJobs = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from pgboss.job where name = 'sms.send' and data->>'smsId' = ${rolledBack}`,
    );
    assert.equal(rolledBackJobs[0]?.n, 0, 'no job either');
    assert.equal(
      gateway.requests.some((r) => r.body?.id === rolledBack || String(r.body?.text).includes('111111')),
      false,
    );
    assert.equal(gateway.delivered.filter((s) => s.id === id).length, 1, 'the first message once');
  } finally {
    await jobs.stop();
  }
}

describe('SMS outbox: stored in the transaction, sent by a job, through a real HTTP gateway', () => {
  let gateway: TestSmsGateway;
  before(async () => {
    gateway = await startTestSmsGateway();
  });
  after(() => gateway.close());

  it('on PGlite: delivers committed messages, retries 5xx, never retries 4xx, sends nothing rolled back', async () => {
    const database = await freshDatabase();
    try {
      await outboxScenarios(database, gateway);
    } finally {
      await database.close();
    }
  });

  it('on PostgreSQL: the same', async (t) => {
    if (!(await needPostgres(t))) return;
    const pgDb = await createTestPostgresDatabase();
    try {
      const database = await openDatabase({ mode: 'server', url: pgDb.url });
      try {
        await migrate(database.db);
        await outboxScenarios(database, gateway);
      } finally {
        await database.close();
      }
    } finally {
      await pgDb.drop();
    }
  });
});

describe('SMS delivery, run by hand: at most once', () => {
  let gateway: TestSmsGateway;
  let database: Database;
  let jobs: Jobs;
  let sender: SmsSender;
  before(async () => {
    gateway = await startTestSmsGateway();
    database = await freshDatabase();
    sender = gatewaySender(gateway);
    // Enqueue only: these tests run the job themselves.
    jobs = createJobs(database, { work: false });
    registerSmsJob(jobs, database.db, sender);
    await jobs.start();
  });
  after(async () => {
    await jobs.stop();
    await database.close();
    await gateway.close();
  });

  const queue = (message: SmsMessage) => database.db.transaction((tx) => queueSms(tx, jobs, message));

  it('sends a message once, however often its job runs', async () => {
    const id = await queue(codeSms('13900000006', '9'));
    assert.equal(await deliverSms(database.db, sender, id), 'sent');
    assert.equal(await deliverSms(database.db, sender, id), 'already-sent');
    assert.equal(requestsFor(gateway, id).length, 1);
    assert.equal((await smsRow(database, id))?.attempts, 1);
    assert.equal(await deliverSms(database.db, sender, 'sms_01JUNKNOWNUNKNOWNUNKNOWNUN'), 'missing');
  });

  it('lets only one of two simultaneous runs send; the other waits for a retry', async () => {
    const id = await queue(codeSms('13900000007', '8'));
    const held = gateway.holdNext();
    const first = deliverSms(database.db, sender, id);
    await held.arrived;
    assert.ok((await smsRow(database, id))?.claimedUntil, 'the first run holds the claim');
    await assert.rejects(deliverSms(database.db, sender, id), SmsInFlightError);
    held.release();
    assert.equal(await first, 'sent');
    assert.equal(await deliverSms(database.db, sender, id), 'already-sent');
    assert.equal(requestsFor(gateway, id).length, 1);
  });

  it('never sends again a message whose attempt died without recording the outcome', async () => {
    const id = await queue(codeSms('13900000008', '7'));
    // What a crash between the claim and the record leaves: a lapsed claim, neither sent nor given up.
    await database.db
      .update(smsRecords)
      .set({ claimedUntil: sql`now() - interval '1 second'`, attempts: 1 })
      .where(eq(smsRecords.id, id));
    assert.equal(await deliverSms(database.db, sender, id), 'outcome-unknown');
    assert.equal(await deliverSms(database.db, sender, id), 'failed');
    assert.equal(requestsFor(gateway, id).length, 0);
    const row = await smsRow(database, id);
    assert.ok(row?.failedAt);
    assert.equal(row?.sentAt, null);
    assert.match(row?.lastError ?? '', /not sent again/);
  });

  it('records each retryable failure, releasing the claim, and rethrows so the job is retried', async () => {
    const id = await queue(codeSms('13900000009', '6'));
    gateway.failNext(2, 502);
    await assert.rejects(deliverSms(database.db, sender, id), /answered 502/);
    await assert.rejects(deliverSms(database.db, sender, id), /answered 502/);
    const failing = await smsRow(database, id);
    assert.equal(failing?.attempts, 2);
    assert.equal(failing?.claimedUntil, null);
    assert.equal(failing?.failedAt, null);
    assert.equal(failing?.gatewayStatus, 502);
    assert.equal(await deliverSms(database.db, sender, id), 'sent');
    assert.equal((await smsRow(database, id))?.attempts, 3);
    assert.equal(gateway.delivered.filter((s) => s.id === id).length, 1);
  });

  it('does not send a message whose time ran out', async () => {
    const id = await queue({ ...codeSms('13900000010', '5'), expiresAt: new Date(Date.now() - 1000) });
    assert.equal(await deliverSms(database.db, sender, id), 'expired');
    assert.equal(requestsFor(gateway, id).length, 0);
    assert.match((await smsRow(database, id))?.lastError ?? '', /expired/);
  });

  it('with the log transport, stores the message as kept, not sent by the gateway', async () => {
    const keeper = createSmsSender({ transport: 'log', log, devMailbox: true });
    const id = await queue(codeSms('13900000011', '4'));
    assert.equal(await deliverSms(database.db, keeper, id), 'sent');
    const row = await smsRow(database, id);
    assert.equal(row?.deliveredVia, 'log');
    assert.ok(row?.sentAt);
    assert.equal(requestsFor(gateway, id).length, 0);
  });

  it('refuses anything but one phone number and a short text, and stores nothing', async () => {
    const before = await database.db.$count(smsRecords);
    for (const to of ['13900000099,13900000098', '139 0000 0099', 'zhangwei@example.test', '', '+0123']) {
      await assert.rejects(queue(codeSms(to, '1')), RangeError, to);
    }
    for (const text of ['', '   ', 'x'.repeat(501)]) {
      await assert.rejects(queue({ to: '13900000099', text, locale: 'zh-CN' }), RangeError);
    }
    assert.equal(await database.db.$count(smsRecords), before);
  });
});

describe('development mailbox: text messages', () => {
  let database: Database;
  let jobs: Jobs;
  let app: FastifyInstance;
  let id = '';
  before(async () => {
    database = await freshDatabase();
    jobs = createJobs(database, { work: false });
    registerSmsJob(jobs, database.db, createSmsSender({ transport: 'log', log }));
    await jobs.start();
    app = await createHttpServer({
      log,
      version: 'test',
      cookieSecret: 'test-secret-of-at-least-thirty-two-characters',
    });
    registerDevMailbox(app, database.db, { timeZone: 'Asia/Shanghai' });
    id = await database.db.transaction((tx) =>
      queueSms(tx, jobs, { ...codeSms('13900000012', '246810'), text: '第一行 <b>246810</b>\n第二行' }),
    );
  });
  after(async () => {
    await app.close();
    await jobs.stop();
    await database.close();
  });

  it('lists them under their own heading, in a captioned table, with the text escaped', async () => {
    const response = await app.inject({ url: '/dev/mailbox' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['cache-control'], 'no-store');
    const html = response.body;
    assert.match(html, /<h2 id="sms">短信<\/h2>/);
    assert.match(html, /<caption[^>]*>最近的 1 条短信（最新的在前）<\/caption>/);
    assert.match(html, new RegExp(`<a href="/dev/mailbox/sms/${id}">13900000012</a>`));
    assert.match(html, /第一行 &lt;b>246810&lt;\/b>|第一行 &lt;b&gt;246810&lt;\/b&gt;/);
    assert.match(html, /排队中/);
  });

  it('shows one, in either language, never cached', async () => {
    const response = await app.inject({ url: `/dev/mailbox/sms/${id}` });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.match(response.body, /<h1>发往 13900000012 的短信<\/h1>/);
    assert.match(
      response.body,
      /<p lang="zh-CN">第一行 &lt;b(>|&gt;)246810&lt;\/b(>|&gt;)<br\/?>第二行<\/p>/,
    );
    const english = await app.inject({ url: `/dev/mailbox/sms/${id}?lang=en` });
    assert.match(english.body, /<h1>Text message to 13900000012<\/h1>/);
    assert.match(english.body, /Queued/);
    assert.match(english.body, /Back to the development mailbox/);
  });

  it('answers 404 for an unknown or malformed id', async () => {
    for (const url of [
      '/dev/mailbox/sms/sms_01JUNKNOWNUNKNOWNUNKNOWNUN',
      '/dev/mailbox/sms/mail_01JUNKNOWNUNKNOWNUNKNOWNU',
      '/dev/mailbox/sms/..%2Fetc',
    ]) {
      assert.equal((await app.inject({ url })).statusCode, 404, url);
    }
  });
});
