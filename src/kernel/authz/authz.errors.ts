import { defineError } from '../errors.ts';

/**
 * Errors of the authorisation kernel. The words never say whether the object exists or why exactly access was
 * refused (department, clearance, assignment…): that would let a caller probe for objects and rules. The machine
 * reason stays on the `AuthorizationError` for logs and audit.
 */
export const AuthzErrors = {
  forbidden: defineError('AUTHZ_ERR_FORBIDDEN', 403, {
    'zh-CN': '无法完成此操作：您没有相应权限，或所请求的内容不存在。',
    en: 'This cannot be done: you do not have permission, or what you asked for does not exist.',
  }),
  // 403, not 400: the request is well formed; what is missing is a condition of access that depends on who asks
  // (an owner needs no purpose), and only actors who would otherwise be allowed ever see it. A 400 would be
  // handled as a malformed request by generic clients and mixed into validation errors.
  purposeRequired: defineError('AUTHZ_ERR_PURPOSE_REQUIRED', 403, {
    'zh-CN': '查阅个人信息前，请说明查阅目的。此次查阅将被记录，当事人可以看到。',
    en: 'State why you need to see this personal information. The access is recorded, and the person concerned can see it.',
  }),
  signInRequired: defineError('AUTHZ_ERR_SIGN_IN_REQUIRED', 401, {
    'zh-CN': '请先登录。',
    en: 'Sign in to continue.',
  }),
} as const;
