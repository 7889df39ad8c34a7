import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { openDatabase } from '../../src/kernel/db/database.ts';
import { createTestPostgresDatabase, needPostgres } from '../support/environment.ts';
import { runYiwang } from '../support/processes.ts';
import {
  assertAuditChainVerifies,
  assertNothingLostOrDoubled,
  burst,
  CRASH,
  Jar,
  type Query,
  retryAll,
  type Server,
  signIn,
  startServer,
  stopServer,
  upload,
} from './harness.ts';

// Issue 7, crash safety: in each database mode, bursts of concurrent idempotent submissions, the server killed
// with SIGKILL at a random moment of each, restarted, and the clients retrying with their keys. Afterwards every
// acknowledged submission exists exactly once, no case is partial, the audit chain verifies and the database
// opens. CI runs CRASH_ITERATIONS=2 of CRASH_SUBMISSIONS=100; `npm run test:crash` runs 20 of 1,000.

const scratch: string[] = [];
after(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** Runs the iterations against a platform started with `env`, returning every key's case number. */
async function crashIterations(env: Record<string, string>, log: (line: string) => void) {
  let server: Server = await startServer(env);
  const jar = new Jar();
  await signIn(server.base, jar);
  const file = await upload(server.base, jar);
  const numbers = new Map<string, string>();
  try {
    for (let i = 1; i <= CRASH.iterations; i++) {
      const killed = server;
      const outcome = await burst(server, jar, file, `crash-${i}`, CRASH.submissions, () => {
        killed.process.child.kill('SIGKILL');
      });
      await killed.process.exited;
      server = await startServer(env);
      for (const [key, number] of await retryAll(server, jar, file, outcome)) numbers.set(key, number);
      log(
        `iteration ${i}/${CRASH.iterations}: ${outcome.acknowledged.size}/${CRASH.submissions} acknowledged`,
      );
    }
  } finally {
    await stopServer(server);
  }
  return numbers;
}

describe('submissions through SIGKILL, embedded database', () => {
  it(`keeps every acknowledged case once over ${CRASH.iterations} kills`, async (t) => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'yiwang-crash-'));
    scratch.push(dataDir);
    const env = { YIWANG_DATA_DIR: dataDir };
    const numbers = await crashIterations(env, (line) => t.diagnostic(line));

    // The database opens (it was last closed cleanly, but killed many times before), and holds everything.
    const database = await openDatabase({ mode: 'embedded', dataDir });
    try {
      const query: Query = async (text) => (await database.executeSql(text)).rows;
      await assertNothingLostOrDoubled(query, numbers);
    } finally {
      await database.close();
    }
    await assertAuditChainVerifies(env);
  });
});

describe('submissions through SIGKILL, PostgreSQL server', () => {
  it(`keeps every acknowledged case once over ${CRASH.iterations} kills`, async (t) => {
    if (!(await needPostgres(t))) return;
    const database = await createTestPostgresDatabase();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'yiwang-crash-'));
    scratch.push(dataDir);
    const env = {
      DATABASE_URL: database.url,
      YIWANG_SECRET: 'crash-test-secret-of-at-least-thirty-two-chars',
      YIWANG_DATA_DIR: dataDir,
    };
    const client = new pg.Client({ connectionString: database.url });
    try {
      const seeded = await runYiwang(['seed', '--demo'], env);
      if (seeded.code !== 0) throw new Error(`seed failed:\n${seeded.output}`);
      const numbers = await crashIterations(env, (line) => t.diagnostic(line));
      await client.connect();
      await assertNothingLostOrDoubled(async (text) => (await client.query(text)).rows, numbers);
      await assertAuditChainVerifies(env);
    } finally {
      await client.end().catch(() => undefined);
      await database.drop();
    }
  });
});
