/**
 * Bulk import (`POST /schedule/import`): CSV and JSON arrays checked row by row exactly like
 * `POST /schedule`, a dry run that writes nothing, an all-or-nothing commit with every
 * scheduler, `Idempotency-Key` retries, the row limit, and what spreadsheets send (BOM, `;`,
 * quoted fields with line breaks, `YYYY-MM-DD HH:mm`).
 */
import request from 'supertest';
import { IdempotencyKey, ScheduledJob, ScheduleImport } from '@scheduler/entities';
import { apiAs, createCampaign, createTemplate, newUserId } from '@scheduler/testkit';
import { MAX_IMPORT_ROWS } from '../src/schedules/import/schedule-import.service';
import { IMPORT_COLUMNS } from '../src/schedules/import/columns';
import { CreateScheduleDto } from '../src/schedules/schedule.dto';
import { getMetadataStorage } from 'class-validator';
import { useTestApp } from './helpers';

describe('importing schedules', () => {
  const t = useTestApp();
  const schedulesOf = (userId: string) => t.deps.dataSource.getRepository(ScheduledJob).find({ where: { userId }, order: { name: 'ASC' } });
  const importCsv = (userId: string, csv: string, path = '/schedule/import', headers: Record<string, string> = {}) =>
    request(t.app).post(`/api/v1${path}`).set('Authorization', t.auth(userId)).set('Content-Type', 'text/csv').set(headers).send(csv);
  const importJson = (userId: string, rows: unknown, path = '/schedule/import', headers: Record<string, string> = {}) =>
    request(t.app)
      .post(`/api/v1${path}`)
      .set('Authorization', t.auth(userId))
      .set(headers)
      .send(rows as object);
  const schedulerOf = (id: string) => t.deps.occurrenceQueues.of(id).getJobScheduler(id);

  it('declares a column for every field of the create body', () => {
    const fields = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(CreateScheduleDto, '', true, false)
        .map((m) => m.propertyName),
    );
    expect([...IMPORT_COLUMNS].sort()).toEqual([...fields].sort());
  });

  it('when a dry run checks a valid CSV, then 200 with each row, its line, its first run in UTC and local time, and nothing is written', async () => {
    const user = newUserId();
    const csv =
      'name,schedule_type,scheduled_at,timezone,recurrence_pattern,job_config.publisher_domain\n' +
      'Advent,once,2028-12-24 09:00,Europe/Berlin,,blog.example.com\n' +
      'Digest,weekly,2028-01-03T08:30:00,America/New_York,weekly:monday,news.example.com\n';
    const res = await importCsv(user, csv, '/schedule/import?dry_run=true');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dry_run: true, total: 2, valid: 2, invalid: 0, import_id: null });
    expect(res.body.rows).toEqual([
      {
        row: 2,
        ok: true,
        errors: [],
        name: 'Advent',
        id: null,
        next_run_at: '2028-12-24T08:00:00.000Z',
        local: '2028-12-24T09:00:00+01:00',
        timezone: 'Europe/Berlin',
        warnings: [],
      },
      {
        row: 3,
        ok: true,
        errors: [],
        name: 'Digest',
        id: null,
        next_run_at: '2028-01-03T13:30:00.000Z',
        local: '2028-01-03T08:30:00-05:00',
        timezone: 'America/New_York',
        warnings: [],
      },
    ]);
    expect(await schedulesOf(user)).toHaveLength(0);
    expect(await t.deps.dataSource.getRepository(ScheduleImport).countBy({ createdBy: user })).toBe(0);
  });

  it('when rows break the create rules, then each error names its row number and field', async () => {
    const user = newUserId();
    const other = newUserId();
    const mine = await createCampaign(t, user);
    const theirs = await createCampaign(t, other);
    const theirTemplate = await createTemplate(t, other);
    const closed = await createCampaign(t, user, { name: 'done' });
    expect((await apiAs(t, user).put(`/campaigns/${closed.id}`, { status: 'completed' })).status).toBe(200);
    const csv = [
      'name,schedule_type,scheduled_at,timezone,recurrence_pattern,campaign_id,template_id,max_runs',
      `good,daily,2028-05-01 09:00,UTC,,${mine.id},,`,
      'bad type,hourly,2028-05-01 09:00,UTC,,,,',
      'bad zone,daily,2028-05-01 09:00,Mars/Olympus,,,,',
      'past,once,2020-01-01 09:00,UTC,,,,',
      `unknown campaign,daily,2028-05-01 09:00,UTC,,00000000-0000-4000-8000-000000000000,,`,
      `their campaign,daily,2028-05-01 09:00,UTC,,${theirs.id},,`,
      'pattern mismatch,daily,2028-05-01 09:00,UTC,weekly:monday,,,',
      `their template,daily,2028-05-01 09:00,UTC,,,${theirTemplate.id},`,
      'bad runs,daily,2028-05-01 09:00,UTC,,,,many',
      ',daily,2028-05-01 09:00,UTC,,,,',
      `closed campaign,daily,2028-05-01 09:00,UTC,,${closed.id},,`,
    ].join('\n');
    const res = await importCsv(user, csv, '/schedule/import?dry_run=true');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 11, valid: 1, invalid: 10 });
    const fieldsOf = (row: number) =>
      (res.body.rows as { row: number; errors: { row: number; field: string }[] }[])
        .find((r) => r.row === row)!
        .errors.map((e) => {
          expect(e.row).toBe(row);
          return e.field;
        });
    expect(fieldsOf(2)).toEqual([]);
    expect(fieldsOf(3)).toEqual(['schedule_type']);
    expect(fieldsOf(4)).toEqual(['timezone']);
    expect(fieldsOf(5)).toEqual(['scheduled_at']);
    expect(fieldsOf(6)).toEqual(['campaign_id']);
    expect(fieldsOf(7)).toEqual(['campaign_id']);
    expect(fieldsOf(8)).toEqual(['recurrence_pattern']);
    expect(fieldsOf(9)).toEqual(['template_id']);
    expect(fieldsOf(10)).toEqual(['max_runs']);
    expect(fieldsOf(11)).toEqual(['name']);
    expect(fieldsOf(12)).toEqual(['campaign_id']);
    // The same body through POST /schedule is refused for the same field (one set of rules).
    const single = await apiAs(t, user).post('/schedule', {
      name: 'x',
      schedule_type: 'daily',
      scheduled_at: '2028-05-01T09:00:00',
      timezone: 'Mars/Olympus',
    });
    expect(single.status).toBe(422);
    expect(single.body.errors.map((e: { field: string }) => e.field)).toEqual(['timezone']);
    expect(await schedulesOf(user)).toHaveLength(0);
  });

  it('when the header repeats a column, lacks a required one or has an unknown one, then the header row (1) names each column', async () => {
    const user = newUserId();
    const res = await importCsv(
      user,
      'name,scheduled_at,scheduled_at,colour\nx,2028-05-01 09:00,2028-05-01 09:00,red\n',
      '/schedule/import?dry_run=true',
    );
    expect(res.status).toBe(200);
    const [header] = res.body.rows;
    expect(header.row).toBe(1);
    expect(header.ok).toBe(false);
    expect(header.errors.map((e: { row: number; field: string; message: string }) => [e.row, e.field, e.message])).toEqual([
      [1, 'scheduled_at', 'the column appears twice in the header'],
      [1, 'colour', expect.stringContaining('unknown column')],
      [1, 'schedule_type', 'a required column is missing from the header'],
    ]);
    const commit = await importCsv(user, 'name,scheduled_at,scheduled_at,colour\nx,2028-05-01 09:00,2028-05-01 09:00,red\n');
    expect(commit.status).toBe(422);
    expect(await schedulesOf(user)).toHaveLength(0);
  });

  it('when a commit has one bad row, then 422 with the report, and no schedule, import or scheduler is left', async () => {
    const user = newUserId();
    const before = (await t.deps.occurrenceQueues.all[0].getJobSchedulers()).length;
    const csv = 'name,schedule_type,scheduled_at\na,daily,2028-05-01 09:00\nb,daily,2019-05-01 09:00\nc,once,2028-05-02 09:00\n';
    const res = await importCsv(user, csv);
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 422, dry_run: false, total: 3, valid: 2, invalid: 1, import_id: null });
    expect(res.body.detail).toMatch(/1 of 3 rows are invalid: nothing was imported/);
    expect(res.body.errors).toEqual([{ field: 'rows[3].scheduled_at', message: expect.stringContaining('future') }]);
    expect(res.body.rows[1]).toMatchObject({ row: 3, ok: false, errors: [{ row: 3, field: 'scheduled_at' }] });
    expect(await schedulesOf(user)).toHaveLength(0);
    expect(await t.deps.dataSource.getRepository(ScheduleImport).countBy({ createdBy: user })).toBe(0);
    expect((await t.deps.occurrenceQueues.all[0].getJobSchedulers()).length).toBe(before);
  });

  it('when a commit is valid, then 201, every schedule exists as POST /schedule makes it, each with its scheduler, and the import is recorded', async () => {
    const user = newUserId();
    const csv =
      'name,schedule_type,scheduled_at,timezone,recurrence_pattern,max_runs,requires_approval,job_config\n' +
      'a,daily,2028-05-01 09:00,Europe/Paris,,3,TRUE,"{""publisher_domain"": ""a.example.com"", ""word_count"": 900}"\n' +
      'b,monthly,2028-05-15 10:00,UTC,"monthly:1,15",,false,\n' +
      'c,cron,,UTC,0 9 * * 1,,,\n';
    const res = await importCsv(user, csv);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ dry_run: false, total: 3, valid: 3, invalid: 0 });
    const rows = await schedulesOf(user);
    expect(rows.map((s) => s.name)).toEqual(['a', 'b', 'c']);
    expect(res.body.rows.map((r: { id: string }) => r.id).sort()).toEqual(rows.map((s) => s.id).sort());
    expect(rows[0]).toMatchObject({
      scheduleType: 'daily',
      timezone: 'Europe/Paris',
      maxRuns: 3,
      requiresApproval: true,
      jobConfig: { publisher_domain: 'a.example.com', word_count: 900 },
      status: 'active',
      misfireGraceSeconds: 3600,
      version: 1,
    });
    expect(rows[0].nextRunAt?.toISOString()).toBe('2028-05-01T07:00:00.000Z');
    expect(rows[1]).toMatchObject({ recurrencePattern: 'monthly:1,15', requiresApproval: false });
    expect(rows[2]).toMatchObject({ scheduleType: 'cron', recurrencePattern: '0 9 * * 1' });
    for (const row of rows) {
      const scheduler = await schedulerOf(row.id);
      expect(scheduler?.template?.data).toEqual({ schedule_id: row.id, version: 1 });
    }
    const recorded = await t.deps.dataSource.getRepository(ScheduleImport).findOneByOrFail({ id: res.body.import_id });
    expect(recorded).toMatchObject({ createdBy: user, total: 3 });
    expect([...recorded.scheduleIds].sort()).toEqual(rows.map((s) => s.id).sort());
    // The same schedules read through the API are valid schedules.
    const got = await apiAs(t, user).get(`/schedule/${rows[0].id}`);
    expect(got.status).toBe(200);
  });

  it('when a spreadsheet sends a BOM, ";" delimiters, quoted cells with ";" and line breaks, then they are read and rows keep their lines', async () => {
    const user = newUserId();
    const csv =
      '\uFEFFname;schedule_type;scheduled_at;description;job_config.publisher_domain\r\n' +
      '"Launch; part 1";once;2028-06-01 09:00;"first line\r\nsecond ""quoted"" line";x.example.com\r\n' +
      '\r\n' +
      'After;once;24/12/2028 09:00;;x.example.com\r\n';
    const res = await importCsv(user, csv, '/schedule/import?dry_run=true');
    expect(res.status).toBe(200);
    expect(res.body.rows).toMatchObject([
      { row: 2, ok: true, name: 'Launch; part 1', next_run_at: '2028-06-01T09:00:00.000Z' },
      { row: 5, ok: false, errors: [{ row: 5, field: 'scheduled_at', message: expect.stringContaining('ambiguous') }] },
    ]);
    const commit = await importCsv(user, csv.replace('24/12/2028 09:00', '2028-12-24 09:00:30'));
    expect(commit.status).toBe(201);
    const [launch, after] = await schedulesOf(user).then((rows) => [
      rows.find((r) => r.name !== 'After')!,
      rows.find((r) => r.name === 'After')!,
    ]);
    expect(launch.description).toBe('first line\r\nsecond "quoted" line');
    expect(launch.jobConfig).toEqual({ publisher_domain: 'x.example.com' });
    expect(after.scheduledAt.toISOString()).toBe('2028-12-24T09:00:30.000Z');
  });

  it('when a JSON array is imported, then rows are its positions from 1 and each body is checked like POST /schedule', async () => {
    const user = newUserId();
    const rows = [
      { name: 'one', schedule_type: 'once', scheduled_at: '2028-07-01T09:00:00Z' },
      { name: 'two', schedule_type: 'once', scheduled_at: '2028-07-01T09:00:00Z', colour: 'red' },
      'not an object',
    ];
    const res = await importJson(user, rows, '/schedule/import?dry_run=1');
    expect(res.status).toBe(200);
    expect(
      res.body.rows.map((r: { row: number; ok: boolean; errors: { field: string }[] }) => [r.row, r.ok, r.errors.map((e) => e.field)]),
    ).toEqual([
      [1, true, []],
      [2, false, ['colour']],
      [3, false, ['body']],
    ]);
    const ok = await importJson(user, rows.slice(0, 1));
    expect(ok.status).toBe(201);
    expect(await schedulesOf(user)).toHaveLength(1);
    const notArray = await importJson(user, { name: 'x' });
    expect(notArray.status).toBe(422);
    expect(notArray.body.errors).toEqual([{ field: 'body', message: expect.stringContaining('JSON array') }]);
  });

  it(`when a file has more than ${MAX_IMPORT_ROWS} rows, then 422 naming the limit and nothing is written`, async () => {
    const user = newUserId();
    const row = 'x,once,2028-07-01 09:00\n';
    const csv = `name,schedule_type,scheduled_at\n${row.repeat(MAX_IMPORT_ROWS + 1)}`;
    const res = await importCsv(user, csv);
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ field: 'body', message: expect.stringContaining(`at most ${MAX_IMPORT_ROWS} rows`) }]);
    const json = await importJson(
      user,
      Array.from({ length: MAX_IMPORT_ROWS + 1 }, () => ({ name: 'x', schedule_type: 'once', scheduled_at: '2028-07-01T09:00:00Z' })),
    );
    expect(json.status).toBe(422);
    expect(json.body.errors[0].message).toContain(`this file has ${MAX_IMPORT_ROWS + 1}`);
    expect(await schedulesOf(user)).toHaveLength(0);
  });

  it('when CSV goes to another route, then it is still a 415 there', async () => {
    const user = newUserId();
    const res = await importCsv(user, 'name,schedule_type\nx,once\n', '/schedule');
    expect(res.status).toBe(415);
  });

  describe('Idempotency-Key', () => {
    const csv = (n: number, name = 'k') =>
      `name,schedule_type,scheduled_at\n${Array.from({ length: n }, (_, i) => `${name}${i},once,2028-08-01 09:00`).join('\n')}\n`;

    it('when the same upload is sent twice with one key, then one set is created and the retry answers the same report', async () => {
      const user = newUserId();
      const key = { 'Idempotency-Key': `import-${user}` };
      const first = await importCsv(user, csv(3), '/schedule/import', key);
      expect(first.status).toBe(201);
      const second = await importCsv(user, csv(3), '/schedule/import', key);
      expect(second.status).toBe(201);
      expect(second.body).toEqual(first.body);
      expect(await schedulesOf(user)).toHaveLength(3);
      const stored = await t.deps.dataSource.getRepository(IdempotencyKey).findOneByOrFail({ key: key['Idempotency-Key'] });
      expect(stored).toMatchObject({ operation: 'schedule.import', resourceId: first.body.import_id });
      // Another file with the key is refused, naming the header; nothing is created.
      const other = await importCsv(user, csv(2, 'other'), '/schedule/import', key);
      expect(other.status).toBe(422);
      expect(other.body.errors[0].field).toBe('Idempotency-Key');
      expect(await schedulesOf(user)).toHaveLength(3);
    });

    it('when the same key is sent by two uploads at once, then one set is created and both answer its report', async () => {
      const user = newUserId();
      const key = { 'Idempotency-Key': `race-${user}` };
      const [a, b] = await Promise.all([
        importCsv(user, csv(20), '/schedule/import', key),
        importCsv(user, csv(20), '/schedule/import', key),
      ]);
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(a.body.import_id).toBe(b.body.import_id);
      expect(await schedulesOf(user)).toHaveLength(20);
    });

    it('when two different keys upload at once, then both sets are created whole', async () => {
      const user = newUserId();
      const [a, b] = await Promise.all([
        importCsv(user, csv(50, 'a'), '/schedule/import', { 'Idempotency-Key': `a-${user}` }),
        importCsv(user, csv(50, 'b'), '/schedule/import', { 'Idempotency-Key': `b-${user}` }),
      ]);
      expect([a.status, b.status]).toEqual([201, 201]);
      const rows = await schedulesOf(user);
      expect(rows.filter((r) => r.name.startsWith('a'))).toHaveLength(50);
      expect(rows.filter((r) => r.name.startsWith('b'))).toHaveLength(50);
    });

    it('when a key was used for a run now, then an import with it is a 422', async () => {
      const user = newUserId();
      const made = await importCsv(
        user,
        'name,schedule_type,scheduled_at,job_config.publisher_domain\nr,daily,2028-08-01 09:00,x.example.com\n',
      );
      const id = made.body.rows[0].id as string;
      const run = await request(t.app)
        .post(`/api/v1/schedule/${id}/run`)
        .set('Authorization', t.auth(user))
        .set('Idempotency-Key', `run-${user}`);
      expect(run.status).toBe(201);
      const res = await importCsv(user, csv(1), '/schedule/import', { 'Idempotency-Key': `run-${user}` });
      expect(res.status).toBe(422);
      expect(await schedulesOf(user)).toHaveLength(1);
    });
  });
});
