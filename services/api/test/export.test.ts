/**
 * Export (`GET /schedule/export?format=csv|json`): the create fields of the caller's schedules
 * under the list's filters, as a file `POST /schedule/import` takes back unchanged; only the
 * caller's workspace.
 */
import request from 'supertest';
import { parse } from 'csv-parse/sync';
import { ScheduledJob } from '@scheduler/entities';
import { apiAs, createCampaign, createSchedule, createTemplate, newUserId } from '@scheduler/testkit';
import { IMPORT_COLUMNS } from '../src/schedules/import/columns';
import { exportRowOf } from '../src/schedules/import/schedule-export';
import { useTestApp } from './helpers';

/** The fields a re-import must reproduce (everything the create body decides). */
const DEFINITION = [
  'name',
  'description',
  'campaign_id',
  'template_id',
  'schedule_type',
  'scheduled_at',
  'recurrence_pattern',
  'recurrence_end_date',
  'timezone',
  'max_runs',
  'job_config',
  'misfire_grace_seconds',
  'catchup_policy',
  'requires_approval',
  'approval_timeout_hours',
  'next_run_at',
  'status',
] as const;

describe('exporting schedules', () => {
  const t = useTestApp();
  const exportAs = (user: string, query: string) =>
    request(t.app).get(`/api/v1/schedule/export?${query}`).set('Authorization', t.auth(user));
  const importAs = (user: string, body: string | object[], csv: boolean) => {
    const req = request(t.app).post('/api/v1/schedule/import').set('Authorization', t.auth(user));
    return csv ? req.set('Content-Type', 'text/csv').send(body as string) : req.send(body);
  };

  /** One schedule of every type, with every optional field used somewhere (a campaign and template of the workspace). */
  async function everyType(user: string) {
    const campaign = await createCampaign(t, user, { name: 'Spring' });
    const template = await createTemplate(t, user);
    const bodies = [
      {
        name: 'once, in Berlin',
        schedule_type: 'once',
        scheduled_at: '2028-03-26T02:30:00',
        timezone: 'Europe/Berlin',
        description: 'a DST gap: moved to 03:30, kept as asked',
        job_config: { publisher_domain: 'a.example.com', anchor_text: 'quote " and, comma' },
      },
      {
        name: 'daily',
        schedule_type: 'daily',
        scheduled_at: '2028-04-01T09:15:00Z',
        timezone: 'America/New_York',
        recurrence_end_date: '2028-12-31T00:00:00Z',
        max_runs: 40,
        campaign_id: campaign.id,
        catchup_policy: 'all',
        misfire_grace_seconds: 120,
      },
      {
        name: 'weekly',
        schedule_type: 'weekly',
        scheduled_at: '2028-04-03T08:00:00',
        recurrence_pattern: 'weekly:monday,thursday',
        timezone: 'UTC',
        template_id: template.id,
        requires_approval: true,
        approval_timeout_hours: 12,
      },
      {
        name: 'monthly',
        schedule_type: 'monthly',
        scheduled_at: '2028-04-30T18:00:00',
        recurrence_pattern: 'monthly:last',
        timezone: 'Asia/Tokyo',
      },
      {
        name: 'cron',
        schedule_type: 'cron',
        recurrence_pattern: '0 9 * * 1-5',
        timezone: 'Europe/London',
        description: 'line one\nline two',
      },
    ];
    for (const body of bodies) await createSchedule(t, user, body);
    return { campaign, bodies };
  }

  const definitionOf = (s: Record<string, unknown>) => Object.fromEntries(DEFINITION.map((f) => [f, s[f]]));

  for (const format of ['csv', 'json'] as const) {
    it(`when every type is exported as ${format} and imported back, then the new schedules have the same fields`, async () => {
      const user = newUserId();
      await everyType(user);
      const api = apiAs(t, user);
      const originals = (await api.get('/schedule?limit=200')).body as Record<string, unknown>[];
      expect(originals).toHaveLength(5);
      const file = await exportAs(user, `format=${format}`);
      expect(file.status).toBe(200);
      expect(file.headers['content-disposition']).toBe(`attachment; filename="schedules.${format}"`);
      if (format === 'csv') {
        expect(file.headers['content-type']).toMatch(/^text\/csv/);
        expect(file.text.startsWith('\uFEFF')).toBe(true);
        expect(file.text.split(/\r?\n/, 1)[0].replace('\uFEFF', '')).toBe(IMPORT_COLUMNS.join(','));
      }
      const body = format === 'csv' ? file.text : (file.body as object[]);
      const imported = await importAs(user, body, format === 'csv');
      expect(imported.status).toBe(201);
      expect(imported.body.total).toBe(5);
      const ids = new Set((imported.body.rows as { id: string }[]).map((r) => r.id));
      const all = (await api.get('/schedule?limit=200')).body as Record<string, unknown>[];
      const copies = all.filter((s) => ids.has(s.id as string));
      expect(copies).toHaveLength(5);
      const byName = (list: Record<string, unknown>[]) => [...list].sort((a, b) => String(a.name).localeCompare(String(b.name)));
      const sortedCopies = byName(copies);
      const sortedOriginals = byName(originals);
      sortedOriginals.forEach((original, i) => {
        const copy = sortedCopies[i];
        if (original.schedule_type === 'cron') {
          // A cron starts when it is made: its start differs, its next run is the same.
          expect({ ...definitionOf(copy), scheduled_at: null }).toEqual({ ...definitionOf(original), scheduled_at: null });
        } else {
          expect(definitionOf(copy)).toEqual(definitionOf(original));
        }
      });
      // The gap-shifted once keeps its requested wall time (02:30) in the file.
      if (format === 'json')
        expect((file.body as { scheduled_at?: string }[]).find((r) => r.scheduled_at?.startsWith('2028-03-26'))?.scheduled_at).toBe(
          '2028-03-26T02:30:00',
        );
    });
  }

  it('when the list filters are given, then the export holds what the list shows, in its order', async () => {
    const user = newUserId();
    const { campaign } = await everyType(user);
    const api = apiAs(t, user);
    for (const query of [`campaign_id=${campaign.id}`, 'schedule_type=weekly', 'q=ly', 'sort=-name', 'status=paused']) {
      const listed = (await api.get(`/schedule?${query}&limit=200`)).body as { name: string }[];
      const exported = await exportAs(user, `${query}&format=json`);
      expect(exported.status).toBe(200);
      expect((exported.body as { name: string }[]).map((r) => r.name)).toEqual(listed.map((s) => s.name));
    }
    const csv = await exportAs(user, 'schedule_type=cron');
    const records = parse<Record<string, string>>(csv.text, { bom: true, columns: true });
    expect(records).toEqual([
      expect.objectContaining({ name: 'cron', description: 'line one\nline two', recurrence_pattern: '0 9 * * 1-5' }),
    ]);
    expect((await exportAs(user, 'format=xml')).status).toBe(422);
    expect((await exportAs(user, 'limit=5')).status).toBe(422);
  });

  it("when another workspace exports, then it never sees this workspace's schedules", async () => {
    const owner = newUserId();
    await everyType(owner);
    const stranger = newUserId();
    await createSchedule(t, stranger, { name: 'mine' });
    const theirs = await exportAs(stranger, 'format=json');
    expect((theirs.body as { name: string }[]).map((r) => r.name)).toEqual(['mine']);
    const csv = await exportAs(stranger, 'format=csv');
    expect(csv.text).not.toContain('once, in Berlin');
    // And importing the owner's file as the stranger cannot reach the owner's campaign or template.
    const ownersFile = await exportAs(owner, 'format=csv');
    const res = await importAs(stranger, ownersFile.text, true);
    expect(res.status).toBe(422);
    const fields = (res.body.rows as { errors: { field: string }[] }[]).flatMap((r) => r.errors.map((e) => e.field)).sort();
    expect(fields).toEqual(['campaign_id', 'template_id']);
    expect(await t.deps.dataSource.getRepository(ScheduledJob).countBy({ userId: stranger })).toBe(1);
  });

  it('when a recurring schedule has started, then its export starts at its next run with the runs it has left', () => {
    const now = new Date('2028-05-10T12:00:00Z');
    const started = Object.assign(new ScheduledJob(), {
      name: 'started',
      description: null,
      campaignId: null,
      templateId: null,
      scheduleType: 'daily',
      scheduledAt: new Date('2028-05-01T07:00:00Z'),
      recurrencePattern: null,
      recurrenceEndDate: null,
      timezone: 'Europe/Paris',
      maxRuns: 20,
      runCount: 9,
      nextRunAt: new Date('2028-05-11T07:00:00Z'),
      jobConfig: {},
      misfireGraceSeconds: 3600,
      catchupPolicy: 'latest',
      requiresApproval: false,
      approvalTimeoutHours: null,
      recurrenceRule: {
        type: 'daily',
        timezone: 'Europe/Paris',
        start: '2028-05-01T07:00:00.000Z',
        wall: '2028-05-01T09:00:00',
        pattern: null,
        end: null,
      },
    });
    expect(exportRowOf(started, now)).toMatchObject({ scheduled_at: '2028-05-11T09:00:00+02:00', max_runs: 11 });
    expect(exportRowOf(started, new Date('2028-04-01T00:00:00Z'))).toMatchObject({ scheduled_at: '2028-05-01T09:00:00', max_runs: 20 });
  });
});
