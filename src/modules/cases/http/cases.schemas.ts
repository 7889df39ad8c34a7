import { z } from 'zod';
import { CASE_STATES, TASK_OUTCOMES, TASK_STATES } from '../db/cases.tables.ts';
import { processDefinitionSchema, STEP_KINDS } from '../domain/process-definition.ts';

const CivilDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const CaseTaskSchema = z
  .object({
    id: z.string(),
    caseId: z.string(),
    nodeId: z.string().describe('The step in the process definition'),
    kind: z.enum(STEP_KINDS),
    departmentCode: z.string(),
    role: z.string(),
    state: z.enum(TASK_STATES),
    outcome: z.enum(TASK_OUTCOMES).nullable(),
    reason: z
      .string()
      .nullable()
      .describe(
        'A rejection’s reason; to staff also an approver’s note (the applicant sees only a rejection’s reason)',
      ),
    claimedBy: z
      .string()
      .nullable()
      .optional()
      .describe('Staff only: the account that claimed the step; absent from the applicant’s view'),
    openedOn: CivilDate,
    dueOn: CivilDate.nullable().describe(
      'The step’s own due date; null without a limit of its own or while paused',
    ),
    decidedAt: z.iso.datetime().nullable(),
    revision: z.number().int().describe('Send it back with a decision: a stale revision is refused (409)'),
  })
  .meta({ id: 'CaseTask' });

const CaseCore = {
  id: z.string(),
  number: z
    .string()
    .describe('SJ-2026-0000042-K: department, year, sequence and an ISO 7064 check character'),
  serviceCode: z.string(),
  departmentCode: z.string(),
  organisationId: z.string().nullable(),
  channel: z.enum(['online', 'counter']),
  state: z.enum(CASE_STATES),
  startedOn: CivilDate,
  statutoryDays: z.number().int(),
  promisedDays: z.number().int(),
  dueOn: CivilDate.nullable().describe(
    'The promised date in working days; null while waiting for the applicant',
  ),
  statutoryDueOn: CivilDate.nullable(),
  missing: z.array(z.string()).describe('What the applicant was asked to supply, all at once'),
  submittedAt: z.iso.datetime(),
  closedAt: z.iso.datetime().nullable(),
};

export const CaseSummarySchema = z.object(CaseCore).meta({ id: 'CaseSummary' });

export const CaseSchema = z
  .object({
    ...CaseCore,
    answers: z
      .record(z.string(), z.unknown())
      .describe(
        'The answers by page and question; the applicant’s ID and phone numbers (in groups too) are masked for all but the applicant',
      ),
    tasks: z.array(CaseTaskSchema),
    timeline: z
      .array(
        z.object({
          at: z.iso.datetime(),
          kind: z.string(),
          departmentCode: z.string().nullable(),
          details: z.record(z.string(), z.unknown()),
        }),
      )
      .describe(
        'What happened, oldest first; the applicant sees only the public kinds and details (no internal notes)',
      ),
  })
  .meta({ id: 'Case' });

export const SubmissionBody = z
  .object({
    serviceCode: z.string().regex(/^[A-Za-z]{2,6}-\d{4}$/),
    answers: z.record(z.string(), z.unknown()),
    organisationId: z.string().max(64).optional(),
  })
  .meta({ id: 'Submission' });

export const IntakeBody = z
  .object({
    applicant: z
      .string()
      .min(1)
      .max(64)
      .describe('The user name of the person the clerk serves at the counter'),
    serviceCode: z.string().regex(/^[A-Za-z]{2,6}-\d{4}$/),
    answers: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'CounterIntake' });

export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\w.:-]{8,100}$/)
    .describe('Chosen once per application (a UUID): a retry with the same key returns the same case'),
});

export const CaseParams = z.object({ id: z.string().min(1).max(64) });
export const TaskParams = z.object({ id: z.string().min(1).max(64) });

export const DecisionBody = z
  .discriminatedUnion('outcome', [
    z.object({
      outcome: z.literal('approve'),
      revision: z.number().int(),
      note: z.string().max(2000).optional(),
    }),
    z.object({
      outcome: z.literal('reject'),
      revision: z.number().int(),
      reason: z.string().trim().min(1).max(2000),
    }),
    z.object({
      outcome: z.literal('supplement'),
      revision: z.number().int(),
      missing: z
        .array(z.string().trim().min(1).max(200))
        .min(1)
        .max(50)
        .describe('Every missing item, at once'),
    }),
  ])
  .meta({ id: 'TaskDecision' });

export const RevisionBody = z.object({ revision: z.number().int() });
export const NoteBody = z.object({ note: z.string().max(2000).default('') });
export const ReasonBody = z.object({ reason: z.string().max(500).default('') });

export const InboxQuery = z.object({
  view: z.enum(['all', 'soon', 'overdue', 'paused', 'mine']).default('all'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const InboxSchema = z
  .object({
    items: z.array(
      CaseTaskSchema.extend({
        caseNumber: z.string(),
        serviceCode: z.string(),
        caseState: z.enum(CASE_STATES),
      }),
    ),
  })
  .meta({ id: 'Inbox' });

export const ServiceParams = z.object({ code: z.string().regex(/^[A-Za-z]{2,6}-\d{4}$/) });

export const DefinitionSchema = z
  .object({
    id: z.string(),
    serviceCode: z.string(),
    version: z.number().int(),
    state: z.enum(['draft', 'active', 'retired']),
    definition: processDefinitionSchema,
    note: z.string(),
    createdAt: z.iso.datetime(),
    activatedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'ProcessDefinitionVersion' });

export const DefinitionDraftBody = z.object({
  definition: z.unknown().describe('A process definition (nodes: task, parallel, join, choice, end)'),
  note: z.string().max(500).default(''),
});

/** A material uploaded through the API, as JSON (a cookie-signed-in client may send only JSON: see the kernel). */
export const UploadBody = z
  .object({
    name: z.string().trim().min(1).max(200).meta({ description: 'The file name, shown to staff' }),
    content: z
      .base64()
      .max(28_000_000)
      .meta({ description: 'The file, base64: PDF, JPG or PNG by its content, at most 20 MB' }),
  })
  .meta({ id: 'UploadBody' });

export const UploadedFileSchema = z
  .object({
    sha256: z.string().meta({ description: 'Name the file by this in an application’s answers' }),
    name: z.string(),
    mime: z.enum(['application/pdf', 'image/jpeg', 'image/png']).or(z.string()),
    size: z.number().int(),
    scan: z.enum(['clean', 'not_scanned']),
  })
  .meta({ id: 'UploadedFile' });
