import type { ComponentChildren } from 'preact';
import type { Locale } from '../i18n/index.ts';

/*
 * Shared page components. Each takes already-translated strings (no `t`), renders plain HTML that
 * works without JavaScript, and owns the CSS classes of the same name in `styles.css`.
 */

/** One step of the trail to the current page; the last crumb is the current page and may omit `href`. */
export interface Crumb {
  label: string;
  href?: string;
}

export interface BreadcrumbsProps {
  /** Accessible name of the navigation landmark, e.g. t('layout.breadcrumbs'). */
  label: string;
  items: readonly Crumb[];
}

/** The trail from the home page to the current page; marks the last crumb with aria-current="page". */
export function Breadcrumbs({ label, items }: BreadcrumbsProps) {
  if (items.length === 0) return null;
  const last = items.length - 1;
  return (
    <nav class="breadcrumbs" aria-label={label}>
      <ol class="breadcrumbs__list">
        {items.map((crumb, i) => {
          const current = i === last ? 'page' : undefined;
          return (
            <li class="breadcrumbs__item" key={`${crumb.href ?? ''}|${crumb.label}`}>
              {crumb.href ? (
                <a class="breadcrumbs__link" href={crumb.href} aria-current={current}>
                  {crumb.label}
                </a>
              ) : (
                <span aria-current={current}>{crumb.label}</span>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

/** A link that acts on one summary row, e.g. "Change"; the row's key is appended for screen readers. */
export interface SummaryAction {
  href: string;
  text: string;
}

export interface SummaryRow {
  key: string;
  value: ComponentChildren;
  action?: SummaryAction;
}

/** Label/value pairs (a `<dl>`), e.g. a case's details or "check your answers". */
export function SummaryList({ rows }: { rows: readonly SummaryRow[] }) {
  return (
    <dl class="summary-list">
      {rows.map((row) => (
        <div class="summary-list__row" key={row.key}>
          <dt class="summary-list__key">{row.key}</dt>
          <dd class="summary-list__value">{row.value}</dd>
          {row.action ? (
            <dd class="summary-list__actions">
              <a href={row.action.href}>
                {row.action.text}
                <span class="visually-hidden"> {row.key}</span>
              </a>
            </dd>
          ) : null}
        </div>
      ))}
    </dl>
  );
}

export type NotificationVariant = 'info' | 'success';

export interface NotificationBannerProps {
  title: string;
  children?: ComponentChildren;
  /** `info` is a labelled region (landmark); `success`, after an action, is a polite status message. */
  variant?: NotificationVariant;
  /** Id of the title, which names the banner; change it only if a page shows two banners. */
  id?: string;
}

/** A message about the whole page or service, shown above the page's content. */
export function NotificationBanner({
  title,
  children,
  variant = 'info',
  id = 'notification-banner-title',
}: NotificationBannerProps) {
  const className = `notification-banner notification-banner--${variant}`;
  const content = (
    <>
      <h2 class="notification-banner__title" id={id}>
        {title}
      </h2>
      {children ? <div class="notification-banner__body">{children}</div> : null}
    </>
  );
  return variant === 'success' ? (
    <div class={className} role="status" aria-labelledby={id}>
      {content}
    </div>
  ) : (
    <section class={className} aria-labelledby={id}>
      {content}
    </section>
  );
}

/** One problem with a submitted form; `fieldId` is the id of the input to fix. */
export interface FieldError {
  fieldId: string;
  message: string;
}

export interface ErrorSummaryProps {
  /** e.g. t('error.validation.title'). */
  title: string;
  errors: readonly FieldError[];
  description?: ComponentChildren;
  /** Moves focus here when the page loads, without JavaScript (HTML `autofocus`). Default true. */
  autofocus?: boolean;
}

/** The list of a form's errors at the top of the page, each linking to its field. Put it first in `<main>`. */
export function ErrorSummary({ title, errors, description, autofocus = true }: ErrorSummaryProps) {
  if (errors.length === 0) return null;
  return (
    <div
      class="error-summary"
      role="alert"
      aria-labelledby="error-summary-title"
      tabindex={-1}
      autofocus={autofocus}
    >
      <h2 class="error-summary__title" id="error-summary-title">
        {title}
      </h2>
      {description ? <div class="error-summary__description">{description}</div> : null}
      <ul class="error-summary__list">
        {errors.map((error) => (
          <li key={`${error.fieldId}|${error.message}`}>
            <a href={`#${error.fieldId}`}>{error.message}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** One column of a DataTable: its header and how to show a row's cell. */
export interface Column<Row> {
  header: string;
  cell: (row: Row) => ComponentChildren;
  /** Right-aligned with tabular figures. */
  numeric?: boolean;
}

export interface DataTableProps<Row> {
  /** Required: names the table and its scrolling region. */
  caption: string;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  /** Stable identity of a row; defaults to its position. */
  rowKey?: (row: Row, index: number) => string | number;
  /** Render the first column's cells as `<th scope="row">` (when it names the row). */
  rowHeaders?: boolean;
  /** Text shown in a single row when `rows` is empty. */
  empty?: string;
  /** Hide the caption visually (it is still read out), e.g. when a heading just above says the same. */
  captionHidden?: boolean;
}

/**
 * A table of data in a region (a named `<section>`) that scrolls sideways on narrow screens. The region
 * is focusable and named after the caption so keyboard users can scroll it.
 */
export function DataTable<Row>({
  caption,
  columns,
  rows,
  rowKey = (_row, index) => index,
  rowHeaders = false,
  empty,
  captionHidden = false,
}: DataTableProps<Row>) {
  const numericClass = (column: Column<Row>) => (column.numeric ? 'numeric' : undefined);
  return (
    <section class="table-scroll" aria-label={caption} tabindex={0}>
      <table class="data-table">
        <caption class={captionHidden ? 'visually-hidden' : 'data-table__caption'}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th scope="col" class={numericClass(column)} key={column.header}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && empty ? (
            <tr>
              <td colspan={columns.length}>{empty}</td>
            </tr>
          ) : null}
          {rows.map((row, index) => (
            <tr key={rowKey(row, index)}>
              {columns.map((column, c) =>
                rowHeaders && c === 0 ? (
                  <th scope="row" class={numericClass(column)} key={column.header}>
                    {column.cell(row)}
                  </th>
                ) : (
                  <td class={numericClass(column)} key={column.header}>
                    {column.cell(row)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export interface PanelProps {
  title: string;
  children?: ComponentChildren;
  /** 1 on a confirmation page, where the panel's title is the page's heading. */
  headingLevel?: 1 | 2;
}

/** The confirmation panel: "Application submitted", with the case number and what happens next. */
export function Panel({ title, children, headingLevel = 1 }: PanelProps) {
  const Heading = headingLevel === 1 ? 'h1' : 'h2';
  return (
    <div class="panel">
      <Heading class="panel__title">{title}</Heading>
      {children ? <div class="panel__body">{children}</div> : null}
    </div>
  );
}

export interface ServiceCardProps {
  title: string;
  href: string;
  description?: string;
  /** Small print under the description, e.g. the responsible department or "online in 3 steps". */
  meta?: ComponentChildren;
  headingLevel?: 2 | 3 | 4;
}

/** A card that links to a service or a group of services; the whole card is clickable. */
export function ServiceCard({ title, href, description, meta, headingLevel = 3 }: ServiceCardProps) {
  const Heading = headingLevel === 2 ? 'h2' : headingLevel === 3 ? 'h3' : 'h4';
  return (
    <div class="card">
      <Heading class="card__title">
        <a class="card__link" href={href}>
          {title}
        </a>
      </Heading>
      {description ? <p class="card__description">{description}</p> : null}
      {meta ? <div class="card__meta">{meta}</div> : null}
    </div>
  );
}

export interface CardListProps {
  items: readonly ServiceCardProps[];
  /** Heading level of every card's title (default 3, under the section's h2). */
  headingLevel?: 2 | 3 | 4;
}

/** A grid of service cards: one column on phones, up to three on wide screens. */
export function CardList({ items, headingLevel }: CardListProps) {
  return (
    <ul class="card-list">
      {items.map((item) => (
        <li class="card-list__item" key={item.href}>
          <ServiceCard {...item} headingLevel={item.headingLevel ?? headingLevel} />
        </li>
      ))}
    </ul>
  );
}

export type TagTone = 'neutral' | 'info' | 'success' | 'warning' | 'danger';

/**
 * Links between the pages of a list paged by a key (a code, a number: never an offset): back to the first page when
 * this is a later one, and on to the next when there is one. Nothing when the list fits on one page.
 */
export function PageLinks(props: {
  label: string;
  first?: { href: string; text: string };
  next?: { href: string; text: string };
}) {
  if (!props.first && !props.next) return null;
  return (
    <nav aria-label={props.label}>
      <ul>
        {props.first ? (
          <li>
            <a href={props.first.href}>{props.first.text}</a>
          </li>
        ) : null}
        {props.next ? (
          <li>
            <a rel="next" href={props.next.href}>
              {props.next.text}
            </a>
          </li>
        ) : null}
      </ul>
    </nav>
  );
}

/** A short status ("已受理", "Approved"): the text carries the meaning, the colour only repeats it. */
export function TagStatus({ text, tone = 'neutral' }: { text: string; tone?: TagTone }) {
  return <strong class={`tag tag--${tone}`}>{text}</strong>;
}

/** A labelled form field with its hint and error, linked for screen readers (GOV.UK's form group pattern). */
export function FormGroup(props: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  children: (describedBy: string | undefined) => ComponentChildren;
}) {
  const describedBy =
    [props.hint ? `${props.id}-hint` : '', props.error ? `${props.id}-error` : '']
      .filter(Boolean)
      .join(' ') || undefined;
  return (
    <div class={props.error ? 'form-group form-group--error' : 'form-group'}>
      <label for={props.id}>{props.label}</label>
      {props.hint ? (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      {props.error ? (
        <p class="error-message" id={`${props.id}-error`}>
          {props.error}
        </p>
      ) : null}
      {props.children(describedBy)}
    </div>
  );
}

/** A labelled one-line text input in a form group (hint and error linked for screen readers). */
export function TextField(props: {
  id: string;
  label: string;
  value?: string;
  type?: 'text' | 'email' | 'tel' | 'password' | 'date';
  hint?: string;
  error?: string;
  autocomplete?: string;
  inputmode?: 'text' | 'numeric' | 'tel' | 'email' | 'url';
  autocapitalize?: 'characters';
  /** Codes, names and addresses are not prose: spell checking only marks them wrong. */
  spellcheck?: boolean;
  required?: boolean;
  maxLength?: number;
}) {
  return (
    <FormGroup id={props.id} label={props.label} hint={props.hint} error={props.error}>
      {(describedBy) => (
        <input
          id={props.id}
          name={props.id}
          // Preact's types narrow the other attributes by a literal `type`; each of these takes the same ones.
          type={(props.type ?? 'text') as 'text'}
          value={props.value ?? ''}
          autocomplete={props.autocomplete}
          inputmode={props.inputmode}
          autocapitalize={props.autocapitalize}
          spellcheck={props.spellcheck}
          required={props.required}
          maxLength={props.maxLength}
          aria-describedby={describedBy}
          aria-invalid={props.error ? 'true' : undefined}
        />
      )}
    </FormGroup>
  );
}

/** A labelled select in a form group (hint and error linked for screen readers). */
export function SelectField(props: {
  id: string;
  label: string;
  options: readonly { value: string; label: string }[];
  value?: string;
  hint?: string;
  error?: string;
}) {
  return (
    <FormGroup id={props.id} label={props.label} hint={props.hint} error={props.error}>
      {(describedBy) => (
        <select
          id={props.id}
          name={props.id}
          aria-describedby={describedBy}
          aria-invalid={props.error ? 'true' : undefined}
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

/**
 * Several choices under one question (a `<fieldset>` whose legend is the question), each a checkbox named `name`.
 * The error, if any, is linked from the error summary through the fieldset's id.
 */
export function CheckboxGroup(props: {
  id: string;
  name: string;
  legend: string;
  hint?: string;
  error?: string;
  options: readonly { value: string; label: string; checked?: boolean }[];
}) {
  return <ChoiceFieldset {...props} type="checkbox" />;
}

/**
 * One choice among several (a `<fieldset>` of radios named `name`, its legend the question); the error summary links
 * to the first radio, which has the group's id.
 */
export function RadioGroup(props: {
  id: string;
  name: string;
  legend: string;
  hint?: string;
  error?: string;
  value?: string;
  options: readonly { value: string; label: string }[];
}) {
  return (
    <ChoiceFieldset
      {...props}
      type="radio"
      options={props.options.map((o) => ({ ...o, checked: o.value === props.value }))}
    />
  );
}

/** The fieldset both choice groups are: legend, hint and error linked for screen readers, one input per option. */
function ChoiceFieldset(props: {
  type: 'checkbox' | 'radio';
  id: string;
  name: string;
  legend: string;
  hint?: string;
  error?: string;
  options: readonly { value: string; label: string; checked?: boolean }[];
}) {
  const describedBy =
    [props.hint ? `${props.id}-hint` : '', props.error ? `${props.id}-error` : '']
      .filter(Boolean)
      .join(' ') || undefined;
  // Checkboxes are reached through the fieldset's id; a radio group through its first radio.
  const inputId = (i: number) => (props.type === 'radio' && i === 0 ? props.id : `${props.id}-${i}`);
  return (
    <div class={props.error ? 'form-group form-group--error' : 'form-group'}>
      <fieldset
        class="fieldset"
        id={props.type === 'checkbox' ? props.id : undefined}
        aria-describedby={describedBy}
      >
        <legend class="fieldset__legend">{props.legend}</legend>
        {props.hint ? (
          <p class="hint" id={`${props.id}-hint`}>
            {props.hint}
          </p>
        ) : null}
        {props.error ? (
          <p class="error-message" id={`${props.id}-error`}>
            {props.error}
          </p>
        ) : null}
        {props.options.map((option, i) => (
          <div class="choice" key={option.value}>
            <input
              type={props.type}
              id={inputId(i)}
              name={props.name}
              value={option.value}
              checked={option.checked}
            />
            <label for={inputId(i)}>{option.label}</label>
          </div>
        ))}
      </fieldset>
    </div>
  );
}

// Building an Intl.DateTimeFormat costs about 100 µs: one per language and zone, kept.
const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

/** A date and time in the platform's zone and the reader's language, inside `<time>` with the exact instant. */
export function LocalTime({ value, locale, timeZone }: { value: Date; locale: Locale; timeZone: string }) {
  const key = `${locale}|${timeZone}`;
  let format = dateTimeFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'medium', timeStyle: 'medium' });
    dateTimeFormats.set(key, format);
  }
  return <time datetime={value.toISOString()}>{format.format(value)}</time>;
}
