import type { Locale } from '../../kernel/i18n/index.ts';

/** A department as other modules and the API see it. */
export interface Department {
  id: string;
  code: string;
  name: Record<Locale, string>;
}

/** What the organisations module offers the modules above it. */
export interface OrganisationsContract {
  listDepartments(): Promise<Department[]>;
  /** The department with this code, or undefined. */
  findDepartment(code: string): Promise<Department | undefined>;
}
