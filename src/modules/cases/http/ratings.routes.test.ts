import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { FormClient } from '../../../../test/support/form-client.ts';
import { uploadSample } from '../../../../test/support/materials.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { signInStaff } from '../../../../test/support/staff-session.ts';
import type { Platform } from '../../../app.ts';
import { type Actor, actorIdOf } from '../../../kernel/authz/authz.ts';
import { type FormsService, sampleAnswers } from '../../forms/index.ts';
import { DEMO_PASSWORD, type IdentityContract } from '../../identity/index.ts';
import type { CaseView } from '../cases.service.ts';
import { rectifications } from '../db/ratings.tables.ts';
import type { CasesModule } from '../index.ts';

// 城管 (urban management) registers a shop sign in one step, decided by its clerk 周强 (zhouqiang).
const SERVICE = 'CG-0101';
const CG_CLERK: Actor = {
  kind: 'staff',
  accountId: 'acct_cg_clerk',
  clearance: 'internal',
  roles: [{ departmentCode: 'CG', role: 'clerk' }],
};

describe('rating a case and putting a poor rating right, through the pages', () => {
  let platform: Platform;
  let app: FastifyInstance;
  let cases: CasesModule;
  let closed: CaseView;
  let open: CaseView;

  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
    cases = platform.contracts.cases as CasesModule;
    const identity = platform.contracts.identity as IdentityContract;
    const zhang = await identity.findAccount('zhangwei');
    assert.ok(zhang);
    const applicant = await identity.actorOf(zhang.id);
    const form = await (platform.contracts.forms as FormsService).activeForm(SERVICE);
    assert.ok(form);
    const submit = async (seed: number) =>
      (
        await cases.submit(
          applicant,
          {
            serviceCode: SERVICE,
            answers: sampleAnswers(
              form.definition,
              seed,
              undefined,
              await uploadSample(platform, actorIdOf(applicant) ?? ''),
            ),
            idempotencyKey: `rate-${seed}`,
          },
          { clientAddress: '192.0.2.1' },
        )
      ).case;
    open = await submit(1);
    closed = await submit(2);
    for (const task of closed.tasks.filter((x) => x.state === 'open'))
      closed = await cases.decide(CG_CLERK, task.id, { outcome: 'approve', revision: task.revision }, {});
    assert.equal(closed.state, 'approved');
  });
  after(() => platform.close());

  async function signIn(username: string, address: string): Promise<FormClient> {
    const client = new FormClient(app, address);
    const csrf = await client.csrfFrom('/sign-in');
    const res = await client.post('/sign-in', { username, password: DEMO_PASSWORD, _csrf: csrf });
    assert.equal(res.statusCode, 303);
    return client;
  }

  const scores = (value: string) => ({
    'score-efficiency': value,
    'score-attitude': value,
    'score-convenience': value,
    'score-transparency': value,
    'score-integrity': value,
  });

  it('lets 张伟 rate his closed case once, with every problem of the form shown at once', async () => {
    assert.equal(
      (await app.inject({ url: `/cases/${closed.number}/rating` })).statusCode,
      303,
      'sign in first',
    );
    const zhang = await signIn('zhangwei', '198.51.100.101');

    const notYet = await zhang.get(`/cases/${open.number}/rating`);
    assert.equal(notYet.statusCode, 200);
    assert.match(notYet.body, /办件办结后即可评价/);
    assert.doesNotMatch(notYet.body, /name="level"/);

    const url = `/cases/${closed.number}/rating`;
    const blank = await zhang.get(url);
    assert.equal(blank.statusCode, 200);
    assert.match(blank.body, new RegExp(`action="${url}"`));
    assert.match(blank.body, /<legend class="fieldset__legend">服务态度<\/legend>/);
    assert.equal(
      [...blank.body.matchAll(/type="radio"/g)].length,
      5 + 5 * 5,
      'five levels, five scores each',
    );
    const token = zhang.token(blank.body);
    assert.ok(token);

    // A form from elsewhere (no token) is refused before anything is looked at.
    assert.equal((await zhang.post(url, { level: 'satisfied', ...scores('5') })).statusCode, 403);

    // Every problem at once, each linked to its question; what was chosen stays chosen.
    const bad = await zhang.post(url, { _csrf: token, 'score-efficiency': '2', 'score-attitude': '9' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /class="error-summary"/);
    assert.match(bad.body, /href="#level">请选择总体评价/);
    assert.match(bad.body, /href="#score-attitude">请为“服务态度”选择 1 到 5 分/);
    assert.match(bad.body, /href="#score-integrity">请为“廉洁”选择 1 到 5 分/);
    assert.doesNotMatch(bad.body, /href="#score-efficiency"/);
    assert.match(bad.body, /name="score-efficiency" value="2" checked/);

    const sent = await zhang.post(url, {
      _csrf: token,
      level: 'dissatisfied',
      ...scores('2'),
      comment: '窗口告知的材料与网上不一致，跑了两次',
    });
    assert.equal(sent.statusCode, 303);
    assert.equal(sent.headers.location, `/cases/${closed.number}?rated=1`);

    const shown = await zhang.get(url);
    assert.match(shown.body, /您的评价/);
    assert.match(shown.body, /不满意/);
    assert.match(shown.body, /窗口告知的材料与网上不一致，跑了两次/);
    assert.match(shown.body, /正在整改，将于 \d{4}-\d{2}-\d{2} 前答复您/);
    assert.doesNotMatch(shown.body, /name="level"/, 'no second form');
    const again = await zhang.post(url, { _csrf: token, level: 'very_satisfied', ...scores('5') });
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /已经评价过/);

    const english = await zhang.get(`${url}?lang=en`);
    assert.match(english.body, /Your rating/);
    assert.match(english.body, /Dissatisfied/);
    assert.match(english.body, /is putting it right and will answer you by/);

    // Someone else's case is not theirs to see or rate.
    const wang = await signIn('wangfang', '198.51.100.102');
    const foreign = await wang.get(url);
    assert.equal(foreign.statusCode, 403);
  });

  it('shows the rectification to the department’s clerk, overdue once past its date, and the outcome to the applicant', async () => {
    const [row] = await platform.kernel.db
      .select()
      .from(rectifications)
      .where(eq(rectifications.caseId, closed.id));
    assert.ok(row, 'the dissatisfied rating opened a rectification');
    assert.equal(row.departmentCode, 'CG');

    const zhou = await signInStaff(app, 'zhouqiang', '198.51.100.103');
    const list = await zhou.get('/workbench/rectifications');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, new RegExp(`href="/workbench/cases/${closed.number}"`));
    assert.match(list.body, /窗口告知的材料与网上不一致/);
    assert.match(list.body, /整改中/);
    assert.match(list.body, new RegExp(`action="/workbench/rectifications/${row.id}"`));

    // Past its date it shows as overdue, to the department and to the applicant.
    await platform.kernel.db
      .update(rectifications)
      .set({ dueOn: '2020-01-02' })
      .where(eq(rectifications.id, row.id));
    assert.match((await zhou.get('/workbench/rectifications')).body, /已逾期/);
    const zhang = await signIn('zhangwei', '198.51.100.104');
    assert.match((await zhang.get(`/cases/${closed.number}/rating`)).body, /整改已逾期/);

    // Another department neither sees it nor may close it.
    const liu = await signInStaff(app, 'liuyang', '198.51.100.105');
    const other = await liu.get('/workbench/rectifications');
    assert.equal(other.statusCode, 200);
    assert.doesNotMatch(other.body, new RegExp(closed.number));
    const refused = await liu.post(`/workbench/rectifications/${row.id}`, {
      _csrf: liu.token(other.body),
      outcome: '已整改',
    });
    assert.equal(refused.statusCode, 403);
    // A member of the public has no rectifications to see.
    assert.equal((await zhang.get('/workbench/rectifications')).statusCode, 403);

    const token = zhou.token(list.body);
    const empty = await zhou.post(`/workbench/rectifications/${row.id}`, { _csrf: token, outcome: '  ' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, new RegExp(`href="#outcome-${row.id}">请填写整改情况`));

    const outcome = '已统一网上和窗口的材料清单，并向申请人致歉。';
    const done = await zhou.post(`/workbench/rectifications/${row.id}`, { _csrf: token, outcome });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/workbench/rectifications?done=1');
    const listed = await zhou.get('/workbench/rectifications?done=1');
    assert.match(listed.body, /整改情况已记录/);
    assert.match(listed.body, new RegExp(outcome));
    assert.doesNotMatch(listed.body, new RegExp(`action="/workbench/rectifications/${row.id}"`));
    const twice = await zhou.post(`/workbench/rectifications/${row.id}`, { _csrf: token, outcome: '再次' });
    assert.equal(twice.statusCode, 409);

    const seen = await zhang.get(`/cases/${closed.number}/rating?lang=zh-CN`);
    assert.match(seen.body, /已完成整改/);
    assert.match(seen.body, new RegExp(outcome));
    assert.match((await zhang.get(`/cases/${closed.number}/rating?lang=en`)).body, /has put it right/);
  });
});
