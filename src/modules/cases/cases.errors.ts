import { defineError } from '../../kernel/errors.ts';

/** Errors of the cases module. */
export const CasesErrors = {
  serviceNotOpen: defineError('CASES_ERR_SERVICE_NOT_OPEN', 409, {
    'zh-CN': '服务事项 {code} 目前不能在网上申请（未公开或尚未配置办理流程）。请拨打 12345 咨询。',
    en: 'The service {code} cannot be applied for online now (it is not published, or has no process yet). Call 12345 for help.',
  }),
  identityLevelTooLow: defineError('CASES_ERR_IDENTITY_LEVEL', 403, {
    'zh-CN': '申请此事项需要 {required} 级实名认证，您目前是 {current} 级。请先提升认证等级，或到窗口办理。',
    en: 'This service needs identity level {required}; yours is {current}. Raise your level first, or apply at a counter.',
  }),
  idempotencyKeyReused: defineError('CASES_ERR_IDEMPOTENCY_KEY_REUSED', 422, {
    'zh-CN': '这个提交编号已用于另一份内容不同的申请，未重复提交。请重新打开申请页面再提交。',
    en: 'This submission key was already used for a different application, so nothing was submitted. Open the application again and submit it.',
  }),
  caseNotFound: defineError('CASES_ERR_CASE_NOT_FOUND', 404, {
    'zh-CN': '找不到这件办件。请核对办件编号。',
    en: 'There is no such case. Check the case number.',
  }),
  fileNotFound: defineError('CASES_ERR_FILE_NOT_FOUND', 404, {
    'zh-CN': '这件办件中没有这个文件。',
    en: 'The case has no such file.',
  }),
  applicantNotFound: defineError('CASES_ERR_APPLICANT_NOT_FOUND', 404, {
    'zh-CN': '找不到这位申请人的账号。请先为其注册并在窗口核验身份。',
    en: 'There is no account for this applicant. Register them and check their identity at the counter first.',
  }),
  taskNotFound: defineError('CASES_ERR_TASK_NOT_FOUND', 404, {
    'zh-CN': '找不到这个办理环节。',
    en: 'There is no such step.',
  }),
  taskChanged: defineError('CASES_ERR_TASK_CHANGED', 409, {
    'zh-CN': '这个环节已被他人处理或已变化（当前状态：{state}），您的决定未执行。请刷新后查看。',
    en: 'Someone else has already dealt with this step, or it changed (it is now {state}), so your decision was not carried out. Reload to see it.',
  }),
  casePaused: defineError('CASES_ERR_CASE_PAUSED', 409, {
    'zh-CN': '办件正在等待申请人补正材料，补正后才能继续办理。',
    en: 'The case is waiting for the applicant to supply missing material; it continues when they do.',
  }),
  caseClosed: defineError('CASES_ERR_CASE_CLOSED', 409, {
    'zh-CN': '办件已办结（{state}），不能再更改。',
    en: 'The case is closed ({state}) and can no longer be changed.',
  }),
  notWaitingForSupplement: defineError('CASES_ERR_NOT_WAITING', 409, {
    'zh-CN': '办件目前不需要补正材料。',
    en: 'The case is not waiting for any material.',
  }),
  decisionInvalid: defineError('CASES_ERR_DECISION_INVALID', 400, {
    'zh-CN': '决定不完整：不予通过须写明理由，要求补正须逐项列出所缺材料。',
    en: 'The decision is incomplete: a rejection needs its reason, and a supplement request must list every missing item.',
  }),
  definitionInvalid: defineError('CASES_ERR_DEFINITION_INVALID', 400, {
    'zh-CN': '办理流程有 {count} 处问题，未保存。请按提示修改。',
    en: 'The process has {count} problems, so it was not saved. Correct them as described.',
  }),
  bpmnUnsupported: defineError('CASES_ERR_BPMN_UNSUPPORTED', 400, {
    'zh-CN': 'BPMN 文件有 {count} 处无法导入（超出支持的元素范围或格式有误），未保存。',
    en: 'The BPMN file has {count} parts that cannot be imported (outside the supported elements, or malformed), so nothing was saved.',
  }),
  definitionNotFound: defineError('CASES_ERR_DEFINITION_NOT_FOUND', 404, {
    'zh-CN': '找不到这个版本的办理流程。',
    en: 'There is no such version of the process.',
  }),
  definitionNotDraft: defineError('CASES_ERR_DEFINITION_NOT_DRAFT', 409, {
    'zh-CN': '只有草稿状态的流程可以启用（当前状态：{state}）。',
    en: 'Only a draft process can be activated (this one is {state}).',
  }),
} as const;
