/**
 * A mainland China mobile number as 11 digits starting with 1, from what people type: full-width digits (a Chinese
 * input method's), spaces, hyphens, brackets and a leading +86 or 0086 are accepted and removed. Undefined when
 * what remains is not such a number.
 */
export function normalizeMainlandMobile(raw: string): string | undefined {
  const compact = raw
    .normalize('NFKC')
    .replace(/[\s\-()]/g, '')
    .replace(/^(?:\+|00)86/, '');
  return /^1\d{10}$/.test(compact) ? compact : undefined;
}
