import type { FastifyBaseLogger } from 'fastify';
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

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
type LevelName = (typeof LEVELS)[number];

/**
 * A request's logger (bound to its request id) that makes its pino child only when the request logs a line its
 * level lets through. Making a pino child serialises its bindings, and at the levels production runs most requests —
 * every page served from the page cache — log nothing: it was a seventh of a cached page's price. A class, so that
 * a request costs one small object and no closures.
 */
class LazyRequestLogger {
  #made: Logger | undefined;
  readonly #parent: Logger;
  readonly #bindings: pino.Bindings;

  constructor(parent: Logger, bindings: pino.Bindings) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  #child(): Logger {
    this.#made ??= this.#parent.child(this.#bindings);
    return this.#made;
  }

  get level(): string {
    return (this.#made ?? this.#parent).level;
  }

  set level(level: string) {
    this.#child().level = level;
  }

  isLevelEnabled(level: string): boolean {
    return (this.#made ?? this.#parent).isLevelEnabled(level);
  }

  bindings(): pino.Bindings {
    return this.#made ? this.#made.bindings() : { ...this.#parent.bindings(), ...this.#bindings };
  }

  child(bindings: pino.Bindings, options?: pino.ChildLoggerOptions): Logger {
    return this.#child().child(bindings, options);
  }

  silent(): void {}

  /** Writes a line at `level` through the child, made now if this is the request's first line that passes. */
  write(level: LevelName, args: unknown[]): void {
    if (this.#made === undefined && !this.#parent.isLevelEnabled(level)) return;
    (this.#child()[level] as (...line: unknown[]) => void)(...args);
  }
}

for (const level of LEVELS) {
  Object.defineProperty(LazyRequestLogger.prototype, level, {
    value(this: LazyRequestLogger, ...args: unknown[]) {
      this.write(level, args);
    },
  });
}

/** Fastify's `childLoggerFactory`: each request's logger is a LazyRequestLogger. */
export function lazyRequestLogger(
  parent: Logger,
  bindings: pino.Bindings,
  options: pino.ChildLoggerOptions,
): FastifyBaseLogger {
  // A route with its own level or serialisers gets its child at once: those change what the child lets through.
  if (options.level !== undefined || options.serializers !== undefined)
    return parent.child(bindings, options);
  return new LazyRequestLogger(parent, bindings) as unknown as FastifyBaseLogger;
}
