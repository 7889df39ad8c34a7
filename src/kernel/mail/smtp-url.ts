/** How to reach the SMTP server that delivers the platform's mail, as read from `YIWANG_SMTP_URL`. */
export interface SmtpSettings {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (`smtps://`, usually port 465). */
  secure: boolean;
  user?: string;
  password?: string;
  /**
   * STARTTLS on `smtp://`: `opportunistic` upgrades when the server offers it, `required` refuses to send without
   * it, `none` never tries (only for a relay on loopback or a trusted network).
   */
  starttls: 'opportunistic' | 'required' | 'none';
}

/** What `YIWANG_SMTP_URL` must look like, for the configuration's one-line error. */
export const SMTP_URL_EXPECTED =
  'an smtp:// or smtps:// URL such as smtp://user:password@mail.example.gov.cn:587 (optionally ?starttls=required or ?starttls=none)';

/**
 * Reads an SMTP URL: `smtp://[user[:password]@]host[:port][?starttls=required|none]` or `smtps://…`.
 * User and password are percent-decoded. Returns undefined for anything else, so config.ts can name the variable.
 */
export function parseSmtpUrl(raw: string): SmtpSettings | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') return undefined;
  // IPv6 literals come back bracketed; the socket API wants the bare address.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host || (url.pathname !== '' && url.pathname !== '/') || url.hash) return undefined;
  const secure = url.protocol === 'smtps:';
  const port = url.port ? Number(url.port) : secure ? 465 : 587;
  const starttls = url.searchParams.get('starttls') ?? 'opportunistic';
  if (starttls !== 'opportunistic' && starttls !== 'required' && starttls !== 'none') return undefined;
  if ([...url.searchParams.keys()].some((key) => key !== 'starttls')) return undefined;
  try {
    return {
      host,
      port,
      secure,
      ...(url.username ? { user: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      starttls: secure ? 'none' : starttls,
    };
  } catch {
    // A malformed percent-escape in the user or password.
    return undefined;
  }
}
