import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../config.ts';
import { parseSmsGatewayUrl, parseSmsToken } from './gateway-url.ts';

const TOKEN = 'gw-token-Zq8vN3rT5yU1';

describe('SMS gateway configuration (YIWANG_SMS_URL, YIWANG_SMS_TOKEN)', () => {
  it('reads an http(s) URL without credentials, and a printable token', () => {
    assert.equal(
      parseSmsGatewayUrl('https://sms.shifan.gov.example/api/send')?.host,
      'sms.shifan.gov.example',
    );
    assert.equal(parseSmsGatewayUrl('http://10.0.0.5:8080/sms?sign=demo')?.port, '8080');
    for (const raw of [
      'ftp://sms.example/send',
      'https://user:key@sms.example/send',
      'https://key@sms.example/send',
      'https://sms.example/send#x',
      'sms.example/send',
      '',
    ]) {
      assert.equal(parseSmsGatewayUrl(raw), undefined, raw);
    }
    assert.equal(parseSmsToken(TOKEN), TOKEN);
    for (const raw of ['short', 'has space inside', 'line\nbreak', '令牌令牌令牌令牌']) {
      assert.equal(parseSmsToken(raw), undefined, raw);
    }
  });

  it('configures the gateway only with both, and then keeps the development mailbox off by default', () => {
    const config = loadConfig({
      YIWANG_SMS_URL: 'https://sms.shifan.gov.example/send',
      YIWANG_SMS_TOKEN: TOKEN,
    });
    assert.equal(config.sms?.url.href, 'https://sms.shifan.gov.example/send');
    assert.equal(config.sms?.token, TOKEN);
    assert.equal(config.devMailbox, false, 'codes that reach real phones are not shown to everyone');
    const demo = loadConfig({});
    assert.equal(demo.sms, undefined);
    assert.equal(demo.devMailbox, true);
  });

  it('says in one line what is wrong, and never prints the token or a key in the URL', () => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [
        { YIWANG_SMS_URL: 'https://sms.shifan.gov.example/send' },
        'YIWANG_SMS_TOKEN',
        /set when YIWANG_SMS_URL/,
      ],
      [{ YIWANG_SMS_TOKEN: TOKEN }, 'YIWANG_SMS_URL', /set when YIWANG_SMS_TOKEN/],
      [
        { YIWANG_SMS_URL: 'https://sms.shifan.gov.example/send', YIWANG_SMS_TOKEN: 'short' },
        'YIWANG_SMS_TOKEN',
        /got 5 characters/,
      ],
      [
        {
          YIWANG_SMS_URL: 'ftp://secret-user:secret-key@sms.example/send?key=secret-q',
          YIWANG_SMS_TOKEN: TOKEN,
        },
        'YIWANG_SMS_URL',
        /got "ftp:\/\/\*\*\*@sms\.example\/send\?\*\*\*"/,
      ],
    ];
    for (const [env, variable, detail] of cases) {
      assert.throws(
        () => loadConfig(env),
        (e: unknown) =>
          e instanceof ConfigError &&
          e.variable === variable &&
          e.message.startsWith(`Invalid configuration: ${variable} must be`) &&
          detail.test(e.message) &&
          !e.message.includes('\n') &&
          !e.message.includes(TOKEN) &&
          !e.message.includes('secret'),
        variable,
      );
    }
  });
});
