/*
 * Many cases of the demo services at once, for scale tests and benchmarks (`yiwang cases generate --count N`): closed
 * cases spread over the last years and a small share still open, each with the steps its service's active process
 * definition gives it, in the order the case engine (domain/flow.ts) opens them. Written with one set-based INSERT
 * per batch rather than through `submit`, which would take hours for a million cases.
 *
 * With an audit log (`audit`, as `yiwang seed --scale` passes it), each case also gets the audit records the case
 * engine would have written — submitted, each decided step, a supplement requested, approved / rejected / withdrawn —
 * stamped with their generated times, MAC'd, in the same statement as the case; the caller seals them into the
 * chain. Without it (`yiwang cases generate`, the inbox benchmark) none are written.
 *
 * Left out on purpose: timeline entries, idempotency keys and outbox events, so generated cases' timelines are empty
 * and nobody is notified of them. Their applicants are generated people's ids (`generatedId('acct', n)`), which
 * exist when `yiwang seed --scale` generated the people first, and are made-up ids otherwise.
 */
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { AuditEntry, AuditLog, AuditRecordRow } from '../../kernel/audit/audit.ts';
import { loadCalendar } from '../../kernel/calendar/calendar.store.ts';
import { civilDate, type WorkingDayCalendar } from '../../kernel/calendar/working-days.ts';
import { type Db, queryRows } from '../../kernel/db/database.ts';
import { generatedId } from '../../kernel/ids.ts';
import type { Progress } from '../../kernel/progress.ts';
import type { CatalogueContract } from '../catalogue/contract.ts';
import { askedAnswers, type FormsService, sampleAnswers } from '../forms/index.ts';
import { CASE_NUMBER_SEQUENCE, CASE_STATES, processDefinitions } from './db/cases.tables.ts';
import { WARN_WORKING_DAYS } from './deadlines.ts';
import { formatCaseNumber } from './domain/case-number.ts';
import { type Answers, emptyFlowState, finishStep, startFlow } from './domain/flow.ts';
import type { ProcessDefinition, TaskNode } from './domain/process-definition.ts';

/** A member of staff who claims and decides generated steps: any staff `Actor` will do. */
export interface GeneratedStaff {
  accountId: string;
  roles: readonly { departmentCode: string; role: string }[];
}

export interface GenerateCasesOptions {
  /** Where each service's department and time limits come from. */
  catalogue: Pick<CatalogueContract, 'findService'>;
  /** Each service's active form: the answers of generated cases pass it, as a person's would. */
  forms: Pick<FormsService, 'activeForm'>;
  progress?: Progress;
  /** The same seed gives the same cases (but new ids and case numbers). Default 1. */
  seed?: number;
  /** The share of cases still open; the rest are closed. Default 0.03. */
  openShare?: number;
  /**
   * Staff who claimed open steps and decided finished ones, each only steps of a department and role they hold.
   * Without any, no step is claimed and finished steps name no decider.
   */
  staff?: readonly GeneratedStaff[];
  /**
   * Writes each case's audit records (see the top of this file), made and MAC'd by this log; the caller seals them.
   */
  audit?: Pick<AuditLog, 'historicalRecord'>;
  /** Applicants are generated people 0 … applicants − 1 (`generatedId('acct', n)`). Default 60 % of the count. */
  applicants?: number;
  /** How many years back closed cases go. Default 2. */
  years?: number;
  /** Cases per INSERT. Default 5,000. */
  batchSize?: number;
  /** INSERTs in flight at once. Default 2. */
  concurrency?: number;
  /** The civil date the open cases are seen from. Default: today in `timeZone`. */
  today?: string;
  timeZone?: string;
  calendar?: WorkingDayCalendar;
}

/** Nothing to generate cases of: no service has an active process definition and a published catalogue item. */
export class NoServicesToGenerateError extends Error {
  constructor() {
    super(
      'No service has an active process definition and a published catalogue item: seed the demo city first (yiwang seed --demo).',
    );
    this.name = 'NoServicesToGenerateError';
  }
}

/** What was generated. */
export interface GeneratedCases {
  cases: number;
  openCases: number;
  tasks: number;
  openTasks: number;
  /** Audit records written (0 without `audit`). */
  auditRecords: number;
  /** Cases per service code. */
  services: Record<string, number>;
}

// A realistic mix: the provident fund withdrawal and market registration are the busy counters of a Chinese city;
// services not named here (a city's own) get the last weight.
const WEIGHTS: Readonly<Record<string, number>> = {
  'GJJ-0103': 30,
  'SJ-0201': 22,
  'CG-0101': 14,
  'ZWFW-0101': 12,
  'HB-0104': 12,
  'XF-0101': 10,
};
const OTHER_WEIGHT = 10;
/** Answer sets per service: enough to take every branch of a choice on the answers. */
const VARIANTS = 8;
const SHARES = {
  /** Of the open cases: waiting for the applicant to supply something (补正). */
  paused: 0.1,
  /** Of the closed cases (the rest are approved). */
  rejected: 0.07,
  withdrawn: 0.05,
  /** Of steps: decided after their limit; of open steps: overdue. */
  late: 0.08,
  /** Of open steps a member of `staff` could claim. */
  claimed: 0.4,
  /** Of cases, when a service-centre clerk is among `staff`: typed in at the counter. */
  counter: 0.2,
} as const;
const REJECTION_REASON = '申请材料不符合法定条件 — the application does not meet the statutory conditions';
const MISSING = JSON.stringify(['补充材料：申请材料缺页 — supply the missing pages of the application']);

/** Case states by their index in CASE_STATES, which is how the INSERT receives them. */
const IN_PROGRESS = CASE_STATES.indexOf('in_progress');
const SUPPLEMENT = CASE_STATES.indexOf('supplement');
const CASE_APPROVED = CASE_STATES.indexOf('approved');
const CASE_REJECTED = CASE_STATES.indexOf('rejected');
const WITHDRAWN = CASE_STATES.indexOf('withdrawn');
/** Task states in the INSERT: an index, turned into state and outcome in SQL. */
const OPEN = 0;
const APPROVED = 1;
const REJECTED = 2;
const CANCELLED = 3;
const MINUTES_PER_DAY = 1440;
/** The date in sample answers, replaced in SQL by the case's submission day (never a real date of a case). */
const DATE_PLACEHOLDER = '1999-09-09';

/** A case's steps as the engine opens them when each finished step is approved, in one order of the branches. */
interface Trace {
  answers: number;
  /** Global node index (into `Nodes`) of each step, in the order opened. */
  nodes: number[];
  /** Steps the case starts with. */
  first: number[];
  /** Each event finishes one step, may cancel some, and opens others. */
  events: { step: number; cancels: number[]; opens: number[] }[];
  /** The flow state (index into the flows list) after 0, 1, … events. */
  flows: number[];
}

interface ServicePlan {
  code: string;
  department: string;
  definitionId: string;
  formId: string | null;
  statutoryDays: number;
  promisedDays: number;
  weight: number;
  traces: Trace[];
}

/** Every step node of every service, flattened so a task row names its node by a number. */
interface Nodes {
  ids: string[];
  kinds: string[];
  departments: string[];
  roles: string[];
  limits: number[];
  /** Staff (indices) who may claim a node's steps: its role in its department. */
  claimers: number[][];
  /** Who may decide them: those, and the department's head. */
  deciders: number[][];
}

interface PlannedTask {
  step: number;
  state: number;
  /** Local minutes since 1970-01-01 (`time` below), relative until the case is placed. */
  opened: number;
  decided: number;
  claimedBy: number;
  decidedBy: number;
}

interface CasePlan {
  service: number;
  trace: Trace;
  state: number;
  flow: number;
  /** Working-day ordinal of the submission day (into `days`) and the minute of the day. */
  start: number;
  minute: number;
  closed: number;
  pausedFrom: number;
  counterClerk: number;
  applicant: number;
  tasks: PlannedTask[];
  revision: number;
}

/** A small, fast, seedable generator (mulberry32): the same seed gives the same cases. */
function random(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rng: () => number, values: readonly T[]): T | undefined =>
  values[Math.floor(rng() * values.length)];

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function base32(value: number, length: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/**
 * Ids in the layout of `newId` (kernel/ids.ts) with the time part of the moment the row stands for, so generated
 * ids sort by submission as real ones do; the 80 random bits come from the CSPRNG, so runs never collide.
 */
function idsAt(prefix: string, epochMs: readonly number[]): string[] {
  const bytes = randomBytes(epochMs.length * 16);
  return epochMs.map((ms, i) => {
    let tail = '';
    for (let j = 0; j < 16; j++) tail += CROCKFORD[(bytes[i * 16 + j] as number) % 32];
    return `${prefix}_${base32(ms, 10)}${tail}`;
  });
}

const dayNumber = (date: string) =>
  Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / 86_400_000;
const civilOf = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);

/** Minutes the zone is ahead of UTC now: only for the time part of ids, where an hour either way does not matter. */
function zoneOffsetMinutes(timeZone: string): number {
  const now = new Date();
  now.setUTCSeconds(0, 0);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  const wall = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
  );
  return Math.round((wall - now.getTime()) / 60_000);
}

/** The steps of one run of a definition with every step approved, parallel branches finished in a random order. */
function traceOf(
  definition: ProcessDefinition,
  answers: Answers,
  answersIndex: number,
  nodeIndex: (node: TaskNode) => number,
  flowIndex: (state: object) => number,
  rng: () => number,
): Trace {
  const trace: Trace = { answers: answersIndex, nodes: [], first: [], events: [], flows: [] };
  const ids: string[] = [];
  const open: number[] = [];
  const add = (opened: readonly TaskNode[], into: number[]) => {
    for (const node of opened) {
      into.push(ids.length);
      open.push(ids.length);
      ids.push(node.id);
      trace.nodes.push(nodeIndex(node));
    }
  };
  const started = startFlow(definition, answers);
  let state = started.state;
  add(started.open, trace.first);
  trace.flows.push(flowIndex(state));
  let ended = started.ended;
  while (open.length > 0 && !ended) {
    if (trace.events.length >= 500) throw new Error('a process definition that does not end');
    const [step] = open.splice(Math.floor(rng() * open.length), 1) as [number];
    const advance = finishStep(definition, state, ids[step] as string, answers);
    state = advance.state;
    const cancels = open.filter((t) => advance.cancel.includes(ids[t] as string));
    for (const t of cancels) open.splice(open.indexOf(t), 1);
    const event = { step, cancels, opens: [] as number[] };
    trace.events.push(event);
    add(advance.open, event.opens);
    trace.flows.push(flowIndex(state));
    ended = advance.ended;
  }
  return trace;
}

/** The services with an active process definition and a published catalogue item, their forms and steps. */
async function planServices(
  db: Db,
  options: GenerateCasesOptions,
  seed: number,
  staff: readonly GeneratedStaff[],
): Promise<{ services: ServicePlan[]; nodes: Nodes; answers: string[]; flows: string[] }> {
  const rows = await db
    .select({
      id: processDefinitions.id,
      serviceCode: processDefinitions.serviceCode,
      definition: processDefinitions.definition,
    })
    .from(processDefinitions)
    .where(eq(processDefinitions.state, 'active'))
    .orderBy(processDefinitions.serviceCode);
  const nodes: Nodes = {
    ids: [],
    kinds: [],
    departments: [],
    roles: [],
    limits: [],
    claimers: [],
    deciders: [],
  };
  const answers: string[] = [];
  const flows: string[] = [JSON.stringify(emptyFlowState())];
  const flowIds = new Map<string, number>([[flows[0] as string, 0]]);
  const flowIndex = (state: object) => {
    const text = JSON.stringify(state);
    let index = flowIds.get(text);
    if (index === undefined) {
      index = flows.push(text) - 1;
      flowIds.set(text, index);
    }
    return index;
  };
  const holders = (department: string, role: string) =>
    staff.flatMap((s, i) =>
      s.roles.some((r) => r.departmentCode === department && r.role === role) ? [i] : [],
    );
  const services: ServicePlan[] = [];
  for (const row of rows) {
    const item = await options.catalogue.findService(row.serviceCode);
    if (!item) continue;
    const form = await options.forms.activeForm(row.serviceCode);
    const nodeIds = new Map<string, number>();
    const nodeIndex = (node: TaskNode) => {
      let index = nodeIds.get(node.id);
      if (index === undefined) {
        index = nodes.ids.push(node.id) - 1;
        nodeIds.set(node.id, index);
        nodes.kinds.push(node.kind);
        nodes.departments.push(node.department);
        nodes.roles.push(node.role);
        nodes.limits.push(node.limitDays);
        const claimers = holders(node.department, node.role);
        nodes.claimers.push(claimers);
        nodes.deciders.push([...new Set([...claimers, ...holders(node.department, 'head')])]);
      }
      return index;
    };
    const traces: Trace[] = [];
    for (let v = 0; v < VARIANTS; v++) {
      // Answers as a person's submission keeps them: only the questions the form asked with those answers. Dates
      // hold a placeholder the INSERT replaces with each case's own submission day, which a form may require.
      const given = form ? sampleAnswers(form.definition, seed * VARIANTS + v + 1, DATE_PLACEHOLDER) : {};
      const asked = form ? askedAnswers(form.definition, given) : given;
      const answersIndex = answers.push(JSON.stringify(asked)) - 1;
      const rng = random(seed * 7919 + services.length * 101 + v);
      traces.push(traceOf(row.definition, asked, answersIndex, nodeIndex, flowIndex, rng));
    }
    // A definition that ends without a step makes no case worth generating.
    if (traces.some((t) => t.events.length === 0)) continue;
    services.push({
      code: row.serviceCode,
      department: item.department,
      definitionId: row.id,
      formId: form?.id ?? null,
      statutoryDays: item.statutoryDays,
      promisedDays: item.promisedDays,
      weight: WEIGHTS[row.serviceCode] ?? OTHER_WEIGHT,
      traces,
    });
  }
  return { services, nodes, answers, flows };
}

/** Everything a case's plan depends on beyond its own index. */
interface PlanContext {
  seed: number;
  openShare: number;
  services: ServicePlan[];
  totalWeight: number;
  nodes: Nodes;
  /** Working-day ordinal of today (the last working day on or before it) and of the earliest submission. */
  today: number;
  earliest: number;
  counterClerks: number[];
  applicants: number;
}

const isOpenCase = (i: number, share: number) => Math.floor((i + 1) * share) > Math.floor(i * share);

/**
 * When a step opened at `opened` (working-day ordinal × 1440 + minute) is decided: mostly within its limit, a few
 * late; the same day a little later, or a later working day in office hours.
 */
function decidedAfter(opened: number, limit: number, rng: () => number): number {
  const day = Math.floor(opened / MINUTES_PER_DAY);
  const minute = opened % MINUTES_PER_DAY;
  const days =
    limit === 0
      ? rng() < 0.8
        ? 0
        : 1
      : rng() < SHARES.late
        ? limit + 1 + Math.floor(rng() * 3)
        : Math.floor(rng() * (limit + 1));
  if (days === 0)
    return day * MINUTES_PER_DAY + Math.min(MINUTES_PER_DAY - 1, minute + 5 + Math.floor(rng() * 180));
  return (day + days) * MINUTES_PER_DAY + 480 + Math.floor(rng() * 600);
}

/**
 * The `i`-th case: its service, outcome, steps and times, from its own seeded generator, so it comes out the same
 * when planned again. Times are relative to the submission day (ordinal 0) until `start` places the case.
 */
function planCase(ctx: PlanContext, i: number): CasePlan {
  const rng = random(Math.imul(ctx.seed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b));
  const { nodes } = ctx;
  let weight = rng() * ctx.totalWeight;
  let service = 0;
  while (service < ctx.services.length - 1 && weight >= (ctx.services[service] as ServicePlan).weight) {
    weight -= (ctx.services[service] as ServicePlan).weight;
    service++;
  }
  const plan = ctx.services[service] as ServicePlan;
  const trace = plan.traces[Math.floor(rng() * plan.traces.length)] as Trace;
  const eventCount = trace.events.length;
  const open = isOpenCase(i, ctx.openShare);
  const x = rng();
  const state = open
    ? x < SHARES.paused
      ? SUPPLEMENT
      : IN_PROGRESS
    : x < SHARES.rejected
      ? CASE_REJECTED
      : x < SHARES.rejected + SHARES.withdrawn
        ? WITHDRAWN
        : CASE_APPROVED;
  // Events (approved steps) before the case stopped where it is: all of them for an approved case.
  const done = state === CASE_APPROVED ? eventCount : Math.floor(rng() * eventCount);

  const minute = 480 + Math.floor(rng() * 720);
  const tasks: PlannedTask[] = [];
  const byStep: PlannedTask[] = [];
  const openStep = (step: number, at: number) => {
    const task = { step, state: OPEN, opened: at, decided: -1, claimedBy: -1, decidedBy: -1 };
    byStep[step] = task;
    tasks.push(task);
  };
  const decide = (task: PlannedTask, at: number, outcome: number) => {
    task.state = outcome;
    task.decided = at;
    task.decidedBy = pick(rng, nodes.deciders[trace.nodes[task.step] as number] ?? []) ?? -1;
    task.claimedBy = task.decidedBy;
  };
  const cancelOpen = () => {
    for (const task of tasks) if (task.state === OPEN) task.state = CANCELLED;
  };
  for (const step of trace.first) openStep(step, minute);
  let last = minute;
  for (let e = 0; e < done; e++) {
    const event = trace.events[e] as Trace['events'][number];
    const task = byStep[event.step] as PlannedTask;
    // Branches are finished in the trace's order, so a join opens the next step after the last of them.
    last = Math.max(
      last,
      decidedAfter(task.opened, nodes.limits[trace.nodes[task.step] as number] ?? 0, rng),
    );
    decide(task, last, APPROVED);
    for (const step of event.cancels) (byStep[step] as PlannedTask).state = CANCELLED;
    for (const step of event.opens) openStep(step, last);
  }
  let closed = -1;
  if (state === CASE_APPROVED) closed = last;
  else if (state === CASE_REJECTED) {
    const task = byStep[(trace.events[done] as Trace['events'][number]).step] as PlannedTask;
    last = Math.max(
      last,
      decidedAfter(task.opened, nodes.limits[trace.nodes[task.step] as number] ?? 0, rng),
    );
    decide(task, last, REJECTED);
    cancelOpen();
    closed = last;
  } else if (state === WITHDRAWN) {
    // The applicant withdraws a few working days after the last step was decided.
    closed = (Math.floor(last / MINUTES_PER_DAY) + 1 + Math.floor(rng() * 3)) * MINUTES_PER_DAY + 480;
    closed += Math.floor(rng() * 600);
    cancelOpen();
  }

  let start: number;
  let pausedFrom = -1;
  if (open) {
    const lastDay = Math.floor(last / MINUTES_PER_DAY);
    let limit = 0;
    for (const task of tasks)
      if (task.state === OPEN) limit = Math.max(limit, nodes.limits[trace.nodes[task.step] as number] ?? 0);
    // Seen today: most open steps within their limit, a few overdue.
    const elapsed = rng() < SHARES.late ? limit + 1 + Math.floor(rng() * 5) : Math.floor(rng() * (limit + 1));
    start = ctx.today - lastDay - elapsed;
    if (state === SUPPLEMENT) pausedFrom = lastDay + Math.floor(rng() * (elapsed + 1));
    for (const task of tasks) {
      if (task.state !== OPEN || rng() >= SHARES.claimed) continue;
      task.claimedBy = pick(rng, nodes.claimers[trace.nodes[task.step] as number] ?? []) ?? -1;
    }
  } else {
    const latest = ctx.today - Math.floor(closed / MINUTES_PER_DAY) - 1;
    start = ctx.earliest + Math.floor(rng() * Math.max(1, latest - ctx.earliest + 1));
  }
  const counterClerk =
    ctx.counterClerks.length > 0 && rng() < SHARES.counter ? (pick(rng, ctx.counterClerks) ?? -1) : -1;
  return {
    service,
    trace,
    state,
    flow: open ? (trace.flows[done] as number) : 0,
    start,
    minute,
    closed,
    pausedFrom,
    counterClerk,
    applicant: Math.floor(rng() * ctx.applicants),
    tasks,
    revision: 1 + done + (closed >= 0 ? 1 : 0),
  };
}

/** Working days (as day numbers) from before the earliest submission to after the latest due date. */
function workingDays(
  calendar: WorkingDayCalendar,
  today: string,
  years: number,
): { days: Int32Array; today: number } {
  const now = dayNumber(today);
  const found: number[] = [];
  let todayOrdinal = -1;
  for (let day = now - Math.ceil(years * 366) - 120; day <= now + 180; day++) {
    if (!calendar.isWorkingDay(civilOf(day))) continue;
    found.push(day);
    if (day <= now) todayOrdinal = found.length - 1;
  }
  return { days: Int32Array.from(found), today: todayOrdinal };
}

/** Columns of one batch, as arrays: one parameter each, unnested in SQL. */
interface Batch {
  audit: AuditRecordRow[];
  cases: {
    id: string[];
    number: string[];
    service: number[];
    answers: number[];
    state: number[];
    flow: number[];
    applicant: string[];
    clerk: (number | null)[];
    started: number[];
    due: (number | null)[];
    submitted: number[];
    closed: (number | null)[];
    revision: number[];
    paused: (number | null)[];
    warned: (number | null)[];
    overdue: (number | null)[];
  };
  tasks: {
    id: string[];
    caseId: string[];
    node: number[];
    state: number[];
    claimed: (number | null)[];
    opened: number[];
    due: (number | null)[];
    decided: (number | null)[];
    by: (number | null)[];
    revision: number[];
    warned: (number | null)[];
    overdue: (number | null)[];
  };
}

/**
 * Inserts `count` cases of the demo services (every service with an active process definition and a published
 * catalogue item) with their steps, in batches, then refreshes the planner's statistics. Cases are written oldest
 * first, numbered from the platform's sequence, so numbers and ids follow the submission dates.
 */
export async function generateCases(
  db: Db,
  count: number,
  options: GenerateCasesOptions,
): Promise<GeneratedCases> {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`Not a number of cases: ${count}`);
  const openShare = options.openShare ?? 0.03;
  if (!(openShare >= 0 && openShare <= 1)) throw new RangeError(`openShare is from 0 to 1: ${openShare}`);
  const seed = Math.trunc(options.seed ?? 1);
  const timeZone = options.timeZone ?? 'Asia/Shanghai';
  const today = options.today ?? civilDate(new Date(), timeZone);
  const years = options.years ?? 2;
  const batchSize = Math.max(1, Math.trunc(options.batchSize ?? 5000));
  const staff = options.staff ?? [];
  const calendar = options.calendar ?? (await loadCalendar(db));
  const { services, nodes, answers, flows } = await planServices(db, options, seed, staff);
  if (services.length === 0) throw new NoServicesToGenerateError();
  const { days, today: todayOrdinal } = workingDays(calendar, today, years);
  const ctx: PlanContext = {
    seed,
    openShare,
    services,
    totalWeight: services.reduce((sum, s) => sum + s.weight, 0),
    nodes,
    today: todayOrdinal,
    earliest: Math.max(0, todayOrdinal - Math.round(years * 250)),
    counterClerks: staff.flatMap((s, i) =>
      s.roles.some((r) => r.departmentCode === 'ZWFW' && r.role === 'clerk') ? [i] : [],
    ),
    // Some people apply more than once.
    applicants: Math.max(1, Math.trunc(options.applicants ?? Math.round(count * 0.6))),
  };

  // First pass: when each case was submitted, to write them oldest first (a counting sort over the days).
  const starts = new Int32Array(count);
  const perDay = new Int32Array(days.length + 1);
  for (let i = 0; i < count; i++) {
    const start = planCase(ctx, i).start;
    // Only a process far longer than the demo's could start a case before the working days looked up.
    if (start < 0 || start >= days.length)
      throw new RangeError(`Case ${i} would start outside ${years} years`);
    starts[i] = start;
    (perDay[start + 1] as number)++;
  }
  for (let d = 1; d < perDay.length; d++) perDay[d] = (perDay[d] as number) + (perDay[d - 1] as number);
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const start = starts[i] as number;
    order[perDay[start] as number] = i;
    perDay[start] = (perDay[start] as number) + 1;
  }

  const offset = zoneOffsetMinutes(timeZone);
  const local = (start: number, time: number) =>
    (days[start + Math.floor(time / MINUTES_PER_DAY)] as number) * MINUTES_PER_DAY + (time % MINUTES_PER_DAY);
  const dayOf = (ordinal: number) => days[ordinal] as number;
  const report: GeneratedCases = {
    cases: 0,
    openCases: 0,
    tasks: 0,
    openTasks: 0,
    auditRecords: 0,
    services: {},
  };
  const epochMs = (start: number, time: number) => (local(start, time) - offset) * 60_000;

  /** The audit records the case engine would have written for a case, each with its moment (epoch ms). */
  const auditHistory = (plan: CasePlan, caseId: string, number: string): [AuditEntry, number][] => {
    const service = services[plan.service] as ServicePlan;
    const applicantId = generatedId('acct', plan.applicant);
    const object = { type: 'cases.case', id: caseId };
    const applicant: AuditEntry['actor'] = { kind: 'person', id: applicantId };
    const clerk = staff[plan.counterClerk];
    const staffActor = (index: number, node: number): AuditEntry['actor'] => {
      const member = staff[index];
      if (!member) return { kind: 'system' };
      const department = nodes.departments[node] as string;
      const held = member.roles.find((r) => r.departmentCode === department);
      return { kind: 'staff', id: member.accountId, department, ...(held ? { role: held.role } : {}) };
    };
    const history: [AuditEntry, number][] = [
      [
        {
          actor: clerk
            ? { kind: 'staff', id: clerk.accountId, role: 'clerk', department: 'ZWFW' }
            : applicant,
          action: 'cases.case.submitted',
          object,
          subjectId: applicantId,
          details: { number, serviceCode: service.code },
        },
        epochMs(plan.start, plan.minute),
      ],
    ];
    let lastDecider: AuditEntry['actor'] = { kind: 'system' };
    for (const task of plan.tasks) {
      if (task.state !== APPROVED && task.state !== REJECTED) continue;
      const node = plan.trace.nodes[task.step] as number;
      lastDecider = staffActor(task.decidedBy, node);
      history.push([
        {
          actor: lastDecider,
          action: 'cases.task.decided',
          object,
          subjectId: applicantId,
          details: { outcome: task.state === APPROVED ? 'approved' : 'rejected', node: nodes.ids[node] },
        },
        epochMs(plan.start, task.decided),
      ]);
    }
    if (plan.pausedFrom >= 0) {
      const open = plan.tasks.find((t) => t.state === OPEN);
      const node = open ? (plan.trace.nodes[open.step] as number) : 0;
      history.push([
        {
          actor: open ? staffActor(open.claimedBy, node) : { kind: 'system' },
          action: 'cases.case.supplementRequested',
          object,
          subjectId: applicantId,
          details: { missing: JSON.parse(MISSING) },
        },
        epochMs(plan.start + plan.pausedFrom, 600),
      ]);
    }
    if (plan.closed >= 0) {
      const verb =
        plan.state === CASE_APPROVED ? 'approved' : plan.state === CASE_REJECTED ? 'rejected' : 'withdrawn';
      history.push([
        {
          actor: verb === 'withdrawn' ? applicant : lastDecider,
          action: `cases.case.${verb}`,
          object,
          subjectId: applicantId,
        },
        epochMs(plan.start, plan.closed),
      ]);
    }
    // The log's numbers follow the order of the writes, and the case's own events follow its time.
    return history.sort((a, b) => a[1] - b[1]);
  };

  /**
   * What the deadline watch (deadlines.ts) would have marked on something still running that started on working
   * day `start` and is due on `due` (ordinals): warned the working day before it was due, and overdue the working
   * day after. Without these marks the platform's first watch would announce thousands of generated steps at once.
   */
  const watched = (start: number, due: number): [number | null, number | null] => [
    due - WARN_WORKING_DAYS <= ctx.today ? dayOf(Math.max(start, due - WARN_WORKING_DAYS)) : null,
    due < ctx.today ? dayOf(due + 1) : null,
  ];

  const build = (from: number, to: number, numbers: readonly number[]): Batch => {
    const batch: Batch = {
      audit: [],
      cases: {
        id: [],
        number: [],
        service: [],
        answers: [],
        state: [],
        flow: [],
        applicant: [],
        clerk: [],
        started: [],
        due: [],
        submitted: [],
        closed: [],
        revision: [],
        paused: [],
        warned: [],
        overdue: [],
      },
      tasks: {
        id: [],
        caseId: [],
        node: [],
        state: [],
        claimed: [],
        opened: [],
        due: [],
        decided: [],
        by: [],
        revision: [],
        warned: [],
        overdue: [],
      },
    };
    const plans = [];
    for (let k = from; k < to; k++) plans.push(planCase(ctx, order[k] as number));
    const caseIds = idsAt(
      'case',
      plans.map((p) => (local(p.start, p.minute) - offset) * 60_000),
    );
    const taskTimes: number[] = [];
    for (const [k, plan] of plans.entries()) {
      const service = services[plan.service] as ServicePlan;
      const c = batch.cases;
      const started = dayOf(plan.start);
      const open = plan.state === IN_PROGRESS || plan.state === SUPPLEMENT;
      c.id.push(caseIds[k] as string);
      c.number.push(
        formatCaseNumber(service.department, Number(civilOf(started).slice(0, 4)), numbers[k] as number),
      );
      c.service.push(plan.service + 1);
      c.answers.push(plan.trace.answers + 1);
      c.state.push(plan.state + 1);
      c.flow.push(plan.flow + 1);
      c.applicant.push(generatedId('acct', plan.applicant));
      c.clerk.push(plan.counterClerk >= 0 ? plan.counterClerk + 1 : null);
      c.started.push(started);
      // A paused case has no due date until the applicant answers; nor have its open steps.
      c.due.push(plan.state === SUPPLEMENT ? null : dayOf(plan.start + service.promisedDays));
      c.submitted.push(local(plan.start, plan.minute));
      c.closed.push(plan.closed >= 0 ? local(plan.start, plan.closed) : null);
      c.revision.push(plan.revision);
      c.paused.push(plan.pausedFrom >= 0 ? dayOf(plan.start + plan.pausedFrom) : null);
      const [caseWarned, caseOverdue] =
        plan.state === IN_PROGRESS ? watched(plan.start, plan.start + service.promisedDays) : [null, null];
      c.warned.push(caseWarned);
      c.overdue.push(caseOverdue);
      report.cases++;
      if (open) report.openCases++;
      report.services[service.code] = (report.services[service.code] ?? 0) + 1;
      for (const task of plan.tasks) {
        const t = batch.tasks;
        const node = plan.trace.nodes[task.step] as number;
        const limit = nodes.limits[node] ?? 0;
        const openedDay = plan.start + Math.floor(task.opened / MINUTES_PER_DAY);
        taskTimes.push((local(plan.start, task.opened) - offset) * 60_000);
        t.caseId.push(caseIds[k] as string);
        t.node.push(node + 1);
        t.state.push(task.state);
        t.claimed.push(task.claimedBy >= 0 ? task.claimedBy + 1 : null);
        t.opened.push(local(plan.start, task.opened));
        const hasDue = limit > 0 && !(plan.state === SUPPLEMENT && task.state === OPEN);
        t.due.push(hasDue ? dayOf(openedDay + limit) : null);
        const [taskWarned, taskOverdue] =
          hasDue && task.state === OPEN ? watched(openedDay, openedDay + limit) : [null, null];
        t.warned.push(taskWarned);
        t.overdue.push(taskOverdue);
        t.decided.push(task.decided >= 0 ? local(plan.start, task.decided) : null);
        t.by.push(task.decidedBy >= 0 ? task.decidedBy + 1 : null);
        t.revision.push(1 + (task.state === OPEN ? (task.claimedBy >= 0 ? 1 : 0) : 1));
        report.tasks++;
        if (task.state === OPEN) report.openTasks++;
      }
      if (options.audit) {
        for (const [entry, at] of auditHistory(plan, c.id[k] as string, c.number.at(-1) as string))
          batch.audit.push(options.audit.historicalRecord(entry, new Date(at)));
      }
    }
    batch.tasks.id = idsAt('task', taskTimes);
    report.auditRecords += batch.audit.length;
    return batch;
  };

  const p = (value: unknown) => sql.param(value);
  const constants = {
    codes: p(services.map((s) => s.code)),
    departments: p(services.map((s) => s.department)),
    definitions: p(services.map((s) => s.definitionId)),
    forms: p(services.map((s) => s.formId)),
    statutory: p(services.map((s) => s.statutoryDays)),
    promised: p(services.map((s) => s.promisedDays)),
    answers: p(answers),
    answerTexts: p(answers),
    dated: p(answers.map((a) => a.includes(`"${DATE_PLACEHOLDER}"`))),
    states: p([...CASE_STATES]),
    flows: p(flows),
    staff: p(staff.map((s) => s.accountId)),
    nodeIds: p(nodes.ids),
    kinds: p(nodes.kinds),
    nodeDepartments: p(nodes.departments),
    roles: p(nodes.roles),
    limits: p(nodes.limits),
    timeZone: p(timeZone),
  };
  // One statement per batch: the cases in a data-modifying WITH, the steps in the main INSERT. The steps' foreign key
  // is checked at the end of the statement, when the cases are there; each batch commits on its own.
  const insert = (batch: Batch) => {
    const c = batch.cases;
    const t = batch.tasks;
    const k = constants;
    return db.execute(sql`
      with ${options.audit ? sql`audited as (${auditInsert(batch.audit)}), ` : sql``}inserted as (
        insert into cases_cases (id, number, service_code, department_code, definition_id, applicant_id, channel,
          submitted_by, form_id, answers, state, flow, started_on, statutory_days, promised_days, pauses, missing,
          due_on, submitted_at, closed_at, revision, warned_on, overdue_on)
        select r.id, r.number, (${k.codes}::text[])[r.service], (${k.departments}::text[])[r.service],
          (${k.definitions}::text[])[r.service], r.applicant,
          case when r.clerk is null then 'online' else 'counter' end,
          coalesce((${k.staff}::text[])[r.clerk], r.applicant), (${k.forms}::text[])[r.service],
          case when (${k.dated}::boolean[])[r.answers]
            then replace((${k.answerTexts}::text[])[r.answers], ${p(`"${DATE_PLACEHOLDER}"`)},
              '"' || to_char(date '1970-01-01' + r.started, 'YYYY-MM-DD') || '"')::jsonb
            else (${k.answers}::jsonb[])[r.answers] end,
          (${k.states}::text[])[r.state], (${k.flows}::jsonb[])[r.flow],
          date '1970-01-01' + r.started, (${k.statutory}::int[])[r.service], (${k.promised}::int[])[r.service],
          case when r.paused is null then '[]'::jsonb
            else jsonb_build_array(jsonb_build_object('from', date '1970-01-01' + r.paused)) end,
          case when r.paused is null then '[]'::jsonb else ${p(MISSING)}::jsonb end,
          date '1970-01-01' + r.due,
          (timestamp '1970-01-01' + r.submitted * interval '1 minute') at time zone ${k.timeZone},
          (timestamp '1970-01-01' + r.closed * interval '1 minute') at time zone ${k.timeZone},
          r.revision, date '1970-01-01' + r.warned, date '1970-01-01' + r.overdue
        from unnest(${p(c.id)}::text[], ${p(c.number)}::text[], ${p(c.service)}::int[], ${p(c.answers)}::int[],
          ${p(c.state)}::int[], ${p(c.flow)}::int[], ${p(c.applicant)}::text[], ${p(c.clerk)}::int[],
          ${p(c.started)}::int[], ${p(c.due)}::int[], ${p(c.submitted)}::int[], ${p(c.closed)}::int[],
          ${p(c.revision)}::int[], ${p(c.paused)}::int[], ${p(c.warned)}::int[], ${p(c.overdue)}::int[])
          as r(id, number, service, answers, state, flow, applicant, clerk, started, due, submitted, closed, revision,
            paused, warned, overdue)
      )
      insert into cases_tasks (id, case_id, node_id, kind, department_code, role, state, outcome, reason, claimed_by,
        opened_on, limit_days, due_on, decided_by, decided_at, opened_at, revision, warned_on, overdue_on)
      select t.id, t.case_id, (${k.nodeIds}::text[])[t.node], (${k.kinds}::text[])[t.node],
        (${k.nodeDepartments}::text[])[t.node], (${k.roles}::text[])[t.node],
        case t.state when ${sql.raw(String(OPEN))} then 'open' when ${sql.raw(String(CANCELLED))} then 'cancelled' else 'done' end,
        case t.state when ${sql.raw(String(APPROVED))} then 'approved' when ${sql.raw(String(REJECTED))} then 'rejected' end,
        case t.state when ${sql.raw(String(REJECTED))} then ${p(REJECTION_REASON)} end,
        (${k.staff}::text[])[t.claimed], date '1970-01-01' + t.opened / ${sql.raw(String(MINUTES_PER_DAY))},
        (${k.limits}::int[])[t.node], date '1970-01-01' + t.due, (${k.staff}::text[])[t.by],
        (timestamp '1970-01-01' + t.decided * interval '1 minute') at time zone ${k.timeZone},
        (timestamp '1970-01-01' + t.opened * interval '1 minute') at time zone ${k.timeZone},
        t.revision, date '1970-01-01' + t.warned, date '1970-01-01' + t.overdue
      from unnest(${p(t.id)}::text[], ${p(t.caseId)}::text[], ${p(t.node)}::int[], ${p(t.state)}::int[],
        ${p(t.claimed)}::int[], ${p(t.opened)}::int[], ${p(t.due)}::int[], ${p(t.decided)}::int[],
        ${p(t.by)}::int[], ${p(t.revision)}::int[], ${p(t.warned)}::int[], ${p(t.overdue)}::int[])
        as t(id, case_id, node, state, claimed, opened, due, decided, by, revision, warned, overdue)`);
  };

  // The records get their numbers from the log's own default (kernel_audit_next_seq, ADR 10), in insert order.
  const auditInsert = (rows: readonly AuditRecordRow[]) => {
    const column = <K extends keyof AuditRecordRow>(key: K) => p(rows.map((r) => r[key]));
    return sql`insert into kernel_audit_records (id, occurred_at, actor_id, actor_kind, mandate_id, role, department,
        action, object_type, object_id, subject_id, outcome, purpose, client_address, user_agent, request_id, details,
        hash_version, mac)
      select * from unnest(${column('id')}::text[], ${p(rows.map((r) => r.occurredAt.toISOString()))}::timestamptz[],
        ${column('actorId')}::text[], ${column('actorKind')}::text[], ${column('mandateId')}::text[],
        ${column('role')}::text[], ${column('department')}::text[], ${column('action')}::text[],
        ${column('objectType')}::text[], ${column('objectId')}::text[], ${column('subjectId')}::text[],
        ${column('outcome')}::text[], ${column('purpose')}::text[], ${column('clientAddress')}::text[],
        ${column('userAgent')}::text[], ${column('requestId')}::text[],
        ${p(rows.map((r) => (r.details === null ? null : JSON.stringify(r.details))))}::jsonb[],
        ${column('hashVersion')}::smallint[], ${column('mac')}::text[])`;
  };

  // Numbers come from the platform's sequence, so a case submitted later never takes one of them.
  const numbersFor = async (n: number) =>
    (
      await queryRows<{ n: string }>(
        db,
        sql`select nextval(${CASE_NUMBER_SEQUENCE}) as n from generate_series(1, ${n})`,
      )
    )
      .map((r) => Number(r.n))
      .sort((a, b) => a - b);

  // Batches are built while earlier ones are written: PostgreSQL runs each statement in its own server process, so
  // two in flight keep both cores of a small machine busy; PGlite has one connection and takes them in turn.
  const concurrency = Math.max(1, Math.trunc(options.concurrency ?? 2));
  const writing = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for (let from = 0; from < count && !failure; from += batchSize) {
    const size = Math.min(count, from + batchSize) - from;
    const batch = build(from, from + size, await numbersFor(size));
    while (writing.size >= concurrency) await Promise.race(writing);
    if (failure) break;
    const job: Promise<void> = insert(batch).then(
      () => options.progress?.tick(size),
      (error: unknown) => {
        failure ??= { error };
      },
    );
    writing.add(job);
    void job.finally(() => writing.delete(job));
    // Lets the driver send the statement before the next batch is built on this thread.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(writing);
  if (failure) throw failure.error;
  if (count > 0) {
    // The planner's statistics were taken before the rows arrived: a bulk load is followed by ANALYZE.
    await db.execute(sql`analyze cases_cases`);
    await db.execute(sql`analyze cases_tasks`);
    if (options.audit) await db.execute(sql`analyze kernel_audit_records`);
  }
  return report;
}
