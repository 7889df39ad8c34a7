/*
 * Masking of personal identifiers wherever the viewer does not need the whole value (architecture guide §6).
 * One helper per kind, so every page and API masks the same way.
 */

const MASK = '*';

/** A resident ID number (or any long ID) with only the first 6 and last 4 characters shown: 990100********123X. */
export function maskIdNumber(value: string): string {
  const v = value.trim();
  if (v.length <= 10) return MASK.repeat(v.length);
  return `${v.slice(0, 6)}${MASK.repeat(v.length - 10)}${v.slice(-4)}`;
}

/** A phone number with only the first 3 and last 4 digits shown: 139****5678. */
export function maskPhone(value: string): string {
  const v = value.trim();
  if (v.length <= 7) return MASK.repeat(v.length);
  return `${v.slice(0, 3)}${MASK.repeat(v.length - 7)}${v.slice(-4)}`;
}
