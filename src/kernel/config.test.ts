import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('defaults to the embedded database in ./data on port 3000, in Asia/Shanghai', () => {
    const config = loadConfig({});
    assert.equal(config.mode, 'embedded');
    assert.equal(config.port, 3000);
    assert.equal(config.dataDir, path.resolve('./data'));
    assert.equal(config.timeZone, 'Asia/Shanghai');
    assert.equal(config.demo, 'auto');
    assert.equal(config.runJobs, true);
    assert.equal(config.staffPasswordMaxAgeDays, 0, 'staff passwords do not expire unless configured');
  });

  it('reads the staff password expiry: unset or 0 is off, otherwise 1 to 3650 days', () => {
    assert.equal(loadConfig({ YIWANG_STAFF_PASSWORD_MAX_AGE_DAYS: '' }).staffPasswordMaxAgeDays, 0);
    assert.equal(loadConfig({ YIWANG_STAFF_PASSWORD_MAX_AGE_DAYS: '0' }).staffPasswordMaxAgeDays, 0);
    assert.equal(loadConfig({ YIWANG_STAFF_PASSWORD_MAX_AGE_DAYS: '1' }).staffPasswordMaxAgeDays, 1);
    assert.equal(loadConfig({ YIWANG_STAFF_PASSWORD_MAX_AGE_DAYS: '90' }).staffPasswordMaxAgeDays, 90);
    assert.equal(loadConfig({ YIWANG_STAFF_PASSWORD_MAX_AGE_DAYS: '3650' }).staffPasswordMaxAgeDays, 3650);
  });

  it('reads the per-address budgets: sign-in 30 and look-ups 300 a minute by default, 0 for no limit', () => {
    assert.deepEqual(loadConfig({}).throttle, { signIn: 30, lookups: 300 });
    assert.deepEqual(loadConfig({ YIWANG_THROTTLE_SIGN_IN: '0', YIWANG_THROTTLE_LOOKUPS: '5' }).throttle, {
      signIn: 0,
      lookups: 5,
    });
    assert.throws(() => loadConfig({ YIWANG_THROTTLE_SIGN_IN: '-1' }), /YIWANG_THROTTLE_SIGN_IN must be/);
  });

  it('switches to server mode when DATABASE_URL is set, and then requires a shared secret', () => {
    assert.throws(
      () => loadConfig({ DATABASE_URL: 'postgres://u@127.0.0.1:5432/yiwang' }),
      (e: unknown) => e instanceof ConfigError && e.variable === 'YIWANG_SECRET',
    );
    const config = loadConfig({
      DATABASE_URL: 'postgres://u@127.0.0.1:5432/yiwang',
      YIWANG_SECRET: 'x'.repeat(32),
    });
    assert.equal(config.mode, 'server');
  });

  it('names the variable and the expected form in one line for each bad value', () => {
    const cases: [Record<string, string>, string][] = [
      [{ PORT: 'eighty' }, 'PORT'],
      [{ PORT: '70000' }, 'PORT'],
      [{ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL'],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
      [{ YIWANG_TIME_ZONE: 'Mars/Olympus' }, 'YIWANG_TIME_ZONE'],
      [{ YIWANG_DEMO: 'maybe' }, 'YIWANG_DEMO'],
      [{ YIWANG_SECRET: 'short' }, 'YIWANG_SECRET'],
      [{ YIWANG_RUN_JOBS: 'perhaps' }, 'YIWANG_RUN_JOBS'],
      [{ YIWANG_STAFF_PASSWORD_MAX_AGE_DAYS: '3651' }, 'YIWANG_STAFF_PASSWORD_MAX_AGE_DAYS'],
      [{ YIWANG_STAFF_PASSWORD_MAX_AGE_DAYS: '-1' }, 'YIWANG_STAFF_PASSWORD_MAX_AGE_DAYS'],
      [{ YIWANG_STAFF_PASSWORD_MAX_AGE_DAYS: '90d' }, 'YIWANG_STAFF_PASSWORD_MAX_AGE_DAYS'],
    ];
    for (const [env, variable] of cases) {
      assert.throws(
        () => loadConfig(env),
        (e: unknown) =>
          e instanceof ConfigError &&
          e.variable === variable &&
          e.message.startsWith(`Invalid configuration: ${variable} must be`) &&
          !e.message.includes('\n'),
        variable,
      );
    }
  });

  it('never prints a secret or a database password in its message', () => {
    assert.throws(
      () => loadConfig({ YIWANG_SECRET: 'hunter2-short' }),
      (e: unknown) =>
        e instanceof ConfigError && !e.message.includes('hunter2') && /13 characters/.test(e.message),
    );
    assert.throws(
      () => loadConfig({ DATABASE_URL: 'mysql://admin:s3cret@db/x' }),
      (e: unknown) =>
        e instanceof ConfigError && !e.message.includes('s3cret') && e.message.includes('admin:***@'),
    );
  });

  it('reads a JSON config file, which the environment overrides', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'yiwang-config-'));
    const file = path.join(dir, 'yiwang.json');
    writeFileSync(file, JSON.stringify({ PORT: 4000, LOG_LEVEL: 'debug' }));
    const config = loadConfig({ YIWANG_CONFIG_FILE: file, LOG_LEVEL: 'warn' });
    assert.equal(config.port, 4000);
    assert.equal(config.logLevel, 'warn');
    writeFileSync(file, '{ not json');
    assert.throws(() => loadConfig({ YIWANG_CONFIG_FILE: file }), /YIWANG_CONFIG_FILE must be/);
  });
});
