/*
 * What the portal's pages show, read through the contracts of the catalogue and the organisations: nothing here is
 * stored by the portal. Each function answers one page, or undefined when the page names nothing (a 404).
 */
import type { CatalogueContract, LifeEvent, ServiceItem, ServiceSummary, Topic } from '../catalogue/index.ts';
import type { Department, OrganisationsContract } from '../organisations/index.ts';
import type { Audience } from './domain/audiences.ts';

/** The services of one topic, as many as asked for, with how many there are in all. */
export interface TopicGroup {
  topic: Topic;
  items: ServiceSummary[];
  total: number;
}

/** A step of a life event with the services it names; a code that is not (or no longer) published stays a code. */
export interface JourneyStep {
  step: LifeEvent['steps'][number];
  services: (ServiceItem | { code: string; missing: true })[];
}

export interface PortalQueries {
  /** The home page: the most viewed services, every life event and topic, and the departments for names. */
  homePage(popular: number): Promise<{
    popular: ServiceSummary[];
    lifeEvents: LifeEvent[];
    topics: Topic[];
    departments: Department[];
  }>;
  /** Every topic, in the catalogue's order. */
  topics(): Promise<Topic[]>;
  /** Every life event, in the catalogue's order. */
  lifeEvents(): Promise<LifeEvent[]>;
  /** An audience's page: its life events, and its services grouped by topic (at most `perTopic` each). */
  audiencePage(
    audience: Audience,
    perTopic: number,
  ): Promise<{ lifeEvents: LifeEvent[]; groups: TopicGroup[]; departments: Department[] }>;
  /** One page of a topic's services, for everyone or one audience. */
  topicPage(
    code: string,
    page: { offset: number; limit: number; audience?: Audience; department?: string },
  ): Promise<{ topic: Topic; items: ServiceSummary[]; total: number; departments: Department[] } | undefined>;
  /** A life event as a journey: its steps with the services each names, and the departments involved. */
  journey(code: string): Promise<
    | {
        event: LifeEvent;
        steps: JourneyStep[];
        /** The departments responsible for its services, in order of first appearance. */
        involved: string[];
        departments: Department[];
      }
    | undefined
  >;
  /** A department with the first `perTopic` of its published services in each topic, and how many there are. */
  departmentPage(
    code: string,
    perTopic: number,
  ): Promise<{ department: Department; groups: TopicGroup[]; total: number } | undefined>;
}

export function createPortalQueries(deps: {
  organisations: OrganisationsContract;
  catalogue: CatalogueContract;
}): PortalQueries {
  const { organisations, catalogue } = deps;

  /** Services by topic, empty topics left out; a service in two topics is listed under both. */
  async function byTopic(
    filter: { audience?: Audience; department?: string },
    limit: number,
  ): Promise<TopicGroup[]> {
    const topics = await catalogue.listTopics();
    const lists = await Promise.all(
      topics.map((topic) => catalogue.listServices({ ...filter, topic: topic.code, limit })),
    );
    return topics
      .map((topic, i) => ({ topic, items: lists[i]?.items ?? [], total: lists[i]?.total ?? 0 }))
      .filter((group) => group.total > 0);
  }

  return {
    async homePage(popular) {
      const [services, lifeEvents, topics, departments] = await Promise.all([
        catalogue.popularServices(popular),
        catalogue.listLifeEvents(),
        catalogue.listTopics(),
        organisations.listDepartments(),
      ]);
      return { popular: services, lifeEvents, topics, departments };
    },

    topics: () => catalogue.listTopics(),
    lifeEvents: () => catalogue.listLifeEvents(),

    async audiencePage(audience, perTopic) {
      const [lifeEvents, groups, departments] = await Promise.all([
        catalogue.listLifeEvents(audience),
        byTopic({ audience }, perTopic),
        organisations.listDepartments(),
      ]);
      return { lifeEvents, groups, departments };
    },

    async topicPage(code, page) {
      const topic = (await catalogue.listTopics()).find((t) => t.code === code);
      if (!topic) return undefined;
      const [list, departments] = await Promise.all([
        catalogue.listServices({
          topic: code,
          audience: page.audience,
          department: page.department,
          limit: page.limit,
          offset: page.offset,
        }),
        organisations.listDepartments(),
      ]);
      return { topic, items: list.items, total: list.total, departments };
    },

    async journey(code) {
      const event = await catalogue.findLifeEvent(code);
      if (!event) return undefined;
      const codes = [...new Set(event.steps.flatMap((s) => s.services))];
      const [items, departments] = await Promise.all([
        Promise.all(codes.map((c) => catalogue.findService(c))),
        organisations.listDepartments(),
      ]);
      const byCode = new Map(items.filter((i) => i !== undefined).map((i) => [i.code, i]));
      const steps = event.steps.map((step) => ({
        step,
        services: step.services.map((c) => byCode.get(c) ?? { code: c, missing: true as const }),
      }));
      const involved = [...new Set([...byCode.values()].map((i) => i.department))];
      return { event, steps, involved, departments };
    },

    async departmentPage(code, perTopic) {
      const department = await organisations.findDepartment(code);
      if (!department) return undefined;
      const [groups, all] = await Promise.all([
        byTopic({ department: department.code }, perTopic),
        catalogue.listServices({ department: department.code, limit: 1 }),
      ]);
      return { department, groups, total: all.total };
    },
  };
}
