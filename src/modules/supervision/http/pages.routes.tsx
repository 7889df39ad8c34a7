import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { $ZodIssue } from 'zod/v4/core';
import type { AuditRecordView, AuditSearchPage } from '../../../kernel/audit/audit.search.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import type { Locale } from '../../../kernel/i18n/index.ts';
import {
  DataTable,
  ErrorSummary,
  type FieldError,
  FormGroup,
  NotificationBanner,
  PageLinks,
  TagStatus,
  TextField,
} from '../../../kernel/views/components.tsx';
import type { IdentityContract } from '../../identity/index.ts';
import { supervisionMessages } from '../supervision.messages.ts';
import type { AuditSearchFilters, SupervisionService } from '../supervision.service.ts';
import { AuditSearchQuery, FILTER_MAX_LENGTH, PURPOSE_MAX_LENGTH } from './supervision.schemas.ts';

type Translate = ReturnType<typeof supervisionMessages.translator>;
type MessageKey = (typeof supervisionMessages.keys)[number];

/** The form's fields in page order; their names are the query's keys and the inputs' ids. */
const FIELDS = [
  'purpose',
  'actorId',
  'action',
  'objectType',
  'objectId',
  'subjectId',
  'from',
  'to',
  'outcome',
] as const;
type FieldName = (typeof FIELDS)[number];
type Values = Partial<Record<FieldName, string>>;

const LABELS: Record<FieldName, MessageKey> = {
  purpose: 'search.purpose',
  actorId: 'search.actor',
  action: 'search.action',
  objectType: 'search.objectType',
  objectId: 'search.objectId',
  subjectId: 'search.subject',
  from: 'search.from',
  to: 'search.to',
  outcome: 'search.outcome',
};

const OUTCOMES = ['success', 'denied', 'failure'] as const;
const OUTCOME_TONE = { success: 'success', denied: 'danger', failure: 'warning' } as const;
const PATH = '/supervision/audit';

function clientOf(request: FastifyRequest) {
  return {
    clientAddress: request.ip,
    userAgent: request.headers['user-agent'],
    requestId: String(request.id),
  };
}

/** What the visitor typed, to show again: only plain strings (a repeated key is not shown back). */
function valuesOf(query: Record<string, unknown>): Values {
  return Object.fromEntries(
    FIELDS.flatMap((name) => (typeof query[name] === 'string' ? [[name, query[name] as string]] : [])),
  );
}

/** One message per field, in the form's order, each linking to its input. */
function problemsOf(issues: readonly $ZodIssue[], m: Translate): FieldError[] {
  const byField = new Map<FieldName, string>();
  for (const issue of issues) {
    const field = FIELDS.find((name) => name === issue.path[0]);
    if (!field || byField.has(field)) continue;
    const key: MessageKey = supervisionMessages.has(issue.message) ? issue.message : 'error.invalid';
    const max = field === 'purpose' ? PURPOSE_MAX_LENGTH : FILTER_MAX_LENGTH;
    byField.set(field, m(key, { field: m(LABELS[field]), max }));
  }
  return FIELDS.flatMap((fieldId) => {
    const message = byField.get(fieldId);
    return message ? [{ fieldId, message }] : [];
  });
}

/** The address of a search: the purpose first, then the filters given (with `before` for an older page). */
function searchHref(filters: AuditSearchFilters, purpose: string): string {
  const query = new URLSearchParams({ purpose });
  for (const [key, value] of Object.entries(filters)) {
    if (value !== undefined) query.set(key, String(value));
  }
  return `${PATH}?${query}`;
}

function Cell({ text }: { text: string | null }) {
  return text ? <code>{text}</code> : <>—</>;
}

/** The results table: one row per record, times in the platform's time zone. */
function Results(props: { page: AuditSearchPage; m: Translate; locale: Locale; timeZone: string }) {
  const { page, m } = props;
  const time = new Intl.DateTimeFormat(props.locale, {
    timeZone: props.timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const kindKey = (kind: string) => `actorKind.${kind}`;
  return (
    <DataTable<AuditRecordView>
      caption={m('results.caption', { count: page.records.length })}
      rows={page.records}
      rowKey={(r) => r.seq}
      empty={m('results.empty')}
      columns={[
        {
          header: m('results.time'),
          cell: (r) => <time datetime={r.occurredAt.toISOString()}>{time.format(r.occurredAt)}</time>,
        },
        {
          header: m('results.actor'),
          cell: (r) => (
            <>
              {supervisionMessages.has(kindKey(r.actorKind))
                ? m(kindKey(r.actorKind) as MessageKey)
                : r.actorKind}
              {r.actorId ? (
                <>
                  <br />
                  <code>{r.actorId}</code>
                </>
              ) : null}
              {r.mandateId ? (
                <>
                  <br />
                  {m('results.mandate', { id: r.mandateId })}
                </>
              ) : null}
            </>
          ),
        },
        { header: m('results.role'), cell: (r) => <Cell text={r.role} /> },
        { header: m('results.department'), cell: (r) => <Cell text={r.department} /> },
        { header: m('results.action'), cell: (r) => <code>{r.action}</code> },
        {
          header: m('results.object'),
          cell: (r) => <Cell text={r.objectType ? `${r.objectType} ${r.objectId ?? ''}`.trim() : null} />,
        },
        { header: m('results.subject'), cell: (r) => <Cell text={r.subjectId} /> },
        {
          header: m('results.outcome'),
          cell: (r) => <TagStatus text={m(`outcome.${r.outcome}`)} tone={OUTCOME_TONE[r.outcome]} />,
        },
        { header: m('results.purpose'), cell: (r) => r.purpose ?? '—' },
      ]}
    />
  );
}

/** The auditor's search of the audit log (监察): a GET form that works without JavaScript, and its results. */
export function registerSupervisionPages(
  app: FastifyInstance,
  service: SupervisionService,
  identity: IdentityContract,
  options: { timeZone: string },
): void {
  function searchPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    view: {
      values: Values;
      problems?: FieldError[];
      /** A search that arrived from another site: shown filled in, run only when the auditor confirms. */
      confirm?: boolean;
      results?: { page: AuditSearchPage; filters: AuditSearchFilters; purpose: string };
    },
  ): FastifyReply {
    const m = supervisionMessages.translator(request.locale);
    const problems = view.problems ?? [];
    const values = view.values;
    const errorFor = (id: FieldName) => problems.find((e) => e.fieldId === id)?.message;
    const dateHint = m('search.dateHint', { timeZone: options.timeZone });
    const outcomeError = problems.find((p) => p.fieldId === 'outcome')?.message;
    const results = view.results;
    // Audit records are for the auditor's eyes only: no shared or browser cache keeps them.
    reply.header('cache-control', 'no-store');
    return sendPage(
      request,
      reply,
      { title: m('search.title'), status, breadcrumbs: [{ label: m('search.title') }] },
      (ctx) => (
        <>
          <ErrorSummary title={m('search.problem')} errors={problems} />
          <h1>{m('search.title')}</h1>
          <p class="lead">{m('search.lead')}</p>
          {view.confirm ? (
            <NotificationBanner title={m('search.confirmTitle')}>{m('search.confirm')}</NotificationBanner>
          ) : null}
          <form method="get" action={PATH} novalidate aria-labelledby="search-form-title">
            <h2 id="search-form-title">{m('search.form')}</h2>
            <TextField
              id="purpose"
              label={m('search.purpose')}
              hint={m('search.purposeHint')}
              required
              maxLength={PURPOSE_MAX_LENGTH}
              value={values.purpose}
              error={errorFor('purpose')}
              spellcheck={false}
              autocomplete="off"
            />
            <TextField
              id="actorId"
              label={m('search.actor')}
              hint={m('search.actorHint')}
              value={values.actorId}
              error={errorFor('actorId')}
              spellcheck={false}
              autocomplete="off"
            />
            <TextField
              id="action"
              label={m('search.action')}
              hint={m('search.actionHint')}
              value={values.action}
              error={errorFor('action')}
              spellcheck={false}
              autocomplete="off"
            />
            <TextField
              id="objectType"
              label={m('search.objectType')}
              hint={m('search.objectTypeHint')}
              value={values.objectType}
              error={errorFor('objectType')}
              spellcheck={false}
              autocomplete="off"
            />
            <TextField
              id="objectId"
              label={m('search.objectId')}
              value={values.objectId}
              error={errorFor('objectId')}
              spellcheck={false}
              autocomplete="off"
            />
            <TextField
              id="subjectId"
              label={m('search.subject')}
              hint={m('search.subjectHint')}
              value={values.subjectId}
              error={errorFor('subjectId')}
              spellcheck={false}
              autocomplete="off"
            />
            <TextField
              id="from"
              label={m('search.from')}
              hint={dateHint}
              type="date"
              value={values.from}
              error={errorFor('from')}
              spellcheck={false}
              autocomplete="off"
            />
            <TextField
              id="to"
              label={m('search.to')}
              hint={dateHint}
              type="date"
              value={values.to}
              error={errorFor('to')}
              spellcheck={false}
              autocomplete="off"
            />
            <FormGroup id="outcome" label={m('search.outcome')} error={outcomeError}>
              {(describedBy) => (
                <select
                  id="outcome"
                  name="outcome"
                  aria-describedby={describedBy}
                  aria-invalid={outcomeError ? 'true' : undefined}
                >
                  <option value="">{m('search.outcome.any')}</option>
                  {OUTCOMES.map((outcome) => (
                    <option value={outcome} selected={view.values.outcome === outcome} key={outcome}>
                      {m(`outcome.${outcome}`)}
                    </option>
                  ))}
                </select>
              )}
            </FormGroup>
            <button type="submit" class="button">
              {m('search.submit')}
            </button>
          </form>
          {results ? (
            <>
              <h2 id="results">{m('results.title')}</h2>
              <Results page={results.page} m={m} locale={ctx.locale} timeZone={options.timeZone} />
              <PageLinks
                label={m('results.pages')}
                first={
                  results.filters.before !== undefined
                    ? {
                        href: searchHref({ ...results.filters, before: undefined }, results.purpose),
                        text: m('results.newest'),
                      }
                    : undefined
                }
                next={
                  results.page.nextBefore !== undefined
                    ? {
                        href: searchHref(
                          { ...results.filters, before: results.page.nextBefore },
                          results.purpose,
                        ),
                        text: m('results.older'),
                      }
                    : undefined
                }
              />
            </>
          ) : null}
        </>
      ),
    );
  }

  app.get(PATH, { schema: { hide: true } }, async (request, reply) => {
    const session = identity.sessionOf(request);
    if (session?.stage !== 'complete' || session.kind !== 'staff') return reply.redirect('/sign-in', 303);
    const actor = await identity.actorOf(session.accountId);
    const client = clientOf(request);
    // Before anything else: staff who may not search are refused the form itself, not only its results.
    await service.assertMaySearch(actor, client);
    const query = (request.query ?? {}) as Record<string, unknown>;
    const values = valuesOf(query);
    if (!Object.hasOwn(query, 'purpose')) return searchPage(request, reply, 200, { values });
    // A link from another site must not run a search, and put words in the log, in the auditor's name.
    if (request.headers['sec-fetch-site'] === 'cross-site')
      return searchPage(request, reply, 200, { values, confirm: true });
    const parsed = AuditSearchQuery.safeParse(query);
    if (!parsed.success) {
      const m = supervisionMessages.translator(request.locale);
      return searchPage(request, reply, 400, { values, problems: problemsOf(parsed.error.issues, m) });
    }
    const { purpose, ...filters } = parsed.data;
    const page = await service.searchAuditLog(actor, { filters, purpose }, client);
    return searchPage(request, reply, 200, { values, results: { page, filters, purpose } });
  });
}
