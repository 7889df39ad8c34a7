import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { createCanvas } from '@napi-rs/canvas';
import jsQRModule from 'jsqr';
import PDFDocument from 'pdfkit';
import { create as createQr } from 'qrcode';
import { generateSigningKey, signCompact } from '../../../kernel/signatures/index.ts';
import {
  CertificateContentTooLongError,
  type CertificatePrint,
  charactersMissingFromFont,
  jwsFromPdf,
  renderCertificatePdf,
} from './certificate-pdf.ts';

// jsqr is CommonJS with an ES default export: under NodeNext the function is the namespace's .default.
const jsQR = jsQRModule.default;

const key = generateSigningKey('ed25519', { kid: 'test-2026' });
const jws = await signCompact(
  {
    iss: 'https://zwfw.example.gov.cn',
    typ: 'food-business-licence',
    no: 'JY-2026-000123',
    holder: '合肥某某餐饮管理有限公司',
    holderId: '91340100MA******3X',
    issuedOn: '2026-01-15',
    validUntil: '2031-01-14',
    status: { status_list: { idx: 48213, uri: 'https://zwfw.example.gov.cn/api/v1/certificates/status/1' } },
  },
  key,
);
const qrText = `https://zwfw.example.gov.cn/verify#${jws}`;

const zh: CertificatePrint = {
  lang: 'zh-CN',
  title: '食品经营许可证',
  subtitle: 'Food Business Licence',
  number: 'JY-2026-000123',
  holder: '合肥某某餐饮管理有限公司',
  holderId: '91340100MA******3X',
  issuedOn: '2026-01-15',
  validUntil: '2031-01-14',
  issuer: '合肥市市场监督管理局',
  fields: [
    { label: '法定代表人', value: '张某' },
    { label: '经营场所', value: '安徽省合肥市蜀山区长江西路100号一层101室' },
    { label: '主体业态', value: '餐饮服务经营者（小型餐馆）' },
    { label: '经营项目', value: '热食类食品制售；冷食类食品制售；预包装食品（含冷藏冷冻食品）销售' },
  ],
  qrText,
  jws,
  labels: {
    number: '编号',
    holder: '经营者名称',
    holderId: '统一社会信用代码',
    issuedOn: '发证日期',
    validUntil: '有效期至',
    longTerm: '长期',
    issuer: '发证机关',
    verifyHint: '请使用手机扫描二维码，核验本电子证照的真实性与状态。',
  },
};

const en: CertificatePrint = {
  ...zh,
  lang: 'en',
  title: 'Food Business Licence',
  subtitle: '食品经营许可证',
  validUntil: null,
  issuer: 'Hefei Administration for Market Regulation',
  fields: [
    { label: 'Legal representative', value: 'Zhang Mou' },
    { label: 'Premises', value: 'Room 101, 100 Changjiang West Road, Shushan District, Hefei, Anhui' },
  ],
  layout: { orientation: 'landscape', accent: '#1d4e89' },
  labels: {
    number: 'No.',
    holder: 'Business name',
    holderId: 'Unified social credit code',
    issuedOn: 'Issued on',
    validUntil: 'Valid until',
    longTerm: 'Long-term',
    issuer: 'Issued by',
    verifyHint: 'Scan the QR code with a phone to check that this certificate is genuine and still valid.',
  },
};

const latin1 = (pdf: Uint8Array) => Buffer.from(pdf).toString('latin1');

/** The page's content stream, inflated. */
function pageContent(pdf: Buffer): string {
  const text = latin1(pdf);
  const ref = /\/Contents (\d+) 0 R/.exec(text)?.[1];
  const start = text.indexOf('stream\n', text.indexOf(`\n${ref} 0 obj`)) + 'stream\n'.length;
  return inflateSync(pdf.subarray(start, text.indexOf('\nendstream', start))).toString('latin1');
}

/** How pdfkit writes a non-ASCII text string: UTF-16BE with a byte order mark, as a literal string. */
function pdfTextString(text: string): string {
  const utf16be = Buffer.from(`\ufeff${text}`, 'utf16le').swap16();
  const escapes: Record<string, string> = { '\n': 'n', '\r': 'r', '\t': 't', '\b': 'b', '\f': 'f' };
  return `(${utf16be.toString('latin1').replace(/[\n\r\t\b\f()\\]/g, (c) => `\\${escapes[c] ?? c}`)})`;
}

/** A PDF with no certificate in it, made by pdfkit too. */
async function plainPdf(): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4' });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.text('No certificate here. <yw:jws>abc.def.ghi</yw:jws>');
  doc.end();
  return done;
}

/** The PDF as pdf.js (Firefox's viewer) reads it. */
async function openWithPdfJs(pdf: Buffer) {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  return getDocument({ data: new Uint8Array(pdf), verbosity: 0 }).promise;
}

/** Renders the page with pdf.js, as a printout a phone's camera sees, and reads the QR code on it. */
async function decodeQrFromPage(pdf: Buffer): Promise<string | undefined> {
  const document = await openWithPdfJs(pdf);
  try {
    const page = await document.getPage(1);
    const scale = 3; // ≈ 3.4 px per module; 1.5 is too coarse for jsQR
    const full = page.getViewport({ scale });
    // Only the bottom-left part, where the QR is, goes on the canvas: painting and jsQR's time grow with pixels.
    const width = Math.ceil(full.width * 0.5);
    const height = Math.ceil(full.height * 0.45);
    const viewport = page.getViewport({ scale, offsetY: height - full.height });
    const canvas = createCanvas(width, height);
    const context = canvas.getContext('2d');
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, width, height);
    await page.render({
      canvas: canvas as unknown as HTMLCanvasElement,
      canvasContext: context as unknown as CanvasRenderingContext2D,
      viewport,
    }).promise;
    const { data } = context.getImageData(0, 0, width, height);
    return jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), width, height)?.data;
  } finally {
    await document.destroy();
  }
}

describe('certificate PDF', () => {
  it('renders a Chinese certificate: a small one-page PDF that carries its JWS', async () => {
    const pdf = await renderCertificatePdf(zh);
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.ok(pdf.length < 200_000, `${pdf.length} bytes`);
    const text = latin1(pdf);
    assert.match(text, /\/Type \/Pages\s+\/Count 1\b/);
    assert.equal(jwsFromPdf(pdf), jws);
    assert.equal(jwsFromPdf(new Uint8Array(pdf)), jws);
  });

  it('renders an English landscape certificate with a long-term validity', async () => {
    const pdf = await renderCertificatePdf(en);
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.ok(pdf.length < 200_000, `${pdf.length} bytes`);
    const text = latin1(pdf);
    assert.match(text, /\/MediaBox \[0 0 841\.89 595\.28\]/);
    assert.match(text, /\/Lang \(en\)/);
    assert.equal(jwsFromPdf(pdf), jws);
  });

  it('is a tagged PDF/UA document with its language, title and a structure', async () => {
    const pdf = await renderCertificatePdf(zh);
    const text = latin1(pdf);
    assert.match(text, /\/MarkInfo \d+ 0 R/);
    assert.match(text, /\/Marked true/);
    assert.match(text, /\/StructTreeRoot \d+ 0 R/);
    assert.match(text, /\/Lang \(zh-CN\)/);
    assert.match(text, /\/DisplayDocTitle true/);
    assert.match(text, /<pdfuaid:part>1<\/pdfuaid:part>/);
    assert.match(text, /\/Title \d+ 0 R/);
    assert.ok(text.includes(pdfTextString('食品经营许可证 JY-2026-000123')), 'the Info title');
    for (const type of ['Document', 'H1', 'P', 'Table', 'TR', 'TH', 'TD', 'Figure'])
      assert.match(text, new RegExp(`/S /${type}\\b`), type);
    assert.match(text, /\/Scope \/Row/);
    assert.ok(
      text.includes(`/Alt ${pdfTextString('电子证照核验二维码')}`),
      'the QR figure has alternative text',
    );
    const page = pageContent(pdf);
    assert.match(page, /\/Artifact <<\s*\/Type \/Layout\s*>> BDC/, 'the border and rules are artifacts');
    assert.match(page, /\/Figure <<\s*\/MCID \d+\s*>> BDC/);
    assert.match(text, /\/Lang \(en\)/, 'the English subtitle is marked as English');
    // The JWS also rides along as an attachment that its verifier can open in any PDF reader.
    assert.match(text, /\/AFRelationship \/Source/);
    assert.match(text, /\/Subtype \/application#2Fjose/);
  });

  it('embeds its font as a subset', async () => {
    const pdf = await renderCertificatePdf(zh);
    const text = latin1(pdf);
    assert.match(text, /\/BaseFont \/[A-Z]{6}\+NotoSansHans-Regular/);
    assert.match(text, /\/FontFile3 \d+ 0 R/);
    assert.doesNotMatch(text, /\/BaseFont \/Helvetica/, 'no unembedded standard font');
  });

  it('gives the same bytes for the same input, and honours an injected creation date', async () => {
    const [a, b] = [await renderCertificatePdf(zh), await renderCertificatePdf(zh)];
    assert.ok(a.equals(b));
    // Concurrent renders share the parsed font but nothing else.
    const [c, english, d] = await Promise.all([
      renderCertificatePdf(zh),
      renderCertificatePdf(en),
      renderCertificatePdf(zh),
    ]);
    assert.ok(c.equals(a) && d.equals(a));
    assert.ok(english.equals(await renderCertificatePdf(en)));
    assert.match(latin1(a), /\/CreationDate \(D:20260115000000Z\)/);
    const other = await renderCertificatePdf(zh, { creationDate: new Date('2026-02-01T08:30:00Z') });
    assert.match(latin1(other), /\/CreationDate \(D:20260201083000Z\)/);
  });

  it('escapes the title in the XMP metadata', async () => {
    const pdf = await renderCertificatePdf({ ...zh, title: 'A & B <Licence>' });
    const xmp = /<x:xmpmeta[\s\S]*<\/x:xmpmeta>/.exec(latin1(pdf))?.[0] ?? '';
    assert.ok(xmp.includes('A &amp; B &lt;Licence&gt; JY-2026-000123'), xmp);
    assert.ok(!xmp.includes('<Licence>'));
    assert.ok(latin1(pdf).includes('(A & B <Licence> JY-2026-000123)'), 'the Info dictionary keeps the text');
  });

  it('puts a QR code holding qrText on the page (decoded from the page as rendered by pdf.js)', async () => {
    const pdf = await renderCertificatePdf(zh);
    assert.equal(await decodeQrFromPage(pdf), qrText);
    const landscape = await renderCertificatePdf(en);
    assert.equal(await decodeQrFromPage(landscape), qrText);
  });

  it('QR matrix: the same matrix, rasterised with its quiet zone, decodes to qrText', () => {
    const { modules } = createQr(qrText, { errorCorrectionLevel: 'M' });
    const scale = 4;
    const quiet = 4;
    const side = (modules.size + 2 * quiet) * scale;
    const rgba = new Uint8ClampedArray(side * side * 4).fill(255);
    for (let row = 0; row < modules.size; row++)
      for (let col = 0; col < modules.size; col++) {
        if (!modules.get(row, col)) continue;
        for (let dy = 0; dy < scale; dy++)
          for (let dx = 0; dx < scale; dx++) {
            const offset = (((row + quiet) * scale + dy) * side + (col + quiet) * scale + dx) * 4;
            rgba.fill(0, offset, offset + 3);
          }
      }
    assert.equal(jsQR(rgba, side, side)?.data, qrText);
  });

  it('pdf.js finds the attachment, the metadata and the text', async () => {
    const document = await openWithPdfJs(await renderCertificatePdf(zh));
    try {
      const attachments = (await document.getAttachments()) as Record<string, { content: Uint8Array }>;
      assert.equal(Buffer.from(attachments['certificate.jws']?.content ?? []).toString('ascii'), jws);
      const { info, metadata } = await document.getMetadata();
      assert.equal((info as { Title?: string }).Title, '食品经营许可证 JY-2026-000123');
      assert.equal((info as { Language?: string }).Language, 'zh-CN');
      assert.ok(metadata?.getRaw().includes(jws));
      const page = await document.getPage(1);
      const content = await page.getTextContent();
      // Spaces between the letter-spaced title's characters are pdf.js's guess, not the PDF's.
      const all = content.items
        .map((item) => ('str' in item ? item.str : ''))
        .join('')
        .replace(/\s+/g, '');
      for (const expected of [
        '食品经营许可证',
        '合肥某某餐饮管理有限公司',
        '2031年1月14日',
        '合肥市市场监督管理局',
      ])
        assert.ok(all.includes(expected), expected);
    } finally {
      await document.destroy();
    }
  });

  it('prints a character the font lacks as □ without throwing, and keeps the real one as /ActualText', async () => {
    const holder = '王𠇔'; // U+201D4, CJK Extension B
    assert.deepEqual(await charactersMissingFromFont(holder), ['𠇔']);
    assert.deepEqual(
      await charactersMissingFromFont('李䶮 堃喆赟'),
      [],
      'Extension A and GB 2312 names print',
    );
    const pdf = await renderCertificatePdf({ ...zh, holder });
    assert.ok(latin1(pdf).includes(`/ActualText ${pdfTextString(holder)}`));
    const document = await openWithPdfJs(pdf);
    try {
      const page = await document.getPage(1);
      const content = await page.getTextContent();
      assert.ok(content.items.some((item) => 'str' in item && item.str.includes('王□')));
    } finally {
      await document.destroy();
    }
  });

  it('wraps long values inside their cell instead of running off the page', async () => {
    const long = '预包装食品（含冷藏冷冻食品）销售；'.repeat(8);
    const unbroken = 'X'.repeat(160);
    const pdf = await renderCertificatePdf({
      ...zh,
      fields: [...zh.fields, { label: '经营项目（长）', value: long }, { label: '备注', value: unbroken }],
    });
    assert.match(latin1(pdf), /\/Count 1\b/);
    const document = await openWithPdfJs(pdf);
    try {
      const page = await document.getPage(1);
      const [, , pageWidth] = page.view as [number, number, number, number];
      const content = await page.getTextContent();
      const items = content.items.filter((item) => 'str' in item && item.str.trim() !== '') as {
        str: string;
        width: number;
        transform: number[];
      }[];
      const rightEdge = pageWidth - (8 * (72 / 25.4) + 5) - 30 + 0.5; // the inner border less its padding
      for (const item of items) {
        const x = item.transform[4] ?? 0;
        assert.ok(x + item.width <= rightEdge, `"${item.str}" ends at ${x + item.width} > ${rightEdge}`);
      }
      const linesOf = (needle: string) =>
        new Set(
          items.filter((item) => item.str.includes(needle)).map((item) => Math.round(item.transform[5] ?? 0)),
        ).size;
      assert.ok(linesOf('销售') >= 3, 'the long Chinese value runs over several lines');
      assert.ok(linesOf('XXXX') >= 2, 'an unbroken value is broken too');
    } finally {
      await document.destroy();
    }
  });

  it('refuses content that cannot fit one page, and malformed input', async () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ label: `字段${i}`, value: '内容'.repeat(60) }));
    await assert.rejects(renderCertificatePdf({ ...zh, fields: many }), CertificateContentTooLongError);
    await assert.rejects(renderCertificatePdf({ ...zh, jws: 'not a jws' }), TypeError);
    await assert.rejects(renderCertificatePdf({ ...zh, issuedOn: '2026-02-30' }), TypeError);
    await assert.rejects(renderCertificatePdf({ ...zh, validUntil: '31/01/2031' }), TypeError);
    await assert.rejects(renderCertificatePdf({ ...zh, layout: { accent: 'red' } }), TypeError);
  });
});

describe('jwsFromPdf', () => {
  it('finds nothing in a PDF without a certificate, in random bytes or in an empty array', async () => {
    assert.equal(jwsFromPdf(await plainPdf()), undefined);
    assert.equal(jwsFromPdf(randomBytes(64 * 1024)), undefined);
    assert.equal(jwsFromPdf(new Uint8Array()), undefined);
    assert.equal(jwsFromPdf(Buffer.from(`%PDF-1.7\n<yw:jws>${'a'.repeat(40)}</yw:jws>`)), undefined);
    // Three base64url parts whose header is not a JOSE header are not a JWS either.
    const fake = `${Buffer.from('{"x":1}').toString('base64url')}.e30.c2ln`;
    assert.equal(jwsFromPdf(Buffer.from(`%PDF-1.7\n<yw:jws>${fake}</yw:jws>`)), undefined);
  });

  it('falls back to the certificate.jws attachment when the XMP copy is gone', async () => {
    const pdf = await renderCertificatePdf(zh);
    const stripped = Buffer.from(latin1(pdf).replaceAll('<yw:jws>', '<yw:xxx>'), 'latin1');
    assert.equal(jwsFromPdf(stripped), jws);
  });
});
