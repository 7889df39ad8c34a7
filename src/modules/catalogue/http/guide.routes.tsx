import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PUBLIC_PAGE_CACHE } from '../../../kernel/http/page-cache.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import type { Locale, Translate } from '../../../kernel/i18n/index.ts';
import { DataTable, SummaryList, type SummaryRow } from '../../../kernel/views/components.tsx';
import type { Department, OrganisationsContract } from '../../organisations/index.ts';
import { type CataloguePagesMessageKey, cataloguePagesMessages } from '../catalogue-pages.messages.ts';
import type { CatalogueContract, ServiceItem, ServiceSummary } from '../contract.ts';
import {
  formatCivilDay,
  formatInstantDay,
  formatWorkingDays,
  formatYuan,
  inLocale,
} from './guide.presenters.ts';
import { CatalogueHelp, SearchForm } from './search.routes.tsx';

type M = Translate<CataloguePagesMessageKey>;
type Material = ServiceItem['materials'][number];

const CODE = /^[A-Z]{2,6}-\d{4}$/;

/** What the guide page needs besides the catalogue. */
export interface GuideOptions {
  timeZone: string;
  /** The portal's public address, printed on the guide so a paper copy says where the latest one is. */
  publicUrl: URL | undefined;
  /** URL of the script that turns on the print button (the page prints without it). */
  printScript: string;
}

/** Paragraphs of a longer text, split at blank or single line breaks. */
function Paragraphs({ text }: { text: string }) {
  return (
    <>
      {text
        .split(/\n+/)
        .map((p) => p.trim())
        .filter(Boolean)
        .map((p) => (
          <p key={p}>{p}</p>
        ))}
    </>
  );
}

function DepartmentLink({
  code,
  departments,
  locale,
}: {
  code: string;
  departments: Map<string, Department>;
  locale: Locale;
}) {
  const department = departments.get(code);
  return <a href={`/departments/${code}`}>{department ? department.name[locale] : code}</a>;
}

/** What the material cell says: its name, notes, and whether the person need not bring it at all. */
function MaterialCell({ material, m, locale }: { material: Material; m: M; locale: Locale }) {
  const name = inLocale(material.name, locale);
  const replaceable = material.replaceableBy;
  return (
    <>
      <span class="guide-materials__name">{name}</span>
      {material.notes ? <span class="guide-materials__note">{inLocale(material.notes, locale)}</span> : null}
      {replaceable ? (
        <strong class="guide-materials__shared">
          {replaceable.certificateType
            ? m('guide.material.certificate', { name })
            : m('guide.material.dataElement')}
        </strong>
      ) : null}
    </>
  );
}

/** The service guide (办事指南): everything a person needs to prepare, on one printable page. */
function GuidePage(props: {
  item: ServiceItem;
  m: M;
  locale: Locale;
  departments: Map<string, Department>;
  related: readonly ServiceSummary[];
  options: GuideOptions;
}) {
  const { item, m, locale, departments, options } = props;
  const t = (text: { zh: string; en: string }) => inLocale(text, locale);
  const list = (parts: string[]) => parts.join(locale === 'en' ? ', ' : '、');
  const paidFees = item.fees.filter((f) => f.amountFen > 0);
  const feeText =
    paidFees.length === 0
      ? m('guide.free')
      : list(paidFees.map((f) => `${t(f.item)} ${m('guide.fee.yuan', { amount: formatYuan(f.amountFen) })}`));
  const overview: SummaryRow[] = [
    { key: m('guide.code'), value: item.code },
    { key: m('guide.audiences'), value: list(item.audiences.map((a) => m(`audience.${a}`))) },
    { key: m('guide.kind'), value: m(`kind.${item.kind}`) },
    {
      key: m('guide.department'),
      value: <DepartmentLink code={item.department} departments={departments} locale={locale} />,
    },
  ];
  if (item.coDepartments.length > 0)
    overview.push({
      key: m('guide.coDepartments'),
      value: (
        <>
          <ul class="guide__inline-list">
            {item.coDepartments.map((code) => (
              <li key={code}>
                <DepartmentLink code={code} departments={departments} locale={locale} />
              </li>
            ))}
          </ul>
          <p class="secondary-text">{m('guide.coDepartments.note')}</p>
        </>
      ),
    });
  overview.push(
    { key: m('guide.channels'), value: list(item.channels.map((c) => m(`channel.${c}`))) },
    { key: m('guide.onlineDepth'), value: m(`depth.${item.onlineDepth}`) },
    { key: m('guide.identityLevel'), value: m(`level.${item.identityLevel}`) },
    { key: m('guide.fees'), value: feeText },
    { key: m('guide.promised'), value: formatWorkingDays(item.promisedDays, m) },
  );
  const effective = item.effectiveUntil
    ? m('guide.effective.range', {
        from: formatCivilDay(item.effectiveFrom, locale),
        until: formatCivilDay(item.effectiveUntil, locale),
      })
    : m('guide.effective.from', { from: formatCivilDay(item.effectiveFrom, locale) });
  const printedFrom = options.publicUrl
    ? m('guide.printedFrom', { url: new URL(`/services/${item.code}`, options.publicUrl).href })
    : m('guide.printedFromCode', { code: item.code });

  return (
    <article class="guide">
      <p class="guide__caption">
        {m('guide.caption')} · {item.code}
      </p>
      <h1>{t(item.name)}</h1>
      <p class="lead">{t(item.summary)}</p>
      {item.onlineDepth === 'transact' || item.onlineDepth === 'integrate' ? (
        // The applying pages (cases module) say so when a service has no online process yet.
        <p>
          <a class="button" href={`/services/${item.code}/apply`}>
            {m('guide.apply')}
          </a>
        </p>
      ) : null}
      <div class="guide__print">
        <button type="button" class="button--secondary guide__print-button" data-print hidden>
          {m('guide.print')}
        </button>
        <p class="secondary-text guide__print-hint">{m('guide.printHint')}</p>
      </div>
      <p class="guide__printed-from">{printedFrom}</p>

      <h2 id="overview">{m('guide.overview')}</h2>
      <SummaryList rows={overview} />

      <h2 id="description">{m('guide.description')}</h2>
      <Paragraphs text={t(item.description)} />

      <h2 id="conditions">{m('guide.conditions')}</h2>
      {item.conditions.length > 0 ? (
        <ol>
          {item.conditions.map((c) => (
            <li key={c.zh}>{t(c)}</li>
          ))}
        </ol>
      ) : (
        <p>{m('guide.conditions.none')}</p>
      )}

      <h2 id="materials">{m('guide.materials')}</h2>
      {item.materials.length > 0 ? (
        <>
          <div class="guide-materials">
            <DataTable
              caption={m('guide.materials.caption', { count: item.materials.length })}
              captionHidden
              columns={[
                {
                  header: m('guide.material.name'),
                  cell: (material: Material) => <MaterialCell material={material} m={m} locale={locale} />,
                },
                { header: m('guide.material.form'), cell: (material) => m(`form.${material.form}`) },
                {
                  header: m('guide.material.count'),
                  cell: (material) => m('guide.material.countValue', { count: material.count }),
                },
                {
                  header: m('guide.material.required'),
                  cell: (material) =>
                    material.required ? m('guide.material.mandatory') : m('guide.material.optional'),
                },
              ]}
              rows={item.materials}
              rowKey={(material) => material.name.zh}
            />
          </div>
          {item.materials.some((material) => material.replaceableBy) ? (
            <p class="secondary-text">{m('guide.materials.shared')}</p>
          ) : null}
        </>
      ) : (
        <p>{m('guide.materials.none')}</p>
      )}

      <h2 id="fees">{m('guide.fees')}</h2>
      {paidFees.length > 0 ? (
        <DataTable
          caption={m('guide.fees.caption')}
          captionHidden
          columns={[
            { header: m('guide.fee.item'), cell: (f) => t(f.item) },
            {
              header: m('guide.fee.amount'),
              numeric: true,
              cell: (f) =>
                f.amountFen > 0 ? m('guide.fee.yuan', { amount: formatYuan(f.amountFen) }) : m('guide.free'),
            },
            { header: m('guide.fee.basis'), cell: (f) => t(f.basis) },
          ]}
          rows={item.fees}
          rowKey={(f) => f.item.zh}
        />
      ) : (
        <p>{m('guide.free')}</p>
      )}

      <h2 id="time-limits">{m('guide.timeLimits')}</h2>
      <SummaryList
        rows={[
          { key: m('guide.statutory'), value: formatWorkingDays(item.statutoryDays, m) },
          { key: m('guide.promised'), value: formatWorkingDays(item.promisedDays, m) },
        ]}
      />
      <p class="secondary-text">{m('guide.days.note')}</p>

      {item.counters.length > 0 ? (
        <>
          <h2 id="counters">{m('guide.counters')}</h2>
          {item.counters.map((counter) => (
            <div class="guide-counter" key={counter.name.zh}>
              <h3>{t(counter.name)}</h3>
              <SummaryList
                rows={[
                  { key: m('guide.counter.address'), value: t(counter.address) },
                  { key: m('guide.counter.hours'), value: t(counter.hours) },
                  {
                    key: m('guide.counter.phone'),
                    value: <a href={`tel:${counter.phone}`}>{counter.phone}</a>,
                  },
                ]}
              />
            </div>
          ))}
        </>
      ) : null}

      <h2 id="legal-basis">{m('guide.legalBasis')}</h2>
      <ul>
        {item.legalBasis.map((basis) => (
          <li key={basis.zh}>{t(basis)}</li>
        ))}
      </ul>

      {item.faq.length > 0 ? (
        <>
          <h2 id="faq">{m('guide.faq')}</h2>
          {item.faq.map((entry) => (
            <div class="guide-faq" key={entry.q.zh}>
              <h3>{t(entry.q)}</h3>
              <Paragraphs text={t(entry.a)} />
            </div>
          ))}
        </>
      ) : null}

      {props.related.length > 0 ? (
        <>
          <h2 id="related">{m('guide.related')}</h2>
          <ul class="guide__related">
            {props.related.map((service) => (
              <li key={service.code}>
                <a href={`/services/${service.code}`}>{t(service.name)}</a>
              </li>
            ))}
          </ul>
        </>
      ) : null}

      <h2 id="effective">{m('guide.effective')}</h2>
      <p>{effective}</p>
      <p class="secondary-text">
        {m('guide.version', {
          version: item.version,
          date: formatInstantDay(item.publishedAt, locale, options.timeZone),
        })}
      </p>

      <CatalogueHelp m={m} />
      <script src={options.printScript} defer />
    </article>
  );
}

/** The translated 404 of an unknown or withdrawn service: search for it instead, or call. */
function sendServiceNotFound(request: FastifyRequest, reply: FastifyReply, code: string): FastifyReply {
  const m = cataloguePagesMessages.translator(request.locale);
  return sendPage(
    request,
    reply,
    {
      title: m('notFound.title'),
      status: 404,
      breadcrumbs: [{ label: m('guide.breadcrumb'), href: '/search' }, { label: m('notFound.title') }],
    },
    (ctx) => (
      <>
        <h1>{m('notFound.title')}</h1>
        <p class="lead">{m('notFound.body', { code: code.slice(0, 40) })}</p>
        <p>{m('notFound.next')}</p>
        <SearchForm m={m} locale={ctx.locale} />
        <CatalogueHelp m={m} />
      </>
    ),
  );
}

/** The public guide page of a published service: `/services/:code`. */
export function registerGuidePage(
  app: FastifyInstance,
  catalogue: CatalogueContract,
  organisations: OrganisationsContract,
  options: GuideOptions,
): void {
  app.get<{ Params: { code: string } }>(
    '/services/:code',
    {
      schema: { hide: true },
      config: { pageCache: PUBLIC_PAGE_CACHE },
      // Counted here rather than in the handler, so a page served from the page cache counts too.
      onResponse: (request, reply, done) => {
        if (request.method === 'GET' && reply.statusCode === 200)
          catalogue.countView(request.params.code.toUpperCase());
        done();
      },
    },
    async (request, reply) => {
      const { code } = request.params;
      const item = CODE.test(code.toUpperCase()) ? await catalogue.findService(code) : undefined;
      if (!item) return sendServiceNotFound(request, reply, code);
      if (code !== item.code) {
        // One address per guide: sj-0101 becomes SJ-0101, keeping the query (the language).
        const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
        return reply.redirect(`/services/${item.code}${query}`, 301);
      }
      const [departments, related] = await Promise.all([
        organisations.listDepartments(),
        item.related.length > 0
          ? catalogue.listServices({ codes: item.related, limit: item.related.length })
          : Promise.resolve({ items: [] as ServiceSummary[], total: 0 }),
      ]);
      const m = cataloguePagesMessages.translator(request.locale);
      const name = inLocale(item.name, request.locale);
      // In the order the guide's editor gave, not the catalogue's.
      const relatedInOrder = item.related
        .map((c) => related.items.find((s) => s.code === c))
        .filter((s): s is ServiceSummary => s !== undefined);
      return sendPage(
        request,
        reply,
        { title: name, breadcrumbs: [{ label: m('guide.breadcrumb'), href: '/search' }, { label: name }] },
        (ctx) => (
          <GuidePage
            item={item}
            m={m}
            locale={ctx.locale}
            departments={new Map(departments.map((d) => [d.code, d]))}
            related={relatedInOrder}
            options={options}
          />
        ),
      );
    },
  );
}
