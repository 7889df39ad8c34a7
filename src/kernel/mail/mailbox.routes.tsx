import { desc, eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Db } from '../db/database.ts';
import { AppError, KernelErrors } from '../errors.ts';
import { sendPage } from '../http/pages.tsx';
import { isId } from '../ids.ts';
import { latestSms, registerDevSmsPages, SmsSection } from '../sms/sms-mailbox.routes.tsx';
import {
  DataTable,
  LocalTime,
  NotificationBanner,
  SummaryList,
  TagStatus,
  type TagTone,
} from '../views/components.tsx';
import { mailMessages } from './mail.messages.ts';
import { type MailRecord, mailRecords } from './mail.tables.ts';

// The page is for reading the last few codes, not an archive.
const LIST_LIMIT = 100;

type StatusKey =
  | 'mailbox.status.smtp'
  | 'mailbox.status.log'
  | 'mailbox.status.failed'
  | 'mailbox.status.queued';

function statusOf(mail: MailRecord): { key: StatusKey; tone: TagTone } {
  if (mail.sentAt) {
    return mail.deliveredVia === 'log'
      ? { key: 'mailbox.status.log', tone: 'info' }
      : { key: 'mailbox.status.smtp', tone: 'success' };
  }
  return mail.lastError
    ? { key: 'mailbox.status.failed', tone: 'warning' }
    : { key: 'mailbox.status.queued', tone: 'neutral' };
}

/** Plain-text mail as paragraphs (blank lines) and line breaks, so it wraps like the rest of the page. */
function MailText({ text }: { text: string }) {
  const paragraphs = text.split(/\r?\n\s*\r?\n/).filter((p) => p.trim() !== '');
  // Rendered once on the server: positions are stable identities here.
  return (
    <>
      {paragraphs.map((paragraph, i) => (
        <p key={`p${i}`}>
          {paragraph.split(/\r?\n/).flatMap((line, j) => (j === 0 ? [line] : [<br key={`br${j}`} />, line]))}
        </p>
      ))}
    </>
  );
}

/** Mail holds one-time codes: never cached, never indexed. */
function privateHeaders(reply: FastifyReply): void {
  reply.header('cache-control', 'no-store').header('x-robots-tag', 'noindex, nofollow');
}

/**
 * The development mailbox: `/dev/mailbox` lists the latest stored mails and text messages, `/dev/mailbox/:id` shows
 * a mail, `/dev/mailbox/sms/:id` a text message. Anyone who
 * can reach the site can read them, codes included, so register it only in the embedded demo mode.
 */
export function registerDevMailbox(app: FastifyInstance, db: Db, options: { timeZone?: string } = {}): void {
  const timeZone = options.timeZone ?? 'Asia/Shanghai';

  app.get('/dev/mailbox', { schema: { hide: true } }, async (request, reply) => {
    const mails = await db.select().from(mailRecords).orderBy(desc(mailRecords.id)).limit(LIST_LIMIT);
    const texts = await latestSms(db);
    const m = mailMessages.translator(request.locale);
    privateHeaders(reply);
    return sendPage(
      request,
      reply,
      { title: m('mailbox.title'), breadcrumbs: [{ label: m('mailbox.title') }] },
      (ctx) => (
        <>
          <h1>{m('mailbox.title')}</h1>
          <p class="lead">{m('mailbox.lead')}</p>
          <NotificationBanner title={m('mailbox.warning.title')}>
            <p>{m('mailbox.warning.body')}</p>
          </NotificationBanner>
          <DataTable
            caption={m('mailbox.caption', { count: mails.length })}
            columns={[
              {
                header: m('mailbox.subject'),
                cell: (mail) => (
                  <a href={`/dev/mailbox/${mail.id}`} lang={mail.locale}>
                    {mail.subject}
                  </a>
                ),
              },
              { header: m('mailbox.to'), cell: (mail) => mail.recipient },
              {
                header: m('mailbox.created'),
                cell: (mail) => <LocalTime value={mail.createdAt} locale={ctx.locale} timeZone={timeZone} />,
              },
              {
                header: m('mailbox.status'),
                cell: (mail) => {
                  const status = statusOf(mail);
                  return <TagStatus text={m(status.key)} tone={status.tone} />;
                },
              },
            ]}
            rows={mails}
            rowKey={(mail) => mail.id}
            rowHeaders
            empty={m('mailbox.empty')}
          />
          <SmsSection messages={texts} locale={ctx.locale} timeZone={timeZone} />
        </>
      ),
    );
  });
  registerDevSmsPages(app, db, { timeZone });

  app.get<{ Params: { id: string } }>(
    '/dev/mailbox/:id',
    { schema: { hide: true } },
    async (request, reply) => {
      const { id } = request.params;
      const [mail] = isId(id, 'mail')
        ? await db.select().from(mailRecords).where(eq(mailRecords.id, id))
        : [];
      if (!mail) throw new AppError(KernelErrors.notFound);
      const m = mailMessages.translator(request.locale);
      const title = m('mailbox.message.title', { subject: mail.subject });
      // The subject is in the mail's language, which need not be the page's.
      const subject = <span lang={mail.locale}>{mail.subject}</span>;
      const status = statusOf(mail);
      privateHeaders(reply);
      return sendPage(
        request,
        reply,
        {
          title,
          breadcrumbs: [{ label: m('mailbox.title'), href: '/dev/mailbox' }, { label: mail.subject }],
        },
        (ctx) => (
          <>
            <h1>{subject}</h1>
            <h2>{m('mailbox.message.details')}</h2>
            <SummaryList
              rows={[
                { key: m('mailbox.to'), value: mail.recipient },
                {
                  key: m('mailbox.created'),
                  value: <LocalTime value={mail.createdAt} locale={ctx.locale} timeZone={timeZone} />,
                },
                { key: m('mailbox.status'), value: <TagStatus text={m(status.key)} tone={status.tone} /> },
                // "Sent" only when a server took it; a mail kept here (log transport) was never sent.
                ...(mail.sentAt && mail.deliveredVia === 'smtp'
                  ? [
                      {
                        key: m('mailbox.message.sentAt'),
                        value: <LocalTime value={mail.sentAt} locale={ctx.locale} timeZone={timeZone} />,
                      },
                    ]
                  : []),
                { key: m('mailbox.message.attempts'), value: String(mail.attempts) },
                ...(mail.lastError ? [{ key: m('mailbox.message.lastError'), value: mail.lastError }] : []),
                { key: m('mailbox.message.locale'), value: mail.locale },
                { key: m('mailbox.message.id'), value: mail.id },
                ...(mail.messageId ? [{ key: m('mailbox.message.messageId'), value: mail.messageId }] : []),
              ]}
            />
            <h2>{m('mailbox.message.body')}</h2>
            <div lang={mail.locale}>
              <MailText text={mail.text} />
            </div>
            {mail.html ? (
              // The HTML is shown as source, never rendered: it is the platform's output, not trusted markup.
              <details>
                <summary>{m('mailbox.message.html')}</summary>
                <pre>
                  <code>{mail.html}</code>
                </pre>
              </details>
            ) : null}
            <p>
              <a href="/dev/mailbox">{m('mailbox.back')}</a>
            </p>
          </>
        ),
      );
    },
  );
}
