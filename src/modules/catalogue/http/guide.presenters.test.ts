import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cataloguePagesMessages } from '../catalogue-pages.messages.ts';
import {
  formatCivilDay,
  formatInstantDay,
  formatWorkingDays,
  formatYuan,
  inLocale,
} from './guide.presenters.ts';
import { readSearchParams, searchUrl } from './search.routes.tsx';

describe('how the guide and search pages read their facts', () => {
  it('shows fen as yuan with two decimals, without floating point', () => {
    assert.equal(formatYuan(0), '0.00');
    assert.equal(formatYuan(5), '0.05');
    assert.equal(formatYuan(1990), '19.90');
    assert.equal(formatYuan(123_456_789), '1,234,567.89');
  });

  it('says working days in words, 0 meaning on the spot', () => {
    const zh = cataloguePagesMessages.translator('zh-CN');
    const en = cataloguePagesMessages.translator('en');
    assert.equal(formatWorkingDays(0, zh), '即办（材料齐全的，当场办结）');
    assert.equal(formatWorkingDays(1, en), '1 working day');
    assert.equal(formatWorkingDays(20, zh), '20 个工作日');
    assert.equal(formatWorkingDays(20, en), '20 working days');
  });

  it('shows dates in the reader’s language, and an instant on its day in the platform’s zone', () => {
    assert.equal(formatCivilDay('2025-01-01', 'zh-CN'), '2025年1月1日');
    assert.equal(formatCivilDay('2025-01-01', 'en'), '1 January 2025');
    // 20:00 UTC on 31 December is already 1 January in Shanghai.
    assert.equal(formatInstantDay(new Date('2025-12-31T20:00:00Z'), 'en', 'Asia/Shanghai'), '1 January 2026');
    assert.equal(inLocale({ zh: '中', en: 'E' }, 'en'), 'E');
  });

  it('reads the search page’s query leniently, and refuses only a query too long to search', () => {
    const departments = new Set(['SJ', 'GJJ']);
    assert.deepEqual(
      readSearchParams({ q: '  营业执照 ', audience: 'business', department: 'gjj', page: '3' }, departments),
      {
        q: '营业执照',
        audience: 'business',
        department: 'GJJ',
        page: 3,
        tooLong: false,
      },
    );
    assert.deepEqual(
      readSearchParams({ q: ['a', 'b'], audience: 'aliens', department: 'XX', page: '-2' }, departments),
      {
        q: 'a',
        audience: undefined,
        department: undefined,
        page: 1,
        tooLong: false,
      },
    );
    assert.equal(readSearchParams({ page: '99999' }, departments).page, 500);
    assert.equal(readSearchParams({ page: '2abc' }, departments).page, 2);
    assert.equal(
      readSearchParams({ q: '😀'.repeat(100) }, departments).tooLong,
      false,
      'characters, not UTF-16 units',
    );
    assert.equal(readSearchParams({ q: '长'.repeat(101) }, departments).tooLong, true);
    assert.equal(searchUrl({ q: 'a b', audience: 'citizen', page: 1 }), '/search?q=a+b&audience=citizen');
    assert.equal(
      searchUrl({ q: '证', department: 'GA', page: 2 }),
      '/search?q=%E8%AF%81&department=GA&page=2',
    );
  });
});
