/*
 * Many members of the public at once, for scale tests (`yiwang seed --scale`): accounts with valid-looking resident
 * ID numbers, phones and e-mail addresses, so that every lookup a real registration, password reset or counter
 * intake makes (by ID number, phone, e-mail) meets a city-sized table. Written with one set-based INSERT per batch.
 *
 * Generated people cannot sign in: they share one argon2id hash of a random password that is thrown away. Their ID
 * numbers use the division code 990199, which no real place has (the demo people use 990100), their phones the
 * 1380 block, their addresses example.org (reserved for examples, RFC 2606). Their account ids are
 * `generatedId('acct', n)`, which is how generated cases name them as applicants. No audit record is written for
 * them: they stand for people who registered before the platform kept one.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../kernel/db/database.ts';
import { generatedId } from '../../kernel/ids.ts';
import type { Progress } from '../../kernel/progress.ts';
import { residentIdCheckCharacter } from './domain/identifiers.ts';
import { hashPassword } from './domain/passwords.ts';

/** The division code of generated people's ID numbers: not a real place, and not the demo people's (990100). */
export const GENERATED_DIVISION = '990199';
/** How many people can be generated with distinct ID numbers: a birth day by a three-digit sequence. */
const BIRTH_DAYS = 24_000;
export const MAX_GENERATED_PEOPLE = BIRTH_DAYS * 1000;
/** 1945-01-01 as a day number: birth dates run from there over BIRTH_DAYS days (about 65 years). */
const FIRST_BIRTH_DAY = Date.UTC(1945, 0, 1) / 86_400_000;

// Common surnames and given-name characters with their pinyin, so the English display name is the person's name.
const SURNAMES: readonly [string, string][] = [
  ['王', 'Wang'],
  ['李', 'Li'],
  ['张', 'Zhang'],
  ['刘', 'Liu'],
  ['陈', 'Chen'],
  ['杨', 'Yang'],
  ['黄', 'Huang'],
  ['赵', 'Zhao'],
  ['吴', 'Wu'],
  ['周', 'Zhou'],
  ['徐', 'Xu'],
  ['孙', 'Sun'],
  ['马', 'Ma'],
  ['朱', 'Zhu'],
  ['胡', 'Hu'],
  ['郭', 'Guo'],
  ['何', 'He'],
  ['林', 'Lin'],
  ['罗', 'Luo'],
  ['高', 'Gao'],
];
const GIVEN: readonly [string, string][] = [
  ['伟', 'Wei'],
  ['芳', 'Fang'],
  ['娜', 'Na'],
  ['敏', 'Min'],
  ['静', 'Jing'],
  ['丽', 'Li'],
  ['强', 'Qiang'],
  ['磊', 'Lei'],
  ['军', 'Jun'],
  ['洋', 'Yang'],
  ['勇', 'Yong'],
  ['艳', 'Yan'],
  ['杰', 'Jie'],
  ['娟', 'Juan'],
  ['涛', 'Tao'],
  ['明', 'Ming'],
  ['超', 'Chao'],
  ['秀', 'Xiu'],
  ['华', 'Hua'],
  ['平', 'Ping'],
  ['建', 'Jian'],
  ['国', 'Guo'],
  ['文', 'Wen'],
  ['玲', 'Ling'],
];

/** One generated person: a pure function of `n`, so the same number always gives the same person. */
export interface GeneratedPerson {
  id: string;
  username: string;
  nameZh: string;
  nameEn: string;
  idNumber: string;
  phone: string;
  email: string;
  assuranceLevel: 1 | 2 | 3;
  preferredLocale: 'zh-CN' | 'en';
}

export function generatedPerson(n: number): GeneratedPerson {
  if (!Number.isSafeInteger(n) || n < 0 || n >= MAX_GENERATED_PEOPLE)
    throw new RangeError(`Generated people are numbered from 0 to ${MAX_GENERATED_PEOPLE - 1}: ${n}`);
  const [surnameZh, surnameEn] = SURNAMES[n % SURNAMES.length] as [string, string];
  const [firstZh, firstEn] = GIVEN[Math.floor(n / SURNAMES.length) % GIVEN.length] as [string, string];
  // Half the people have a two-character given name.
  const second = Math.floor(n / (SURNAMES.length * GIVEN.length)) % (GIVEN.length * 2);
  const [secondZh, secondEn] = second < GIVEN.length ? (GIVEN[second] as [string, string]) : ['', ''];
  const birth = new Date((FIRST_BIRTH_DAY + (n % BIRTH_DAYS)) * 86_400_000).toISOString().slice(0, 10);
  const first17 = `${GENERATED_DIVISION}${birth.replaceAll('-', '')}${String(Math.floor(n / BIRTH_DAYS)).padStart(3, '0')}`;
  const username = `gen-person-${n}`;
  return {
    id: generatedId('acct', n),
    username,
    nameZh: `${surnameZh}${firstZh}${secondZh}`,
    nameEn: `${surnameEn} ${firstEn}${secondEn.toLowerCase()}`,
    idNumber: first17 + residentIdCheckCharacter(first17),
    phone: `1380${String(n).padStart(7, '0')}`,
    email: `${username}@example.org`,
    // Most people verified their identity against the population register; some only registered, a few at a counter.
    assuranceLevel: n % 10 < 7 ? 2 : n % 10 < 9 ? 1 : 3,
    preferredLocale: n % 25 === 0 ? 'en' : 'zh-CN',
  };
}

export interface GeneratePeopleOptions {
  progress?: Progress;
  /** People per INSERT. Default 5,000. */
  batchSize?: number;
  /** How many years back the accounts were opened. Default 5. */
  years?: number;
}

/**
 * Makes sure generated people 0 … `count` − 1 exist: inserts those missing (a second run, or one after a crash, adds
 * only what is not there), then refreshes the planner's statistics. Returns how many were added.
 */
export async function generatePeople(
  db: Db,
  count: number,
  options: GeneratePeopleOptions = {},
): Promise<{ added: number }> {
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_GENERATED_PEOPLE)
    throw new RangeError(`Not a number of people to generate: ${count}`);
  const batchSize = Math.max(1, Math.trunc(options.batchSize ?? 5000));
  const years = options.years ?? 5;
  // Nobody knows this password: generated people are data, not accounts anyone signs in to.
  const passwordHash = await hashPassword(randomBytes(32).toString('base64url'));
  const now = Date.now();
  let added = 0;
  for (let from = 0; from < count; from += batchSize) {
    const people: GeneratedPerson[] = [];
    for (let n = from; n < Math.min(count, from + batchSize); n++) people.push(generatedPerson(n));
    const column = <K extends keyof GeneratedPerson>(key: K) => sql.param(people.map((p) => p[key]));
    // Opened oldest first over the years, as the numbers go.
    const created = sql.param(
      people.map((_, i) =>
        new Date(now - Math.round(((count - from - i) / count) * years * 365.25 * 86_400_000)).toISOString(),
      ),
    );
    const rows = await queryRows<{ n: number }>(
      db,
      sql`with inserted as (
            insert into identity_accounts (id, username, display_name_zh, display_name_en, kind, id_type, id_number,
              phone, email, preferred_locale, assurance_level, password_hash, clearance, password_changed_at,
              created_at)
            select p.id, p.username, p.name_zh, p.name_en, 'public', 'resident_id', p.id_number, p.phone, p.email,
              p.locale, p.level, ${passwordHash}, 'public', p.created, p.created
            from unnest(${column('id')}::text[], ${column('username')}::text[], ${column('nameZh')}::text[],
              ${column('nameEn')}::text[], ${column('idNumber')}::text[], ${column('phone')}::text[],
              ${column('email')}::text[], ${column('preferredLocale')}::text[], ${column('assuranceLevel')}::int[],
              ${created}::timestamptz[])
              as p(id, username, name_zh, name_en, id_number, phone, email, locale, level, created)
            on conflict do nothing
            returning 1
          )
          select count(*)::int as n from inserted`,
    );
    added += rows[0]?.n ?? 0;
    options.progress?.tick(people.length);
  }
  if (count > 0) await db.execute(sql`analyze identity_accounts`);
  return { added };
}
