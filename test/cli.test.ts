import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { createAuditLog } from '../src/kernel/audit/audit.ts';
import { openDatabase } from '../src/kernel/db/database.ts';
import { createTestPostgresDatabase, needPostgres } from './support/environment.ts';
import { freePort, runYiwang, spawnYiwang, waitForOk } from './support/processes.ts';

const SECRET = 'test-secret-that-is-at-least-32-characters-long';
const tmp = () => mkdtempSync(path.join(tmpdir(), 'yiwang-cli-'));

describe('the yiwang command', () => {
  it('stops on a bad configuration value with one line naming the variable', async () => {
    const { code, output } = await runYiwang(['serve'], { PORT: 'eighty', YIWANG_DATA_DIR: tmp() });
    assert.equal(code, 78);
    assert.equal(output.trim().split('\n').length, 1);
    assert.match(
      output,
      /^Invalid configuration: PORT must be an integer from 0 to 65535 \(got "eighty"\)\./,
    );
  });

  it('serves the demo city on the embedded database, refuses a second process, and closes cleanly', async () => {
    const dataDir = tmp();
    const port = await freePort();
    const first = spawnYiwang(['serve'], { YIWANG_DATA_DIR: dataDir, PORT: String(port) });
    try {
      await waitForOk(`http://127.0.0.1:${port}/healthz`, first);
      const home = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(home.status, 200);
      const html = await home.text();
      assert.match(html, /<html lang="zh-CN"/);
      assert.match(html, /示范市/);
      const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
      assert.equal(health.mode, 'embedded');
      assert.match(first.output(), /zhangwei/, 'demo accounts are printed on first start');

      const second = await runYiwang(['serve'], { YIWANG_DATA_DIR: dataDir, PORT: String(await freePort()) });
      assert.equal(second.code, 75);
      assert.match(second.output, /in use by another Yiwang process/);
      assert.equal(
        (await fetch(`http://127.0.0.1:${port}/readyz`)).status,
        200,
        'the running one is unharmed',
      );
    } finally {
      first.child.kill('SIGTERM');
    }
    assert.equal(await first.exited, 0);
    assert.ok(!existsSync(path.join(dataDir, 'yiwang.lock')), 'the lock is released on SIGTERM');

    const again = spawnYiwang(['serve'], { YIWANG_DATA_DIR: dataDir, PORT: String(port) });
    try {
      await waitForOk(`http://127.0.0.1:${port}/readyz`, again);
      assert.doesNotMatch(again.output(), /zhangwei/, 'a restart does not seed again');
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
  });

  it('recovers from kill -9 at any moment of the first start: the demo city is there exactly once', async () => {
    const dataDir = tmp();
    // Kill at different moments: during initdb, migration, seeding, or just after.
    for (const delayMs of [300, 1500, 2500, 3500]) {
      const victim = spawnYiwang(['serve'], { YIWANG_DATA_DIR: dataDir, PORT: String(await freePort()) });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      victim.child.kill('SIGKILL');
      await victim.exited;
    }
    const port = await freePort();
    const survivor = spawnYiwang(['serve'], { YIWANG_DATA_DIR: dataDir, PORT: String(port) });
    try {
      await waitForOk(`http://127.0.0.1:${port}/readyz`, survivor);
      const departments = await (await fetch(`http://127.0.0.1:${port}/api/v1/departments`)).json();
      assert.equal(departments.total, 20);
      assert.equal(new Set(departments.items.map((d: { code: string }) => d.code)).size, 20);
    } finally {
      survivor.child.kill('SIGTERM');
      await survivor.exited;
    }
    const seedAgain = await runYiwang(['seed', '--demo'], { YIWANG_DATA_DIR: dataDir });
    assert.equal(seedAgain.code, 0);
    assert.match(seedAgain.output, /already seeded/);
  });

  it('closes the database cleanly on SIGTERM during start-up, and when its port is taken', async () => {
    const dataDir = tmp();
    const early = spawnYiwang(['serve'], { YIWANG_DATA_DIR: dataDir, PORT: String(await freePort()) });
    // The lock file appears once start-up is under way (signal handlers are installed before it): stop it then.
    const deadline = Date.now() + 30_000;
    while (!existsSync(path.join(dataDir, 'yiwang.lock')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    early.child.kill('SIGTERM');
    assert.equal(await early.exited, 0, early.output());
    assert.ok(!existsSync(path.join(dataDir, 'yiwang.lock')), 'the lock is released');

    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const taken = (blocker.address() as AddressInfo).port;
    try {
      const refused = await runYiwang(['serve'], { YIWANG_DATA_DIR: dataDir, PORT: String(taken) });
      assert.equal(refused.code, 1);
      assert.match(refused.output, /EADDRINUSE/);
      assert.ok(!existsSync(path.join(dataDir, 'yiwang.lock')), 'the lock is released after a failed listen');
    } finally {
      blocker.close();
    }
    const doctor = await runYiwang(['doctor'], { YIWANG_DATA_DIR: dataDir });
    assert.equal(doctor.code, 0, doctor.output);
  });

  it('verifies the audit log, and names the record someone altered', async () => {
    const dataDir = tmp();
    assert.equal((await runYiwang(['seed', '--demo'], { YIWANG_DATA_DIR: dataDir })).code, 0);
    const clean = await runYiwang(['audit', 'verify'], { YIWANG_DATA_DIR: dataDir });
    assert.equal(clean.code, 0, clean.output);
    // The demo city's seed writes 38 records (its people, departments, catalogue and 张伟's provident fund case).
    assert.match(clean.output, /intact: 38 records verified/);
    const database = await openDatabase({ mode: 'embedded', dataDir });
    try {
      await database.db.execute(sql.raw('alter table kernel_audit_records disable trigger user'));
      await database.db.execute(
        sql.raw("update kernel_audit_records set actor_kind = 'staff' where seq = 7"),
      );
    } finally {
      await database.close();
    }
    const broken = await runYiwang(['audit', 'verify'], { YIWANG_DATA_DIR: dataDir });
    assert.equal(broken.code, 1);
    assert.match(broken.output, /Record 7 \(aud_\w+\) was altered/);
  });

  it('archives old audit records to a signed file that anyone verifies with the published key', async () => {
    const dataDir = tmp();
    const env = { YIWANG_DATA_DIR: dataDir, YIWANG_DEMO: 'never', YIWANG_SECRET: SECRET };
    assert.equal((await runYiwang(['migrate'], env)).code, 0);
    // Records from 200 days ago, appended with the platform's own secret, as a long-running city would have.
    const database = await openDatabase({ mode: 'embedded', dataDir });
    try {
      const past = createAuditLog(SECRET, { now: () => new Date(Date.now() - 200 * 24 * 3600 * 1000) });
      for (let i = 0; i < 3; i++) {
        await database.db.transaction((tx) =>
          past.record(tx, { actor: { kind: 'system' }, action: 'kernel.test.appended', details: { i } }),
        );
      }
      await past.seal(database.db);
    } finally {
      await database.close();
    }
    const file = path.join(tmp(), 'audit.ndjson.gz');
    const tooRecent = await runYiwang(
      ['audit', 'archive', '--before', new Date().toISOString().slice(0, 10), '--out', file],
      env,
    );
    assert.equal(tooRecent.code, 1);
    assert.match(tooRecent.output, /kept online for 180 days/);
    const before = new Date(Date.now() - 190 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    const archived = await runYiwang(['audit', 'archive', '--before', before, '--out', file, '--prune'], env);
    assert.equal(archived.code, 0, archived.output);
    assert.match(archived.output, /Archived 3 records \(blocks 1 to 1\).*removed from the database/s);
    assert.match(archived.output, /Archiving audit log/, 'a progress bar');

    const key = await runYiwang(['audit', 'archive-key'], env);
    const keyFile = path.join(tmp(), 'archive-key.jwk');
    writeFileSync(keyFile, key.output);
    assert.equal(JSON.parse(key.output).crv, 'Ed25519');
    const alone = await runYiwang(['audit', 'verify-archive', file, '--public-key', keyFile], {});
    assert.equal(alone.code, 0, alone.output);
    assert.match(alone.output, /intact: 3 records.*chain not checked/);
    const withSecret = await runYiwang(['audit', 'verify-archive', file], env);
    assert.equal(withSecret.code, 0, withSecret.output);
    assert.doesNotMatch(withSecret.output, /chain not checked/);
    const log = await runYiwang(['audit', 'verify'], env);
    assert.equal(log.code, 0, log.output);
  });

  it('backs up and restores through the CLI, with progress', async () => {
    const source = tmp();
    const seeded = await runYiwang(['seed', '--demo'], { YIWANG_DATA_DIR: source });
    assert.equal(seeded.code, 0, seeded.output);
    const file = path.join(tmp(), 'city.ndjson.gz');
    const backup = await runYiwang(['backup', file], { YIWANG_DATA_DIR: source });
    assert.equal(backup.code, 0, backup.output);
    assert.match(backup.output, /Backup \[/, 'a progress bar (plain lines off a terminal)');
    const target = tmp();
    const restore = await runYiwang(['restore', file], { YIWANG_DATA_DIR: target });
    assert.equal(restore.code, 0, restore.output);
    assert.match(restore.output, /Restored \d+ rows/);
    const doctor = await runYiwang(['doctor'], { YIWANG_DATA_DIR: target });
    assert.equal(doctor.code, 0, doctor.output);
    assert.match(doctor.output, /schema current/);
  });

  it('imports a catalogue all or nothing, naming each bad line, with a progress bar; exports it again', async () => {
    const dataDir = tmp();
    const env = { YIWANG_DATA_DIR: dataDir };
    assert.equal((await runYiwang(['seed', '--demo'], env)).code, 0);
    const dir = tmp();
    const exported = await runYiwang(['catalogue', 'export', '--out', path.join(dir, 'all.json')], env);
    assert.equal(exported.code, 0, exported.output);
    const file = JSON.parse(readFileSync(path.join(dir, 'all.json'), 'utf8')) as {
      items: { code: string; department: string; promisedDays: number }[];
    };
    assert.ok(file.items.length >= 120, 'the demo catalogue is exported');
    const [first, second] = file.items;
    assert.ok(first && second);
    const changed = { ...first, promisedDays: 0 };
    const bad = { ...second, department: 'NOPE' };
    const lines = [
      '{',
      '  "format": "yiwang-catalogue",',
      '  "version": 1,',
      '  "items": [',
      `    ${JSON.stringify(changed)},`,
      `    ${JSON.stringify(bad)}`,
      '  ]',
      '}',
    ];
    writeFileSync(path.join(dir, 'bad.json'), `${lines.join('\n')}\n`);
    const refused = await runYiwang(['catalogue', 'import', path.join(dir, 'bad.json'), '--lang', 'en'], env);
    assert.equal(refused.code, 1, refused.output);
    assert.match(refused.output, /Importing catalogue \[/, 'a progress bar (plain lines off a terminal)');
    assert.match(
      refused.output,
      new RegExp(`line 6 ${second.code} department: There is no department with the code NOPE`),
    );
    assert.match(refused.output, /Nothing was imported: 1 problems in 1 rows/);

    const report = path.join(dir, 'problems.csv');
    const partial = await runYiwang(
      ['catalogue', 'import', path.join(dir, 'bad.json'), '--partial', '--report', report, '--lang', 'zh-CN'],
      env,
    );
    assert.equal(partial.code, 1, 'a row was left out');
    assert.match(partial.output, /Imported: 0 new, 1 changed/);
    assert.match(
      readFileSync(report, 'utf8'),
      new RegExp(`^line,code,field,message\n6,${second.code},department,没有代码为 NOPE 的部门。`),
    );
    const again = await runYiwang(['catalogue', 'export', '--out', path.join(dir, 'after.csv')], env);
    assert.equal(again.code, 0, again.output);
    assert.match(readFileSync(path.join(dir, 'after.csv'), 'utf8'), /^code,name_zh,name_en,/);
  });

  it('runs unchanged on PostgreSQL: two instances serve at once, and the demo city only when asked', async (t) => {
    if (!(await needPostgres(t))) return;
    const database = await createTestPostgresDatabase();
    const env = { DATABASE_URL: database.url, YIWANG_SECRET: SECRET };
    const started = await Promise.all(
      [1, 2].map(async () => {
        const port = await freePort();
        return { port, process: spawnYiwang(['serve'], { ...env, PORT: String(port) }) };
      }),
    );
    const ports = started.map((s) => s.port);
    const instances = started.map((s) => s.process);
    try {
      await Promise.all(started.map((s) => waitForOk(`http://127.0.0.1:${s.port}/readyz`, s.process)));
      for (const port of ports) {
        const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
        assert.equal(health.mode, 'server');
        const home = await fetch(`http://127.0.0.1:${port}/?lang=en`);
        assert.equal(home.status, 200);
        assert.match(await home.text(), /<html lang="en"/);
      }
      const empty = await (await fetch(`http://127.0.0.1:${ports[0]}/api/v1/departments`)).json();
      assert.equal(empty.total, 0, 'server mode does not seed demo data unless asked');
      const seeded = await runYiwang(['seed', '--demo'], env);
      assert.equal(seeded.code, 0, seeded.output);
      // Each instance caches the directory for 10 s (organisations.service.ts): the change shows within that.
      const deadline = Date.now() + 15_000;
      let total = 0;
      while (total !== 20 && Date.now() < deadline) {
        total = (await (await fetch(`http://127.0.0.1:${ports[1]}/api/v1/departments`)).json()).total;
        if (total !== 20) await new Promise((resolve) => setTimeout(resolve, 500));
      }
      assert.equal(total, 20, 'what one process wrote, every instance serves');
      const worker = await runYiwang(['worker'], { YIWANG_DATA_DIR: tmp() });
      assert.equal(worker.code, 78, 'a separate worker needs PostgreSQL');
    } finally {
      for (const i of instances) i.child.kill('SIGTERM');
      await Promise.all(instances.map((i) => i.exited));
      await database.drop();
    }
  });
});
