import type { StaffRole } from './contract.ts';

/**
 * The demo city's people (shared/docs/demo-city.md), one per role. Demo mode only: their shared password is
 * printed on first start and listed in the README, so it must never exist on a real deployment.
 */
export const DEMO_PASSWORD = 'shifan-demo-2026';

export interface DemoPerson {
  username: string;
  nameZh: string;
  nameEn: string;
  kind: 'public' | 'staff';
  assuranceLevel: 1 | 2 | 3;
  roles: { departmentCode: string; role: StaffRole }[];
  descriptionEn: string;
  /** 17 digits of a demo resident ID number (division code 990100, which no real place has); the check digit is computed. */
  idFirst17: string;
  phone: string;
}

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  {
    username: 'zhangwei',
    nameZh: '张伟',
    nameEn: 'Zhang Wei',
    kind: 'public',
    assuranceLevel: 2,
    roles: [],
    descriptionEn: 'citizen, identity verified (L2)',
    idFirst17: '99010019880512003',
    phone: '13900000001',
  },
  {
    username: 'lina',
    nameZh: '李娜',
    nameEn: 'Li Na',
    kind: 'public',
    assuranceLevel: 1,
    roles: [],
    descriptionEn: 'citizen, self-registered (L1)',
    idFirst17: '99010019920815002',
    phone: '13900000002',
  },
  {
    username: 'wangfang',
    nameZh: '王芳',
    nameEn: 'Wang Fang',
    kind: 'public',
    assuranceLevel: 2,
    roles: [],
    descriptionEn: 'legal representative of 示范市味道餐饮有限公司',
    idFirst17: '99010019850302004',
    phone: '13900000003',
  },
  {
    username: 'chenjing',
    nameZh: '陈静',
    nameEn: 'Chen Jing',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'ZWFW', role: 'clerk' }],
    descriptionEn: 'counter clerk, Government Service Centre',
    idFirst17: '99010019900101002',
    phone: '13900000004',
  },
  {
    username: 'liuyang',
    nameZh: '刘洋',
    nameEn: 'Liu Yang',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'SJ', role: 'clerk' }],
    descriptionEn: 'clerk, Market Regulation',
    idFirst17: '99010019870623001',
    phone: '13900000005',
  },
  {
    username: 'zhaolei',
    nameZh: '赵磊',
    nameEn: 'Zhao Lei',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'XF', role: 'clerk' }],
    descriptionEn: 'clerk, Fire and Rescue',
    idFirst17: '99010019890911003',
    phone: '13900000006',
  },
  {
    username: 'sunli',
    nameZh: '孙丽',
    nameEn: 'Sun Li',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'HB', role: 'clerk' }],
    descriptionEn: 'clerk, Ecology and Environment',
    idFirst17: '99010019910227004',
    phone: '13900000007',
  },
  {
    username: 'zhouqiang',
    nameZh: '周强',
    nameEn: 'Zhou Qiang',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'CG', role: 'clerk' }],
    descriptionEn: 'clerk, Urban Management',
    idFirst17: '99010019860708005',
    phone: '13900000008',
  },
  {
    username: 'wumin',
    nameZh: '吴敏',
    nameEn: 'Wu Min',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'SJ', role: 'head' }],
    descriptionEn: 'head, Market Regulation',
    idFirst17: '99010019790419002',
    phone: '13900000009',
  },
  {
    username: 'zhenghao',
    nameZh: '郑浩',
    nameEn: 'Zheng Hao',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'GA', role: 'data_steward' }],
    descriptionEn: 'data steward, Public Security',
    idFirst17: '99010019830530007',
    phone: '13900000010',
  },
  {
    username: 'hejing',
    nameZh: '何静',
    nameEn: 'He Jing',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'ZWFW', role: 'hotline_operator' }],
    descriptionEn: 'hotline operator, 12345',
    idFirst17: '99010019930316006',
    phone: '13900000011',
  },
  {
    username: 'machao',
    nameZh: '马超',
    nameEn: 'Ma Chao',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'DSJ', role: 'platform_admin' }],
    descriptionEn: 'platform administrator / CIO, Big Data Bureau',
    idFirst17: '99010019820120009',
    phone: '13900000012',
  },
  {
    username: 'linfeng',
    nameZh: '林峰',
    nameEn: 'Lin Feng',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'DSJ', role: 'auditor' }],
    descriptionEn: 'auditor',
    idFirst17: '99010019801104001',
    phone: '13900000013',
  },
  {
    username: 'huanglei',
    nameZh: '黄磊',
    nameEn: 'Huang Lei',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'BGT', role: 'leader' }],
    descriptionEn: 'city leader (answers the mailbox)',
    idFirst17: '99010019720915005',
    phone: '13900000014',
  },
];

/**
 * The demo city's population register (人口库), as the demo verifier sees it: residents who may register online and
 * be verified at L2. Besides the people above, three residents who have no account yet.
 */
export const DEMO_REGISTER: readonly { name: string; idFirst17: string }[] = [
  ...DEMO_PEOPLE.map((p) => ({ name: p.nameZh, idFirst17: p.idFirst17 })),
  { name: '赵敏', idFirst17: '99010019950601002' },
  { name: '钱进', idFirst17: '99010019780211003' },
  { name: '孙悦', idFirst17: '99010020010930004' },
];

/** A legal entity as the business register (企业登记) records it. */
export interface DemoLegalEntity {
  /** The first 17 characters of the unified social credit code; the check character is computed (GB 32100). */
  creditFirst17: string;
  nameZh: string;
  nameEn: string;
  kind: 'enterprise' | 'social_organisation' | 'public_institution' | 'other';
  /** The legal representative's name and ID number (first 17 digits) as registered. */
  legalRepresentative: { name: string; idFirst17: string };
}

/**
 * The demo city's business register: the restaurant company of the core story (王芳 its legal representative), a
 * shop whose representative has no account yet, and a social work centre (李娜, who must verify her identity first).
 * Credit codes carry the demo division code 990100.
 */
export const DEMO_BUSINESS_REGISTER: readonly DemoLegalEntity[] = [
  {
    creditFirst17: '91990100MA0000013',
    nameZh: '示范市味道餐饮有限公司',
    nameEn: 'Shifan Flavour Catering Co., Ltd.',
    kind: 'enterprise',
    legalRepresentative: { name: '王芳', idFirst17: '99010019850302004' },
  },
  {
    creditFirst17: '91990100MA0000021',
    nameZh: '示范市便民超市有限公司',
    nameEn: 'Shifan Neighbourhood Supermarket Co., Ltd.',
    kind: 'enterprise',
    legalRepresentative: { name: '钱进', idFirst17: '99010019780211003' },
  },
  {
    creditFirst17: '52990100MJ0000031',
    nameZh: '示范市阳光社会工作服务中心',
    nameEn: 'Shifan Sunshine Social Work Centre',
    kind: 'social_organisation',
    legalRepresentative: { name: '李娜', idFirst17: '99010019920815002' },
  },
];
