import { type Jwks, verifyCompact } from '../../kernel/signatures/index.ts';
import { STATUS_LIST_TYPE } from './certificates.service.ts';
import { type StatusList, statusAt } from './domain/status-list.ts';

/** What offline verification concludes, from the published keys (and, when given, the published status list). */
export interface OfflineVerification {
  status: 'valid' | 'revoked' | 'expired' | 'unknown' | 'tampered';
  /** Why: which check decided, in words for the person running the command. */
  reason: string;
  /** Whether revocation was checked (only with a status list). */
  revocationChecked: boolean;
  payload?: Record<string, unknown>;
}

/**
 * Verifies a certificate's compact credential with nothing from us but the published keys — no network, no
 * database: the signature (tampered / unknown key), the validity period (expired) and, when the signed status list
 * is given, revocation. `today` is the civil date to judge expiry by.
 */
export async function verifyOffline(
  jws: string,
  jwks: Jwks,
  options: { today: string; statusListJws?: string; now?: Date },
): Promise<OfflineVerification> {
  const checked = await verifyCompact(jws.trim(), jwks);
  if (checked.status === 'unknown-key')
    return {
      status: 'unknown',
      reason: `not signed by a published key (${checked.reason})`,
      revocationChecked: false,
    };
  if (checked.status === 'malformed')
    return {
      status: 'unknown',
      reason: `not a certificate credential (${checked.reason})`,
      revocationChecked: false,
    };
  if (checked.status !== 'valid')
    return {
      status: 'tampered',
      reason: 'the signature does not match the content',
      revocationChecked: false,
    };
  const payload = checked.payload;
  const validUntil = typeof payload.validUntil === 'string' ? payload.validUntil : null;
  let revocationChecked = false;
  if (options.statusListJws) {
    const list = await verifyCompact(options.statusListJws.trim(), jwks, { typ: STATUS_LIST_TYPE });
    if (list.status !== 'valid')
      return {
        status: 'unknown',
        reason: 'the status list given is not signed by a published key',
        revocationChecked: false,
        payload,
      };
    // A list past its expiry may predate a revocation: it proves nothing about revocation now.
    const expires = list.payload.exp;
    if (typeof expires === 'number' && expires * 1000 < (options.now ?? new Date()).getTime())
      return {
        status: 'unknown',
        reason: 'the status list given has expired: download it again',
        revocationChecked: false,
        payload,
      };
    const reference = (payload.status as { status_list?: { idx?: unknown; uri?: unknown } } | undefined)
      ?.status_list;
    if (typeof reference?.idx !== 'number' || reference.uri !== list.payload.sub)
      return {
        status: 'unknown',
        reason: 'the status list given is not the one this certificate names',
        revocationChecked: false,
        payload,
      };
    const state = statusAt(list.payload.status_list as StatusList, reference.idx);
    if (state === undefined)
      return {
        status: 'unknown',
        reason: 'the status list given does not cover this certificate (too old?)',
        revocationChecked: false,
        payload,
      };
    revocationChecked = true;
    if (state === 'revoked')
      return { status: 'revoked', reason: 'revoked by its issuer', revocationChecked, payload };
  }
  if (validUntil && validUntil < options.today)
    return { status: 'expired', reason: `valid until ${validUntil}`, revocationChecked, payload };
  return {
    status: 'valid',
    reason: 'signed by a published key; content unchanged',
    revocationChecked,
    payload,
  };
}
