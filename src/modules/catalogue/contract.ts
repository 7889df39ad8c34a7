import type { Audience, ServiceItemInput } from './domain/catalogue-file.ts';
import type { Highlighted } from './domain/search-plan.ts';

/** A published service item as other modules, pages and the API see it. */
export interface ServiceItem extends ServiceItemInput {
  /** The published version's number. */
  version: number;
  publishedAt: Date;
}

/** A service in lists and search results. */
export interface ServiceSummary {
  code: string;
  name: { zh: string; en: string };
  summary: { zh: string; en: string };
  department: string;
  audiences: Audience[];
  onlineDepth: ServiceItemInput['onlineDepth'];
}

/** One search hit: the summary with the matching words marked. */
export interface SearchHit extends ServiceSummary {
  highlighted: { name: { zh: Highlighted; en: Highlighted }; summary: { zh: Highlighted; en: Highlighted } };
}

export interface SearchQuery {
  q: string;
  audience?: Audience;
  department?: string;
  limit?: number;
  offset?: number;
}

export interface SearchResult {
  hits: SearchHit[];
  /** Matches counted, at most 1,000. */
  total: number;
  /** False when there are more matches than `total` (the count stops at 1,000). */
  totalIsExact: boolean;
  /** The query as corrected when the words as typed found (almost) nothing. */
  correctedQuery?: string;
  /** True when the hits come from similar titles rather than the words themselves. */
  fuzzy: boolean;
}

export interface Topic {
  code: string;
  name: { zh: string; en: string };
}

export interface LifeEvent {
  code: string;
  name: { zh: string; en: string };
  summary: { zh: string; en: string };
  audience: Audience;
  steps: { title: { zh: string; en: string }; description: { zh: string; en: string }; services: string[] }[];
}

/** What the catalogue offers the modules above it (cases, certificates, the portal). */
export interface CatalogueContract {
  /** The published item with this code, or undefined. */
  findService(code: string): Promise<ServiceItem | undefined>;
  /** Published services, filtered; ordered by department and code. */
  listServices(filter?: {
    audience?: Audience;
    topic?: string;
    department?: string;
    lifeEvent?: string;
    codes?: readonly string[];
    limit?: number;
    offset?: number;
  }): Promise<{ items: ServiceSummary[]; total: number }>;
  /** The most viewed services. */
  popularServices(limit: number): Promise<ServiceSummary[]>;
  search(query: SearchQuery): Promise<SearchResult>;
  listTopics(): Promise<Topic[]>;
  listLifeEvents(audience?: Audience): Promise<LifeEvent[]>;
  findLifeEvent(code: string): Promise<LifeEvent | undefined>;
  /** Counts one view of a service's guide page (written in batches, for popularity). */
  countView(code: string): void;
}
