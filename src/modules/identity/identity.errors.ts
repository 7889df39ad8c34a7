import { defineError } from '../../kernel/errors.ts';

/** Errors of the identity module. Sign-in messages never say whether the account exists. */
export const IdentityErrors = {
  signInFailed: defineError('IDENTITY_ERR_SIGN_IN_FAILED', 401, {
    'zh-CN': '用户名或密码不正确。',
    en: 'The user name or password is not correct.',
  }),
  tooManyAttempts: defineError('IDENTITY_ERR_TOO_MANY_ATTEMPTS', 429, {
    'zh-CN': '尝试次数过多，请在 {minutes} 分钟后再试，或拨打 12345 热线求助。',
    en: 'Too many attempts. Try again in {minutes} minutes, or call the 12345 hotline for help.',
  }),
  codeInvalid: defineError('IDENTITY_ERR_CODE_INVALID', 401, {
    'zh-CN': '验证码不正确或已过期，请输入身份验证器上当前显示的 6 位数字。',
    en: 'The code is wrong or has expired. Enter the 6 digits your authenticator app shows now.',
  }),
  sessionExpired: defineError('IDENTITY_ERR_SESSION_EXPIRED', 401, {
    'zh-CN': '登录已过期，请重新登录。',
    en: 'Your session has ended. Please sign in again.',
  }),
} as const;
