/**
 * bpmn-moddle ships types for its elements only behind `bpmn-moddle/types`, none for the `BpmnModdle` entry point,
 * and those element types import the `moddle` package we do not depend on. This covers what bpmn.ts uses.
 */
declare module 'bpmn-moddle' {
  /** One element of a BPMN document, with the properties bpmn.ts reads; moddle elements carry many more. */
  export interface ModdleElement {
    readonly $type: string;
    id?: string;
    name?: string;
    rootElements?: ModdleElement[];
    flowElements?: ModdleElement[];
    incoming?: ModdleElement[];
    outgoing?: ModdleElement[];
    sourceRef?: ModdleElement;
    targetRef?: ModdleElement;
    conditionExpression?: ModdleElement;
    default?: ModdleElement;
    attachedToRef?: ModdleElement;
    cancelActivity?: boolean;
    eventDefinitions?: ModdleElement[];
    timeDuration?: ModdleElement;
    timeDate?: ModdleElement;
    timeCycle?: ModdleElement;
    loopCharacteristics?: ModdleElement;
    body?: string;
    /** Reads any property, including those of extension packages by their prefixed name (`yiwang:role`). */
    get(property: string): unknown;
    set(property: string, value: unknown): void;
  }

  /** A moddle package descriptor: a namespace of types that may extend BPMN's own. */
  export interface ModdlePackage {
    name: string;
    uri: string;
    prefix: string;
    xml?: { tagAlias?: 'lowerCase' };
    types: {
      name: string;
      extends?: string[];
      superClass?: string[];
      properties: { name: string; type: string; isAttr?: boolean }[];
    }[];
  }

  /** Why part of a document was skipped; the document is still read. */
  export interface ParseWarning extends Error {
    element?: ModdleElement;
    property?: string;
  }

  export class BpmnModdle {
    constructor(additionalPackages?: Record<string, ModdlePackage>);
    create(type: string, properties?: Record<string, unknown>): ModdleElement;
    /** Rejects when the text is not XML or its root is not a `bpmn:definitions`. */
    fromXML(xml: string): Promise<{ rootElement: ModdleElement; warnings: ParseWarning[] }>;
    toXML(element: ModdleElement, options?: { format?: boolean }): Promise<{ xml: string }>;
  }
}
