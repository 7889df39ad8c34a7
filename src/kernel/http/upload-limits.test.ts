import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { startTestPlatform } from '../../../test/support/platform.ts';
import { signInPerson } from '../../../test/support/staff-session.ts';
import type { Platform } from '../../app.ts';

// Issue 7, abuse: upload bombs — huge, archive bombs, the wrong type — are refused early, without the platform
// reading (let alone inflating) what it will refuse.

/** A real zip archive of one entry that inflates from ~50 KB to `inflated` bytes of zeros. */
function zipBomb(inflated: number): Buffer {
  const content = Buffer.alloc(inflated);
  const data = deflateRawSync(content, { level: 9 });
  const name = Buffer.from('report.pdf');
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(inflated, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(inflated, 24);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(local.length + name.length + data.length, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

/**
 * Sends a request's headers and only the first chunk of a body that claims to be `declared` bytes long (or is
 * chunked when undefined), and resolves with the status the server answered before the rest ever arrived.
 */
async function answerBeforeBody(
  port: number,
  path: string,
  headers: Record<string, string>,
  declared: number | undefined,
): Promise<number> {
  const request = http.request({
    host: '127.0.0.1',
    port,
    path,
    method: 'POST',
    headers: declared === undefined ? headers : { ...headers, 'content-length': String(declared) },
  });
  request.on('error', () => undefined); // the server may close the socket once it has answered
  request.write(Buffer.alloc(64 * 1024, 0x41));
  const [response] = (await once(request, 'response')) as [http.IncomingMessage];
  response.resume();
  request.destroy();
  return response.statusCode ?? 0;
}

describe('upload bombs', () => {
  let platform: Platform;
  let app: FastifyInstance;
  let port: number;
  let cookie: string;
  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
    const zhang = await signInPerson(app, 'zhangwei', '203.0.113.90');
    cookie = Object.entries(zhang.cookies)
      .map(([name, value]) => `${name}=${value}`)
      .join('; ');
  });
  after(() => platform.close());

  it('refuses a huge anonymous multipart body on its headers, before reading it', async () => {
    const multipart = { 'content-type': 'multipart/form-data; boundary=x' };
    assert.equal(await answerBeforeBody(port, '/sign-in', multipart, 2_000_000_000), 401);
    assert.equal(await answerBeforeBody(port, '/sign-in', multipart, undefined), 401, 'chunked: no length');
    const forged = { ...multipart, authorization: 'Bearer not-a-token' };
    assert.equal(
      await answerBeforeBody(port, '/sign-in', forged, 2_000_000_000),
      401,
      'a page ignores tokens',
    );
    // Only a caller the identity module resolved counts, never a header's claim: an empty header on an API route,
    // a token on the health routes (outside the API's token check).
    const empty = { ...multipart, authorization: '' };
    assert.equal(await answerBeforeBody(port, '/api/v1/certificates/verify', empty, 3_000_000), 401);
    assert.equal(await answerBeforeBody(port, '/readyz', forged, 3_000_000), 401);
    const json = { 'content-type': 'application/json' };
    assert.equal(await answerBeforeBody(port, '/api/v1/uploads', json, 20_000_000), 401);
  });

  it('refuses a signed-in upload larger than the route allows before reading it', async () => {
    const headers = { 'content-type': 'application/json', cookie };
    assert.equal(await answerBeforeBody(port, '/api/v1/uploads', headers, 2_000_000_000), 413);
  });

  it('refuses archive bombs and disguised files on their content, without inflating them', async () => {
    const upload = (name: string, content: Buffer) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/uploads',
        headers: { cookie, 'content-type': 'application/json', 'accept-language': 'en' },
        payload: { name, content: content.toString('base64') },
      });
    const bomb = zipBomb(64 * 1024 * 1024);
    assert.ok(bomb.length < 200_000, 'a small archive that would inflate to 64 MB');
    for (const [name, content] of [
      ['report.pdf', bomb],
      ['report.pdf', gzipSync(Buffer.alloc(64 * 1024 * 1024))],
      ['photo.jpg', Buffer.from('MZ\x90\x00 a Windows program named as a photo')],
    ] as const) {
      const res = await upload(name, content);
      assert.equal(res.statusCode, 422, `${name}: ${res.body}`);
      assert.match(res.json().title, /PDF, JPG or PNG/);
    }
  });
});
