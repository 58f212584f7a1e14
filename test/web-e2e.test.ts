import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { TEST_DATABASE_URL, uniqueName } from '@scheduler/testkit';

const root = path.resolve(__dirname, '..');
/** Debian's Chromium (`.ci/run` installs the package when it is missing); no browser download. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const SHOTS = path.join(os.tmpdir(), 'web-e2e-screenshots');

/**
 * The web app in a real browser against `npm start`'s real API and worker (scripts/start.js on a
 * free port, the test database, the development secret): sign in with the token of the printed
 * link, create a campaign and a daily New York schedule across the spring DST change through the
 * forms, see the preview's offsets and the DST mark, then the schedule in the lists.
 */
describe('the web app in Chromium, against npm start', () => {
  let child: ChildProcess;
  let output = '';
  let port = 0;
  let token = '';
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (.ci/run does).`);
    if (!existsSync(path.join(root, 'services/web/dist/index.html'))) throw new Error('services/web/dist is not built: npm run build');
    child = spawn(process.execPath, [path.join(root, 'scripts/start.js')], {
      env: {
        ...process.env,
        PORT: '0',
        WORKER_PORT: '0',
        QUEUE_PREFIX: uniqueName('web-e2e'),
        DATABASE_URL: TEST_DATABASE_URL,
        JWT_SECRET: '',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const deadline = Date.now() + 30_000;
    while (!(port && token) && Date.now() < deadline) {
      port = Number(/"port":(\d+)[^\n]*"msg":"api listening"/.exec(output)?.[1] ?? 0);
      token = /\/app\/\?token=([\w.-]+)/.exec(output)?.[1] ?? '';
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!port || !token) throw new Error(`npm start did not come up with a sign-in link:\n${output.slice(-4000)}`);
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, timezoneId: 'Europe/Paris', locale: 'en-US' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGINT');
      await exited;
    }
  });

  it('signs in, creates a campaign and a daily schedule through the forms, and previews its runs across DST', async () => {
    const app = `http://localhost:${port}/app`;
    await page.goto(`${app}/`);
    await page.getByLabel('Access token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Campaigns' }).waitFor();

    const campaign = uniqueName('Spring launch');
    await page.getByLabel('Campaign name').fill(campaign);
    await page.getByLabel('Target Jobs (optional)').fill('12');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    const card = page.getByRole('listitem').filter({ hasText: campaign });
    await card.getByText('Jobs 0 of 12: 0%').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'campaigns.png'), fullPage: true });

    await page.getByRole('link', { name: 'Schedules' }).click();
    await page.getByRole('link', { name: 'New schedule' }).first().click();
    // The browser's zone is the default.
    await page.getByText('Selected: Europe/Paris').waitFor();
    // Daily 09:00 New York from 5 March: the US clocks change on the second Sunday (8-14 March).
    const now = new Date();
    const year = now.getUTCMonth() >= 2 ? now.getUTCFullYear() + 1 : now.getUTCFullYear();
    const name = uniqueName('Morning post');
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Repeats').selectOption('daily');
    await page.getByLabel('Starts on').fill(`${year}-03-05`);
    await page.getByLabel('Time', { exact: true }).fill('09:00');
    await page.getByLabel('Search time zones').fill('new york');
    await page.getByLabel(/^Zone/).selectOption('America/New_York');
    await page.getByLabel('Campaign').selectOption({ label: campaign });

    const runs = page.getByRole('list', { name: 'Next runs in America/New_York' }).getByRole('listitem');
    await runs.nth(9).waitFor();
    const texts = await runs.allTextContents();
    expect(texts).toHaveLength(10);
    for (const text of texts) expect(text).toMatch(/09:00/);
    const change = texts.findIndex((t) => t.includes('DST change'));
    expect(change).toBeGreaterThan(0);
    expect(texts.filter((t) => t.includes('DST change'))).toHaveLength(1);
    for (const text of texts.slice(0, change)) expect(text).toMatch(/EST.*UTC−05:00/);
    for (const text of texts.slice(change)) expect(text).toMatch(/EDT.*UTC−04:00/);
    expect(texts[change]).toContain('DST change: now EDT (UTC−04:00)');
    await page.screenshot({ path: path.join(SHOTS, 'schedule-editor.png'), fullPage: true });

    await page.getByRole('button', { name: 'Create schedule' }).click();
    await page.getByRole('heading', { name: 'Schedules' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: name });
    await row.waitFor();
    expect(await row.textContent()).toMatch(new RegExp(`Mar 5, ${year}, 09:00 AM EST`));

    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('link', { name: campaign }).click();
    await page.getByRole('heading', { name: campaign }).waitFor();
    await page.getByRole('listitem').filter({ hasText: name }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'campaign.png'), fullPage: true });
  }, 90_000);

  it('shows the API problem under the field when the form is refused', async () => {
    await page.goto(`http://localhost:${port}/app/schedules/new`);
    await page.getByLabel('Name').fill('In the past');
    await page.getByLabel('Repeats').selectOption('once');
    await page.getByLabel('Date').fill('2020-01-01');
    await page.getByRole('button', { name: 'Create schedule' }).click();
    const error = page.locator('.field-error').first();
    await error.waitFor();
    expect(await error.textContent()).toMatch(/in the future/);
    const described = await page.getByLabel('Date').getAttribute('aria-describedby');
    expect(described).toBe(await error.getAttribute('id'));
  }, 60_000);
});
