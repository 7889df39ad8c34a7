import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/**
 * A browser without JavaScript, for HTTP tests through `app.inject()`: keeps cookies, reads the CSRF token from
 * a page's form, and posts url-encoded forms from one client address.
 */
export class FormClient {
  cookies: Record<string, string> = {};

  constructor(
    private readonly app: FastifyInstance,
    private readonly address = '198.51.100.7',
  ) {}

  private keep(res: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of res.cookies) {
      if (c.value === '' || (c.expires && new Date(c.expires) < new Date())) delete this.cookies[c.name];
      else this.cookies[c.name] = c.value;
    }
    return res;
  }

  /** GET a page, keeping the cookies it sets. */
  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.keep(
      await this.app.inject({ url, headers, cookies: this.cookies, remoteAddress: this.address }),
    );
  }

  /** POST a form as a browser would; a list is sent as the same field repeated (ticked checkboxes). */
  async post(url: string, form: Record<string, string | string[]>): Promise<LightMyRequestResponse> {
    const fields = Object.entries(form).flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value]).map((v) => [name, v]),
    );
    return this.keep(
      await this.app.inject({
        method: 'POST',
        url,
        cookies: this.cookies,
        remoteAddress: this.address,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(fields).toString(),
      }),
    );
  }

  /** The CSRF token in a page's form, or '' when it has none. */
  token(body: string): string {
    return /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
  }

  /** Opens a page and returns the CSRF token of its form; throws when the page has none. */
  async csrfFrom(url: string): Promise<string> {
    const token = this.token((await this.get(url)).body);
    if (!token) throw new Error(`no CSRF token on ${url}`);
    return token;
  }
}
