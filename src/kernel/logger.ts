import pino from 'pino';
import type { LogLevel } from './config.ts';

/** Structured logger (pino): the same one Fastify uses for request logs. */
export type Logger = pino.Logger;

// Never write secrets or personal data to logs, even by accident.
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
];

function canResolve(specifier: string): boolean {
  try {
    import.meta.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

/** Creates the process logger: JSON lines, readable with `pino-pretty` when a person watches a terminal. */
export function createLogger(level: LogLevel, options: { pretty?: boolean } = {}): Logger {
  // pino-pretty is a development dependency: a production install without it logs JSON even on a terminal.
  const pretty = options.pretty === true && canResolve('pino-pretty');
  return pino({
    level,
    redact: REDACT,
    base: { pid: process.pid },
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' },
          },
        }
      : {}),
  });
}
