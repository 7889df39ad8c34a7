import { defineError } from '../../kernel/errors.ts';

/** Errors of the certificates module. */
export const CertificatesErrors = {
  certificateNotFound: defineError('CERTIFICATES_ERR_NOT_FOUND', 404, {
    'zh-CN': '找不到这份电子证照。请核对证照编号。',
    en: 'There is no such certificate. Check the certificate number.',
  }),
  typeNotFound: defineError('CERTIFICATES_ERR_TYPE_NOT_FOUND', 404, {
    'zh-CN': '没有这种证照类型：{code}。',
    en: 'There is no certificate type {code}.',
  }),
  typeInvalid: defineError('CERTIFICATES_ERR_TYPE_INVALID', 400, {
    'zh-CN': '证照类型有 {count} 处问题，未保存。请按提示修改。',
    en: 'The certificate type has {count} problems, so it was not saved. Correct them as described.',
  }),
  alreadyRevoked: defineError('CERTIFICATES_ERR_ALREADY_REVOKED', 409, {
    'zh-CN': '这份证照已经注销，不能再注销或换发。',
    en: 'This certificate was already revoked; it cannot be revoked or reissued again.',
  }),
  reasonRequired: defineError('CERTIFICATES_ERR_REASON_REQUIRED', 400, {
    'zh-CN': '请写明注销原因，持证人会看到。',
    en: 'Give the reason for revoking it: the holder will see it.',
  }),
  holderRequired: defineError('CERTIFICATES_ERR_HOLDER_REQUIRED', 400, {
    'zh-CN': '请指定持证人（个人用户名或单位统一社会信用代码）。',
    en: 'Name the holder (a person’s user name or an organisation’s credit code).',
  }),
  expired: defineError('CERTIFICATES_ERR_EXPIRED', 409, {
    'zh-CN': '这份证照已过有效期，不能换发。请重新申请办理。',
    en: 'This certificate has expired and cannot be reissued. Apply for it again.',
  }),
  shareExpired: defineError('CERTIFICATES_ERR_SHARE_EXPIRED', 410, {
    'zh-CN': '这个出示链接已过期或不存在。请向持证人索取新的链接。',
    en: 'This sharing link has expired or does not exist. Ask the holder for a new one.',
  }),
} as const;
