import type { FastifyInstance } from 'fastify';
import { sendPage } from '../../../kernel/http/pages.tsx';
import { LocalTime, NotificationBanner } from '../../../kernel/views/components.tsx';
import { casesMessages } from '../cases.messages.ts';
import { casesPageMessages } from '../cases-pages.messages.ts';
import type { CaseNotification, NotificationsService } from '../notifications.service.ts';

type Translate = (key: string, params?: Record<string, string>) => string;

/** One notice as a line: what happened to which case, linked to it (the applicant's page or the workbench's). */
export function NoticeList(props: {
  notices: readonly CaseNotification[];
  locale: 'zh-CN' | 'en';
  timeZone: string;
  hrefOf: (notice: CaseNotification) => string;
}) {
  const t = casesMessages.translator(props.locale) as Translate;
  return (
    <ul class="notices">
      {props.notices.map((notice) => (
        <li key={notice.id}>
          <LocalTime value={notice.createdAt} locale={props.locale} timeZone={props.timeZone} />{' '}
          <a href={props.hrefOf(notice)}>
            {notice.readAt === null && notice.departmentCode === null ? (
              <strong>{subject(t, notice)}</strong>
            ) : (
              subject(t, notice)
            )}
          </a>
        </li>
      ))}
    </ul>
  );
}

const subject = (t: Translate, notice: CaseNotification) =>
  t(`notice.${notice.kind}.subject`, { number: notice.caseNumber, due: String(notice.details.due ?? '') });

/** A person's notices (`/notifications`): what happened to their cases, newest first; opening the page reads them. */
export function registerNotificationPages(
  app: FastifyInstance,
  deps: { notifications: NotificationsService; timeZone: string },
): void {
  app.get('/notifications', { schema: { hide: true } }, async (request, reply) => {
    const actor = await request.actor();
    if (actor.kind !== 'person' && actor.kind !== 'staff') return reply.redirect('/sign-in', 303);
    const p = casesPageMessages.translator(request.locale) as Translate;
    const notices = await deps.notifications.list(actor, 100);
    // Shown means read: the list is the place they are read.
    await deps.notifications.markRead(actor.accountId);
    return sendPage(
      request,
      reply,
      { title: p('notices.title'), breadcrumbs: [{ label: p('notices.title') }] },
      () => (
        <>
          <h1>{p('notices.title')}</h1>
          {notices.length === 0 ? (
            <NotificationBanner title={p('notices.empty')} />
          ) : (
            <NoticeList
              notices={notices}
              locale={request.locale}
              timeZone={deps.timeZone}
              hrefOf={(n) =>
                n.departmentCode ? `/workbench/cases/${n.caseNumber}` : `/cases/${n.caseNumber}`
              }
            />
          )}
        </>
      ),
    );
  });
}
