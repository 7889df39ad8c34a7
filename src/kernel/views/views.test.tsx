import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ComponentChildren } from 'preact';
import { kernelMessages, type Locale } from '../i18n/index.ts';
import type { Crumb } from './components.tsx';
import {
  CardList,
  DataTable,
  ErrorSummary,
  NotificationBanner,
  Panel,
  SummaryList,
  TagStatus,
} from './components.tsx';
import { Layout } from './layout.tsx';
import { type PageContext, switchLanguageUrl } from './page-context.ts';
import { renderDocument, renderFragment } from './render.ts';

function pageContext(locale: Locale, currentUrl = '/'): PageContext {
  return {
    locale,
    t: kernelMessages.translator(locale),
    currentUrl,
    requestId: 'req_test',
    stylesheetHref: '/static/styles.css',
  };
}

function page(
  ctx: PageContext,
  options: { title?: string; breadcrumbs?: Crumb[]; children?: ComponentChildren } = {},
): string {
  return renderDocument(
    <Layout ctx={ctx} title={options.title ?? 'Test'} breadcrumbs={options.breadcrumbs}>
      {options.children ?? <h1>{options.title ?? 'Test'}</h1>}
    </Layout>,
  );
}

describe('Layout', () => {
  it('renders a zh-CN document with the portal name in the title', () => {
    const html = page(pageContext('zh-CN'), { title: '部门目录' });
    assert.ok(html.startsWith('<!doctype html><html lang="zh-CN"'));
    assert.match(html, /<title>部门目录 - 示范市政务服务网<\/title>/);
    assert.match(html, /<meta charset="utf-8"\/?>/);
    assert.match(html, /<link rel="stylesheet" href="\/static\/styles.css"\/?>/);
  });

  it('renders an English document when the locale is en', () => {
    const html = page(pageContext('en'), { title: 'Departments' });
    assert.ok(html.startsWith('<!doctype html><html lang="en"'));
    assert.match(html, /<title>Departments - Demo City Government Services<\/title>/);
    assert.match(html, /Skip to main content/);
  });

  it('adds the elderly class to <html> only in elderly mode', () => {
    assert.doesNotMatch(page(pageContext('zh-CN')), /class="elderly"/);
    assert.match(page({ ...pageContext('zh-CN'), elderly: true }), /<html lang="zh-CN" class="elderly">/);
  });

  it('has a skip link to #main, and exactly one #main', () => {
    const html = page(pageContext('zh-CN'));
    assert.match(html, /<a class="skip-link" href="#main">跳到主要内容<\/a>/);
    assert.equal(html.match(/ id="main"/g)?.length, 1);
    assert.match(html, /<main class="main" id="main" tabindex="-1">/);
  });

  it('links to the other language, marked with that language, keeping the query', () => {
    const zh = page(pageContext('zh-CN', '/departments?page=2'));
    assert.match(
      zh,
      /<a class="site-header__language" href="\/departments\?page=2&amp;lang=en" hreflang="en"><span lang="en">English<\/span><span class="visually-hidden"> 切换到英文版<\/span><\/a>/,
    );
    const en = page(pageContext('en', '/departments?lang=en&page=2'));
    assert.match(en, /href="\/departments\?lang=zh-CN&amp;page=2" hreflang="zh-CN"/);
    assert.match(en, /<span lang="zh-CN">中文<\/span>/);
  });

  it('marks the current section in the main navigation', () => {
    const html = page(pageContext('zh-CN', '/departments?page=2'));
    assert.match(html, /<a class="site-nav__link" href="\/departments" aria-current="page">部门<\/a>/);
    assert.match(html, /<a class="site-nav__link" href="\/">首页<\/a>/);
    const below = page(pageContext('zh-CN', '/departments/dept_1'));
    assert.match(below, /href="\/departments" aria-current="true"/);
  });

  it('renders breadcrumbs with the last crumb as the current page', () => {
    const html = page(pageContext('en', '/departments/dept_1'), {
      breadcrumbs: [
        { label: 'Home', href: '/' },
        { label: 'Departments', href: '/departments' },
        { label: 'Public Security Bureau' },
      ],
    });
    assert.match(html, /<nav class="breadcrumbs" aria-label="Breadcrumbs"><ol/);
    assert.match(html, /<a class="breadcrumbs__link" href="\/departments">Departments<\/a>/);
    assert.match(html, /<span aria-current="page">Public Security Bureau<\/span>/);
    assert.equal(html.match(/aria-current="page"/g)?.length, 1);
  });

  it('leaves breadcrumbs out when none are given', () => {
    assert.doesNotMatch(page(pageContext('en')), /class="breadcrumbs"/);
  });

  it('escapes text, so a title cannot inject markup', () => {
    const evil = '<script>alert(1)</script>';
    const html = page(pageContext('en'), { title: evil, breadcrumbs: [{ label: evil }] });
    assert.doesNotMatch(html, /<script>/);
    assert.match(html, /<title>&lt;script>alert\(1\)&lt;\/script> - /);
    assert.match(html, /<h1>&lt;script>alert\(1\)&lt;\/script><\/h1>/);
  });

  it('has the footer links and notices', () => {
    const html = page(pageContext('zh-CN'));
    assert.match(html, /<footer class="site-footer">/);
    assert.match(html, /<a href="\/accessibility">无障碍声明<\/a>/);
    assert.match(html, /<a href="\/api\/docs">开放接口<\/a>/);
    assert.match(html, /12345/);
    assert.match(html, /演示城市/);
  });
});

describe('switchLanguageUrl', () => {
  it('adds lang and keeps the path and other parameters', () => {
    assert.equal(switchLanguageUrl('/departments?page=2', 'en'), '/departments?page=2&lang=en');
    assert.equal(switchLanguageUrl('/', 'en'), '/?lang=en');
  });

  it('replaces an existing lang in place', () => {
    assert.equal(switchLanguageUrl('/departments?lang=en&page=2', 'zh-CN'), '/departments?lang=zh-CN&page=2');
    assert.equal(switchLanguageUrl('/a?lang=en&lang=zh-CN', 'en'), '/a?lang=en');
  });

  it('always stays on this site', () => {
    assert.equal(switchLanguageUrl('//evil.example/x?y=1', 'en'), '/x?y=1&lang=en');
    assert.equal(switchLanguageUrl('https://evil.example/x', 'en'), '/x?lang=en');
    assert.equal(switchLanguageUrl('/\\evil.example', 'en'), '/?lang=en');
  });
});

describe('components', () => {
  interface Dept {
    code: string;
    name: string;
    staff: number;
  }
  const depts: Dept[] = [
    { code: 'GA', name: '公安局', staff: 120 },
    { code: 'SW', name: '税务局', staff: 80 },
  ];

  it('DataTable renders a caption, column headers with scope and a named scrolling region', () => {
    const html = renderFragment(
      <DataTable
        caption="部门目录"
        columns={[
          { header: '代码', cell: (d: Dept) => d.code },
          { header: '部门名称', cell: (d: Dept) => d.name },
          { header: '人数', cell: (d: Dept) => d.staff, numeric: true },
        ]}
        rows={depts}
        rowKey={(d) => d.code}
        rowHeaders
      />,
    );
    assert.match(html, /<section class="table-scroll" aria-label="部门目录" tabindex="0">/);
    assert.match(html, /<caption class="data-table__caption">部门目录<\/caption>/);
    assert.match(html, /<th scope="col">代码<\/th>/);
    assert.match(html, /<th scope="col" class="numeric">人数<\/th>/);
    assert.match(html, /<th scope="row">GA<\/th><td>公安局<\/td><td class="numeric">120<\/td>/);
  });

  it('DataTable shows the empty text when there are no rows', () => {
    const html = renderFragment(
      <DataTable
        caption="x"
        columns={[{ header: 'a', cell: (d: Dept) => d.code }]}
        rows={[]}
        empty="暂无数据"
      />,
    );
    assert.match(html, /<td colspan="1">暂无数据<\/td>/);
  });

  it('ErrorSummary links each message to its field and takes focus', () => {
    const html = renderFragment(
      <ErrorSummary title="提交的内容有误" errors={[{ fieldId: 'name', message: '请填写姓名' }]} />,
    );
    assert.match(html, /role="alert"/);
    assert.match(html, /tabindex="-1"/);
    assert.match(html, /autofocus/);
    assert.match(html, /<a href="#name">请填写姓名<\/a>/);
    assert.equal(renderFragment(<ErrorSummary title="x" errors={[]} />), '');
  });

  it('SummaryList renders label/value rows and a change link that names its row', () => {
    const html = renderFragment(
      <SummaryList rows={[{ key: '姓名', value: '张三', action: { href: '/change#name', text: '修改' } }]} />,
    );
    assert.match(html, /<dt class="summary-list__key">姓名<\/dt><dd class="summary-list__value">张三<\/dd>/);
    assert.match(html, /<a href="\/change#name">修改<span class="visually-hidden"> 姓名<\/span><\/a>/);
  });

  it('NotificationBanner is a region named by its title, or a status after success', () => {
    const info = renderFragment(<NotificationBanner title="系统维护通知">正文</NotificationBanner>);
    assert.match(
      info,
      /^<section class="notification-banner notification-banner--info" aria-labelledby="notification-banner-title">/,
    );
    assert.match(
      info,
      /<h2 class="notification-banner__title" id="notification-banner-title">系统维护通知<\/h2>/,
    );
    const success = renderFragment(<NotificationBanner title="已保存" variant="success" id="saved" />);
    assert.match(
      success,
      /^<div class="notification-banner notification-banner--success" role="status" aria-labelledby="saved">/,
    );
  });

  it('Panel is the page heading on a confirmation page', () => {
    const html = renderFragment(
      <Panel title="申请已提交">
        <strong>case_1</strong>
      </Panel>,
    );
    assert.match(
      html,
      /<h1 class="panel__title">申请已提交<\/h1><div class="panel__body"><strong>case_1<\/strong><\/div>/,
    );
    assert.match(renderFragment(<Panel title="x" headingLevel={2} />), /<h2 class="panel__title">x<\/h2>/);
  });

  it('CardList renders a list of link cards', () => {
    const html = renderFragment(
      <CardList
        items={[{ title: '个人服务', href: '/citizen', description: '出生、上学' }]}
        headingLevel={2}
      />,
    );
    assert.match(
      html,
      /<ul class="card-list"><li class="card-list__item"><div class="card"><h2 class="card__title">/,
    );
    assert.match(
      html,
      /<a class="card__link" href="\/citizen">个人服务<\/a><\/h2><p class="card__description">出生、上学<\/p>/,
    );
  });

  it('TagStatus carries its meaning in text', () => {
    assert.equal(
      renderFragment(<TagStatus text="已受理" tone="success" />),
      '<strong class="tag tag--success">已受理</strong>',
    );
  });
});
