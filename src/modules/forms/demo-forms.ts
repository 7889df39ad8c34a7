import type { FormDefinition, FormPage, Question } from './domain/form-definition.ts';

/**
 * The demo city's application forms (demo-city.md), written in our own words. The applicant's page is filled in
 * from the verified identity; the restaurant form asks about the shop sign only of those who will put one up.
 */

const l = (zh: string, en: string) => ({ 'zh-CN': zh, en });

const APPLICANT: FormPage = {
  id: 'applicant',
  title: l('申请人', 'About you'),
  questions: [
    {
      id: 'name',
      type: 'text',
      label: l('姓名', 'Full name'),
      required: true,
      maxLength: 50,
      dataElement: 'person.name',
    },
    {
      id: 'idNumber',
      type: 'idNumber',
      label: l('居民身份证号码', 'Resident ID number'),
      required: true,
      dataElement: 'person.idNumber',
    },
    {
      id: 'phone',
      type: 'phone',
      label: l('联系电话', 'Phone number'),
      hint: l('审批过程中我们会用这个号码联系您。', 'We call this number if we need to ask you something.'),
      required: true,
      dataElement: 'person.phone',
    },
  ],
};

const text = (id: string, label: ReturnType<typeof l>, maxLength = 100): Question => ({
  id,
  type: 'text',
  label,
  required: true,
  maxLength,
});

const upload = (
  id: string,
  label: ReturnType<typeof l>,
  material: string,
  hint?: ReturnType<typeof l>,
): Question => ({
  id,
  type: 'file',
  label,
  required: true,
  maxBytes: 10 * 1024 * 1024,
  material,
  ...(hint ? { hint } : {}),
});

const YES_NO = [
  { value: 'yes', label: l('是', 'Yes') },
  { value: 'no', label: l('否', 'No') },
];

const BUSINESS: FormPage = {
  id: 'business',
  title: l('经营主体', 'Your business'),
  questions: [
    text('name', l('企业（个体工商户）名称', 'Business name')),
    {
      id: 'creditCode',
      type: 'creditCode',
      label: l('统一社会信用代码', 'Unified social credit code'),
      hint: l('见营业执照，18 位。', 'On the business licence: 18 characters.'),
      required: true,
    },
    {
      id: 'address',
      type: 'address',
      label: l('经营场所地址', 'Address of the premises'),
      required: true,
      maxLength: 200,
    },
  ],
};

export const DEMO_FORMS: Readonly<Record<string, FormDefinition>> = {
  'ZWFW-0101': {
    pages: [
      APPLICANT,
      BUSINESS,
      {
        id: 'premises',
        title: l('经营场所', 'The premises'),
        questions: [
          {
            id: 'seats',
            type: 'number',
            label: l('就餐座位数', 'Number of seats'),
            required: true,
            min: 1,
            max: 2000,
            integer: true,
          },
          {
            id: 'area',
            type: 'number',
            label: l('经营面积（平方米）', 'Floor area (square metres)'),
            required: true,
            min: 1,
            max: 100000,
            integer: false,
          },
          upload(
            'floorPlan',
            l('经营场所平面图', 'Floor plan of the premises'),
            '经营场所平面布局图',
            l('标明厨房、餐厅和消防通道。', 'Mark the kitchen, the dining room and the fire exits.'),
          ),
        ],
      },
      {
        id: 'staff',
        title: l('从业人员健康证明', 'Staff health certificates'),
        questions: [
          {
            id: 'members',
            type: 'group',
            label: l('从事接触直接入口食品工作的人员', 'Staff who handle food'),
            required: true,
            minItems: 1,
            maxItems: 10,
            questions: [
              { id: 'name', type: 'text', label: l('姓名', 'Name'), required: true, maxLength: 50 },
              {
                id: 'certificate',
                type: 'text',
                label: l('健康证明编号', 'Health certificate number'),
                required: true,
                maxLength: 40,
              },
            ],
          },
        ],
      },
      {
        id: 'sign',
        title: l('门头招牌', 'Shop sign'),
        questions: [
          {
            id: 'hasSign',
            type: 'choice',
            label: l('是否设置门头招牌？', 'Will you put up a shop sign?'),
            required: true,
            options: YES_NO,
          },
          {
            id: 'wording',
            type: 'text',
            label: l('招牌文字', 'Wording of the sign'),
            required: true,
            maxLength: 40,
            when: { field: 'sign.hasSign', op: 'eq', value: 'yes' },
          },
          {
            id: 'width',
            type: 'number',
            label: l('招牌宽度（米）', 'Width of the sign (metres)'),
            required: true,
            min: 0.5,
            max: 30,
            integer: false,
            when: { field: 'sign.hasSign', op: 'eq', value: 'yes' },
          },
        ],
      },
    ],
  },
  'SJ-0201': {
    pages: [
      APPLICANT,
      BUSINESS,
      {
        id: 'premises',
        title: l('经营场所', 'The premises'),
        questions: [
          {
            id: 'category',
            type: 'choice',
            label: l('经营项目', 'What you will sell'),
            required: true,
            options: [
              { value: 'catering', label: l('餐饮服务', 'Catering') },
              { value: 'retail', label: l('食品销售', 'Food retail') },
              { value: 'canteen', label: l('单位食堂', 'Staff canteen') },
            ],
          },
          upload('floorPlan', l('经营场所平面图', 'Floor plan of the premises'), '经营场所平面布局图'),
        ],
      },
    ],
  },
  'XF-0101': {
    pages: [
      APPLICANT,
      {
        id: 'venue',
        title: l('场所情况', 'The venue'),
        questions: [
          text('name', l('场所名称', 'Name of the venue')),
          { id: 'address', type: 'address', label: l('场所地址', 'Address'), required: true, maxLength: 200 },
          {
            id: 'capacity',
            type: 'number',
            label: l('最大容纳人数', 'Largest number of people at once'),
            required: true,
            min: 1,
            max: 100000,
            integer: true,
          },
          {
            id: 'opening',
            type: 'date',
            label: l('计划营业日期', 'Planned opening date'),
            required: true,
            notBefore: 'today',
          },
        ],
      },
    ],
  },
  'HB-0104': {
    pages: [
      APPLICANT,
      BUSINESS,
      {
        id: 'emissions',
        title: l('排放情况', 'Emissions'),
        questions: [
          {
            id: 'keyPolluter',
            type: 'choice',
            label: l('是否列入重点排污单位名录？', 'Is the business on the list of key polluters?'),
            required: true,
            options: YES_NO,
          },
          {
            id: 'pollutants',
            type: 'textarea',
            label: l('主要污染物及排放方式', 'Main pollutants and how they are released'),
            required: true,
            maxLength: 1000,
          },
        ],
      },
    ],
  },
  'CG-0101': {
    pages: [
      APPLICANT,
      {
        id: 'sign',
        title: l('招牌情况', 'The sign'),
        questions: [
          text('wording', l('招牌文字', 'Wording of the sign'), 40),
          {
            ...upload(
              'foodLicence',
              l('食品经营许可证', 'Food business licence'),
              '食品经营许可证',
              l('餐饮门店提供。', 'For restaurants.'),
            ),
            required: false,
          },
          {
            id: 'address',
            type: 'address',
            label: l('设置地点', 'Where it will be'),
            required: true,
            maxLength: 200,
          },
          {
            id: 'width',
            type: 'number',
            label: l('招牌宽度（米）', 'Width (metres)'),
            required: true,
            min: 0.5,
            max: 30,
            integer: false,
          },
        ],
      },
    ],
  },
  'GJJ-0103': {
    pages: [
      APPLICANT,
      {
        id: 'purchase',
        title: l('购房情况', 'The purchase'),
        questions: [
          {
            id: 'price',
            type: 'money',
            label: l('购房总价（元）', 'Purchase price (yuan)'),
            required: true,
            minFen: 100,
          },
          {
            id: 'signed',
            type: 'date',
            label: l('合同签订日期', 'Date the contract was signed'),
            required: true,
            notAfter: 'today',
          },
          upload('contract', l('购房合同', 'Purchase contract'), '购房合同或不动产权证书'),
        ],
      },
    ],
  },
};
