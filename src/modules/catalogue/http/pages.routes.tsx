import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { OrganisationsContract } from '../../organisations/index.ts';
import type { CatalogueContract } from '../contract.ts';
import { registerGuidePage } from './guide.routes.tsx';
import { registerSearchPage } from './search.routes.tsx';

/**
 * The print button's enhancement: without JavaScript the guide says how to print it, and prints the same. The CSP
 * allows only our own scripts, so it is served from a fingerprinted URL rather than inline.
 */
const PRINT_SCRIPT = `'use strict';
for (const button of document.querySelectorAll('button[data-print]')) {
  button.hidden = false;
  button.addEventListener('click', () => window.print());
}
`;

/** The catalogue's public pages: the service guide and the search page. */
export function registerCataloguePages(
  app: FastifyInstance,
  catalogue: CatalogueContract,
  organisations: OrganisationsContract,
  options: { timeZone: string; publicUrl: URL | undefined },
): void {
  const printScript = `/static/catalogue-print-${createHash('sha256').update(PRINT_SCRIPT).digest('hex').slice(0, 12)}.js`;
  app.get(printScript, { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(PRINT_SCRIPT),
  );
  registerGuidePage(app, catalogue, organisations, { ...options, printScript });
  registerSearchPage(app, catalogue, organisations);
}
