import { AppError, defineError } from '../../kernel/errors.ts';

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
  legalEntityInvalid: defineError('IDENTITY_ERR_LEGAL_ENTITY_INVALID', 400, {
    'zh-CN': '法人信息有误，请按提示修改。',
    en: 'Some of the legal entity’s details are not right. Correct them as described.',
  }),
  notLegalRepresentative: defineError('IDENTITY_ERR_NOT_LEGAL_REPRESENTATIVE', 403, {
    'zh-CN':
      '企业登记信息中的法定代表人不是您，不能以法定代表人身份关联该法人。请由法定代表人本人办理，或持授权书到政务服务中心窗口办理。',
    en: 'The business register names someone else as this entity’s legal representative, so you cannot link it as its representative. Ask the legal representative, or bring a written authorisation to a counter of the Government Service Centre.',
  }),
  assuranceTooLow: defineError('IDENTITY_ERR_ASSURANCE_TOO_LOW', 403, {
    'zh-CN':
      '办理此事项需要实名认证等级 L{level}。请先完成实名认证（到政务服务中心窗口核验身份即可达到 L3）。',
    en: 'This needs identity assurance level L{level}. Verify your identity first (a counter of the Government Service Centre verifies you to L3).',
  }),
  legalEntityAlreadyLinked: defineError('IDENTITY_ERR_LEGAL_ENTITY_ALREADY_LINKED', 409, {
    'zh-CN': '该法人已经关联到平台账户。如有疑问，请拨打 12345 热线。',
    en: 'This legal entity is already linked to an account on the platform. If this looks wrong, call the 12345 hotline.',
  }),
  mandateInvalid: defineError('IDENTITY_ERR_MANDATE_INVALID', 400, {
    'zh-CN': '授权信息有误，请按提示修改。',
    en: 'Some of the mandate’s details are not right. Correct them as described.',
  }),
  // Staff administration (the platform administrator's pages).
  staffInvalid: defineError('IDENTITY_ERR_STAFF_INVALID', 400, {
    'zh-CN': '人员信息有误，请按提示修改。',
    en: 'Some of the staff details are not right. Correct them as described.',
  }),
  staffTaken: defineError('IDENTITY_ERR_STAFF_TAKEN', 409, {
    'zh-CN': '该用户名或电子邮箱已被其他账户使用，未创建账户。',
    en: 'This user name or e-mail address is already used by another account. No account was created.',
  }),
  staffNotFound: defineError('IDENTITY_ERR_STAFF_NOT_FOUND', 404, {
    'zh-CN': '找不到该工作人员账户。',
    en: 'There is no such staff account.',
  }),
  staffRoleHeld: defineError('IDENTITY_ERR_STAFF_ROLE_HELD', 409, {
    'zh-CN': '该工作人员在这个部门已经担任此岗位，未作更改。',
    en: 'This member of staff already holds this role in this department. Nothing was changed.',
  }),
  staffRoleNotHeld: defineError('IDENTITY_ERR_STAFF_ROLE_NOT_HELD', 404, {
    'zh-CN': '该工作人员在这个部门没有此岗位，未作更改。',
    en: 'This member of staff does not hold this role in this department. Nothing was changed.',
  }),
  lastPlatformAdmin: defineError('IDENTITY_ERR_LAST_PLATFORM_ADMIN', 409, {
    'zh-CN': '这是平台上最后一个有效的平台管理员岗位，不能移除或停用。请先为其他人增加平台管理员岗位。',
    en: 'This is the platform’s last active platform administrator role: it cannot be removed or disabled. Give someone else the role first.',
  }),
  cannotDisableSelf: defineError('IDENTITY_ERR_CANNOT_DISABLE_SELF', 409, {
    'zh-CN': '不能停用自己的账户。请由另一位平台管理员操作。',
    en: 'You cannot disable your own account. Ask another platform administrator.',
  }),
  recoveryCodeInvalid: defineError('IDENTITY_ERR_RECOVERY_CODE_INVALID', 401, {
    'zh-CN': '恢复码不正确或已经用过。请核对后重新输入，或使用身份验证器上的 6 位验证码。',
    en: 'The recovery code is wrong or has already been used. Check it and try again, or use the 6-digit code from your authenticator app.',
  }),
  securityKeyRefused: defineError('IDENTITY_ERR_SECURITY_KEY_REFUSED', 401, {
    'zh-CN': '安全密钥验证未通过。请重试，或使用身份验证器上的 6 位验证码。',
    en: 'Your security key could not be checked. Try again, or use the 6-digit code from your authenticator app.',
  }),
  securityKeyNotFound: defineError('IDENTITY_ERR_SECURITY_KEY_NOT_FOUND', 404, {
    'zh-CN': '找不到这个安全密钥，它可能已经被移除。',
    en: 'This security key was not found. It may have been removed already.',
  }),
  currentPasswordWrong: defineError('IDENTITY_ERR_CURRENT_PASSWORD_WRONG', 401, {
    'zh-CN': '当前密码不正确，没有做任何修改。',
    en: 'The current password is not correct. Nothing was changed.',
  }),
  changeInvalid: defineError('IDENTITY_ERR_CHANGE_INVALID', 400, {
    'zh-CN': '填写的内容需要修改，请按提示修改后重试。没有做任何修改。',
    en: 'Some of what you entered needs changing. Correct it as described and try again. Nothing was changed.',
  }),
  identityCheckFailed: defineError('IDENTITY_ERR_IDENTITY_CHECK_FAILED', 400, {
    'zh-CN': '证件号码与该账户登记的号码不一致，未提升实名认证等级。请核对原件，或请办事人重新注册。',
    en: 'The document number does not match the one the account was registered with. The level was not raised. Check the original, or ask the person to register again.',
  }),
} as const;

/** Too many wrong passwords or codes: carries the wait, for the Retry-After header. */
export class TooManyAttemptsError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(IdentityErrors.tooManyAttempts, { minutes: Math.ceil(retryAfterSeconds / 60) });
    this.name = 'TooManyAttemptsError';
  }
}
