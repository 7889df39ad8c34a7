import { desc, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/database.ts';
import { AppError, KernelErrors } from '../errors.ts';
import { sendPage } from '../http/pages.tsx';
import type { Locale } from '../i18n/index.ts';
import { isId } from '../ids.ts';
import { mailMessages } from '../mail/mail.messages.ts';
import { DataTable, LocalTime, SummaryList, TagStatus, type TagTone } from '../views/components.tsx';
import { smsMessages } from './sms.messages.ts';
import { type SmsRecord, smsRecords } from './sms.tables.ts';

// The page is for reading the last few codes, not an archive.
const LIST_LIMIT = 100;

type StatusKey =
  | 'smsbox.status.http'
  | 'smsbox.status.log'
  | 'smsbox.status.failed'
  | 'smsbox.status.retrying'
  | 'smsbox.status.sending'
  | 'smsbox.status.queued';

function statusOf(sms: SmsRecord): { key: StatusKey; tone: TagTone } {
  if (sms.sentAt) {
    return sms.deliveredVia === 'log'
      ? { key: 'smsbox.status.log', tone: 'info' }
      : { key: 'smsbox.status.http', tone: 'success' };
  }
  if (sms.failedAt) return { key: 'smsbox.status.failed', tone: 'danger' };
  if (sms.claimedUntil) return { key: 'smsbox.status.sending', tone: 'neutral' };
  return sms.lastError
    ? { key: 'smsbox.status.retrying', tone: 'warning' }
    : { key: 'smsbox.status.queued', tone: 'neutral' };
}

/** The latest stored text messages, newest first, for the development mailbox. */
export function latestSms(db: Db): Promise<SmsRecord[]> {
  return db.select().from(smsRecords).orderBy(desc(smsRecords.id)).limit(LIST_LIMIT);
}

/** The development mailbox's section of text messages: a heading, and a captioned table of the latest ones. */
export function SmsSection(props: { messages: readonly SmsRecord[]; locale: Locale; timeZone: string }) {
  const m = smsMessages.translator(props.locale);
  return (
    <>
      <h2 id="sms">{m('smsbox.heading')}</h2>
      <p>{m('smsbox.lead')}</p>
      <DataTable
        caption={m('smsbox.caption', { count: props.messages.length })}
        columns={[
          {
            header: m('smsbox.to'),
            cell: (sms) => <a href={`/dev/mailbox/sms/${sms.id}`}>{sms.recipient}</a>,
          },
          { header: m('smsbox.text'), cell: (sms) => <span lang={sms.locale}>{sms.text}</span> },
          {
            header: m('smsbox.created'),
            cell: (sms) => (
              <LocalTime value={sms.createdAt} locale={props.locale} timeZone={props.timeZone} />
            ),
          },
          {
            header: m('smsbox.status'),
            cell: (sms) => {
              const status = statusOf(sms);
              return <TagStatus text={m(status.key)} tone={status.tone} />;
            },
          },
        ]}
        rows={props.messages}
        rowKey={(sms) => sms.id}
        rowHeaders
        empty={m('smsbox.empty')}
      />
    </>
  );
}

/**
 * `/dev/mailbox/sms/:id`: one stored text message. Like the rest of the development mailbox, anyone who can reach
 * the site can read it, codes included: register it only with the mailbox, in the embedded demo mode.
 */
export function registerDevSmsPages(app: FastifyInstance, db: Db, options: { timeZone?: string } = {}): void {
  const timeZone = options.timeZone ?? 'Asia/Shanghai';
  app.get<{ Params: { id: string } }>(
    '/dev/mailbox/sms/:id',
    { schema: { hide: true } },
    async (request, reply) => {
      const { id } = request.params;
      const [sms] = isId(id, 'sms') ? await db.select().from(smsRecords).where(eq(smsRecords.id, id)) : [];
      if (!sms) throw new AppError(KernelErrors.notFound);
      const m = smsMessages.translator(request.locale);
      const mailbox = mailMessages.translator(request.locale);
      const title = m('smsbox.message.title', { to: sms.recipient });
      const status = statusOf(sms);
      // Holds one-time codes: never cached, never indexed.
      reply.header('cache-control', 'no-store').header('x-robots-tag', 'noindex, nofollow');
      return sendPage(
        request,
        reply,
        { title, breadcrumbs: [{ label: mailbox('mailbox.title'), href: '/dev/mailbox' }, { label: title }] },
        (ctx) => (
          <>
            <h1>{title}</h1>
            <h2>{m('smsbox.message.details')}</h2>
            <SummaryList
              rows={[
                { key: m('smsbox.to'), value: sms.recipient },
                {
                  key: m('smsbox.created'),
                  value: <LocalTime value={sms.createdAt} locale={ctx.locale} timeZone={timeZone} />,
                },
                { key: m('smsbox.status'), value: <TagStatus text={m(status.key)} tone={status.tone} /> },
                // Only when a gateway took it; a message kept here (log transport) was never sent.
                ...(sms.sentAt && sms.deliveredVia === 'http'
                  ? [
                      {
                        key: m('smsbox.message.sentAt'),
                        value: <LocalTime value={sms.sentAt} locale={ctx.locale} timeZone={timeZone} />,
                      },
                    ]
                  : []),
                ...(sms.expiresAt
                  ? [
                      {
                        key: m('smsbox.message.expiresAt'),
                        value: <LocalTime value={sms.expiresAt} locale={ctx.locale} timeZone={timeZone} />,
                      },
                    ]
                  : []),
                { key: m('smsbox.message.attempts'), value: String(sms.attempts) },
                ...(sms.gatewayStatus !== null
                  ? [{ key: m('smsbox.message.gatewayStatus'), value: String(sms.gatewayStatus) }]
                  : []),
                ...(sms.lastError ? [{ key: m('smsbox.message.lastError'), value: sms.lastError }] : []),
                { key: m('smsbox.message.locale'), value: sms.locale },
                { key: m('smsbox.message.id'), value: sms.id },
              ]}
            />
            <h2>{m('smsbox.message.body')}</h2>
            <p lang={sms.locale}>
              {sms.text
                .split(/\r?\n/)
                .flatMap((line, i) => (i === 0 ? [line] : [<br key={`br${i}`} />, line]))}
            </p>
            <p>
              <a href="/dev/mailbox">{mailbox('mailbox.back')}</a>
            </p>
          </>
        ),
      );
    },
  );
}
