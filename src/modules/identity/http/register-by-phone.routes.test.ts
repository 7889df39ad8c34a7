import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { count, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { FormClient } from '../../../../test/support/form-client.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { startTestSmsGateway, type TestSmsGateway } from '../../../../test/support/sms-test-gateway.ts';
import type { Platform } from '../../../app.ts';
import { smsRecords } from '../../../kernel/sms/sms.tables.ts';
import { accounts, codeSendLimits, registrations } from '../db/identity.tables.ts';
import { residentIdCheckCharacter } from '../domain/identifiers.ts';
import { createDemoPopulationRegister } from '../population-register.ts';
import { createRegistrationService } from '../registration.service.ts';

// 钱进 is in the demo population register but has no account yet.
const QIAN_JIN_ID = `99010019780211003${residentIdCheckCharacter('99010019780211003')}`;
const QIAN_JIN = {
  displayName: '钱进',
  username: 'qianjin',
  idType: 'resident_id',
  idNumber: QIAN_JIN_ID,
  email: '',
  phone: '139 0000 0077',
  channel: 'phone',
  password: 'a long and private sentence',
};

/** A valid resident ID number of the demo city that nobody holds (born 7 July 1999), numbered `n`. */
const freshId = (n: number) => {
  const first17 = `99010019990707${String(n).padStart(3, '0')}`;
  return `${first17}${residentIdCheckCharacter(first17)}`;
};

describe('registration by text message, through a real HTTP SMS gateway', () => {
  let gateway: TestSmsGateway;
  let platform: Platform;
  let app: FastifyInstance;
  before(async () => {
    gateway = await startTestSmsGateway();
    platform = await startTestPlatform({
      work: true,
      env: { YIWANG_SMS_URL: gateway.url, YIWANG_SMS_TOKEN: gateway.token },
    });
    app = platform.app as FastifyInstance;
  });
  after(async () => {
    await platform.close();
    await gateway.close();
  });

  const db = () => platform.kernel.db;
  const counts = async () => ({
    accounts: (await db().select({ n: count() }).from(accounts))[0]?.n,
    registrations: (await db().select({ n: count() }).from(registrations))[0]?.n,
    sms: (await db().select({ n: count() }).from(smsRecords))[0]?.n,
    limits: (await db().select({ n: count() }).from(codeSendLimits))[0]?.n,
  });

  /** Opens the form and posts it from `client`. */
  async function register(client: FormClient, fields: Record<string, string>, lang = '') {
    const form = await client.get(`/register${lang}`);
    return client.post(`/register${lang}`, { _csrf: client.token(form.body), ...fields });
  }

  it('offers e-mail or text message as radio buttons in a fieldset, e-mail chosen, in both languages', async () => {
    const client = new FormClient(app);
    const zh = (await client.get('/register')).body;
    assert.match(zh, /<fieldset aria-describedby="channel-hint"><legend>接收验证码的方式<\/legend>/);
    assert.match(zh, /<input type="radio" id="channel" name="channel" value="email" checked\/?>通过电子邮件/);
    assert.match(zh, /<input type="radio" id="channel-phone" name="channel" value="phone"\/?>通过手机短信/);
    assert.match(zh, /<label for="phone">手机号码<\/label>/);
    const en = (await client.get('/register?lang=en')).body;
    assert.match(en, /<legend>How should we send your code\?<\/legend>/);
    assert.match(en, /By text message to my mobile phone/);
    assert.match(en, /Optional if you choose a text message\./);
  });

  it('reports every problem at once, translated, and creates and sends nothing', async () => {
    const before = await counts();
    const client = new FormClient(app, '198.51.100.21');
    const zh = await register(client, {
      ...QIAN_JIN,
      displayName: '',
      idNumber: '990100197802110031',
      phone: '',
      email: 'not-an-address',
      password: 'password123',
    });
    assert.equal(zh.statusCode, 400);
    for (const text of [
      /请填写证件上的姓名/,
      /身份证号码不正确/,
      /电子邮箱地址格式不正确。选择手机短信验证时，也可以不填。/,
      /您选择了通过手机短信接收验证码，请填写手机号码。/,
      /这个密码太常见/,
    ]) {
      assert.match(zh.body, text);
    }
    assert.match(zh.body, /<a href="#phone">/, 'the summary links to the field');
    assert.match(zh.body, /value="phone" checked/, 'the choice is kept');

    const en = await register(client, { ...QIAN_JIN, phone: '1390000007' }, '?lang=en');
    assert.equal(en.statusCode, 400);
    assert.match(en.body, /A mobile number has 11 digits and starts with 1\./);
    assert.deepEqual(await counts(), before);
    assert.equal(gateway.requests.length, 0);
  });

  it('refuses a form without its CSRF token with a translated 403, and sends nothing', async () => {
    const before = await counts();
    const client = new FormClient(app, '198.51.100.20');
    await client.get('/register');
    const res = await client.post('/register', { ...QIAN_JIN });
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /表单已过期或来源无法确认/);
    assert.deepEqual(await counts(), before);
    assert.equal(gateway.requests.length, 0);
  });

  it('refuses a mobile number, e-mail address, user name or ID number already registered with 409', async () => {
    const before = await counts();
    const client = new FormClient(app, '198.51.100.22');
    const duplicates = [
      // 张伟's number, from the demo city.
      { phone: '13900000001' },
      { email: 'zhangwei@shifan.example' },
      { username: 'zhangwei', phone: '13900000070' },
      { idNumber: `99010019880512003${residentIdCheckCharacter('99010019880512003')}`, phone: '13900000071' },
    ];
    const [zhangwei] = await db().select().from(accounts).where(eq(accounts.username, 'zhangwei'));
    assert.equal(zhangwei?.phone, '13900000001');
    assert.equal(zhangwei?.email, 'zhangwei@shifan.example');
    for (const fields of duplicates) {
      const res = await register(client, { ...QIAN_JIN, ...fields });
      assert.equal(res.statusCode, 409, JSON.stringify(fields));
      assert.match(res.body, /该用户名、证件号码、电子邮箱或手机号码已经注册/);
    }
    const en = await register(client, { ...QIAN_JIN, phone: '13900000001' }, '?lang=en');
    assert.match(en.body, /mobile number is already registered/);
    assert.deepEqual(await counts(), before);
    assert.equal(gateway.requests.length, 0);
  });

  it('texts a code to the number, and creates the account only with the right code, once', async () => {
    const client = new FormClient(app, '198.51.100.23');
    const started = await register(client, QIAN_JIN);
    assert.equal(started.statusCode, 303);
    const verifyUrl = String(started.headers.location);
    const registration = /registration=(reg_\w+)/.exec(verifyUrl)?.[1] ?? '';
    assert.equal(await db().$count(accounts, eq(accounts.username, 'qianjin')), 0, 'no account yet');

    // The message went through the outbox and the job to the gateway, to the normalised number.
    const sms = await gateway.waitFor((s) => s.to === '13900000077');
    assert.match(sms.text, /^【示范市政务服务】您的注册验证码是 \d{6}，10 分钟内有效。/);
    const code = /(\d{6})/.exec(sms.text)?.[1] ?? '';
    assert.equal(gateway.requests.at(-1)?.headers.authorization, `Bearer ${gateway.token}`);
    const [stored] = await db().select().from(registrations).where(eq(registrations.id, registration));
    assert.equal(stored?.channel, 'phone');
    assert.equal(stored?.email, null);
    assert.notEqual(stored?.codeHash, code, 'the code is stored only as a keyed hash');
    assert.ok(!stored?.codeHash.includes(code));

    const page = await client.get(verifyUrl);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1>输入短信验证码<\/h1>/);
    assert.match(page.body, /验证码已通过短信发送到 139\*\*\*\*0077，10 分钟内有效。/);
    assert.ok(!page.body.includes('13900000077'), 'the number is masked');
    // In another browser: the language, once chosen, sticks.
    const en = await new FormClient(app).get(`${verifyUrl}&lang=en`);
    assert.match(en.body, /We sent a code by text message to 139\*\*\*\*0077\./);

    const wrong = await client.post('/register/verify', {
      _csrf: client.token(page.body),
      registration,
      code: code === '000000' ? '111111' : '000000',
    });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /验证码不正确、已过期或已使用。请检查邮件或短信中的 6 位数字/);
    assert.match(wrong.body, /<h1>输入短信验证码<\/h1>/);
    assert.equal(await db().$count(accounts, eq(accounts.username, 'qianjin')), 0);

    const done = await client.post('/register/verify', {
      _csrf: client.token(page.body),
      registration,
      code,
    });
    assert.equal(done.statusCode, 200);
    assert.match(done.body, /L2/);
    const [account] = await db().select().from(accounts).where(eq(accounts.username, 'qianjin'));
    assert.equal(account?.phone, '13900000077');
    assert.equal(account?.email, null);
    assert.equal(account?.assuranceLevel, 2, 'the demo population register knows 钱进');

    const reused = await client.post('/register/verify', {
      _csrf: client.token(page.body),
      registration,
      code,
    });
    assert.equal(reused.statusCode, 400, 'a code works once');
    assert.match(reused.body, /<h1>输入短信验证码<\/h1>/, 'the page still says where the code went');

    const signIn = new FormClient(app, '198.51.100.23');
    const signedIn = await signIn.post('/sign-in', {
      _csrf: await signIn.csrfFrom('/sign-in'),
      username: 'qianjin',
      password: QIAN_JIN.password,
    });
    assert.equal(signedIn.statusCode, 303);
    assert.equal(signedIn.headers.location, '/account');
    assert.equal((await platform.kernel.audit.verify(db())).ok, true);
  });

  it('allows 5 wrong guesses, then refuses even the right code', async () => {
    const client = new FormClient(app, '198.51.100.24');
    const started = await register(client, {
      ...QIAN_JIN,
      displayName: '李四',
      username: 'lisi',
      idNumber: freshId(1),
      phone: '13900000061',
    });
    assert.equal(started.statusCode, 303);
    const registration = /registration=(reg_\w+)/.exec(String(started.headers.location))?.[1] ?? '';
    const sms = await gateway.waitFor((s) => s.to === '13900000061');
    const code = /(\d{6})/.exec(sms.text)?.[1] ?? '';
    const token = await client.csrfFrom(String(started.headers.location));
    const wrongCode = code === '000000' ? '111111' : '000000';
    // Guessed in parallel: each guess takes its own attempt.
    const guesses = await Promise.all(
      Array.from({ length: 5 }, () =>
        client.post('/register/verify', { _csrf: token, registration, code: wrongCode }),
      ),
    );
    assert.deepEqual(
      guesses.map((g) => g.statusCode),
      [400, 400, 400, 400, 400],
    );
    const right = await client.post('/register/verify', { _csrf: token, registration, code });
    assert.equal(right.statusCode, 400);
    assert.equal(await db().$count(accounts, eq(accounts.username, 'lisi')), 0);
  });

  it('sends at most 5 codes an hour to one number: the 6th gets 429 with Retry-After, and nothing', async () => {
    const number = '13900000062';
    for (let i = 0; i < 5; i++) {
      // From different addresses, so only the number's limit applies.
      const res = await register(new FormClient(app, `198.51.100.${100 + i}`), {
        ...QIAN_JIN,
        username: `wangwu${i}`,
        idNumber: freshId(10 + i),
        phone: number,
      });
      assert.equal(res.statusCode, 303, `code ${i + 1}`);
    }
    const before = await counts();
    const client = new FormClient(app, '198.51.100.110');
    const refused = await register(client, {
      ...QIAN_JIN,
      username: 'wangwu9',
      idNumber: freshId(19),
      phone: number,
    });
    assert.equal(refused.statusCode, 429);
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(retryAfter > 3000 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
    assert.match(refused.body, /验证码发送过于频繁，请在 (59|60) 分钟后再试。/);
    assert.match(refused.body, /<a href="#phone">验证码发送过于频繁/);
    const en = await register(
      client,
      { ...QIAN_JIN, username: 'wangwu9', idNumber: freshId(19), phone: number },
      '?lang=en',
    );
    assert.equal(en.statusCode, 429);
    assert.match(en.body, /Too many codes have been sent\. Try again in (59|60) minutes/);
    assert.deepEqual(await counts(), before, 'nothing stored, nothing counted');
    assert.equal(
      (await db().select().from(smsRecords).where(eq(smsRecords.recipient, number))).length,
      5,
      'five messages, no sixth',
    );
    // Another number from the same address still gets its code.
    const other = await register(client, {
      ...QIAN_JIN,
      username: 'wangwu8',
      idNumber: freshId(18),
      phone: '13900000063',
    });
    assert.equal(other.statusCode, 303);
  });

  it('sends at most 20 codes an hour from one client address, whatever the numbers or addresses', async () => {
    const client = new FormClient(app, '203.0.113.9');
    for (let i = 0; i < 20; i++) {
      const res = await register(client, {
        ...QIAN_JIN,
        username: `zhaoliu${i}`,
        idNumber: freshId(100 + i),
        // Half by text message, half by e-mail: both count against the address.
        ...(i % 2 === 0
          ? { phone: `139000002${String(i).padStart(2, '0')}` }
          : { channel: 'email', phone: '', email: `zhaoliu${i}@example.test` }),
      });
      assert.equal(res.statusCode, 303, `code ${i + 1}`);
    }
    const refused = await register(client, {
      ...QIAN_JIN,
      username: 'zhaoliu99',
      idNumber: freshId(199),
      phone: '13900000299',
    });
    assert.equal(refused.statusCode, 429);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    assert.equal(await db().$count(registrations, eq(registrations.username, 'zhaoliu99')), 0);
    const byMail = await register(client, {
      ...QIAN_JIN,
      username: 'zhaoliu98',
      idNumber: freshId(198),
      channel: 'email',
      phone: '',
      email: 'zhaoliu98@example.test',
    });
    assert.equal(byMail.statusCode, 429);
    assert.match(byMail.body, /<a href="#email">/);
  });

  it('refuses a code after 10 minutes', async () => {
    let clock = new Date();
    let code = '';
    const service = createRegistrationService({
      db: db(),
      audit: platform.kernel.audit,
      mail: platform.kernel.mail,
      sms: platform.kernel.sms,
      secret: platform.kernel.secret,
      register: createDemoPopulationRegister(),
      now: () => clock,
      onCode: (c) => {
        code = c;
      },
    });
    const id = await service.start(
      {
        displayName: '周七',
        username: 'zhouqi',
        idType: 'resident_id',
        idNumber: freshId(2),
        phone: '13900000064',
        channel: 'phone',
        password: 'a long and private sentence',
        locale: 'zh-CN',
      },
      { clientAddress: '198.51.100.25' },
    );
    const [sms] = await db().select().from(smsRecords).where(eq(smsRecords.recipient, '13900000064'));
    assert.equal(sms?.expiresAt?.getTime(), clock.getTime() + 600_000, 'the message expires with its code');
    clock = new Date(clock.getTime() + 600_001);
    await assert.rejects(service.confirm(id, code, {}), /IDENTITY_ERR_VERIFICATION_CODE_INVALID/);
    assert.equal(await db().$count(accounts, eq(accounts.username, 'zhouqi')), 0);
  });
});
