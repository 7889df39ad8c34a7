import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import packageJson from '../package.json' with { type: 'json' };
import { createAuditLog } from './kernel/audit/audit.ts';
import { createPermissionRegistry } from './kernel/authz/authz.ts';
import { addOfficialSchedules, loadCalendar } from './kernel/calendar/calendar.store.ts';
import type { Config } from './kernel/config.ts';
import { type Database, type DatabaseTarget, openDatabase, ping } from './kernel/db/database.ts';
import { migrate, migrationStatus } from './kernel/db/migrations.ts';
import { EventBus } from './kernel/events/events.ts';
import { createDiskFileStore, createVirusScanner } from './kernel/files/index.ts';
import { registerPlatformRoutes } from './kernel/http/platform.routes.tsx';
import { createHttpServer } from './kernel/http/server.ts';
import { createJobs } from './kernel/jobs/jobs.ts';
import { createLogger, type Logger } from './kernel/logger.ts';
import { createMailer, createMailOutbox, registerMailJob } from './kernel/mail/mail.ts';
import { registerDevMailbox } from './kernel/mail/mailbox.routes.tsx';
import { type KernelContext, type ModuleManifest, orderModules, type SeedReport } from './kernel/modules.ts';
import type { Progress } from './kernel/progress.ts';
import { resolveSecret } from './kernel/secret.ts';
import { isDemoSeeded, seedDemoCity } from './kernel/seed.ts';
import { createSmsOutbox, createSmsSender, registerSmsJob } from './kernel/sms/sms.ts';
import { casesModule } from './modules/cases/index.ts';
import { catalogueModule } from './modules/catalogue/index.ts';
import { certificatesModule } from './modules/certificates/index.ts';
import { formsModule } from './modules/forms/index.ts';
import { identityModule, STAFF_ROLES } from './modules/identity/index.ts';
import { organisationsModule } from './modules/organisations/index.ts';
import { portalModule } from './modules/portal/index.ts';
import { supervisionModule } from './modules/supervision/index.ts';

/** The platform's version, as /healthz and the OpenAPI document report it. */
export const VERSION = packageJson.version;

/** Every module of the platform. Order does not matter: `dependsOn` decides it, and start-up checks the graph. */
export const MODULES: readonly ModuleManifest[] = [
  organisationsModule,
  identityModule,
  catalogueModule,
  formsModule,
  casesModule,
  certificatesModule,
  portalModule,
  supervisionModule,
];

/** The database a configuration names. */
export function databaseTarget(config: Config): DatabaseTarget {
  return config.databaseUrl
    ? { mode: 'server', url: config.databaseUrl, poolSize: config.dbPoolSize }
    : { mode: 'embedded', dataDir: config.dataDir };
}

/** How to assemble one process. */
/** Where uploaded files live: in the data directory, beside the embedded database (backups take them too). */
export function filesDirectory(config: Pick<Config, 'dataDir'>): string {
  return path.join(config.dataDir, 'files');
}

export interface PlatformOptions {
  config: Config;
  log?: Logger;
  /** An already open database (tests pass in-memory PGlite); otherwise the configured one is opened. */
  database?: Database;
  /** Build the HTTP server (serve) or not (worker, CLI). Default true. */
  http?: boolean;
  /** Work on jobs and dispatch events in this process. Default: the configuration's `runJobs`. */
  work?: boolean;
  /** Seed the demo city: true forces it, false never; default follows `config.demo`. */
  seedDemo?: boolean;
  seedProgress?: Progress;
  /** Where uploads are kept: the data directory's `files` (default), or a temporary directory removed on close. */
  files?: 'data-directory' | 'temporary';
  /** The modules to run; default `MODULES`. A deployment (or a test) may add its own without touching the core. */
  modules?: readonly ModuleManifest[];
}

/** A running platform process. */
export interface Platform {
  readonly app: FastifyInstance | undefined;
  readonly kernel: KernelContext;
  readonly database: Database;
  readonly contracts: Readonly<Record<string, unknown>>;
  /** What seeding printed, when this start seeded the demo city. */
  readonly seedReport: SeedReport | undefined;
  close(): Promise<void>;
}

/**
 * The composition root: opens the database, migrates it, builds the kernel, registers the modules in dependency
 * order, seeds the demo city when asked, and starts the jobs. Nothing else wires modules together.
 */
export async function createPlatform(options: PlatformOptions): Promise<Platform> {
  const { config } = options;
  const log = options.log ?? createLogger(config.logLevel);
  const database = options.database ?? (await openDatabase(databaseTarget(config)));
  try {
    const { db } = database;
    await migrate(db);
    await addOfficialSchedules(db);
    const calendar = await loadCalendar(db);
    const work = options.work ?? config.runJobs;
    const jobs = createJobs(database, {
      work,
      onError: (error) => log.error({ err: error }, 'job queue error'),
    });
    const events = new EventBus(db, jobs, {
      onError: (error) => log.error({ err: error }, 'event dispatch failed'),
      onRedelivery: (subscriber, count) =>
        log.warn({ subscriber, count }, 'events sent again: the subscriber had not handled them'),
      // On PostgreSQL a worker's batch of events is handled in one transaction; the embedded database's one
      // connection is not held that long.
      deliveriesPerTransaction: database.pool ? 20 : 1,
      onBatchRolledBack: (subscriber, count, error) =>
        log.debug(
          { subscriber, count, err: error },
          'a batch of events failed together: delivering one by one',
        ),
    });
    const secret = resolveSecret(config);
    const audit = createAuditLog(secret, {
      onForgedRecord: (seq, id) =>
        log.error({ seq, id }, 'audit record forged or altered before it was sealed: investigate'),
    });
    const authz = createPermissionRegistry({ roles: STAFF_ROLES });
    const mailer = createMailer(
      config.smtp
        ? { transport: 'smtp', smtp: config.smtp, from: config.mailFrom, log }
        : { transport: 'log', from: config.mailFrom, log, devMailbox: config.devMailbox },
    );
    // Every process declares the queue before jobs start: pg-boss refuses a send to a queue that does not exist.
    registerMailJob(jobs, db, mailer);
    const mail = createMailOutbox(jobs);
    const smsSender = createSmsSender(
      config.sms
        ? { transport: 'http', gateway: config.sms, log }
        : { transport: 'log', log, devMailbox: config.devMailbox },
    );
    registerSmsJob(jobs, db, smsSender, { log });
    const sms = createSmsOutbox(jobs);
    // Uploads live in the data directory (beside the embedded database); a test's platform gets a temporary one
    // that goes with it.
    const temporaryFiles = options.files === 'temporary';
    const filesRoot = temporaryFiles
      ? mkdtempSync(path.join(os.tmpdir(), 'yiwang-files-'))
      : filesDirectory(config);
    const kernel: KernelContext = {
      config,
      secret,
      db,
      events,
      jobs,
      calendar,
      log,
      audit,
      authz,
      mail,
      sms,
      files: createDiskFileStore(filesRoot),
      scanner: createVirusScanner(),
    };

    const app =
      options.http === false
        ? undefined
        : await createHttpServer({
            log,
            version: VERSION,
            cookieSecret: secret,
            behindTls: config.behindTls,
            trustProxy: config.trustProxy,
            throttle: config.throttle,
            // Several instances share one PostgreSQL: their budgets must be one (ADR 19).
            ...(database.mode === 'server' ? { throttleCounters: database.executeSql } : {}),
          });
    if (app) {
      registerPlatformRoutes(app, {
        mode: database.mode,
        version: VERSION,
        readiness: async () => {
          const reachable = await ping(db);
          const migrations = reachable
            ? (await migrationStatus(db).catch(() => undefined))?.current === true
            : false;
          return { database: reachable, migrations };
        },
      });
      if (config.devMailbox) registerDevMailbox(app, db, { timeZone: config.timeZone });
    }

    const ordered = orderModules(options.modules ?? MODULES);
    const contracts: Record<string, unknown> = {};
    for (const module of ordered) {
      // A bad permission (name, unknown role, duplicate, granted to nobody) stops start-up here.
      authz.register(module.permissions, { module: module.name });
      const deps = Object.fromEntries(module.dependsOn.map((name) => [name, contracts[name]]));
      contracts[module.name] = await module.register({ app, kernel, deps });
    }

    const wantSeed =
      options.seedDemo ??
      (config.demo === 'always' ||
        (config.demo === 'auto' && database.mode === 'embedded' && !(await isDemoSeeded(kernel))));
    const seedReport = wantSeed
      ? (await seedDemoCity(kernel, ordered, contracts, options.seedProgress)).report
      : undefined;

    await jobs.start();
    if (work) events.start();
    // Working processes seal the audit log every second (ADR 10); several may, one at a time.
    const sealer = work
      ? audit.startSealer(db, { onError: (error) => log.error({ err: error }, 'audit sealing failed') })
      : undefined;
    if (app) await app.ready();

    let closing: Promise<void> | undefined;
    return {
      app,
      kernel,
      database,
      contracts,
      seedReport,
      close() {
        closing ??= (async () => {
          if (app) await app.close();
          await events.stop();
          await sealer?.stop();
          await jobs.stop();
          mailer.close();
          await database.close();
          if (temporaryFiles) rmSync(filesRoot, { recursive: true, force: true });
        })();
        return closing;
      },
    };
  } catch (error) {
    if (!options.database) await database.close().catch(() => {});
    throw error;
  }
}
