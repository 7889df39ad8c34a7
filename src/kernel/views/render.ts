import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

/** Renders a whole page (a `<Layout>`) to HTML with its doctype; text is escaped by Preact. */
export function renderDocument(vnode: VNode): string {
  return `<!doctype html>${renderToString(vnode)}`;
}

/** Renders part of a page, e.g. the fragment an htmx request swaps in; text is escaped by Preact. */
export function renderFragment(vnode: VNode): string {
  return renderToString(vnode);
}
