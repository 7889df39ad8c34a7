import { defineMessages } from '../../kernel/i18n/index.ts';

/** Words of the portal's own pages (home, accessibility statement). */
export const portalMessages = defineMessages(
  {
    'home.title': '首页',
    'home.lead': '一个网站，办理全市政务服务。不必知道由哪个部门负责，也不必往返多个窗口。',
    'home.channels': '办事渠道',
    'home.channel.online': '网上办理',
    'home.channel.online.text': '本网站，全天可用；手机上也能办。',
    'home.channel.hotline': '电话',
    'home.channel.hotline.text': '12345 政务服务便民热线，全天 24 小时；没有网络也能咨询、办理和投诉。',
    'home.channel.counter': '窗口',
    'home.channel.counter.text': '示范市政务服务中心（人民路 1 号），工作日 9:00–12:00、13:30–17:00。',
    'home.today': '今天',
    'home.today.working': '{date}是工作日，政务服务中心窗口正常办公。',
    'home.today.holiday': '{date}是{name}假期，窗口暂停办公；网上办理和 12345 热线照常服务。',
    'home.today.weekend': '{date}是周末，窗口暂停办公；网上办理和 12345 热线照常服务。',
    'home.today.makeup': '{date}是调休上班日（{name}），窗口正常办公。',
    'home.today.next': '下一个工作日：{date}。',
    'home.departments': '政府部门',
    'home.departments.text': '全市 {count} 个部门在同一个平台上协同办理，办事不必先弄清由哪个部门负责。',
    'home.departments.link': '查看部门目录',
    'accessibility.title': '无障碍声明',
    'accessibility.intro':
      '示范市政务服务网力求让每个人都能使用，包括老年人、视力或听力不便的人和只有一部普通手机的人。',
    'accessibility.standards':
      '本网站以 GB/T 37668-2019《信息技术 互联网内容无障碍可访问性技术要求与测试方法》和 WCAG 2.2 AA 级为目标。',
    'accessibility.how': '我们如何做到',
    'accessibility.how.nojs': '所有页面和表单不依赖 JavaScript 即可使用。',
    'accessibility.how.keyboard': '可以只用键盘操作，焦点位置清晰可见；每页开头有“跳到主要内容”链接。',
    'accessibility.how.phone': '在手机窄屏上无需左右滚动即可阅读。',
    'accessibility.how.language': '提供中文和英文两种语言，页面语言已正确标注，便于读屏软件朗读。',
    'accessibility.how.checks': '每次发布前，在真实浏览器中用 axe-core 自动检查所有页面，要求零问题。',
    'accessibility.contact': '遇到问题？',
    'accessibility.contact.text':
      '如果有内容无法使用，请拨打 12345 热线告诉我们，我们会通过电话或窗口为您办理。',
  },
  {
    'home.title': 'Home',
    'home.lead':
      'One website for every government service in the city. You do not need to know which department is responsible, or go from office to office.',
    'home.channels': 'Ways to get things done',
    'home.channel.online': 'Online',
    'home.channel.online.text': 'This website, at any time, on a computer or a phone.',
    'home.channel.hotline': 'Phone',
    'home.channel.hotline.text':
      'The 12345 public service hotline, 24 hours a day: ask, apply or complain without the internet.',
    'home.channel.counter': 'In person',
    'home.channel.counter.text':
      'Demo City Government Service Centre, 1 Renmin Road; working days 9:00–12:00 and 13:30–17:00.',
    'home.today': 'Today',
    'home.today.working': '{date} is a working day: the service centre counters are open.',
    'home.today.holiday':
      '{date} is a public holiday ({name}): the counters are closed; online services and the 12345 hotline are available.',
    'home.today.weekend':
      '{date} is a weekend day: the counters are closed; online services and the 12345 hotline are available.',
    'home.today.makeup': '{date} is a make-up working day ({name}): the counters are open.',
    'home.today.next': 'Next working day: {date}.',
    'home.departments': 'Government departments',
    'home.departments.text':
      '{count} departments of the city work together on one platform, so you never need to know which one is responsible.',
    'home.departments.link': 'See the department directory',
    'accessibility.title': 'Accessibility statement',
    'accessibility.intro':
      'Demo City Government Services aims to be usable by everyone, including older people, people with visual or hearing impairments and people with only a basic phone.',
    'accessibility.standards':
      'This website aims to meet GB/T 37668-2019 (accessibility of internet content) and WCAG 2.2 level AA.',
    'accessibility.how': 'How we do it',
    'accessibility.how.nojs': 'Every page and form works without JavaScript.',
    'accessibility.how.keyboard':
      'Everything works with a keyboard, with a clearly visible focus; each page starts with a “Skip to main content” link.',
    'accessibility.how.phone': 'Pages can be read on a narrow phone screen without scrolling sideways.',
    'accessibility.how.language':
      'The site is in Chinese and English, and the language of each page is marked so screen readers pronounce it correctly.',
    'accessibility.how.checks':
      'Before every release, every page is checked with axe-core in a real browser, and must show no problems.',
    'accessibility.contact': 'Something not working?',
    'accessibility.contact.text':
      'If you cannot use something, call the 12345 hotline and tell us: we will help you by phone or at a counter.',
  },
);
