import type { FastifyInstance } from 'fastify';
import { civilDate } from '../../../kernel/calendar/working-days.ts';
import { PUBLIC_PAGE_CACHE } from '../../../kernel/http/page-cache.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import type { KernelContext } from '../../../kernel/modules.ts';
import { SummaryList } from '../../../kernel/views/components.tsx';
import type { OrganisationsContract } from '../../organisations/index.ts';
import { describeTodayCached } from '../domain/today.ts';
import { portalMessages } from '../portal.messages.ts';

/** The portal's front door and its fixed pages. */
export function registerPortalPages(
  app: FastifyInstance,
  kernel: KernelContext,
  organisations: OrganisationsContract,
): void {
  app.get(
    '/',
    { schema: { hide: true }, config: { pageCache: PUBLIC_PAGE_CACHE } },
    async (request, reply) => {
      const departments = await organisations.listDepartments();
      const m = portalMessages.translator(request.locale);
      const today = describeTodayCached(
        kernel.calendar,
        civilDate(new Date(), kernel.config.timeZone),
        request.locale,
      );
      return sendPage(request, reply, { title: m('home.title') }, (ctx) => (
        <>
          <h1>{ctx.t('site.portalName')}</h1>
          <p class="lead">{m('home.lead')}</p>
          <h2>{m('home.today')}</h2>
          <p>{today.status}</p>
          {today.next ? <p>{today.next}</p> : null}
          <h2>{m('home.channels')}</h2>
          <SummaryList
            rows={[
              { key: m('home.channel.online'), value: m('home.channel.online.text') },
              { key: m('home.channel.hotline'), value: m('home.channel.hotline.text') },
              { key: m('home.channel.counter'), value: m('home.channel.counter.text') },
            ]}
          />
          <h2>{m('home.departments')}</h2>
          <p>{m('home.departments.text', { count: departments.length })}</p>
          <p>
            <a href="/departments">{m('home.departments.link')}</a>
          </p>
        </>
      ));
    },
  );

  app.get(
    '/accessibility',
    { schema: { hide: true }, config: { pageCache: PUBLIC_PAGE_CACHE } },
    async (request, reply) => {
      const m = portalMessages.translator(request.locale);
      return sendPage(
        request,
        reply,
        { title: m('accessibility.title'), breadcrumbs: [{ label: m('accessibility.title') }] },
        () => (
          <>
            <h1>{m('accessibility.title')}</h1>
            <p class="lead">{m('accessibility.intro')}</p>
            <p>{m('accessibility.standards')}</p>
            <h2>{m('accessibility.how')}</h2>
            <ul>
              <li>{m('accessibility.how.nojs')}</li>
              <li>{m('accessibility.how.keyboard')}</li>
              <li>{m('accessibility.how.phone')}</li>
              <li>{m('accessibility.how.language')}</li>
              <li>{m('accessibility.how.checks')}</li>
            </ul>
            <h2>{m('accessibility.contact')}</h2>
            <p>{m('accessibility.contact.text')}</p>
          </>
        ),
      );
    },
  );
}
