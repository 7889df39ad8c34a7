import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PersonActor } from '../../../kernel/authz/authz.ts';
import { civilDate } from '../../../kernel/calendar/working-days.ts';
import { AppError } from '../../../kernel/errors.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import { clientOf } from '../../../kernel/http/request-context.ts';
import {
  CheckboxGroup,
  ErrorSummary,
  FormGroup,
  RadioGroup,
  SummaryList,
  TextField,
} from '../../../kernel/views/components.tsx';
import type { CatalogueContract } from '../../catalogue/contract.ts';
import {
  type AnswerProblem,
  type Answers,
  type CertificateMaterial,
  type Draft,
  detailOf,
  type FormPage,
  FormsErrors,
  type FormsService,
  formsMessages,
  isCertificateMaterial,
  type Question,
  type SimpleQuestion,
  type UploadedFile,
  visiblePages,
  visibleQuestions,
} from '../../forms/index.ts';
import type { IdentityContract } from '../../identity/index.ts';
import { casesPageMessages } from '../cases-pages.messages.ts';
import type { CasesModule } from '../index.ts';
import { personOrSignIn } from './guards.ts';

/**
 * Applying online (一表式): one topic per page, saved on the server after each page, a page to check every answer,
 * then the case and its receipt. Plain forms that work without JavaScript (uploads included); the form's checks
 * run on every page and again, in full, on submission.
 */
export interface ApplyPagesDeps {
  cases: CasesModule;
  forms: FormsService;
  catalogue: CatalogueContract;
  identity: IdentityContract;
  timeZone: string;
}

type Translate = (key: string, params?: Record<string, string | number>) => string;

function translators(request: FastifyRequest) {
  const f = formsMessages.translator(request.locale) as Translate;
  const p = casesPageMessages.translator(request.locale) as Translate;
  return { f, p, lang: request.locale };
}

const sizeText = (bytes: number) =>
  bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} KB`;

/** A stored answer as the input shows it again: fen as yuan, numbers as typed. */
function inputText(question: SimpleQuestion, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (question.type === 'money' && typeof value === 'number') return (value / 100).toFixed(2);
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

/** An answer as the check page and the case show it. */
export function answerText(question: Question, value: unknown, lang: 'zh-CN' | 'en'): string {
  if (value === undefined || value === null || value === '') return '—';
  switch (question.type) {
    case 'choice':
      return question.options.find((o) => o.value === value)?.label[lang] ?? String(value);
    case 'multiChoice':
      return [value]
        .flat()
        .map((v) => question.options.find((o) => o.value === v)?.label[lang] ?? String(v))
        .join('、');
    case 'money':
      return typeof value === 'number' ? `¥${(value / 100).toFixed(2)}` : String(value);
    case 'file': {
      if (isCertificateMaterial(value))
        return lang === 'en'
          ? `Certificate “${value.name}” (${value.certificate})`
          : `电子证照“${value.name}”（${value.certificate}）`;
      const file = value as UploadedFile;
      return `${file.name}（${sizeText(file.size)}）`;
    }
    case 'group':
      return (value as Record<string, unknown>[])
        .map((item) => question.questions.map((q) => answerText(q, item[q.id], lang)).join(' '))
        .join('；');
    default:
      return String(value);
  }
}

function SimpleInput(props: {
  question: SimpleQuestion;
  name: string;
  value: unknown;
  error?: string;
  lang: 'zh-CN' | 'en';
  f: Translate;
  prefilled: boolean;
  /** A certificate the applicant holds that stands in for this material (no upload needed). */
  substitute?: CertificateMaterial;
}) {
  const { question, name, value, error, lang, f } = props;
  const label = question.required ? question.label[lang] : `${question.label[lang]} ${f('form.optional')}`;
  const hint =
    [question.hint?.[lang], props.prefilled ? f('form.prefilled') : undefined].filter(Boolean).join(' ') ||
    undefined;
  switch (question.type) {
    case 'choice':
      return (
        <RadioGroup
          id={name}
          name={name}
          legend={label}
          hint={hint}
          error={error}
          value={typeof value === 'string' ? value : undefined}
          options={question.options.map((o) => ({ value: o.value, label: o.label[lang] }))}
        />
      );
    case 'multiChoice':
      return (
        <CheckboxGroup
          id={name}
          name={name}
          legend={label}
          hint={hint}
          error={error}
          options={question.options.map((o) => ({
            value: o.value,
            label: o.label[lang],
            checked: Array.isArray(value) && value.includes(o.value),
          }))}
        />
      );
    case 'textarea':
      return (
        <FormGroup id={name} label={label} hint={hint} error={error}>
          {(describedBy) => (
            <textarea
              id={name}
              name={name}
              rows={5}
              maxLength={question.maxLength}
              aria-describedby={describedBy}
              aria-invalid={error ? 'true' : undefined}
            >
              {typeof value === 'string' ? value : ''}
            </textarea>
          )}
        </FormGroup>
      );
    case 'file': {
      const current = value as UploadedFile | undefined;
      const fileHint = [
        hint,
        props.substitute && !current?.sha256
          ? f('form.file.certificate', { name: props.substitute.name, number: props.substitute.certificate })
          : '',
        f('form.file.hint', { max: sizeText(question.maxBytes) }),
        current?.sha256
          ? `${f('form.file.current', { name: current.name, size: sizeText(current.size) })} ${f('form.file.replace')}`
          : '',
      ]
        .filter(Boolean)
        .join(' ');
      return (
        <FormGroup id={name} label={label} hint={fileHint} error={error}>
          {(describedBy) => (
            <input
              id={name}
              name={name}
              type="file"
              accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
              aria-describedby={describedBy}
              aria-invalid={error ? 'true' : undefined}
            />
          )}
        </FormGroup>
      );
    }
    default: {
      const text = inputText(question, value);
      const common = { id: name, label, value: text, hint, error, spellcheck: false };
      if (question.type === 'date') return <TextField {...common} type="date" />;
      if (question.type === 'phone')
        return <TextField {...common} type="tel" inputmode="tel" autocomplete="tel" />;
      if (question.type === 'number' || question.type === 'money')
        return (
          <TextField
            {...common}
            inputmode={question.type === 'number' && question.integer ? 'numeric' : 'text'}
          />
        );
      if (question.type === 'idNumber' || question.type === 'creditCode')
        return <TextField {...common} autocapitalize="characters" maxLength={18} />;
      if (question.dataElement === 'person.name') return <TextField {...common} autocomplete="name" />;
      return (
        <TextField
          {...common}
          maxLength={'maxLength' in question ? question.maxLength : undefined}
          spellcheck={question.type === 'text' ? undefined : false}
        />
      );
    }
  }
}

function QuestionInput(props: {
  question: Question;
  values: Record<string, unknown>;
  errors: Map<string, string>;
  lang: 'zh-CN' | 'en';
  f: Translate;
  prefilled: ReadonlySet<string>;
  substitutes: ReadonlyMap<string, CertificateMaterial>;
}) {
  const { question, values, errors, lang, f } = props;
  if (question.type !== 'group')
    return (
      <SimpleInput
        question={question}
        name={question.id}
        value={values[question.id]}
        error={errors.get(question.id)}
        lang={lang}
        f={f}
        prefilled={props.prefilled.has(question.id)}
        substitute={props.substitutes.get(question.id)}
      />
    );
  const items = Array.isArray(values[question.id]) ? (values[question.id] as Record<string, unknown>[]) : [];
  // One blank item to fill in, as long as there is room: blank items are left out when the page is read.
  const shown = items.length < question.maxItems ? [...items, {}] : items;
  const groupError = errors.get(question.id);
  return (
    <fieldset class="fieldset" id={question.id}>
      <legend class="fieldset__legend">{question.label[lang]}</legend>
      {groupError ? <p class="error-message">{groupError}</p> : null}
      {shown.map((item, i) => (
        <fieldset class="fieldset" key={String(i)}>
          <legend class="fieldset__legend">{f('form.item', { n: i + 1 })}</legend>
          {question.questions.map((sub) => (
            <SimpleInput
              key={sub.id}
              question={sub}
              name={`${question.id}.${i}.${sub.id}`}
              value={item[sub.id]}
              error={errors.get(`${question.id}.${i}.${sub.id}`)}
              lang={lang}
              f={f}
              prefilled={false}
            />
          ))}
        </fieldset>
      ))}
      {items.length + 1 < question.maxItems ? (
        <button type="submit" class="button button--secondary" name="action" value="add">
          {f('form.addItem')}
        </button>
      ) : null}
    </fieldset>
  );
}

export function registerApplyPages(app: FastifyInstance, deps: ApplyPagesDeps): void {
  const { cases, forms, catalogue, identity } = deps;
  const page = { schema: { hide: true } };
  const protectedRoute = { schema: { hide: true }, preHandler: app.csrfProtection };
  const today = () => civilDate(new Date(), deps.timeZone);

  async function draftOf(request: FastifyRequest, person: PersonActor): Promise<Draft> {
    const { draftId } = request.params as { draftId: string };
    const draft = typeof draftId === 'string' ? await forms.draft(person.accountId, draftId) : undefined;
    if (!draft) throw new AppError(FormsErrors.draftNotFound);
    return draft;
  }

  async function serviceName(code: string, lang: 'zh-CN' | 'en') {
    const item = await catalogue.findService(code);
    return item ? item.name[lang === 'en' ? 'en' : 'zh'] : code;
  }

  function formPage(draft: Draft, pageId: string): FormPage {
    const found = draft.form.definition.pages.find((p) => p.id === pageId);
    if (!found) throw new AppError(FormsErrors.draftNotFound);
    return found;
  }

  /** Which questions of the page hold what the platform filled in from the person's verified identity. */
  async function prefilledOf(person: PersonActor, formPageDef: FormPage, values: Record<string, unknown>) {
    const details = await identity.ownDetails(person.accountId);
    const filled = new Set<string>();
    if (!details) return filled;
    for (const q of formPageDef.questions)
      if (
        q.dataElement &&
        values[q.id] !== undefined &&
        values[q.id] === detailOf(details, q.dataElement, 'zh-CN')
      )
        filled.add(q.id);
    return filled;
  }

  function renderPage(
    request: FastifyRequest,
    reply: FastifyReply,
    input: {
      draft: Draft;
      formPageDef: FormPage;
      values: Record<string, unknown>;
      problems: AnswerProblem[];
      service: string;
      prefilled: ReadonlySet<string>;
      substitutes: ReadonlyMap<string, CertificateMaterial>;
      status?: number;
    },
  ) {
    const { f, p, lang } = translators(request);
    const { draft, formPageDef, values, problems } = input;
    const answers: Answers = { ...draft.answers, [formPageDef.id]: values };
    const pages = visiblePages(draft.form.definition, answers);
    const index = pages.findIndex((x) => x.id === formPageDef.id);
    const previous = index > 0 ? pages[index - 1] : undefined;
    const errors = new Map(problems.map((x) => [x.field, f(x.key, x.params)]));
    const asked = visibleQuestions(formPageDef, answers);
    const hasFile = asked.some((q) => q.type === 'file');
    const base = `/applications/${draft.id}`;
    return sendPage(
      request,
      reply,
      {
        title: `${formPageDef.title[lang]} – ${input.service}`,
        status: input.status ?? (problems.length > 0 ? 400 : 200),
      },
      () => (
        <>
          <ErrorSummary
            title={p('apply.problem')}
            errors={problems.map((x) => ({ fieldId: x.field, message: f(x.key, x.params) }))}
          />
          <a
            class="back-link"
            href={previous ? `${base}/pages/${previous.id}` : `/services/${draft.serviceCode}`}
          >
            {p('apply.back')}
          </a>
          <span class="caption">
            {input.service} · {p('apply.step', { n: index + 1, total: pages.length })}
          </span>
          <h1>{formPageDef.title[lang]}</h1>
          <form
            method="post"
            action={`${base}/pages/${formPageDef.id}`}
            novalidate
            {...(hasFile ? { enctype: 'multipart/form-data' } : {})}
          >
            <input type="hidden" name="_csrf" value={reply.generateCsrf()} />
            {asked.map((question) => (
              <QuestionInput
                key={question.id}
                question={question}
                values={values}
                errors={errors}
                lang={lang}
                f={f}
                prefilled={input.prefilled}
                substitutes={input.substitutes}
              />
            ))}
            <button type="submit" class="button" name="action" value="continue">
              {f('form.continue')}
            </button>
          </form>
        </>
      ),
    );
  }

  // Start or resume: the person's open draft for the service, with their verified details filled in.
  app.get<{ Params: { code: string } }>('/services/:code/apply', page, async (request, reply) => {
    const person = await personOrSignIn(request, reply);
    if (!person) return reply;
    const { p, lang } = translators(request);
    const code = request.params.code.toUpperCase();
    const item = await catalogue.findService(code);
    const name = item ? item.name[lang === 'en' ? 'en' : 'zh'] : code;
    const process = item ? await cases.definitions.active(item.code) : undefined;
    const draft =
      item && process
        ? await forms.openDraft(person.accountId, item.code, await identity.ownDetails(person.accountId))
        : undefined;
    if (!item || !draft) {
      return sendPage(request, reply, { title: p('apply.notOpen.title'), status: 409 }, () => (
        <>
          <h1>{p('apply.notOpen.title')}</h1>
          <p>{p('apply.notOpen.lead', { service: name })}</p>
        </>
      ));
    }
    if (person.assuranceLevel < item.identityLevel) {
      return sendPage(request, reply, { title: p('apply.identity.title'), status: 403 }, () => (
        <>
          <h1>{p('apply.identity.title')}</h1>
          <p>
            {p('apply.identity.lead', {
              service: name,
              required: item.identityLevel,
              current: person.assuranceLevel,
            })}
          </p>
        </>
      ));
    }
    const first = visiblePages(draft.form.definition, draft.answers)[0];
    return reply.redirect(`/applications/${draft.id}/pages/${first?.id}`, 303);
  });

  /**
   * The page's materials the applicant need not upload (材料免提交): a file question whose catalogue material may be
   * replaced by a certificate type the applicant holds a valid certificate of. Top-level questions only.
   */
  async function substitutesOf(person: PersonActor, draft: Draft, formPageDef: FormPage) {
    const found = new Map<string, CertificateMaterial>();
    const asked = formPageDef.questions.filter((q) => q.type === 'file' && q.material);
    if (asked.length === 0) return found;
    const item = await catalogue.findService(draft.serviceCode);
    for (const question of asked) {
      const material = item?.materials.find(
        (m) => question.type === 'file' && m.name.zh === question.material,
      );
      const certificateType = material?.replaceableBy?.certificateType;
      if (!certificateType) continue;
      const held = await cases.materialFor({ accountId: person.accountId }, certificateType);
      if (held) found.set(question.id, held);
    }
    return found;
  }

  app.get<{ Params: { draftId: string; pageId: string } }>(
    '/applications/:draftId/pages/:pageId',
    page,
    async (request, reply) => {
      const person = await personOrSignIn(request, reply);
      if (!person) return reply;
      const draft = await draftOf(request, person);
      if (draft.submittedCaseId) return reply.redirect('/cases', 303);
      const formPageDef = formPage(draft, request.params.pageId);
      const values = (draft.answers[formPageDef.id] ?? {}) as Record<string, unknown>;
      return renderPage(request, reply, {
        draft,
        formPageDef,
        values,
        problems: [],
        service: await serviceName(draft.serviceCode, request.locale),
        prefilled: await prefilledOf(person, formPageDef, values),
        substitutes: await substitutesOf(person, draft, formPageDef),
      });
    },
  );

  app.post<{ Params: { draftId: string; pageId: string }; Body: Record<string, unknown> }>(
    '/applications/:draftId/pages/:pageId',
    protectedRoute,
    async (request, reply) => {
      const person = await personOrSignIn(request, reply);
      if (!person) return reply;
      const draft = await draftOf(request, person);
      if (draft.submittedCaseId) return reply.redirect('/cases', 303);
      const formPageDef = formPage(draft, request.params.pageId);
      const { _csrf, action, ...fields } = (request.body ?? {}) as Record<string, unknown>;
      // A material left without an upload is answered by the certificate the applicant holds, if any: an upload
      // (now or before) wins over it.
      const substitutes = await substitutesOf(person, draft, formPageDef);
      const kept = (draft.answers[formPageDef.id] ?? {}) as Record<string, unknown>;
      for (const question of formPageDef.questions) {
        if (question.type !== 'file') continue;
        const part = fields[question.id] as { bytes?: unknown } | undefined;
        const uploadedNow = typeof part === 'object' && part !== null && Buffer.isBuffer(part.bytes);
        const uploadedBefore =
          typeof (kept[question.id] as { sha256?: unknown } | undefined)?.sha256 === 'string';
        if (uploadedNow || uploadedBefore) continue;
        const substitute = substitutes.get(question.id);
        if (substitute) fields[question.id] = substitute;
        // A certificate saved before that no longer stands in (revoked, expired): the answer is cleared, not kept.
        else if (isCertificateMaterial(kept[question.id])) fields[question.id] = null;
      }
      const result = await forms.savePage(person.accountId, draft.id, formPageDef.id, fields, today());
      const values = (result.draft.answers[formPageDef.id] ?? {}) as Record<string, unknown>;
      // "Add another": the same page again with a blank item, what was typed kept (saved when it is complete).
      if (action === 'add' || result.problems.length > 0) {
        return renderPage(request, reply, {
          draft: result.draft,
          formPageDef,
          values,
          problems: action === 'add' ? [] : result.problems,
          service: await serviceName(draft.serviceCode, request.locale),
          prefilled: new Set(),
          substitutes,
          status: action === 'add' ? 200 : 400,
        });
      }
      const pages = visiblePages(result.draft.form.definition, result.draft.answers);
      const next = pages[pages.findIndex((x) => x.id === formPageDef.id) + 1];
      return reply.redirect(
        next ? `/applications/${draft.id}/pages/${next.id}` : `/applications/${draft.id}/check`,
        303,
      );
    },
  );

  async function renderCheck(
    request: FastifyRequest,
    reply: FastifyReply,
    draft: Draft,
    problems: { path: string; message: string }[],
  ) {
    const { f, p, lang } = translators(request);
    const service = await serviceName(draft.serviceCode, request.locale);
    const base = `/applications/${draft.id}`;
    const pages = visiblePages(draft.form.definition, draft.answers);
    return sendPage(
      request,
      reply,
      { title: `${f('form.check.title')} – ${service}`, status: problems.length > 0 ? 400 : 200 },
      () => (
        <>
          <ErrorSummary
            title={p('apply.problem')}
            errors={problems.map((x) => ({ fieldId: `change-${x.path.split('.')[0]}`, message: x.message }))}
          />
          <span class="caption">{service}</span>
          <h1>{f('form.check.title')}</h1>
          <p>{f('form.check.lead')}</p>
          {pages.map((formPageDef) => {
            const values = (draft.answers[formPageDef.id] ?? {}) as Record<string, unknown>;
            return (
              <section key={formPageDef.id} id={`change-${formPageDef.id}`}>
                <h2>{formPageDef.title[lang]}</h2>
                <SummaryList
                  rows={visibleQuestions(formPageDef, draft.answers).map((q) => ({
                    key: q.label[lang],
                    value: answerText(q, values[q.id], lang),
                    action: { href: `${base}/pages/${formPageDef.id}`, text: f('form.check.change') },
                  }))}
                />
              </section>
            );
          })}
          <form method="post" action={`${base}/submit`}>
            <input type="hidden" name="_csrf" value={reply.generateCsrf()} />
            <p>{f('form.check.declaration')}</p>
            <button type="submit" class="button">
              {f('form.check.submit')}
            </button>
          </form>
        </>
      ),
    );
  }

  app.get<{ Params: { draftId: string } }>('/applications/:draftId/check', page, async (request, reply) => {
    const person = await personOrSignIn(request, reply);
    if (!person) return reply;
    const draft = await draftOf(request, person);
    if (draft.submittedCaseId) return reply.redirect('/cases', 303);
    return renderCheck(request, reply, draft, []);
  });

  // Submitting: the draft's id is the idempotency key, so a double click or a retried post gives one case.
  app.post<{ Params: { draftId: string } }>(
    '/applications/:draftId/submit',
    protectedRoute,
    async (request, reply) => {
      const person = await personOrSignIn(request, reply);
      if (!person) return reply;
      const draft = await draftOf(request, person);
      const problems = forms.problems(draft.form.definition, draft.answers, today(), request.locale);
      if (problems.length > 0 && !draft.submittedCaseId) return renderCheck(request, reply, draft, problems);
      let submitted: Awaited<ReturnType<typeof cases.submit>>['case'];
      try {
        ({ case: submitted } = await cases.submit(
          person,
          {
            serviceCode: draft.serviceCode,
            answers: draft.answers,
            idempotencyKey: draft.id,
            formId: draft.form.id,
          },
          clientOf(request),
          request.locale,
        ));
      } catch (error) {
        // Answers refused at submission (a certificate revoked since the page was saved): back to the check page,
        // each problem linked to its answer, as the form's own checks do.
        if (error instanceof AppError && error.fields.length > 0)
          return renderCheck(request, reply, draft, error.fields);
        throw error;
      }
      await forms.markSubmitted(draft.id, submitted.id);
      return reply.redirect(`/cases/${submitted.number}?submitted=1`, 303);
    },
  );
}
