import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { FormClient } from '../../../../test/support/form-client.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import type { Platform } from '../../../app.ts';
import { ELDERLY_COOKIE } from '../../../kernel/http/request-context.ts';
import type { CatalogueContract } from '../../catalogue/index.ts';

// Elderly mode (适老化): the header's toggle is a plain form; the choice is a cookie that every page reads, that the
// page cache keys on, and that can be switched off again.

const main = (res: LightMyRequestResponse) => /<main[\s\S]*<\/main>/.exec(res.body)?.[0] ?? '';
const isElderly = (res: LightMyRequestResponse) => /<html lang="[^"]+" class="elderly">/.test(res.body);

/** The header's toggle: where it posts, and its hidden fields. */
function toggleOf(res: LightMyRequestResponse) {
  const form =
    /<form class="site-header__mode" method="post" action="\/preferences\/elderly">([\s\S]*?)<\/form>/.exec(
      res.body,
    )?.[1];
  assert.ok(form, 'the header has the elderly-mode form');
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(form)?.[1];
  return {
    _csrf: field('_csrf') ?? '',
    elderly: field('elderly') ?? '',
    return: (field('return') ?? '').replace(/&amp;/g, '&'),
    button: /<button[^>]*>([\s\S]*?)<\/button>/.exec(form)?.[1] ?? '',
  };
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

  it('is switched on by the header form, sticks across pages with plainer words, and is switched off again', async () => {
    const visitor = new FormClient(app, '198.51.100.90');
    const [event] = await catalogue.listLifeEvents();
    assert.ok(event);
    const start = `/life-events/${event.code}?lang=zh-CN`;
    const page = await visitor.get(start);
    assert.equal(isElderly(page), false);
    const off = toggleOf(page);
    assert.equal(off.elderly, 'on');
    assert.equal(off.return, start, 'it comes back to this page');
    assert.match(off.button, /^长辈模式<span class="visually-hidden">：字更大，颜色更清楚<\/span>$/);
    assert.match(main(page), /承诺 \d+ 个工作日办结|当场办结/);

    const on = await visitor.post('/preferences/elderly', off);
    assert.equal(on.statusCode, 303);
    assert.equal(on.headers.location, start);
    const cookie = on.cookies.find((c) => c.name === ELDERLY_COOKIE);
    assert.equal(cookie?.value, '1');
    assert.equal(cookie?.path, '/');
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Lax');
    assert.ok((cookie?.maxAge ?? 0) >= 365 * 24 * 3600, 'a long-lived choice');

    const elderly = await visitor.get(start);
    assert.ok(isElderly(elderly), 'the class is on <html>');
    const toggle = toggleOf(elderly);
    assert.equal(toggle.elderly, 'off');
    assert.match(toggle.button, /^退出长辈模式/);
    assert.doesNotMatch(main(elderly), /承诺 \d+ 个工作日办结/, 'plainer words for the promised time');
    assert.match(main(elderly), /大约 \d+ 个工作日办好|当场办好/);
    assert.match(main(elderly), /在网上就能办|要去窗口办/);
    const home = await visitor.get('/');
    assert.ok(isElderly(home), 'it sticks on every page');
    assert.match(main(home), /在这里办政府的事。不用先弄清归哪个部门管/);
    const english = await visitor.get('/for/citizen?lang=en');
    assert.ok(isElderly(english));
    assert.match(toggleOf(english).button, /^Standard text/);
    assert.ok(isElderly(await visitor.get('/no-such-page')), 'error pages too');

    const back = await visitor.post('/preferences/elderly', toggleOf(await visitor.get('/departments')));
    assert.equal(back.statusCode, 303);
    assert.equal(back.headers.location, '/departments');
    assert.equal(visitor.cookies[ELDERLY_COOKIE], undefined, 'the cookie is cleared');
    const standard = await visitor.get('/');
    assert.equal(isElderly(standard), false);
    assert.match(toggleOf(standard).button, /^Larger text/, 'the language choice is untouched');
  });

  it('refuses the form without its CSRF token, changing nothing', async () => {
    const visitor = new FormClient(app, '198.51.100.91');
    const fields = toggleOf(await visitor.get('/'));
    const refused = await visitor.post('/preferences/elderly', { ...fields, _csrf: '' });
    assert.equal(refused.statusCode, 403);
    assert.match(main(refused), /表单已过期或来源无法确认/);
    assert.equal(visitor.cookies[ELDERLY_COOKIE], undefined);
    const forged = await visitor.post('/preferences/elderly', { ...fields, _csrf: 'forged-token' });
    assert.equal(forged.statusCode, 403);
    assert.equal(visitor.cookies[ELDERLY_COOKIE], undefined);
    assert.equal(
      (await visitor.post('/preferences/elderly', { ...fields, elderly: 'maybe' })).statusCode,
      400,
    );
  });

  it('only ever sends the visitor back to a page of this site', async () => {
    const visitor = new FormClient(app, '198.51.100.92');
    const fields = toggleOf(await visitor.get('/'));
    for (const target of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      'javascript:alert(1)',
    ]) {
      const res = await visitor.post('/preferences/elderly', { ...fields, return: target });
      assert.equal(res.statusCode, 303, target);
      assert.equal(res.headers.location, '/', target);
    }
    const none = await visitor.post('/preferences/elderly', { _csrf: fields._csrf, elderly: 'off' });
    assert.equal(none.headers.location, '/');
  });

  it('never serves a cached standard page in elderly mode, or the reverse', async () => {
    const standard = new FormClient(app, '198.51.100.93');
    const elderly = new FormClient(app, '198.51.100.94');
    await elderly.post('/preferences/elderly', toggleOf(await elderly.get('/')));
    assert.equal(elderly.cookies[ELDERLY_COOKIE], '1');

    const first = await standard.get('/life-events');
    const second = await standard.get('/life-events');
    assert.equal(second.headers['x-cache'], 'HIT');
    assert.equal(isElderly(first) || isElderly(second), false);

    const old = await elderly.get('/life-events');
    assert.equal(old.headers['x-cache'], 'MISS', 'not the standard page');
    assert.ok(isElderly(old));
    assert.match(main(old), /有些事要跑好几个部门/, 'the plainer lead');
    const oldAgain = await elderly.get('/life-events');
    assert.equal(oldAgain.headers['x-cache'], 'HIT', 'elderly-mode pages are cached too');
    assert.ok(isElderly(oldAgain));
    const standardAgain = await standard.get('/life-events');
    assert.equal(standardAgain.headers['x-cache'], 'HIT');
    assert.equal(isElderly(standardAgain), false);
    assert.doesNotMatch(main(standardAgain), /有些事要跑好几个部门/);
  });

  it('works from a cached page for a visitor who has never been here (a token of their own)', async () => {
    const first = new FormClient(app, '198.51.100.95');
    const second = new FormClient(app, '198.51.100.96');
    await first.get('/topics');
    const cached = await second.get('/topics');
    assert.equal(cached.headers['x-cache'], 'HIT');
    const fields = toggleOf(cached);
    assert.ok(fields._csrf);
    assert.notEqual(fields._csrf, toggleOf(await first.get('/topics'))._csrf);
    const res = await second.post('/preferences/elderly', fields);
    assert.equal(res.statusCode, 303);
    assert.equal(second.cookies[ELDERLY_COOKIE], '1');
  });

  it('gives a page with its own form and the header one token on a first visit', async () => {
    const visitor = new FormClient(app, '198.51.100.97');
    const page = await visitor.get('/sign-in');
    const tokens = [...page.body.matchAll(/name="_csrf" value="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(tokens.length, 2, 'the header form and the sign-in form');
    assert.equal(tokens[0], tokens[1]);
    assert.equal(page.cookies.filter((c) => c.name === 'yiwang_csrf').length, 1);
    const wrong = await visitor.post('/sign-in', {
      _csrf: tokens[1] ?? '',
      username: 'nobody',
      password: 'wrong',
    });
    assert.notEqual(wrong.statusCode, 403, 'the sign-in form is accepted (and the password refused)');
    assert.equal((await visitor.post('/preferences/elderly', toggleOf(page))).statusCode, 303);
  });
});
