import { defineMessages } from '../../kernel/i18n/index.ts';

/** Words of the organisations module's pages. */
export const organisationsMessages = defineMessages(
  {
    'departments.title': '部门目录',
    'departments.lead': '按部门浏览。办事请优先从首页按对象和事项进入，不必先弄清由哪个部门负责。',
    'departments.code': '代码',
    'departments.name': '部门名称',
    'departments.count': '共 {count} 个部门',
  },
  {
    'departments.title': 'Department directory',
    'departments.lead':
      'Browse by department. To get something done, start from the home page by who you are and what you need: you do not need to know which department is responsible.',
    'departments.code': 'Code',
    'departments.name': 'Department',
    'departments.count': '{count} departments',
  },
);
