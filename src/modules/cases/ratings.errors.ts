import { defineError } from '../../kernel/errors.ts';

/** Errors of rating a case (好差评) and of the rectification a poor rating opens. */
export const RatingsErrors = {
  notClosed: defineError('CASES_ERR_RATING_NOT_CLOSED', 409, {
    'zh-CN': '办件尚未办结，办结后才能评价。',
    en: 'The case is not closed yet: you can rate it once it is.',
  }),
  withdrawn: defineError('CASES_ERR_RATING_WITHDRAWN', 409, {
    'zh-CN': '已撤回的申请不能评价。',
    en: 'A withdrawn application cannot be rated.',
  }),
  alreadyRated: defineError('CASES_ERR_ALREADY_RATED', 409, {
    'zh-CN': '这件办件已经评价过，每件办件只能评价一次。',
    en: 'This case has already been rated: each case can be rated once.',
  }),
  ratingInvalid: defineError('CASES_ERR_RATING_INVALID', 400, {
    'zh-CN': '评价有 {count} 处需要修改，未提交。',
    en: 'The rating has {count} problems, so it was not sent.',
  }),
  rectificationNotFound: defineError('CASES_ERR_RECTIFICATION_NOT_FOUND', 404, {
    'zh-CN': '找不到这项整改。',
    en: 'There is no such rectification.',
  }),
  rectificationDone: defineError('CASES_ERR_RECTIFICATION_DONE', 409, {
    'zh-CN': '这项整改已经办结，整改情况未再次记录。',
    en: 'This rectification has already been completed, so the outcome was not recorded again.',
  }),
  outcomeInvalid: defineError('CASES_ERR_RECTIFICATION_OUTCOME', 400, {
    'zh-CN': '请填写整改情况，不超过 1000 字。',
    en: 'Describe what was done to put it right, in at most 1000 characters.',
  }),
} as const;
