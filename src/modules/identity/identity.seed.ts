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
  },
  {
    username: 'lina',
    nameZh: '李娜',
    nameEn: 'Li Na',
    kind: 'public',
    assuranceLevel: 1,
    roles: [],
    descriptionEn: 'citizen, self-registered (L1)',
  },
  {
    username: 'wangfang',
    nameZh: '王芳',
    nameEn: 'Wang Fang',
    kind: 'public',
    assuranceLevel: 2,
    roles: [],
    descriptionEn: 'legal representative of 示范市味道餐饮有限公司',
  },
  {
    username: 'chenjing',
    nameZh: '陈静',
    nameEn: 'Chen Jing',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'ZWFW', role: 'clerk' }],
    descriptionEn: 'counter clerk, Government Service Centre',
  },
  {
    username: 'liuyang',
    nameZh: '刘洋',
    nameEn: 'Liu Yang',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'SJ', role: 'clerk' }],
    descriptionEn: 'clerk, Market Regulation',
  },
  {
    username: 'zhaolei',
    nameZh: '赵磊',
    nameEn: 'Zhao Lei',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'XF', role: 'clerk' }],
    descriptionEn: 'clerk, Fire and Rescue',
  },
  {
    username: 'sunli',
    nameZh: '孙丽',
    nameEn: 'Sun Li',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'HB', role: 'clerk' }],
    descriptionEn: 'clerk, Ecology and Environment',
  },
  {
    username: 'zhouqiang',
    nameZh: '周强',
    nameEn: 'Zhou Qiang',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'CG', role: 'clerk' }],
    descriptionEn: 'clerk, Urban Management',
  },
  {
    username: 'wumin',
    nameZh: '吴敏',
    nameEn: 'Wu Min',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'SJ', role: 'head' }],
    descriptionEn: 'head, Market Regulation',
  },
  {
    username: 'zhenghao',
    nameZh: '郑浩',
    nameEn: 'Zheng Hao',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'GA', role: 'data_steward' }],
    descriptionEn: 'data steward, Public Security',
  },
  {
    username: 'hejing',
    nameZh: '何静',
    nameEn: 'He Jing',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'ZWFW', role: 'hotline_operator' }],
    descriptionEn: 'hotline operator, 12345',
  },
  {
    username: 'machao',
    nameZh: '马超',
    nameEn: 'Ma Chao',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'DSJ', role: 'platform_admin' }],
    descriptionEn: 'platform administrator / CIO, Big Data Bureau',
  },
  {
    username: 'linfeng',
    nameZh: '林峰',
    nameEn: 'Lin Feng',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'DSJ', role: 'auditor' }],
    descriptionEn: 'auditor',
  },
  {
    username: 'huanglei',
    nameZh: '黄磊',
    nameEn: 'Huang Lei',
    kind: 'staff',
    assuranceLevel: 3,
    roles: [{ departmentCode: 'BGT', role: 'leader' }],
    descriptionEn: 'city leader (answers the mailbox)',
  },
];
