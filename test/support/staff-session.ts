import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { DEMO_PASSWORD } from '../../src/modules/identity/index.ts';
import { FormClient } from './form-client.ts';
import { enrolledStaff } from './second-factor.ts';

/**
 * Signs a demo member of staff in through the pages, as a browser without JavaScript would: password, then the
 * TOTP second factor, enrolling the authenticator on this first sign-in (otplib plays the app), past the page of
 * recovery codes. Returns the signed-in client. The account must not have enrolled yet.
 */
export async function signInStaff(
  app: FastifyInstance,
  username: string,
  address: string,
): Promise<FormClient> {
  const { client, codesPage, codes } = await enrolledStaff(app, username, address);
  assert.equal(codesPage.statusCode, 200, `${username} passed the second factor`);
  assert.equal(codes.length, 10, `${username} was shown the recovery codes`);
  assert.equal((await client.get('/account')).statusCode, 200, `${username} reaches the account page`);
  return client;
}

/** Signs a demo member of the public in through the sign-in form (they have no second factor). */
export async function signInPerson(
  app: FastifyInstance,
  username: string,
  address: string,
): Promise<FormClient> {
  const client = new FormClient(app, address);
  const csrf = await client.csrfFrom('/sign-in');
  const res = await client.post('/sign-in', { username, password: DEMO_PASSWORD, _csrf: csrf });
  assert.equal(res.statusCode, 303, `${username} signed in`);
  return client;
}
