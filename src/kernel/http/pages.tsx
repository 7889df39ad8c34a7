import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { kernelMessages } from '../i18n/index.ts';
import type { Crumb } from '../views/components.tsx';
import { Layout } from '../views/layout.tsx';
import type { PageContext } from '../views/page-context.ts';
import { renderDocument } from '../views/render.ts';

let stylesheetHref = '/static/yiwang.css';

/** Set once by the HTTP kernel when it fingerprints the stylesheet. */
export function setStylesheetHref(href: string): void {
  stylesheetHref = href;
}

/** The page context of a request: language, translator, URL for the language switch, elderly mode. */
export function pageContext(request: FastifyRequest): PageContext {
  return {
    locale: request.locale,
    t: kernelMessages.translator(request.locale),
    currentUrl: request.url,
    requestId: String(request.id),
    stylesheetHref,
    viewer: request.viewer,
    elderly: request.elderly,
  };
}

/** What a page route hands to `sendPage`. */
export interface PageOptions {
  title: string;
  /** The trail below the home page, this page last; the home crumb is added here. */
  breadcrumbs?: Crumb[];
  status?: number;
}

/** Renders a full page in the layout and sends it as HTML. */
export function sendPage(
  request: FastifyRequest,
  reply: FastifyReply,
  options: PageOptions,
  body: (ctx: PageContext) => ComponentChildren,
): FastifyReply {
  const ctx = pageContext(request);
  const html = renderDocument(
    <Layout
      ctx={ctx}
      title={options.title}
      breadcrumbs={
        options.breadcrumbs ? [{ label: ctx.t('layout.home'), href: '/' }, ...options.breadcrumbs] : undefined
      }
    >
      {body(ctx)}
    </Layout>,
  );
  return reply
    .status(options.status ?? 200)
    .type('text/html; charset=utf-8')
    .send(html);
}
