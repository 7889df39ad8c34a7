/*
 * The printable PDF of an electronic certificate (电子证照): one A4 page in the national style (double border,
 * centred title, label/value table, issuing authority and date bottom right, verification QR bottom left), tagged
 * for assistive technology (PDF/UA-1 identifier, /Lang, headings, a table with row headers, the QR as a figure with
 * alternative text, decoration as artifacts), with the signed compact JWS embedded twice for offline verification:
 * in the XMP metadata (uncompressed, so `jwsFromPdf` finds it without a PDF parser) and as the attachment
 * `certificate.jws`.
 *
 * Font: Noto Sans CJK SC ("Noto Sans Hans" Regular, SIL OFL 1.1) from the npm package @embedpdf/fonts-sc, so a
 * fresh machine needs nothing beyond `npm ci`. It covers all of GB 2312 and GBK's 20,902 unified ideographs plus
 * CJK Extension A; pdfkit embeds only the glyphs used (a subset). Characters outside it (Extension B and beyond,
 * some rare name characters) print as □, and the tag carries the real text as /ActualText.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inflateSync } from 'node:zlib';
import type * as fontkit from 'fontkit';

/** What a certificate PDF shows; every string is printed as given (the caller masks and translates). */
export interface CertificatePrint {
  /** The document's language (tagged PDF /Lang); Chinese documents are the norm. */
  lang: 'zh-CN' | 'en';
  /** e.g. 食品经营许可证 */
  title: string;
  /** e.g. the English name, 'Food Business Licence' */
  subtitle?: string;
  /** Certificate number, e.g. JY-2026-000123 */
  number: string;
  /** Holder name (person or company) */
  holder: string;
  /** Already masked by the caller, e.g. 91340100MA******3X */
  holderId: string;
  /** YYYY-MM-DD */
  issuedOn: string;
  /** YYYY-MM-DD, or null = long-term (长期) */
  validUntil: string | null;
  /** Issuing authority, e.g. 合肥市市场监督管理局 */
  issuer: string;
  /** Type-specific fields, in layout order */
  fields: { label: string; value: string }[];
  layout?: {
    orientation?: 'portrait' | 'landscape';
    /** Border and rule colour, #rrggbb or #rgb; a deep red (#b22222) by default */
    accent?: string;
  };
  /** What the QR code holds: the verification URL with the compact JWS (the caller builds it) */
  qrText: string;
  /** The compact JWS, also embedded for offline extraction */
  jws: string;
  labels: {
    number: string;
    holder: string;
    holderId: string;
    issuedOn: string;
    validUntil: string;
    longTerm: string;
    issuer: string;
    verifyHint: string;
  };
}

/** Rendering knobs that are not part of the certificate itself. */
export interface RenderCertificateOptions {
  /** The PDF's creation date; by default midnight UTC of `issuedOn`, so equal input gives equal bytes. */
  creationDate?: Date;
}

/** The certificate's content cannot be laid out on one page even at the smallest type size. */
export class CertificateContentTooLongError extends RangeError {
  override readonly name = 'CertificateContentTooLongError';
}

/** The name of the attachment that carries the compact JWS. */
export const CERTIFICATE_JWS_ATTACHMENT = 'certificate.jws';

const XMP_NAMESPACE = 'https://yiwang.example/ns/certificate/1.0/';
const MM = 72 / 25.4;
const DEFAULT_ACCENT = '#b22222';
const INK = '#1a1a1a';
const MUTED = '#404040';
const PLACEHOLDER = '□';
const MAX_JWS_LENGTH = 64 * 1024;
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

type Doc = PDFKit.PDFDocument;
type Rgb = [number, number, number];
type Show = (text: string) => Printable;
type Struct = PDFKit.PDFStructureElement;
type Libraries = {
  PDFDocument: typeof import('pdfkit');
  createQr: typeof import('qrcode').create;
};

// Loaded on first render only: `jwsFromPdf` (the offline verifier) needs neither pdfkit, fontkit nor the 8 MB font,
// and a process that prints nothing keeps none of them in memory.
let libraries: Promise<Libraries> | undefined;
let fontPromise: Promise<fontkit.Font> | undefined;

function loadLibraries(): Promise<Libraries> {
  libraries ??= Promise.all([import('pdfkit'), import('qrcode')]).then(([pdfkit, qrcode]) => ({
    PDFDocument: pdfkit.default,
    createQr: qrcode.default.create,
  }));
  return libraries;
}

/** One parsed font for the process: fontkit keeps its parsed glyphs, so warm renders reuse them. */
function loadFont(): Promise<fontkit.Font> {
  fontPromise ??= (async () => {
    // The package exports only its index; its fonts sit in ../fonts beside dist/.
    const entry = createRequire(import.meta.url).resolve('@embedpdf/fonts-sc');
    const bytes = await readFile(join(dirname(entry), '..', 'fonts', 'NotoSansHans-Regular.otf'));
    const { create } = await import('fontkit');
    const font = create(bytes);
    if (!('hasGlyphForCodePoint' in font)) throw new Error('NotoSansHans-Regular.otf is a font collection');
    return font;
  })().catch((error: unknown) => {
    fontPromise = undefined;
    throw error;
  });
  return fontPromise;
}

/** Text as the font can print it: unprintable controls dropped, characters it lacks replaced by □. */
interface Printable {
  readonly shown: string;
  /** The caller's text, given as /ActualText when `shown` differs from it. */
  readonly actual?: string;
}

const IGNORABLE = /^[\p{Cc}\p{Default_Ignorable_Code_Point}]$/u;

function printable(font: fontkit.Font, text: string): Printable {
  const original = text.normalize('NFC');
  let shown = '';
  let substituted = false;
  for (const char of original) {
    const printableGlyph = font.hasGlyphForCodePoint(char.codePointAt(0) ?? 0);
    if (char === '\n') shown += char;
    else if (/^\s$/u.test(char))
      shown += printableGlyph ? char : ' '; // U+3000 keeps its full width
    else if (IGNORABLE.test(char)) substituted = true;
    else if (printableGlyph) shown += char;
    else {
      shown += PLACEHOLDER;
      substituted = true;
    }
  }
  return substituted ? { shown, actual: original } : { shown };
}

/** The characters of `text` that the certificate font cannot print (they would show as □). */
export async function charactersMissingFromFont(text: string): Promise<string[]> {
  const font = await loadFont();
  const missing = new Set<string>();
  for (const char of text.normalize('NFC')) {
    if (/^\s$/u.test(char) || IGNORABLE.test(char)) continue;
    if (!font.hasGlyphForCodePoint(char.codePointAt(0) ?? 0)) missing.add(char);
  }
  return [...missing];
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Three base64url parts whose first is a JSON object naming an alg: the shape, not the signature. */
function isCompactJws(text: string): boolean {
  if (text.length > MAX_JWS_LENGTH || !COMPACT_JWS.test(text)) return false;
  try {
    const header: unknown = JSON.parse(
      Buffer.from(text.slice(0, text.indexOf('.')), 'base64url').toString('utf8'),
    );
    return (
      typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string'
    );
  } catch {
    return false;
  }
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDate(value: string, what: string): { y: number; m: number; d: number } {
  const match = ISO_DATE.exec(value);
  const date = new Date(`${value}T00:00:00Z`);
  if (!match || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value)
    throw new TypeError(`${what} must be a calendar date YYYY-MM-DD, not ${JSON.stringify(value)}`);
  return { y: Number(match[1]), m: Number(match[2]), d: Number(match[3]) };
}

function formatDate(value: string, lang: CertificatePrint['lang']): string {
  const { y, m, d } = parseDate(value, 'A date');
  return lang === 'zh-CN' ? `${y}年${m}月${d}日` : `${d} ${MONTHS[m - 1]} ${y}`;
}

function parseHex(colour: string): Rgb {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(colour);
  if (!match?.[1]) throw new TypeError(`layout.accent must be a hex colour such as #b22222, not ${colour}`);
  const hex = match[1].length === 3 ? [...match[1]].map((c) => c + c).join('') : match[1];
  return [0, 2, 4].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as Rgb;
}

/** The accent mixed with white: `share` 1 is the accent itself. */
function tint(rgb: Rgb, share: number): Rgb {
  return rgb.map((c) => Math.round(255 - (255 - c) * share)) as Rgb;
}

const escapeXml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );

/**
 * pdfkit 0.20.2 writes Title/Author/Subject into the XMP without XML escaping (a title with & or < would make
 * the metadata invalid XML): give that one step escaped copies, and leave the Info dictionary as it is.
 */
function escapeXmpInfo(doc: Doc): void {
  const target = doc as unknown as { _addInfo?: () => void; info: Record<string, unknown> };
  const original = target._addInfo;
  if (typeof original !== 'function') throw new Error('pdfkit no longer has _addInfo: review XMP escaping');
  target._addInfo = function (this: typeof target) {
    const info = this.info;
    this.info = Object.fromEntries(
      Object.entries(info).map(([key, value]) => [key, typeof value === 'string' ? escapeXml(value) : value]),
    );
    try {
      original.call(this);
    } finally {
      this.info = info;
    }
  };
}

const HAN = /\p{Script=Han}/u;

/** A struct's /Lang where a text is evidently in the other language (an English subtitle on a Chinese page). */
function langOf(text: string, documentLang: CertificatePrint['lang']): { lang?: string } {
  if (documentLang === 'zh-CN') return !HAN.test(text) && /[A-Za-z]/.test(text) ? { lang: 'en' } : {};
  return HAN.test(text) ? { lang: 'zh-CN' } : {};
}

/** Draws decoration outside the structure tree. */
function artifact(doc: Doc, draw: () => void): void {
  doc.markContent('Artifact', { type: 'Layout' });
  draw();
  doc.endMarkedContent();
}

/** Adds a structure element whose content `draw` paints; the element names the real text where □ replaced some. */
function element(
  doc: Doc,
  parent: Struct,
  type: string,
  text: Printable | undefined,
  options: PDFKit.Mixins.StructureElementOptions,
  draw: () => void,
): Struct {
  const struct = doc.struct(type, text?.actual ? { ...options, actual: text.actual } : options);
  parent.add(struct);
  struct.add(draw);
  struct.end();
  return struct;
}

interface Row {
  label: Printable;
  value: Printable;
  labelLang: { lang?: string };
  valueLang: { lang?: string };
}

interface TableLayout {
  size: number;
  labelWidth: number;
  heights: number[];
  total: number;
}

const TABLE_SIZES = [12, 11.5, 11, 10.5, 10, 9.5, 9, 8.5, 8];

/** The largest type size at which the table fits the height; throws if even the smallest does not. */
function fitTable(doc: Doc, rows: Row[], width: number, available: number): TableLayout {
  for (const size of TABLE_SIZES) {
    doc.fontSize(size);
    const pad = { x: size * 0.75, y: size * 0.6 };
    const lineGap = size * 0.25;
    const widest = Math.max(0, ...rows.map((row) => doc.widthOfString(row.label.shown)));
    const labelWidth = Math.min(width * 0.38, Math.max(width * 0.22, widest + 2 * pad.x + 1));
    const heights = rows.map((row) => {
      const label = doc.heightOfString(row.label.shown, { width: labelWidth - 2 * pad.x, lineGap });
      const value = doc.heightOfString(row.value.shown || ' ', {
        width: width - labelWidth - 2 * pad.x,
        lineGap,
      });
      return Math.max(label, value, size * 1.45) + 2 * pad.y;
    });
    const total = heights.reduce((sum, h) => sum + h, 0);
    if (total <= available) return { size, labelWidth, heights, total };
  }
  throw new CertificateContentTooLongError(
    `The certificate's table needs more than the ${Math.round(available / MM)} mm of height one A4 page leaves`,
  );
}

/** Where things go on the page: the double border, and the content box inside it. */
interface Frame {
  width: number;
  height: number;
  outer: number;
  inner: number;
  left: number;
  right: number;
  /** The bottom of the content box (the QR's lower edge). */
  bottom: number;
}

function frameOf(doc: Doc, landscape: boolean): Frame {
  const { width, height } = doc.page;
  const outer = 8 * MM;
  const inner = outer + 5;
  const pad = landscape ? 24 : 30;
  return {
    width,
    height,
    outer,
    inner,
    left: inner + pad,
    right: width - inner - pad,
    bottom: height - inner - pad,
  };
}

/** Double border in the accent colour, with small corner squares: decoration only. */
function drawBorder(doc: Doc, frame: Frame, accent: Rgb): void {
  const { width: W, height: H, outer, inner } = frame;
  artifact(doc, () => {
    doc.lineWidth(2.4).strokeColor(accent);
    doc.rect(outer, outer, W - 2 * outer, H - 2 * outer).stroke();
    doc.lineWidth(0.8);
    doc.rect(inner, inner, W - 2 * inner, H - 2 * inner).stroke();
    for (const [x, y] of [
      [inner, inner],
      [W - inner, inner],
      [inner, H - inner],
      [W - inner, H - inner],
    ] as const)
      doc.rect(x - 3.5, y - 3.5, 7, 7).fill(accent);
  });
}

/** Title (H1), subtitle and a double rule, then the number top right; returns where the table may start. */
function drawHeader(
  doc: Doc,
  root: Struct,
  print: CertificatePrint,
  show: Show,
  frame: Frame,
  accent: Rgb,
): number {
  const { left, right, inner } = frame;
  const width = right - left;
  const landscape = frame.width > frame.height;
  // As large as fits; a short Chinese title is letter-spaced like a printed licence.
  const title = show(print.title);
  const spaced = print.lang === 'zh-CN' && [...title.shown].length <= 12 && HAN.test(title.shown);
  const spacingFor = (size: number) => (spaced ? size * 0.3 : 0);
  let size = landscape ? 28 : 30;
  doc.fontSize(size);
  while (size > 16 && doc.widthOfString(title.shown, { characterSpacing: spacingFor(size) }) > width)
    doc.fontSize(--size);
  const titleTop = inner + (landscape ? 40 : 58);
  element(doc, root, 'H1', title, langOf(title.shown, print.lang), () => {
    // Faux bold (fill and stroke) instead of embedding a second, bold font.
    doc
      .fillColor(INK)
      .strokeColor(INK)
      .lineWidth(size * 0.03);
    doc.text(title.shown, left, titleTop, {
      width,
      align: 'center',
      characterSpacing: spacingFor(size),
      fill: true,
      stroke: true,
      lineGap: 2,
    });
  });
  let y = doc.y + 4;
  if (print.subtitle) {
    const subtitle = show(print.subtitle);
    element(doc, root, 'P', subtitle, langOf(subtitle.shown, print.lang), () => {
      doc.fontSize(13).fillColor(MUTED).text(subtitle.shown, left, y, { width, align: 'center' });
    });
    y = doc.y;
  }
  const rule = y + 12;
  artifact(doc, () => {
    doc.lineWidth(1.2).strokeColor(accent).moveTo(left, rule).lineTo(right, rule).stroke();
    doc.lineWidth(0.5);
    doc
      .moveTo(left, rule + 2.5)
      .lineTo(right, rule + 2.5)
      .stroke();
  });
  // Drawn after the title so that the title comes first in reading order.
  const colon = print.lang === 'zh-CN' ? '：' : ': ';
  const number = show(`${print.labels.number}${colon}${print.number}`);
  element(doc, root, 'P', number, {}, () => {
    doc
      .fontSize(10)
      .fillColor(MUTED)
      .text(number.shown, left, inner + 14, { width, align: 'right' });
  });
  return rule + 18;
}

/** The bottom block, measured before the table so that the table knows the height it has. */
interface Footer {
  top: number;
  qr: { x: number; y: number; symbol: number; module: number };
  hint: { text: Printable; x: number; y: number; width: number };
  issuer: { text: Printable; x: number; y: number; width: number };
  date: { text: Printable; y: number };
}

/**
 * QR bottom left (at least 38 mm, 0.4 mm a module for larger versions, at most 60 mm), its hint beside it, and
 * the issuing authority above the date bottom right. The 4-module quiet zone (under 7 pt) stays clear: the hint
 * starts 14 pt to the right, the table ends 18 pt above, and the border padding surrounds the rest.
 */
function layoutFooter(doc: Doc, print: CertificatePrint, show: Show, frame: Frame, modules: number): Footer {
  const { left, right, bottom } = frame;
  const symbol = Math.min(60 * MM, Math.max(38 * MM, modules * 0.4 * MM));
  const hintX = left + symbol + 14;
  const hintWidth = Math.min(170, (right - left) * 0.34);
  const issuerX = hintX + hintWidth + 20;
  const issuerWidth = right - issuerX;
  const hint = show(print.labels.verifyHint);
  const hintHeight = doc.fontSize(9).heightOfString(hint.shown, { width: hintWidth, lineGap: 2 });
  const issuer = show(print.issuer);
  const issuerHeight = doc.fontSize(14).heightOfString(issuer.shown, { width: issuerWidth, lineGap: 2 });
  const date = show(formatDate(print.issuedOn, print.lang));
  const dateHeight = doc.fontSize(12).heightOfString(date.shown, { width: issuerWidth });
  const issuerY = bottom - dateHeight - 6 - issuerHeight;
  return {
    top: Math.min(bottom - symbol, bottom - hintHeight, issuerY),
    qr: { x: left, y: bottom - symbol, symbol, module: symbol / modules },
    hint: { text: hint, x: hintX, y: bottom - hintHeight, width: hintWidth },
    issuer: { text: issuer, x: issuerX, y: issuerY, width: issuerWidth },
    date: { text: date, y: bottom - dateHeight },
  };
}

function drawFooter(
  doc: Doc,
  root: Struct,
  footer: Footer,
  matrix: { size: number; data: Uint8Array },
  lang: CertificatePrint['lang'],
): void {
  const { issuer, date, hint, qr } = footer;
  element(doc, root, 'P', issuer.text, langOf(issuer.text.shown, lang), () => {
    doc.fontSize(14).fillColor(INK);
    doc.text(issuer.text.shown, issuer.x, issuer.y, { width: issuer.width, align: 'right', lineGap: 2 });
  });
  element(doc, root, 'P', date.text, {}, () => {
    doc
      .fontSize(12)
      .fillColor(INK)
      .text(date.text.shown, issuer.x, date.y, { width: issuer.width, align: 'right' });
  });
  // One rectangle per run of dark modules in a row, filled as one path (no hairline seams between rows).
  const alt = lang === 'zh-CN' ? '电子证照核验二维码' : 'QR code to verify this certificate';
  const bbox: [number, number, number, number] = [qr.x, qr.y, qr.x + qr.symbol, qr.y + qr.symbol];
  element(doc, root, 'Figure', undefined, { alt, bbox, placement: 'Block' }, () => {
    const { size, data } = matrix;
    for (let row = 0; row < size; row++) {
      let run = -1;
      for (let col = 0; col <= size; col++) {
        const dark = col < size && data[row * size + col] === 1;
        if (dark && run < 0) run = col;
        if (!dark && run >= 0) {
          doc.rect(qr.x + run * qr.module, qr.y + row * qr.module, (col - run) * qr.module, qr.module);
          run = -1;
        }
      }
    }
    doc.fill('#000000');
  });
  element(doc, root, 'P', hint.text, langOf(hint.text.shown, lang), () => {
    doc.fontSize(9).fillColor(MUTED).text(hint.text.shown, hint.x, hint.y, { width: hint.width, lineGap: 2 });
  });
}

/** The label/value table: tinted label column and rules as artifacts, TR > TH (row scope) + TD as structure. */
function drawTable(
  doc: Doc,
  root: Struct,
  rows: Row[],
  table: TableLayout,
  frame: Frame,
  top: number,
  accent: Rgb,
): void {
  const { left, right } = frame;
  const width = right - left;
  const valueX = left + table.labelWidth;
  artifact(doc, () => {
    doc.fillColor(tint(accent, 0.07));
    let y = top;
    for (const height of table.heights) {
      doc.rect(left, y, table.labelWidth, height).fill();
      y += height;
    }
    doc.lineWidth(0.5).strokeColor(tint(accent, 0.45));
    y = top;
    for (const height of table.heights.slice(0, -1)) {
      y += height;
      doc.moveTo(left, y).lineTo(right, y).stroke();
    }
    doc
      .moveTo(valueX, top)
      .lineTo(valueX, top + table.total)
      .stroke();
    doc.lineWidth(1).rect(left, top, width, table.total).stroke();
  });

  const pad = table.size * 0.75;
  const lineGap = table.size * 0.25;
  const labelOptions = { width: table.labelWidth - 2 * pad, lineGap };
  const valueOptions = { width: width - table.labelWidth - 2 * pad, lineGap };
  const tableStruct = doc.struct('Table');
  root.add(tableStruct);
  let y = top;
  rows.forEach((row, index) => {
    const rowTop = y;
    const height = table.heights[index] ?? 0;
    const tr = doc.struct('TR');
    tableStruct.add(tr);
    doc.fontSize(table.size);
    // Each cell's text is centred vertically in its row.
    const labelY = rowTop + (height - doc.heightOfString(row.label.shown, labelOptions)) / 2;
    const valueY = rowTop + (height - doc.heightOfString(row.value.shown || ' ', valueOptions)) / 2;
    element(doc, tr, 'TH', row.label, { ...row.labelLang, scope: 'Row' }, () => {
      doc.fillColor(MUTED).text(row.label.shown, left + pad, labelY, labelOptions);
    });
    element(doc, tr, 'TD', row.value, row.valueLang, () => {
      doc.fillColor(INK).text(row.value.shown, valueX + pad, valueY, valueOptions);
    });
    tr.end();
    y += height;
  });
  tableStruct.end();
}

/** Renders the certificate as a one-page tagged PDF. Throws TypeError for malformed input. */
export async function renderCertificatePdf(
  print: CertificatePrint,
  options: RenderCertificateOptions = {},
): Promise<Buffer> {
  parseDate(print.issuedOn, 'issuedOn');
  if (print.validUntil !== null) parseDate(print.validUntil, 'validUntil');
  if (!isCompactJws(print.jws)) throw new TypeError('jws must be a compact JWS (three base64url parts)');
  if (!print.qrText) throw new TypeError('qrText must not be empty');
  const accent = parseHex(print.layout?.accent ?? DEFAULT_ACCENT);
  const [{ PDFDocument, createQr }, font] = await Promise.all([loadLibraries(), loadFont()]);
  const qr = createQr(print.qrText, { errorCorrectionLevel: 'M' });
  const created = options.creationDate ?? new Date(`${print.issuedOn}T00:00:00Z`);
  const show: Show = (text) => printable(font, text);

  const doc = new PDFDocument({
    size: 'A4',
    layout: print.layout?.orientation === 'landscape' ? 'landscape' : 'portrait',
    margin: 0,
    pdfVersion: '1.7',
    tagged: true,
    lang: print.lang,
    displayTitle: true,
    subset: 'PDF/UA' as PDFKit.Mixins.PDFSubsets, // supported by pdfkit, missing from @types/pdfkit
    // A fontkit font is accepted (pdfkit checks for .layout) though the types say string; it also keeps the
    // standard Helvetica, which PDF/UA forbids unembedded, out of the document.
    font: font as unknown as string,
    info: {
      Title: `${print.title} ${print.number}`,
      Author: print.issuer,
      Creator: 'Yiwang',
      CreationDate: created,
    },
  });
  escapeXmpInfo(doc);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  let extraPages = 0;
  doc.on('pageAdded', () => extraPages++);

  const frame = frameOf(doc, print.layout?.orientation === 'landscape');
  drawBorder(doc, frame, accent);
  const root = doc.struct('Document');
  doc.addStructure(root);
  const tableTop = drawHeader(doc, root, print, show, frame, accent);
  const footer = layoutFooter(doc, print, show, frame, qr.modules.size);

  // The standard metadata first (holder, holder ID), then the type's fields, then the dates and the authority.
  const validUntil =
    print.validUntil === null ? print.labels.longTerm : formatDate(print.validUntil, print.lang);
  const rows = [
    [print.labels.holder, print.holder],
    [print.labels.holderId, print.holderId],
    ...print.fields.map((field) => [field.label, field.value] as const),
    [print.labels.issuedOn, formatDate(print.issuedOn, print.lang)],
    [print.labels.validUntil, validUntil],
    [print.labels.issuer, print.issuer],
  ].map(([label, value]): Row => {
    const [shownLabel, shownValue] = [show(label), show(value)];
    return {
      label: shownLabel,
      value: shownValue,
      labelLang: langOf(shownLabel.shown, print.lang),
      valueLang: langOf(shownValue.shown, print.lang),
    };
  });
  const table = fitTable(doc, rows, frame.right - frame.left, footer.top - 18 - tableTop);
  drawTable(doc, root, rows, table, frame, tableTop, accent);
  drawFooter(doc, root, footer, qr.modules, print.lang);
  root.end();

  doc.file(Buffer.from(print.jws, 'ascii'), {
    name: CERTIFICATE_JWS_ATTACHMENT,
    type: 'application/jose',
    description: print.lang === 'zh-CN' ? '电子证照签名数据（JWS）' : 'Signed certificate data (JWS)',
    relationship: 'Source',
    creationDate: created,
    modifiedDate: created,
  });
  // isCompactJws above guarantees the JWS holds nothing that XML would need escaped.
  doc.appendXML(
    `<rdf:Description rdf:about="" xmlns:yw="${XMP_NAMESPACE}"><yw:jws>${print.jws}</yw:jws></rdf:Description>`,
  );
  doc.end();
  const pdf = await finished;
  if (extraPages > 0) throw new CertificateContentTooLongError('The certificate ran onto a second page');
  return pdf;
}

const XMP_JWS = /<yw:jws>([A-Za-z0-9_.-]{5,65536})<\/yw:jws>/g;
const EMBEDDED_FILE = /\/Type\s*\/EmbeddedFile(?![A-Za-z0-9#])/g;
/** The end of a stream's dictionary and the keyword (not `stream` inside a name such as /octet-stream). */
const STREAM_START = />>\s*stream(?:\r\n|\n)/g;
const MAX_EMBEDDED_FILES = 16;

/** The compact JWS embedded in a certificate PDF (offline verification: `yiwang certificates verify file.pdf`), or undefined. */
export function jwsFromPdf(bytes: Uint8Array): string | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.subarray(0, 1024).indexOf('%PDF-') < 0) return undefined;
  const text = buffer.toString('latin1');
  // The XMP packet is stored uncompressed; after an incremental update the last one is the document's own.
  const fromXmp = [...text.matchAll(XMP_JWS)]
    .map((match) => match[1] ?? '')
    .filter(isCompactJws)
    .at(-1);
  return fromXmp ?? fromAttachments(buffer, text);
}

/** Falls back to an embedded file whose whole content is a compact JWS (stored raw or Flate-compressed). */
function fromAttachments(buffer: Buffer, text: string): string | undefined {
  let seen = 0;
  for (const match of text.matchAll(EMBEDDED_FILE)) {
    if (++seen > MAX_EMBEDDED_FILES) break;
    STREAM_START.lastIndex = match.index;
    const stream = STREAM_START.exec(text);
    const endObjAt = text.indexOf('endobj', match.index);
    if (!stream || (endObjAt >= 0 && endObjAt < stream.index)) continue;
    const dictionary = text.slice(text.lastIndexOf('obj', match.index), stream.index);
    const start = stream.index + stream[0].length;
    const end = text.indexOf('endstream', start);
    if (end < 0) continue;
    const raw = buffer.subarray(start, end);
    let content: Buffer;
    try {
      if (/\/Filter\s*(?:\/FlateDecode|\[\s*\/FlateDecode\s*\])(?![A-Za-z0-9#])/.test(dictionary))
        content = inflateSync(raw, { maxOutputLength: MAX_JWS_LENGTH + 1024 });
      else if (/\/Filter/.test(dictionary)) continue;
      else content = raw;
    } catch {
      continue;
    }
    const candidate = content.toString('latin1').trim();
    if (isCompactJws(candidate)) return candidate;
  }
  return undefined;
}

// What pdfkit 0.20.2 supports but @types/pdfkit 0.17.6 leaves out.
declare global {
  namespace PDFKit.Mixins {
    interface StructureElementOptions {
      /** Table header scope (TH). */
      scope?: 'Row' | 'Column' | 'Both';
      /** Layout attributes: the element's box, in page coordinates from the top left. */
      bbox?: [number, number, number, number];
      placement?: 'Block' | 'Inline';
    }
    interface PDFAttachmentOptions {
      /** The file's /AFRelationship to the document. */
      relationship?: 'Source' | 'Data' | 'Alternative' | 'Supplement' | 'EncryptedPayload' | 'Unspecified';
    }
  }
}
