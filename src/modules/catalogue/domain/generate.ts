/*
 * A synthetic catalogue of any size, for scale tests and benchmarks (`yiwang catalogue generate --count N`): items
 * built from real kinds of subject and action, valid against the catalogue schema, deterministic for a given count.
 * Never demo data: the demo city's catalogue is written by hand (demo-catalogue.json).
 */
import type { ServiceItemInput } from './catalogue-file.ts';

const SUBJECTS: readonly [string, string][] = [
  ['营业执照', 'business licence'],
  ['食品经营许可证', 'food business licence'],
  ['道路运输经营许可证', 'road transport operating licence'],
  ['建设工程规划许可证', 'construction planning permit'],
  ['排污许可证', 'pollutant discharge permit'],
  ['医疗机构执业许可证', 'medical institution practice licence'],
  ['民办学校办学许可证', 'private school operating licence'],
  ['户外广告设置许可', 'outdoor advertising permit'],
  ['危险化学品经营许可证', 'hazardous chemicals business licence'],
  ['人力资源服务许可证', 'human resources service licence'],
  ['养老机构备案', 'elderly care home registration'],
  ['出租汽车驾驶员证', 'taxi driver certificate'],
  ['消防安全检查合格证', 'fire safety inspection certificate'],
  ['药品经营许可证', 'pharmaceutical trading licence'],
  ['公共场所卫生许可证', 'public venue hygiene licence'],
  ['燃气经营许可证', 'gas supply business licence'],
];
const ACTIONS: readonly [string, string][] = [
  ['核发', 'issue of'],
  ['变更', 'change of'],
  ['延续', 'renewal of'],
  ['注销', 'cancellation of'],
  ['补办', 'replacement of'],
  ['查询', 'enquiry about'],
];
const DISTRICTS: readonly [string, string][] = [
  ['', ''],
  ['东城区', 'Dongcheng District'],
  ['西城区', 'Xicheng District'],
  ['南湖区', 'Nanhu District'],
  ['北山区', 'Beishan District'],
  ['高新区', 'High-tech Zone'],
];

/**
 * `count` items spread over `departments` (codes), `topics` and `lifeEvents` (codes that must exist). Codes are
 * `<department>-<number>` from 5000 up, so generated items never collide with a hand-written catalogue's.
 */
export function generateItems(
  count: number,
  departments: readonly string[],
  topics: readonly string[],
  lifeEvents: readonly string[] = [],
  onProgress?: (generated: number) => void,
): ServiceItemInput[] {
  const perDepartment = new Map<string, number>();
  const items: ServiceItemInput[] = [];
  for (let i = 0; i < count; i++) {
    const department = departments[i % departments.length] as string;
    const n = (perDepartment.get(department) ?? 4999) + 1;
    if (n > 9999) throw new RangeError(`At most 5000 generated items per department: ${count} is too many.`);
    perDepartment.set(department, n);
    const [subjectZh, subjectEn] = SUBJECTS[i % SUBJECTS.length] as [string, string];
    const [actionZh, actionEn] = ACTIONS[Math.floor(i / SUBJECTS.length) % ACTIONS.length] as [
      string,
      string,
    ];
    const [districtZh, districtEn] = DISTRICTS[
      Math.floor(i / (SUBJECTS.length * ACTIONS.length)) % DISTRICTS.length
    ] as [string, string];
    const nameZh = `${districtZh}${subjectZh}${actionZh}（${n}）`;
    const nameEn = `${actionEn.replace(/^./, (c) => c.toUpperCase())} ${subjectEn}${districtEn ? `, ${districtEn}` : ''} (${n})`;
    items.push({
      code: `${department}-${n}`,
      name: { zh: nameZh, en: nameEn },
      summary: { zh: `申请${subjectZh}${actionZh}。`, en: `Apply for the ${actionEn} a ${subjectEn}.` },
      description: {
        zh: `本事项用于${districtZh || '全市'}${subjectZh}的${actionZh}，由市级部门受理。`,
        en: `This service covers the ${actionEn} a ${subjectEn}${districtEn ? ` in ${districtEn}` : ' anywhere in the city'}.`,
      },
      kind: 'administrative_licence',
      audiences: i % 3 === 0 ? ['citizen', 'business'] : ['business'],
      topics: [topics[i % topics.length] as string],
      lifeEvents: lifeEvents.length > 0 && i % 10 === 0 ? [lifeEvents[i % lifeEvents.length] as string] : [],
      department,
      coDepartments: [],
      legalBasis: [
        {
          zh: '《中华人民共和国行政许可法》',
          en: 'Administrative Licensing Law of the People’s Republic of China',
        },
      ],
      conditions: [{ zh: '申请人具有相应的资格。', en: 'The applicant holds the required qualifications.' }],
      materials: [
        { name: { zh: '申请书', en: 'Application form' }, form: 'electronic', count: 1, required: true },
        {
          name: { zh: '申请人身份证明', en: 'Proof of the applicant’s identity' },
          form: 'copy',
          count: 1,
          required: true,
        },
      ],
      fees: [],
      statutoryDays: 20,
      promisedDays: 5 + (i % 10),
      channels: ['online', 'counter'],
      counters: [
        {
          name: { zh: '市政务服务中心综合窗口', en: 'General counter, Government Service Centre' },
          address: { zh: '示范市人民路1号', en: '1 Renmin Road, Demo City' },
          hours: { zh: '周一至周五 9:00-17:00', en: 'Mon–Fri 9:00–17:00' },
          phone: '12345',
        },
      ],
      identityLevel: 2,
      onlineDepth: 'transact',
      related: [],
      faq: [],
      keywords: { zh: [], en: [] },
      effectiveFrom: '2025-01-01',
    });
    if (onProgress && (i + 1) % 1000 === 0) onProgress(1000);
  }
  if (onProgress && count % 1000 !== 0) onProgress(count % 1000);
  return items;
}
