import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { FormClient } from '../../../../test/support/form-client.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import type { Platform } from '../../../app.ts';
import { ELDERLY_COOKIE } from '../../../kernel/http/request-context.ts';
import type { CatalogueContract } from '../../catalogue/index.ts';

// Elderly mode (适老化): the header's switch is a link to the same page with `?mode=`; the choice is a cookie that
// every page reads, that the page cache keys on, and that can be switched off again.

const main = (res: LightMyRequestResponse) => /<main[\s\S]*<\/main>/.exec(res.body)?.[0] ?? '';
const isElderly = (res: LightMyRequestResponse) => /<html lang="[^"]+" class="elderly">/.test(res.body);

/** The header's switch: where it leads and what it says. */
function switchOf(res: LightMyRequestResponse) {
  const link = /<a class="site-header__mode" href="([^"]+)"[^>]*>([\s\S]*?)<\/a>/.exec(res.body);
  assert.ok(link, 'the header has the elderly-mode switch');
  return { href: (link[1] ?? '').replace(/&amp;/g, '&'), text: link[2] ?? '' };
}

describe('elderly mode', () => {
  let platform: Platform;
  let app: FastifyInstance;
  let catalogue: CatalogueContract;
  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
    catalogue = platform.contracts.catalogue as CatalogueContract;
  });
  after(() => platform.close());

  it('is switched on from the header, sticks across pages with plainer words, and is switched off again', async () => {
    const visitor = new FormClient(app, '198.51.100.90');
    const [event] = await catalogue.listLifeEvents();
    assert.ok(event);
    const start = `/life-events/${event.code}?lang=zh-CN`;
    const page = await visitor.get(start);
    assert.equal(isElderly(page), false);
    const on = switchOf(page);
    assert.equal(
      on.href,
      `/life-events/${event.code}?lang=zh-CN&mode=elderly`,
      'the same page, in elderly mode',
    );
    assert.match(on.text, /^长辈模式<span class="visually-hidden">：字更大，颜色更清楚<\/span>$/);
    assert.match(main(page), /承诺 \d+ 个工作日办结|当场办结/);

    const elderly = await visitor.get(on.href);
    assert.equal(elderly.statusCode, 200);
    const cookie = elderly.cookies.find((c) => c.name === ELDERLY_COOKIE);
    assert.equal(cookie?.value, '1');
    assert.equal(cookie?.path, '/');
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Lax');
    assert.ok((cookie?.maxAge ?? 0) >= 365 * 24 * 3600, 'a long-lived choice');
    assert.ok(isElderly(elderly), 'the class is on <html>');
    assert.match(switchOf(elderly).text, /^退出长辈模式/);
    assert.match(switchOf(elderly).href, /mode=standard/);
    assert.doesNotMatch(main(elderly), /承诺 \d+ 个工作日办结/, 'plainer words for the promised time');
    assert.match(main(elderly), /大约 \d+ 个工作日办好|当场办好/);
    assert.match(main(elderly), /在网上就能办|要去窗口办/);
    const home = await visitor.get('/');
    assert.ok(isElderly(home), 'it sticks on every page');
    assert.match(main(home), /在这里办政府的事。不用先弄清归哪个部门管/);
    const english = await visitor.get('/for/citizen?lang=en');
    assert.ok(isElderly(english));
    assert.match(switchOf(english).text, /^Standard text/);
    assert.ok(isElderly(await visitor.get('/no-such-page')), 'error pages too');

    const back = await visitor.get(switchOf(await visitor.get('/departments')).href);
    assert.equal(isElderly(back), false);
    assert.equal(visitor.cookies[ELDERLY_COOKIE], undefined, 'the cookie is cleared');
    const standard = await visitor.get('/');
    assert.equal(isElderly(standard), false);
    assert.match(switchOf(standard).text, /^Larger text/, 'the language choice is untouched');
  });

  it('ignores any other value of mode, and changes nothing', async () => {
    const visitor = new FormClient(app, '198.51.100.91');
    const res = await visitor.get('/?mode=bigger');
    assert.equal(res.statusCode, 200);
    assert.equal(isElderly(res), false);
    assert.equal(visitor.cookies[ELDERLY_COOKIE], undefined);
  });

  it('never serves a cached standard page in elderly mode, or the reverse; a switch from a cached page works', async () => {
    const standard = new FormClient(app, '198.51.100.93');
    const elderly = new FormClient(app, '198.51.100.94');
    await elderly.get('/?mode=elderly');
    assert.equal(elderly.cookies[ELDERLY_COOKIE], '1');

    const first = await standard.get('/life-events');
    const second = await standard.get('/life-events');
    assert.equal(second.headers['x-cache'], 'HIT');
    assert.equal(isElderly(first) || isElderly(second), false);
    assert.doesNotMatch(second.body, /name="_csrf"/, 'a cached page carries no form token');

    const old = await elderly.get('/life-events');
    assert.equal(old.headers['x-cache'], 'MISS', 'not the standard page');
    assert.ok(isElderly(old));
    assert.match(main(old), /有些事要跑好几个部门/, 'the plainer lead');
    const oldAgain = await elderly.get('/life-events');
    assert.equal(oldAgain.headers['x-cache'], 'HIT', 'elderly-mode pages are cached too');
    assert.ok(isElderly(oldAgain));

    // Switching on from a page the cache serves still sets the choice.
    const switched = await standard.get(switchOf(second).href);
    assert.ok(isElderly(switched));
    assert.equal(standard.cookies[ELDERLY_COOKIE], '1');
    const standardAgain = await new FormClient(app, '198.51.100.95').get('/life-events');
    assert.equal(standardAgain.headers['x-cache'], 'HIT');
    assert.equal(isElderly(standardAgain), false);
    assert.doesNotMatch(main(standardAgain), /有些事要跑好几个部门/);
  });
});
