import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { FormClient } from '../../../../test/support/form-client.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { signInStaff } from '../../../../test/support/staff-session.ts';
import type { Platform } from '../../../app.ts';
import { auditRecords } from '../../../kernel/audit/audit.tables.ts';
import type { CatalogueModule } from '../index.ts';

const main = (res: LightMyRequestResponse) => /<main[\s\S]*<\/main>/.exec(res.body)?.[0] ?? '';
const decode = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
const attributes = (tag: string) =>
  Object.fromEntries(
    [...tag.matchAll(/\s([\w-]+)(?:="([^"]*)")?/g)].map((m) => [m[1] ?? '', decode(m[2] ?? '')]),
  );

/**
 * What a browser would post for the form whose action is `action` on the page: every text field and textarea,
 * the selected option of each select, ticked checkboxes (repeated), hidden fields; no buttons.
 */
function formFields(html: string, action: string): Record<string, string | string[]> {
  const form = new RegExp(`<form[^>]*action="${action}"[^>]*>([\\s\\S]*?)</form>`).exec(html)?.[1];
  assert.ok(form, `a form posting to ${action}`);
  const fields: Record<string, string | string[]> = {};
  const add = (name: string, value: string, repeated = false) => {
    const had = fields[name];
    if (repeated) fields[name] = [...(Array.isArray(had) ? had : []), value];
    else fields[name] = value;
  };
  for (const [tag] of form.matchAll(/<input\b[^>]*>/g)) {
    const a = attributes(tag);
    if (!a.name) continue;
    if (a.type === 'checkbox') {
      if ('checked' in a) add(a.name, a.value ?? 'on', true);
      else fields[a.name] ??= [];
    } else add(a.name, a.value ?? '');
  }
  for (const [, open, body] of form.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/g)) {
    const a = attributes(open ?? '');
    const options = [...(body ?? '').matchAll(/<option\b[^>]*>/g)].map((o) => attributes(o[0]));
    const chosen = options.find((o) => 'selected' in o) ?? options[0];
    if (a.name) add(a.name, chosen?.value ?? '');
  }
  for (const [, open, body] of form.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/g)) {
    const a = attributes(open ?? '');
    if (a.name) add(a.name, decode(body ?? ''));
  }
  return fields;
}

/** The published service as the public API gives it, or the status when there is none. */
async function publicService(app: FastifyInstance, code: string) {
  const res = await app.inject({ url: `/api/v1/catalogue/services/${code}` });
  return res.statusCode === 200
    ? (res.json() as { promisedDays: number; version: number; name: { zh: string } })
    : res.statusCode;
}

/** The id of the version of a service waiting in the review queue. */
const versionIn = (queue: LightMyRequestResponse, code: string) =>
  new RegExp(`id="heading-(svv_\\w+)">${code} `).exec(queue.body)?.[1];
/** The review queue's entry for a service, up to the next entry. */
const entryIn = (queue: LightMyRequestResponse, code: string) =>
  queue.body.split('<section class="review-entry"').find((part) => part.includes(`">${code} `)) ?? '';

/** A wall-clock time in Asia/Shanghai as a datetime-local input sends it. */
const shanghaiLocal = (at: Date) => new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 16);

/** A new service, filled in as a clerk fills the form. */
const NEW_SERVICE = {
  code: 'SJ-0901',
  department: 'SJ',
  'name.zh': '广告发布登记',
  'name.en': 'Registration to publish advertisements',
  'summary.zh': '广播电台、电视台、报刊出版单位从事广告发布业务的登记。',
  'summary.en': 'Registration for broadcasters and publishers that publish advertisements.',
  'description.zh': '从事广告发布业务的单位，应当办理广告发布登记。',
  'description.en': 'Broadcasters and publishers that publish advertisements register first.',
  kind: 'administrative_record',
  audiences: ['business'],
  topics: ['business-operation'],
  channels: ['online'],
  statutoryDays: '10',
  promisedDays: '5',
  identityLevel: '2',
  onlineDepth: 'transact',
  effectiveFrom: '2026-01-01',
  'legalBasis.0.zh': '《中华人民共和国广告法》',
  'legalBasis.0.en': 'Advertising Law of the People’s Republic of China',
  'legalBasis.1.zh': '',
  'legalBasis.1.en': '',
  'materials.0.name.zh': '广告发布登记申请表',
  'materials.0.name.en': 'Application form',
  'materials.0.form': 'electronic',
  'materials.0.count': '',
  'materials.0.required': 'yes',
  'keywords.zh': '广告登记，广告发布',
  changeNote: '新增事项',
};

describe('the catalogue editors’ workbench', () => {
  let platform: Platform;
  let app: FastifyInstance;
  let catalogue: CatalogueModule;
  /** 刘洋, clerk of Market Regulation (SJ). */
  let clerk: FormClient;
  /** 吴敏, head of Market Regulation. */
  let head: FormClient;
  /** 赵磊, clerk of Fire and Rescue (XF). */
  let otherClerk: FormClient;
  /** 马超, platform administrator. */
  let admin: FormClient;

  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
    catalogue = platform.contracts.catalogue as CatalogueModule;
    [clerk, head, otherClerk, admin] = await Promise.all([
      signInStaff(app, 'liuyang', '198.51.100.81'),
      signInStaff(app, 'wumin', '198.51.100.82'),
      signInStaff(app, 'zhaolei', '198.51.100.83'),
      signInStaff(app, 'machao', '198.51.100.84'),
    ]);
  });
  after(() => platform.close());

  const versionsOf = async (code: string) =>
    (
      await catalogue.editing.history(
        {
          kind: 'staff',
          accountId: 'x',
          clearance: 'internal',
          roles: [{ departmentCode: 'DSJ', role: 'platform_admin' }],
        },
        code,
        {},
      )
    ).length;

  it('sends anonymous visitors to sign in, and refuses staff without the permission in their language', async () => {
    for (const url of [
      '/workbench/catalogue',
      '/workbench/catalogue/new',
      '/workbench/catalogue/review',
      '/workbench/catalogue/SJ-0101',
    ]) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 303, url);
      assert.equal(res.headers.location, '/sign-in');
    }
    const operator = await signInStaff(app, 'hejing', '198.51.100.85');
    const refused = await operator.get('/workbench/catalogue');
    assert.equal(refused.statusCode, 403);
    assert.match(main(refused), /您没有相应权限/);
    assert.match(main(await operator.get('/workbench/catalogue/new?lang=en')), /you do not have permission/);
    assert.equal((await operator.get('/workbench/catalogue/SJ-0101/edit')).statusCode, 403);
  });

  it('lists a clerk’s own department only, and refuses a clerk of another department the item and its form', async () => {
    const own = main(await clerk.get('/workbench/catalogue'));
    assert.match(own, /<a href="\/workbench\/catalogue\/SJ-0101">SJ-0101<\/a>/);
    assert.doesNotMatch(own, /XF-0101/);
    assert.doesNotMatch(own, /审核队列/, 'a clerk is not offered the review queue');

    const other = await otherClerk.get('/workbench/catalogue');
    assert.equal(other.statusCode, 200);
    assert.match(main(other), /XF-0101/);
    assert.doesNotMatch(main(other), /SJ-0101/);
    for (const url of ['/workbench/catalogue/SJ-0101', '/workbench/catalogue/SJ-0101/edit']) {
      const res = await otherClerk.get(url);
      assert.equal(res.statusCode, 403, url);
      assert.match(main(res), /您没有相应权限/);
    }
    const form = formFields(
      (await clerk.get('/workbench/catalogue/SJ-0101/edit')).body,
      '/workbench/catalogue/SJ-0101/edit',
    );
    const before = await versionsOf('SJ-0101');
    const forged = await otherClerk.post('/workbench/catalogue/SJ-0101/edit', {
      ...form,
      promisedDays: '0',
      _csrf: await otherClerk.csrfFrom('/workbench/catalogue/new'),
    });
    assert.equal(forged.statusCode, 403);
    assert.equal(await versionsOf('SJ-0101'), before, 'nothing saved');
    const denied = await platform.kernel.db
      .select({ action: auditRecords.action })
      .from(auditRecords)
      .where(and(eq(auditRecords.outcome, 'denied'), eq(auditRecords.action, 'catalogue.item.edit')));
    assert.ok(denied.length > 0, 'the refusal is audited');

    // The administrator lists every department's items, a hundred a page by code, each page linking to the next.
    const pages: string[] = [];
    for (let url: string | undefined = '/workbench/catalogue'; url; ) {
      const page = main(await admin.get(url));
      pages.push(page);
      url = /<a rel="next" href="([^"]+)"/.exec(page)?.[1]?.replaceAll('&amp;', '&');
      assert.ok(pages.length < 10, 'the pages end');
    }
    assert.ok(pages.length >= 3, `${pages.length} pages of the demo city's 210 items`);
    const codes = pages.flatMap((p) =>
      [...p.matchAll(/<th scope="row"><a href="\/workbench\/catalogue\/([A-Z]+-\d{4})">/g)].map((m) => m[1]),
    );
    assert.equal(codes.length, new Set(codes).size, 'no item on two pages');
    assert.deepEqual(codes, [...codes].sort(), 'by code');
    assert.ok(codes.includes('SJ-0101') && codes.includes('XF-0101'));
    assert.match(pages[1] ?? '', /<a href="\/workbench\/catalogue">回到第一页<\/a>/);
  });

  it('creates a service as a draft that stays off the portal until the head publishes it; the clerk cannot review', async () => {
    const page = await clerk.get('/workbench/catalogue/new');
    assert.equal(page.statusCode, 200);
    assert.match(main(page), /<option value="SJ" selected>/);
    const created = await clerk.post('/workbench/catalogue/new', {
      ...NEW_SERVICE,
      action: 'submit',
      _csrf: clerk.token(page.body),
    });
    assert.equal(created.statusCode, 303, main(created));
    assert.equal(created.headers.location, '/workbench/catalogue/SJ-0901?done=submitted&n=1');
    const item = main(await clerk.get(created.headers.location ?? ''));
    assert.match(item, /第 1 版已提交审核/);
    assert.match(item, /尚未公开/);
    assert.equal(await publicService(app, 'SJ-0901'), 404, 'a submitted draft is not public');

    // The clerk sees no review buttons and may not post a decision.
    assert.equal((await clerk.get('/workbench/catalogue/review')).statusCode, 403);
    const [queued] = await catalogue.editing.reviewQueue(
      {
        kind: 'staff',
        accountId: 'x',
        clearance: 'internal',
        roles: [{ departmentCode: 'SJ', role: 'head' }],
      },
      {},
    );
    assert.equal(queued?.code, 'SJ-0901');
    const csrf = clerk.token(page.body);
    const refused = await clerk.post(`/workbench/catalogue/review/${queued?.id}`, {
      decision: 'publish',
      _csrf: csrf,
    });
    assert.equal(refused.statusCode, 403);
    assert.equal(await publicService(app, 'SJ-0901'), 404);

    const queue = await head.get('/workbench/catalogue/review');
    assert.equal(queue.statusCode, 200);
    assert.match(main(queue), /SJ-0901 广告发布登记：第 1 版/);
    assert.match(main(queue), /立即发布<span class="visually-hidden"> SJ-0901<\/span>/);
    assert.match(main(queue), /第 1 版：新事项的第一个版本/);
    const published = await head.post(`/workbench/catalogue/review/${queued?.id}`, {
      decision: 'publish',
      _csrf: head.token(queue.body),
    });
    assert.equal(published.statusCode, 303);
    assert.match(main(await head.get(published.headers.location ?? '')), /SJ-0901 第 1 版已发布/);
    const service = await publicService(app, 'SJ-0901');
    assert.ok(typeof service === 'object');
    assert.equal(service.name.zh, '广告发布登记');
    assert.equal(service.promisedDays, 5);

    // Someone who comes second gets a clear 409, not a second publication.
    const late = await admin.post(`/workbench/catalogue/review/${queued?.id}`, {
      decision: 'publish',
      _csrf: await admin.csrfFrom('/workbench/catalogue/new'),
    });
    assert.equal(late.statusCode, 409);
    assert.match(main(late), /这个版本已被他人处理/);
  });

  it('changes one field of an existing service through the form, showing exactly that change to the reviewer', async () => {
    const edit = await clerk.get('/workbench/catalogue/SJ-0102/edit');
    assert.equal(edit.statusCode, 200);
    assert.doesNotMatch(main(edit), /name="code"/, 'the code is fixed');
    const form = formFields(edit.body, '/workbench/catalogue/SJ-0102/edit');
    assert.equal(form['materials.3.replaceableBy.certificateType'], 'business-licence');
    assert.equal(form['materials.4.name.zh'], '', 'empty rows follow the filled ones');
    const saved = await clerk.post('/workbench/catalogue/SJ-0102/edit', {
      ...form,
      statutoryDays: '5',
      changeNote: '法定时限按新规定调整',
      action: 'save',
    });
    assert.equal(saved.statusCode, 303, main(saved));
    assert.equal(saved.headers.location, '/workbench/catalogue/SJ-0102/edit?saved=2');
    const again = await clerk.get(saved.headers.location ?? '');
    assert.match(main(again), /草稿已保存/);
    assert.match(main(again), /id="statutoryDays"[^>]*value="5"/);

    const history = main(await clerk.get('/workbench/catalogue/SJ-0102'));
    assert.match(
      history,
      /修改的栏目<\/dt><dd class="summary-list__value">法定时限<\/dd>/,
      'only that field changed',
    );
    const submitted = await clerk.post('/workbench/catalogue/SJ-0102/submit', {
      versionId: /name="versionId" value="([^"]+)"/.exec(history)?.[1] ?? '',
      _csrf: clerk.token(again.body),
    });
    assert.equal(submitted.statusCode, 303);
    const queue = main(await head.get('/workbench/catalogue/review'));
    assert.match(queue, /第 2 版与上一版本相比的修改/);
    assert.match(
      queue,
      /<th scope="row">法定时限<\/th><td><ul><li><del><span class="visually-hidden">删除：<\/span>3 个工作日<\/del><\/li><\/ul><\/td><td><ul><li><ins><span class="visually-hidden">新增：<\/span>5 个工作日<\/ins>/,
    );
    // While it waits, the form is not offered.
    assert.match(main(await clerk.get('/workbench/catalogue/SJ-0102/edit')), /正在等待审核/);
  });

  it('refuses bad input with every problem linked to its field, keeps what was typed and saves nothing', async () => {
    const edit = await clerk.get('/workbench/catalogue/SJ-0103/edit');
    const form = formFields(edit.body, '/workbench/catalogue/SJ-0103/edit');
    const before = await versionsOf('SJ-0103');
    const bad = await clerk.post('/workbench/catalogue/SJ-0103/edit', {
      ...form,
      'name.zh': '',
      promisedDays: '9',
      'materials.0.count': 'many',
      'fees.0.item.zh': '工本费',
      'fees.0.item.en': 'Fee',
      'fees.0.amountFen': '12.345',
      'fees.0.basis.zh': '依据',
      'fees.0.basis.en': 'Basis',
      'counters.0.phone': 'ring us',
      'related.0': 'SJ-9999',
      action: 'save',
    });
    assert.equal(bad.statusCode, 400);
    const body = main(bad);
    for (const [id, message] of [
      ['name-zh', '请填写中文内容'],
      ['promisedDays', '承诺时限不能长于法定时限'],
      ['materials-0-count', '份数应为 1 到 20'],
      ['fees-0-amountFen', '请填写以元为单位的金额'],
      ['counters-0-phone', '电话只能包含数字和连字符'],
    ])
      assert.match(body, new RegExp(`<a href="#${id}">${message}`), id);
    assert.match(body, /id="promisedDays"[^>]*value="9"[^>]*aria-invalid="true"/, 'what was typed is kept');
    assert.match(body, /id="fees-0-item-zh"[^>]*value="工本费"/);
    assert.equal(await versionsOf('SJ-0103'), before, 'nothing saved');

    // What only the catalogue knows (a related service that does not exist) comes back the same way.
    const unknown = await clerk.post('/workbench/catalogue/SJ-0103/edit', {
      ...form,
      'related.0': 'SJ-9999',
      action: 'save',
    });
    assert.equal(unknown.statusCode, 400);
    assert.match(main(unknown), /<a href="#related">相关事项 SJ-9999 不存在/);
    assert.equal(await versionsOf('SJ-0103'), before);

    // "Add two more rows" works without a script: the form comes back with more empty rows and nothing saved.
    const more = await clerk.post('/workbench/catalogue/SJ-0103/edit', { ...form, action: 'add:materials' });
    assert.equal(more.statusCode, 200);
    const rows = (html: string) =>
      new Set([...html.matchAll(/id="materials-(\d+)-name-zh"/g)].map((m) => m[1])).size;
    assert.equal(rows(more.body), rows(edit.body) + 2);
    assert.match(more.body, new RegExp(`id="materials-${rows(edit.body) - 2}-name-zh"[^>]*autofocus`));
    assert.equal(await versionsOf('SJ-0103'), before);

    const en = await clerk.post('/workbench/catalogue/SJ-0103/edit?lang=en', {
      ...form,
      promisedDays: 'x',
      action: 'save',
    });
    assert.match(main(en), /<a href="#promisedDays">Enter a number of working days from 0 to 365/);
    await clerk.get('/workbench/catalogue?lang=zh-CN');
  });

  it('schedules a publication in the city’s time, published by publishDue when it is due', async () => {
    const edit = await clerk.get('/workbench/catalogue/SJ-0104/edit');
    const form = formFields(edit.body, '/workbench/catalogue/SJ-0104/edit');
    const submitted = await clerk.post('/workbench/catalogue/SJ-0104/edit', {
      ...form,
      promisedDays: '2',
      action: 'submit',
    });
    assert.equal(submitted.statusCode, 303);
    const queue = await head.get('/workbench/catalogue/review');
    const id = versionIn(queue, 'SJ-0104');
    assert.ok(id, 'the version is in the queue');
    const csrf = head.token(queue.body);
    const past = await head.post(`/workbench/catalogue/review/${id}`, {
      decision: 'schedule',
      publishAt: shanghaiLocal(new Date(Date.now() - 3_600_000)),
      _csrf: csrf,
    });
    assert.equal(past.statusCode, 400);
    assert.match(main(past), new RegExp(`<a href="#publishAt-${id}">发布时间须晚于现在`));

    const at = new Date(Date.now() + 3 * 3_600_000);
    const scheduled = await head.post(`/workbench/catalogue/review/${id}`, {
      decision: 'schedule',
      publishAt: shanghaiLocal(at),
      _csrf: csrf,
    });
    assert.equal(scheduled.statusCode, 303);
    const expected = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
    assert.match(
      scheduled.headers.location ?? '',
      new RegExp(`done=scheduled&code=SJ-0104&n=2&at=${expected.toISOString()}`),
    );
    assert.match(main(await head.get(scheduled.headers.location ?? '')), /SJ-0104 第 2 版将于/);
    assert.equal(
      ((await publicService(app, 'SJ-0104')) as { promisedDays: number }).promisedDays,
      1,
      'not yet',
    );
    assert.match(main(await clerk.get('/workbench/catalogue/SJ-0104')), /定时发布/);

    assert.equal(await catalogue.editing.publishDue(new Date(at.getTime() - 60_000)), 0);
    assert.equal(await catalogue.editing.publishDue(new Date(at.getTime() + 60_000)), 1);
    const service = await publicService(app, 'SJ-0104');
    assert.ok(typeof service === 'object');
    assert.equal(service.promisedDays, 2);
    assert.equal(service.version, 2);
  });

  it('sends a version back with a note the clerk reads in the history and on the form', async () => {
    const edit = await clerk.get('/workbench/catalogue/SJ-0105/edit');
    const form = formFields(edit.body, '/workbench/catalogue/SJ-0105/edit');
    await clerk.post('/workbench/catalogue/SJ-0105/edit', {
      ...form,
      'summary.zh': '个体户办执照。',
      action: 'submit',
    });
    const queue = await head.get('/workbench/catalogue/review');
    const id = versionIn(queue, 'SJ-0105');
    assert.ok(id);
    const noNote = await head.post(`/workbench/catalogue/review/${id}`, {
      decision: 'reject',
      note: ' ',
      _csrf: head.token(queue.body),
    });
    assert.equal(noNote.statusCode, 400);
    assert.match(main(noNote), new RegExp(`<a href="#note-${id}">请写明退回意见`));
    const sent = await head.post(`/workbench/catalogue/review/${id}`, {
      decision: 'reject',
      note: '简介请保留“个体工商户”的正式称谓',
      _csrf: head.token(queue.body),
    });
    assert.equal(sent.statusCode, 303);
    const history = main(await clerk.get('/workbench/catalogue/SJ-0105'));
    assert.match(history, /已退回/);
    assert.match(history, /简介请保留“个体工商户”的正式称谓/);
    assert.match(
      main(await clerk.get('/workbench/catalogue/SJ-0105/edit')),
      /审核意见：简介请保留“个体工商户”的正式称谓/,
    );
  });

  it('shows a reviewer’s own version without buttons (four eyes) and refuses the decision', async () => {
    const edit = await head.get('/workbench/catalogue/SJ-0106/edit');
    const form = formFields(edit.body, '/workbench/catalogue/SJ-0106/edit');
    await head.post('/workbench/catalogue/SJ-0106/edit', { ...form, promisedDays: '1', action: 'submit' });
    const queue = await head.get('/workbench/catalogue/review');
    const id = versionIn(queue, 'SJ-0106');
    const section = entryIn(queue, 'SJ-0106');
    assert.match(section, /须由另一位审核人员审核/);
    assert.doesNotMatch(section, /立即发布/);
    const own = await head.post(`/workbench/catalogue/review/${id}`, {
      decision: 'publish',
      _csrf: head.token(queue.body),
    });
    assert.equal(own.statusCode, 403);
    assert.match(main(own), /不能审核自己提交的版本/);
  });

  it('withdraws a service after a confirmation with a reason; a clerk may not', async () => {
    assert.equal((await clerk.get('/workbench/catalogue/SJ-0107/withdraw')).statusCode, 403);
    assert.doesNotMatch(main(await clerk.get('/workbench/catalogue/SJ-0107')), /撤下事项/);
    const page = await head.get('/workbench/catalogue/SJ-0107');
    assert.match(
      main(page),
      /<a class="button button--warning" href="\/workbench\/catalogue\/SJ-0107\/withdraw">撤下事项<\/a>/,
    );
    const confirm = await head.get('/workbench/catalogue/SJ-0107/withdraw');
    assert.equal(confirm.statusCode, 200);
    const csrf = head.token(confirm.body);
    const noReason = await head.post('/workbench/catalogue/SJ-0107/withdraw', { note: '', _csrf: csrf });
    assert.equal(noReason.statusCode, 400);
    assert.match(main(noReason), /<a href="#note">请写明撤下原因/);
    assert.ok(typeof (await publicService(app, 'SJ-0107')) === 'object', 'still public');
    assert.equal(
      (await clerk.post('/workbench/catalogue/SJ-0107/withdraw', { note: 'x', _csrf: csrf })).statusCode,
      403,
    );

    const done = await head.post('/workbench/catalogue/SJ-0107/withdraw', {
      note: '已并入个体工商户变更登记',
      _csrf: csrf,
    });
    assert.equal(done.statusCode, 303);
    const item = main(await head.get(done.headers.location ?? ''));
    assert.match(item, /事项已撤下/);
    assert.match(item, /已撤下，公众看不到/);
    assert.equal(await publicService(app, 'SJ-0107'), 404);
    const again = await head.post('/workbench/catalogue/SJ-0107/withdraw', { note: 'again', _csrf: csrf });
    assert.equal(again.statusCode, 409);
    assert.match(main(again), /事项 SJ-0107 目前不在门户上公开，无需撤下。/);
    assert.match(main(await clerk.get('/workbench/catalogue?state=withdrawn')), /SJ-0107/);
  });
});
