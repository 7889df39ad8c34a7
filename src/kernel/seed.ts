import { eq, sql } from 'drizzle-orm';
import { demoSeeds } from './db/kernel.tables.ts';
import type { KernelContext, ModuleManifest, SeedReport } from './modules.ts';
import type { Progress } from './progress.ts';

const DEMO_CITY = 'demo-city';

/** Whether the demo city has been seeded into this database. */
export async function isDemoSeeded(kernel: KernelContext): Promise<boolean> {
  const rows = await kernel.db.select().from(demoSeeds).where(eq(demoSeeds.name, DEMO_CITY));
  return rows.length > 0;
}

/**
 * Seeds the demo city: every module's demo data in one transaction, then a marker. A crash midway leaves
 * nothing behind, and a second run (or a second instance starting at the same time) finds the marker and stops.
 */
export async function seedDemoCity(
  kernel: KernelContext,
  modules: readonly ModuleManifest[],
  contracts: Readonly<Record<string, unknown>>,
  progress?: Progress,
): Promise<{ seeded: boolean; report: SeedReport }> {
  const report: SeedReport = { lines: [] };
  const seeders = modules.filter((m) => m.seedDemo);
  progress?.setTotal(seeders.length);
  const seeded = await kernel.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7310022)`);
    const done = await tx.select().from(demoSeeds).where(eq(demoSeeds.name, DEMO_CITY));
    if (done.length > 0) return false;
    for (const module of seeders) {
      await module.seedDemo?.({ tx, kernel, contract: contracts[module.name], report });
      progress?.tick(1, module.name);
    }
    await tx.insert(demoSeeds).values({ name: DEMO_CITY });
    return true;
  });
  progress?.stop();
  return { seeded, report };
}
