import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
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
});
