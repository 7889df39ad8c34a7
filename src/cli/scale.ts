/*
 * `yiwang seed --scale city`: a city-sized data set on top of the demo city, so that what the platform promises at
 * a city's size (the inbox, search, "my cases", the audit trail, look-ups of people) can be checked at that size
 * (bench/scale.ts) — 500,000 people, 100,000 catalogue items, 1,000,000 cases with their steps and audit records.
 *
 * Each part is made by its own module's generator in set-based INSERTs (src/modules/identity/generate.ts,
 * src/modules/catalogue/domain/generate.ts through the real import, src/modules/cases/generate.ts), then the audit
 * records are sealed into the hash chain as the platform's sealer would. Every part tops up to its size: a second
 * run, or one after a crash or Ctrl-C, adds only what is missing (a case batch commits whole or not at all).
 */
import { like, sql } from 'drizzle-orm';
import type { Platform } from '../app.ts';
import { auditLogSize } from '../kernel/audit/audit.ts';
import type { StaffActor } from '../kernel/authz/authz.ts';
import { queryRows } from '../kernel/db/database.ts';
import { type Progress, tickTo } from '../kernel/progress.ts';
import { cases } from '../modules/cases/db/cases.tables.ts';
import { type GeneratedStaff, generateCases } from '../modules/cases/generate.ts';
import type { CatalogueContract } from '../modules/catalogue/contract.ts';
import { generateItems } from '../modules/catalogue/domain/generate.ts';
import type { CatalogueModule } from '../modules/catalogue/index.ts';
import type { FormsService } from '../modules/forms/index.ts';
import { generatePeople } from '../modules/identity/generate.ts';
import { DEMO_PEOPLE } from '../modules/identity/identity.seed.ts';
import type { IdentityContract } from '../modules/identity/index.ts';
import type { OrganisationsContract } from '../modules/organisations/contract.ts';

/** How much of each kind a scale stands for. */
export interface ScaleSize {
  people: number;
  items: number;
  cases: number;
}

/** The named scales: a city (the size, for PostgreSQL) and a town (a quick look, embedded or not). */
export const SCALES = {
  city: { people: 500_000, items: 100_000, cases: 1_000_000 },
  town: { people: 5_000, items: 2_000, cases: 10_000 },
} as const satisfies Record<string, ScaleSize>;
export type ScaleName = keyof typeof SCALES;

/** The most an embedded (PGlite) database is asked to hold: a city is for PostgreSQL. */
export const EMBEDDED_MAX_CASES = 200_000;

/** What a scale seeding did, part by part. */
export interface ScaleReport {
  people: { added: number; total: number; seconds: number };
  items: { imported: number; total: number; seconds: number };
  cases: { added: number; total: number; tasks: number; auditRecords: number; seconds: number };
  seal: { records: number; blocks: number; seconds: number };
  vacuumSeconds: number;
}

export interface SeedAtScaleOptions {
  /** Makes the progress bar of a part. */
  progress: (label: string, total: number) => Progress;
  /** Cases per INSERT (default 5,000). */
  batchSize?: number;
}

const since = (started: number) => (performance.now() - started) / 1000;

/**
 * The demo city's clerks, reviewers and heads as they claimed and decided the generated steps (steps of a role no
 * demo account holds stay unclaimed and are decided by nobody named).
 */
async function demoStaff(identity: IdentityContract): Promise<GeneratedStaff[]> {
  const staff: GeneratedStaff[] = [];
  for (const person of DEMO_PEOPLE) {
    if (person.kind !== 'staff') continue;
    const account = await identity.findAccount(person.username);
    const actor = account ? await identity.actorOf(account.id) : undefined;
    if (actor?.kind === 'staff') staff.push(actor as StaffActor);
  }
  return staff;
}

/**
 * Brings the database up to `size` on top of the seeded demo city: people, then catalogue items, then cases with
 * their steps and audit records, then the audit chain sealed over them, then the planner's statistics refreshed.
 */
export async function seedAtScale(
  platform: Platform,
  size: ScaleSize,
  options: SeedAtScaleOptions,
): Promise<ScaleReport> {
  const { db, audit } = platform.kernel;
  const identity = platform.contracts.identity as IdentityContract;
  const catalogue = platform.contracts.catalogue as CatalogueModule;

  // People first: the cases name them as applicants.
  let started = performance.now();
  let progress = options.progress('People', size.people);
  const people = await generatePeople(db, size.people, { progress });
  progress.stop();
  const [peopleRow] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from identity_accounts where kind = 'public'`,
  );
  const report: ScaleReport = {
    people: { added: people.added, total: peopleRow?.n ?? 0, seconds: since(started) },
    items: { imported: 0, total: 0, seconds: 0 },
    cases: { added: 0, total: 0, tasks: 0, auditRecords: 0, seconds: 0 },
    seal: { records: 0, blocks: 0, seconds: 0 },
    vacuumSeconds: 0,
  };

  // Catalogue items through the real import (search documents, versions, the published projection). It is
  // idempotent by code, but reading 100,000 unchanged items takes minutes: skipped once the catalogue is that big.
  started = performance.now();
  const published = (await catalogue.listServices({ limit: 1 })).total;
  if (published < size.items) {
    const departments = (
      await (platform.contracts.organisations as OrganisationsContract).listDepartments()
    ).map((d) => d.code);
    const topics = (await catalogue.listTopics()).map((t) => t.code);
    progress = options.progress('Catalogue items (made)', size.items);
    const items = generateItems(size.items, departments, topics.length > 0 ? topics : ['general'], [], (n) =>
      progress.tick(n),
    );
    progress.stop();
    progress = options.progress('Catalogue items (imported)', items.length);
    const imported = await catalogue.importFile(
      JSON.stringify({ format: 'yiwang-catalogue', version: 1, items }),
      {
        format: 'json',
        locale: 'en',
        source: 'seed --scale',
        onProgress: tickTo(progress),
      },
    );
    progress.stop();
    if (!imported.imported)
      throw new Error(
        `The generated catalogue was refused: ${imported.problems[0]?.message ?? 'no reason given'}`,
      );
    report.items.imported = imported.items.created + imported.items.updated;
  }
  report.items.total = (await catalogue.listServices({ limit: 1 })).total;
  report.items.seconds = since(started);

  // Cases, topped up to the size: generated ones are told apart by their generated applicants.
  started = performance.now();
  const generated = like(cases.applicantId, 'acct_GEN%');
  const countGenerated = async () =>
    (await db.select({ n: sql<number>`count(*)::int` }).from(cases).where(generated))[0]?.n ?? 0;
  const missing = Math.max(0, size.cases - (await countGenerated()));
  if (missing > 0) {
    progress = options.progress('Cases with their steps and audit records', missing);
    try {
      const made = await generateCases(db, missing, {
        catalogue: platform.contracts.catalogue as CatalogueContract,
        forms: platform.contracts.forms as FormsService,
        staff: await demoStaff(identity),
        audit,
        applicants: Math.max(1, size.people),
        timeZone: platform.kernel.config.timeZone,
        calendar: platform.kernel.calendar,
        batchSize: options.batchSize,
        progress,
      });
      report.cases.added = made.cases;
      report.cases.tasks = made.tasks;
      report.cases.auditRecords = made.auditRecords;
    } finally {
      progress.stop();
    }
  }
  report.cases.total = await countGenerated();
  report.cases.seconds = since(started);

  // Seal what was appended, as the sealer of a running platform would within a second of each append.
  started = performance.now();
  const before = await auditLogSize(db);
  const [last] = await queryRows<{ seq: string | null }>(
    db,
    sql`select max(seq)::text as seq from kernel_audit_records`,
  );
  progress = options.progress(
    'Sealing the audit chain',
    Math.max(0, Number(last?.seq ?? 0) - before.sealedThrough),
  );
  try {
    const sealed = await audit.seal(db, (records) => progress.tick(records));
    report.seal = { records: sealed.sealed, blocks: sealed.blocks, seconds: since(started) };
  } finally {
    progress.stop();
  }

  // A bulk load leaves pages the visibility map does not know as all-visible, so index-only scans would read the
  // table anyway until autovacuum came by; and the planner needs statistics of the new rows.
  started = performance.now();
  for (const table of [
    'identity_accounts',
    'cases_cases',
    'cases_tasks',
    'kernel_audit_records',
    'kernel_audit_lookup',
    'catalogue_items',
    'catalogue_item_versions',
    'catalogue_published',
    'catalogue_published_facets',
  ])
    await db.execute(sql.raw(`vacuum (analyze) ${table}`));
  report.vacuumSeconds = since(started);
  return report;
}
