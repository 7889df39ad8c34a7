import type { WorkingDayCalendar } from '../../../kernel/calendar/working-days.ts';
import type { Locale } from '../../../kernel/i18n/index.ts';
import { portalMessages } from '../portal.messages.ts';

// Building an Intl.DateTimeFormat costs about 100 µs: build each one once and reuse it.
const formatters = {
  en: new Intl.DateTimeFormat('en', { dateStyle: 'full', timeZone: 'UTC' }),
  zhDay: new Intl.DateTimeFormat('zh-CN', { dateStyle: 'long', timeZone: 'UTC' }),
  zhWeekday: new Intl.DateTimeFormat('zh-CN', { weekday: 'long', timeZone: 'UTC' }),
};

/** Formats a civil date (YYYY-MM-DD) for people, with the weekday. */
export function formatCivilDate(date: string, locale: Locale): string {
  // Noon UTC keeps the calendar day the same whatever the zone of the formatter.
  const instant = new Date(`${date}T12:00:00Z`);
  if (locale === 'en') return formatters.en.format(instant);
  // Chinese reads the weekday in brackets after the date: 2026年2月17日（星期二）.
  return `${formatters.zhDay.format(instant)}（${formatters.zhWeekday.format(instant)}）`;
}

const described = new Map<string, { status: string; next?: string }>();

/** What the home page says about today, computed once per day and language (the calendar changes rarely). */
export function describeTodayCached(
  calendar: WorkingDayCalendar,
  today: string,
  locale: Locale,
): { status: string; next?: string } {
  const key = `${today}|${locale}`;
  let result = described.get(key);
  if (!result) {
    if (described.size > 8) described.clear();
    result = describeToday(calendar, today, locale);
    described.set(key, result);
  }
  return result;
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
