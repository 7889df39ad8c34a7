import { createPlatform, MODULES, type Platform } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/kernel/config.ts';
import { type Database, openDatabase } from '../../src/kernel/db/database.ts';
import type { ModuleManifest } from '../../src/kernel/modules.ts';

/** A configuration for tests: quiet logs, the given overrides, nothing from the developer's environment. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    LOG_LEVEL: 'silent',
    YIWANG_SECRET: 'test-secret-of-at-least-thirty-two-characters',
    // Tests send many requests from one address; the throttling tests set their own budgets.
    YIWANG_THROTTLE_SIGN_IN: '0',
    YIWANG_THROTTLE_LOOKUPS: '0',
    ...env,
  });
}

/**
 * A whole platform on a fresh in-memory PGlite (or the database given), with the demo city seeded by default.
 * Use `platform.app.inject()` for HTTP tests; always `await platform.close()`.
 */
export async function startTestPlatform(
  options: {
    database?: Database;
    seedDemo?: boolean;
    work?: boolean;
    env?: Record<string, string>;
    /** Modules added for this test (for example one with a route that fails on purpose). */
    extraModules?: ModuleManifest[];
  } = {},
): Promise<Platform> {
  return createPlatform({
    config: testConfig(options.env),
    database: options.database ?? (await openDatabase({ mode: 'memory' })),
    seedDemo: options.seedDemo ?? true,
    work: options.work ?? false,
    files: 'temporary',
    modules: [...MODULES, ...(options.extraModules ?? [])],
  });
}
