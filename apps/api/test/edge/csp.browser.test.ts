import { browserUnavailable, chromiumPath, submitSignIn } from '@herald/web/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import t from 'tap';
import { dashboardUrls } from '../../src/plugins/dashboard.js';
import { startTestHerald } from '../helpers/herald.js';

/**
 * The pages Herald serves work under its Content-Security-Policy, in a real browser: Swagger UI
 * at /docs renders every operation, and the dashboard signs in and connects to its event stream,
 * each without a single CSP violation.
 */

const skip = browserUnavailable();
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];

interface Watched {
  page: Page;
  /** CSP violations the page reported, and console errors that name the policy. */
  violations: string[];
  errors: string[];
}

async function watch(browser: Browser): Promise<Watched> {
  const page = await browser.newPage();
  const watched: Watched = { page, violations: [], errors: [] };
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (/Content Security Policy|Refused to/i.test(message.text())) watched.violations.push(message.text());
    else watched.errors.push(message.text());
  });
  page.on('pageerror', (error) => watched.errors.push(error.message));
  // Reported by the browser for every blocked load or inline code, whether or not it logs it.
  await page.exposeFunction('reportViolation', (text: string) => watched.violations.push(text));
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) =>
      window.reportViolation(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline code')));`,
  });
  return watched;
}

t.test('under the CSP', { skip }, async (t) => {
  const herald = await startTestHerald(t);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  t.teardown(() => browser.close());

  t.test('Swagger UI at /docs renders every operation of the contract', async (t) => {
    const { page, violations, errors } = await watch(browser);
    const response = await page.goto(new URL('/docs', herald.url).href);
    t.ok(response?.headers()['content-security-policy'], 'the page is served with a CSP');
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 });
    const rendered = await page.locator('.opblock').count();
    t.equal(rendered, herald.app.openapi.operations.length, `${rendered} operations rendered`);
    await page.locator('.opblock-summary').first().click();
    await page.locator('.opblock-body').first().waitFor({ timeout: 5_000 });
    await page.waitForTimeout(300);
    t.same(violations, [], 'no CSP violation');
    t.same(errors, [], 'no script error');
    await page.close();
  });

  t.test('the dashboard signs in and connects', { skip: dashboardUrls().size === 0 && 'apps/web is not built (npm run build -w apps/web)' }, async (t) => {
    const { page, violations, errors } = await watch(browser);
    await page.goto(new URL('/', herald.url).href);
    await page.locator('[data-testid="sign-in-form"]').waitFor({ timeout: 10_000 });
    await submitSignIn(page, { handle: 'admin', password: herald.adminPassword });
    await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 10_000 });
    await page.waitForTimeout(500);
    t.same(violations, [], 'no CSP violation');
    t.same(errors, [], 'no script error');
    await page.close();
  });
});
