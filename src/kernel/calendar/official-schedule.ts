/**
 * The State Council's public holiday schedules, shipped as data so that a fresh installation counts
 * deadlines correctly before an administrator has touched the calendar. Later these seed the calendar
 * table; they are never the only source of truth once a deployment maintains its own.
 *
 * Sources (transcribed date by date; the notices name only the first and last day of each span, so the
 * weekend days inside a span are listed here too, for calendar pages):
 * - 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号), published 2024-11-12.
 * - 国务院办公厅关于2026年部分节假日安排的通知, published 2025-11-04.
 */

/** Whether a listed date is a public holiday (放假) or a make-up working day (调休上班). */
export type SpecialDayKind = 'holiday' | 'workday';

/** One date that departs from the Monday–Friday working week, with a name to show on calendar pages. */
export interface SpecialDay {
  /** Civil date, YYYY-MM-DD. */
  date: string;
  kind: SpecialDayKind;
  name: { 'zh-CN': string; en: string };
}

type Name = SpecialDay['name'];

const NEW_YEAR: Name = { 'zh-CN': '元旦', en: 'New Year’s Day' };
const SPRING_FESTIVAL: Name = { 'zh-CN': '春节', en: 'Spring Festival' };
const QINGMING: Name = { 'zh-CN': '清明节', en: 'Qingming Festival' };
const LABOUR_DAY: Name = { 'zh-CN': '劳动节', en: 'Labour Day' };
const DRAGON_BOAT: Name = { 'zh-CN': '端午节', en: 'Dragon Boat Festival' };
const MID_AUTUMN: Name = { 'zh-CN': '中秋节', en: 'Mid-Autumn Festival' };
const NATIONAL_DAY: Name = { 'zh-CN': '国庆节', en: 'National Day' };
const NATIONAL_DAY_AND_MID_AUTUMN: Name = {
  'zh-CN': '国庆节、中秋节',
  en: 'National Day and Mid-Autumn Festival',
};

// Dates are spelled out rather than generated from ranges so that each line can be checked against
// the notice by eye, and so that a typo in one date cannot silently shift a whole span.
function holidays(name: Name, ...dates: string[]): SpecialDay[] {
  return dates.map((date) => Object.freeze({ date, kind: 'holiday', name: Object.freeze(name) }));
}

function makeUpWorkdays(festival: Name, ...dates: string[]): SpecialDay[] {
  const name = Object.freeze({
    'zh-CN': `${festival['zh-CN']}调休上班`,
    en: `Make-up working day (${festival.en})`,
  });
  return dates.map((date) => Object.freeze({ date, kind: 'workday', name }));
}

const SCHEDULE_2025: readonly SpecialDay[] = Object.freeze([
  // 一、元旦:1月1日(周三)放假1天,不调休。
  ...holidays(NEW_YEAR, '2025-01-01'),
  // 二、春节:1月28日(除夕、周二)至2月4日(正月初七、周二)放假调休,共8天。1月26日(周日)、2月8日(周六)上班。
  ...makeUpWorkdays(SPRING_FESTIVAL, '2025-01-26'),
  ...holidays(
    SPRING_FESTIVAL,
    '2025-01-28',
    '2025-01-29',
    '2025-01-30',
    '2025-01-31',
    '2025-02-01',
    '2025-02-02',
    '2025-02-03',
    '2025-02-04',
  ),
  ...makeUpWorkdays(SPRING_FESTIVAL, '2025-02-08'),
  // 三、清明节:4月4日(周五)至6日(周日)放假,共3天。
  ...holidays(QINGMING, '2025-04-04', '2025-04-05', '2025-04-06'),
  // 四、劳动节:5月1日(周四)至5日(周一)放假调休,共5天。4月27日(周日)上班。
  ...makeUpWorkdays(LABOUR_DAY, '2025-04-27'),
  ...holidays(LABOUR_DAY, '2025-05-01', '2025-05-02', '2025-05-03', '2025-05-04', '2025-05-05'),
  // 五、端午节:5月31日(周六)至6月2日(周一)放假,共3天。
  ...holidays(DRAGON_BOAT, '2025-05-31', '2025-06-01', '2025-06-02'),
  // 六、国庆节、中秋节:10月1日(周三)至8日(周三)放假调休,共8天。9月28日(周日)、10月11日(周六)上班。
  ...makeUpWorkdays(NATIONAL_DAY_AND_MID_AUTUMN, '2025-09-28'),
  ...holidays(
    NATIONAL_DAY_AND_MID_AUTUMN,
    '2025-10-01',
    '2025-10-02',
    '2025-10-03',
    '2025-10-04',
    '2025-10-05',
    '2025-10-06',
    '2025-10-07',
    '2025-10-08',
  ),
  ...makeUpWorkdays(NATIONAL_DAY_AND_MID_AUTUMN, '2025-10-11'),
]);

const SCHEDULE_2026: readonly SpecialDay[] = Object.freeze([
  // 一、元旦:1月1日(周四)至3日(周六)放假调休,共3天。1月4日(周日)上班。
  ...holidays(NEW_YEAR, '2026-01-01', '2026-01-02', '2026-01-03'),
  ...makeUpWorkdays(NEW_YEAR, '2026-01-04'),
  // 二、春节:2月15日(腊月二十八、周日)至23日(正月初七、周一)放假调休,共9天。2月14日(周六)、2月28日(周六)上班。
  ...makeUpWorkdays(SPRING_FESTIVAL, '2026-02-14'),
  ...holidays(
    SPRING_FESTIVAL,
    '2026-02-15',
    '2026-02-16',
    '2026-02-17',
    '2026-02-18',
    '2026-02-19',
    '2026-02-20',
    '2026-02-21',
    '2026-02-22',
    '2026-02-23',
  ),
  ...makeUpWorkdays(SPRING_FESTIVAL, '2026-02-28'),
  // 三、清明节:4月4日(周六)至6日(周一)放假,共3天。
  ...holidays(QINGMING, '2026-04-04', '2026-04-05', '2026-04-06'),
  // 四、劳动节:5月1日(周五)至5日(周二)放假调休,共5天。5月9日(周六)上班。
  ...holidays(LABOUR_DAY, '2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05'),
  ...makeUpWorkdays(LABOUR_DAY, '2026-05-09'),
  // 五、端午节:6月19日(周五)至21日(周日)放假,共3天。
  ...holidays(DRAGON_BOAT, '2026-06-19', '2026-06-20', '2026-06-21'),
  // 七、国庆节 (continued below): its first make-up day precedes the Mid-Autumn Festival.
  ...makeUpWorkdays(NATIONAL_DAY, '2026-09-20'),
  // 六、中秋节:9月25日(周五)至27日(周日)放假,共3天。
  ...holidays(MID_AUTUMN, '2026-09-25', '2026-09-26', '2026-09-27'),
  // 七、国庆节:10月1日(周四)至7日(周三)放假调休,共7天。9月20日(周日)、10月10日(周六)上班。
  ...holidays(
    NATIONAL_DAY,
    '2026-10-01',
    '2026-10-02',
    '2026-10-03',
    '2026-10-04',
    '2026-10-05',
    '2026-10-06',
    '2026-10-07',
  ),
  ...makeUpWorkdays(NATIONAL_DAY, '2026-10-10'),
]);

/** Official holidays and make-up working days by the year of the notice, in date order. */
export const OFFICIAL_SCHEDULES: Readonly<Record<number, readonly SpecialDay[]>> = Object.freeze({
  2025: SCHEDULE_2025,
  2026: SCHEDULE_2026,
});
