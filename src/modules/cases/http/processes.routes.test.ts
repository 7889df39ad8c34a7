import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { signInStaff } from '../../../../test/support/staff-session.ts';
import type { Platform } from '../../../app.ts';

describe('the process pages (流程再造)', () => {
  let platform: Platform;
  let app: FastifyInstance;
  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
  });
  after(() => platform.close());

  it('shows a process as a diagram and an outline, refuses a loop with every problem, and activates a new version', async () => {
    const ma = await signInStaff(app, 'machao', '198.51.100.101');
    const list = await ma.get('/admin/processes');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /href="\/admin\/processes\/ZWFW-0101"/);
    const page = await ma.get('/admin/processes/ZWFW-0101');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<svg[^>]*role="img"/);
    assert.match(page.body, /以下各部门同时办理/);
    const token = ma.token(page.body);

    const looping = {
      start: 'a',
      nodes: [
        {
          id: 'a',
          type: 'task',
          kind: 'accept',
          name: { 'zh-CN': '受理', en: 'Acceptance' },
          department: 'CG',
          role: 'clerk',
          limitDays: 1,
          next: 'b',
        },
        {
          id: 'b',
          type: 'task',
          kind: 'review',
          name: { 'zh-CN': '审查', en: 'Review' },
          department: '',
          role: '',
          limitDays: 1,
          next: 'a',
        },
        { id: 'end', type: 'end' },
      ],
    };
    const refused = await ma.post('/admin/processes/CG-0101/drafts', {
      _csrf: token,
      definition: JSON.stringify(looping),
    });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /流程有环路：a → b → a/);
    assert.match(refused.body, /环节 b 没有指定办理部门和岗位/);
    const notJson = await ma.post('/admin/processes/CG-0101/drafts', { _csrf: token, definition: '{ nope' });
    assert.equal(notJson.statusCode, 400);

    const good = {
      start: 'a',
      nodes: [
        {
          id: 'a',
          type: 'task',
          kind: 'accept',
          name: { 'zh-CN': '受理', en: 'Acceptance' },
          department: 'CG',
          role: 'clerk',
          limitDays: 1,
          next: 'b',
        },
        {
          id: 'b',
          type: 'task',
          kind: 'review',
          name: { 'zh-CN': '审查', en: 'Review' },
          department: 'CG',
          role: 'reviewer',
          limitDays: 2,
          next: 'end',
        },
        { id: 'end', type: 'end' },
      ],
    };
    const saved = await ma.post('/admin/processes/CG-0101/drafts', {
      _csrf: token,
      definition: JSON.stringify(good),
    });
    assert.equal(saved.statusCode, 303);
    const draftPage = await ma.get(String(saved.headers.location));
    assert.match(draftPage.body, /已保存为草稿/);
    const draftId = /action="\/admin\/process-definitions\/(pdef_[0-9A-Z]+)\/activate"/.exec(
      draftPage.body,
    )?.[1];
    assert.ok(draftId);
    const activated = await ma.post(`/admin/process-definitions/${draftId}/activate`, { _csrf: token });
    assert.equal(activated.statusCode, 303);
    const after = await ma.get('/admin/processes/CG-0101');
    assert.match(after.body, /启用中/);
    assert.match(after.body, /已停用/);
  });

  it('is the platform administrator’s alone', async () => {
    const liu = await signInStaff(app, 'liuyang', '198.51.100.102');
    assert.equal((await liu.get('/admin/processes')).statusCode, 403);
    assert.equal((await app.inject({ url: '/admin/processes' })).statusCode, 303);
  });
});
