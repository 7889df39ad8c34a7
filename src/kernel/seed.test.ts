import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { startTestPlatform } from '../../test/support/platform.ts';
import { MODULES } from '../app.ts';
import { openDatabase, queryRows } from './db/database.ts';
import { type ModuleManifest, orderModules } from './modules.ts';
import { seedDemoCity } from './seed.ts';

const count = async (db: Parameters<typeof queryRows>[0], table: string) =>
  (await queryRows<{ n: number }>(db, sql.raw(`select count(*)::int as n from ${table}`)))[0]?.n;

describe('demo seeding', () => {
  it('leaves nothing behind when a module fails halfway, and succeeds in full on the next try', async () => {
    const database = await openDatabase({ mode: 'memory' });
    const failing: ModuleManifest = {
      name: 'failing',
      dependsOn: ['organisations', 'identity'],
      permissions: [],
      register: async () => undefined,
      seedDemo: async () => {
        throw new Error('power cut in the middle of seeding');
      },
    };
    await assert.rejects(startTestPlatform({ database, extraModules: [failing] }), /power cut/);
    assert.equal(
      await count(database.db, 'organisations_departments'),
      0,
      'departments seeded before the failure are gone',
    );
    assert.equal(await count(database.db, 'identity_accounts'), 0);
    assert.equal(await count(database.db, 'kernel_demo_seeds'), 0, 'no marker: the next start seeds again');

    const platform = await startTestPlatform({ database });
    try {
      assert.equal(await count(database.db, 'organisations_departments'), 20);
      assert.equal(await count(database.db, 'identity_accounts'), 14);
      assert.ok(platform.seedReport?.lines.some((l) => l.includes('zhangwei')));
    } finally {
      await platform.close();
    }
  });

  it('seeds once: a second run changes nothing and reports nothing', async () => {
    const platform = await startTestPlatform();
    try {
      const again = await seedDemoCity(platform.kernel, orderModules(MODULES), platform.contracts);
      assert.equal(again.seeded, false);
      assert.deepEqual(again.report.lines, []);
      assert.equal(await count(platform.kernel.db, 'organisations_departments'), 20);
    } finally {
      await platform.close();
    }
  });
});
