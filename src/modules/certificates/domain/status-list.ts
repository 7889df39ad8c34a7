import { deflateSync, inflateSync } from 'node:zlib';

/**
 * The published revocation status of every certificate, as an IETF Token Status List (draft-ietf-oauth-status-list):
 * one bit per certificate (1 = revoked) at the certificate's `statusIndex`, least significant bit first within each
 * byte, compressed with zlib (DEFLATE) and base64url-encoded. Signed like a certificate, it lets anyone check a
 * revocation offline from one small download, without telling us which certificate they are looking at.
 */
export interface StatusList {
  bits: 1;
  /** base64url of the zlib-compressed bytes. */
  lst: string;
}

/** The list with the bits at `revoked` set, long enough for `size` certificates (at least one byte). */
export function encodeStatusList(revoked: Iterable<number>, size: number): StatusList {
  const bytes = new Uint8Array(Math.max(1, Math.ceil(size / 8)));
  for (const index of revoked) {
    if (!Number.isSafeInteger(index) || index < 0 || index >= bytes.length * 8)
      throw new RangeError(`Status index out of the list: ${index}`);
    bytes[index >> 3] = (bytes[index >> 3] as number) | (1 << (index & 7));
  }
  return { bits: 1, lst: deflateSync(bytes, { level: 9 }).toString('base64url') };
}

/** The status at `index` of a published list: 'revoked' (bit set), 'valid', or undefined when outside the list. */
export function statusAt(list: StatusList, index: number): 'valid' | 'revoked' | undefined {
  if (list.bits !== 1) throw new RangeError('Only one-bit status lists are read here');
  const bytes = inflateSync(Buffer.from(list.lst, 'base64url'));
  if (!Number.isSafeInteger(index) || index < 0 || index >= bytes.length * 8) return undefined;
  return ((bytes[index >> 3] as number) >> (index & 7)) & 1 ? 'revoked' : 'valid';
}
