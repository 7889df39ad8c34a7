import type { ComponentChildren } from 'preact';
import type { Locale } from '../i18n/index.ts';
import { Breadcrumbs, type Crumb } from './components.tsx';
import { type PageContext, pathOf, switchLanguageUrl, switchModeUrl } from './page-context.ts';

export interface LayoutProps {
  ctx: PageContext;
  /** The page's own title; the portal's name is appended in `<title>`. Pages render their own `<h1>`. */
  title: string;
  /** From the home page to this page, this page last. */
  breadcrumbs?: readonly Crumb[];
  children: ComponentChildren;
}

/** The city's mark: a gate (one door for every service) in a roundel. Decorative: the name beside it is the text. */
function Emblem() {
  return (
    <svg
      class="site-header__emblem"
      viewBox="0 0 40 40"
      width="40"
      height="40"
      aria-hidden="true"
      focusable="false"
    >
      <circle cx="20" cy="20" r="18.5" fill="none" stroke="currentColor" stroke-width="2" />
      <path d="M8.5 16.5 20 9l11.5 7.5z" fill="currentColor" />
      <path
        d="M11 18h18v2H11zM12.5 21.5h3v7h-3zM18.5 21.5h3v7h-3zM24.5 21.5h3v7h-3zM10 29.5h20V32H10z"
        fill="currentColor"
      />
    </svg>
  );
}

/** A main-navigation link: `aria-current="page"` on the page itself, `"true"` anywhere below it. */
function NavItem({ href, label, path }: { href: string; label: string; path: string }) {
  const exact = path === href;
  const within = !exact && href !== '/' && path.startsWith(`${href}/`);
  return (
    <li class="site-nav__item">
      <a class="site-nav__link" href={href} aria-current={exact ? 'page' : within ? 'true' : undefined}>
        {label}
      </a>
    </li>
  );
}

/**
 * Elderly mode on or off (适老化): a link to the same page with `?mode=`, like the language switch — it works
 * without JavaScript, and a page with no form of its own stays a page every visitor can be served from the cache.
 */
function ElderlyToggle({ ctx }: { ctx: PageContext }) {
  const { t, elderly } = ctx;
  return (
    <a
      class="site-header__mode"
      href={switchModeUrl(ctx.currentUrl, elderly ? 'standard' : 'elderly')}
      rel="nofollow"
    >
      {t(elderly ? 'layout.elderly.off' : 'layout.elderly.on')}
      <span class="visually-hidden">{t(elderly ? 'layout.elderly.offHint' : 'layout.elderly.onHint')}</span>
    </a>
  );
}

/** The whole HTML document around a portal page: head, skip link, header, navigation, breadcrumbs, footer. */
export function Layout({ ctx, title, breadcrumbs, children }: LayoutProps) {
  const { t, locale } = ctx;
  const other: Locale = locale === 'zh-CN' ? 'en' : 'zh-CN';
  const path = pathOf(ctx.currentUrl);
  return (
    <html lang={locale} class={ctx.elderly ? 'elderly' : undefined}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <title>{`${title} - ${t('site.portalName')}`}</title>
        <link rel="stylesheet" href={ctx.stylesheetHref} />
      </head>
      <body>
        <a class="skip-link" href="#main">
          {t('layout.skipToContent')}
        </a>
        <header class="site-header">
          <div class="container site-header__bar">
            <a class="site-header__brand" href="/">
              <Emblem />
              <span class="site-header__name">{t('site.portalName')}</span>
            </a>
            <a class="site-header__language" href={switchLanguageUrl(ctx.currentUrl, other)} hreflang={other}>
              {/* The visible word is in the other language; the hidden phrase keeps it in the accessible name (WCAG 2.5.3). */}
              <span lang={other}>{t('layout.languageSwitch')}</span>
              <span class="visually-hidden"> {t('layout.languageSwitchLabel')}</span>
            </a>
          </div>
          <div class="container site-header__row">
            <p class="site-header__tagline">{t('site.tagline')}</p>
            <ElderlyToggle ctx={ctx} />
          </div>
        </header>
        <nav class="site-nav" aria-label={t('layout.mainNav')}>
          <ul class="container site-nav__list">
            <NavItem href="/" label={t('layout.home')} path={path} />
            <NavItem href="/departments" label={t('nav.departments')} path={path} />
            {ctx.viewer ? (
              <NavItem href={ctx.viewer.accountUrl} label={ctx.viewer.displayName} path={path} />
            ) : (
              <NavItem href="/sign-in" label={t('nav.signIn')} path={path} />
            )}
          </ul>
        </nav>
        <div class="container page">
          {breadcrumbs && breadcrumbs.length > 0 ? (
            <Breadcrumbs label={t('layout.breadcrumbs')} items={breadcrumbs} />
          ) : null}
          <main class="main" id="main" tabindex={-1}>
            {children}
          </main>
        </div>
        <footer class="site-footer">
          <div class="container">
            <nav aria-label={t('layout.footer.links')}>
              <ul class="site-footer__links">
                <li>
                  <a href="/accessibility">{t('layout.footer.accessibility')}</a>
                </li>
                <li>
                  <a href="/api/docs">{t('layout.footer.api')}</a>
                </li>
              </ul>
            </nav>
            <p class="site-footer__contact">{t('site.hotline')}</p>
            <p class="site-footer__contact">{t('site.serviceCentre')}</p>
            <p class="site-footer__copyright">{t('layout.footer.copyright')}</p>
            <p class="site-footer__notice">{t('layout.footer.demoNotice')}</p>
          </div>
        </footer>
      </body>
    </html>
  );
}
