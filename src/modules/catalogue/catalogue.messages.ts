import { defineMessages } from '../../kernel/i18n/index.ts';

/** Words of the catalogue: the problems of a catalogue file or a draft, and the catalogue's pages. */
export const catalogueMessages = defineMessages(
  {
    // The catalogue file schema's own messages (domain/catalogue-file.ts).
    'error.zhRequired': '请填写中文内容。',
    'error.enRequired': '请填写英文内容。',
    'error.code': '事项编码应为“部门代码-4 位数字”，例如 SJ-0101。',
    'error.promisedDays': '承诺时限不能长于法定时限。',
    'error.counters': '可在窗口办理的事项须写明办理窗口（地址、时间、电话）。',
    'error.coDepartments': '负责部门不能同时列为协办部门。',
    'error.replaceableBy': '“可替代”须写明电子证照类型或共享数据项。',
    // Checks across rows and against what the platform already holds.
    'problem.line': '第 {line} 行',
    'problem.unknownDepartment': '没有代码为 {value} 的部门。',
    'problem.codePrefix': '事项编码的前缀应为负责部门的代码 {department}。',
    'problem.duplicateCode': '事项编码 {value} 在文件中重复，第 {line} 行已使用。',
    'problem.unknownRelated': '相关事项 {value} 不存在。',
    'problem.relatedRejected': '相关事项 {value} 本次未能导入。',
    'problem.unknownTopic': '没有代码为 {value} 的主题。',
    'problem.unknownLifeEvent': '没有代码为 {value} 的人生大事。',
    'problem.lifeEventService': '人生大事 {event} 的步骤引用了不存在的事项 {value}。',
    'problem.notJson': '不是有效的 JSON（{reason}）。',
    'problem.notCatalogue': '不是一网目录文件：缺少 "format": "yiwang-catalogue" 或版本号不对。',
    'problem.csv': 'CSV 格式有误（{reason}）。',
    'problem.csvHeader': 'CSV 第一行应为列名，缺少：{columns}。',
    'problem.jsonCell': '这一栏应为 JSON：{reason}',
    'problem.number': '这一栏应为整数。',
  },
  {
    'error.zhRequired': 'Give the text in Chinese.',
    'error.enRequired': 'Give the text in English.',
    'error.code': 'A service code is the department code, a hyphen and 4 digits, for example SJ-0101.',
    'error.promisedDays': 'The promised time limit cannot be longer than the statutory one.',
    'error.counters': 'A service done at a counter names its counter (address, hours, phone).',
    'error.coDepartments': 'The responsible department cannot also be a co-operating one.',
    'error.replaceableBy': '“Replaceable by” names a certificate type or a shared data element.',
    'problem.line': 'line {line}',
    'problem.unknownDepartment': 'There is no department with the code {value}.',
    'problem.codePrefix': 'The service code must start with the responsible department’s code, {department}.',
    'problem.duplicateCode':
      'The service code {value} appears twice in the file; line {line} already uses it.',
    'problem.unknownRelated': 'The related service {value} does not exist.',
    'problem.relatedRejected': 'The related service {value} could not be imported this time.',
    'problem.unknownTopic': 'There is no topic with the code {value}.',
    'problem.unknownLifeEvent': 'There is no life event with the code {value}.',
    'problem.lifeEventService':
      'A step of the life event {event} names a service that does not exist: {value}.',
    'problem.notJson': 'This is not valid JSON ({reason}).',
    'problem.notCatalogue':
      'This is not a Yiwang catalogue file: "format": "yiwang-catalogue" is missing or the version is wrong.',
    'problem.csv': 'The CSV is malformed ({reason}).',
    'problem.csvHeader': 'The first CSV line must name the columns; missing: {columns}.',
    'problem.jsonCell': 'This column holds JSON: {reason}',
    'problem.number': 'This column holds a whole number.',
  },
);
export type CatalogueMessageKey = (typeof catalogueMessages.keys)[number];
