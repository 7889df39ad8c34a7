import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { fixedRateLoad } from './fixed-rate.ts';

// The fixed-rate generator's two promises: it sends what the schedule says, however the server answers, and a
// stall on the server shows in the latencies of every request scheduled during it (no coordinated omission).
// Only lower bounds on times are asserted: a slow machine can make them larger, never smaller.
describe('fixed-rate load', () => {
  let app: FastifyInstance;
  let base: string;
  let stallNext = 0;
  before(async () => {
    app = Fastify();
    app.get('/slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return 'ok';
    });
    app.get('/stalls', async () => {
      if (stallNext > 0) {
        // Blocks the event loop, as a long synchronous task in a server would.
        const until = performance.now() + stallNext;
        stallNext = 0;
        while (performance.now() < until);
      }
      return 'ok';
    });
    app.get('/missing', async (_request, reply) => reply.code(404).send());
    // Never answers.
    app.get('/hangs', () => new Promise<string>(() => {}));
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(() => app.close());

  it('sends rate × (seconds + its 1 s warm-up) requests and times each from its scheduled start', async () => {
    const result = await fixedRateLoad({ url: `${base}/slow`, rate: 100, seconds: 1, connections: 4 });
    assert.equal(result.sent, 200);
    assert.equal(result.ok, 200);
    assert.deepEqual(result.statuses, { '200': 200 });
    assert.equal(result.errors + result.timeouts + result.non2xx, 0);
    assert.ok(
      result.latencyMs.p50 >= 5,
      `an answer after 5 ms takes at least 5 ms (p50 ${result.latencyMs.p50})`,
    );
  });

  it('charges a stall to every request scheduled during it', async () => {
    // The stall starts with the first request after the warm-up and lasts 300 ms: at 200 a second, the 60 requests
    // due meanwhile wait for it, most of the 300 measured ones beyond the 1 %.
    setTimeout(() => {
      stallNext = 300;
    }, 1000);
    const result = await fixedRateLoad({ url: `${base}/stalls`, rate: 200, seconds: 1.5, connections: 50 });
    assert.equal(result.ok, 500);
    assert.ok(result.latencyMs.max >= 250, `the stalled request waited (max ${result.latencyMs.max})`);
    assert.ok(result.latencyMs.p99 >= 100, `so did those behind it (p99 ${result.latencyMs.p99})`);
  });

  it('counts answers that are not 2xx', async () => {
    const result = await fixedRateLoad({ url: `${base}/missing`, rate: 50, seconds: 1, connections: 2 });
    assert.equal(result.non2xx, 100);
    assert.deepEqual(result.statuses, { '404': 100 });
  });

  it('reports a server that stops answering as timeouts, and ends', { timeout: 20_000 }, async () => {
    const result = await fixedRateLoad({
      url: `${base}/hangs`,
      rate: 20,
      seconds: 1,
      connections: 2,
      timeoutMs: 500,
    });
    assert.equal(result.sent, 40);
    assert.equal(result.ok, 0);
    assert.equal(result.timeouts + result.errors, 40, 'every request accounted for');
    assert.ok(result.timeouts > 0);
  });

  it('refuses a target that is not on loopback', async () => {
    await assert.rejects(
      fixedRateLoad({ url: 'http://192.0.2.1/', rate: 1, seconds: 1, connections: 1 }),
      /non-loopback/,
    );
  });
});
