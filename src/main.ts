import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { createPlatform, databaseTarget, filesDirectory, MODULES, type Platform, VERSION } from './app.ts';
import { registerCasesCommands } from './cli/cases.ts';
import { registerCatalogueCommands } from './cli/catalogue.ts';
import { registerCertificatesCommands } from './cli/certificates.ts';
import { runDoctor } from './cli/doctor.ts';
import { writeApiArtefacts } from './cli/openapi-artefacts.ts';
import { EMBEDDED_MAX_CASES, SCALES, type ScaleName, type ScaleSize, seedAtScale } from './cli/scale.ts';
import {
  AuditArchiveError,
  archiveAuditLog,
  archivePublicJwk,
  archiveSigningKey,
  verifyAuditArchive,
} from './kernel/audit/audit.archive.ts';
import { auditLogSize, createAuditLog } from './kernel/audit/audit.ts';
import { type Config, ConfigError, loadConfig } from './kernel/config.ts';
import { createBackup, restoreBackup } from './kernel/db/backup.ts';
import { isDatabaseUnavailable, openDatabase } from './kernel/db/database.ts';
import { DataDirectoryLockedError } from './kernel/db/lock-file.ts';
import { migrate } from './kernel/db/migrations.ts';
import { createDiskFileStore } from './kernel/files/index.ts';
import { createLogger, type Logger } from './kernel/logger.ts';
import { startProgress } from './kernel/progress.ts';
import { resolveSecret } from './kernel/secret.ts';
import type { IdentityContract } from './modules/identity/index.ts';

// sysexits.h: a configuration error is EX_CONFIG, so supervisors can tell it from a crash.
const EXIT_CONFIG = 78;
const EXIT_LOCKED = 75;

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw error;
  }
}

/**
 * Runs a long-lived process (serve, worker): SIGTERM/SIGINT close the platform cleanly — PGlite must be closed, and
 * jobs in progress finish — even when the signal arrives while it is still starting; a second signal forces the exit.
 * A failure after the platform opened (a port already in use) closes it too before exiting.
 */
async function runService(
  log: Logger,
  start: () => Promise<Platform>,
  afterStart: (p: Platform) => Promise<void>,
) {
  let platform: Platform | undefined;
  let stopRequested = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    log.info(`${signal} received: closing`);
    // Still starting: the start sequence sees `stopRequested` and closes when it is done.
    platform?.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // A library's background work (pg-boss marking a job failed, say) may drop a rejected promise when PostgreSQL
  // restarts under it. That is the database being away, which the platform survives (503 meanwhile, /readyz
  // not ready): log it and go on. Any other unhandled rejection is a bug, and the process stops as Node would.
  process.on('unhandledRejection', (reason) => {
    if (isDatabaseUnavailable(reason)) {
      log.warn({ err: reason }, 'background work lost its database connection');
      return;
    }
    log.fatal({ err: reason }, 'unhandled rejection: stopping');
    process.exit(1);
  });
  try {
    platform = await start();
    if (stopRequested) {
      await platform.close();
      process.exit(0);
    }
    await afterStart(platform);
  } catch (error) {
    await platform?.close().catch(() => {});
    await fail(error);
  }
}

function printSeedReport(lines: readonly string[] | undefined): void {
  if (!lines || lines.length === 0) return;
  process.stdout.write(`\nDemo city 示范市 seeded:\n${lines.map((l) => `  ${l}`).join('\n')}\n\n`);
}

async function fail(error: unknown): Promise<never> {
  if (error instanceof DataDirectoryLockedError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(EXIT_LOCKED);
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(EXIT_CONFIG);
  }
  // Expected refusals say what to do in one line; a stack trace would only hide it.
  if (error instanceof AuditArchiveError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}

const program = new Command()
  .name('yiwang')
  .description('Yiwang (一网): one door to every government service of a city.')
  .version(VERSION);

program
  .command('serve')
  .description('run the web platform (and, unless YIWANG_RUN_JOBS=false on PostgreSQL, its background jobs)')
  .action(async () => {
    const config = configOrExit();
    const log = createLogger(config.logLevel, { pretty: process.stdout.isTTY });
    await runService(
      log,
      () => createPlatform({ config, log }),
      async (platform) => {
        printSeedReport(platform.seedReport?.lines);
        await platform.app?.listen({ port: config.port, host: config.host });
        const address = platform.app?.server.address();
        const port = typeof address === 'object' && address ? address.port : config.port;
        log.info(
          `Yiwang ${VERSION} serving http://${config.host}:${port}/ (${platform.database.mode} database${
            platform.database.mode === 'embedded' ? ` in ${config.dataDir}` : ''
          })`,
        );
      },
    );
  });

program
  .command('worker')
  .description('work on background jobs and deliver events, without serving HTTP (PostgreSQL mode)')
  .action(async () => {
    const config = configOrExit();
    if (config.mode === 'embedded') {
      process.stderr.write(
        'In embedded mode `yiwang serve` runs the jobs itself and no second process may open the data directory; set DATABASE_URL to run separate workers.\n',
      );
      process.exit(EXIT_CONFIG);
    }
    const log = createLogger(config.logLevel, { pretty: process.stdout.isTTY });
    await runService(
      log,
      () => createPlatform({ config, log, http: false, work: true, seedDemo: false }),
      async () => log.info('worker started'),
    );
  });

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const config = configOrExit();
    try {
      const database = await openDatabase(databaseTarget(config));
      try {
        const applied = await migrate(database.db, {
          onApplied: (tag) => process.stdout.write(`applied ${tag}\n`),
        });
        process.stdout.write(
          applied.length === 0
            ? 'The database schema is current.\n'
            : `${applied.length} migration(s) applied.\n`,
        );
      } finally {
        await database.close();
      }
    } catch (error) {
      await fail(error);
    }
  });

/** A whole number of rows for `seed --scale`, or exit 2 with the option's name. */
function sizeOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 10_000_000) {
    process.stderr.write(`--${name} is a whole number from 0 to 10000000.\n`);
    process.exit(2);
  }
  return n;
}

program
  .command('seed')
  .description('add demo data: the demo city, and optionally a city-sized data set on top of it')
  .option('--demo', 'seed the demo city 示范市 (departments, one account per role)')
  .addOption(
    new Option(
      '--scale <size>',
      'then add generated people, catalogue items and cases with their steps and audit records, topped up to a size: city (500,000 / 100,000 / 1,000,000; PostgreSQL) or town (5,000 / 2,000 / 10,000)',
    ).choices(Object.keys(SCALES)),
  )
  .option('--people <n>', 'with --scale: this many generated people instead')
  .option('--items <n>', 'with --scale: this many catalogue items instead')
  .option('--cases <n>', 'with --scale: this many generated cases instead')
  .action(
    async (options: {
      demo?: boolean;
      scale?: ScaleName;
      people?: string;
      items?: string;
      cases?: string;
    }) => {
      if (!options.demo && !options.scale) {
        process.stderr.write(
          'Say what to seed: --demo, or --scale city (which seeds the demo city first).\n',
        );
        process.exit(2);
      }
      const config = configOrExit();
      const scale = options.scale ? SCALES[options.scale] : undefined;
      const size: ScaleSize | undefined = scale && {
        people: sizeOption('people', options.people, scale.people),
        items: sizeOption('items', options.items, scale.items),
        cases: sizeOption('cases', options.cases, scale.cases),
      };
      if (size && config.mode === 'embedded' && size.cases > EMBEDDED_MAX_CASES) {
        process.stderr.write(
          `${size.cases} cases is more than the embedded database is for (${EMBEDDED_MAX_CASES}): set DATABASE_URL to a PostgreSQL database, or use --scale town.\n`,
        );
        process.exit(2);
      }
      try {
        const progress = startProgress('Seeding demo city', MODULES.length);
        const platform = await createPlatform({
          config,
          log: createLogger('warn'),
          http: false,
          work: false,
          seedDemo: true,
          seedProgress: progress,
        });
        try {
          if (platform.seedReport?.lines.length) printSeedReport(platform.seedReport.lines);
          else process.stdout.write('The demo city was already seeded; nothing changed.\n');
          if (size) {
            const started = performance.now();
            const report = await seedAtScale(platform, size, { progress: startProgress });
            process.stdout.write(
              [
                `People: ${report.people.added} added, ${report.people.total} in all (${report.people.seconds.toFixed(0)} s).`,
                `Catalogue items: ${report.items.imported} imported, ${report.items.total} published in all (${report.items.seconds.toFixed(0)} s).`,
                `Cases: ${report.cases.added} added with ${report.cases.tasks} steps and ${report.cases.auditRecords} audit records, ${report.cases.total} generated in all (${report.cases.seconds.toFixed(0)} s).`,
                `Audit chain: ${report.seal.records} records sealed in ${report.seal.blocks} blocks (${report.seal.seconds.toFixed(0)} s); vacuum and statistics ${report.vacuumSeconds.toFixed(0)} s.`,
                `Done in ${((performance.now() - started) / 1000).toFixed(0)} s. Generated people cannot sign in; sign in as the demo accounts.`,
              ]
                .map((line) => `${line}\n`)
                .join(''),
            );
          }
        } finally {
          await platform.close();
        }
      } catch (error) {
        await fail(error);
      }
    },
  );

/** The platform's uploaded files, for backup and restore. */
const fileStoreOf = (config: Config) => createDiskFileStore(filesDirectory(config));

program
  .command('backup')
  .description('write a consistent backup of the whole database to a file (.ndjson.gz)')
  .argument('<file>', 'where to write the backup; refuses to overwrite')
  .action(async (file: string) => {
    const config = configOrExit();
    try {
      const database = await openDatabase(databaseTarget(config));
      try {
        const summary = await createBackup(database, file, { progress: true, files: fileStoreOf(config) });
        process.stdout.write(
          `Backup written to ${file}: ${summary.tables} tables, ${summary.rows} rows, ${summary.files} uploaded files.\n`,
        );
      } finally {
        await database.close();
      }
    } catch (error) {
      await fail(error);
    }
  });

program
  .command('restore')
  .description('restore a backup into an empty data directory or an empty database')
  .argument('<file>', 'a file written by `yiwang backup`')
  .action(async (file: string) => {
    const config = configOrExit();
    try {
      const database = await openDatabase(databaseTarget(config));
      try {
        const summary = await restoreBackup(database, file, { progress: true, files: fileStoreOf(config) });
        process.stdout.write(
          `Restored ${summary.rows} rows into ${summary.tables} tables and ${summary.files} uploaded files from ${file}.\n`,
        );
      } finally {
        await database.close();
      }
    } catch (error) {
      await fail(error);
    }
  });

const audit = program.command('audit').description('the tamper-evident audit log');
audit
  .command('verify')
  .description(
    'seal what is settled, then check every block and record; exit 1 naming the first record altered, deleted or inserted',
  )
  .action(async () => {
    const config = configOrExit();
    try {
      const database = await openDatabase(databaseTarget(config));
      try {
        const log = createAuditLog(resolveSecret(config));
        await log.seal(database.db);
        const progress = startProgress('Verifying audit log', (await auditLogSize(database.db)).records);
        let reported = 0;
        const result = await log.verify(database.db, (checked) => {
          progress.tick(checked - reported);
          reported = checked;
        });
        progress.stop();
        if (result.ok) {
          const tail = result.unsealed ? ` (${result.unsealed} appended since the last seal)` : '';
          process.stdout.write(`The audit log is intact: ${result.checked} records verified${tail}.\n`);
        } else {
          process.stdout.write(`The audit log is broken. ${result.problem?.message}\n`);
          process.exitCode = 1;
        }
      } finally {
        await database.close();
      }
    } catch (error) {
      await fail(error);
    }
  });
audit
  .command('archive')
  .description(
    'export sealed records older than a date (at least the retention period ago) to a signed archive file',
  )
  .requiredOption(
    '--before <date>',
    'archive blocks whose records are all older than this day (YYYY-MM-DD, UTC)',
  )
  .requiredOption('--out <file>', 'the archive file to write (.ndjson.gz); never overwritten')
  .option('--prune', 'then remove the archived records from the database', false)
  .action(async (options: { before: string; out: string; prune: boolean }) => {
    const config = configOrExit();
    const before = /^\d{4}-\d{2}-\d{2}$/.test(options.before)
      ? new Date(`${options.before}T00:00:00Z`)
      : undefined;
    if (!before || Number.isNaN(before.getTime())) {
      process.stderr.write(
        `--before must be a day written YYYY-MM-DD (got ${JSON.stringify(options.before)}).\n`,
      );
      process.exit(2);
    }
    try {
      const database = await openDatabase(databaseTarget(config));
      try {
        const secret = resolveSecret(config);
        const result = await archiveAuditLog(database.db, createAuditLog(secret), secret, {
          before,
          file: options.out,
          prune: options.prune,
          retentionDays: config.auditRetentionDays,
          progress: (total) => startProgress('Archiving audit log', total),
        });
        process.stdout.write(
          `Archived ${result.records} records (blocks ${result.fromBlock} to ${result.toBlock}) to ${result.file}, sha256 ${result.sha256}.${result.pruned ? ' They were removed from the database.' : ''}\n`,
        );
      } finally {
        await database.close();
      }
    } catch (error) {
      await fail(error);
    }
  });
audit
  .command('verify-archive <file>')
  .description(
    'check an archive file: its signature, and with the platform secret the chain inside; exit 1 if it fails',
  )
  .option(
    '--public-key <file>',
    'the published archive key (JWK); by default derived from the platform secret',
  )
  .action(async (file: string, options: { publicKey?: string }) => {
    try {
      const config = options.publicKey ? undefined : configOrExit();
      const secret = config ? resolveSecret(config) : undefined;
      const publicKey = options.publicKey
        ? createPublicKey({ key: JSON.parse(readFileSync(options.publicKey, 'utf8')), format: 'jwk' })
        : archiveSigningKey(secret as string).publicKey;
      const result = await verifyAuditArchive(file, {
        publicKey,
        ...(secret ? { keys: createAuditLog(secret).keys } : {}),
      });
      if (result.ok) {
        process.stdout.write(
          `The archive is intact: ${result.records} records, blocks ${result.fromBlock} to ${result.toBlock}, signed by key ${result.kid}${result.chainChecked ? '' : ' (chain not checked: no platform secret)'}.\n`,
        );
      } else {
        process.stdout.write(`The archive does not verify. ${result.problem}\n`);
        process.exitCode = 1;
      }
    } catch (error) {
      await fail(error);
    }
  });
audit
  .command('archive-key')
  .description(
    'print the public key that signs audit archives (a JWK), to publish for anyone checking archives',
  )
  .action(() => {
    const config = configOrExit();
    process.stdout.write(`${JSON.stringify(archivePublicJwk(resolveSecret(config)), null, 2)}\n`);
  });

const tokens = program
  .command('tokens')
  .description('API tokens of machine clients (a department’s own system)');

/** Runs `work` with the identity module of a platform without HTTP or jobs, then closes it. */
async function withIdentity(work: (identity: IdentityContract) => Promise<void>): Promise<void> {
  const config = configOrExit();
  try {
    const platform = await createPlatform({
      config,
      log: createLogger('warn'),
      http: false,
      work: false,
      seedDemo: false,
    });
    try {
      await work(platform.contracts.identity as IdentityContract);
    } finally {
      await platform.close();
    }
  } catch (error) {
    await fail(error);
  }
}

tokens
  .command('issue')
  .description('issue a token; it is printed once and never shown again')
  .requiredOption('--client <name>', 'the client system, e.g. sj-licensing')
  .requiredOption('--scope <permission...>', 'permission names the client may use')
  .option('--department <code>', 'the department the client belongs to')
  .option('--days <n>', 'days until it expires (1–366)', '90')
  .action(async (options: { client: string; scope: string[]; department?: string; days: string }) => {
    await withIdentity(async (identity) => {
      const issued = await identity.apiTokens.issue({
        clientName: options.client,
        scopes: options.scope,
        departmentCode: options.department,
        days: Number(options.days),
      });
      process.stdout.write(
        `Token ${issued.id} for ${options.client}:\n${issued.token}\nStore it now: it is not shown again.\n`,
      );
    });
  });

tokens
  .command('revoke')
  .description('revoke a token at once')
  .argument('<id>', 'the token id (tok_…)')
  .action(async (id: string) => {
    await withIdentity(async (identity) => {
      const revoked = await identity.apiTokens.revoke(id);
      process.stdout.write(revoked ? `Revoked ${id}.\n` : `No active token ${id}.\n`);
      if (!revoked) process.exitCode = 1;
    });
  });

tokens
  .command('list')
  .description('list tokens (never their secrets)')
  .action(async () => {
    await withIdentity(async (identity) => {
      for (const t of await identity.apiTokens.list()) {
        const state = t.revokedAt
          ? 'revoked'
          : t.expiresAt < new Date()
            ? 'expired'
            : `valid until ${t.expiresAt.toISOString()}`;
        process.stdout.write(
          `${t.id}  ${t.clientName}  ${t.departmentCode ?? '-'}  ${t.scopes.join(',')}  ${state}\n`,
        );
      }
    });
  });

/** Runs `work` with a platform without HTTP or jobs (and without seeding), then closes it. */
async function withPlatform(work: (platform: Platform) => Promise<void>): Promise<void> {
  const config = configOrExit();
  try {
    const platform = await createPlatform({
      config,
      log: createLogger('warn'),
      http: false,
      work: false,
      seedDemo: false,
    });
    try {
      await work(platform);
    } finally {
      await platform.close();
    }
  } catch (error) {
    await fail(error);
  }
}

registerCatalogueCommands(program, withPlatform);
registerCasesCommands(program, withPlatform);
registerCertificatesCommands(program);

program
  .command('doctor')
  .description(
    'check the configuration, the database, its schema and the holiday calendar; exit 1 on a problem',
  )
  .action(async () => {
    const config = configOrExit();
    try {
      const ok = await runDoctor(config, (line) => process.stdout.write(`${line}\n`));
      process.exit(ok ? 0 : 1);
    } catch (error) {
      await fail(error);
    }
  });

program
  .command('openapi')
  .description(
    'write or check the committed OpenAPI document and error table (docs/openapi.json, docs/errors.md)',
  )
  .option('--check', 'exit 1 when the committed copies are stale')
  .action(async (options: { check?: boolean }) => {
    try {
      const stale = await writeApiArtefacts({ check: options.check === true });
      if (stale.length > 0) {
        process.stderr.write(`Stale: ${stale.join(', ')}. Run \`npm run openapi\` and commit the result.\n`);
        process.exit(1);
      }
      process.stdout.write(
        options.check ? 'The OpenAPI document and error table are current.\n' : 'Written.\n',
      );
    } catch (error) {
      await fail(error);
    }
  });

await program.parseAsync(process.argv);
