import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { startTestPlatform } from '../../../test/support/platform.ts';
import type { Platform } from '../../app.ts';

describe('organisations: the department directory', () => {
  let platform: Platform;
  let app: FastifyInstance;
  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
  });
  after(() => platform.close());

  it('lists the demo city’s departments, the General Office first', async () => {
    const res = await app.inject({ url: '/api/v1/departments' });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.total, 20);
    assert.equal(body.items[0].code, 'BGT');
    assert.deepEqual(Object.keys(body.items[0]).sort(), ['code', 'id', 'name', 'website']);
    assert.match(body.items[0].id, /^dep_/);
  });

  it('finds one department by code, whatever its case', async () => {
    const res = await app.inject({ url: '/api/v1/departments/sj' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().name, {
      'zh-CN': '市市场监督管理局',
      en: 'Market Regulation Administration',
    });
  });

  it('answers an unknown code with its catalogue error, translated', async () => {
    const zh = await app.inject({ url: '/api/v1/departments/XYZ' });
    assert.equal(zh.statusCode, 404);
    assert.equal(zh.json().code, 'ORG_ERR_DEPARTMENT_NOT_FOUND');
    assert.equal(zh.json().title, '找不到代码为 XYZ 的部门。');
    const en = await app.inject({ url: '/api/v1/departments/XYZ?lang=en' });
    assert.equal(en.json().title, 'There is no department with the code XYZ.');
  });

  it('shows the directory page in both languages, names first', async () => {
    const zh = await app.inject({ url: '/departments' });
    assert.match(zh.body, /<th scope="row"[^>]*>市市场监督管理局<\/th>/);
    const en = await app.inject({ url: '/departments?lang=en' });
    assert.match(en.body, /Fire and Rescue Detachment/);
  });
});
