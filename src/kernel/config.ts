import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseSmtpUrl, SMTP_URL_EXPECTED, type SmtpSettings } from './mail/smtp-url.ts';
import {
  parseSmsGatewayUrl,
  parseSmsToken,
  SMS_TOKEN_EXPECTED,
  SMS_URL_EXPECTED,
} from './sms/gateway-url.ts';

/** Which database the platform runs on: embedded PGlite in the data directory, or a PostgreSQL server. */
export type DatabaseMode = 'embedded' | 'server';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The validated configuration of one process. Built only by `loadConfig`. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  mode: DatabaseMode;
  /** Secret for sessions and key encryption; undefined in embedded mode means "generate and keep one in the data directory". */
  secret: string | undefined;
  logLevel: LogLevel;
  timeZone: string;
  /** Seed the demo city: 'auto' seeds on the first embedded start only. */
  demo: 'auto' | 'always' | 'never';
  /** Where mail goes; undefined: stored only (and readable at /dev/mailbox when devMailbox). */
  smtp: SmtpSettings | undefined;
  /** The From address of every mail. */
  mailFrom: string;
  /** Serve /dev/mailbox, which shows every mail and text message (codes included) to anyone: embedded demo only. */
  devMailbox: boolean;
  /** The HTTP SMS gateway; undefined: text messages are stored only (and readable at /dev/mailbox when devMailbox). */
  sms: { url: URL; token: string } | undefined;
  /** Whether this web process also works on background jobs (always true in embedded mode). */
  runJobs: boolean;
  dbPoolSize: number;
  /** The address people use (`https://…` behind TLS): decides Secure cookies, HSTS and the CSP upgrade. */
  publicUrl: URL | undefined;
  /** Served over HTTPS, as far as people are concerned (from `publicUrl`). */
  behindTls: boolean;
  /** Which proxies' X-Forwarded-* headers to believe (Fastify's `trustProxy`): none by default. */
  trustProxy: boolean | number | string[];
  /** How long audit records stay online before they may be archived and removed: at least 180 days. */
  auditRetentionDays: number;
  /** Staff passwords older than this many days must be replaced after the second factor; 0 means never (the default). */
  staffPasswordMaxAgeDays: number;
  /** How certificates are signed: Ed25519 (international), or SM2 with SM3 where 国密 is required. */
  signatureSuite: 'ed25519' | 'sm2';
  /** Requests per minute from one client address before 429 (kernel/http/throttle.ts); 0 turns a budget off. */
  throttle: Throttle;
}

/** Per-address budgets, per minute, of the routes a flood aims at. */
export interface Throttle {
  /** Sign-in, second-factor, registration and password-reset form posts. */
  signIn: number;
  /** Anonymous look-ups: the search page and API, certificate verification by number. */
  lookups: number;
}

/** A configuration value that cannot be used; `message` is one line naming the variable and the expected form. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`Invalid configuration: ${variable} must be ${expected} (got ${describeValue(variable, got)}).`);
    this.name = 'ConfigError';
  }
}

// Messages go to stderr and logs: never print a secret, or the password inside a database URL.
function describeValue(variable: string, got: string): string {
  if (variable === 'YIWANG_SECRET') return got === '' ? 'nothing' : `${got.length} characters`;
  if (variable === 'DATABASE_URL') return JSON.stringify(got.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@'));
  if (variable === 'YIWANG_SMS_TOKEN') return got === '' ? 'nothing' : `${got.length} characters`;
  // A provider's URL may carry a key in its query or user part: show neither.
  if (variable === 'YIWANG_SMS_URL') {
    return JSON.stringify(got.replace(/\/\/[^/?#]*@/, '//***@').replace(/\?.*$/s, '?***'));
  }
  return JSON.stringify(got);
}

type Source = Record<string, string | undefined>;

interface Variable<T> {
  name: string;
  expected: string;
  parse(raw: string): T | undefined;
}

function read<T>(source: Source, variable: Variable<T>, fallback: T): T {
  const raw = source[variable.name];
  if (raw === undefined || raw === '') return fallback;
  const value = variable.parse(raw.trim());
  if (value === undefined) throw new ConfigError(variable.name, variable.expected, raw);
  return value;
}

const integer = (min: number, max: number) => (raw: string) => {
  if (!/^\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= min && n <= max ? n : undefined;
};

const oneOf =
  <T extends string>(...values: T[]) =>
  (raw: string) =>
    (values as string[]).includes(raw.toLowerCase()) ? (raw.toLowerCase() as T) : undefined;

const bool = (raw: string) => {
  const v = raw.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return undefined;
};

function isTimeZone(raw: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: raw });
    return true;
  } catch {
    return false;
  }
}

function isPostgresUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.pathname.length > 1;
  } catch {
    return false;
  }
}

/** Reads an optional JSON config file (`YIWANG_CONFIG_FILE`); the environment overrides what it says. */
function readConfigFile(env: Source): Source {
  const file = env.YIWANG_CONFIG_FILE;
  if (!file) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      'YIWANG_CONFIG_FILE',
      'the path of a readable JSON file',
      `${file}: ${(error as Error).message}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('YIWANG_CONFIG_FILE', 'a JSON object of variable names to values', file);
  }
  return Object.fromEntries(
    Object.entries(parsed).map(([key, value]) => [key, value === null ? undefined : String(value)]),
  );
}

/**
 * Builds the configuration from the environment (and an optional JSON file), validating every value.
 * Throws `ConfigError` on the first bad value; the CLI prints its one-line message and exits with 78.
 */
export function loadConfig(env: Source = process.env): Config {
  const source: Source = { ...readConfigFile(env), ...env };
  const databaseUrl = read<string | undefined>(
    source,
    {
      name: 'DATABASE_URL',
      expected:
        'a PostgreSQL URL such as postgres://user@127.0.0.1:5432/yiwang, or unset for the embedded database',
      parse: (raw) => (isPostgresUrl(raw) ? raw : undefined),
    },
    undefined,
  );
  const mode: DatabaseMode = databaseUrl ? 'server' : 'embedded';
  const secret = read<string | undefined>(
    source,
    {
      name: 'YIWANG_SECRET',
      expected: 'at least 32 characters of random text',
      parse: (raw) => (raw.length >= 32 ? raw : undefined),
    },
    undefined,
  );
  if (mode === 'server' && !secret) {
    // Several server instances must share one secret, so none of them may invent its own.
    throw new ConfigError('YIWANG_SECRET', 'set (at least 32 characters) when DATABASE_URL is set', '');
  }
  const runJobs = read(source, { name: 'YIWANG_RUN_JOBS', expected: 'true or false', parse: bool }, true);
  const publicUrl = read<URL | undefined>(
    source,
    {
      name: 'YIWANG_PUBLIC_URL',
      expected: 'an http:// or https:// URL such as https://zwfw.example.gov.cn',
      parse: (raw) => {
        try {
          const url = new URL(raw);
          return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
        } catch {
          return undefined;
        }
      },
    },
    undefined,
  );
  const trustProxy = read<boolean | number | string[]>(
    source,
    {
      name: 'YIWANG_TRUST_PROXY',
      expected: 'false, true, a number of proxy hops, or a comma-separated list of proxy addresses',
      parse: (raw) => {
        const flag = bool(raw);
        if (flag !== undefined) return flag;
        if (/^\d{1,2}$/.test(raw)) return Number(raw);
        const list = raw.split(',').map((s) => s.trim());
        return list.every((s) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(s)) ? list : undefined;
      },
    },
    false,
  );
  const demo = read(
    source,
    { name: 'YIWANG_DEMO', expected: 'auto, always or never', parse: oneOf('auto', 'always', 'never') },
    'auto',
  );
  const smtp = read<SmtpSettings | undefined>(
    source,
    { name: 'YIWANG_SMTP_URL', expected: SMTP_URL_EXPECTED, parse: parseSmtpUrl },
    undefined,
  );
  const mailFrom = read(
    source,
    {
      name: 'YIWANG_MAIL_FROM',
      expected:
        'an e-mail address such as noreply@shifan.gov.example, or 示范市政务服务 <noreply@shifan.gov.example>',
      parse: (raw) =>
        /^(?:[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/.test(raw) ? raw : undefined,
    },
    'noreply@shifan.gov.example',
  );
  const smsUrl = read<URL | undefined>(
    source,
    { name: 'YIWANG_SMS_URL', expected: SMS_URL_EXPECTED, parse: parseSmsGatewayUrl },
    undefined,
  );
  const smsToken = read<string | undefined>(
    source,
    { name: 'YIWANG_SMS_TOKEN', expected: SMS_TOKEN_EXPECTED, parse: parseSmsToken },
    undefined,
  );
  if (smsUrl && !smsToken) {
    throw new ConfigError('YIWANG_SMS_TOKEN', `set when YIWANG_SMS_URL is set (${SMS_TOKEN_EXPECTED})`, '');
  }
  if (smsToken && !smsUrl) {
    // A token without a gateway is a typo or a half-finished change: say so rather than drop messages quietly.
    throw new ConfigError('YIWANG_SMS_URL', `set when YIWANG_SMS_TOKEN is set (${SMS_URL_EXPECTED})`, '');
  }
  const sms = smsUrl && smsToken ? { url: smsUrl, token: smsToken } : undefined;
  // The development mailbox shows every mail and text message, one-time codes included, to anyone who can open
  // the site: by default only when nothing really goes out.
  const devMailbox = read(
    source,
    { name: 'YIWANG_DEV_MAILBOX', expected: 'true or false', parse: bool },
    mode === 'embedded' && !smtp && !sms && demo !== 'never',
  );
  if (devMailbox && mode === 'server') {
    throw new ConfigError(
      'YIWANG_DEV_MAILBOX',
      'false or unset when DATABASE_URL is set (it shows every mail to anyone)',
      'true',
    );
  }
  return {
    publicUrl,
    behindTls: publicUrl?.protocol === 'https:',
    trustProxy,
    port: read(
      source,
      { name: 'PORT', expected: 'an integer from 0 to 65535', parse: integer(0, 65535) },
      3000,
    ),
    host: read(
      source,
      {
        name: 'HOST',
        expected: 'a host name or IP address',
        parse: (raw) => (/^[\w.:-]+$/.test(raw) ? raw : undefined),
      },
      '127.0.0.1',
    ),
    dataDir: path.resolve(
      read(source, { name: 'YIWANG_DATA_DIR', expected: 'a directory path', parse: (raw) => raw }, './data'),
    ),
    databaseUrl,
    mode,
    secret,
    logLevel: read(
      source,
      {
        name: 'LOG_LEVEL',
        expected: 'one of fatal, error, warn, info, debug, trace, silent',
        parse: oneOf<LogLevel>('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
      },
      'info',
    ),
    timeZone: read(
      source,
      {
        name: 'YIWANG_TIME_ZONE',
        expected: 'an IANA time zone such as Asia/Shanghai',
        parse: (raw) => (isTimeZone(raw) ? raw : undefined),
      },
      'Asia/Shanghai',
    ),
    demo,
    smtp,
    mailFrom,
    devMailbox,
    sms,
    runJobs: mode === 'embedded' ? true : runJobs,
    dbPoolSize: read(
      source,
      { name: 'YIWANG_DB_POOL_SIZE', expected: 'an integer from 1 to 200', parse: integer(1, 200) },
      10,
    ),
    auditRetentionDays: read(
      source,
      {
        name: 'YIWANG_AUDIT_RETENTION_DAYS',
        expected: 'a number of days from 180 (the legal minimum) to 36500',
        parse: integer(180, 36500),
      },
      180,
    ),
    // Off by default (ASVS: no forced periodic change); graded-protection assessments may ask for it.
    staffPasswordMaxAgeDays: read(
      source,
      {
        name: 'YIWANG_STAFF_PASSWORD_MAX_AGE_DAYS',
        expected: 'a number of days from 1 to 3650, or 0 for no expiry',
        parse: integer(0, 3650),
      },
      0,
    ),
    signatureSuite: read(
      source,
      { name: 'YIWANG_SIGNATURE_SUITE', expected: 'ed25519 or sm2', parse: oneOf('ed25519', 'sm2') },
      'ed25519',
    ),
    throttle: {
      // A service centre's counters may share one address: generous for people, far below a script's rate.
      signIn: read(
        source,
        {
          name: 'YIWANG_THROTTLE_SIGN_IN',
          expected: 'a number of sign-in attempts per minute per address from 1 to 100000, or 0 for no limit',
          parse: integer(0, 100_000),
        },
        30,
      ),
      lookups: read(
        source,
        {
          name: 'YIWANG_THROTTLE_LOOKUPS',
          expected: 'a number of searches per minute per address from 1 to 1000000, or 0 for no limit',
          parse: integer(0, 1_000_000),
        },
        300,
      ),
    },
  };
}

/** The address links in mail and WebAuthn are bound to: the public URL, or this process's own host and port. */
export function publicBaseUrl(config: { publicUrl?: URL; host: string; port: number }): string {
  return (
    config.publicUrl?.toString() ??
    `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`
  );
}
