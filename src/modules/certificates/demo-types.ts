import type { CertificateTypeInput } from './domain/certificate-type.ts';

const l = (zh: string, en: string) => ({ 'zh-CN': zh, en });

/**
 * The demo city's certificate types: the restaurant journey's food business licence (issued when 开办餐饮店 is
 * approved), the fire safety inspection certificate of a public venue (issued by its own service), and the birth
 * medical certificate a hospital's health commission issues by hand.
 */
export const DEMO_CERTIFICATE_TYPES: readonly CertificateTypeInput[] = [
  {
    code: 'food-business-licence',
    name: l('食品经营许可证', 'Food Business Licence'),
    departmentCode: 'SJ',
    serviceCode: 'ZWFW-0101',
    numberPrefix: 'JY',
    validityYears: 5,
    fields: [
      { id: 'businessName', label: l('经营者名称', 'Business name'), source: 'business.name' },
      { id: 'creditCode', label: l('统一社会信用代码', 'Credit code'), source: 'business.creditCode' },
      { id: 'premises', label: l('经营场所', 'Premises'), source: 'business.address' },
      { id: 'category', label: l('主体业态', 'Type of business'), fallback: '餐饮服务经营者' },
      { id: 'scope', label: l('经营项目', 'Scope'), fallback: '热食类食品制售' },
      { id: 'seats', label: l('就餐座位数', 'Seats'), source: 'premises.seats' },
    ],
    layout: { orientation: 'portrait', accent: '#b22222' },
  },
  {
    code: 'fire-safety-inspection',
    name: l('公众聚集场所投入使用、营业前消防安全检查合格证', 'Fire Safety Inspection Certificate'),
    departmentCode: 'XF',
    serviceCode: 'XF-0101',
    numberPrefix: 'XFJ',
    validityYears: null,
    fields: [
      { id: 'venue', label: l('场所地址', 'Venue'), source: 'venue.address' },
      { id: 'capacity', label: l('最大容纳人数', 'Capacity'), source: 'venue.capacity' },
      { id: 'opening', label: l('营业日期', 'Opening date'), source: 'venue.opening' },
    ],
    layout: { orientation: 'portrait', accent: '#c0392b' },
  },
  {
    code: 'birth-medical-certificate',
    name: l('出生医学证明', 'Birth Medical Certificate'),
    departmentCode: 'WJ',
    serviceCode: null,
    numberPrefix: 'CS',
    validityYears: null,
    fields: [
      { id: 'childName', label: l('新生儿姓名', 'Name of the child') },
      { id: 'sex', label: l('性别', 'Sex') },
      { id: 'bornAt', label: l('出生时间', 'Born at') },
      { id: 'birthplace', label: l('出生地点', 'Place of birth') },
      { id: 'mother', label: l('母亲姓名', 'Mother') },
      { id: 'father', label: l('父亲姓名', 'Father') },
    ],
    layout: { orientation: 'portrait', accent: '#1f5f8b' },
  },
];
