import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { demoFormDefinition, sampleAnswers, type UploadedFile } from '../src/modules/forms/index.ts';
import { DEMO_PASSWORD } from '../src/modules/identity/index.ts';
import { SAMPLE_PDF } from './support/materials.ts';
import { freePort, spawnYiwang, waitForOk, type YiwangProcess } from './support/processes.ts';

// Issue 5: a process killed (SIGKILL) in the middle of a burst of submissions loses no acknowledged case, and the
// clients' retries with their idempotency keys create no duplicate — on the embedded database, as a pilot runs it.

const SUBMISSIONS = 30;
const scratch: string[] = [];
after(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A browser's cookies for fetch: enough for a session and the CSRF secret. */
class Jar {
  cookies = new Map<string, string>();
  keep(response: Response) {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const [name = '', value = ''] = pair.split('=');
      this.cookies.set(name.trim(), value.trim());
    }
  }
  header() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

async function signIn(base: string, jar: Jar) {
  const form = await fetch(`${base}/sign-in`, { headers: { cookie: jar.header() } });
  jar.keep(form);
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const res = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'zhangwei', password: DEMO_PASSWORD, _csrf: token }).toString(),
  });
  assert.equal(res.status, 303);
  jar.keep(res);
}

/** Uploads the material the applications name (an application may name only its submitter's uploads). */
async function upload(base: string, jar: Jar): Promise<UploadedFile> {
  const res = await fetch(`${base}/api/v1/uploads`, {
    method: 'POST',
    headers: { cookie: jar.header(), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'plan.pdf', content: SAMPLE_PDF.toString('base64') }),
  });
  assert.equal(res.status, 201);
  return (await res.json()) as UploadedFile;
}

function submit(base: string, jar: Jar, key: string, seed: number, file: UploadedFile) {
  const form = demoFormDefinition('SJ-0201');
  assert.ok(form);
  return fetch(`${base}/api/v1/cases`, {
    method: 'POST',
    headers: { cookie: jar.header(), 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ serviceCode: 'SJ-0201', answers: sampleAnswers(form, seed, undefined, file) }),
  });
}

async function start(dataDir: string): Promise<{ process: YiwangProcess; base: string }> {
  const port = await freePort();
  const process = spawnYiwang(['serve'], { YIWANG_DATA_DIR: dataDir, PORT: String(port) });
  const base = `http://127.0.0.1:${port}`;
  await waitForOk(`${base}/readyz`, process, 90_000);
  return { process, base };
}

describe('submissions through a crash (embedded database)', () => {
  it('keeps every acknowledged case, once, when the server is killed mid-burst and the clients retry', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'yiwang-crash-'));
    scratch.push(dataDir);
    const first = await start(dataDir);
    const jar = new Jar();
    await signIn(first.base, jar);
    const file = await upload(first.base, jar);

    const keys = Array.from({ length: SUBMISSIONS }, (_, i) => `crash-burst-${String(i).padStart(3, '0')}`);
    const acknowledged = new Map<string, string>();
    let settled = 0;
    const burst = keys.map((key, i) =>
      submit(first.base, jar, key, i, file)
        .then(async (res) => {
          if (res.status === 201 || res.status === 200) acknowledged.set(key, (await res.json()).number);
        })
        .catch(() => undefined) // the connection died with the server: not acknowledged
        .finally(() => {
          settled++;
        }),
    );
    // Kill it once some submissions are acknowledged and others are still in flight.
    const deadline = Date.now() + 60_000;
    while (acknowledged.size < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    first.process.child.kill('SIGKILL');
    await first.process.exited;
    await Promise.all(burst);
    assert.ok(acknowledged.size >= 5, 'some submissions were acknowledged before the kill');
    assert.ok(acknowledged.size < SUBMISSIONS, 'and some were still in flight when it died');
    assert.ok(settled === SUBMISSIONS);

    const second = await start(dataDir);
    try {
      // The session survived (it is in the database); every client retries with its own key.
      const retried = new Map<string, string>();
      for (const [i, key] of keys.entries()) {
        const res = await submit(second.base, jar, key, i, file);
        assert.ok(res.status === 200 || res.status === 201, `${key}: ${res.status}`);
        const body = await res.json();
        retried.set(key, body.number);
        if (acknowledged.has(key))
          assert.equal(res.status, 200, `${key} was acknowledged: the retry replays it`);
      }
      for (const [key, number] of acknowledged)
        assert.equal(retried.get(key), number, `${key} kept its case`);
      const mine = (await (
        await fetch(`${second.base}/api/v1/cases`, { headers: { cookie: jar.header() } })
      ).json()) as {
        number: string;
        serviceCode: string;
      }[];
      const burstCases = mine.filter((c) => c.serviceCode === 'SJ-0201');
      assert.equal(burstCases.length, SUBMISSIONS, 'one case per submission: none lost, none doubled');
      assert.equal(new Set(burstCases.map((c) => c.number)).size, SUBMISSIONS);
    } finally {
      second.process.child.kill('SIGTERM');
      await second.process.exited;
    }
  });
});
