import type { WorkingDayCalendar } from '../../kernel/calendar/working-days.ts';
import type { Locale } from '../../kernel/i18n/index.ts';
import { portalMessages } from './messages.ts';

/** Formats a civil date (YYYY-MM-DD) for people, with the weekday. */
export function formatCivilDate(date: string, locale: Locale): string {
  // Noon UTC keeps the calendar day the same in every time zone we format in.
  const instant = new Date(`${date}T12:00:00Z`);
  if (locale === 'en')
    return new Intl.DateTimeFormat('en', { dateStyle: 'full', timeZone: 'UTC' }).format(instant);
  // Chinese reads the weekday in brackets after the date: 2026年2月17日（星期二）.
  const day = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(instant);
  const weekday = new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' }).format(instant);
  return `${day}（${weekday}）`;
}

/** What the home page says about today: are the counters open, and if not, when next. */
export function describeToday(
  calendar: WorkingDayCalendar,
  today: string,
  locale: Locale,
): { status: string; next?: string } {
  const m = portalMessages.translator(locale);
  const special = calendar.specialDay(today);
  const date = formatCivilDate(today, locale);
  const next = m('home.today.next', { date: formatCivilDate(calendar.nextWorkingDay(today), locale) });
  if (special?.kind === 'workday')
    return { status: m('home.today.makeup', { date, name: special.name[locale] }) };
  if (calendar.isWorkingDay(today)) return { status: m('home.today.working', { date }) };
  if (special?.kind === 'holiday')
    return { status: m('home.today.holiday', { date, name: special.name[locale] }), next };
  return { status: m('home.today.weekend', { date }), next };
}
