import type { ProcessDefinition, ProcessNode, StepKind } from './domain/process-definition.ts';

/**
 * The demo city's processes (docs: demo-city.md): written after how Chinese cities run these services, in our own
 * words. 开办餐饮店 is the one-stop case the platform exists for: one acceptance, then four departments at once.
 */

const NAMES: Record<StepKind, { 'zh-CN': string; en: string }> = {
  accept: { 'zh-CN': '受理', en: 'Acceptance' },
  review: { 'zh-CN': '审查', en: 'Review' },
  decide: { 'zh-CN': '决定', en: 'Decision' },
  countersign: { 'zh-CN': '会签', en: 'Countersignature' },
  inspect: { 'zh-CN': '现场核查', en: 'Inspection' },
  issue: { 'zh-CN': '制证', en: 'Issuing' },
};

function step(
  id: string,
  kind: StepKind,
  department: string,
  role: string,
  limitDays: number,
  next: string,
  name?: { 'zh-CN': string; en: string },
): ProcessNode {
  return { id, type: 'task', kind, name: name ?? NAMES[kind], department, role, limitDays, next };
}

const END: ProcessNode = { id: 'end', type: 'end' };

/** accept → review → decide, all in one department: the plain single-department licence. */
function singleDepartment(
  department: string,
  days: { accept: number; review: number; decide: number },
  inspect = false,
) {
  return {
    start: 'accept',
    nodes: [
      step('accept', 'accept', department, 'clerk', days.accept, 'review'),
      step('review', inspect ? 'inspect' : 'review', department, 'reviewer', days.review, 'decide'),
      step('decide', 'decide', department, 'head', days.decide, 'end'),
      END,
    ],
  } satisfies ProcessDefinition;
}

export const DEMO_PROCESSES: Readonly<Record<string, ProcessDefinition>> = {
  // 开办餐饮店（一件事）: the service centre accepts once; market regulation, fire and rescue, ecology and environment
  // and urban management then work at the same time (a clerk of each: 刘洋, 赵磊, 孙丽, 周强 in the demo city); the
  // case is approved when the last of them approves.
  'ZWFW-0101': {
    start: 'accept',
    nodes: [
      step('accept', 'accept', 'ZWFW', 'clerk', 1, 'departments'),
      {
        id: 'departments',
        type: 'parallel',
        branches: ['food', 'fire', 'environment', 'sign'],
        join: 'joined',
      },
      step('food', 'review', 'SJ', 'clerk', 4, 'joined', {
        'zh-CN': '食品经营许可审查',
        en: 'Food business licence review',
      }),
      step('fire', 'inspect', 'XF', 'clerk', 4, 'joined', {
        'zh-CN': '消防安全检查',
        en: 'Fire safety inspection',
      }),
      step('environment', 'review', 'HB', 'clerk', 4, 'joined', {
        'zh-CN': '环境影响登记审查',
        en: 'Environmental registration review',
      }),
      step('sign', 'review', 'CG', 'clerk', 3, 'joined', {
        'zh-CN': '门头招牌设置审查',
        en: 'Shop sign review',
      }),
      { id: 'joined', type: 'join', mode: 'all', next: 'end' },
      END,
    ],
  },
  'SJ-0201': singleDepartment('SJ', { accept: 1, review: 3, decide: 1 }),
  'XF-0101': singleDepartment('XF', { accept: 1, review: 3, decide: 1 }, true),
  // 排污许可: a key polluter's application is countersigned by the environmental monitoring review as well.
  'HB-0104': {
    start: 'accept',
    nodes: [
      step('accept', 'accept', 'HB', 'clerk', 2, 'size'),
      {
        id: 'size',
        type: 'choice',
        branches: [{ when: { field: 'emissions.keyPolluter', op: 'eq', value: 'yes' }, next: 'countersign' }],
        otherwise: 'review',
      },
      step('countersign', 'countersign', 'HB', 'head', 3, 'review', {
        'zh-CN': '重点排污单位会签',
        en: 'Countersignature for a key polluter',
      }),
      step('review', 'review', 'HB', 'reviewer', 5, 'decide'),
      step('decide', 'decide', 'HB', 'head', 2, 'end'),
      END,
    ],
  },
  'CG-0101': {
    start: 'accept',
    nodes: [step('accept', 'accept', 'CG', 'clerk', 0, 'end', { 'zh-CN': '备案', en: 'Registration' }), END],
  },
  // 公积金提取: the demo's supplement loop (a purchase contract missing a page) happens here.
  'GJJ-0103': {
    start: 'accept',
    nodes: [
      step('accept', 'accept', 'GJJ', 'clerk', 1, 'review'),
      step('review', 'review', 'GJJ', 'reviewer', 1, 'end'),
      END,
    ],
  },
};
