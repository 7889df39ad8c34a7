import type { Locale } from '../../kernel/i18n/index.ts';

/** A department as other modules and the API see it. */
export interface Department {
  id: string;
  code: string;
  name: Record<Locale, string>;
  /** Position in directories, lowest first. */
  sortOrder: number;
  /** The department's official web site (http or https), or null when none is recorded. */
  website: string | null;
}

/** What the organisations module offers the modules above it. */
export interface OrganisationsContract {
  listDepartments(): Promise<Department[]>;
  /** The department with this code, or undefined. */
  findDepartment(code: string): Promise<Department | undefined>;
}
