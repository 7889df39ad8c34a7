import { defineError } from '../../kernel/errors.ts';

/** Errors of the catalogue module. */
export const CatalogueErrors = {
  serviceNotFound: defineError('CAT_ERR_SERVICE_NOT_FOUND', 404, {
    'zh-CN': '找不到编码为 {code} 的服务事项，它可能已停止办理。请用搜索查找，或拨打 12345 咨询。',
    en: 'There is no service with the code {code}; it may no longer be offered. Search for it, or call 12345.',
  }),
  lifeEventNotFound: defineError('CAT_ERR_LIFE_EVENT_NOT_FOUND', 404, {
    'zh-CN': '找不到“{code}”这件人生大事。',
    en: 'There is no life event called “{code}”.',
  }),
  importInvalid: defineError('CAT_ERR_IMPORT_INVALID', 400, {
    'zh-CN': '目录文件有 {count} 处错误，未导入任何内容。请按行号修改后重新导入。',
    en: 'The catalogue file has {count} problems, so nothing was imported. Correct them by line number and import again.',
  }),
  importUnreadable: defineError('CAT_ERR_IMPORT_UNREADABLE', 400, {
    'zh-CN': '无法读取目录文件：{reason}',
    en: 'The catalogue file cannot be read: {reason}',
  }),
  itemInvalid: defineError('CAT_ERR_ITEM_INVALID', 400, {
    'zh-CN': '事项内容有误，请按提示修改。',
    en: 'Some of the service details are not right. Correct them as described.',
  }),
  versionConflict: defineError('CAT_ERR_VERSION_CONFLICT', 409, {
    'zh-CN': '这个版本已被他人处理（当前状态：{state}），您的操作未执行。请刷新后查看。',
    en: 'Someone else has already dealt with this version (it is now {state}), so your action was not carried out. Reload to see it.',
  }),
  ownReview: defineError('CAT_ERR_OWN_REVIEW', 403, {
    'zh-CN': '不能审核自己提交的版本：须由另一位审核人员审核（双人复核）。',
    en: 'You cannot review a version you submitted yourself: another reviewer must (four-eyes rule).',
  }),
  notPublished: defineError('CAT_ERR_NOT_PUBLISHED', 409, {
    'zh-CN': '事项 {code} 目前不在门户上公开，无需撤下。',
    en: 'The service {code} is not on the portal now, so there is nothing to withdraw.',
  }),
  synonymsInvalid: defineError('CAT_ERR_SYNONYMS_INVALID', 400, {
    'zh-CN': '同义词有误，未保存。请按提示修改。',
    en: 'Some of the synonym groups are not right, so nothing was saved. Correct them as described.',
  }),
  itemCodeTaken: defineError('CAT_ERR_ITEM_CODE_TAKEN', 409, {
    'zh-CN': '事项编码 {code} 已被使用，未创建事项。',
    en: 'The service code {code} is already in use, so no service was created.',
  }),
} as const;
