import type { FastifyInstance } from 'fastify';
import type { AuditLog } from './audit/audit.ts';
import type { Permission, PermissionRegistry } from './authz/authz.ts';
import type { WorkingDayCalendar } from './calendar/working-days.ts';
import type { Config } from './config.ts';
import type { Db } from './db/database.ts';
import type { EventBus } from './events/events.ts';
import type { FileStore, VirusScanner } from './files/index.ts';
import type { Jobs } from './jobs/jobs.ts';
import type { Logger } from './logger.ts';
import type { MailOutbox } from './mail/mail.ts';
import type { SmsOutbox } from './sms/sms.ts';

/** What the kernel hands every module: no domain words, only infrastructure. */
export interface KernelContext {
  readonly config: Config;
  /** The platform secret: from YIWANG_SECRET, or kept in the embedded data directory. Never log it. */
  readonly secret: string;
  readonly db: Db;
  readonly events: EventBus;
  readonly jobs: Jobs;
  readonly calendar: WorkingDayCalendar;
  /** The tamper-evident audit log: record every state change and every read of personal data, in its transaction. */
  readonly audit: AuditLog;
  /** The one authorisation policy: every module's permissions, deny by default. */
  readonly authz: PermissionRegistry;
  /** Outgoing mail: `mail.queue(tx, message)` stores it and enqueues delivery in the transaction of the change. */
  readonly mail: MailOutbox;
  /** Outgoing text messages: `sms.queue(tx, message)` stores one and enqueues delivery in the transaction of the change. */
  readonly sms: SmsOutbox;
  /** Uploaded files by the SHA-256 of their bytes (on disk in the data directory; a later S3-compatible store fits). */
  readonly files: FileStore;
  /** ClamAV when installed; otherwise every file is recorded as not scanned. */
  readonly scanner: VirusScanner;
  readonly log: Logger;
}

/** Output for `yiwang seed --demo`: lines people need to see, such as the demo accounts. */
export interface SeedReport {
  lines: string[];
}

/**
 * The manifest each module exports from its `index.ts`. `register` receives the contracts of the modules it
 * depends on (and only those), and returns its own contract for the modules above it.
 */
export interface ModuleManifest<Contract = unknown> {
  readonly name: string;
  readonly dependsOn: readonly string[];
  /** The permissions this module defines (`<module>.<entity>.<verb>`, made with `definePermission`). */
  readonly permissions: readonly Permission[];
  /** Builds the module's services and, when `app` is given, its routes. Called once, in dependency order. */
  register(input: {
    app: FastifyInstance | undefined;
    kernel: KernelContext;
    deps: Record<string, unknown>;
  }): Promise<Contract>;
  /** Adds the demo city's data for this module, inside the seeding transaction; must be idempotent. */
  seedDemo?(input: { tx: Db; kernel: KernelContext; contract: Contract; report: SeedReport }): Promise<void>;
}

/** Orders modules so each comes after what it depends on; refuses unknown dependencies, duplicates and cycles. */
export function orderModules(manifests: readonly ModuleManifest[]): ModuleManifest[] {
  const byName = new Map<string, ModuleManifest>();
  for (const m of manifests) {
    if (byName.has(m.name)) throw new Error(`Module ${m.name} is registered twice.`);
    byName.set(m.name, m);
  }
  const ordered: ModuleManifest[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (m: ModuleManifest, trail: string[]) => {
    if (state.get(m.name) === 'done') return;
    if (state.get(m.name) === 'visiting') {
      throw new Error(`Module dependencies form a cycle: ${[...trail, m.name].join(' → ')}.`);
    }
    state.set(m.name, 'visiting');
    for (const dep of m.dependsOn) {
      const target = byName.get(dep);
      if (!target) throw new Error(`Module ${m.name} depends on ${dep}, which is not registered.`);
      visit(target, [...trail, m.name]);
    }
    state.set(m.name, 'done');
    ordered.push(m);
  };
  for (const m of manifests) visit(m, []);
  return ordered;
}
