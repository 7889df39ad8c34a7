import { fileTypeFromBuffer } from 'file-type';

/** What a file's content says it is: a MIME type and the usual extension for it (`jpg`, not `jpeg`). */
export interface ContentType {
  mime: string;
  ext: string;
}

/**
 * The types accepted by default for documents people attach to what they submit: PDF, JPEG and PNG.
 *
 * OFD (GB/T 33190, the Chinese fixed-layout format) is left out on purpose: it is a zip archive with `OFD.xml`
 * at its root, and file-type names it only `application/zip`. Allowing generic zip would let any archive in,
 * so OFD needs a detector of its own that looks inside the archive before it can join this list.
 */
export const MATERIAL_TYPES: readonly string[] = ['application/pdf', 'image/jpeg', 'image/png'];

/**
 * Names a file's type from its first bytes (magic numbers), or undefined when they match no known type.
 * Plain text, CSV and the like have no magic number and come back undefined. Give it the whole file where you
 * have it: a few formats (zip-based ones above all) are told apart only by looking further in.
 */
export async function detectContentType(head: Uint8Array): Promise<ContentType | undefined> {
  try {
    const found = await fileTypeFromBuffer(head);
    return found ? { mime: found.mime, ext: found.ext } : undefined;
  } catch {
    // Bytes that make the parser give up are bytes we cannot name: the upload is refused, not the request.
    return undefined;
  }
}

/** Why an upload was refused; `detected` is the MIME type the content turned out to be, when it was named. */
export type UploadRefusal = {
  ok: false;
  reason: 'too-large' | 'empty' | 'unknown-type' | 'type-not-allowed';
  detected?: string;
};

/** An accepted upload, with the type its content proved to be: store and serve it under this, never the name's. */
export type UploadAcceptance = { ok: true; mime: string; ext: string };

/** One uploaded file to judge. `allowed` holds MIME types; `maxBytes` is inclusive. */
export interface UploadInput {
  bytes: Uint8Array;
  /**
   * The name the uploader gave the file, for the caller's records and messages. It is deliberately not consulted:
   * a name (and a client's Content-Type) is a claim anyone can make, so only the content decides.
   */
  declaredName: string;
  allowed: readonly string[];
  maxBytes: number;
}

/**
 * Decides whether an uploaded file may be kept: not empty, not larger than `maxBytes`, and content of an
 * allowed type. A text file or a program named `x.pdf` is refused; so is a real PDF when PDF is not allowed.
 */
export async function checkUpload(input: UploadInput): Promise<UploadAcceptance | UploadRefusal> {
  const { bytes, allowed, maxBytes } = input;
  if (bytes.byteLength === 0) return { ok: false, reason: 'empty' };
  // Size first: it costs nothing, and a file over the limit should not be parsed at all.
  if (bytes.byteLength > maxBytes) return { ok: false, reason: 'too-large' };
  const type = await detectContentType(bytes);
  if (!type) return { ok: false, reason: 'unknown-type' };
  if (!allowed.includes(type.mime)) return { ok: false, reason: 'type-not-allowed', detected: type.mime };
  return { ok: true, mime: type.mime, ext: type.ext };
}
