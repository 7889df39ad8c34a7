/*
 * `yiwang certificates verify <file>`: checks a certificate anyone was handed — its PDF, or the compact credential
 * its QR code holds — with nothing from the platform but its published public keys (and, for revocation, its
 * published status list). No database, no sign-in, no network unless a URL is given: a notary or a bank can run it.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { civilDate } from '../kernel/calendar/working-days.ts';
import type { Jwks } from '../kernel/signatures/index.ts';
import { verifyOffline } from '../modules/certificates/offline.ts';
import { jwsFromPdf } from '../modules/certificates/pdf/certificate-pdf.ts';

/** A file's text, or a URL's body (http/https only): where the published keys or status list were saved or live. */
async function readSource(source: string): Promise<string> {
  if (/^https?:\/\//i.test(source)) {
    const response = await fetch(source);
    if (!response.ok) throw new Error(`${source} answered ${response.status}`);
    return response.text();
  }
  return readFile(source, 'utf8');
}

/** The credential in what was given: a PDF's embedded one, a verification link's `c=`, or the bare credential. */
export function credentialIn(bytes: Buffer): string | undefined {
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return jwsFromPdf(bytes);
  const text = bytes.toString('utf8').trim();
  const fromLink = /[?&]c=([A-Za-z0-9_.-]+)/.exec(text)?.[1];
  const candidate = fromLink ?? text;
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(candidate) ? candidate : undefined;
}

export function registerCertificatesCommands(program: Command): void {
  const certificates = program.command('certificates').description('electronic certificates (电子证照)');
  certificates
    .command('verify <file>')
    .description(
      'verify a certificate offline: its PDF, or the credential (or verification link) its QR code holds; exit 0 only when valid',
    )
    .requiredOption(
      '--jwks <file-or-url>',
      'the published public keys (…/.well-known/jwks.json, saved or as a URL)',
    )
    .option(
      '--status-list <file-or-url>',
      'the published status list (…/certificates/status-list), to check revocation',
    )
    .option('--time-zone <zone>', 'the time zone to judge expiry in', 'Asia/Shanghai')
    .action(async (file: string, options: { jwks: string; statusList?: string; timeZone: string }) => {
      try {
        const credential = credentialIn(await readFile(file));
        if (!credential) {
          process.stderr.write(
            `${file}: no certificate credential found (a certificate PDF, or the QR code's text).\n`,
          );
          process.exit(2);
        }
        const jwks = JSON.parse(await readSource(options.jwks)) as Jwks;
        if (!Array.isArray(jwks?.keys)) throw new Error(`${options.jwks} is not a JWKS (no "keys" array)`);
        const statusListJws = options.statusList ? await readSource(options.statusList) : undefined;
        const result = await verifyOffline(credential, jwks, {
          today: civilDate(new Date(), options.timeZone),
          ...(statusListJws ? { statusListJws } : {}),
        });
        const payload = result.payload ?? {};
        const lines = [
          `status: ${result.status.toUpperCase()} — ${result.reason}`,
          ...(typeof payload.sub === 'string' ? [`number: ${payload.sub}`] : []),
          ...(payload.type
            ? [`type: ${(payload.type as { name?: { 'zh-CN'?: string } }).name?.['zh-CN'] ?? ''}`]
            : []),
          ...(payload.holder
            ? [
                `holder: ${(payload.holder as { name?: string; id?: string }).name} (${(payload.holder as { id?: string }).id})`,
              ]
            : []),
          ...(typeof payload.issuedOn === 'string'
            ? [`issued on ${payload.issuedOn}, valid until ${payload.validUntil ?? 'long-term'}`]
            : []),
          result.revocationChecked
            ? 'revocation: checked against the status list'
            : 'revocation: not checked (give --status-list to check it)',
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
        process.exit(result.status === 'valid' ? 0 : 1);
      } catch (error) {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(2);
      }
    });
}
