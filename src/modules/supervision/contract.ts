/**
 * What the supervision module offers the modules above it: nothing yet. The auditor's pages are its whole surface;
 * a later issue (signed exports of old records, reports) may add calls here.
 */
export type SupervisionContract = undefined;
