import { AxeBuilder } from '@axe-core/playwright';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
/** The screenshots of each page (README links them). */
const SHOTS = path.join(root, 'docs/screenshots');

/** axe-core on the page as it is now: the serious and critical violations, one line each. */
async function seriousViolations(page: Page): Promise<string[]> {
  // Only the violations' details (not every passing node's): the check stays quick on 2 cores.
  const { violations } = await new AxeBuilder({ page }).options({ resultTypes: ['violations'] }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** Fails when axe finds a serious or critical violation on the page. */
async function expectAccessible(page: Page, what: string): Promise<void> {
  expect({ page: what, violations: await seriousViolations(page) }).toEqual({ page: what, violations: [] });
}

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
  /** Made by the first test, used by the calendar ones. */
  let campaign = '';
  let scheduleName = '';
  let year = 0;
  /** The webhook receiver (a local HTTP server): the bodies it was sent. */
  let receiver: Server;
  const received: string[] = [];

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
        // The webhook receiver is on 127.0.0.1.
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        WEBHOOK_DISPATCH_INTERVAL_MS: '100',
        // The test opens pages much faster than a person: on a quick machine its last minute (the
        // accessibility walk over every page) made more than the default 60 lists a minute.
        RATE_LIMIT_LISTS: '600',
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
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    // A context of its own: @axe-core/playwright needs the page's context (browser.newPage's has none).
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'Europe/Paris', locale: 'en-US' });
    page = await context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGINT');
      await exited;
    }
  });

  it('signs in, creates a campaign and a daily schedule through the forms, and previews its runs across DST', async () => {
    const app = `http://localhost:${port}/app`;
    await page.goto(`${app}/`);
    await page.getByLabel('Access token').waitFor();
    await expectAccessible(page, 'sign-in');
    await page.getByLabel('Access token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The calendar is the home page.
    await page.waitForURL(/\/app\/calendar\/\d{4}-\d{2}/);
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('heading', { name: 'Campaigns' }).waitFor();

    campaign = uniqueName('Spring launch');
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
    year = now.getUTCMonth() >= 2 ? now.getUTCFullYear() + 1 : now.getUTCFullYear();
    const name = uniqueName('Morning post');
    scheduleName = name;
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

  /** The chips of the month grid: the day cell each is in and its text. */
  async function chipsOf(name: string): Promise<{ day: string | null; text: string; muted: boolean }[]> {
    const chips = page.locator('.occurrence').filter({ hasText: name });
    await chips.first().waitFor();
    return chips.evaluateAll((els) =>
      els.map((el) => ({
        day: el.closest('[data-date]')?.getAttribute('data-date') ?? null,
        text: el.textContent ?? '',
        muted: el.classList.contains('occurrence-muted'),
      })),
    );
  }

  it("shows the daily schedule's runs on the calendar on their New York days at 09:00 across the DST change, runs it now and shows the Job", async () => {
    const app = `http://localhost:${port}/app`;
    // A Job needs a publisher: the form has no field for it, the API sets it on the schedule.
    const api = `http://localhost:${port}/api/v1`;
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const list = (await (await fetch(`${api}/schedule?limit=100`, { headers })).json()) as { id: string; name: string }[];
    const schedule = list.find((s) => s.name === scheduleName)!;
    const put = await fetch(`${api}/schedule/${schedule.id}`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ job_config: { publisher_domain: 'example.com' } }),
    });
    expect(put.status).toBe(200);
    await page.goto(`${app}/calendar/${year}-03?view=month`);
    await page.getByRole('heading', { name: `March ${year}` }).waitFor();
    // The grid shows six weeks: the March days' chips.
    const chips = (await chipsOf(scheduleName)).filter((c) => c.day?.startsWith(`${year}-03`));
    // 5..31 March, one a day (the viewer is in Paris: the chips stay on New York's days and hours).
    const days = chips.map((c) => c.day);
    const expected = Array.from({ length: 27 }, (_, i) => `${year}-03-${String(i + 5).padStart(2, '0')}`);
    expect(days).toEqual(expected);
    // The US spring-forward is the second Sunday of March.
    const firstSunday = 1 + ((7 - new Date(Date.UTC(year, 2, 1)).getUTCDay()) % 7);
    const change = `${year}-03-${String(firstSunday + 7).padStart(2, '0')}`;
    for (const chip of chips) {
      expect(chip.text).toContain('planned');
      expect(chip.text).toContain(chip.day! < change ? '09:00 EST' : '09:00 EDT');
      expect(chip.muted).toBe(false);
    }
    await page.screenshot({ path: path.join(SHOTS, 'calendar-month.png'), fullPage: true });

    // The side panel of the run on the day of the change: local + UTC time and the DST note.
    await page.locator(`[data-date="${change}"] .occurrence`).filter({ hasText: scheduleName }).click();
    const panel = page.getByRole('complementary', { name: scheduleName });
    await panel.getByText('The clocks changed in the last 24 hours: EST → EDT (UTC−04:00).').waitFor();
    expect(await panel.textContent()).toMatch(/01:00 PM UTC/);
    await panel.getByRole('button', { name: 'Run now' }).click();
    const made = panel.getByRole('status').filter({ hasText: 'made' });
    await made.waitFor({ timeout: 5000 }).catch(async (e) => {
      console.log('PANEL', await panel.textContent());
      throw e;
    });
    expect(await made.textContent()).toMatch(/Job [0-9a-f]{8} made: (pending|running|completed)/);
    await page.screenshot({ path: path.join(SHOTS, 'calendar-panel.png'), fullPage: true });
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });

    // The Job of the run-now is in the Jobs list.
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    await page.getByText(scheduleName).first().waitFor();

    // The week view of the change, and the arrows.
    await page.goto(`${app}/calendar/${year}-03?view=week&day=${change}`);
    await page.locator('.occurrence').filter({ hasText: scheduleName }).first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'calendar-week.png'), fullPage: true });
    await page.keyboard.press('ArrowRight');
    await page.waitForURL(/view=week&day=\d{4}-\d{2}-\d{2}/);
    expect(new URL(page.url()).searchParams.get('day')).not.toBe(change);
  }, 90_000);

  it('greys the occurrences of a paused campaign and says paused', async () => {
    const app = `http://localhost:${port}/app`;
    await page.goto(`${app}/campaigns`);
    await page.getByRole('link', { name: campaign }).click();
    await page.getByRole('heading', { name: campaign }).waitFor();
    await page.getByLabel('Reason (optional)').fill('brand review');
    await page.getByRole('button', { name: 'Pause campaign' }).click();
    await page.getByRole('button', { name: 'Resume campaign' }).waitFor();
    await page.getByText('Paused: brand review').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'campaign-paused.png'), fullPage: true });

    await page.goto(`${app}/calendar/${year}-03?view=month`);
    await page.locator('.occurrence-paused').filter({ hasText: scheduleName }).first().waitFor();
    const chips = (await chipsOf(scheduleName)).filter((c) => c.day?.startsWith(`${year}-03`));
    expect(chips).toHaveLength(27);
    for (const chip of chips) {
      expect(chip.text).toContain('paused');
      expect(chip.muted).toBe(true);
    }
    await page.screenshot({ path: path.join(SHOTS, 'calendar-paused.png'), fullPage: true });

    // At 375 px the calendar is the list view.
    const phone = await browser.newPage({ viewport: { width: 375, height: 800 }, timezoneId: 'Europe/Paris', locale: 'en-US' });
    await phone.goto(`${app}/`);
    await phone.getByLabel('Access token').fill(token);
    await phone.getByRole('button', { name: 'Sign in' }).click();
    // Signed in (the token checked and kept) before the next address.
    await phone.waitForURL(/\/app\/calendar\/\d{4}-\d{2}/);
    await phone.goto(`${app}/calendar/${year}-03?view=month`);
    await phone
      .locator('.occurrence')
      .filter({ hasText: scheduleName })
      .first()
      .waitFor({ timeout: 5000 })
      .catch(async (e) => {
        console.log('PHONE', phone.url(), (await phone.locator('main').textContent())?.slice(0, 1500));
        throw e;
      });
    expect(await phone.locator('.calendar-page').getAttribute('data-view')).toBe('list');
    expect(await phone.getByRole('group', { name: 'View' }).count()).toBe(0);
    await phone.screenshot({ path: path.join(SHOTS, 'calendar-375.png'), fullPage: true });
    await phone.close();

    await page.goto(`${app}/campaigns`);
    await page.getByRole('link', { name: campaign }).click();
    await page.getByRole('button', { name: 'Resume campaign' }).click();
    await page.getByRole('button', { name: 'Pause campaign' }).waitFor();
  }, 90_000);

  it('imports a CSV with one bad row: the error is on that row and commit is disabled', async () => {
    const app = `http://localhost:${port}/app`;
    await page.goto(`${app}/import`);
    const good = uniqueName('Imported post');
    const csv = [
      'name,schedule_type,scheduled_at,timezone,recurrence_pattern',
      `${good},daily,${year}-04-01 10:00,Europe/Berlin,`,
      `Broken row,once,${year}-04-02 10:00,Mars/Olympus,`,
    ].join('\n');
    await page.getByLabel('CSV file').setInputFiles({ name: 'plan.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    const table = page.getByRole('table', { name: 'Import rows' });
    await table.waitFor();
    const rows = table.getByRole('row');
    expect(await rows.count()).toBe(3);
    const first = (await rows.nth(1).textContent()) ?? '';
    expect(first).toContain(good);
    expect(first).toMatch(new RegExp(`Apr 1, ${year}, 10:00 AM GMT\\+2`));
    const bad = (await rows.nth(2).textContent()) ?? '';
    expect(bad).toContain('3');
    expect(bad).toContain('timezone:');
    expect(await rows.nth(2).getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('button', { name: 'Commit import' }).isDisabled()).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'import.png'), fullPage: true });
  }, 60_000);

  it('creates a blackout and a feed', async () => {
    const app = `http://localhost:${port}/app`;
    await page.goto(`${app}/blackouts`);
    const name = uniqueName('Easter');
    await page.getByLabel('Blackout name').fill(name);
    await page.getByLabel('First day', { exact: true }).fill(`${year}-04-05`);
    await page.getByLabel('Last day', { exact: true }).fill(`${year}-04-06`);
    await page.getByRole('button', { name: 'Create blackout' }).click();
    await page.getByRole('row').filter({ hasText: name }).waitFor();
    // A refused form: the error is under its field.
    await page.getByLabel('Blackout name').fill('Backwards');
    await page.getByLabel('First day', { exact: true }).fill(`${year}-04-09`);
    await page.getByLabel('Last day', { exact: true }).fill(`${year}-04-01`);
    await page.getByRole('button', { name: 'Create blackout' }).click();
    await page.locator('.field-error').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'blackouts.png'), fullPage: true });

    await page.goto(`${app}/settings/feeds`);
    await page.getByLabel('Feed name').fill(uniqueName('Team feed'));
    await page.getByRole('button', { name: 'Create feed' }).click();
    const url = await page.getByLabel(/^Address of /).inputValue();
    expect(url).toMatch(/\/ical\/[A-Za-z0-9_-]{43}\.ics$/);
    const ics = await fetch(url);
    expect(ics.status).toBe(200);
    await page.screenshot({ path: path.join(SHOTS, 'feeds.png'), fullPage: true });
  }, 60_000);
  it('edits the schedule in the editor: the stored rule in the form, saved with If-Match; a stale tag is a 412 with reload', async () => {
    const app = `http://localhost:${port}/app`;
    await page.goto(`${app}/schedules`);
    await page.getByRole('link', { name: `Edit ${scheduleName}` }).click();
    await page.getByRole('heading', { name: `Edit “${scheduleName}”` }).waitFor();
    expect(await page.getByLabel('Repeats').inputValue()).toBe('daily');
    expect(await page.getByLabel('Starts on').inputValue()).toBe(`${year}-03-05`);
    expect(await page.getByLabel('Time', { exact: true }).inputValue()).toBe('09:00');
    expect(await page.getByText('Selected: America/New_York').count()).toBe(1);
    // To weekly on Mondays and Thursdays at 10:30: the preview follows.
    await page.getByLabel('Repeats').selectOption('weekly');
    await page.getByLabel('Mon', { exact: true }).check();
    await page.getByLabel('Thu', { exact: true }).check();
    await page.getByLabel('Time', { exact: true }).fill('10:30');
    await page.getByRole('list', { name: 'Next runs in America/New_York' }).getByText(/10:30/).first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'schedule-edit.png'), fullPage: true });
    await expectAccessible(page, 'schedule edit');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Schedules' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: scheduleName });
    await row.getByText('weekly:monday,thursday').waitFor();

    // Someone else renames it while the form is open: the save is refused (412), Reload shows theirs.
    await page.getByRole('link', { name: `Edit ${scheduleName}` }).click();
    await page.getByRole('heading', { name: `Edit “${scheduleName}”` }).waitFor();
    const api = `http://localhost:${port}/api/v1`;
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const list = (await (await fetch(`${api}/schedule?limit=100`, { headers })).json()) as { id: string; name: string }[];
    const id = list.find((s) => s.name === scheduleName)!.id;
    scheduleName = `${scheduleName} (renamed)`;
    expect((await fetch(`${api}/schedule/${id}`, { method: 'PUT', headers, body: JSON.stringify({ name: scheduleName }) })).status).toBe(
      200,
    );
    await page.getByLabel('Name', { exact: true }).fill('My name for it');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const stale = page.getByRole('alert').filter({ hasText: 'Someone else changed this schedule' });
    await stale.waitFor();
    await stale.getByRole('button', { name: 'Reload the schedule' }).click();
    await page.getByRole('heading', { name: `Edit “${scheduleName}”` }).waitFor();
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe(scheduleName);
    const stored = (await (await fetch(`${api}/schedule/${id}`, { headers })).json()) as { name: string };
    expect(stored.name).toBe(scheduleName);
  }, 60_000);

  it('shares a template, finds it in the library, copies it into the workspace, and uses it with overrides', async () => {
    const app = `http://localhost:${port}/app`;
    const api = `http://localhost:${port}/api/v1`;
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const name = uniqueName('Listicle');
    const made = await fetch(`${api}/templates`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name, publisher_domain: 'example.com', tags: ['e2e'] }),
    });
    expect(made.status).toBe(201);
    await page.goto(`${app}/templates`);
    const share = page.getByRole('button', { name: `Share ${name} in the library` });
    await share.click();
    await page.getByRole('listitem').filter({ hasText: name }).getByText('shared in the library, copied 0 times').waitFor();
    expect(await share.getAttribute('aria-pressed')).toBe('true');
    await page.screenshot({ path: path.join(SHOTS, 'templates.png'), fullPage: true });
    await expectAccessible(page, 'templates');

    await page.getByRole('link', { name: 'Library', exact: true }).click();
    await page.getByRole('heading', { name: 'Template library' }).waitFor();
    await page.getByLabel('Text', { exact: true }).fill(name);
    await page.getByRole('button', { name: 'Search' }).click();
    const item = page.getByRole('list', { name: 'Library templates' }).getByRole('listitem').filter({ hasText: name });
    await item.waitFor();
    expect(await page.getByRole('list', { name: 'Library templates' }).getByRole('listitem').count()).toBe(1);
    await item.getByRole('button', { name: `Favourite ${name}` }).click();
    await item.getByRole('button', { name: `Copy ${name} to my templates` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Copied into your templates as ${name}` })
      .waitFor();
    await item.getByText('copied 1 time').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'library.png'), fullPage: true });
    await expectAccessible(page, 'library');

    // Mine now holds the source and its copy.
    await page.getByRole('link', { name: 'Templates', exact: true }).click();
    const mine = page.getByRole('listitem').filter({ hasText: name });
    await mine.nth(1).waitFor();
    expect(await mine.count()).toBe(2);
    await mine.first().getByRole('button', { name: 'Use' }).click();
    await page.getByLabel('Target URL').fill('https://shop.example.com/p');
    await page.getByLabel('Keywords (comma-separated)').fill('spring, sale');
    await page.getByRole('button', { name: 'Create Job' }).click();
    await page.getByRole('status').filter({ hasText: 'Created Job' }).waitFor();
  }, 60_000);

  it('creates a webhook (the secret shown once), sends a test ping and sees the delivery in the log', async () => {
    const app = `http://localhost:${port}/app`;
    await page.goto(`${app}/settings/webhooks`);
    await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/${uniqueName('e2e')}`;
    await page.getByLabel('Webhook URL').fill(url);
    await page.getByLabel('run.missed').check();
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const secret = await page.getByLabel('Signing secret').inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    await page.getByText(/shown only once/).waitFor();
    await page.getByRole('row').filter({ hasText: url }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'webhook-secret.png'), fullPage: true });
    await expectAccessible(page, 'webhooks (secret shown)');
    await page.getByRole('button', { name: 'I have saved it' }).click();
    // Once: not in the page any more, nor after a reload.
    await page.reload();
    await page.getByRole('row').filter({ hasText: url }).waitFor();
    expect(await page.content()).not.toContain(secret);

    await page.getByRole('button', { name: `Send test ping to ${url}` }).click();
    const log = page.getByRole('table', { name: 'Deliveries' });
    const delivered = log.getByRole('row').filter({ hasText: 'ping' }).filter({ hasText: 'delivered' });
    await delivered.first().waitFor({ timeout: 15_000 });
    expect(await delivered.first().textContent()).toMatch(/204.*\d+ ms/);
    expect(received.some((body) => body.includes('"ping"'))).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'webhooks.png'), fullPage: true });
    await expectAccessible(page, 'webhooks (deliveries)');
  }, 60_000);

  it('has no serious or critical axe-core violation on any page', async () => {
    const app = `http://localhost:${port}/app`;
    const api = `http://localhost:${port}/api/v1`;
    const headers = { Authorization: `Bearer ${token}` };
    const campaigns = (await (await fetch(`${api}/campaigns?limit=1`, { headers })).json()) as { id: string }[];
    const pages: [string, string, string][] = [
      ['calendar month', `/calendar/${year}-03?view=month`, 'status'],
      ['calendar week', `/calendar/${year}-03?view=week&day=${year}-03-09`, 'status'],
      ['calendar list', `/calendar/${year}-03?view=list`, 'status'],
      ['campaigns', '/campaigns', 'h1'],
      ['campaign', `/campaigns/${campaigns[0].id}`, 'h1'],
      ['schedules', '/schedules', 'h1'],
      ['new schedule', '/schedules/new', 'form'],
      ['jobs', '/jobs', 'h1'],
      ['runs', '/runs', 'h1'],
      ['blackouts', '/blackouts', 'h1'],
      ['import', '/import', 'h1'],
      ['feeds', '/settings/feeds', 'h1'],
      // Sign-in, the schedule edit form, templates, library and webhooks are checked in their own tests above.
    ];
    const found: Record<string, string[]> = {};
    for (const [name, to, ready] of pages) {
      await page.goto(`${app}${to}`);
      // The calendar is ready when its count says every page was read.
      const shown = name.startsWith('calendar')
        ? page.locator('.calendar-page [role="status"]', { hasText: /^\d+ occurrences?/ })
        : page.locator(ready).first();
      await shown.waitFor().catch(async (e: Error) => {
        throw new Error(
          `${name} (${to}): ${ready} did not show: ${e.message}\n${(await page.locator('main').textContent())?.slice(0, 500)}`,
        );
      });
      // Lists settle (no skeleton) before the check.
      await page.waitForFunction("!document.querySelector('.skeleton')");
      found[name] = await seriousViolations(page);
    }
    // The calendar's side panel open.
    await page.goto(`${app}/calendar/${year}-03?view=month`);
    await page.locator('.occurrence').first().click();
    await page.locator('.side-panel').waitFor();
    found['calendar panel'] = await seriousViolations(page);
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
  }, 120_000);
});
