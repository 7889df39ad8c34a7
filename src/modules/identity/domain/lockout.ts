/*
 * Progressive lockout after failed sign-ins (OWASP ASVS 2.2.1): a few free attempts, then a lock that doubles
 * with every further failure, up to an hour. Per account name (guessing one person's password) and per address
 * (trying many accounts from one place), the latter with a higher threshold because offices share addresses.
 */

/** How a throttle key behaves. */
export interface LockoutRule {
  freeAttempts: number;
  firstLockSeconds: number;
  maxLockSeconds: number;
  /** Failures older than this are forgotten. */
  forgetAfterSeconds: number;
}

export const ACCOUNT_RULE: LockoutRule = {
  freeAttempts: 5,
  firstLockSeconds: 60,
  maxLockSeconds: 3600,
  forgetAfterSeconds: 24 * 3600,
};
export const ADDRESS_RULE: LockoutRule = {
  freeAttempts: 20,
  firstLockSeconds: 60,
  maxLockSeconds: 3600,
  forgetAfterSeconds: 24 * 3600,
};

/** The failure count after one more failure, given the previous count and when it was last incremented. */
export function failuresAfter(
  rule: LockoutRule,
  previous: number,
  lastFailureAt: Date | undefined,
  now: Date,
): number {
  const forgotten =
    !lastFailureAt || now.getTime() - lastFailureAt.getTime() > rule.forgetAfterSeconds * 1000;
  return (forgotten ? 0 : previous) + 1;
}

/** Until when a key with this many failures is locked, or undefined while attempts are still free. */
export function lockedUntil(rule: LockoutRule, failures: number, now: Date): Date | undefined {
  if (failures < rule.freeAttempts) return undefined;
  const seconds = Math.min(rule.maxLockSeconds, rule.firstLockSeconds * 2 ** (failures - rule.freeAttempts));
  return new Date(now.getTime() + seconds * 1000);
}

/** Throttle keys for second-factor guesses: per account, as for passwords (a 6-digit code must not be guessable). */
export function secondFactorThrottleKeys(accountId: string): [string, LockoutRule][] {
  return [[`second-factor:${accountId}`, ACCOUNT_RULE]];
}

/** Throttle keys for guesses of one account's password: sign-in and re-entering it share one budget. */
export function passwordThrottleKeys(username: string): [string, LockoutRule][] {
  return [[`account:${username}`, ACCOUNT_RULE]];
}
