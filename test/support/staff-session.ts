import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { generate } from 'otplib';
import { DEMO_PASSWORD } from '../../src/modules/identity/identity.seed.ts';
import { FormClient } from './form-client.ts';

/**
 * Signs a demo member of staff in through the pages, as a browser without JavaScript would: password, then the
 * TOTP second factor, enrolling the authenticator on this first sign-in (otplib plays the app). Returns the
 * signed-in client. The account must not have enrolled yet: the key is shown only the first time.
 */
export async function signInStaff(
  app: FastifyInstance,
  username: string,
  address: string,
): Promise<FormClient> {
  const client = new FormClient(app, address);
  const csrf = await client.csrfFrom('/sign-in');
  const signIn = await client.post('/sign-in', { username, password: DEMO_PASSWORD, _csrf: csrf });
  assert.equal(signIn.headers.location, '/sign-in/second-factor', `${username} owes the second factor`);
  const page = await client.get('/sign-in/second-factor');
  const key = /<code>([A-Z2-7]+)<\/code>/.exec(page.body)?.[1];
  assert.ok(key, `${username} enrols an authenticator on first sign-in`);
  const passed = await client.post('/sign-in/second-factor', {
    code: await generate({ secret: key }),
    _csrf: client.token(page.body),
  });
  assert.equal(passed.headers.location, '/account', `${username} passed the second factor`);
  return client;
}
