/**
 * The zh-CN dictionary of the kernel: the source of truth for message keys.
 * Every other locale must provide exactly these keys (checked by the type of `en.ts`).
 * Modules keep their own dictionaries beside their views and merge them through `defineMessages`.
 */
export const zhCN = {
  'site.name': '示范市人民政府',
  'site.portalName': '示范市政务服务网',
  'site.tagline': '一网通办 · 一窗受理 · 一次办成',
  'site.hotline': '政务服务便民热线 12345',
  'site.serviceCentre': '示范市政务服务中心（人民路 1 号）',
  'layout.skipToContent': '跳到主要内容',
  'layout.languageSwitch': 'English',
  'layout.languageSwitchLabel': '切换到英文版',
  'layout.breadcrumbs': '面包屑导航',
  'layout.home': '首页',
  'layout.mainNav': '主导航',
  'layout.elderly.on': '长辈模式',
  'layout.elderly.onHint': '：字更大，颜色更清楚',
  'layout.elderly.off': '退出长辈模式',
  'layout.elderly.offHint': '：恢复标准字号',
  'layout.footer.accessibility': '无障碍声明',
  'layout.footer.about': '关于本网站',
  'layout.footer.api': '开放接口',
  'layout.footer.links': '网站信息',
  'layout.footer.copyright': '示范市人民政府 主办 · 示范市大数据局 承办',
  'layout.footer.demoNotice': '这是一个演示城市，所有人员、单位和证件号码均为虚构。',
  'nav.departments': '部门',
  'nav.help': '帮助',
  'nav.signIn': '登录',
  'apiDocs.title': '开放接口文档',
  'apiDocs.lead': '示范市政务服务平台的 REST 接口（/api/v1），由接口的校验模式自动生成。机器可读版本：',
  'apiDocs.operation': '接口',
  'apiDocs.summary': '说明',
  'error.title': '出错了',
  'error.requestId': '请求编号：{id}（联系 12345 热线时请提供）',
  'error.backHome': '返回首页',
  'error.notFound.title': '找不到该页面',
  'error.notFound.body': '您访问的地址不存在或已经移动。请检查地址，或从首页重新查找。',
  'error.validation.title': '提交的内容有误',
  'error.field': '{field}：{message}',
} as const;

/** Every message key the kernel knows. */
export type MessageKey = keyof typeof zhCN;
