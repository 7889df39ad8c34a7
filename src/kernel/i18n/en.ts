import type { MessageKey } from './zh-CN.ts';

/** The English dictionary: must provide every key of zh-CN (the type enforces it). */
export const en: Record<MessageKey, string> = {
  'site.name': 'Demo City People’s Government',
  'site.portalName': 'Demo City Government Services',
  'site.tagline': 'One website · one window · done in one visit',
  'site.hotline': 'Public service hotline 12345',
  'site.serviceCentre': 'Demo City Government Service Centre, 1 Renmin Road',
  'layout.skipToContent': 'Skip to main content',
  'layout.languageSwitch': '中文',
  'layout.languageSwitchLabel': 'Switch to Chinese',
  'layout.breadcrumbs': 'Breadcrumbs',
  'layout.home': 'Home',
  'layout.mainNav': 'Main navigation',
  'layout.elderly.on': 'Larger text',
  'layout.elderly.onHint': ': bigger letters and stronger contrast',
  'layout.elderly.off': 'Standard text',
  'layout.elderly.offHint': ': leave the larger-text mode',
  'layout.footer.accessibility': 'Accessibility statement',
  'layout.footer.about': 'About this website',
  'layout.footer.api': 'Open API',
  'layout.footer.links': 'Website information',
  'layout.footer.copyright': 'Run by the Demo City People’s Government · operated by the Big Data Bureau',
  'layout.footer.demoNotice':
    'This is a demonstration city: every person, organisation and ID number is fictional.',
  'nav.departments': 'Departments',
  'nav.help': 'Help',
  'nav.signIn': 'Sign in',
  'apiDocs.title': 'Open API reference',
  'apiDocs.lead':
    'The REST interface of the Demo City platform (/api/v1), generated from the schemas that validate it. Machine-readable version:',
  'apiDocs.operation': 'Operation',
  'apiDocs.summary': 'Summary',
  'error.title': 'Something went wrong',
  'error.requestId': 'Request number: {id} (quote it when you call the 12345 hotline)',
  'error.backHome': 'Back to the home page',
  'error.notFound.title': 'Page not found',
  'error.notFound.body':
    'The address you asked for does not exist or has moved. Check the address, or start again from the home page.',
  'error.validation.title': 'There is a problem with what you sent',
  'error.field': '{field}: {message}',
};
