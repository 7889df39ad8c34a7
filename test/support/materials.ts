import type { Platform } from '../../src/app.ts';
import type { FormsService, UploadedFile } from '../../src/modules/forms/index.ts';

/** A small document whose content is a PDF (the upload check reads the magic bytes, not the name). */
export const SAMPLE_PDF = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

/**
 * A material `accountId` uploaded through the platform's own upload path, to name in `sampleAnswers(…, file)`: an
 * application may name only files its submitter uploaded.
 */
export function uploadSample(platform: Platform, accountId: string): Promise<UploadedFile> {
  return (platform.contracts.forms as FormsService).upload(
    accountId,
    { filename: 'material.pdf', bytes: SAMPLE_PDF },
    'en',
  );
}
