import { BpmnModdle, type ModdleElement, type ModdlePackage } from 'bpmn-moddle';
import { conditionSchema } from '../../forms/index.ts';
import {
  type Condition,
  type ParallelNode,
  type ProcessDefinition,
  type ProcessNode,
  processDefinitionSchema,
  processNodeSchema,
  STEP_KINDS,
  type StepKind,
  successors,
} from './process-definition.ts';

/**
 * BPMN 2.0 exchange of process definitions with modelling tools such as bpmn.io (ADR 16). Each node maps onto one
 * BPMN element, plus exclusive merges where BPMN's token rules need them; what BPMN has no attribute for (a step's
 * department, role, kind and English name) travels in our own `yiwang` namespace, which other tools keep untouched. Import reads only the subset the engine runs and names
 * every element outside it, so an administrator fixes the drawing instead of running a silently different process.
 */

const YIWANG_NAMESPACE = 'https://yiwang.example/schema/bpmn';

const stringAttribute = (name: string) => ({ name, type: 'String', isAttr: true });

const yiwangPackage: ModdlePackage = {
  name: 'Yiwang',
  uri: YIWANG_NAMESPACE,
  prefix: 'yiwang',
  // Without it moddle writes the BPMN elements our types extend with capitals (<bpmn:UserTask>), which is not BPMN.
  xml: { tagAlias: 'lowerCase' },
  types: [
    {
      name: 'Step',
      extends: ['bpmn:UserTask'],
      // limitDays is a string so that import can refuse "2.5" or "ten": moddle's Integer would read 2 and NaN.
      properties: ['department', 'role', 'kind', 'limitDays', 'nameEn'].map(stringAttribute),
    },
    { name: 'Service', extends: ['bpmn:Process'], properties: [stringAttribute('nameEn')] },
    // On a parallel split, the id of its join; on a complex gateway, `any` (see `flowNodeOf`).
    { name: 'Join', extends: ['bpmn:Gateway'], properties: [stringAttribute('join')] },
  ],
};

function createModdle(): BpmnModdle {
  return new BpmnModdle({ yiwang: yiwangPackage });
}

// Node ids are lower-case, so the ids export gives its own elements (these, `Merge_…`, `Shape_…`) never clash with one.
const START_EVENT_ID = 'StartEvent_1';
const flowId = (index: number) => `Flow_${index}`;
const timerId = (taskId: string) => `Timer_${taskId}`;

/** One sequence flow of the exported process, between two ids of the start event or of nodes. */
interface Edge {
  id: string;
  source: string;
  target: string;
  condition?: Condition;
  otherwise?: true;
}

/**
 * The definition as a BPMN 2.0 document that bpmn.io opens as drawn: one executable process with a diagram laid
 * out left to right, so no auto-layout is needed. Meant for checked definitions: a node naming one that does not
 * exist is a RangeError.
 */
export async function exportBpmn(
  serviceCode: string,
  name: { 'zh-CN': string; en: string },
  definition: ProcessDefinition,
): Promise<string> {
  const moddle = createModdle();
  const code = serviceCode.replace(/[^A-Za-z0-9_]/g, '_');
  const elements = new Map<string, ModdleElement>([
    [START_EVENT_ID, moddle.create('bpmn:StartEvent', { id: START_EVENT_ID })],
  ]);
  for (const node of definition.nodes) elements.set(node.id, flowNodeOf(moddle, node));
  const { edges, merges } = flowsOf(definition);
  for (const id of merges)
    elements.set(id, moddle.create('bpmn:ExclusiveGateway', { id, gatewayDirection: 'Converging' }));
  const elementOf = (id: string): ModdleElement => {
    const element = elements.get(id);
    if (!element) throw new RangeError(`The definition has no node ${id}`);
    return element;
  };

  const flows = new Map<string, ModdleElement>();
  const incoming = new Map<ModdleElement, ModdleElement[]>();
  const outgoing = new Map<ModdleElement, ModdleElement[]>();
  for (const edge of edges) {
    const source = elementOf(edge.source);
    const target = elementOf(edge.target);
    const flow = moddle.create('bpmn:SequenceFlow', {
      id: edge.id,
      sourceRef: source,
      targetRef: target,
      ...(edge.condition && {
        conditionExpression: moddle.create('bpmn:FormalExpression', { body: JSON.stringify(edge.condition) }),
      }),
    });
    flows.set(edge.id, flow);
    outgoing.set(source, [...(outgoing.get(source) ?? []), flow]);
    incoming.set(target, [...(incoming.get(target) ?? []), flow]);
    if (edge.otherwise) source.set('default', flow);
  }
  for (const element of elements.values()) {
    element.set('incoming', incoming.get(element) ?? []);
    element.set('outgoing', outgoing.get(element) ?? []);
  }

  const timers = new Map<string, ModdleElement>();
  for (const node of definition.nodes) {
    if (node.type !== 'task' || node.limitDays <= 0) continue;
    timers.set(
      node.id,
      moddle.create('bpmn:BoundaryEvent', {
        id: timerId(node.id),
        attachedToRef: elementOf(node.id),
        // The limit marks a step overdue (the traffic light); it never takes the step away from its department.
        cancelActivity: false,
        eventDefinitions: [
          moddle.create('bpmn:TimerEventDefinition', {
            // Working days on the kernel calendar, not the calendar days ISO 8601 means: our engine counts them,
            // a generic engine running this file would fire early over weekends and holidays.
            timeDuration: moddle.create('bpmn:FormalExpression', { body: `P${node.limitDays}D` }),
          }),
        ],
      }),
    );
  }

  const process = moddle.create('bpmn:Process', {
    id: `Process_${code}`,
    name: name['zh-CN'],
    'yiwang:nameEn': name.en,
    isExecutable: true,
    flowElements: [...elements.values(), ...timers.values(), ...flows.values()],
  });
  const diagram = diagramOf(moddle, process, elements, timers, edges, flows);
  const document = moddle.create('bpmn:Definitions', {
    id: `Definitions_${code}`,
    targetNamespace: YIWANG_NAMESPACE,
    exporter: 'Yiwang',
    rootElements: [process],
    diagrams: [diagram],
  });
  const { xml } = await moddle.toXML(document, { format: true });
  return xml;
}

function flowNodeOf(moddle: BpmnModdle, node: ProcessNode): ModdleElement {
  switch (node.type) {
    case 'task':
      return moddle.create('bpmn:UserTask', {
        id: node.id,
        name: node.name['zh-CN'],
        'yiwang:nameEn': node.name.en,
        'yiwang:kind': node.kind,
        'yiwang:department': node.department,
        'yiwang:role': node.role,
        'yiwang:limitDays': String(node.limitDays),
      });
    case 'parallel':
      // Stored so that import need not guess the join when branches are unstructured or nested.
      return moddle.create('bpmn:ParallelGateway', {
        id: node.id,
        gatewayDirection: 'Diverging',
        'yiwang:join': node.join,
      });
    case 'join':
      if (node.mode === 'all')
        return moddle.create('bpmn:ParallelGateway', { id: node.id, gatewayDirection: 'Converging' });
      // An `any` join is a complex gateway: of BPMN's merging gateways it alone can fire on the first arrival and
      // absorb the later ones. An exclusive merge would pass every arriving branch on, running the rest of the
      // process once per branch in any other tool; a parallel gateway would wait for all. BPMN leaves the complex
      // gateway's activation rule to an expression, so yiwang:join="any" names ours.
      return moddle.create('bpmn:ComplexGateway', {
        id: node.id,
        gatewayDirection: 'Converging',
        'yiwang:join': 'any',
      });
    case 'choice':
      return moddle.create('bpmn:ExclusiveGateway', { id: node.id, gatewayDirection: 'Diverging' });
    case 'end':
      return moddle.create('bpmn:EndEvent', { id: node.id });
  }
}

/** The exported process's flows, and the ids of the exclusive merges some of them pass through. */
function flowsOf(definition: ProcessDefinition): { edges: Edge[]; merges: string[] } {
  const direct: Omit<Edge, 'id'>[] = [{ source: START_EVENT_ID, target: definition.start }];
  for (const node of definition.nodes) {
    if (node.type === 'choice') {
      for (const branch of node.branches)
        direct.push({ source: node.id, target: branch.next, condition: branch.when });
      direct.push({ source: node.id, target: node.otherwise, otherwise: true });
    } else {
      for (const target of successors(node)) direct.push({ source: node.id, target });
    }
  }
  const mergeOf = mergesBefore(definition, direct);
  const edges: Edge[] = [];
  const add = (edge: Omit<Edge, 'id'>) => edges.push({ id: flowId(edges.length + 1), ...edge });
  const merges = new Map<string, string>();
  for (const [index, edge] of direct.entries()) {
    const merge = mergeOf.get(index);
    add(merge ? { ...edge, target: merge } : edge);
    if (merge) merges.set(merge, edge.target);
  }
  for (const [merge, target] of merges) add({ source: merge, target });
  return { edges, merges: [...merges.keys()] };
}

/**
 * Where our graph and BPMN's token rules part, an exclusive merge in front keeps the meaning for other tools. A
 * parallel gateway with several incoming flows waits for all of them, while our split starts its branches on each
 * arrival; a parallel join waits for every incoming flow, while ours waits for one arrival per branch, however many
 * flows a branch (with a choice inside) reaches it by. Import passes such merges by.
 */
function mergesBefore(
  definition: ProcessDefinition,
  direct: readonly Omit<Edge, 'id'>[],
): Map<number, string> {
  const into = new Map<string, number[]>();
  for (const [index, edge] of direct.entries())
    into.set(edge.target, [...(into.get(edge.target) ?? []), index]);
  const byId = new Map(definition.nodes.map((node) => [node.id, node]));
  const mergeOf = new Map<number, string>();
  for (const node of definition.nodes) {
    const incoming = into.get(node.id) ?? [];
    if ((node.type === 'parallel' || node.type === 'choice') && incoming.length > 1)
      for (const index of incoming) mergeOf.set(index, `Merge_${node.id}`);
    if (node.type !== 'parallel') continue;
    const join = byId.get(node.join);
    if (join?.type !== 'join' || join.mode !== 'all') continue;
    for (const [branch, first] of node.branches.entries()) {
      const inside = nodesOfBranch(first, join.id, byId);
      const fromBranch = (into.get(join.id) ?? []).filter((index) => inside.has(direct[index]?.source ?? ''));
      if (fromBranch.length > 1)
        for (const index of fromBranch) mergeOf.set(index, `Merge_${join.id}_Branch${branch + 1}`);
    }
  }
  return mergeOf;
}

function nodesOfBranch(first: string, join: string, byId: ReadonlyMap<string, ProcessNode>): Set<string> {
  const inside = new Set<string>();
  const stack = [first];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (id === join || inside.has(id)) continue;
    inside.add(id);
    const node = byId.get(id);
    if (node) stack.push(...successors(node));
  }
  return inside;
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface Point {
  x: number;
  y: number;
}

const COLUMN_WIDTH = 160;
const ROW_HEIGHT = 120;
const MARGIN = 40;
const TIMER_SIZE = 36;

/** bpmn.io's own sizes, so that shapes look as if drawn there. */
function sizeOf(element: ModdleElement): { width: number; height: number } {
  if (element.$type === 'bpmn:UserTask') return { width: 100, height: 80 };
  if (element.$type.endsWith('Gateway')) return { width: 50, height: 50 };
  return { width: 36, height: 36 };
}

/** Where each shape goes, and where each flow that skips columns crosses the columns between. */
interface Layout {
  boxes: Map<string, Box>;
  crossings: Map<string, Point[]>;
}

/**
 * Columns by the longest path from the start, so every flow that does not close a cycle runs to the right; a
 * column's shapes are stacked around one middle line in the order of the definition's branches. A flow skipping
 * columns (a choice's shortcut) takes a slot in each column it crosses, so it runs beside the shapes there, not
 * through them.
 */
function layOut(elements: ReadonlyMap<string, ModdleElement>, edges: readonly Edge[]): Layout {
  const next = new Map<string, string[]>();
  for (const edge of edges) next.set(edge.source, [...(next.get(edge.source) ?? []), edge.target]);
  const postOrder: string[] = [];
  const visited = new Set<string>();
  const visit = (id: string) => {
    if (visited.has(id)) return;
    visited.add(id);
    // Reversed, so that the reverse post-order below keeps the branches in their written order.
    for (const target of [...(next.get(id) ?? [])].reverse()) visit(target);
    postOrder.push(id);
  };
  for (const id of elements.keys()) visit(id);
  // In reverse post-order every edge points forwards except those that close a cycle.
  const order = postOrder.reverse();
  const position = new Map(order.map((id, index) => [id, index]));
  const column = new Map(order.map((id) => [id, 0]));
  for (const id of order) {
    for (const target of next.get(id) ?? []) {
      if ((position.get(target) ?? 0) > (position.get(id) ?? 0))
        column.set(target, Math.max(column.get(target) ?? 0, (column.get(id) ?? 0) + 1));
    }
  }

  const slots = new Map<number, { key: number; node?: string; edge?: string }[]>();
  const take = (index: number, slot: { key: number; node?: string; edge?: string }) =>
    slots.set(index, [...(slots.get(index) ?? []), slot]);
  for (const id of order) take(column.get(id) ?? 0, { key: position.get(id) ?? 0, node: id });
  for (const edge of edges) {
    const key = (position.get(edge.source) ?? 0) + 0.5;
    for (let index = (column.get(edge.source) ?? 0) + 1; index < (column.get(edge.target) ?? 0); index++)
      take(index, { key, edge: edge.id });
  }

  const tallest = Math.max(...[...slots.values()].map((column) => column.length));
  const middle = MARGIN + (tallest * ROW_HEIGHT) / 2;
  const layout: Layout = { boxes: new Map(), crossings: new Map() };
  for (const index of [...slots.keys()].sort((a, b) => a - b)) {
    const stacked = (slots.get(index) ?? []).sort((a, b) => a.key - b.key);
    stacked.forEach(({ node, edge }, row) => {
      const centre = {
        x: MARGIN + index * COLUMN_WIDTH + COLUMN_WIDTH / 2,
        y: middle + (row - (stacked.length - 1) / 2) * ROW_HEIGHT,
      };
      const element = node === undefined ? undefined : elements.get(node);
      if (node !== undefined && element) {
        const { width, height } = sizeOf(element);
        layout.boxes.set(node, { x: centre.x - width / 2, y: centre.y - height / 2, width, height });
      }
      if (edge !== undefined) layout.crossings.set(edge, [...(layout.crossings.get(edge) ?? []), centre]);
    });
  }
  return layout;
}

/**
 * Right-angled, bending between columns, and leaving or entering a gateway at its top or bottom as bpmn.io draws
 * branches.
 */
function waypointsOf(
  source: Box,
  crossings: readonly Point[],
  target: Box,
  sourceIsGateway: boolean,
  targetIsGateway: boolean,
): Point[] {
  const from = { x: source.x + source.width / 2, y: source.y + source.height / 2 };
  const to = { x: target.x + target.width / 2, y: target.y + target.height / 2 };
  const firstY = crossings[0]?.y ?? to.y;
  const points: Point[] = [];
  let y = from.y;
  if (sourceIsGateway && firstY !== from.y) {
    points.push(
      { x: from.x, y: firstY > from.y ? source.y + source.height : source.y },
      { x: from.x, y: firstY },
    );
    y = firstY;
  } else points.push({ x: source.x + source.width, y });
  for (const crossing of crossings) {
    if (crossing.y === y) continue;
    const bendX = crossing.x - COLUMN_WIDTH / 2;
    points.push({ x: bendX, y }, { x: bendX, y: crossing.y });
    y = crossing.y;
  }
  if (to.y === y) points.push({ x: target.x, y });
  else if (targetIsGateway)
    points.push({ x: to.x, y }, { x: to.x, y: to.y > y ? target.y : target.y + target.height });
  else {
    const bendX = to.x - COLUMN_WIDTH / 2;
    points.push({ x: bendX, y }, { x: bendX, y: to.y }, { x: target.x, y: to.y });
  }
  return points;
}

function diagramOf(
  moddle: BpmnModdle,
  process: ModdleElement,
  elements: ReadonlyMap<string, ModdleElement>,
  timers: ReadonlyMap<string, ModdleElement>,
  edges: readonly Edge[],
  flows: ReadonlyMap<string, ModdleElement>,
): ModdleElement {
  const { boxes, crossings } = layOut(elements, edges);
  const shape = (element: ModdleElement, box: Box) =>
    moddle.create('bpmndi:BPMNShape', {
      id: `Shape_${element.id}`,
      bpmnElement: element,
      bounds: moddle.create('dc:Bounds', { ...box }),
      // bpmn.io draws an exclusive gateway blank unless told to show its cross.
      ...(element.$type === 'bpmn:ExclusiveGateway' && { isMarkerVisible: true }),
    });
  const planeElements: ModdleElement[] = [];
  for (const [id, element] of elements) {
    const box = boxes.get(id);
    if (box) planeElements.push(shape(element, box));
  }
  for (const [taskId, timer] of timers) {
    const host = boxes.get(taskId);
    if (!host) continue;
    planeElements.push(
      shape(timer, {
        x: host.x + host.width - TIMER_SIZE - 10,
        y: host.y + host.height - TIMER_SIZE / 2,
        width: TIMER_SIZE,
        height: TIMER_SIZE,
      }),
    );
  }
  for (const edge of edges) {
    const source = boxes.get(edge.source);
    const target = boxes.get(edge.target);
    const flow = flows.get(edge.id);
    const sourceElement = elements.get(edge.source);
    const targetElement = elements.get(edge.target);
    if (!source || !target || !flow || !sourceElement || !targetElement) continue;
    const points = waypointsOf(
      source,
      crossings.get(edge.id) ?? [],
      target,
      sourceElement.$type.endsWith('Gateway'),
      targetElement.$type.endsWith('Gateway'),
    );
    planeElements.push(
      moddle.create('bpmndi:BPMNEdge', {
        id: `Edge_${edge.id}`,
        bpmnElement: flow,
        waypoint: points.map((point) => moddle.create('dc:Point', { ...point })),
      }),
    );
  }
  return moddle.create('bpmndi:BPMNDiagram', {
    id: 'BPMNDiagram_1',
    plane: moddle.create('bpmndi:BPMNPlane', {
      id: 'BPMNPlane_1',
      bpmnElement: process,
      planeElement: planeElements,
    }),
  });
}

/** One reason an imported document cannot become a definition, on the BPMN element (by id) it concerns. */
export interface BpmnProblem {
  element: string;
  message: string;
}

export interface BpmnImport {
  /** Present only when there are no problems: a partly read process would run differently from its drawing. */
  definition?: ProcessDefinition;
  problems: BpmnProblem[];
}

/** Where a problem concerns the whole file rather than one element of it. */
const DOCUMENT = 'document';

/**
 * A definition from a BPMN 2.0 document, or every reason it cannot be one, all at once. The result is shaped
 * (processDefinitionSchema) but not checked: the service runs checkDefinition, which reports cycles, unknown
 * departments and the like on the definition's own terms.
 */
export async function importBpmn(xml: string): Promise<BpmnImport> {
  let parsed: Awaited<ReturnType<BpmnModdle['fromXML']>>;
  try {
    parsed = await createModdle().fromXML(xml);
  } catch (error) {
    return { problems: [{ element: DOCUMENT, message: oneLine(error) }] };
  }
  const problems: BpmnProblem[] = parsed.warnings.map((warning) => ({
    element: warning.element?.id ?? DOCUMENT,
    message: oneLine(warning),
  }));
  const process = singleProcess(parsed.rootElement, problems);
  const read = process && new ProcessReader(process, problems).read();
  let definition: ProcessDefinition | undefined;
  if (read) {
    const elementOf = (nodeId: string) => read.elementIds.get(nodeId) ?? nodeId;
    for (const node of read.definition.nodes) {
      for (const issue of processNodeSchema.safeParse(node).error?.issues ?? [])
        problems.push({ element: elementOf(node.id), message: describeIssue(issue) });
    }
    // The definition as a whole (how many nodes) only means something once every node was read.
    if (problems.length === 0) {
      const shaped = processDefinitionSchema.safeParse(read.definition);
      if (shaped.success) definition = shaped.data;
      for (const issue of shaped.error?.issues ?? [])
        problems.push({ element: process?.id ?? DOCUMENT, message: describeIssue(issue) });
    }
  }
  const unique = [...new Map(problems.map((p) => [`${p.element}\n${p.message}`, p])).values()];
  return unique.length === 0 && definition ? { definition, problems: [] } : { problems: unique };
}

function describeIssue(issue: { path: PropertyKey[]; message: string }, whole = 'process'): string {
  return `${issue.path.map(String).join('.') || whole}: ${issue.message}`;
}

/** moddle's messages run over several indented lines (line, column, nested error). */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .trim()
    .split(/\s*\n\s*/)
    .join('; ');
}

/** The element's name as written in XML (`bpmn:serviceTask`), which is what its author sees in the file. */
function tagOf(element: ModdleElement): string {
  return element.$type.replace(/:(.)/, (_, first: string) => `:${first.toLowerCase()}`);
}

const SUBSET =
  'user tasks, parallel, exclusive and complex (`any` join) gateways, one start event, end events and timers on user tasks';

function singleProcess(definitions: ModdleElement, problems: BpmnProblem[]): ModdleElement | undefined {
  const processes: ModdleElement[] = [];
  for (const root of definitions.rootElements ?? []) {
    if (root.$type === 'bpmn:Process') processes.push(root);
    // Categories only name the groups drawn around elements: they change nothing in the flow.
    else if (root.$type !== 'bpmn:Category')
      problems.push({
        element: root.id ?? DOCUMENT,
        message: `${tagOf(root)} is outside what we run: one process, without pools or message flows`,
      });
  }
  if (processes.length !== 1)
    problems.push({
      element: DOCUMENT,
      message: `a service has exactly one process; the document has ${processes.length}`,
    });
  return processes.length === 1 ? processes[0] : undefined;
}

const isStepKind = (value: string): value is StepKind => (STEP_KINDS as readonly string[]).includes(value);

/** Our attribute on an element, when it is there at all. */
function yiwangAttribute(element: ModdleElement, name: string): string | undefined {
  const value = element.get(`yiwang:${name}`);
  return typeof value === 'string' ? value : undefined;
}

/** The kind of a step drawn without one: a plain modeller knows no kinds, and 审查 (review) fits most steps. */
const DEFAULT_KIND: StepKind = 'review';

const LEADS_NOWHERE = 'leads nowhere: connect it to the next step or to an end event';

/** Turns one BPMN process into the nodes of a definition, reporting every element it cannot turn. */
class ProcessReader {
  readonly #process: ModdleElement;
  readonly #problems: BpmnProblem[];
  /** Worked out from the flows themselves: `bpmn:outgoing` and `bpmn:incoming` are optional in BPMN files. */
  readonly #outgoing = new Map<ModdleElement, ModdleElement[]>();
  readonly #incoming = new Map<ModdleElement, number>();
  readonly #nodeIds = new Map<ModdleElement, string>();
  readonly #nodeIdsByElementId = new Map<string, string>();
  /** Elements already reported as outside the subset, so that flows into them are not reported again. */
  readonly #refused = new Set<ModdleElement>();
  readonly #timerDays = new Map<ModdleElement, number>();

  constructor(process: ModdleElement, problems: BpmnProblem[]) {
    this.#process = process;
    this.#problems = problems;
  }

  read(): { definition: ProcessDefinition; elementIds: Map<string, string> } | undefined {
    const flows: ModdleElement[] = [];
    const nodes: ModdleElement[] = [];
    const starts: ModdleElement[] = [];
    const timers: ModdleElement[] = [];
    // Lanes are left out on purpose: they are drawing aids, and a step's department is its own attribute.
    for (const element of this.#process.flowElements ?? []) {
      switch (element.$type) {
        case 'bpmn:SequenceFlow':
          flows.push(element);
          break;
        case 'bpmn:UserTask':
        case 'bpmn:ParallelGateway':
        case 'bpmn:ExclusiveGateway':
        case 'bpmn:ComplexGateway':
        case 'bpmn:EndEvent':
          nodes.push(element);
          break;
        case 'bpmn:StartEvent':
          starts.push(element);
          break;
        case 'bpmn:BoundaryEvent':
          timers.push(element);
          break;
        default:
          this.#refuse(element, `${tagOf(element)} is outside what we run (${SUBSET})`);
      }
    }
    for (const flow of flows) {
      if (flow.sourceRef)
        this.#outgoing.set(flow.sourceRef, [...(this.#outgoing.get(flow.sourceRef) ?? []), flow]);
      if (flow.targetRef) this.#incoming.set(flow.targetRef, (this.#incoming.get(flow.targetRef) ?? 0) + 1);
    }
    this.#assignNodeIds(nodes);
    for (const timer of timers) this.#readTimer(timer);
    for (const flow of flows) {
      const source = flow.sourceRef;
      if (flow.conditionExpression && !(source && this.#isChoice(source)))
        this.#report(flow, 'only the flows out of a splitting exclusive gateway may have conditions');
    }

    const definitionNodes: ProcessNode[] = [];
    const splitsToJoin: ParallelNode[] = [];
    for (const element of nodes) {
      const node = this.#nodeOf(element);
      if (!node) continue;
      definitionNodes.push(node);
      if (node.type === 'parallel' && !node.join) splitsToJoin.push(node);
    }
    const byId = new Map(definitionNodes.map((node) => [node.id, node]));
    for (const split of splitsToJoin) {
      const join = nearestCommonJoin(split, byId);
      if (join) split.join = join;
      else
        this.#report(
          this.#elementOfNode(split.id),
          'its branches never meet at one join: draw the merging parallel gateway, or name it in yiwang:join',
        );
    }

    const start = this.#startOf(starts);
    if (start === undefined) return undefined;
    const elementIds = new Map([...this.#nodeIds].map(([element, id]) => [id, element.id ?? id]));
    return { definition: { start, nodes: definitionNodes }, elementIds };
  }

  #report(element: ModdleElement | undefined, message: string) {
    this.#problems.push({ element: element?.id ?? this.#process.id ?? DOCUMENT, message });
  }

  #refuse(element: ModdleElement, message: string) {
    this.#refused.add(element);
    this.#report(element, message);
  }

  #elementOfNode(nodeId: string): ModdleElement | undefined {
    for (const [element, id] of this.#nodeIds) if (id === nodeId) return element;
    return undefined;
  }

  /**
   * Our own ids stay as they are; a modeller's (`Activity_0x1y2z3`) are lower-cased to fit node ids when that makes
   * them valid and unique, and otherwise left for the schema to report.
   */
  #assignNodeIds(elements: readonly ModdleElement[]) {
    const isNodeId = (id: string) => processDefinitionSchema.shape.start.safeParse(id).success;
    const taken = new Set(elements.map((element) => element.id ?? '').filter(isNodeId));
    for (const element of elements) {
      const id = element.id ?? '';
      let nodeId = id;
      if (!isNodeId(id) && isNodeId(id.toLowerCase()) && !taken.has(id.toLowerCase())) {
        nodeId = id.toLowerCase();
        taken.add(nodeId);
      }
      this.#nodeIds.set(element, nodeId);
      this.#nodeIdsByElementId.set(id, nodeId);
    }
  }

  #readTimer(event: ModdleElement) {
    const host = event.attachedToRef;
    const [definition, ...others] = event.eventDefinitions ?? [];
    if (
      definition?.$type !== 'bpmn:TimerEventDefinition' ||
      others.length > 0 ||
      host?.$type !== 'bpmn:UserTask'
    ) {
      this.#refuse(event, `${tagOf(event)}: the only boundary events we run are timers on user tasks`);
      return;
    }
    if (event.cancelActivity !== false)
      this.#report(event, 'a time limit never takes the step away: make the timer non-interrupting');
    if ((this.#outgoing.get(event) ?? []).length > 0)
      this.#report(event, 'a timer cannot lead anywhere: the engine itself marks overdue steps');
    const duration = definition.timeDuration?.body?.trim();
    const days = duration?.match(/^P(\d+)D$/);
    if (!days) {
      this.#report(
        event,
        `a time limit is a number of working days written P{n}D, not ${duration ?? 'a date or a cycle'}`,
      );
      return;
    }
    if (this.#timerDays.has(host)) this.#report(event, 'a step has one time limit: remove its other timer');
    this.#timerDays.set(host, Number(days[1]));
  }

  #isChoice(element: ModdleElement): boolean {
    return element.$type === 'bpmn:ExclusiveGateway' && (this.#outgoing.get(element) ?? []).length > 1;
  }

  /** An exclusive gateway that only merges: BPMN needs it to draw, our graph does not, so flows go past it. */
  #isMerge(element: ModdleElement): boolean {
    return element.$type === 'bpmn:ExclusiveGateway' && !this.#isChoice(element);
  }

  /** The node a flow leads to, past any merging exclusive gateways. */
  #targetOf(flow: ModdleElement): string | undefined {
    const passed = new Set<ModdleElement>();
    let target = flow.targetRef;
    while (target && this.#isMerge(target)) {
      if (passed.has(target)) {
        this.#report(target, 'merging gateways lead round in a circle without a step between them');
        return undefined;
      }
      passed.add(target);
      const [onward] = this.#outgoing.get(target) ?? [];
      if (!onward) {
        this.#report(target, LEADS_NOWHERE);
        return undefined;
      }
      target = onward.targetRef;
    }
    if (!target) {
      this.#report(flow, 'the flow has no target');
      return undefined;
    }
    const nodeId = this.#nodeIds.get(target);
    if (nodeId === undefined && !this.#refused.has(target))
      this.#report(flow, `a flow cannot lead to ${tagOf(target)} ${target.id ?? ''}`.trimEnd());
    return nodeId;
  }

  #nodeOf(element: ModdleElement): ProcessNode | undefined {
    const id = this.#nodeIds.get(element) ?? '';
    const outgoing = this.#outgoing.get(element) ?? [];
    const incoming = this.#incoming.get(element) ?? 0;
    // An exclusive gateway that merges and then chooses means the same in BPMN and here; a parallel one would first
    // wait for all its incoming flows, which no node of ours does.
    if (element.$type === 'bpmn:ParallelGateway' && outgoing.length > 1 && incoming > 1) {
      this.#report(element, 'a parallel gateway either splits or joins: draw one of each');
      return undefined;
    }
    if (element.$type !== 'bpmn:EndEvent' && outgoing.length === 0) {
      this.#report(element, LEADS_NOWHERE);
      return undefined;
    }
    switch (element.$type) {
      case 'bpmn:UserTask':
        return this.#taskOf(element, id, outgoing);
      case 'bpmn:ParallelGateway':
        return outgoing.length === 1
          ? this.#joinOf(id, 'all', outgoing)
          : this.#splitOf(element, id, outgoing);
      case 'bpmn:ComplexGateway': {
        const mode = yiwangAttribute(element, 'join');
        if (mode !== undefined && mode !== 'any')
          this.#report(element, `yiwang:join on a complex gateway is "any", not "${mode}"`);
        if (outgoing.length > 1)
          this.#report(element, 'a complex gateway is read as an `any` join, so it has one outgoing flow');
        const readable = (mode === undefined || mode === 'any') && outgoing.length === 1;
        return readable ? this.#joinOf(id, 'any', outgoing) : undefined;
      }
      case 'bpmn:ExclusiveGateway':
        return this.#isChoice(element) ? this.#choiceOf(element, id, outgoing) : undefined;
      default:
        return this.#endOf(element, id, outgoing);
    }
  }

  #taskOf(element: ModdleElement, id: string, outgoing: readonly ModdleElement[]): ProcessNode | undefined {
    if (element.loopCharacteristics)
      this.#report(element, 'repeated (loop or multi-instance) steps are not supported');
    if (outgoing.length > 1)
      this.#report(element, 'a step has one outgoing flow: start steps together with a parallel gateway');
    const kind = yiwangAttribute(element, 'kind') ?? DEFAULT_KIND;
    if (!isStepKind(kind))
      this.#report(element, `yiwang:kind is one of ${STEP_KINDS.join(', ')}, not "${kind}"`);
    const limitDays = this.#limitOf(element);
    const [flow] = outgoing;
    const next = flow && this.#targetOf(flow);
    if (element.loopCharacteristics || outgoing.length > 1 || !isStepKind(kind)) return undefined;
    if (limitDays === undefined || next === undefined) return undefined;
    const name = element.name ?? '';
    return {
      id,
      type: 'task',
      kind,
      name: { 'zh-CN': name, en: yiwangAttribute(element, 'nameEn') ?? name },
      // Left empty when missing, so that checkDefinition reports the step as unassigned.
      department: yiwangAttribute(element, 'department') ?? '',
      role: yiwangAttribute(element, 'role') ?? '',
      limitDays,
      next,
    };
  }

  /**
   * The timer wins over yiwang:limitDays: it is what the modeller shows and lets an administrator edit, while the
   * attribute is a copy for tools that drop boundary events.
   */
  #limitOf(task: ModdleElement): number | undefined {
    const timerDays = this.#timerDays.get(task);
    if (timerDays !== undefined) return timerDays;
    const written = yiwangAttribute(task, 'limitDays');
    if (written === undefined) return 0;
    if (!/^\d+$/.test(written)) {
      this.#report(task, `yiwang:limitDays is a whole number of working days, not "${written}"`);
      return undefined;
    }
    return Number(written);
  }

  #joinOf(id: string, mode: 'all' | 'any', outgoing: readonly ModdleElement[]): ProcessNode | undefined {
    const [flow] = outgoing;
    const next = flow && this.#targetOf(flow);
    return next === undefined ? undefined : { id, type: 'join', mode, next };
  }

  /** A split without yiwang:join gets an empty join, filled in once every node is known. */
  #splitOf(element: ModdleElement, id: string, outgoing: readonly ModdleElement[]): ParallelNode | undefined {
    const branches = outgoing.map((flow) => this.#targetOf(flow));
    const named = yiwangAttribute(element, 'join');
    const join = named === undefined ? '' : this.#nodeIdsByElementId.get(named);
    if (join === undefined) this.#report(element, `yiwang:join names ${named}, which is not in the process`);
    if (join === undefined || !isEvery(branches)) return undefined;
    return { id, type: 'parallel', branches, join };
  }

  #choiceOf(element: ModdleElement, id: string, outgoing: readonly ModdleElement[]): ProcessNode | undefined {
    const otherwiseFlow = element.default;
    if (!otherwiseFlow || !outgoing.includes(otherwiseFlow)) {
      this.#report(element, 'a choice needs a default flow, taken when no condition holds');
      return undefined;
    }
    const branches = outgoing
      .filter((flow) => flow !== otherwiseFlow)
      .map((flow) => ({ when: this.#conditionOf(flow), next: this.#targetOf(flow) }));
    const otherwise = this.#targetOf(otherwiseFlow);
    const complete = branches.flatMap(({ when, next }) =>
      when === undefined || next === undefined ? [] : [{ when, next }],
    );
    if (complete.length < branches.length || otherwise === undefined) return undefined;
    return { id, type: 'choice', branches: complete, otherwise };
  }

  #conditionOf(flow: ModdleElement): Condition | undefined {
    const body = flow.conditionExpression?.body?.trim();
    if (!body) {
      this.#report(flow, 'a flow out of a choice needs a condition, unless it is the default flow');
      return undefined;
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      this.#report(flow, `the condition is not JSON: ${body}`);
      return undefined;
    }
    const condition = conditionSchema.safeParse(json);
    if (!condition.success) {
      const reasons = condition.error.issues.map((issue) => describeIssue(issue, 'condition'));
      this.#report(flow, `the condition is not one we evaluate (${reasons.join('; ')}): ${body}`);
      return undefined;
    }
    return condition.data;
  }

  #endOf(element: ModdleElement, id: string, outgoing: readonly ModdleElement[]): ProcessNode | undefined {
    const [definition] = element.eventDefinitions ?? [];
    if (definition) this.#report(element, `only plain end events: ${tagOf(definition)} is not supported`);
    if (outgoing.length > 0) this.#report(element, 'an end event cannot lead anywhere');
    return definition || outgoing.length > 0 ? undefined : { id, type: 'end' };
  }

  #startOf(starts: readonly ModdleElement[]): string | undefined {
    const [event, ...others] = starts;
    if (!event) {
      this.#report(this.#process, 'the process has no start event');
      return undefined;
    }
    for (const other of others) this.#report(other, 'a process has one start event');
    const [definition] = event.eventDefinitions ?? [];
    if (definition)
      this.#report(event, `a case starts when it is submitted: ${tagOf(definition)} is not supported`);
    const outgoing = this.#outgoing.get(event) ?? [];
    if (outgoing.length !== 1) {
      this.#report(event, 'the start event has exactly one outgoing flow, to the first node');
      return undefined;
    }
    const [flow] = outgoing;
    const start = flow && this.#targetOf(flow);
    return others.length > 0 || definition ? undefined : start;
  }
}

function isEvery(values: readonly (string | undefined)[]): values is string[] {
  return values.every((value) => value !== undefined);
}

/**
 * The join where all of a split's branches meet first: among the joins every branch reaches, the one whose
 * farthest branch is nearest. A nested block's join is reached by only some of the branches, so it never wins.
 */
function nearestCommonJoin(split: ParallelNode, byId: ReadonlyMap<string, ProcessNode>): string | undefined {
  const distances = split.branches.map((branch) => joinDistances(branch, byId));
  let nearest: string | undefined;
  let nearestDistance = Number.POSITIVE_INFINITY;
  for (const join of distances[0]?.keys() ?? []) {
    const farthest = Math.max(
      ...distances.map((fromBranch) => fromBranch.get(join) ?? Number.POSITIVE_INFINITY),
    );
    if (farthest < nearestDistance) {
      nearest = join;
      nearestDistance = farthest;
    }
  }
  return nearest;
}

/** Breadth first, so each join gets its shortest distance from `from`. */
function joinDistances(from: string, byId: ReadonlyMap<string, ProcessNode>): Map<string, number> {
  const distances = new Map<string, number>();
  const seen = new Set([from]);
  let frontier = [from];
  for (let distance = 0; frontier.length > 0; distance++) {
    const following: string[] = [];
    for (const id of frontier) {
      const node = byId.get(id);
      if (!node) continue;
      if (node.type === 'join') distances.set(id, distance);
      for (const next of successors(node)) {
        if (seen.has(next)) continue;
        seen.add(next);
        following.push(next);
      }
    }
    frontier = following;
  }
  return distances;
}
