// Uploaded files: what they really are, where their bytes live, and whether a scanner found anything in them.
export {
  type ContentType,
  checkUpload,
  detectContentType,
  MATERIAL_TYPES,
  type UploadAcceptance,
  type UploadInput,
  type UploadRefusal,
} from './content-type.ts';
export { createDiskFileStore, FileIntegrityError, type FileStore, type StoredFile } from './file-store.ts';
export {
  createVirusScanner,
  type ScanResult,
  type VirusScanner,
  type VirusScannerOptions,
} from './virus-scan.ts';
