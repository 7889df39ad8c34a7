import { defineError } from '../../kernel/errors.ts';

/** Errors of the organisations module. */
export const OrganisationsErrors = {
  departmentNotFound: defineError('ORG_ERR_DEPARTMENT_NOT_FOUND', 404, {
    'zh-CN': '找不到代码为 {code} 的部门。',
    en: 'There is no department with the code {code}.',
  }),
} as const;
