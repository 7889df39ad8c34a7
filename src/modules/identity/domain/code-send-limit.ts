/*
 * How many verification codes may be sent, per recipient and per client address: a sliding window, so the limit
 * holds over any hour, not per clock hour. Text messages cost money and can be abused to flood a stranger's phone
 * (SMS bombing) or to run up charges (SMS pumping); e-mail codes share the rule.
 */

/** At most `maxSends` codes in any `windowSeconds`. */
export interface SendLimitRule {
  maxSends: number;
  windowSeconds: number;
}

/** Per mobile number or e-mail address: enough to retry a few times, too few to flood anyone. */
export const RECIPIENT_SEND_RULE: SendLimitRule = { maxSends: 5, windowSeconds: 3600 };

/** Per client address: higher, because a service centre's counters and many offices share one address. */
export const ADDRESS_SEND_RULE: SendLimitRule = { maxSends: 20, windowSeconds: 3600 };

/** Whether one more code may go now, given the send times (epoch ms) recorded for a key. */
export type SendDecision =
  /** Yes; `recent` is what to record: the sends still inside the window, and this one. */
  | { allowed: true; recent: number[] }
  /** No; the oldest send in the window leaves it in `retryAfterSeconds` (at least 1). */
  | { allowed: false; retryAfterSeconds: number };

/** Decides one more send for a key under `rule`. Pure: the caller reads and writes `recent` under a row lock. */
export function decideSend(rule: SendLimitRule, recent: readonly number[], now: number): SendDecision {
  const windowMs = rule.windowSeconds * 1000;
  const inWindow = recent.filter((t) => t > now - windowMs && t <= now).sort((a, b) => a - b);
  if (inWindow.length < rule.maxSends) return { allowed: true, recent: [...inWindow, now] };
  // The send that must leave the window before there is room for one more.
  const blocking = inWindow[inWindow.length - rule.maxSends] as number;
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((blocking + windowMs - now) / 1000)) };
}
