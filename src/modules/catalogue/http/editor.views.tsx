/*
 * The pages of the editors' workbench: the list of items, the item form, the review queue, an item's versions and
 * the withdrawal confirmation. Plain HTML that works without JavaScript; every string comes translated.
 */
import type { ComponentChildren } from 'preact';
import type { FieldProblem } from '../../../kernel/errors.ts';
import {
  CheckboxGroup,
  DataTable,
  ErrorSummary,
  FormGroup,
  NotificationBanner,
  PageLinks,
  SummaryList,
  type SummaryRow,
  TagStatus,
  type TagTone,
} from '../../../kernel/views/components.tsx';
import type { VersionState } from '../db/catalogue.tables.ts';
import {
  AUDIENCES,
  CHANNELS,
  MATERIAL_FORMS,
  ONLINE_DEPTHS,
  SERVICE_KINDS,
  type ServiceItemInput,
} from '../domain/catalogue-file.ts';
import {
  EDITOR_LIST_FILTERS,
  type EditorItem,
  type EditorListFilter,
  type ItemVersion,
} from '../editing.service.ts';
import type { EditorMessageKey, EditorTranslate } from '../editor.messages.ts';
import { diffItems, FIELD_ORDER, fieldLabel, type Names } from './editor.diff.ts';
import {
  fieldIdFor,
  formFieldIds,
  type ItemForm,
  idOf,
  type LIST_FIELDS,
  rowField,
  SECTION_NAMES,
  SECTIONS,
  type Section,
} from './editor.form.ts';

export const PATH = '/workbench/catalogue';

/** What every page body needs: the translator, dates in the city's time zone, and who is looking. */
export interface ViewContext {
  m: EditorTranslate;
  lang: 'zh' | 'en';
  date: (at: Date) => string;
  /** The viewer's account id, to say "you" rather than an id. */
  viewerId: string | undefined;
}

/** A code with its name in the page's language. */
export interface Named {
  code: string;
  name: string;
}

const STATE_TONES: Record<VersionState, TagTone> = {
  draft: 'neutral',
  submitted: 'info',
  scheduled: 'info',
  published: 'success',
  rejected: 'warning',
  superseded: 'neutral',
};

/** A version's state as a tag. */
export function StateTag({ state, m }: { state: VersionState; m: EditorTranslate }) {
  return <TagStatus text={m(`state.${state}`)} tone={STATE_TONES[state]} />;
}

/** "名称（SJ-0101）", "Name (SJ-0101)". */
export const itemTitle = (v: ViewContext, name: string, code: string): string =>
  v.lang === 'zh' ? `${name}（${code}）` : `${name} (${code})`;

const who = (v: ViewContext, accountId: string | null) =>
  accountId === null ? '' : accountId === v.viewerId ? v.m('item.you') : accountId;

/** A problem that belongs to no field (someone else acted first, a rule refused it): an alert at the top. */
export function ProblemAlert({ title, message }: { title: string; message: string }) {
  return (
    <div class="error-summary" role="alert" aria-labelledby="problem-alert-title" tabindex={-1} autofocus>
      <h2 class="error-summary__title" id="problem-alert-title">
        {title}
      </h2>
      <p>{message}</p>
    </div>
  );
}

// ---------- The list ----------

/** The states the list can be filtered by (the service filters: a department has thousands of items). */
export const LIST_FILTERS = EDITOR_LIST_FILTERS;
export type ListFilter = EditorListFilter;

export function ListBody(props: {
  v: ViewContext;
  items: readonly EditorItem[];
  filter: ListFilter;
  allDepartments: boolean;
  departments: ReadonlyMap<string, string>;
  mayReview: boolean;
  /** Where the next page starts, if there is one; whether this is a later page. */
  nextAfter?: string;
  later: boolean;
}) {
  const { v, items } = props;
  const { m } = v;
  return (
    <>
      <h1>{m('list.title')}</h1>
      <p class="lead">{m(props.allDepartments ? 'list.leadAll' : 'list.lead')}</p>
      <p>
        <a class="button" href={`${PATH}/new`}>
          {m('list.new')}
        </a>
        {props.mayReview ? (
          <>
            {' '}
            <a class="button button--secondary" href={`${PATH}/review`}>
              {m('list.review')}
            </a>
          </>
        ) : null}
      </p>
      <form method="get" action={PATH}>
        <div class="form-group">
          <label for="state">{m('list.filter')}</label>
          <select id="state" name="state">
            {LIST_FILTERS.map((f) => (
              <option value={f} selected={f === props.filter} key={f}>
                {m(`filter.${f}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="button button--secondary">
          {m('list.filterSubmit')}
        </button>
      </form>
      <DataTable
        caption={m(props.nextAfter || props.later ? 'list.captionPage' : 'list.caption', {
          count: items.length,
        })}
        rowHeaders
        rows={items}
        rowKey={(i) => i.code}
        empty={m('list.empty')}
        columns={[
          {
            header: m('col.code'),
            cell: (i) => <a href={`${PATH}/${i.code}`}>{i.code}</a>,
          },
          { header: m('col.name'), cell: (i) => i.name[v.lang] },
          ...(props.allDepartments
            ? [
                {
                  header: m('col.department'),
                  cell: (i: EditorItem) => props.departments.get(i.department) ?? i.department,
                },
              ]
            : []),
          {
            header: m('col.published'),
            cell: (i) =>
              i.published
                ? m('list.published', { number: i.published.number, date: v.date(i.published.at) })
                : i.withdrawnAt
                  ? m('list.withdrawn', { date: v.date(i.withdrawnAt) })
                  : m('list.notPublished'),
          },
          {
            header: m('col.pending'),
            cell: (i) =>
              i.pending ? (
                <>
                  {m('list.pending', { number: i.pending.number })} <StateTag state={i.pending.state} m={m} />
                </>
              ) : (
                m('list.none')
              ),
          },
          {
            header: m('col.actions'),
            cell: (i) => (
              <a href={`${PATH}/${i.code}/edit`}>
                {m('list.edit')}
                <span class="visually-hidden"> {i.name[v.lang]}</span>
              </a>
            ),
          },
        ]}
      />
      <PageLinks
        label={m('list.pages')}
        first={props.later ? { href: listHref(props.filter), text: m('list.first') } : undefined}
        next={
          props.nextAfter
            ? { href: listHref(props.filter, props.nextAfter), text: m('list.next') }
            : undefined
        }
      />
    </>
  );
}

/** The list's address for a filter, from an item code on. */
function listHref(filter: ListFilter, after?: string): string {
  const params = new URLSearchParams();
  if (filter !== 'all') params.set('state', filter);
  if (after) params.set('after', after);
  const search = params.toString();
  return search ? `${PATH}?${search}` : PATH;
}

// ---------- The item form ----------

/** What the item form shows besides the values. */
export interface FormView {
  v: ViewContext;
  form: ItemForm;
  /** Where the form posts. */
  action: string;
  csrf: string;
  problems: readonly FieldProblem[];
  /** A problem of the whole form (409): shown above it. */
  conflict?: string;
  /** The version just saved, for the success banner. */
  saved?: number;
  /** The reviewer's note on the draft being edited, when it was sent back. */
  sentBack?: string;
  /** The item being changed (code and department are fixed; the name as last saved); absent for a new item. */
  item?: { code: string; department: string; name: string };
  /** Departments the editor may create items in (the new form's select). */
  ownDepartments: readonly Named[];
  allDepartments: readonly Named[];
  topics: readonly Named[];
  lifeEvents: readonly Named[];
  /** The input to focus when the page loads (the first new row after "add rows"). */
  focus?: string;
}

type Errors = ReadonlyMap<string, string>;

function Input(props: {
  name: string;
  label: string;
  value: string | undefined;
  errors: Errors;
  hint?: string;
  type?: 'text' | 'date' | 'tel';
  inputmode?: 'numeric' | 'decimal' | 'tel';
  autofocus?: boolean;
  spellcheck?: boolean;
  lang?: string;
  width?: 'short';
}) {
  const id = idOf(props.name);
  const error = props.errors.get(id);
  return (
    <FormGroup id={id} label={props.label} hint={props.hint} error={error}>
      {(describedBy) => (
        <input
          id={id}
          name={props.name}
          type={(props.type ?? 'text') as 'text'}
          value={props.value ?? ''}
          inputmode={props.inputmode}
          spellcheck={props.spellcheck}
          lang={props.lang}
          autocomplete="off"
          autofocus={props.autofocus}
          aria-describedby={describedBy}
          aria-invalid={error ? 'true' : undefined}
        />
      )}
    </FormGroup>
  );
}

function Area(props: {
  name: string;
  label: string;
  value: string | undefined;
  errors: Errors;
  hint?: string;
  lang?: string;
  rows?: number;
}) {
  const id = idOf(props.name);
  const error = props.errors.get(id);
  return (
    <FormGroup id={id} label={props.label} hint={props.hint} error={error}>
      {(describedBy) => (
        <textarea
          id={id}
          name={props.name}
          rows={props.rows ?? 4}
          lang={props.lang}
          aria-describedby={describedBy}
          aria-invalid={error ? 'true' : undefined}
        >
          {props.value ?? ''}
        </textarea>
      )}
    </FormGroup>
  );
}

function Select(props: {
  name: string;
  label: string;
  value: string | undefined;
  errors: Errors;
  options: readonly { value: string; label: string }[];
  hint?: string;
}) {
  const id = idOf(props.name);
  const error = props.errors.get(id);
  return (
    <FormGroup id={id} label={props.label} hint={props.hint} error={error}>
      {(describedBy) => (
        <select
          id={id}
          name={props.name}
          aria-describedby={describedBy}
          aria-invalid={error ? 'true' : undefined}
        >
          {props.options.map((o) => (
            <option value={o.value} selected={o.value === props.value} key={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </FormGroup>
  );
}

/** Which language a field holds, for screen readers and spell checkers. */
const langOf = (name: string) => (name.endsWith('.zh') ? 'zh-CN' : name.endsWith('.en') ? 'en' : undefined);

function RowFields(props: { view: FormView; section: Section; index: number; errors: Errors }) {
  const { view, section, index, errors } = props;
  const { m } = view.v;
  const value = (part: string) => view.form.values[rowField(section, index, part)];
  const focusId = view.focus;
  return (
    <>
      {SECTIONS[section].map((part) => {
        const name = rowField(section, index, part);
        const id = idOf(name);
        const label =
          section === 'related'
            ? m('field.related.code', { n: index + 1 })
            : m(`field.${section}.${part}` as EditorMessageKey);
        if (section === 'materials' && part === 'form')
          return (
            <Select
              key={id}
              name={name}
              label={label}
              value={value(part)}
              errors={errors}
              options={MATERIAL_FORMS.map((f) => ({ value: f, label: m(`materialForm.${f}`) }))}
            />
          );
        if (section === 'materials' && part === 'required')
          return (
            <Select
              key={id}
              name={name}
              label={label}
              value={value(part)}
              errors={errors}
              options={[
                { value: 'yes', label: m('required.yes') },
                { value: 'no', label: m('required.no') },
              ]}
            />
          );
        if (section === 'faq' && part.startsWith('a.'))
          return (
            <Area
              key={id}
              name={name}
              label={label}
              value={value(part)}
              errors={errors}
              lang={langOf(name)}
              rows={3}
            />
          );
        const hint =
          section === 'materials' && part === 'count'
            ? m('field.materials.countHint')
            : part === 'replaceableBy.certificateType'
              ? m('field.materials.certificateTypeHint')
              : part === 'replaceableBy.dataElement'
                ? m('field.materials.dataElementHint')
                : part === 'amountFen'
                  ? m('field.fees.amountHint')
                  : undefined;
        return (
          <Input
            key={id}
            name={name}
            label={label}
            value={value(part)}
            errors={errors}
            hint={hint}
            lang={langOf(name)}
            type={part === 'phone' ? 'tel' : 'text'}
            inputmode={part === 'count' ? 'numeric' : part === 'amountFen' ? 'decimal' : undefined}
            spellcheck={langOf(name) ? undefined : false}
            autofocus={focusId === id}
          />
        );
      })}
    </>
  );
}

/** A repeating part: its filled rows, empty ones to fill, and a button that adds more (a submit: no script). */
function Rows(props: { view: FormView; section: Section; legend: string; hint?: string; errors: Errors }) {
  const { view, section, errors } = props;
  const { m } = view.v;
  const total = view.form.rows[section] + view.form.extra[section];
  const error = errors.get(section);
  const describedBy =
    [props.hint ? `${section}-hint` : '', error ? `${section}-error` : ''].filter(Boolean).join(' ') ||
    undefined;
  return (
    <div class={error ? 'form-group form-group--error' : 'form-group'}>
      <fieldset class="fieldset" id={section} aria-describedby={describedBy}>
        <legend class="fieldset__legend">{props.legend}</legend>
        {props.hint ? (
          <p class="hint" id={`${section}-hint`}>
            {props.hint}
          </p>
        ) : null}
        {error ? (
          <p class="error-message" id={`${section}-error`}>
            {error}
          </p>
        ) : null}
        {Array.from({ length: total }, (_, index) =>
          section === 'related' ? (
            <RowFields key={index} view={view} section={section} index={index} errors={errors} />
          ) : (
            <fieldset class="fieldset" key={index}>
              <legend class="fieldset__legend">
                {m(`row.${section}` as EditorMessageKey, { n: index + 1 })}
              </legend>
              <RowFields view={view} section={section} index={index} errors={errors} />
            </fieldset>
          ),
        )}
        <button type="submit" name="action" value={`add:${section}`} class="button button--secondary">
          {m('form.addRows')}
          <span class="visually-hidden"> {props.legend}</span>
        </button>
      </fieldset>
    </div>
  );
}

function Checks(props: {
  view: FormView;
  name: (typeof LIST_FIELDS)[number];
  legend: string;
  options: readonly Named[];
  errors: Errors;
}) {
  const ticked = new Set(props.view.form.lists[props.name]);
  return (
    <CheckboxGroup
      id={props.name}
      name={props.name}
      legend={props.legend}
      error={props.errors.get(props.name)}
      options={props.options.map((o) => ({ value: o.code, label: o.name, checked: ticked.has(o.code) }))}
    />
  );
}

/** The problems of a form as (field id, message) pairs, each at the input it is about. */
export function formErrors(view: Pick<FormView, 'form' | 'problems' | 'item'>) {
  const ids = formFieldIds(view.form, { isNew: !view.item });
  const list: { fieldId: string; message: string }[] = [];
  for (const problem of view.problems) {
    const fieldId = fieldIdFor(problem.path, ids);
    if (!list.some((e) => e.fieldId === fieldId && e.message === problem.message))
      list.push({ fieldId, message: problem.message });
  }
  return list;
}

export function FormBody(view: FormView) {
  const { v, form } = view;
  const { m } = v;
  const list = formErrors(view);
  const errors = new Map<string, string>();
  for (const e of list) if (!errors.has(e.fieldId)) errors.set(e.fieldId, e.message);
  const value = (name: string) => form.values[name];
  const text = (name: string, extra: { hint?: string; type?: 'date'; inputmode?: 'numeric' } = {}) => (
    <Input
      name={name}
      label={m(`field.${name}` as EditorMessageKey)}
      value={value(name)}
      errors={errors}
      lang={langOf(name)}
      spellcheck={langOf(name) ? undefined : false}
      {...extra}
    />
  );
  const named = (values: readonly string[], prefix: string) =>
    values.map((code) => ({ code, name: m(`${prefix}.${code}` as EditorMessageKey) }));
  return (
    <>
      <ErrorSummary title={m('form.problem')} errors={list} />
      {view.conflict ? <ProblemAlert title={m('form.conflict')} message={view.conflict} /> : null}
      {view.saved !== undefined && list.length === 0 && !view.conflict ? (
        <NotificationBanner variant="success" title={m('form.saved')}>
          <p>{m('form.savedBody', { number: view.saved })}</p>
        </NotificationBanner>
      ) : null}
      {view.sentBack ? (
        <NotificationBanner title={m('form.sentBack')} id="sent-back-title">
          <p>{m('form.sentBackBody', { note: view.sentBack })}</p>
        </NotificationBanner>
      ) : null}
      <h1>{view.item ? m('form.editTitle', { name: view.item.name }) : m('form.newTitle')}</h1>
      <p class="lead">{m('form.lead')}</p>
      <form method="post" action={view.action} novalidate>
        <input type="hidden" name="_csrf" value={view.csrf} />
        {SECTION_NAMES.map((section) => (
          <input type="hidden" name={`extra.${section}`} value={String(form.extra[section])} key={section} />
        ))}
        <h2>{m('section.basics')}</h2>
        {view.item ? (
          <>
            <SummaryList
              rows={[
                { key: m('field.code'), value: view.item.code },
                {
                  key: m('field.department'),
                  value:
                    view.allDepartments.find((d) => d.code === view.item?.department)?.name ??
                    view.item.department,
                },
              ]}
            />
            <p class="hint">{m('form.fixed')}</p>
          </>
        ) : (
          <>
            <Input
              name="code"
              label={m('field.code')}
              hint={m('field.codeHint')}
              value={value('code')}
              errors={errors}
              spellcheck={false}
            />
            <Select
              name="department"
              label={m('field.department')}
              value={value('department')}
              errors={errors}
              options={view.ownDepartments.map((d) => ({ value: d.code, label: `${d.name}（${d.code}）` }))}
            />
          </>
        )}
        {text('name.zh')}
        {text('name.en')}
        {text('summary.zh', { hint: m('field.summaryHint') })}
        {text('summary.en')}
        <Area
          name="description.zh"
          label={m('field.description.zh')}
          value={value('description.zh')}
          errors={errors}
          lang="zh-CN"
        />
        <Area
          name="description.en"
          label={m('field.description.en')}
          value={value('description.en')}
          errors={errors}
          lang="en"
        />
        <Select
          name="kind"
          label={m('field.kind')}
          value={value('kind')}
          errors={errors}
          options={SERVICE_KINDS.map((k) => ({ value: k, label: m(`kind.${k}`) }))}
        />

        <h2>{m('section.classification')}</h2>
        <Checks
          view={view}
          name="audiences"
          legend={m('field.audiences')}
          options={named(AUDIENCES, 'audience')}
          errors={errors}
        />
        <Checks view={view} name="topics" legend={m('field.topics')} options={view.topics} errors={errors} />
        <Checks
          view={view}
          name="lifeEvents"
          legend={m('field.lifeEvents')}
          options={view.lifeEvents}
          errors={errors}
        />
        <Checks
          view={view}
          name="coDepartments"
          legend={m('field.coDepartments')}
          options={view.allDepartments.filter(
            (d) => d.code !== (view.item?.department ?? value('department')),
          )}
          errors={errors}
        />
        {text('keywords.zh', { hint: m('field.keywordsHint') })}
        {text('keywords.en')}

        <h2>{m('section.time')}</h2>
        {text('statutoryDays', { inputmode: 'numeric' })}
        {text('promisedDays', { inputmode: 'numeric', hint: m('field.promisedDaysHint') })}
        {text('effectiveFrom', { type: 'date' })}
        {text('effectiveUntil', { type: 'date' })}

        <h2>{m('section.how')}</h2>
        <Checks
          view={view}
          name="channels"
          legend={m('field.channels')}
          options={named(CHANNELS, 'channel')}
          errors={errors}
        />
        <Select
          name="onlineDepth"
          label={m('field.onlineDepth')}
          value={value('onlineDepth')}
          errors={errors}
          options={ONLINE_DEPTHS.map((d) => ({ value: d, label: m(`depth.${d}`) }))}
        />
        <Select
          name="identityLevel"
          label={m('field.identityLevel')}
          value={value('identityLevel')}
          errors={errors}
          options={(['1', '2', '3'] as const).map((l) => ({ value: l, label: m(`level.${l}`) }))}
        />
        <Rows
          view={view}
          section="counters"
          legend={m('field.counters')}
          hint={m('field.countersHint')}
          errors={errors}
        />

        <h2>{m('section.legal')}</h2>
        <Rows
          view={view}
          section="legalBasis"
          legend={m('field.legalBasis')}
          hint={m('field.legalBasisHint')}
          errors={errors}
        />
        <Rows view={view} section="conditions" legend={m('field.conditions')} errors={errors} />

        <h2>{m('section.materials')}</h2>
        <Rows view={view} section="materials" legend={m('field.materials')} errors={errors} />

        <h2>{m('section.fees')}</h2>
        <Rows view={view} section="fees" legend={m('field.fees')} errors={errors} />

        <h2>{m('section.faq')}</h2>
        <Rows view={view} section="faq" legend={m('field.faq')} errors={errors} />

        <h2>{m('section.related')}</h2>
        <Rows view={view} section="related" legend={m('field.related')} errors={errors} />

        <h2>{m('section.note')}</h2>
        <Area
          name="changeNote"
          label={m('field.changeNote')}
          hint={m('field.changeNoteHint')}
          value={value('changeNote')}
          errors={errors}
          rows={3}
        />
        <div>
          <button type="submit" name="action" value="save" class="button">
            {view.item ? m('form.save') : m('form.create')}
          </button>{' '}
          <button type="submit" name="action" value="submit" class="button button--secondary">
            {m('form.saveSubmit')}
          </button>
        </div>
      </form>
      <p>
        {view.item ? (
          <a href={`${PATH}/${view.item.code}`}>{m('form.cancel')}</a>
        ) : (
          <a href={PATH}>{m('form.backToList')}</a>
        )}
      </p>
    </>
  );
}

/** The edit page while a version waits for review: nothing to edit. */
export function AwaitingBody(props: { v: ViewContext; code: string; name: string; version: ItemVersion }) {
  const { m } = props.v;
  return (
    <>
      <h1>{m('form.editTitle', { name: props.name })}</h1>
      <NotificationBanner title={m('form.awaiting')}>
        <p>
          {m('form.awaitingBody', {
            number: props.version.number,
            state: m(`state.${props.version.state}`),
          })}
        </p>
      </NotificationBanner>
      <p>
        <a href={`${PATH}/${props.code}`}>{m('form.cancel')}</a>
      </p>
    </>
  );
}

// ---------- Diffs ----------

function DiffCell({
  lines,
  mark,
  m,
}: {
  lines: { text: string; changed: boolean }[];
  mark: 'del' | 'ins';
  m: EditorTranslate;
}) {
  if (lines.length === 0) return <span class="secondary-text">{m('diff.empty')}</span>;
  return (
    <ul>
      {lines.map((line, i) => (
        // Lines of one value may repeat (two materials of the same name): the position keeps them apart.
        <li key={i}>
          {line.changed ? (
            mark === 'del' ? (
              <del>
                <span class="visually-hidden">{m('diff.removed')}</span>
                {line.text}
              </del>
            ) : (
              <ins>
                <span class="visually-hidden">{m('diff.added')}</span>
                {line.text}
              </ins>
            )
          ) : (
            line.text
          )}
        </li>
      ))}
    </ul>
  );
}

/** The fields a version changed, before and after, as a table. */
export function Diff(props: {
  v: ViewContext;
  version: ItemVersion;
  previous: ServiceItemInput | undefined;
  names: Names;
}) {
  const { m } = props.v;
  const rows = diffItems(props.previous, props.version.content, m, props.names);
  const caption = props.previous
    ? m('diff.caption', { number: props.version.number })
    : m('diff.captionFirst', { number: props.version.number });
  if (rows.length === 0) return <p>{m('diff.none')}</p>;
  return (
    <DataTable
      caption={caption}
      rowHeaders
      rows={rows}
      rowKey={(r) => r.field}
      columns={[
        { header: m('diff.field'), cell: (r) => r.label },
        ...(props.previous
          ? [
              {
                header: m('diff.before'),
                cell: (r: (typeof rows)[number]) => <DiffCell lines={r.before} mark="del" m={m} />,
              },
            ]
          : []),
        { header: m('diff.after'), cell: (r) => <DiffCell lines={r.after} mark="ins" m={m} /> },
      ]}
    />
  );
}

// ---------- The review queue ----------

/** A version waiting for review, with the version before it to compare with. */
export interface QueueEntry {
  version: ItemVersion;
  previous: ServiceItemInput | undefined;
  department: string;
}

/** Problems of one decision form, by field id. */
export type DecisionProblems = ReadonlyMap<string, string>;

export function ReviewBody(props: {
  v: ViewContext;
  queue: readonly QueueEntry[];
  csrf: string;
  names: Names;
  timeZone: string;
  problems: DecisionProblems;
  /** Values typed into the decision forms, kept when a decision is refused. */
  values: Readonly<Record<string, string>>;
  alert?: string;
  done?: string;
}) {
  const { v } = props;
  const { m } = v;
  const summary = [...props.problems].map(([fieldId, message]) => ({ fieldId, message }));
  return (
    <>
      <ErrorSummary title={m('form.problem')} errors={summary} />
      {props.alert ? <ProblemAlert title={m('form.conflict')} message={props.alert} /> : null}
      {props.done ? (
        <NotificationBanner variant="success" title={m('review.done')}>
          <p>{props.done}</p>
        </NotificationBanner>
      ) : null}
      <h1>{m('review.title')}</h1>
      <p class="lead">{m('review.lead')}</p>
      {props.queue.length === 0 ? <p>{m('review.empty')}</p> : null}
      {props.queue.map(({ version, previous, department }) => {
        const id = version.id;
        const own =
          v.viewerId !== undefined &&
          (version.createdBy === v.viewerId || version.submittedBy === v.viewerId);
        const action = `${PATH}/review/${id}`;
        const rows: SummaryRow[] = [
          { key: m('review.department'), value: props.names.departments.get(department) ?? department },
          { key: m('item.state'), value: <StateTag state={version.state} m={m} /> },
          {
            key: m('review.writtenBy'),
            value: m('item.who', { who: who(v, version.createdBy), date: v.date(version.createdAt) }),
          },
          ...(version.submittedBy
            ? [
                {
                  key: m('review.submittedBy'),
                  value: m('item.who', {
                    who: who(v, version.submittedBy),
                    date: version.submittedAt ? v.date(version.submittedAt) : '',
                  }),
                },
              ]
            : []),
          ...(version.state === 'scheduled' && version.publishAt
            ? [
                {
                  key: m('item.publishAt'),
                  value: m('review.scheduledFor', { date: v.date(version.publishAt) }),
                },
              ]
            : []),
          { key: m('review.changeNote'), value: version.changeNote || m('list.none') },
        ];
        const publishAtId = `publishAt-${id}`;
        const noteId = `note-${id}`;
        return (
          <section class="review-entry" aria-labelledby={`heading-${id}`} key={id}>
            <h2 id={`heading-${id}`}>
              {m('review.heading', {
                code: version.code,
                name: version.content.name[v.lang],
                number: version.number,
              })}
            </h2>
            <SummaryList rows={rows} />
            <Diff v={v} version={version} previous={previous} names={props.names} />
            <p>
              <a href={`${PATH}/${version.code}`}>
                {m('review.history')}
                <span class="visually-hidden"> {version.code}</span>
              </a>
            </p>
            {own ? (
              <NotificationBanner title={m('review.ownVersion')} id={`own-${id}`} />
            ) : (
              <>
                <form method="post" action={action}>
                  <input type="hidden" name="_csrf" value={props.csrf} />
                  <input type="hidden" name="decision" value="publish" />
                  <button type="submit" class="button">
                    {m('review.publishNow')}
                    <span class="visually-hidden"> {version.code}</span>
                  </button>
                </form>
                <form method="post" action={action} novalidate>
                  <input type="hidden" name="_csrf" value={props.csrf} />
                  <input type="hidden" name="decision" value="schedule" />
                  <FormGroup
                    id={publishAtId}
                    label={m('review.publishAt')}
                    hint={m('review.publishAtHint', { zone: props.timeZone })}
                    error={props.problems.get(publishAtId)}
                  >
                    {(describedBy) => (
                      <input
                        id={publishAtId}
                        name="publishAt"
                        type="datetime-local"
                        value={props.values[publishAtId] ?? ''}
                        aria-describedby={describedBy}
                        aria-invalid={props.problems.has(publishAtId) ? 'true' : undefined}
                      />
                    )}
                  </FormGroup>
                  <button type="submit" class="button button--secondary">
                    {m('review.schedule')}
                    <span class="visually-hidden"> {version.code}</span>
                  </button>
                </form>
                <form method="post" action={action} novalidate>
                  <input type="hidden" name="_csrf" value={props.csrf} />
                  <input type="hidden" name="decision" value="reject" />
                  <FormGroup
                    id={noteId}
                    label={m('review.rejectNote')}
                    hint={m('review.rejectNoteHint')}
                    error={props.problems.get(noteId)}
                  >
                    {(describedBy) => (
                      <textarea
                        id={noteId}
                        name="note"
                        rows={3}
                        aria-describedby={describedBy}
                        aria-invalid={props.problems.has(noteId) ? 'true' : undefined}
                      >
                        {props.values[noteId] ?? ''}
                      </textarea>
                    )}
                  </FormGroup>
                  <button type="submit" class="button button--warning">
                    {m('review.reject')}
                    <span class="visually-hidden"> {version.code}</span>
                  </button>
                </form>
              </>
            )}
          </section>
        );
      })}
    </>
  );
}

// ---------- One item: its public state and versions ----------

/** What the public sees of an item now. */
export type PublicState =
  | { kind: 'published'; number: number; at: Date }
  | { kind: 'withdrawn' }
  | { kind: 'never' };

export function ItemBody(props: {
  v: ViewContext;
  code: string;
  department: string;
  versions: readonly ItemVersion[];
  publicState: PublicState;
  mayPublish: boolean;
  csrf: string;
  names: Names;
  done?: string;
  alert?: string;
}) {
  const { v, versions } = props;
  const { m } = v;
  const newest = versions[0];
  const name = newest?.content.name[v.lang] ?? props.code;
  const state = props.publicState;
  return (
    <>
      {props.alert ? <ProblemAlert title={m('form.conflict')} message={props.alert} /> : null}
      {props.done ? (
        <NotificationBanner variant="success" title={m('item.done')}>
          <p>{props.done}</p>
        </NotificationBanner>
      ) : null}
      <h1>{itemTitle(v, name, props.code)}</h1>
      <SummaryList
        rows={[
          {
            key: m('item.department'),
            value: props.names.departments.get(props.department) ?? props.department,
          },
          {
            key: m('item.public'),
            value:
              state.kind === 'published' ? (
                <>
                  {m('item.public.published', { number: state.number, date: v.date(state.at) })}{' '}
                  <a href={`/services/${props.code}`}>{m('item.guide')}</a>
                </>
              ) : state.kind === 'withdrawn' ? (
                m('item.public.withdrawn')
              ) : (
                m('item.public.never')
              ),
          },
        ]}
      />
      <div>
        {newest && newest.state !== 'submitted' && newest.state !== 'scheduled' ? (
          <p>
            <a class="button" href={`${PATH}/${props.code}/edit`}>
              {m('item.edit')}
            </a>
          </p>
        ) : null}
        {newest?.state === 'draft' ? (
          <form method="post" action={`${PATH}/${props.code}/submit`}>
            <input type="hidden" name="_csrf" value={props.csrf} />
            <input type="hidden" name="versionId" value={newest.id} />
            <button type="submit" class="button button--secondary">
              {m('item.submit', { number: newest.number })}
            </button>
          </form>
        ) : null}
        {props.mayPublish && state.kind === 'published' ? (
          <p>
            <a class="button button--warning" href={`${PATH}/${props.code}/withdraw`}>
              {m('item.withdraw')}
            </a>
          </p>
        ) : null}
      </div>
      <h2>{m('item.versions')}</h2>
      {versions.map((version, index) => {
        const isFirst = index === versions.length - 1;
        const rows: SummaryRow[] = [
          { key: m('item.state'), value: <StateTag state={version.state} m={m} /> },
          {
            key: m('item.writtenBy'),
            value:
              version.source === 'import'
                ? m('item.who', { who: m('item.imported'), date: v.date(version.createdAt) })
                : m('item.who', { who: who(v, version.createdBy), date: v.date(version.createdAt) }),
          },
        ];
        if (version.submittedBy)
          rows.push({
            key: m('item.submittedBy'),
            value: m('item.who', {
              who: who(v, version.submittedBy),
              date: version.submittedAt ? v.date(version.submittedAt) : '',
            }),
          });
        if (version.reviewedBy)
          rows.push({
            key: m('item.reviewedBy'),
            value: m('item.who', {
              who: who(v, version.reviewedBy),
              date: version.reviewedAt ? v.date(version.reviewedAt) : '',
            }),
          });
        if (version.publishAt && version.state === 'scheduled')
          rows.push({ key: m('item.publishAt'), value: v.date(version.publishAt) });
        if (version.publishedAt)
          rows.push({ key: m('item.publishedAt'), value: v.date(version.publishedAt) });
        rows.push({ key: m('item.changeNote'), value: version.changeNote || m('list.none') });
        if (version.reviewNote) rows.push({ key: m('item.reviewNote'), value: version.reviewNote });
        rows.push({
          key: m('item.changed'),
          value: isFirst
            ? m('item.changedFirst')
            : FIELD_ORDER.filter((f) => version.changedFields.includes(f))
                .map((f) => fieldLabel(m, f))
                .join(v.lang === 'zh' ? '、' : ', '),
        });
        return (
          <section aria-labelledby={`version-${version.number}`} key={version.id}>
            <h3 id={`version-${version.number}`}>{m('item.version', { number: version.number })}</h3>
            <SummaryList rows={rows} />
          </section>
        );
      })}
      <p>
        <a href={PATH}>{m('form.backToList')}</a>
      </p>
    </>
  );
}

// ---------- Withdrawing ----------

export function WithdrawBody(props: {
  v: ViewContext;
  code: string;
  name: string;
  published: boolean;
  csrf: string;
  note: string;
  problem?: string;
  alert?: string;
}): ComponentChildren {
  const { m } = props.v;
  return (
    <>
      <ErrorSummary
        title={m('form.problem')}
        errors={props.problem ? [{ fieldId: 'note', message: props.problem }] : []}
      />
      {props.alert ? <ProblemAlert title={m('form.conflict')} message={props.alert} /> : null}
      <h1>{m('withdraw.title')}</h1>
      {props.published ? (
        <>
          <p class="lead">{m('withdraw.lead', { name: props.name, code: props.code })}</p>
          <form method="post" action={`${PATH}/${props.code}/withdraw`} novalidate>
            <input type="hidden" name="_csrf" value={props.csrf} />
            <FormGroup
              id="note"
              label={m('withdraw.note')}
              hint={m('withdraw.noteHint')}
              error={props.problem}
            >
              {(describedBy) => (
                <textarea
                  id="note"
                  name="note"
                  rows={3}
                  aria-describedby={describedBy}
                  aria-invalid={props.problem ? 'true' : undefined}
                >
                  {props.note}
                </textarea>
              )}
            </FormGroup>
            <button type="submit" class="button button--warning">
              {m('withdraw.confirm')}
            </button>
          </form>
        </>
      ) : (
        <p>{m('withdraw.notPublished')}</p>
      )}
      <p>
        <a href={`${PATH}/${props.code}`}>{m('withdraw.cancel')}</a>
      </p>
    </>
  );
}
