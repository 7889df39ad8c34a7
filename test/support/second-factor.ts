import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { generate } from 'otplib';
import { DEMO_PASSWORD } from '../../src/modules/identity/identity.seed.ts';
import { FormClient } from './form-client.ts';

/** Recovery codes as the codes page shows them. */
export const RECOVERY_CODE = /<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<\/code>/g;

/** Signs a staff member in and enrols the authenticator app; returns the browser, the TOTP secret and the codes page. */
export async function enrolledStaff(app: FastifyInstance, username: string, address: string) {
  const client = new FormClient(app, address);
  const signIn = await client.post('/sign-in', {
    username,
    password: DEMO_PASSWORD,
    _csrf: await client.csrfFrom('/sign-in'),
  });
  assert.equal(signIn.headers.location, '/sign-in/second-factor');
  const page = await client.get('/sign-in/second-factor');
  const secret = /<code>([A-Z2-7]{16,})<\/code>/.exec(page.body)?.[1] ?? '';
  const codesPage = await client.post('/sign-in/second-factor', {
    code: await generate({ secret }),
    _csrf: client.token(page.body),
  });
  const codes = [...codesPage.body.matchAll(RECOVERY_CODE)].map((m) => m[1] ?? '');
  return { client, secret, codesPage, codes };
}

/** Asks for WebAuthn options as static/webauthn.js does: POST, the page's CSRF token in a header. */
export async function fetchOptions(app: FastifyInstance, client: FormClient, url: string, csrf: string) {
  return app.inject({
    method: 'POST',
    url,
    cookies: client.cookies,
    remoteAddress: '198.51.100.99',
    headers: { accept: 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}) },
  });
}
