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

/** Creates the process logger: JSON lines, readable with `pino-pretty` when a person watches a terminal. */
export function createLogger(level: LogLevel, options: { pretty?: boolean } = {}): Logger {
  return pino({
    level,
    redact: REDACT,
    base: { pid: process.pid },
    ...(options.pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' },
          },
        }
      : {}),
  });
}
