import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError } from '../../../kernel/errors.ts';
import { ProblemSchema } from '../../../kernel/http/problem.schemas.ts';
import type { OrganisationsContract } from '../contract.ts';
import { OrganisationsErrors } from '../organisations.errors.ts';
import { presentDepartment } from './organisations.presenters.ts';
import { DepartmentCodeParams, DepartmentListSchema, DepartmentSchema } from './organisations.schemas.ts';

/** Public read API of the department directory. */
export function registerOrganisationsApi(app: FastifyInstance, service: OrganisationsContract): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/v1/departments',
    {
      schema: {
        tags: ['organisations'],
        summary: 'List the departments of the city government',
        response: { 200: DepartmentListSchema },
      },
    },
    async () => {
      const items = (await service.listDepartments()).map(presentDepartment);
      return { items, total: items.length };
    },
  );
  api.get(
    '/api/v1/departments/:code',
    {
      schema: {
        tags: ['organisations'],
        summary: 'One department by its code',
        params: DepartmentCodeParams,
        response: { 200: DepartmentSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const department = await service.findDepartment(request.params.code);
      if (!department)
        throw new AppError(OrganisationsErrors.departmentNotFound, { code: request.params.code });
      return presentDepartment(department);
    },
  );
}
