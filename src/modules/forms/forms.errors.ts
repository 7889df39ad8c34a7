import { defineError } from '../../kernel/errors.ts';

/** Errors of the forms module. */
export const FormsErrors = {
  answersInvalid: defineError('FORMS_ERR_ANSWERS_INVALID', 400, {
    'zh-CN': '申请有 {count} 处需要修改，未提交。请按提示修改。',
    en: 'The application has {count} answers to correct, so it was not submitted. Correct them as described.',
  }),
  formInvalid: defineError('FORMS_ERR_FORM_INVALID', 400, {
    'zh-CN': '申请表有 {count} 处问题，未保存。请按提示修改。',
    en: 'The form has {count} problems, so it was not saved. Correct them as described.',
  }),
  draftNotFound: defineError('FORMS_ERR_DRAFT_NOT_FOUND', 404, {
    'zh-CN': '找不到这份申请草稿。请从服务指南页面重新开始申请。',
    en: 'There is no such application in progress. Start again from the service guide.',
  }),
  draftSubmitted: defineError('FORMS_ERR_DRAFT_SUBMITTED', 409, {
    'zh-CN': '这份申请已经提交，不能再修改。请在“我的办件”中查看。',
    en: 'This application was already submitted and can no longer be changed. See it under “My cases”.',
  }),
  uploadRefused: defineError('FORMS_ERR_UPLOAD_REFUSED', 422, {
    'zh-CN': '文件未保存：{reason}',
    en: 'The file was not kept: {reason}',
  }),
} as const;
