// Server mode for `npm run bench`: cold start and idle memory of the platform on a PostgreSQL server.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import {
  createTestPostgresDatabase,
  isPostgresReachable,
  POSTGRES_ADMIN_URL,
} from '../test/support/environment.ts';
import {
  type Cores,
  freePort,
  onCore,
  ROOT,
  rssMb,
  type Server,
  sleep,
  spawnServer,
  stop,
  untilOk,
} from './processes.ts';
import type { ServerMode } from './report.ts';

/** 40 random characters for YIWANG_SECRET (server mode requires at least 32). */
function randomSecret(): string {
  return randomBytes(30).toString('base64url');
}

/** Where the test PostgreSQL listens, without user name or password: for the report. */
function describeServer(): string {
  try {
    const url = new URL(POSTGRES_ADMIN_URL);
    return `${url.hostname}:${url.port || '5432'}`;
  } catch {
    return 'YIWANG_TEST_DATABASE_URL';
  }
}

async function serverVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    const result = await client.query<{ server_version: string }>('show server_version');
    return result.rows[0]?.server_version.split(' ')[0] ?? 'unknown';
  } catch {
    return 'unknown';
  } finally {
    await client.end().catch(() => {});
  }
}

function serverEnv(databaseUrl: string, secret: string, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Nothing from a developer's own configuration.
    if (key === 'DATABASE_URL' || key.startsWith('YIWANG_')) continue;
    env[key] = value;
  }
  return {
    ...env,
    DATABASE_URL: databaseUrl,
    YIWANG_SECRET: secret,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
}

/**
 * Starts `yiwang serve` on a fresh PostgreSQL database once (it migrates the database), then `starts` more times,
 * each pinned like the embedded server: seconds from the spawn to the first 200 of `/readyz`, and VmRSS after
 * `idleS` seconds. Not measured, rather than failed, when PostgreSQL does not answer.
 */
export async function measureServerMode(
  cores: Cores,
  starts: number,
  idleS: number,
  log: (line: string) => void,
): Promise<ServerMode> {
  const where = describeServer();
  if (!(await isPostgresReachable())) {
    log(`server mode: PostgreSQL not reachable at ${where}, not measured`);
    return { measured: false, reason: 'PostgreSQL not reachable', server: where };
  }
  const version = await serverVersion();
  const database = await createTestPostgresDatabase();
  const secret = randomSecret();
  let server: Server | undefined;
  const start = async (limitS: number): Promise<{ server: Server; seconds: number }> => {
    const port = await freePort();
    server = spawnServer(
      onCore(cores, cores.server, [process.execPath, path.join(ROOT, 'bin', 'yiwang.mjs'), 'serve']),
      port,
      serverEnv(database.url, secret, port),
    );
    return { server, seconds: await untilOk(server, '/readyz', limitS) };
  };
  const stopped = async (name: string) => {
    if (!server) return;
    const exit = await stop(server);
    server = undefined;
    if (exit !== '0') log(`  warning: ${name} exited with ${exit} after SIGTERM`);
  };
  try {
    log(`server mode: PostgreSQL ${version} at ${where}, first start (migrates a fresh database)…`);
    const first = await start(180);
    await stopped('the first server-mode start');
    const coldStartsS: number[] = [];
    const idleRssMb: number[] = [];
    for (let i = 1; i <= starts; i++) {
      const { server: running, seconds } = await start(60);
      await sleep(idleS * 1000);
      const rss = rssMb(running.pid);
      coldStartsS.push(seconds);
      idleRssMb.push(rss);
      log(
        `server mode start ${i}/${starts}: first 200 after ${seconds.toFixed(2)} s, idle RSS ${rss.toFixed(0)} MB`,
      );
      await stopped(`server-mode start ${i}`);
    }
    return { measured: true, server: where, version, firstStartS: first.seconds, coldStartsS, idleRssMb };
  } finally {
    await stopped('the server-mode platform');
    await database.drop().catch((error: unknown) => log(`  warning: could not drop the database: ${error}`));
  }
}
