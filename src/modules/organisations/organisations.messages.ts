import { defineMessages } from '../../kernel/i18n/index.ts';

/** Words of the organisations module's pages. */
export const organisationsMessages = defineMessages(
  {
    'departments.title': '部门目录',
    'departments.lead':
      '示范市人民政府各部门及其代码。办事不必先弄清由哪个部门负责：拨打 12345 热线或到政务服务中心窗口，都能一次问清。',
    'departments.code': '代码',
    'departments.name': '部门名称',
    'departments.count': '共 {count} 个部门',
  },
  {
    'departments.title': 'Department directory',
    'departments.lead':
      'The departments of the Demo City government and their codes. You do not need to know which one is responsible: the 12345 hotline or a counter at the Government Service Centre will tell you in one go.',
    'departments.code': 'Code',
    'departments.name': 'Department',
    'departments.count': '{count} departments',
  },
);
