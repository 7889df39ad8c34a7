/** What `YIWANG_SMS_URL` must look like, for the configuration's one-line error. */
export const SMS_URL_EXPECTED =
  'an http:// or https:// URL without user or password, such as https://sms.example.gov.cn/api/send';

/**
 * Reads the SMS gateway's URL. The gateway authenticates us by the bearer token (`YIWANG_SMS_TOKEN`), so a URL
 * with credentials in it is refused: they would end up in logs and error messages. Returns undefined for anything
 * else, so config.ts can name the variable.
 */
export function parseSmsGatewayUrl(raw: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (!url.hostname || url.username || url.password || url.hash) return undefined;
  return url;
}

/** What `YIWANG_SMS_TOKEN` must look like: printable ASCII without spaces, so it fits one header line. */
export const SMS_TOKEN_EXPECTED = 'the gateway’s bearer token: 8 to 4096 printable characters without spaces';

/** Checks the gateway's bearer token; undefined when it cannot go into an Authorization header as it is. */
export function parseSmsToken(raw: string): string | undefined {
  return /^[\x21-\x7e]{8,4096}$/.test(raw) ? raw : undefined;
}
