/** The departments of 示范市 (Demo City), as listed in shared/docs/demo-city.md. */
export const DEMO_DEPARTMENTS = [
  // Official directories list the General Office first.
  { code: 'BGT', nameZh: '市政府办公室', nameEn: 'General Office of the City Government' },
  { code: 'GA', nameZh: '市公安局', nameEn: 'Public Security Bureau' },
  { code: 'SJ', nameZh: '市市场监督管理局', nameEn: 'Market Regulation Administration' },
  { code: 'RS', nameZh: '市人力资源和社会保障局', nameEn: 'Human Resources and Social Security Bureau' },
  { code: 'MZ', nameZh: '市民政局', nameEn: 'Civil Affairs Bureau' },
  { code: 'SW', nameZh: '市税务局', nameEn: 'Taxation Bureau' },
  { code: 'WJ', nameZh: '市卫生健康委员会', nameEn: 'Health Commission' },
  { code: 'ZJ', nameZh: '市住房和城乡建设局', nameEn: 'Housing and Urban-Rural Development Bureau' },
  { code: 'ZR', nameZh: '市自然资源和规划局', nameEn: 'Natural Resources and Planning Bureau' },
  { code: 'HB', nameZh: '市生态环境局', nameEn: 'Ecology and Environment Bureau' },
  { code: 'JT', nameZh: '市交通运输局', nameEn: 'Transport Bureau' },
  { code: 'JY', nameZh: '市教育局', nameEn: 'Education Bureau' },
  { code: 'YB', nameZh: '市医疗保障局', nameEn: 'Medical Insurance Bureau' },
  { code: 'BDC', nameZh: '市不动产登记中心', nameEn: 'Real Estate Registration Centre' },
  { code: 'GJJ', nameZh: '市住房公积金管理中心', nameEn: 'Housing Provident Fund Centre' },
  { code: 'XF', nameZh: '市消防救援支队', nameEn: 'Fire and Rescue Detachment' },
  { code: 'CG', nameZh: '市城市管理局', nameEn: 'Urban Management Bureau' },
  { code: 'SWJ', nameZh: '市商务局', nameEn: 'Commerce Bureau' },
  { code: 'ZWFW', nameZh: '市政务服务中心', nameEn: 'Government Service Centre' },
  { code: 'DSJ', nameZh: '市大数据局', nameEn: 'Big Data Bureau' },
] as const;
