import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BpmnModdle, type ModdleElement } from 'bpmn-moddle';
import { DEMO_PROCESSES } from '../demo-processes.ts';
import { exportBpmn, importBpmn } from './bpmn.ts';
import { checkDefinition, type ProcessDefinition, type TaskNode } from './process-definition.ts';

const context = {
  departments: new Set(['ZWFW', 'SJ', 'XF', 'HB', 'CG']),
  roles: new Set(['clerk', 'reviewer', 'head']),
};

const step = (id: string, department: string, next: string, changes: Partial<TaskNode> = {}): TaskNode => ({
  id,
  type: 'task',
  kind: 'review',
  name: { 'zh-CN': `${id}审查`, en: `${id} review` },
  department,
  role: 'reviewer',
  limitDays: 4,
  next,
  ...changes,
});

/** 开办餐饮店: one acceptance, then four departments in parallel, then the end. */
const RESTAURANT: ProcessDefinition = {
  start: 'accept',
  nodes: [
    {
      id: 'accept',
      type: 'task',
      kind: 'accept',
      name: { 'zh-CN': '受理', en: 'Acceptance' },
      department: 'ZWFW',
      role: 'clerk',
      limitDays: 1,
      next: 'split',
    },
    { id: 'split', type: 'parallel', branches: ['food', 'fire', 'environment', 'sign'], join: 'join' },
    step('food', 'SJ', 'join'),
    step('fire', 'XF', 'join', { kind: 'inspect' }),
    step('environment', 'HB', 'join'),
    step('sign', 'CG', 'join', { limitDays: 0 }),
    { id: 'join', type: 'join', mode: 'all', next: 'end' },
    { id: 'end', type: 'end' },
  ],
};

/** A large restaurant needs one of two inspections, whichever ends first; a small one only its review. */
const BY_SIZE: ProcessDefinition = {
  start: 'size',
  nodes: [
    {
      id: 'size',
      type: 'choice',
      branches: [
        { when: { field: 'business.seats', op: 'gt', value: 50 }, next: 'split' },
        { when: { field: 'business.kind', op: 'in', value: ['bar', 'club'] }, next: 'split' },
        { when: { field: 'business.exempt', op: 'present' }, next: 'end' },
      ],
      otherwise: 'small',
    },
    step('small', 'SJ', 'end'),
    { id: 'split', type: 'parallel', branches: ['fire', 'food'], join: 'either' },
    step('fire', 'XF', 'either'),
    step('food', 'SJ', 'either'),
    { id: 'either', type: 'join', mode: 'any', next: 'decide' },
    step('decide', 'SJ', 'end', { kind: 'decide', role: 'head', limitDays: 2 }),
    { id: 'end', type: 'end' },
  ],
};

const NAME = { 'zh-CN': '开办餐饮店', en: 'Opening a restaurant' };

/** A document as a modeller writes it, around the given process content. */
const drawing = (content: string) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:yiwang="https://yiwang.example/schema/bpmn" id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="Process_1" isExecutable="true">${content}</bpmn:process>
</bpmn:definitions>`;

/** A user task of SJ's clerks, and its flow on to `next`. */
const assigned = (id: string, next: string) =>
  `<bpmn:userTask id="${id}" name="${id}" yiwang:department="SJ" yiwang:role="clerk"/>
   <bpmn:sequenceFlow id="Flow_${id}" sourceRef="${id}" targetRef="${next}"/>`;

interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The export read back by a modeller that knows nothing of our namespace, as bpmn.io does. */
async function readAsModeller(xml: string) {
  const { rootElement, warnings } = await new BpmnModdle().fromXML(xml);
  const [process] = rootElement.rootElements ?? [];
  const diagram = rootElement.get('diagrams') as ModdleElement[];
  const plane = diagram[0]?.get('plane') as ModdleElement;
  return { process, planeElements: plane.get('planeElement') as ModdleElement[], warnings };
}

describe('BPMN export', () => {
  it('writes one executable process of user tasks, parallel gateways and non-interrupting timers', async () => {
    const xml = await exportBpmn('ZWFW-0101', NAME, RESTAURANT);
    assert.match(xml, /xmlns:yiwang="https:\/\/yiwang\.example\/schema\/bpmn"/);
    assert.match(xml, /<bpmn:process id="Process_ZWFW_0101" name="开办餐饮店" isExecutable="true"/);
    assert.match(
      xml,
      /<bpmn:userTask id="food" name="food审查" yiwang:department="SJ" yiwang:role="reviewer" yiwang:kind="review" yiwang:limitDays="4" yiwang:nameEn="food review">/,
    );
    assert.match(xml, /<bpmn:parallelGateway id="split" gatewayDirection="Diverging" yiwang:join="join">/);
    assert.match(xml, /<bpmn:parallelGateway id="join" gatewayDirection="Converging">/);
    assert.match(
      xml,
      /<bpmn:boundaryEvent id="Timer_food" cancelActivity="false" attachedToRef="food">\s*<bpmn:timerEventDefinition>\s*<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P4D<\/bpmn:timeDuration>/,
    );
    // A step without a limit of its own has no timer: the case's limit covers it.
    assert.doesNotMatch(xml, /attachedToRef="sign"/);
    assert.equal(xml.match(/<bpmn:timerEventDefinition>/g)?.length, 4);

    const { process, warnings } = await readAsModeller(xml);
    assert.deepEqual(warnings, []);
    const start = process?.flowElements?.find((element) => element.$type === 'bpmn:StartEvent');
    assert.equal(start?.outgoing?.[0]?.targetRef?.id, 'accept');
    const end = process?.flowElements?.find((element) => element.id === 'end');
    assert.equal(end?.$type, 'bpmn:EndEvent');
    assert.deepEqual(
      end?.incoming?.map((flow) => flow.sourceRef?.id),
      ['join'],
    );
  });

  it('writes a choice as an exclusive gateway with JSON conditions and its otherwise as the default flow', async () => {
    const xml = await exportBpmn('SJ-0201', NAME, BY_SIZE);
    assert.match(
      xml,
      /<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\{"field":"business\.seats","op":"gt","value":50\}<\/bpmn:conditionExpression>/,
    );
    assert.match(xml, /<bpmn:complexGateway id="either" gatewayDirection="Converging" yiwang:join="any">/);
    const { process } = await readAsModeller(xml);
    const choice = process?.flowElements?.find((element) => element.id === 'size');
    assert.equal(choice?.$type, 'bpmn:ExclusiveGateway');
    assert.equal(choice?.get('gatewayDirection'), 'Diverging');
    assert.equal(choice?.default?.targetRef?.id, 'small');
    assert.equal(choice?.default?.conditionExpression, undefined);
    assert.deepEqual(
      choice?.outgoing?.map((flow) => [
        flow.targetRef?.id,
        JSON.parse(flow.conditionExpression?.body ?? 'null'),
      ]),
      [
        // Two branches lead to the split: they meet in an exclusive merge first (see the next test).
        ['Merge_split', { field: 'business.seats', op: 'gt', value: 50 }],
        ['Merge_split', { field: 'business.kind', op: 'in', value: ['bar', 'club'] }],
        ['end', { field: 'business.exempt', op: 'present' }],
        ['small', null],
      ],
    );
  });

  it('puts an exclusive merge where BPMN would otherwise wait for every incoming flow', async () => {
    // A branch with a choice inside reaches the join by two flows; the split is reached from two places.
    const definition: ProcessDefinition = {
      start: 'urgent',
      nodes: [
        {
          id: 'urgent',
          type: 'choice',
          branches: [{ when: { field: 'urgent', op: 'eq', value: true }, next: 'split' }],
          otherwise: 'accept',
        },
        step('accept', 'ZWFW', 'split', { kind: 'accept', role: 'clerk' }),
        { id: 'split', type: 'parallel', branches: ['food', 'hazard'], join: 'join' },
        step('food', 'SJ', 'join'),
        {
          id: 'hazard',
          type: 'choice',
          branches: [{ when: { field: 'kitchen.gas', op: 'eq', value: true }, next: 'fire' }],
          otherwise: 'join',
        },
        step('fire', 'XF', 'join'),
        { id: 'join', type: 'join', mode: 'all', next: 'end' },
        { id: 'end', type: 'end' },
      ],
    };
    assert.deepEqual(checkDefinition(definition, context), []);
    const xml = await exportBpmn('ZWFW-0101', NAME, definition);
    const { process } = await readAsModeller(xml);
    const element = (id: string) => process?.flowElements?.find((candidate) => candidate.id === id);
    const sources = (id: string) => element(id)?.incoming?.map((flow) => flow.sourceRef?.id);
    assert.deepEqual(sources('split'), ['Merge_split']);
    assert.deepEqual(sources('Merge_split'), ['urgent', 'accept']);
    assert.deepEqual(sources('join'), ['food', 'Merge_join_Branch2']);
    assert.deepEqual(sources('Merge_join_Branch2'), ['hazard', 'fire']);
    assert.equal(element('Merge_join_Branch2')?.$type, 'bpmn:ExclusiveGateway');
    // The choice's default flow still leaves the choice, now into the merge.
    assert.equal(element('hazard')?.default?.targetRef?.id, 'Merge_join_Branch2');

    const imported = await importBpmn(xml);
    assert.deepEqual(imported, { definition, problems: [] });
  });

  it('draws every element left to right with right-angled flows, so bpmn.io needs no layout', async () => {
    for (const definition of [RESTAURANT, BY_SIZE]) {
      const xml = await exportBpmn('ZWFW-0101', NAME, definition);
      const { process, planeElements } = await readAsModeller(xml);
      const shapes = new Map(
        planeElements
          .filter((di) => di.$type === 'bpmndi:BPMNShape')
          .map((di) => [(di.get('bpmnElement') as ModdleElement).id, di.get('bounds') as Bounds]),
      );
      const edges = planeElements.filter((di) => di.$type === 'bpmndi:BPMNEdge');
      const flows = process?.flowElements?.filter((element) => element.$type === 'bpmn:SequenceFlow') ?? [];
      const others = process?.flowElements?.filter((element) => element.$type !== 'bpmn:SequenceFlow') ?? [];
      assert.deepEqual([...shapes.keys()].sort(), others.map((element) => element.id).sort());
      assert.equal(edges.length, flows.length);
      for (const edge of edges) {
        const flow = edge.get('bpmnElement') as ModdleElement;
        const source = shapes.get(flow.sourceRef?.id ?? '');
        const target = shapes.get(flow.targetRef?.id ?? '');
        assert.ok(source && target, `${flow.id} joins two drawn shapes`);
        assert.ok(target.x > source.x, `${flow.id} runs to the right`);
        const points = (edge.get('waypoint') as Bounds[]).map(({ x, y }) => ({ x, y }));
        assert.ok(points.length >= 2);
        for (const [index, point] of points.slice(1).entries()) {
          const previous = points[index];
          assert.ok(previous?.x === point.x || previous?.y === point.y, `${flow.id} bends at right angles`);
        }
      }
      // Shapes in one column never overlap.
      const boxes = [...shapes.entries()].filter(([id]) => !id?.startsWith('Timer_')).map(([, box]) => box);
      for (const [index, box] of boxes.entries()) {
        for (const other of boxes.slice(index + 1)) {
          const apart =
            box.x + box.width <= other.x ||
            other.x + other.width <= box.x ||
            box.y + box.height <= other.y ||
            other.y + other.height <= box.y;
          assert.ok(apart, 'two shapes overlap');
        }
      }
    }
  });
});

describe('BPMN import', () => {
  it('reads back what it exported, and the result passes checkDefinition', async () => {
    for (const definition of [RESTAURANT, BY_SIZE]) {
      const imported = await importBpmn(await exportBpmn('ZWFW-0101', NAME, definition));
      assert.deepEqual(imported.problems, []);
      assert.deepEqual(imported.definition, definition);
      assert.deepEqual(checkDefinition(imported.definition, context), []);
    }
  });

  it('round-trips every demo process', async () => {
    for (const [serviceCode, definition] of Object.entries(DEMO_PROCESSES)) {
      const imported = await importBpmn(await exportBpmn(serviceCode, NAME, definition));
      assert.deepEqual(imported, { definition, problems: [] }, serviceCode);
    }
  });

  it('reads a modeller’s drawing: its ids, merging gateways, a split without yiwang:join and bare user tasks', async () => {
    const xml = drawing(`
      <bpmn:startEvent id="StartEvent_1"/>
      <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Gateway_Split"/>
      <bpmn:parallelGateway id="Gateway_Split"/>
      <bpmn:sequenceFlow id="Flow_2" sourceRef="Gateway_Split" targetRef="Activity_Food"/>
      <bpmn:sequenceFlow id="Flow_3" sourceRef="Gateway_Split" targetRef="Gateway_Size"/>
      <bpmn:userTask id="Activity_Food" name="食品审查"/>
      <bpmn:sequenceFlow id="Flow_4" sourceRef="Activity_Food" targetRef="Gateway_Join"/>
      <bpmn:exclusiveGateway id="Gateway_Size" default="Flow_6"/>
      <bpmn:sequenceFlow id="Flow_5" sourceRef="Gateway_Size" targetRef="Activity_Fire">
        <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{"field":"business.seats","op":"gte","value":100}</bpmn:conditionExpression>
      </bpmn:sequenceFlow>
      <bpmn:sequenceFlow id="Flow_6" sourceRef="Gateway_Size" targetRef="Gateway_Merge"/>
      <bpmn:userTask id="Activity_Fire" name="消防检查" yiwang:department="XF" yiwang:role="clerk" yiwang:kind="inspect"/>
      <bpmn:boundaryEvent id="Event_Limit" cancelActivity="false" attachedToRef="Activity_Fire">
        <bpmn:timerEventDefinition><bpmn:timeDuration>P3D</bpmn:timeDuration></bpmn:timerEventDefinition>
      </bpmn:boundaryEvent>
      <bpmn:sequenceFlow id="Flow_7" sourceRef="Activity_Fire" targetRef="Gateway_Merge"/>
      <bpmn:exclusiveGateway id="Gateway_Merge"/>
      <bpmn:sequenceFlow id="Flow_8" sourceRef="Gateway_Merge" targetRef="Gateway_Join"/>
      <bpmn:parallelGateway id="Gateway_Join"/>
      <bpmn:sequenceFlow id="Flow_9" sourceRef="Gateway_Join" targetRef="Event_End"/>
      <bpmn:endEvent id="Event_End"/>`);
    const { definition, problems } = await importBpmn(xml);
    assert.deepEqual(problems, []);
    assert.deepEqual(definition, {
      start: 'gateway_split',
      nodes: [
        {
          id: 'gateway_split',
          type: 'parallel',
          branches: ['activity_food', 'gateway_size'],
          join: 'gateway_join',
        },
        {
          id: 'activity_food',
          type: 'task',
          kind: 'review',
          name: { 'zh-CN': '食品审查', en: '食品审查' },
          department: '',
          role: '',
          limitDays: 0,
          next: 'gateway_join',
        },
        {
          id: 'gateway_size',
          type: 'choice',
          branches: [{ when: { field: 'business.seats', op: 'gte', value: 100 }, next: 'activity_fire' }],
          otherwise: 'gateway_join',
        },
        {
          id: 'activity_fire',
          type: 'task',
          kind: 'inspect',
          name: { 'zh-CN': '消防检查', en: '消防检查' },
          department: 'XF',
          role: 'clerk',
          limitDays: 3,
          next: 'gateway_join',
        },
        { id: 'gateway_join', type: 'join', mode: 'all', next: 'event_end' },
        { id: 'event_end', type: 'end' },
      ],
    });
    // The step drawn without our attributes is left for checkDefinition to report, not guessed.
    assert.deepEqual(
      checkDefinition(definition as ProcessDefinition, context).map((p) => [p.nodeId, p.key]),
      [['activity_food', 'problem.unassigned']],
    );
  });

  it('reads a cycle as drawn, for checkDefinition to refuse with its path', async () => {
    const xml = drawing(`
      <bpmn:startEvent id="start"/>
      <bpmn:sequenceFlow id="Flow_0" sourceRef="start" targetRef="apply"/>
      ${assigned('apply', 'review')}
      ${assigned('review', 'again')}
      <bpmn:exclusiveGateway id="again" default="Flow_done"/>
      <bpmn:sequenceFlow id="Flow_back" sourceRef="again" targetRef="apply">
        <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{"field":"review.incomplete","op":"eq","value":true}</bpmn:conditionExpression>
      </bpmn:sequenceFlow>
      <bpmn:sequenceFlow id="Flow_done" sourceRef="again" targetRef="end"/>
      <bpmn:endEvent id="end"/>`);
    const { definition, problems } = await importBpmn(xml);
    assert.deepEqual(problems, []);
    assert.ok(definition);
    const cycle = checkDefinition(definition, context).find((p) => p.key === 'problem.cycle');
    assert.equal(cycle?.params?.path, 'apply → review → again → apply');
  });

  it('refuses elements outside the subset, naming each, instead of dropping them', async () => {
    const xml = drawing(`
      <bpmn:startEvent id="start"/>
      <bpmn:sequenceFlow id="Flow_0" sourceRef="start" targetRef="apply"/>
      ${assigned('apply', 'charge')}
      <bpmn:serviceTask id="charge" name="收费"/>
      <bpmn:sequenceFlow id="Flow_1" sourceRef="charge" targetRef="wait"/>
      <bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>
      <bpmn:sequenceFlow id="Flow_2" sourceRef="wait" targetRef="end"/>
      <bpmn:endEvent id="end"/>`);
    const { definition, problems } = await importBpmn(xml);
    assert.equal(definition, undefined);
    assert.deepEqual(
      problems.map((p) => p.element),
      ['charge', 'wait'],
    );
    assert.match(problems[0]?.message ?? '', /bpmn:serviceTask is outside what we run/);
    assert.match(problems[1]?.message ?? '', /bpmn:intermediateCatchEvent/);
  });

  it('refuses conditions it cannot evaluate and a choice without a default flow', async () => {
    const xml = drawing(`
      <bpmn:startEvent id="start"/>
      <bpmn:sequenceFlow id="Flow_0" sourceRef="start" targetRef="size"/>
      <bpmn:exclusiveGateway id="size"/>
      <bpmn:sequenceFlow id="Flow_groovy" sourceRef="size" targetRef="big">
        <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${seats &gt; 50}</bpmn:conditionExpression>
      </bpmn:sequenceFlow>
      <bpmn:sequenceFlow id="Flow_unknown_op" sourceRef="size" targetRef="big">
        <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{"field":"seats","op":"like","value":"5%"}</bpmn:conditionExpression>
      </bpmn:sequenceFlow>
      ${assigned('big', 'end')}
      <bpmn:endEvent id="end"/>`);
    const { definition, problems } = await importBpmn(xml);
    assert.equal(definition, undefined);
    assert.deepEqual(
      problems.map((p) => p.element),
      ['size'],
    );
    assert.match(problems[0]?.message ?? '', /default flow/);

    const withDefault = xml
      .replace(
        '<bpmn:exclusiveGateway id="size"/>',
        '<bpmn:exclusiveGateway id="size" default="Flow_other"/>',
      )
      .replace(
        '<bpmn:endEvent id="end"/>',
        '<bpmn:endEvent id="end"/><bpmn:sequenceFlow id="Flow_other" sourceRef="size" targetRef="end"/>',
      );
    const second = await importBpmn(withDefault);
    assert.equal(second.definition, undefined);
    assert.deepEqual(
      second.problems.map((p) => p.element),
      ['Flow_groovy', 'Flow_unknown_op'],
    );
    assert.match(second.problems[0]?.message ?? '', /not JSON: \$\{seats > 50\}/);
    assert.match(second.problems[1]?.message ?? '', /not one we evaluate \(op: /);
  });

  it('takes a step’s limit from its timer, and refuses timers that are not whole working days or interrupt', async () => {
    const timer = (id: string, attributes: string, duration: string) =>
      `<bpmn:boundaryEvent id="${id}" ${attributes} attachedToRef="apply">
         <bpmn:timerEventDefinition><bpmn:timeDuration>${duration}</bpmn:timeDuration></bpmn:timerEventDefinition>
       </bpmn:boundaryEvent>`;
    const process = (timers: string) =>
      drawing(`
        <bpmn:startEvent id="start"/>
        <bpmn:sequenceFlow id="Flow_0" sourceRef="start" targetRef="apply"/>
        <bpmn:userTask id="apply" name="受理" yiwang:department="SJ" yiwang:role="clerk" yiwang:limitDays="2"/>
        <bpmn:sequenceFlow id="Flow_1" sourceRef="apply" targetRef="end"/>
        <bpmn:endEvent id="end"/>${timers}`);

    const edited = await importBpmn(process(timer('Timer_apply', 'cancelActivity="false"', 'P7D')));
    assert.deepEqual(edited.problems, []);
    assert.equal(edited.definition?.nodes[0]?.type === 'task' && edited.definition.nodes[0].limitDays, 7);

    const refused = await importBpmn(
      process(timer('weeks', 'cancelActivity="false"', 'P2W') + timer('interrupting', '', 'P5D')),
    );
    assert.equal(refused.definition, undefined);
    assert.deepEqual(
      refused.problems.map((p) => p.element),
      ['weeks', 'interrupting'],
    );
    assert.match(refused.problems[0]?.message ?? '', /working days written P\{n\}D, not P2W/);
    assert.match(refused.problems[1]?.message ?? '', /non-interrupting/);
  });

  it('reports what the definition schema refuses on the element concerned', async () => {
    const xml = drawing(`
      <bpmn:startEvent id="start"/>
      <bpmn:sequenceFlow id="Flow_0" sourceRef="start" targetRef="apply"/>
      <bpmn:userTask id="apply" yiwang:department="SJ" yiwang:role="clerk" yiwang:limitDays="400"/>
      <bpmn:sequenceFlow id="Flow_1" sourceRef="apply" targetRef="end"/>
      <bpmn:endEvent id="end"/>`);
    const { definition, problems } = await importBpmn(xml);
    assert.equal(definition, undefined);
    assert.deepEqual(
      problems.map((p) => [p.element, p.message.split(':')[0]]),
      [
        ['apply', 'name.zh-CN'],
        ['apply', 'name.en'],
        ['apply', 'limitDays'],
      ],
    );
  });

  it('answers malformed or foreign XML with a problem, never an exception', async () => {
    for (const xml of [
      '<bpmn:definitions',
      'not XML at all',
      '',
      '<?xml version="1.0"?><html><body/></html>',
    ]) {
      const result = await importBpmn(xml);
      assert.equal(result.definition, undefined);
      assert.equal(result.problems.length, 1, xml);
      assert.equal(result.problems[0]?.element, 'document');
      assert.ok(!result.problems[0]?.message.includes('\n'));
    }
  });
});
