import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OFFICIAL_SCHEDULES } from '../../../kernel/calendar/official-schedule.ts';
import { WorkingDayCalendar } from '../../../kernel/calendar/working-days.ts';
import { describeToday, formatCivilDate } from './today.ts';

const calendar = new WorkingDayCalendar(Object.values(OFFICIAL_SCHEDULES).flat());

describe('what the home page says about today', () => {
  it('formats dates as people read them in each language', () => {
    assert.equal(formatCivilDate('2026-02-17', 'zh-CN'), '2026年2月17日（星期二）');
    assert.equal(formatCivilDate('2026-02-17', 'en'), 'Tuesday, February 17, 2026');
  });

  it('says the counters are closed during the Spring Festival and names the next working day', () => {
    const zh = describeToday(calendar, '2026-02-17', 'zh-CN');
    assert.match(zh.status, /春节假期/);
    assert.equal(zh.next, '下一个工作日：2026年2月24日（星期二）。');
    assert.match(describeToday(calendar, '2026-02-17', 'en').status, /public holiday \(Spring Festival\)/);
  });

  it('says a make-up Saturday is a working day, and an ordinary weekend is not', () => {
    assert.match(describeToday(calendar, '2026-02-14', 'zh-CN').status, /调休上班日/);
    const saturday = describeToday(calendar, '2026-11-28', 'en');
    assert.match(saturday.status, /weekend/);
    assert.match(saturday.next ?? '', /Monday, November 30, 2026/);
    assert.match(describeToday(calendar, '2026-11-23', 'zh-CN').status, /是工作日/);
  });
});
