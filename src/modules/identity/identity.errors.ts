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
  registrationInvalid: defineError('IDENTITY_ERR_REGISTRATION_INVALID', 400, {
    'zh-CN': '注册信息有误，请按提示修改。',
    en: 'Some of the registration details are not right. Correct them as described.',
  }),
  alreadyRegistered: defineError('IDENTITY_ERR_ALREADY_REGISTERED', 409, {
    'zh-CN': '该用户名、证件号码、电子邮箱或手机号码已经注册。如果不是您本人注册的，请拨打 12345 热线。',
    en: 'This user name, ID number, e-mail address or mobile number is already registered. If it was not you, call the 12345 hotline.',
  }),
  verificationCodeInvalid: defineError('IDENTITY_ERR_VERIFICATION_CODE_INVALID', 400, {
    'zh-CN': '验证码不正确、已过期或已使用。请检查邮件或短信中的 6 位数字，或重新注册以获取新验证码。',
    en: 'The code is wrong, has expired or has already been used. Check the 6 digits in the e-mail or text message, or register again for a new code.',
  }),
  codeSendLimited: defineError('IDENTITY_ERR_CODE_SEND_LIMITED', 429, {
    'zh-CN': '验证码发送过于频繁，请在 {minutes} 分钟后再试。如需帮助，请拨打 12345 热线。',
    en: 'Too many codes have been sent. Try again in {minutes} minutes, or call the 12345 hotline for help.',
  }),
  resetLinkInvalid: defineError('IDENTITY_ERR_RESET_LINK_INVALID', 400, {
    'zh-CN': '重置链接无效、已过期或已使用。请重新申请重置密码。',
    en: 'This reset link is not valid, has expired or has already been used. Ask for a new one.',
  }),
  tokenInvalid: defineError('IDENTITY_ERR_TOKEN_INVALID', 401, {
    'zh-CN': '接口令牌无效、已过期或已被吊销。',
    en: 'The API token is not valid, has expired or has been revoked.',
  }),
} as const;
