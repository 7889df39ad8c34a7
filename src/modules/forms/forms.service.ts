import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { AuditEntry, AuditLog } from '../../kernel/audit/audit.ts';
import {
  type Actor,
  actorIdOf,
  assertAllowed,
  auditActorOf,
  type PermissionRegistry,
} from '../../kernel/authz/authz.ts';
import { keyedTtlCache } from '../../kernel/cache.ts';
import { type Db, preparedPerDatabase } from '../../kernel/db/database.ts';
import { AppError, type FieldProblem } from '../../kernel/errors.ts';
import { checkUpload, type FileStore, MATERIAL_TYPES, type VirusScanner } from '../../kernel/files/index.ts';
import { MAX_UPLOAD_BYTES, type UploadedPart } from '../../kernel/http/server.ts';
import type { Locale } from '../../kernel/i18n/index.ts';
import { newId } from '../../kernel/ids.ts';
import type { PersonDetails } from '../identity/index.ts';
import { formDefinitions, formDrafts, formUploads } from './db/forms.tables.ts';
import {
  type AnswerProblem,
  checkAnswers,
  fileAnswers,
  isCertificateMaterial,
  readPage,
  replaceFiles,
  type UploadedFile,
} from './domain/answers.ts';
import type { Answers } from './domain/conditions.ts';
import {
  type DataElement,
  type FormDefinition,
  type FormPage,
  formDefinitionSchema,
} from './domain/form-definition.ts';
import { FormsErrors } from './forms.errors.ts';
import { formsMessages } from './forms.messages.ts';
import { FormsPermissions } from './forms.policy.ts';

type ClientInfo = NonNullable<AuditEntry['request']>;

/** The version of a service's form that new applications use. */
export interface ActiveForm {
  id: string;
  serviceCode: string;
  version: number;
  definition: FormDefinition;
}

/** An application being filled in. */
export interface Draft {
  id: string;
  accountId: string;
  serviceCode: string;
  form: ActiveForm;
  answers: Answers;
  updatedAt: Date;
  submittedCaseId: string | null;
}

export interface FormsService {
  /** The form new applications for this service are made with. */
  activeForm(serviceCode: string): Promise<ActiveForm | undefined>;
  /** A form version by id (a draft's, or a case's). */
  form(id: string): Promise<ActiveForm | undefined>;
  /** Saves and activates a new version of a service's form (the platform administrator); refused with every problem. */
  publishForm(
    actor: Actor,
    serviceCode: string,
    definition: unknown,
    options: { locale: Locale; client: ClientInfo },
  ): Promise<ActiveForm>;
  /** The person's open draft for the service, or a new one with what the platform knows about them filled in. */
  openDraft(
    accountId: string,
    serviceCode: string,
    details: PersonDetails | undefined,
  ): Promise<Draft | undefined>;
  /** A draft of this person; undefined for anyone else's (it is not theirs to see). */
  draft(accountId: string, draftId: string): Promise<Draft | undefined>;
  /** Reads and checks one page; the answers are saved only when the page has no problem. */
  savePage(
    accountId: string,
    draftId: string,
    pageId: string,
    fields: Record<string, unknown>,
    today: string,
  ): Promise<{ draft: Draft; problems: AnswerProblem[] }>;
  /** Records that the draft became a case (idempotent). */
  markSubmitted(draftId: string, caseId: string): Promise<void>;
  /** Every problem of a set of answers against a form, translated, for a refusal (400) naming each field. */
  problems(form: FormDefinition, answers: Answers, today: string, locale: Locale): FieldProblem[];
  /**
   * A material uploaded outside a form's page (the API): checked on its content, stored and recorded as the
   * account's, or refused with a translated reason (FormsErrors.uploadRefused, 422).
   */
  upload(accountId: string, part: { filename: string; bytes: Buffer }, locale: Locale): Promise<UploadedFile>;
  /**
   * The answers with every file checked against what `accountId` uploaded: a file they did not upload is refused
   * (400, naming the field), and each file's type, size and scan are those recorded at upload, whatever was sent.
   * No statement when the answers name no file.
   */
  ownUploads(accountId: string, answers: Answers, locale: Locale): Promise<Answers>;
}

/** What a data element holds for a person. */
export function detailOf(details: PersonDetails, element: DataElement, locale: Locale): string | undefined {
  switch (element) {
    case 'person.name':
      return details.name[locale] || details.name['zh-CN'];
    case 'person.idNumber':
      return details.idType === 'resident_id' ? (details.idNumber ?? undefined) : undefined;
    case 'person.phone':
      return details.phone ?? undefined;
    case 'person.email':
      return details.email ?? undefined;
  }
}

/** Answers filled in from the person's details, for every question mapped to a data element. */
export function prefilledAnswers(form: FormDefinition, details: PersonDetails | undefined): Answers {
  const answers: Answers = {};
  if (!details) return answers;
  for (const page of form.pages) {
    const values: Record<string, unknown> = {};
    for (const question of page.questions) {
      if (!question.dataElement) continue;
      // Names are the Chinese name on the ID card whatever the page's language.
      const value = detailOf(details, question.dataElement, 'zh-CN');
      if (value) values[question.id] = value;
    }
    if (Object.keys(values).length > 0) answers[page.id] = values;
  }
  return answers;
}

/** The uploads of one account among the files an application names: on every submission's path (preparedPerDatabase). */
const ownUploadsQuery = preparedPerDatabase((db) =>
  db
    .select()
    .from(formUploads)
    .where(
      and(
        eq(formUploads.accountId, sql.placeholder('accountId')),
        sql`${formUploads.sha256} = any(${sql.placeholder('hashes')}::text[])`,
      ),
    )
    .prepare('forms_own_uploads'),
);

export function createFormsService(deps: {
  db: Db;
  audit: AuditLog;
  authz: PermissionRegistry;
  files: FileStore;
  scanner: VirusScanner;
}): FormsService {
  const { db, audit, authz } = deps;

  /**
   * One upload, checked on its content (type by magic bytes, size, virus scan), stored, and recorded as the
   * account's: only then may an application of theirs name it.
   */
  async function storeUpload(
    accountId: string,
    part: { filename: string; bytes: Buffer },
    maxBytes: number,
    fallbackName: string,
  ): Promise<{ file: UploadedFile } | { problem: Omit<AnswerProblem, 'field'> }> {
    const checked = await checkUpload({
      bytes: part.bytes,
      declaredName: part.filename,
      allowed: MATERIAL_TYPES,
      maxBytes,
    });
    if (!checked.ok) {
      const key =
        checked.reason === 'too-large'
          ? 'error.fileTooLarge'
          : checked.reason === 'empty'
            ? 'error.fileEmpty'
            : 'error.fileType';
      return { problem: { key, params: { max: `${Math.round(maxBytes / 1024 / 1024)} MB` } } };
    }
    const scan = await deps.scanner.scan(part.bytes);
    if (scan.status === 'infected') return { problem: { key: 'error.fileInfected' } };
    const stored = await deps.files.put(part.bytes);
    const file = {
      sha256: stored.sha256,
      name: part.filename.slice(0, 200) || `${fallbackName}.${checked.ext}`,
      mime: checked.mime,
      size: stored.size,
      scan: scan.status === 'clean' ? 'clean' : 'not_scanned',
    } satisfies UploadedFile;
    await db
      .insert(formUploads)
      .values({ accountId, sha256: file.sha256, mime: file.mime, size: file.size, scan: file.scan })
      .onConflictDoUpdate({
        target: [formUploads.accountId, formUploads.sha256],
        set: { scan: file.scan, uploadedAt: sql`now()` },
      });
    return { file };
  }

  /**
   * The page's uploads, checked on their content and stored: each file field becomes the UploadedFile answer, or
   * stays the one uploaded before when the input was left empty, or is refused with its reason.
   */
  async function receiveUploads(
    accountId: string,
    page: FormPage,
    fields: Record<string, unknown>,
    kept: Record<string, unknown>,
  ) {
    const problems: AnswerProblem[] = [];
    const received = { ...fields };
    for (const question of page.questions) {
      if (question.type !== 'file') continue;
      const part = fields[question.id] as UploadedPart | undefined;
      // A certificate the applicant holds, put there by the page in place of an upload (a browser sends only text
      // and files, never such an object).
      if (isCertificateMaterial(part)) continue;
      // The page clears an answer that must not be kept (a certificate that no longer stands in).
      if (part === null) {
        received[question.id] = undefined;
        continue;
      }
      if (!part || typeof part !== 'object' || !Buffer.isBuffer(part.bytes)) {
        received[question.id] = kept[question.id];
        continue;
      }
      const result = await storeUpload(accountId, part, question.maxBytes, question.id);
      if ('problem' in result) {
        problems.push({ field: question.id, ...result.problem });
        received[question.id] = kept[question.id];
      } else {
        received[question.id] = result.file;
      }
    }
    return { received, problems };
  }

  const toForm = (row: typeof formDefinitions.$inferSelect): ActiveForm => ({
    id: row.id,
    serviceCode: row.serviceCode,
    version: row.version,
    definition: row.definition,
  });

  // Every application reads its service's active form: kept briefly (another instance checks answers against the
  // version a publication retired this late, as a draft begun before it would be anyway), forgotten when this
  // process publishes.
  const activeForms = keyedTtlCache(async (serviceCode: string) => {
    const [row] = await db
      .select()
      .from(formDefinitions)
      .where(and(eq(formDefinitions.serviceCode, serviceCode), eq(formDefinitions.state, 'active')));
    return row ? toForm(row) : undefined;
  }, 5_000);

  // A published version never changes (a new one is published instead): kept for a minute, read again only when
  // another version pushes it out.
  const formsById = keyedTtlCache(
    async (id: string) => {
      const [row] = await db.select().from(formDefinitions).where(eq(formDefinitions.id, id));
      return row ? toForm(row) : undefined;
    },
    60_000,
    200,
  );
  const formById = (id: string) => formsById.get(id);

  async function draftRow(accountId: string, draftId: string) {
    const [row] = await db
      .select()
      .from(formDrafts)
      .where(and(eq(formDrafts.id, draftId), eq(formDrafts.accountId, accountId)));
    return row;
  }

  async function toDraft(row: typeof formDrafts.$inferSelect): Promise<Draft> {
    const form = await formById(row.formId);
    if (!form) throw new Error(`form ${row.formId} of draft ${row.id} is missing`);
    return {
      id: row.id,
      accountId: row.accountId,
      serviceCode: row.serviceCode,
      form,
      answers: row.answers,
      updatedAt: row.updatedAt,
      submittedCaseId: row.submittedCaseId,
    };
  }

  const service: FormsService = {
    activeForm(serviceCode) {
      return activeForms.get(serviceCode);
    },

    form: formById,

    async publishForm(actor, serviceCode, input, { locale, client }) {
      const decision = authz.authorize(actor, FormsPermissions.formManage, { type: 'forms.form' });
      assertAllowed(decision);
      const parsed = formDefinitionSchema.safeParse(input);
      if (!parsed.success) {
        const t = formsMessages.translator(locale);
        const fields = parsed.error.issues.map((issue) => ({
          path: issue.path.join('.'),
          message: formsMessages.has(issue.message) ? t(issue.message) : issue.message,
        }));
        throw new AppError(FormsErrors.formInvalid, { count: String(fields.length) }, fields);
      }
      const published = await db.transaction(async (tx) => {
        const [last] = await tx
          .select({ version: formDefinitions.version })
          .from(formDefinitions)
          .where(eq(formDefinitions.serviceCode, serviceCode))
          .orderBy(desc(formDefinitions.version))
          .limit(1);
        await tx
          .update(formDefinitions)
          .set({ state: 'retired' })
          .where(and(eq(formDefinitions.serviceCode, serviceCode), eq(formDefinitions.state, 'active')));
        const [row] = await tx
          .insert(formDefinitions)
          .values({
            id: newId('form'),
            serviceCode,
            version: (last?.version ?? 0) + 1,
            state: 'active',
            definition: parsed.data,
            createdBy: actorIdOf(actor) ?? 'unknown',
            activatedAt: new Date(),
          })
          .returning();
        if (!row) throw new Error('form not written');
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: 'forms.form.published',
          object: { type: 'forms.form', id: row.id },
          request: client,
          details: { serviceCode, version: row.version },
        });
        return toForm(row);
      });
      activeForms.invalidate();
      return published;
    },

    async openDraft(accountId, serviceCode, details) {
      const [open] = await db
        .select()
        .from(formDrafts)
        .where(
          and(
            eq(formDrafts.accountId, accountId),
            eq(formDrafts.serviceCode, serviceCode),
            isNull(formDrafts.submittedCaseId),
          ),
        );
      if (open) return toDraft(open);
      const form = await service.activeForm(serviceCode);
      if (!form) return undefined;
      // Two tabs opening the same service at once: the partial unique index keeps one open draft.
      const [created] = await db
        .insert(formDrafts)
        .values({
          id: newId('draft'),
          accountId,
          serviceCode,
          formId: form.id,
          answers: prefilledAnswers(form.definition, details),
        })
        .onConflictDoNothing()
        .returning();
      if (created) return toDraft(created);
      return service.openDraft(accountId, serviceCode, details);
    },

    async draft(accountId, draftId) {
      const row = await draftRow(accountId, draftId);
      return row ? toDraft(row) : undefined;
    },

    async savePage(accountId, draftId, pageId, fields, today) {
      const row = await draftRow(accountId, draftId);
      if (!row) throw new AppError(FormsErrors.draftNotFound);
      if (row.submittedCaseId) throw new AppError(FormsErrors.draftSubmitted);
      const draft = await toDraft(row);
      const page = draft.form.definition.pages.find((p) => p.id === pageId);
      if (!page) throw new AppError(FormsErrors.draftNotFound);
      const kept = (draft.answers[page.id] ?? {}) as Record<string, unknown>;
      const uploads = await receiveUploads(accountId, page, fields, kept);
      const read = readPage(page, uploads.received, draft.answers, today);
      const values = read.values;
      // A refused upload is reported once, as its reason, not also as "upload the file".
      const refused = new Set(uploads.problems.map((p) => p.field));
      const problems = [...uploads.problems, ...read.problems.filter((p) => !refused.has(p.field))];
      const answers = { ...draft.answers, [page.id]: values };
      // Only this page's answers are replaced, in one statement: a second tab saving another page is not undone.
      const savePageAnswers = (pageAnswers: Record<string, unknown>) =>
        db
          .update(formDrafts)
          .set({
            answers: sql`jsonb_set(${formDrafts.answers}, ${sql.raw(`'{${page.id}}'`)}, ${JSON.stringify(pageAnswers)}::jsonb)`,
            updatedAt: new Date(),
          })
          .where(and(eq(formDrafts.id, draftId), isNull(formDrafts.submittedCaseId)))
          .returning();
      if (problems.length > 0) {
        // Files accepted on a page that has other mistakes are kept all the same: the page says they are, and the
        // applicant should not have to choose them again after correcting a number.
        const accepted = page.questions.filter(
          (q) => q.type === 'file' && uploads.received[q.id] !== kept[q.id] && !refused.has(q.id),
        );
        if (accepted.length > 0)
          await savePageAnswers({
            ...kept,
            ...Object.fromEntries(accepted.map((q) => [q.id, uploads.received[q.id]])),
          });
        return { draft: { ...draft, answers }, problems };
      }
      const [saved] = await savePageAnswers(values);
      if (!saved) throw new AppError(FormsErrors.draftSubmitted);
      return { draft: await toDraft(saved), problems: [] };
    },

    async markSubmitted(draftId, caseId) {
      await db
        .update(formDrafts)
        .set({ submittedCaseId: caseId, submittedAt: new Date() })
        .where(and(eq(formDrafts.id, draftId), isNull(formDrafts.submittedCaseId)));
    },

    async upload(accountId, part, locale) {
      const result = await storeUpload(accountId, part, MAX_UPLOAD_BYTES, 'material');
      if ('file' in result) return result.file;
      const t = formsMessages.translator(locale);
      throw new AppError(FormsErrors.uploadRefused, { reason: t(result.problem.key, result.problem.params) });
    },

    async ownUploads(accountId, answers, locale) {
      const named = fileAnswers(answers);
      if (named.length === 0) return answers;
      const rows = await ownUploadsQuery(db).execute({
        accountId,
        hashes: named.map((n) => n.file.sha256),
      });
      const uploaded = new Map(rows.map((r) => [r.sha256, r]));
      const missing = named.filter((n) => !uploaded.has(n.file.sha256));
      if (missing.length > 0) {
        const t = formsMessages.translator(locale);
        throw new AppError(
          FormsErrors.answersInvalid,
          { count: String(missing.length) },
          missing.map((n) => ({ path: n.field, message: t('error.fileNotUploaded') })),
        );
      }
      return replaceFiles(answers, (file) => {
        const row = uploaded.get(file.sha256);
        return row
          ? {
              sha256: file.sha256,
              name: String(file.name ?? '').slice(0, 200),
              mime: row.mime,
              size: row.size,
              scan: row.scan,
            }
          : file;
      });
    },

    problems(form, answers, today, locale) {
      const t = formsMessages.translator(locale);
      return checkAnswers(form, answers, today).map((p) => ({ path: p.field, message: t(p.key, p.params) }));
    },
  };
  return service;
}
