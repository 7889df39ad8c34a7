import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';

/** The browser half of WebAuthn, as the platform serves it: the library's bundle, then our script. */
export interface WebAuthnAssets {
  /** Script URLs in the order they must run. */
  scripts: readonly string[];
}

function libraryBundle(): Buffer {
  // The package exports no file paths; its CommonJS entry sits beside the bundle directory.
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  return readFileSync(path.join(path.dirname(entry), '..', 'dist', 'bundle', 'index.umd.min.js'));
}

/**
 * Serves @simplewebauthn/browser and `static/webauthn.js` from the platform itself, under fingerprinted names
 * cached for a year (as the kernel serves the stylesheet), so the CSP can keep allowing only our own scripts.
 */
export function registerWebAuthnAssets(app: FastifyInstance): WebAuthnAssets {
  const files = [
    { name: 'simplewebauthn-browser', body: libraryBundle() },
    { name: 'identity-webauthn', body: readFileSync(new URL('../static/webauthn.js', import.meta.url)) },
  ];
  const scripts = files.map(({ name, body }) => {
    const url = `/static/${name}-${createHash('sha256').update(body).digest('hex').slice(0, 12)}.js`;
    app.get(url, { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(body),
    );
    return url;
  });
  return { scripts };
}
