import type { z } from 'zod';
import type { Department } from '../contract.ts';
import type { DepartmentSchema } from './organisations.schemas.ts';

/** A department as the public API shows it; the contract may grow fields the API must not leak. */
export function presentDepartment(department: Department): z.infer<typeof DepartmentSchema> {
  return {
    id: department.id,
    code: department.code,
    name: { 'zh-CN': department.name['zh-CN'], en: department.name.en },
    website: department.website,
  };
}
