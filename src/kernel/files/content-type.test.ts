import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { checkUpload, detectContentType, MATERIAL_TYPES } from './content-type.ts';

const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));

// A whole (tiny) PDF: header, one object, a trailer.
const PDF = ascii(
  '%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n',
);

function pngChunk(type: string, data: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.byteLength);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

// The 8-byte signature and an IHDR for a 1×1 truecolour image.
const PNG = new Uint8Array(
  Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', new Uint8Array([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0])),
  ]),
);

// SOI, then an APP0 JFIF segment (version 1.01, no thumbnail).
const JPEG = new Uint8Array([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01,
  0x00, 0x00,
]);

// The start of a Windows program: `MZ` and the first fields of the DOS header.
const EXE = new Uint8Array([
  0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xff, 0xff,
]);

// A stored (uncompressed) zip holding OFD.xml at its root: the shape of an OFD document.
function ofdShapedZip(): Uint8Array {
  const name = Buffer.from('OFD.xml');
  const data = Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>',
  );
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt32LE(crc32(data), 14);
  header.writeUInt32LE(data.byteLength, 18);
  header.writeUInt32LE(data.byteLength, 22);
  header.writeUInt16LE(name.byteLength, 26);
  return new Uint8Array(Buffer.concat([header, name, data]));
}

describe('detectContentType', () => {
  it('names PDF, PNG and JPEG from their bytes', async () => {
    assert.deepEqual(await detectContentType(PDF), { mime: 'application/pdf', ext: 'pdf' });
    assert.deepEqual(await detectContentType(PNG), { mime: 'image/png', ext: 'png' });
    assert.deepEqual(await detectContentType(JPEG), { mime: 'image/jpeg', ext: 'jpg' });
  });

  it('names a Windows program, and nothing for plain text or no bytes', async () => {
    assert.deepEqual(await detectContentType(EXE), { mime: 'application/x-msdownload', ext: 'exe' });
    assert.equal(await detectContentType(ascii('Just some words, no magic number.\n')), undefined);
    assert.equal(await detectContentType(new Uint8Array()), undefined);
  });

  it('sees only a zip in an OFD document, which is why OFD is not in the default list', async () => {
    assert.deepEqual(await detectContentType(ofdShapedZip()), { mime: 'application/zip', ext: 'zip' });
  });
});

describe('checkUpload', () => {
  const upload = (bytes: Uint8Array, declaredName: string, maxBytes = 1024 * 1024) =>
    checkUpload({ bytes, declaredName, allowed: MATERIAL_TYPES, maxBytes });

  it('accepts PDF, PNG and JPEG under the default list, with the type the content proved', async () => {
    assert.deepEqual(await upload(PDF, 'licence.pdf'), { ok: true, mime: 'application/pdf', ext: 'pdf' });
    assert.deepEqual(await upload(PNG, 'photo.png'), { ok: true, mime: 'image/png', ext: 'png' });
    assert.deepEqual(await upload(JPEG, 'photo.jpeg'), { ok: true, mime: 'image/jpeg', ext: 'jpg' });
  });

  it('goes by content, not by name: a real PNG named .pdf is a PNG', async () => {
    assert.deepEqual(await upload(PNG, 'scan.pdf'), { ok: true, mime: 'image/png', ext: 'png' });
  });

  it('refuses a renamed program as a type not allowed, naming what it is', async () => {
    assert.deepEqual(await upload(EXE, 'x.pdf'), {
      ok: false,
      reason: 'type-not-allowed',
      detected: 'application/x-msdownload',
    });
  });

  it('refuses a text file named .pdf as an unknown type', async () => {
    assert.deepEqual(await upload(ascii('Dear clerk, please find my licence attached.\n'), 'x.pdf'), {
      ok: false,
      reason: 'unknown-type',
    });
  });

  it('refuses an OFD-shaped zip: generic zip is not allowed', async () => {
    assert.deepEqual(await upload(ofdShapedZip(), 'certificate.ofd'), {
      ok: false,
      reason: 'type-not-allowed',
      detected: 'application/zip',
    });
  });

  it('refuses a type the caller did not allow, even a common one', async () => {
    const result = await checkUpload({
      bytes: PDF,
      declaredName: 'a.pdf',
      allowed: ['image/png'],
      maxBytes: 1000,
    });
    assert.deepEqual(result, { ok: false, reason: 'type-not-allowed', detected: 'application/pdf' });
  });

  it('refuses a file over the limit and accepts one exactly at it', async () => {
    assert.deepEqual(await upload(PDF, 'big.pdf', PDF.byteLength - 1), { ok: false, reason: 'too-large' });
    assert.equal((await upload(PDF, 'exact.pdf', PDF.byteLength)).ok, true);
  });

  it('refuses an empty file', async () => {
    assert.deepEqual(await upload(new Uint8Array(), 'empty.pdf'), { ok: false, reason: 'empty' });
  });
});
