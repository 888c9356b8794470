/**
 * What a person sees on the dashboard, driven in headless Chromium: they sign in, it connects, and
 * a product created at or below its low-stock threshold pops a toast. Works against any server
 * that serves the dashboard and the API: the fake one in dashboard.browser.test.ts or the real API.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where Debian's chromium package puts the browser; HERALD_CHROMIUM overrides it. */
export const chromiumPath = process.env.HERALD_CHROMIUM ?? '/usr/bin/chromium';

export const defaultScreenshotPath = fileURLToPath(new URL('../../../test-artifacts/dashboard-low-stock.png', import.meta.url));

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Why the browser scenarios cannot run here, or undefined when they can. */
export function browserUnavailable(): string | undefined {
  return existsSync(chromiumPath) ? undefined : `no Chromium at ${chromiumPath} (apt-get install chromium, or set HERALD_CHROMIUM)`;
}

export interface OpenDashboard {
  browser: Browser;
  page: Page;
  /** Errors the page threw or logged, for diagnostics. */
  pageErrors: string[];
  close(): Promise<void>;
}

export interface Credentials {
  handle: string;
  password: string;
}

export interface OpenOptions {
  /** Runs before the page is loaded: e.g. `page.addInitScript` to watch it from its start. */
  prepare?(page: Page): Promise<unknown>;
}

/** Opens the dashboard at `baseUrl`, at its sign-in form. */
export async function openSignInPage(baseUrl: string, { prepare }: OpenOptions = {}): Promise<OpenDashboard> {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await prepare?.(page);
    await page.goto(new URL('/', baseUrl).href);
    await page.locator('[data-testid="sign-in-form"]').waitFor();
    return { browser, page, pageErrors, close: () => browser.close() };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/** Fills in the sign-in form and submits it (it does not wait for the outcome). */
export async function submitSignIn(page: Page, { handle, password }: Credentials): Promise<void> {
  const form = page.locator('[data-testid="sign-in-form"]');
  await form.getByLabel('Handle').fill(handle);
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Sign in' }).click();
}

/** Opens the dashboard at `baseUrl`, signs in and waits until its event stream is connected. */
export async function openDashboard(
  baseUrl: string,
  credentials: Credentials,
  { connectTimeoutMs = 10_000, ...options }: OpenOptions & { connectTimeoutMs?: number } = {},
): Promise<OpenDashboard> {
  const dashboard = await openSignInPage(baseUrl, options);
  try {
    await submitSignIn(dashboard.page, credentials);
    await dashboard.page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: connectTimeoutMs });
    return dashboard;
  } catch (error) {
    const detail = dashboard.pageErrors.length > 0 ? `\npage errors:\n${dashboard.pageErrors.join('\n')}` : '';
    await dashboard.close();
    throw new Error(`${error instanceof Error ? error.message : String(error)}${detail}`, { cause: error });
  }
}

export interface DashboardScenarioOptions {
  /** Where the dashboard is served, e.g. http://127.0.0.1:3000. */
  baseUrl: string;
  /** Who signs in first. */
  credentials: Credentials;
  /**
   * Creates a product at or below its low-stock threshold through the API. Returning its sku
   * makes the scenario wait for that product's toast rather than any.
   */
  createLowStockProduct: () => Promise<{ sku: string } | void>;
  /** Default: test-artifacts/dashboard-low-stock.png at the repository root. */
  screenshotPath?: string;
  /** How long the toast may take to show once the product is created. */
  toastTimeoutMs?: number;
}

export interface DashboardScenarioResult {
  /** The toast's text as shown. */
  toastText: string;
  /** From createLowStockProduct resolving to the toast being visible. */
  toastLatencyMs: number;
  /** The header badge's count after the toast. */
  badgeCount: number;
  /** Whether the products table showed the new product highlighted as low stock (sku known only). */
  productRowHighlighted: boolean | undefined;
  screenshotPath: string;
}

/**
 * Opens the dashboard, signs in, waits for "connected", creates a low-stock product, expects the toast
 * within `toastTimeoutMs` (2 s) and saves a screenshot. Throws with the page's errors when a step
 * fails; a screenshot of the failure is saved next to the requested one.
 */
export async function runDashboardScenario({
  baseUrl,
  credentials,
  createLowStockProduct,
  screenshotPath = defaultScreenshotPath,
  toastTimeoutMs = 2000,
}: DashboardScenarioOptions): Promise<DashboardScenarioResult> {
  await mkdir(dirname(screenshotPath), { recursive: true });
  const dashboard = await openDashboard(baseUrl, credentials);
  const { page } = dashboard;
  try {
    const created = await createLowStockProduct();
    const createdAt = Date.now();
    const sku = created ? created.sku : undefined;
    const toast = page.locator(sku ? `[data-testid="toast-low-stock"][data-sku="${sku}"]` : '[data-testid="toast-low-stock"]').first();
    await toast.waitFor({ state: 'visible', timeout: toastTimeoutMs });
    const toastLatencyMs = Date.now() - createdAt;
    const toastText = (await toast.innerText()).replace(/\s+/g, ' ').trim();

    let productRowHighlighted: boolean | undefined;
    if (sku) {
      const row = page.locator('[data-testid="product-row"]', { hasText: sku });
      productRowHighlighted = await row
        .waitFor({ timeout: 3000 })
        .then(async () => (await row.getAttribute('data-low-stock')) === 'true')
        .catch(() => false);
    }
    const badgeCount = Number(await page.locator('[data-testid="low-stock-badge"]').getAttribute('data-count'));
    await page.screenshot({ path: screenshotPath, fullPage: true });
    return { toastText, toastLatencyMs, badgeCount, productRowHighlighted, screenshotPath };
  } catch (error) {
    const failurePath = screenshotPath.replace(/(\.png)?$/, '.failure.png');
    await page.screenshot({ path: failurePath, fullPage: true }).catch(() => {});
    const detail = dashboard.pageErrors.length > 0 ? `\npage errors:\n${dashboard.pageErrors.join('\n')}` : '';
    throw new Error(`${error instanceof Error ? error.message : String(error)}\nscreenshot: ${failurePath}${detail}`, { cause: error });
  } finally {
    await dashboard.close();
  }
}
