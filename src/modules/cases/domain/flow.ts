import { type Answers, holds } from '../../forms/index.ts';
import { blockNodes, type ProcessDefinition, type ProcessNode, type TaskNode } from './process-definition.ts';

/**
 * Moving a case through its (checked) definition: pure functions from the definition, the flow's state and the
 * form's answers to the steps to open and cancel. The cases service stores the result in one transaction.
 */

/** What a case remembers between steps: how many branches reached each join, and which `any` joins fired. */
export interface FlowState {
  arrivals: Record<string, number>;
  fired: string[];
}

/** The outcome of starting a case or finishing one of its steps. */
export interface FlowAdvance {
  /** Steps that open now. */
  open: TaskNode[];
  /** Nodes whose open steps are no longer needed (the other branches of an `any` join). */
  cancel: string[];
  /** True when the flow reached an end: every step is done. */
  ended: boolean;
  state: FlowState;
}

export type { Answers };

export function emptyFlowState(): FlowState {
  return { arrivals: {}, fired: [] };
}

/** The steps a new case opens with. */
export function startFlow(definition: ProcessDefinition, answers: Answers): FlowAdvance {
  return advanceFrom(definition, emptyFlowState(), [definition.start], answers);
}

/** What follows when the step at `nodeId` is finished (approved by its department). */
export function finishStep(
  definition: ProcessDefinition,
  state: FlowState,
  nodeId: string,
  answers: Answers,
): FlowAdvance {
  const node = nodeById(definition, nodeId);
  if (node.type !== 'task') throw new RangeError(`${nodeId} is not a step`);
  return advanceFrom(definition, state, [node.next], answers);
}

function nodeById(definition: ProcessDefinition, id: string): ProcessNode {
  const node = definition.nodes.find((n) => n.id === id);
  if (!node) throw new RangeError(`The definition has no node ${id}`);
  return node;
}

function advanceFrom(
  definition: ProcessDefinition,
  before: FlowState,
  starts: readonly string[],
  answers: Answers,
): FlowAdvance {
  const state: FlowState = { arrivals: { ...before.arrivals }, fired: [...before.fired] };
  const result: FlowAdvance = { open: [], cancel: [], ended: false, state };
  const splits = new Map<string, ProcessNode & { type: 'parallel' }>();
  for (const n of definition.nodes) if (n.type === 'parallel') splits.set(n.join, n);
  const visit = (id: string) => {
    const node = nodeById(definition, id);
    switch (node.type) {
      case 'task':
        result.open.push(node);
        return;
      case 'parallel':
        for (const branch of node.branches) visit(branch);
        return;
      case 'choice': {
        const taken = node.branches.find((b) => holds(b.when, answers));
        visit(taken ? taken.next : node.otherwise);
        return;
      }
      case 'join': {
        if (state.fired.includes(node.id)) return; // a late branch of an `any` join: already moved on
        const split = splits.get(node.id);
        const arrived = (state.arrivals[node.id] ?? 0) + 1;
        state.arrivals[node.id] = arrived;
        const expected = split ? split.branches.length : 1;
        if (node.mode === 'any') {
          state.fired.push(node.id);
          if (split) {
            const inside = blockNodes(definition, split.id);
            result.cancel.push(...inside);
            // Steps this same advance opened inside the block are not opened after all.
            result.open = result.open.filter((t) => !inside.has(t.id));
          }
          visit(node.next);
        } else if (arrived >= expected) {
          visit(node.next);
        }
        return;
      }
      case 'end':
        result.ended = true;
        return;
    }
  };
  for (const id of starts) visit(id);
  return result;
}
