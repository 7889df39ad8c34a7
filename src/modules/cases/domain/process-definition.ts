import { z } from 'zod';
import { type Condition, conditionSchema } from '../../forms/index.ts';

/**
 * A process definition (办理流程): data an administrator edits, never code (流程再造). A directed graph in the shape
 * of the BPMN subset we exchange with modelling tools (ADR 16): tasks, parallel splits with their joins, exclusive
 * choices on the form's answers, and ends. A running case keeps the version it started with.
 */

/** What a step does; the label staff see on their inbox (受理, 审查, 决定, 会签, 现场核查, 制证). */
export const STEP_KINDS = ['accept', 'review', 'decide', 'countersign', 'inspect', 'issue'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

const NODE_ID = /^[a-z][a-z0-9_-]{0,39}$/;
const nodeId = z.string().regex(NODE_ID, 'error.nodeId');
const bilingual = z.object({
  'zh-CN': z.string().trim().min(1).max(80),
  en: z.string().trim().min(1).max(120),
});

/** Conditions are the forms module's: a process branches on the same answers a form shows its questions by. */
export { type Condition, conditionSchema };

const taskNode = z.object({
  id: nodeId,
  type: z.literal('task'),
  kind: z.enum(STEP_KINDS),
  name: bilingual,
  /** The department whose staff do this step, and the role they need there. */
  department: z.string().trim(),
  role: z.string().trim(),
  /** The step's own time limit in working days (0: no limit of its own beyond the case's). */
  limitDays: z.number().int().min(0).max(365),
  next: nodeId,
});

const parallelNode = z.object({
  id: nodeId,
  type: z.literal('parallel'),
  /** The first node of each branch: the branches run at the same time. */
  branches: z.array(nodeId).min(2).max(20),
  /** Where the branches meet again. */
  join: nodeId,
});

const joinNode = z.object({
  id: nodeId,
  type: z.literal('join'),
  /** `all`: every branch must finish; `any`: the first finished branch is enough, and the others are cancelled. */
  mode: z.enum(['all', 'any']),
  next: nodeId,
});

const choiceNode = z.object({
  id: nodeId,
  type: z.literal('choice'),
  /** Tried in order: the first whose condition holds is taken, else `otherwise`. */
  branches: z
    .array(z.object({ when: conditionSchema, next: nodeId }))
    .min(1)
    .max(20),
  otherwise: nodeId,
});

const endNode = z.object({ id: nodeId, type: z.literal('end') });

export const processNodeSchema = z.discriminatedUnion('type', [
  taskNode,
  parallelNode,
  joinNode,
  choiceNode,
  endNode,
]);
export type ProcessNode = z.infer<typeof processNodeSchema>;
export type TaskNode = z.infer<typeof taskNode>;
export type ParallelNode = z.infer<typeof parallelNode>;
export type JoinNode = z.infer<typeof joinNode>;

export const processDefinitionSchema = z.object({
  start: nodeId,
  nodes: z.array(processNodeSchema).min(2).max(200),
});
export type ProcessDefinition = z.infer<typeof processDefinitionSchema>;

/** One reason a definition cannot be used, on one node; `key` is a message of casesMessages. */
export interface DefinitionProblem {
  nodeId: string;
  key:
    | 'problem.duplicateNode'
    | 'problem.unknownNode'
    | 'problem.unknownStart'
    | 'problem.cycle'
    | 'problem.unreachable'
    | 'problem.unassigned'
    | 'problem.unknownDepartment'
    | 'problem.unknownRole'
    | 'problem.joinNotJoin'
    | 'problem.branchMissesJoin'
    | 'problem.joinShared'
    | 'problem.joinWithoutSplit'
    | 'problem.noEnd';
  params?: Record<string, string>;
}

/** What a definition is checked against: the departments and staff roles that exist. */
export interface DefinitionContext {
  departments: ReadonlySet<string>;
  roles: ReadonlySet<string>;
}

/** The nodes each node leads to, in order. */
export function successors(node: ProcessNode): string[] {
  switch (node.type) {
    case 'task':
    case 'join':
      return [node.next];
    case 'parallel':
      return [...node.branches];
    case 'choice':
      return [...node.branches.map((b) => b.next), node.otherwise];
    case 'end':
      return [];
  }
}

/**
 * Every reason the definition cannot run, all at once (一次性告知 applies to administrators too): unknown or
 * duplicate nodes, cycles, unreachable nodes, steps without a department or role, and parallel blocks whose branches
 * do not all meet at their own join.
 */
export function checkDefinition(
  definition: ProcessDefinition,
  context: DefinitionContext,
): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const byId = new Map<string, ProcessNode>();
  for (const node of definition.nodes) {
    if (byId.has(node.id)) problems.push({ nodeId: node.id, key: 'problem.duplicateNode' });
    else byId.set(node.id, node);
  }
  if (!byId.has(definition.start)) {
    problems.push({ nodeId: definition.start, key: 'problem.unknownStart' });
    return problems;
  }
  let brokenReferences = false;
  for (const node of byId.values()) {
    for (const target of successors(node)) {
      if (!byId.has(target)) {
        brokenReferences = true;
        problems.push({ nodeId: node.id, key: 'problem.unknownNode', params: { target } });
      }
    }
    if (node.type === 'task') {
      if (!node.department || !node.role) problems.push({ nodeId: node.id, key: 'problem.unassigned' });
      else {
        if (!context.departments.has(node.department))
          problems.push({
            nodeId: node.id,
            key: 'problem.unknownDepartment',
            params: { value: node.department },
          });
        if (!context.roles.has(node.role))
          problems.push({ nodeId: node.id, key: 'problem.unknownRole', params: { value: node.role } });
      }
    }
  }
  if (brokenReferences) return problems;

  const cycle = findCycle(definition.start, byId);
  if (cycle) {
    problems.push({
      nodeId: cycle[0] ?? definition.start,
      key: 'problem.cycle',
      params: { path: cycle.join(' → ') },
    });
    return problems;
  }
  const reachable = reachableFrom([definition.start], byId);
  for (const id of byId.keys()) {
    if (!reachable.has(id)) problems.push({ nodeId: id, key: 'problem.unreachable' });
  }
  if (![...reachable].some((id) => byId.get(id)?.type === 'end'))
    problems.push({ nodeId: definition.start, key: 'problem.noEnd' });

  const splitOfJoin = new Map<string, string>();
  for (const node of byId.values()) {
    if (node.type !== 'parallel') continue;
    const join = byId.get(node.join);
    if (join?.type !== 'join') {
      problems.push({ nodeId: node.id, key: 'problem.joinNotJoin', params: { target: node.join } });
      continue;
    }
    const owner = splitOfJoin.get(join.id);
    if (owner)
      problems.push({
        nodeId: node.id,
        key: 'problem.joinShared',
        params: { target: join.id, other: owner },
      });
    splitOfJoin.set(join.id, node.id);
    for (const branch of node.branches) {
      if (!allPathsMeet(branch, join.id, byId))
        problems.push({
          nodeId: node.id,
          key: 'problem.branchMissesJoin',
          params: { branch, target: join.id },
        });
    }
  }
  for (const node of byId.values()) {
    if (node.type === 'join' && !splitOfJoin.has(node.id))
      problems.push({ nodeId: node.id, key: 'problem.joinWithoutSplit' });
  }
  return problems;
}

function findCycle(start: string, byId: ReadonlyMap<string, ProcessNode>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const trail: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...trail.slice(trail.indexOf(id)), id];
    state.set(id, 'open');
    trail.push(id);
    const node = byId.get(id);
    for (const next of node ? successors(node) : []) {
      const found = visit(next);
      if (found) return found;
    }
    trail.pop();
    state.set(id, 'done');
    return undefined;
  };
  return visit(start);
}

function reachableFrom(starts: readonly string[], byId: ReadonlyMap<string, ProcessNode>): Set<string> {
  const seen = new Set<string>();
  const stack = [...starts];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = byId.get(id);
    if (node) stack.push(...successors(node));
  }
  return seen;
}

/** True when every path from `from` reaches `join` before it can reach an end. */
function allPathsMeet(from: string, join: string, byId: ReadonlyMap<string, ProcessNode>): boolean {
  const seen = new Set<string>();
  const walk = (id: string): boolean => {
    if (id === join) return true;
    if (seen.has(id)) return true;
    seen.add(id);
    const node = byId.get(id);
    if (!node || node.type === 'end') return false;
    // A nested parallel block is crossed at once: its own join is where its branches meet.
    if (node.type === 'parallel') return walk(node.join);
    return successors(node).every(walk);
  };
  return walk(from);
}

/** The nodes inside a parallel block (between the split and its join): cancelled when an `any` join fires. */
export function blockNodes(definition: ProcessDefinition, splitId: string): Set<string> {
  const byId = new Map(definition.nodes.map((n) => [n.id, n]));
  const split = byId.get(splitId);
  if (split?.type !== 'parallel') return new Set();
  const inside = new Set<string>();
  const stack = [...split.branches];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (id === split.join || inside.has(id)) continue;
    inside.add(id);
    const node = byId.get(id);
    if (node) stack.push(...successors(node));
  }
  return inside;
}
