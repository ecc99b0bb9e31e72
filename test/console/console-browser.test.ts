import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccount } from '../support/accounts.js';
import { ApiKeysService } from '../../apps/platform/src/access/api-keys.service.js';
import { apiClient, operatorKey, tenantWithKey } from '../support/admin-api.js';
import { authorizeThroughPages } from '../support/browser.js';
import { launchChromium } from '../support/chromium.js';
import { startStack, TestStack } from '../support/stack.js';

const ROOT = resolve(import.meta.dirname, '../..');
// Every run writes its screenshots to dist/screenshots (ignored by git);
// SCREENSHOTS_DIR=docs/screenshots refreshes the ones the README shows.
const SHOTS = resolve(ROOT, process.env.SCREENSHOTS_DIR ?? 'dist/screenshots');
const WIDE = { width: 1280, height: 860 };
const NARROW = { width: 390, height: 844 };

/**
 * The console (apps/console, built here with Vite into dist/console and served by the platform at
 * /console/) driven by headless Chromium against the platform, the sandbox and PostgreSQL.
 * All browser scenarios live in this one file: it is the only one that builds the console.
 */
describe('console in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;
  let opKey: string;
  let globexKey: string;
  const acmeAccount = newAccount('official_account');
  const globexAccount = newAccount('mini_program');
  const contexts: BrowserContext[] = [];

  const consoleUrl = (path = '/') => `${stack.platform.url}/console${path}`;
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: resolve(SHOTS, `${name}.png`), fullPage: true });

  async function newPage(viewport = WIDE): Promise<Page> {
    const context = await browser.newContext({
      viewport,
      locale: 'en-GB',
      timezoneId: 'UTC',
      colorScheme: 'light',
    });
    contexts.push(context);
    return context.newPage();
  }

  /** A refresh of the account's token on demand (a service reports it refused): refresh-log data. */
  async function forceRefresh(appid: string) {
    const { key } = await stack.platform
      .get(ApiKeysService)
      .create({ kind: 'service', name: 'refresher', createdBy: 'test' });
    const service = apiClient(stack.platform, key);
    const path = `/v1/components/${stack.component.appid}/authorizers/${appid}/access-token`;
    const current = await service.get<{ accessToken: string }>(path);
    await stack.sandbox.invalidateToken(appid);
    const renewed = await service.post(`${path}/rejected`, {
      accessToken: current.body.accessToken,
    });
    expect(renewed.status).toBe(200);
  }

  /** The account's row, once its token health has loaded. */
  const row = async (page: Page, appid: string) => {
    const tr = page.locator(`tr[data-appid="${appid}"]`);
    await tr.locator('td[data-label="Token"] .badge').waitFor();
    return tr;
  };

  /** A link of the main navigation. */
  const nav = (page: Page, name: string) =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

  async function signIn(page: Page, key: string) {
    await page.goto(consoleUrl('/'));
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  beforeAll(async () => {
    await build({
      configFile: resolve(ROOT, 'apps/console/vite.config.ts'),
      logLevel: 'warn',
    });
    await mkdir(SHOTS, { recursive: true });
    stack = await startStack({ platform: { schedulers: false } });
    opKey = await operatorKey(stack.platform);
    globexKey = await tenantWithKey(stack.platform, 'globex', {
      returnUrlPrefixes: ['https://globex.example/back/'],
    });
    for (const a of [acmeAccount, globexAccount]) await stack.sandbox.addAccount(a);
    // globex's own account, connected through the API (the browser connects acme's).
    const session = await apiClient(stack.platform, globexKey).post<{ entryUrl: string }>(
      '/v1/authorization-sessions',
      { returnUrl: 'https://globex.example/back/done' },
    );
    await authorizeThroughPages(session.body.entryUrl, globexAccount.appid);
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await stack?.close();
  });

  it('an operator signs in, creates a tenant, connects an account by clicking through the sandbox and opens it', async () => {
    const page = await newPage();
    await page.goto(consoleUrl('/'));
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot(page, 'sign-in');
    await signIn(page, opKey);
    await expect(page.getByTestId('who').textContent()).resolves.toContain('Operator');

    // A tenant, made in the console.
    await nav(page, 'Tenants').click();
    await page.getByLabel('Id').fill('acme');
    await page.getByLabel('Name').fill('ACME Corp');
    await page
      .getByLabel('Return URL prefixes (one a line, optional)')
      .fill('https://acme.example/back/');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.getByText('Tenant acme created.').waitFor();
    await page.locator('tr[data-tenant="acme"]').waitFor();
    // Its settings, edited in place.
    await page.getByRole('button', { name: 'Edit acme' }).click();
    await page.getByLabel('JS-SDK domains (one a line)').fill('m.acme.example');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect
      .poll(() => page.locator('tr[data-tenant="acme"]').textContent(), { timeout: 15_000 })
      .toContain('m.acme.example');

    // A link for acme, its QR code, and the sandbox's WeChat page in a new tab.
    await nav(page, 'Connect an account').click();
    await page.getByLabel('Tenant the account joins').selectOption('acme');
    await page.getByRole('button', { name: 'Create the link' }).click();
    const qr = page.getByRole('img', { name: 'QR code of the authorization link' });
    await qr.waitFor();
    // The PNG decoded.
    expect(await qr.evaluate((img: { naturalWidth: number }) => img.naturalWidth)).toBeGreaterThan(
      0,
    );
    await shot(page, 'connect');
    const [wechat] = await Promise.all([
      page.waitForEvent('popup'),
      page.getByRole('link', { name: 'Open the authorization page' }).click(),
    ]);
    await wechat.waitForURL(/\/cgi-bin\/componentloginpage|bindcomponent/);
    await wechat
      .locator(`form[data-appid="${acmeAccount.appid}"]`)
      .getByRole('button', { name: /Authorize/ })
      .click();
    // The owner lands on the console's own page, which needs no sign-in.
    await wechat.getByText('Authorization finished — you can close this page.').waitFor();
    expect(new URL(wechat.url()).pathname).toBe('/console/connected');
    await wechat.close();

    // The console sees the authorization complete and links to the new account.
    await page.getByText(`Connected: account ${acmeAccount.appid}`).waitFor({ timeout: 20_000 });
    await forceRefresh(acmeAccount.appid);
    await page.getByRole('link', { name: 'Open the account' }).click();
    await page.getByRole('heading', { level: 1, name: acmeAccount.nickName }).waitFor();
    const sets = page.getByRole('list', { name: 'Permission sets' });
    await expect(sets.textContent()).resolves.toContain('Message management');
    await expect(sets.textContent()).resolves.toContain('Custom menu');
    // The refresh made on demand above, in the refresh log.
    await page.locator('section[aria-labelledby="refresh-h"] tbody tr').first().waitFor();
    await shot(page, 'account');

    // In the accounts table, with the other tenant's account (an operator sees every tenant).
    await nav(page, 'Accounts').click();
    const acmeRow = await row(page, acmeAccount.appid);
    await row(page, globexAccount.appid);
    await expect(acmeRow.textContent()).resolves.toContain('Authorized');
    await expect(acmeRow.textContent()).resolves.toMatch(/Valid, \d+ h \d+ min left/);
    await shot(page, 'accounts');

    // Sorted by a column header: by name, then the other way.
    const byName = [acmeAccount, globexAccount]
      .sort((x, y) => (x.nickName < y.nickName ? -1 : 1))
      .map((x) => x.appid);
    const order = () =>
      page
        .locator('tr[data-appid]')
        .evaluateAll((rows: { dataset: { appid?: string } }[]) => rows.map((r) => r.dataset.appid));
    await page.getByRole('button', { name: 'Account (sort)' }).click();
    await expect.poll(order, { timeout: 15_000 }).toEqual(byName);
    await expect(
      page.getByRole('columnheader', { name: 'Account' }).getAttribute('aria-sort'),
    ).resolves.toBe('ascending');
    await page.getByRole('button', { name: 'Account (sort)' }).click();
    await expect.poll(order, { timeout: 15_000 }).toEqual([...byName].reverse());
  });

  it("a tenant key is refused another tenant's account and does not list it; it makes its own links and detaches its own account", async () => {
    const page = await newPage();
    await signIn(page, globexKey);
    await expect(page.getByTestId('who').textContent()).resolves.toContain('Tenant globex');
    // Operator pages are not offered to a tenant key.
    await expect(nav(page, 'API keys').count()).resolves.toBe(0);

    await page.goto(consoleUrl(`/accounts/${stack.component.appid}/${acmeAccount.appid}`));
    await page.getByRole('heading', { level: 1, name: 'No such account' }).waitFor();

    await nav(page, 'Accounts').click();
    await row(page, globexAccount.appid);
    await expect(page.locator(`tr[data-appid="${acmeAccount.appid}"]`).count()).resolves.toBe(0);

    // A tenant makes links for itself only: no tenant to choose.
    await nav(page, 'Connect an account').click();
    await expect(page.getByLabel('Tenant the account joins').count()).resolves.toBe(0);
    await page.getByLabel('In WeChat on a phone').check();
    await page.getByRole('button', { name: 'Create the link' }).click();
    await page.getByText('For tenant globex').waitFor();
    await page.getByRole('img', { name: 'QR code of the authorization link' }).waitFor();
    await nav(page, 'Accounts').click();

    // Its own account: detached only through the confirmation, which says what it does.
    await page.getByRole('link', { name: globexAccount.nickName }).click();
    await page.getByRole('button', { name: 'Detach' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.textContent()).resolves.toContain('WeChat offers no way');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Detach' }).click();
    await dialog.getByRole('button', { name: 'Detach' }).click();
    await page.getByText('The account is detached.').waitFor();
    await page.locator('.badge', { hasText: 'Detached' }).first().waitFor();
  });

  it('a service key is refused at sign-in, in words', async () => {
    const { key } = await stack.platform
      .get(ApiKeysService)
      .create({ kind: 'service', name: 'backend', createdBy: 'test' });
    const page = await newPage();
    await page.goto(consoleUrl('/'));
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain(
      'A service key cannot sign in to the console',
    );
    await expect(page.evaluate('sessionStorage.length')).resolves.toBe(0);
  });

  it('a key revoked while in use ends the session, in words', async () => {
    const { key, view } = await stack.platform
      .get(ApiKeysService)
      .create({ kind: 'tenant', name: 'globex temp', tenantId: 'globex', createdBy: 'test' });
    const page = await newPage();
    await signIn(page, key);
    // The overview's own requests finish first: one of them refused after the revocation would
    // end the session before the click below, and the link would be gone.
    await page.getByRole('heading', { name: 'Token refreshes' }).waitFor();
    await page.getByRole('heading', { name: 'Tokens by time left' }).waitFor();
    const revoked = await apiClient(stack.platform, opKey).delete(`/v1/keys/${view.id}`);
    expect(revoked.status).toBe(200);
    await nav(page, 'Accounts').click();
    await page.getByText('The platform no longer accepts your key').waitFor();
    await page.getByLabel('API key').waitFor();
    await expect(page.evaluate('sessionStorage.length')).resolves.toBe(0);
  });

  it('the keyboard reaches the key field and the sign-in button', async () => {
    const page = await newPage();
    await page.goto(consoleUrl('/'));
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.locator('#api-key:focus').count()).toBe(1);
    await page.keyboard.type(opKey);
    await page.keyboard.press('Tab');
    expect(await page.locator('button[type=submit]:focus').textContent()).toBe('Sign in');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    // The key lives in this tab's session storage only, never in a URL; signing out forgets it.
    await expect(page.evaluate("sessionStorage.getItem('wop.console.apiKey')")).resolves.toBe(
      opKey,
    );
    await expect(page.evaluate('localStorage.length')).resolves.toBe(0);
    expect(page.url()).not.toContain(opKey);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    await expect(page.evaluate('sessionStorage.length')).resolves.toBe(0);
  });

  it('at 390 px wide the accounts page does not scroll sideways (rows stack)', async () => {
    const page = await newPage(NARROW);
    await signIn(page, opKey);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByRole('heading', { name: 'Components' }).waitFor();
    await shot(page, 'overview-narrow');
    // The nav collapses behind a Menu button.
    await expect(nav(page, 'Accounts').isVisible()).resolves.toBe(false);
    await page.getByRole('button', { name: 'Menu' }).click();
    await nav(page, 'Accounts').click();
    await row(page, acmeAccount.appid);
    const width = await page.evaluate('document.scrollingElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(NARROW.width + 1);
    await shot(page, 'accounts-narrow');
    // The account page too: its facts and logs fit.
    await page.getByRole('link', { name: acmeAccount.nickName }).click();
    await page.getByRole('heading', { name: 'Refresh log' }).waitFor();
    await page.locator('section[aria-labelledby="refresh-h"] tbody tr').first().waitFor();
    const accountWidth = await page.evaluate('document.scrollingElement.scrollWidth');
    expect(accountWidth).toBeLessThanOrEqual(NARROW.width + 1);
    await shot(page, 'account-narrow');
  });

  it('an operator sees the overview and the pushes, makes and revokes a key, resets a quota once the appid is typed', async () => {
    const page = await newPage();
    await signIn(page, opKey);
    await page.getByRole('heading', { name: 'Components' }).waitFor();
    // acme's refresh on demand is in the chart (and its text alternative).
    await page.getByText(/Token refreshes per hour: [1-9]\d* succeeded/).waitFor();
    // Failed and queued webhook deliveries are counted beside the accounts.
    await page.getByText('deliveries failed').waitFor();
    await shot(page, 'overview');
    await nav(page, 'Pushes & jobs').click();
    await page.getByRole('heading', { name: 'Recent pushes from WeChat' }).waitFor();
    await page.getByRole('table', { name: 'Pushes' }).waitFor();
    await page.getByText('Show', { exact: true }).first().click();
    await page.locator('pre.json').first().waitFor();
    await shot(page, 'pushes');
    await nav(page, 'API keys').click();
    await page.getByRole('table', { name: 'API keys' }).waitFor();
    await shot(page, 'keys');

    // A key: its secret shown once (with a warning and a copy button), then revoked after a
    // confirmation.
    await page.getByLabel('Kind').selectOption('tenant');
    await page.getByLabel('Name').fill('acme reporting');
    await page.getByLabel('Tenant id').fill('acme');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByText('Copy this key now: it is shown only once.').waitFor();
    await expect(page.getByLabel('Key “acme reporting”').inputValue()).resolves.toMatch(/^wop_tn_/);
    await page.getByRole('button', { name: 'Copy', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Revoke acme reporting' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    // Revoked: no revoke button any more, and its row says so.
    await page
      .getByRole('button', { name: 'Revoke acme reporting' })
      .waitFor({ state: 'detached' });
    await expect(
      page.getByRole('row', { name: /acme reporting/ }).textContent(),
    ).resolves.toContain('Revoked');

    // Quota: a look-up, and a reset only once the appid is typed again.
    await nav(page, 'Quota').click();
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByText('Daily limit').waitFor();
    await page.getByRole('button', { name: 'Reset the quota…' }).click();
    const dialog = page.getByRole('dialog');
    const reset = dialog.getByRole('button', { name: 'Reset' });
    await expect(reset.isDisabled()).resolves.toBe(true);
    await dialog.getByLabel(/Type .* to confirm/).fill(stack.component.appid);
    await reset.click();
    await page.getByText(`Reset ${stack.component.appid}:`).waitFor();
  });
});
