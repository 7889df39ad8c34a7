import { defineError } from '../../kernel/errors.ts';

/** Errors of the organisations module. */
export const OrganisationsErrors = {
  departmentNotFound: defineError('ORG_ERR_DEPARTMENT_NOT_FOUND', 404, {
    'zh-CN': '找不到代码为 {code} 的部门。',
    en: 'There is no department with the code {code}.',
  }),
  // Department administration (the platform administrator's pages).
  departmentInvalid: defineError('ORG_ERR_DEPARTMENT_INVALID', 400, {
    'zh-CN': '部门信息有误，请按提示修改。',
    en: 'Some of the department details are not right. Correct them as described.',
  }),
  departmentCodeTaken: defineError('ORG_ERR_DEPARTMENT_CODE_TAKEN', 409, {
    'zh-CN': '部门代码 {code} 已被使用，未创建部门。部门代码创建后不能更改，请另选一个。',
    en: 'The department code {code} is already in use, so no department was created. Codes cannot change once created: choose another.',
  }),
} as const;
