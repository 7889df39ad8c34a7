import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { count } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { FormClient } from '../../../../test/support/form-client.ts';
import { SAMPLE_PDF, uploadSample } from '../../../../test/support/materials.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { signInPerson, signInStaff } from '../../../../test/support/staff-session.ts';
import type { Platform } from '../../../app.ts';
import { type FormsService, sampleAnswers, type UploadedFile } from '../../forms/index.ts';
import type { IdentityContract } from '../../identity/index.ts';
import { cases } from '../db/cases.tables.ts';

describe('the cases API', () => {
  let platform: Platform;
  let app: FastifyInstance;
  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
  });
  after(() => platform.close());

  const identityOf = async (username: string) =>
    (await (platform.contracts.identity as IdentityContract).findAccount(username))?.id;

  const caseCount = async () => (await platform.kernel.db.select({ n: count() }).from(cases))[0]?.n;

  const call = (
    client: FormClient | undefined,
    method: 'GET' | 'POST',
    url: string,
    body?: unknown,
    headers = {},
  ) =>
    app.inject({
      method,
      url,
      cookies: client?.cookies ?? {},
      remoteAddress: '203.0.113.40',
      headers: { 'accept-language': 'en', ...headers },
      ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}),
    });

  it('applies, tracks and decides the restaurant case through the API, each department in its turn', async () => {
    const zhang = await signInPerson(app, 'zhangwei', '203.0.113.41');
    const form = await (platform.contracts.forms as FormsService).activeForm('ZWFW-0101');
    assert.ok(form);
    // Materials first: uploaded as JSON, checked on their content, and then his to name in his answers.
    const refused = await call(zhang, 'POST', '/api/v1/uploads', {
      name: 'plan.pdf',
      content: Buffer.from('<html>not a plan</html>').toString('base64'),
    });
    assert.equal(refused.statusCode, 422, refused.body);
    assert.match(refused.json().title, /PDF, JPG or PNG/);
    const uploaded = await call(zhang, 'POST', '/api/v1/uploads', {
      name: 'plan.pdf',
      content: SAMPLE_PDF.toString('base64'),
    });
    assert.equal(uploaded.statusCode, 201, uploaded.body);
    assert.equal(uploaded.json().mime, 'application/pdf');
    const unknownFile = await call(
      zhang,
      'POST',
      '/api/v1/cases',
      {
        serviceCode: 'ZWFW-0101',
        answers: sampleAnswers(form.definition, 7, undefined, {
          ...(uploaded.json() as UploadedFile),
          sha256: 'f'.repeat(64),
        }),
      },
      { 'idempotency-key': 'a3f1c2d4-unknown-file' },
    );
    assert.equal(unknownFile.statusCode, 400, 'a file he did not upload is refused');
    assert.match(JSON.stringify(unknownFile.json().errors ?? unknownFile.json()), /not a file you uploaded/);
    const submission = {
      serviceCode: 'ZWFW-0101',
      answers: sampleAnswers(form.definition, 7, undefined, uploaded.json()),
    };
    const key = { 'idempotency-key': 'a3f1c2d4-restaurant' };
    const created = await call(zhang, 'POST', '/api/v1/cases', submission, key);
    assert.equal(created.statusCode, 201, created.body);
    const number = created.json().number as string;
    const answered = submission.answers as { applicant: { idNumber: string; phone: string } };
    assert.ok(
      created.json().tasks.every((t: object) => !('claimedBy' in t)),
      'the applicant is not told who claimed a step',
    );
    const retried = await call(zhang, 'POST', '/api/v1/cases', submission, key);
    assert.equal(retried.statusCode, 200, 'a retry with the same key returns the same case');
    assert.equal(retried.json().number, number);
    const mine = await call(zhang, 'GET', '/api/v1/cases');
    assert.ok(mine.json().some((c: { number: string }) => c.number === number));

    const chen = await signInStaff(app, 'chenjing', '203.0.113.42');
    const inbox = await call(chen, 'GET', '/api/v1/tasks');
    const accept = inbox.json().items.find((t: { caseNumber: string }) => t.caseNumber === number);
    assert.ok(accept, 'the service centre sees the new case');
    const claimed = await call(chen, 'POST', `/api/v1/tasks/${accept.id}/claim`, {
      revision: accept.revision,
    });
    assert.equal(claimed.statusCode, 200, claimed.body);
    const chenId = claimed.json().claimedBy as string;
    assert.ok(chenId);
    const note = '内部：已电话核实申请人身份';
    const accepted = await call(chen, 'POST', `/api/v1/tasks/${accept.id}/decision`, {
      outcome: 'approve',
      revision: claimed.json().revision,
      note,
    });
    assert.equal(accepted.statusCode, 200, accepted.body);
    // Staff get the applicant's identifiers masked from the API as on the workbench; the whole values only by reveal.
    assert.match(accepted.json().answers.applicant.idNumber, /^340101\*{8}\d{3}[\dX]$/);
    assert.match(accepted.json().answers.applicant.phone, /^138\*{4}\d{4}$/);
    assert.ok(!accepted.body.includes(answered.applicant.idNumber));
    assert.ok(!accepted.body.includes(answered.applicant.phone));
    const done = accepted.json().tasks.find((t: { id: string }) => t.id === accept.id);
    assert.equal(done.claimedBy, chenId, 'staff see who claimed a step');
    assert.equal(done.reason, note, 'and the approver’s note');
    const read = await call(chen, 'GET', `/api/v1/cases/${number}`);
    assert.equal(read.statusCode, 200);
    assert.match(read.json().answers.applicant.idNumber, /^340101\*{8}\d{3}[\dX]$/);
    assert.ok(!read.body.includes(answered.applicant.idNumber));
    const again = await call(chen, 'POST', `/api/v1/tasks/${accept.id}/decision`, {
      outcome: 'approve',
      revision: accept.revision,
    });
    assert.equal(again.statusCode, 409);
    assert.match(again.json().title, /Someone else has already dealt with this step/);

    // 刘洋 of market regulation cannot decide the fire brigade's step.
    const liu = await signInStaff(app, 'liuyang', '203.0.113.43');
    const fire = accepted.json().tasks.find((t: { departmentCode: string }) => t.departmentCode === 'XF');
    const foreign = await call(liu, 'POST', `/api/v1/tasks/${fire.id}/decision`, {
      outcome: 'approve',
      revision: fire.revision,
    });
    assert.equal(foreign.statusCode, 403);

    // The applicant follows it.
    const tracked = await call(zhang, 'GET', `/api/v1/cases/${number.toLowerCase()}`);
    assert.equal(tracked.statusCode, 200);
    assert.equal(tracked.json().tasks.filter((t: { state: string }) => t.state === 'open').length, 4);
    // Their own answers whole, but nothing internal: not who claimed a step, not the approver's note.
    assert.equal(tracked.json().answers.applicant.idNumber, answered.applicant.idNumber);
    assert.ok(tracked.json().tasks.every((t: object) => !('claimedBy' in t)));
    assert.equal(tracked.json().tasks.find((t: { id: string }) => t.id === accept.id).reason, null);
    assert.ok(!tracked.body.includes(chenId), 'no staff account id');
    assert.ok(!tracked.body.includes(note), 'no internal note');
    const listed = await call(zhang, 'GET', '/api/v1/cases');
    assert.ok(!listed.body.includes(chenId));
    // Someone else does not.
    const li = await signInPerson(app, 'lina', '203.0.113.44');
    assert.equal((await call(li, 'GET', `/api/v1/cases/${number}`)).statusCode, 403);
  });

  it('answers a machine client’s decision with the masked staff view, and nothing it may not read', async () => {
    const zhang = await signInPerson(app, 'zhangwei', '203.0.113.47');
    const form = await (platform.contracts.forms as FormsService).activeForm('ZWFW-0101');
    assert.ok(form);
    const file = await uploadSample(platform, (await identityOf('zhangwei')) ?? '');
    const answers = sampleAnswers(form.definition, 8, undefined, file) as { applicant: { idNumber: string } };
    const created = await call(
      zhang,
      'POST',
      '/api/v1/cases',
      { serviceCode: 'ZWFW-0101', answers },
      { 'idempotency-key': 'b7e2d9c1-machine' },
    );
    assert.equal(created.statusCode, 201, created.body);
    const accept = created.json().tasks[0];
    // The service centre's own system, holding only the decide scope.
    const identity = platform.contracts.identity as IdentityContract;
    const issued = await identity.apiTokens.issue({
      clientName: 'zwfw-window',
      departmentCode: 'ZWFW',
      scopes: ['cases.task.decide'],
      days: 1,
    });
    const bearer = { authorization: `Bearer ${issued.token}` };
    const decided = await call(
      undefined,
      'POST',
      `/api/v1/tasks/${accept.id}/decision`,
      { outcome: 'approve', revision: accept.revision },
      bearer,
    );
    assert.equal(decided.statusCode, 200, decided.body);
    assert.match(decided.json().answers.applicant.idNumber, /^340101\*{8}\d{3}[\dX]$/);
    assert.ok(!decided.body.includes(answers.applicant.idNumber), 'the ID number is masked');
    // Reading the case is not the client's to do: the decision's answer is no back door to it either.
    const read = await call(undefined, 'GET', `/api/v1/cases/${created.json().number}`, undefined, bearer);
    assert.equal(read.statusCode, 403);
  });

  it('refuses bad requests with a translated problem and changes nothing', async () => {
    const before = await caseCount();
    const anonymous = await call(
      undefined,
      'POST',
      '/api/v1/cases',
      { serviceCode: 'SJ-0201', answers: {} },
      {
        'idempotency-key': 'anonymous-0001',
      },
    );
    assert.equal(anonymous.statusCode, 401);
    const zhang = await signInPerson(app, 'zhangwei', '203.0.113.45');
    const noKey = await call(zhang, 'POST', '/api/v1/cases', { serviceCode: 'SJ-0201', answers: {} });
    assert.equal(noKey.statusCode, 400);
    const unknown = await call(
      zhang,
      'POST',
      '/api/v1/cases',
      { serviceCode: 'GA-0101', answers: {} },
      {
        'idempotency-key': 'no-process-0001',
      },
    );
    assert.equal(unknown.statusCode, 409);
    assert.equal(unknown.json().code, 'CASES_ERR_SERVICE_NOT_OPEN');
    const chinese = await call(
      zhang,
      'POST',
      '/api/v1/cases',
      { serviceCode: 'GA-0101', answers: {} },
      {
        'idempotency-key': 'no-process-0002',
        'accept-language': 'zh-CN',
      },
    );
    assert.match(chinese.json().title, /目前不能在网上申请/);
    const incomplete = await call(
      zhang,
      'POST',
      '/api/v1/cases',
      { serviceCode: 'ZWFW-0101', answers: { premises: { seats: 'forty' }, sign: { hasSign: 'maybe' } } },
      { 'idempotency-key': 'incomplete-0001' },
    );
    assert.equal(incomplete.statusCode, 400);
    const paths = incomplete.json().errors.map((e: { path: string }) => e.path);
    assert.ok(
      paths.includes('premises.seats') && paths.includes('sign.hasSign') && paths.includes('applicant.name'),
    );
    assert.match(
      incomplete.json().errors.find((e: { path: string }) => e.path === 'premises.seats').message,
      /Enter a number/,
    );
    // A form on another site can post urlencoded with the citizen's cookie: the API takes only JSON from cookies.
    const forged = await app.inject({
      method: 'POST',
      url: '/api/v1/cases',
      cookies: zhang.cookies,
      remoteAddress: '203.0.113.45',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': 'forged-00001' },
      payload: 'serviceCode=SJ-0201',
    });
    assert.equal(forged.statusCode, 415);
    // Also when the path is %-escaped: the router decodes it to the same route.
    const escaped = await app.inject({
      method: 'POST',
      url: '/%61pi/v1/cases',
      cookies: zhang.cookies,
      remoteAddress: '203.0.113.45',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': 'forged-00002' },
      payload: 'serviceCode=SJ-0201',
    });
    assert.equal(escaped.statusCode, 415);
    const decision = await call(zhang, 'POST', '/api/v1/tasks/task_nothing/decision', {
      outcome: 'reject',
      revision: 1,
      reason: '',
    });
    assert.equal(decision.statusCode, 400);
    assert.equal(await caseCount(), before);
  });

  it('exports a process as BPMN and takes a drawing back as a new draft, refusing what it cannot run', async () => {
    const versions = await call(undefined, 'GET', '/api/v1/services/ZWFW-0101/process');
    const active = versions.json().find((v: { state: string }) => v.state === 'active');
    const exported = await call(undefined, 'GET', `/api/v1/process-definitions/${active.id}/bpmn`);
    assert.equal(exported.statusCode, 200);
    assert.match(String(exported.headers['content-type']), /application\/xml/);
    assert.match(exported.body, /<bpmn:parallelGateway/);
    const ma = await signInStaff(app, 'machao', '203.0.113.46');
    const xml = { 'content-type': 'application/xml' };
    const imported = await app.inject({
      method: 'POST',
      url: '/api/v1/services/ZWFW-0101/process/bpmn',
      cookies: ma.cookies,
      remoteAddress: '203.0.113.46',
      headers: { ...xml, 'accept-language': 'en' },
      payload: exported.body,
    });
    assert.equal(imported.statusCode, 201, imported.body);
    assert.equal(imported.json().state, 'draft');
    assert.deepEqual(imported.json().definition, active.definition, 'the round trip keeps the process');
    const script = exported.body
      .replace(/<bpmn:userTask /, '<bpmn:serviceTask ')
      .replace(/<\/bpmn:userTask>/, '</bpmn:serviceTask>');
    const refused = await app.inject({
      method: 'POST',
      url: '/api/v1/services/ZWFW-0101/process/bpmn',
      cookies: ma.cookies,
      remoteAddress: '203.0.113.46',
      headers: { ...xml, 'accept-language': 'en' },
      payload: script,
    });
    assert.equal(refused.statusCode, 400);
    assert.equal(refused.json().code, 'CASES_ERR_BPMN_UNSUPPORTED');
    assert.ok(refused.json().errors.length > 0);
  });

  it('describes every cases route in the OpenAPI document', async () => {
    const document = (await app.inject({ url: '/api/openapi.json' })).json();
    for (const path of [
      '/api/v1/cases',
      '/api/v1/cases/{id}',
      '/api/v1/cases/{id}/supplement',
      '/api/v1/cases/{id}/withdraw',
      '/api/v1/tasks',
      '/api/v1/tasks/{id}/claim',
      '/api/v1/tasks/{id}/decision',
      '/api/v1/services/{code}/process',
      '/api/v1/process-definitions/{id}/activate',
      '/api/v1/process-definitions/{id}/bpmn',
      '/api/v1/services/{code}/process/bpmn',
    ])
      assert.ok(document.paths[path], path);
  });
});
