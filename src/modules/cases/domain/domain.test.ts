import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OFFICIAL_SCHEDULES } from '../../../kernel/calendar/official-schedule.ts';
import { WorkingDayCalendar } from '../../../kernel/calendar/working-days.ts';
import { checkCharacter, formatCaseNumber, parseCaseNumber } from './case-number.ts';
import { readClock, trafficLight } from './clock.ts';
import { finishStep, startFlow } from './flow.ts';
import { checkDefinition, type ProcessDefinition, type ProcessNode } from './process-definition.ts';

const context = {
  departments: new Set(['ZWFW', 'SJ', 'XF', 'HB', 'CG']),
  roles: new Set(['clerk', 'reviewer', 'head']),
};

const step = (id: string, department: string, next: string, kind = 'review' as const): ProcessNode => ({
  id,
  type: 'task',
  kind,
  name: { 'zh-CN': id, en: id },
  department,
  role: 'reviewer',
  limitDays: 5,
  next,
});

/** 开办餐饮店: one acceptance, then four departments in parallel, then the end. */
const RESTAURANT: ProcessDefinition = {
  start: 'accept',
  nodes: [
    { ...step('accept', 'ZWFW', 'split', 'accept' as never), role: 'clerk' } as ProcessNode,
    { id: 'split', type: 'parallel', branches: ['food', 'fire', 'environment', 'sign'], join: 'join' },
    step('food', 'SJ', 'join'),
    step('fire', 'XF', 'join'),
    step('environment', 'HB', 'join'),
    step('sign', 'CG', 'join'),
    { id: 'join', type: 'join', mode: 'all', next: 'end' },
    { id: 'end', type: 'end' },
  ],
};

describe('process definitions', () => {
  it('accepts a well-formed parallel process', () => {
    assert.deepEqual(checkDefinition(RESTAURANT, context), []);
  });

  it('refuses a cycle, naming the path', () => {
    const looping: ProcessDefinition = {
      start: 'a',
      nodes: [step('a', 'SJ', 'b'), step('b', 'SJ', 'a'), { id: 'end', type: 'end' }],
    };
    const problems = checkDefinition(looping, context);
    const cycle = problems.find((p) => p.key === 'problem.cycle');
    assert.equal(cycle?.params?.path, 'a → b → a');
  });

  it('refuses an unassigned step, an unknown department or role, and reports them all at once', () => {
    const definition: ProcessDefinition = {
      start: 'a',
      nodes: [
        { ...step('a', '', 'b') } as ProcessNode,
        { ...step('b', 'XX', 'c'), role: 'janitor' } as ProcessNode,
        step('c', 'SJ', 'end'),
        { id: 'end', type: 'end' },
      ],
    };
    assert.deepEqual(
      checkDefinition(definition, context).map((p) => [p.nodeId, p.key]),
      [
        ['a', 'problem.unassigned'],
        ['b', 'problem.unknownDepartment'],
        ['b', 'problem.unknownRole'],
      ],
    );
  });

  it('refuses branches that leave a parallel block without meeting at its join, and unknown or unreachable nodes', () => {
    const leaking: ProcessDefinition = {
      start: 'split',
      nodes: [
        { id: 'split', type: 'parallel', branches: ['a', 'b'], join: 'join' },
        step('a', 'SJ', 'join'),
        step('b', 'XF', 'end'),
        { id: 'join', type: 'join', mode: 'all', next: 'end' },
        { id: 'end', type: 'end' },
        step('orphan', 'SJ', 'end'),
      ],
    };
    const keys = checkDefinition(leaking, context).map((p) => `${p.nodeId}:${p.key}`);
    assert.ok(keys.includes('split:problem.branchMissesJoin'));
    assert.ok(keys.includes('orphan:problem.unreachable'));
    const broken: ProcessDefinition = {
      start: 'a',
      nodes: [step('a', 'SJ', 'nowhere'), { id: 'end', type: 'end' }],
    };
    assert.deepEqual(
      checkDefinition(broken, context).map((p) => p.key),
      ['problem.unknownNode'],
    );
  });
});

describe('moving a case through its process', () => {
  it('opens all four departments after acceptance and ends only after the last of them', () => {
    const started = startFlow(RESTAURANT, {});
    assert.deepEqual(
      started.open.map((t) => t.id),
      ['accept'],
    );
    let advance = finishStep(RESTAURANT, started.state, 'accept', {});
    assert.deepEqual(advance.open.map((t) => t.id).sort(), ['environment', 'fire', 'food', 'sign']);
    for (const [i, id] of ['sign', 'food', 'environment', 'fire'].entries()) {
      advance = finishStep(RESTAURANT, advance.state, id, {});
      assert.equal(advance.ended, i === 3, `ended after ${id}`);
      assert.deepEqual(advance.open, []);
    }
  });

  it('takes the branch whose condition holds, and lets an `any` join cancel the other branches', () => {
    const definition: ProcessDefinition = {
      start: 'size',
      nodes: [
        {
          id: 'size',
          type: 'choice',
          branches: [{ when: { field: 'business.seats', op: 'gt', value: 50 }, next: 'split' }],
          otherwise: 'small',
        },
        step('small', 'SJ', 'end'),
        { id: 'split', type: 'parallel', branches: ['a', 'b'], join: 'join' },
        step('a', 'SJ', 'join'),
        step('b', 'XF', 'join'),
        { id: 'join', type: 'join', mode: 'any', next: 'end' },
        { id: 'end', type: 'end' },
      ],
    };
    assert.deepEqual(checkDefinition(definition, context), []);
    assert.deepEqual(
      startFlow(definition, { business: { seats: 20 } }).open.map((t) => t.id),
      ['small'],
    );
    assert.deepEqual(
      startFlow(definition, { business: { seats: '80' } }).open.map((t) => t.id),
      ['small'],
      'a text is not a number: no coercion',
    );
    const big = startFlow(definition, { business: { seats: 80 } });
    assert.deepEqual(
      big.open.map((t) => t.id),
      ['a', 'b'],
    );
    const first = finishStep(definition, big.state, 'b', {});
    assert.equal(first.ended, true);
    assert.deepEqual(first.cancel.sort(), ['a', 'b']);
  });
});

describe('case numbers', () => {
  it('carries a check character that catches a wrong character or two swapped neighbours', () => {
    const number = formatCaseNumber('SJ', 2026, 42);
    assert.match(number, /^SJ-2026-0000042-[0-9A-Z]$/);
    assert.equal(parseCaseNumber(number.toLowerCase()), number);
    assert.equal(
      parseCaseNumber(` ${number.replaceAll('-', '')} `),
      undefined,
      'dashes are part of the number',
    );
    const body = 'SJ20260000042';
    for (let i = 0; i < body.length; i++) {
      for (const replacement of '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ') {
        if (replacement === body[i]) continue;
        const wrong = body.slice(0, i) + replacement + body.slice(i + 1);
        assert.notEqual(checkCharacter(wrong), checkCharacter(body), `substitution at ${i}`);
      }
      if (i + 1 < body.length && body[i] !== body[i + 1]) {
        const swapped = body.slice(0, i) + body[i + 1] + body[i] + body.slice(i + 2);
        assert.notEqual(checkCharacter(swapped), checkCharacter(body), `swap at ${i}`);
      }
    }
  });
});

describe('the clock of a time limit', () => {
  const calendar = new WorkingDayCalendar(OFFICIAL_SCHEDULES[2026] ?? []);

  it('stops while the applicant supplies material across the National Day holiday, and runs on after', () => {
    // Accepted Monday 2026-09-21; 10 working days: 22–24 Sep (25 Sep is Mid-Autumn), 28–30 Sep, 8 and 9 Oct,
    // Saturday 10 Oct (a make-up working day), Monday 12 Oct → due 2026-10-12.
    assert.equal(readClock(calendar, '2026-09-21', 10, []).due, '2026-10-12');
    // Supplement requested Wed 2026-09-30, answered Fri 2026-10-09: the working days in (30 Sep, 9 Oct] are
    // 8 and 9 Oct — the holiday week does not count as time the applicant took.
    const open = readClock(calendar, '2026-09-21', 10, [{ from: '2026-09-30' }]);
    assert.deepEqual(open, { paused: true, pausedDays: 0 });
    const resumed = readClock(calendar, '2026-09-21', 10, [{ from: '2026-09-30', to: '2026-10-09' }]);
    assert.equal(resumed.pausedDays, 2);
    assert.equal(resumed.due, '2026-10-14', 'two working days later than without the pause');
    assert.equal(trafficLight(calendar, resumed, '2026-10-12'), 'amber');
    assert.equal(trafficLight(calendar, resumed, '2026-10-15'), 'red');
    assert.equal(trafficLight(calendar, resumed, '2026-10-08'), 'green');
    assert.equal(trafficLight(calendar, open, '2026-10-08'), 'paused');
  });
});
