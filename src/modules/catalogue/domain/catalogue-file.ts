/*
 * The catalogue as a file: what `yiwang catalogue import` reads and `export` writes (JSON; CSV carries the same
 * fields flattened), and what the demo catalogue is written in. One Zod schema states the rules, so a bad row is
 * told exactly what is wrong with it. Pure: no I/O. The schema's own messages are keys (`error.…`) of the catalogue's
 * messages, translated when a problem is shown; Zod's generic ones come from its locale for the reader's language.
 */
import { z } from 'zod';

/** Text in both languages of the platform. Chinese is required; English is required too: the portal is bilingual. */
export const Bilingual = z.object({
  zh: z.string().trim().min(1, 'error.zhRequired').max(4000),
  en: z.string().trim().min(1, 'error.enRequired').max(4000),
});
export type Bilingual = z.infer<typeof Bilingual>;

/** Who a service is for: the portal's first division, never the department. */
export const AUDIENCES = ['citizen', 'business', 'international'] as const;
export type Audience = (typeof AUDIENCES)[number];

/** The kinds of government service item (事项类型) that Chinese catalogues list. */
export const SERVICE_KINDS = [
  'administrative_licence', // 行政许可
  'administrative_confirmation', // 行政确认
  'administrative_payment', // 行政给付
  'administrative_ruling', // 行政裁决
  'administrative_record', // 行政备案
  'public_service', // 公共服务
  'other', // 其他行政权力
] as const;

/** How a material is handed in. */
export const MATERIAL_FORMS = ['original', 'copy', 'electronic'] as const;

/** Where a service can be done. */
export const CHANNELS = ['online', 'counter', 'post', 'hotline'] as const;

/** How far a service goes online (the maturity index's depth): publish → interact → transact → integrate. */
export const ONLINE_DEPTHS = ['publish', 'interact', 'transact', 'integrate'] as const;

const CODE = /^[A-Z]{2,6}-\d{4}$/;
const SLUG = /^[a-z][a-z0-9-]{1,40}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A material to prepare (申请材料). */
export const Material = z.object({
  name: Bilingual,
  form: z.enum(MATERIAL_FORMS),
  count: z.number().int().min(1).max(20),
  required: z.boolean(),
  /** What can stand in for it so the person brings nothing (材料免提交): a certificate type, or data held. */
  replaceableBy: z
    .object({
      /** A certificate type code of the certificates module, e.g. `food-business-licence`. */
      certificateType: z.string().regex(SLUG).optional(),
      /** A standard data element the government already holds, e.g. `resident.household-register`. */
      dataElement: z
        .string()
        .regex(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/)
        .optional(),
    })
    .refine((r) => r.certificateType !== undefined || r.dataElement !== undefined, {
      message: 'error.replaceableBy',
    })
    .optional(),
  notes: Bilingual.optional(),
});

/** A fee, in fen (分): never floats. */
export const Fee = z.object({
  item: Bilingual,
  amountFen: z.number().int().min(0).max(100_000_000),
  basis: Bilingual,
});

/** A counter where the service is done in person, with its real contact. */
export const Counter = z.object({
  name: Bilingual,
  address: Bilingual,
  hours: Bilingual,
  phone: z.string().regex(/^[0-9-]{5,20}$/),
});

/** A `when` for a rule across fields: run it if none of the issues so far concerns the fields it reads. */
function readable(...fields: string[]) {
  return (payload: { issues: readonly { path?: readonly PropertyKey[] }[] }) =>
    !payload.issues.some((issue) => fields.includes(String(issue.path?.[0])));
}

/** One service item (事项) of the catalogue. */
export const ServiceItemInput = z
  .object({
    /** `<department>-<4 digits>`, e.g. `SJ-0101`; stable across versions. */
    code: z.string().regex(CODE, 'error.code'),
    name: Bilingual,
    /** One sentence for cards and search results. */
    summary: Bilingual,
    description: Bilingual,
    kind: z.enum(SERVICE_KINDS),
    audiences: z.array(z.enum(AUDIENCES)).min(1),
    topics: z.array(z.string().regex(SLUG)).min(1),
    lifeEvents: z.array(z.string().regex(SLUG)).default([]),
    /** The responsible department's code (organisations module). */
    department: z.string().regex(/^[A-Z]{2,6}$/),
    coDepartments: z.array(z.string().regex(/^[A-Z]{2,6}$/)).default([]),
    legalBasis: z.array(Bilingual).min(1),
    conditions: z.array(Bilingual).default([]),
    materials: z.array(Material).default([]),
    fees: z.array(Fee).default([]),
    /** Working days (the kernel calendar): the law's limit, and the shorter one the city promises. */
    statutoryDays: z.number().int().min(0).max(365),
    promisedDays: z.number().int().min(0).max(365),
    channels: z.array(z.enum(CHANNELS)).min(1),
    counters: z.array(Counter).default([]),
    /** The identity assurance level an online application needs (1 self-registered … 3 verified in person). */
    identityLevel: z.union([z.literal(1), z.literal(2), z.literal(3)]),
    onlineDepth: z.enum(ONLINE_DEPTHS),
    related: z.array(z.string().regex(CODE)).default([]),
    faq: z.array(z.object({ q: Bilingual, a: Bilingual })).default([]),
    /** Words people use for it that its name does not contain (e.g. 开餐馆 for a food business licence). */
    keywords: z
      .object({ zh: z.array(z.string().min(1).max(40)), en: z.array(z.string().min(1).max(60)) })
      .default({ zh: [], en: [] }),
    effectiveFrom: z.string().regex(DAY),
    effectiveUntil: z.string().regex(DAY).optional(),
  })
  // Each rule across fields runs when the fields it reads are valid, even if others are not (Zod's `when`), so a
  // row or a form is told every problem in one pass.
  .refine((i) => i.promisedDays <= i.statutoryDays, {
    path: ['promisedDays'],
    message: 'error.promisedDays',
    when: readable('promisedDays', 'statutoryDays'),
  })
  .refine((i) => !i.channels.includes('counter') || i.counters.length > 0, {
    path: ['counters'],
    message: 'error.counters',
    when: readable('channels', 'counters'),
  })
  .refine((i) => !i.coDepartments.includes(i.department), {
    path: ['coDepartments'],
    message: 'error.coDepartments',
    when: readable('department', 'coDepartments'),
  });
export type ServiceItemInput = z.infer<typeof ServiceItemInput>;

/** A topic (主题) the portal groups services by. */
export const TopicInput = z.object({ code: z.string().regex(SLUG), name: Bilingual });

/** A life event (人生大事): an ordered journey through services of several departments. */
export const LifeEventInput = z.object({
  code: z.string().regex(SLUG),
  name: Bilingual,
  summary: Bilingual,
  audience: z.enum(AUDIENCES),
  steps: z
    .array(
      z.object({
        title: Bilingual,
        description: Bilingual,
        services: z.array(z.string().regex(CODE)).min(1),
      }),
    )
    .min(2),
});

/** A group of words that mean the same to a person searching (营业执照 ~ business licence ~ 执照). */
export const SynonymInput = z.array(z.string().trim().min(1).max(40)).min(2);

/** A whole catalogue file. */
export const CatalogueFile = z.object({
  format: z.literal('yiwang-catalogue'),
  version: z.literal(1),
  topics: z.array(TopicInput).default([]),
  lifeEvents: z.array(LifeEventInput).default([]),
  synonyms: z.array(SynonymInput).default([]),
  items: z.array(z.unknown()),
});
