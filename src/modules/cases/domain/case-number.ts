/**
 * Case numbers (`SJ-2026-0000042-K`): the responsible department, the year, the platform's sequence number and a
 * check character — the kernel's reference numbers (kernel/reference-number.ts) with the department as prefix.
 */
export {
  checkCharacter,
  formatReferenceNumber as formatCaseNumber,
  parseReferenceNumber as parseCaseNumber,
} from '../../../kernel/reference-number.ts';
