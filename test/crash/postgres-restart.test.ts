import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { IN_CI } from '../support/environment.ts';
import { postgresBinaries, startPrivatePostgres } from '../support/private-postgres.ts';
import { runYiwang } from '../support/processes.ts';
import {
  assertAuditChainVerifies,
  assertNothingLostOrDoubled,
  burst,
  CRASH,
  Jar,
  retryAll,
  signIn,
  startServer,
  stopServer,
  upload,
} from './harness.ts';

// Issue 7, crash safety in server mode: PostgreSQL itself stops (as a crash or a failover does) in the middle of
// a burst of submissions. The platform says it is not ready — 503 with Retry-After, never a 500 — comes back by
// itself when the database does, and loses nothing it acknowledged; the clients' retries create no duplicate.
// A PostgreSQL server of the test's own is restarted, never the machine's.

const scratch: string[] = [];
after(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** What a load balancer's health check sees: /readyz's status (a reset keep-alive connection is tried again). */
async function readiness(base: string): Promise<number | string> {
  let failure = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return (await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5000) })).status;
    } catch (error) {
      failure = `no answer: ${(error as Error).message} ${(error as Error).cause}`;
    }
  }
  return failure;
}

describe('PostgreSQL restarted under load', () => {
  it(`reports not-ready, recovers by itself and loses nothing (${CRASH.iterations} restarts)`, async (t) => {
    const bin = postgresBinaries();
    if (!bin) {
      if (IN_CI)
        throw new Error('The PostgreSQL server binaries are required in CI (Debian package postgresql).');
      t.skip('no PostgreSQL server binaries (/usr/lib/postgresql/*/bin): install the postgresql package');
      return;
    }
    const postgres = await startPrivatePostgres(bin);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'yiwang-pg-restart-'));
    scratch.push(dataDir);
    const env = {
      DATABASE_URL: postgres.url,
      YIWANG_SECRET: 'restart-test-secret-of-at-least-thirty-two-chars',
      YIWANG_DATA_DIR: dataDir,
    };
    try {
      const seeded = await runYiwang(['seed', '--demo'], env);
      assert.equal(seeded.code, 0, seeded.output);
      const server = await startServer(env);
      const numbers = new Map<string, string>();
      const statuses = new Map<number, number>();
      try {
        const jar = new Jar();
        await signIn(server.base, jar);
        const file = await upload(server.base, jar);
        for (let i = 1; i <= CRASH.iterations; i++) {
          let readyWhileDown: number | string = 0;
          const outcome = await burst(server, jar, file, `crash-pg-${i}`, CRASH.submissions, async () => {
            postgres.crash();
            readyWhileDown = await readiness(server.base);
            await new Promise((resolve) => setTimeout(resolve, 1000));
            postgres.start();
          });
          assert.equal(
            readyWhileDown,
            503,
            `not ready while the database is down (/readyz ${readyWhileDown}):\n${server.process
              .output()
              .split('\n')
              .filter((l) => !l.includes('KERNEL_ERR_NOT_READY'))
              .slice(-40)
              .join('\n')}`,
          );
          // Back by itself: the same process, no restart.
          const deadline = Date.now() + 60_000;
          for (
            let status = await readiness(server.base);
            status !== 200;
            status = await readiness(server.base)
          ) {
            assert.ok(
              Date.now() < deadline,
              `ready again within a minute of the database (/readyz ${status}):\n${server.process.output().slice(-2000)}`,
            );
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
          for (const [key, number] of await retryAll(server, jar, file, outcome)) numbers.set(key, number);
          for (const [status, n] of outcome.statuses) statuses.set(status, (statuses.get(status) ?? 0) + n);
          t.diagnostic(
            `restart ${i}/${CRASH.iterations}: ${outcome.acknowledged.size}/${CRASH.submissions} acknowledged, ` +
              `answers ${JSON.stringify(Object.fromEntries(outcome.statuses))}`,
          );
        }
      } finally {
        await stopServer(server);
      }
      const unexpected = [...statuses.keys()].filter((s) => ![200, 201, 503].includes(s));
      assert.deepEqual(unexpected, [], 'during the outage: acknowledged, or 503 (retry), nothing else');

      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      try {
        await assertNothingLostOrDoubled(async (text) => (await client.query(text)).rows, numbers);
      } finally {
        await client.end();
      }
      await assertAuditChainVerifies(env);
    } finally {
      postgres.destroy();
    }
  });
});
