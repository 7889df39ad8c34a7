import type { Locale } from '../../kernel/i18n/index.ts';
import type { Certificate } from './certificates.service.ts';
import { type CertificatePrint, renderCertificatePdf } from './pdf/certificate-pdf.ts';

const LABELS: Record<Locale, CertificatePrint['labels']> = {
  'zh-CN': {
    number: '证照编号',
    holder: '持证主体',
    holderId: '证件号码',
    issuedOn: '发证日期',
    validUntil: '有效期至',
    longTerm: '长期',
    issuer: '发证机关',
    verifyHint: '扫描二维码，或访问网站输入证照编号，核验真伪和当前状态。',
  },
  en: {
    number: 'Number',
    holder: 'Holder',
    holderId: 'ID number',
    issuedOn: 'Issued on',
    validUntil: 'Valid until',
    longTerm: 'Long-term',
    issuer: 'Issued by',
    verifyHint:
      'Scan the QR code, or enter the number on our web site, to check it is genuine and still valid.',
  },
};

/**
 * Where a certificate's QR code points: the verification page of the platform that issued it (the credential's
 * `iss`), carrying the credential itself, so the page — or any verifier with the published keys — can check it.
 */
export function verificationLink(certificate: Pick<Certificate, 'jws'>): string {
  const payload = JSON.parse(
    Buffer.from(certificate.jws.split('.')[1] ?? '', 'base64url').toString('utf8'),
  ) as {
    iss?: string;
  };
  return `${payload.iss ?? ''}/certificates/verify?c=${certificate.jws}`;
}

/** A certificate as its printable PDF, in the holder's language (Chinese is the official text). */
export function renderCertificatePdfFor(certificate: Certificate, locale: Locale): Promise<Buffer> {
  return renderCertificatePdf({
    lang: locale,
    title: certificate.type.name[locale],
    ...(locale === 'zh-CN' ? { subtitle: certificate.type.name.en } : {}),
    number: certificate.number,
    holder: certificate.holderName,
    holderId: certificate.holderId,
    issuedOn: certificate.issuedOn,
    validUntil: certificate.validUntil,
    issuer: certificate.issuer.name[locale],
    fields: certificate.fields
      .filter((f) => f.value)
      .map((f) => ({ label: f.label[locale], value: f.value })),
    layout: certificate.layout,
    qrText: verificationLink(certificate),
    jws: certificate.jws,
    labels: LABELS[locale],
  });
}
