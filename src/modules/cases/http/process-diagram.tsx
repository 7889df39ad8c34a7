import { exportBpmn } from '../domain/bpmn.ts';
import type { ProcessDefinition, ProcessNode } from '../domain/process-definition.ts';

/**
 * The preview of a process as the administrator edits it: the BPMN export's own diagram (its shapes and flows, the
 * same layout a modelling tool opens) drawn as SVG on the server, so it needs no script. The steps are also listed in
 * order beside it, which is what a screen reader reads.
 */
interface Shape {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Drawing {
  shapes: Shape[];
  edges: { id: string; points: { x: number; y: number }[] }[];
  width: number;
  height: number;
}

/** The shapes and flows of the export's diagram, read back from the XML it wrote (our own output, not user input). */
export async function drawingOf(serviceCode: string, definition: ProcessDefinition): Promise<Drawing> {
  const xml = await exportBpmn(serviceCode, { 'zh-CN': serviceCode, en: serviceCode }, definition);
  const number = (text: string | undefined) => Number(text ?? 0);
  const shapes = [
    ...xml.matchAll(
      /<bpmndi:BPMNShape [^>]*bpmnElement="([^"]+)"[^>]*>\s*<dc:Bounds x="([\d.-]+)" y="([\d.-]+)" width="([\d.]+)" height="([\d.]+)"/g,
    ),
  ].map((m) => ({
    id: m[1] ?? '',
    x: number(m[2]),
    y: number(m[3]),
    width: number(m[4]),
    height: number(m[5]),
  }));
  const edges = [
    ...xml.matchAll(/<bpmndi:BPMNEdge [^>]*bpmnElement="([^"]+)"[^>]*>([\s\S]*?)<\/bpmndi:BPMNEdge>/g),
  ].map((m) => ({
    id: m[1] ?? '',
    points: [...(m[2] ?? '').matchAll(/<di:waypoint x="([\d.-]+)" y="([\d.-]+)"/g)].map((p) => ({
      x: number(p[1]),
      y: number(p[2]),
    })),
  }));
  const width = Math.max(...shapes.map((s) => s.x + s.width), 200) + 40;
  const height = Math.max(...shapes.map((s) => s.y + s.height), 100) + 40;
  return { shapes, edges, width, height };
}

export function ProcessDiagram(props: {
  drawing: Drawing;
  definition: ProcessDefinition;
  title: string;
  lang: 'zh-CN' | 'en';
  label: (node: ProcessNode) => string;
}) {
  const { drawing, definition } = props;
  const byId = new Map(definition.nodes.map((n) => [n.id, n]));
  return (
    <figure class="process-diagram">
      {/* A wide process scrolls on a phone; keyboard users can scroll it too. */}
      <section class="table-scroll" tabindex={0} aria-label={props.title}>
        <svg
          width={drawing.width}
          height={drawing.height}
          viewBox={`0 0 ${drawing.width} ${drawing.height}`}
          role="img"
          aria-labelledby="process-diagram-title"
        >
          <title id="process-diagram-title">{props.title}</title>
          <defs>
            <marker
              id="arrow"
              viewBox="0 0 10 10"
              refX="10"
              refY="5"
              markerWidth="6"
              markerHeight="6"
              orient="auto-start-reverse"
            >
              <path d="M 0 0 L 10 5 L 0 10 z" />
            </marker>
          </defs>
          {drawing.edges.map((edge) => (
            <polyline
              key={edge.id}
              points={edge.points.map((p) => `${p.x},${p.y}`).join(' ')}
              fill="none"
              stroke="currentColor"
              stroke-width="1.5"
              marker-end="url(#arrow)"
            />
          ))}
          {drawing.shapes.map((shape) => {
            const node = byId.get(shape.id);
            const cx = shape.x + shape.width / 2;
            const cy = shape.y + shape.height / 2;
            if (node?.type === 'task')
              return (
                <g key={shape.id}>
                  <rect
                    x={shape.x}
                    y={shape.y}
                    width={shape.width}
                    height={shape.height}
                    rx="8"
                    fill="#fff"
                    stroke="currentColor"
                  />
                  <text x={cx} y={cy - 6} text-anchor="middle" font-size="12">
                    {node.department}
                  </text>
                  <text x={cx} y={cy + 12} text-anchor="middle" font-size="12">
                    {props.label(node).slice(0, 8)}
                  </text>
                </g>
              );
            if (
              node?.type === 'parallel' ||
              node?.type === 'join' ||
              node?.type === 'choice' ||
              shape.id.startsWith('Merge_')
            )
              return (
                <g key={shape.id}>
                  <polygon
                    points={`${cx},${shape.y} ${shape.x + shape.width},${cy} ${cx},${shape.y + shape.height} ${shape.x},${cy}`}
                    fill="#fff"
                    stroke="currentColor"
                  />
                  <text x={cx} y={cy + 5} text-anchor="middle" font-size="16">
                    {node?.type === 'parallel' || (node?.type === 'join' && node.mode === 'all')
                      ? '+'
                      : node?.type === 'join'
                        ? '1'
                        : '×'}
                  </text>
                </g>
              );
            return (
              <circle
                key={shape.id}
                cx={cx}
                cy={cy}
                r={shape.width / 2}
                fill="#fff"
                stroke="currentColor"
                stroke-width={node?.type === 'end' ? 3 : 1.5}
              />
            );
          })}
        </svg>
      </section>
    </figure>
  );
}
