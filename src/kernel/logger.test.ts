import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import { lazyRequestLogger } from './logger.ts';

function recordingLogger(level: pino.Level) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      callback();
    },
  });
  const parent = pino({ level, base: undefined }, stream);
  let children = 0;
  // pino's children inherit from their parent, so the counting wrapper must call the original on `this`.
  const child = parent.child;
  parent.child = function counted(this: pino.Logger, ...args: Parameters<typeof child>) {
    children++;
    return child.apply(this, args);
  } as typeof parent.child;
  return { parent, lines, children: () => children };
}

describe('lazyRequestLogger', () => {
  it('makes no child for lines the level drops, and one bound child for the first line it keeps', () => {
    const { parent, lines, children } = recordingLogger('warn');
    const logger = lazyRequestLogger(parent, { reqId: 'req_1' }, {});
    logger.info('dropped');
    logger.debug({ detail: 1 }, 'dropped too');
    assert.equal(children(), 0);
    assert.equal(lines.length, 0);
    logger.warn({ code: 'X' }, 'kept');
    logger.error('kept too');
    assert.equal(children(), 1, 'one child per request, made once');
    assert.deepEqual(
      lines.map((line) => [line.reqId, line.msg, line.level]),
      [
        ['req_1', 'kept', 40],
        ['req_1', 'kept too', 50],
      ],
    );
    assert.equal(lines[0]?.code, 'X');
  });

  it('answers level questions as the request logger would, and its own children carry its bindings', () => {
    const { parent, lines } = recordingLogger('info');
    const logger = lazyRequestLogger(parent, { reqId: 'req_2' }, {});
    assert.equal(logger.level, 'info');
    assert.equal((logger as unknown as pino.Logger).isLevelEnabled('debug'), false);
    logger.child({ part: 'audit' }).info('from a child');
    assert.deepEqual([lines[0]?.reqId, lines[0]?.part], ['req_2', 'audit']);
    logger.level = 'error';
    logger.warn('now dropped');
    assert.equal(parent.level, 'info', 'changing the request logger leaves the process logger alone');
    assert.equal(lines.length, 1);
  });

  it('makes the child at once when the route sets its own level', () => {
    const { parent, children } = recordingLogger('warn');
    const logger = lazyRequestLogger(parent, { reqId: 'req_3' }, { level: 'debug' });
    assert.equal(children(), 1);
    assert.equal(logger.level, 'debug');
  });
});
