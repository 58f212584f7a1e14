import { LOCK, lockedFrom, MATERIALIZE, RECORD_MISSED, SETTLE } from '../src/materialize.sql';

/**
 * The materializer's statements are generated from one column list (materialize.sql.ts); these
 * snapshots show a reviewer the SQL that runs, and fail when a change alters it.
 */
describe('the materializer statements', () => {
  it('the lock reads the schedule row, its campaign and the existing Job, with two parameters', () => {
    expect(LOCK.text).toMatchInlineSnapshot(`
     "
     SELECT w.idx::integer AS item,
            s.id, s.user_id, s.workspace_id, s.campaign_id, s.template_id, s.name, s.schedule_type,
            s.scheduled_at, s.recurrence_pattern, s.recurrence_end_date, s.timezone, s.max_runs,
            s.job_config, s.recurrence_rule, s.status, s.next_run_at, s.last_run_at, s.run_count,
            s.error_count, s.consecutive_errors, s.last_error, s.misfire_grace_seconds, s.catchup_policy,
            s.requires_approval, s.approval_timeout_hours, s.version, c.status AS campaign_status,
            c.start_date AS campaign_start_date, c.end_date AS campaign_end_date,
            c.requires_approval AS campaign_requires_approval,
            c.approval_timeout_hours AS campaign_approval_timeout_hours,
            j.id AS existing_job_id, j.status AS existing_job_status
       FROM unnest($1::uuid[], $2::timestamptz[])
              WITH ORDINALITY AS w("scheduleId", "occurrence", idx)
       JOIN scheduled_jobs s ON s.id = w."scheduleId"
       LEFT JOIN campaigns c ON c.id = s.campaign_id
       LEFT JOIN jobs j ON j.scheduled_job_id = s.id AND j.scheduled_for = w."occurrence"
      ORDER BY s.id
        FOR UPDATE OF s"
    `);
    expect(
      LOCK.bind([
        { scheduleId: 'S', occurrence: new Date(0) },
        { scheduleId: 'T', occurrence: new Date(1) },
      ]),
    ).toEqual([
      ['S', 'T'],
      [new Date(0), new Date(1)],
    ]);
  });

  it('the settle writes the run row and the lifecycle columns', () => {
    expect(SETTLE.text).toMatchInlineSnapshot(`
     "
       WITH run AS (
         INSERT INTO schedule_runs (scheduled_job_id, user_id, workspace_id, occurrence_at, outcome, reason, error, job_id,
           processed_at)
         VALUES ($1::uuid, $2::text, $3::text, $4::timestamptz, $5::varchar, $6::text, $7::text, NULL,
                 now())
         ON CONFLICT (scheduled_job_id, occurrence_at) DO UPDATE
           SET outcome = EXCLUDED.outcome, reason = EXCLUDED.reason, error = EXCLUDED.error,
               job_id = EXCLUDED.job_id, processed_at = EXCLUDED.processed_at
           WHERE schedule_runs.outcome <> 'materialized'
       )
       UPDATE scheduled_jobs
            SET status = $8::varchar, next_run_at = $9::timestamptz, last_run_at = $10::timestamptz,
                run_count = $11::integer, error_count = $12::integer, consecutive_errors = $13::integer,
                last_error = $14::text, updated_at = now()
          WHERE scheduled_jobs.id = $1::uuid"
    `);
  });

  it('the materialize inserts the Job, the run row and the lifecycle columns in one statement', () => {
    expect(MATERIALIZE.text).toMatchInlineSnapshot(`
     "
       WITH v AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::uuid[], $6::varchar[],
              $7::timestamptz[], $8::varchar[], $9::jsonb[], $10::varchar[], $11::varchar[],
              $12::varchar[], $13::varchar[], $14::varchar[], $15::varchar[], $16::boolean[],
              $17::integer[], $18::varchar[], $19::text[], $20::text[], $21::varchar[],
              $22::timestamptz[], $23::timestamptz[], $24::integer[], $25::integer[], $26::integer[],
              $27::text[])
              WITH ORDINALITY AS v("userId", "workspaceId", "campaignId", "templateId", "scheduleId", "scheduledJobName",
                "occurrence", "jobStatus", "config", "publisherDomain", "llmProvider", "llmModel",
                "writingStrategy", "country", "language", "queuedNow", "approvalTimeoutHours", "outcome",
                "reason", "error", "status", "nextRunAt", "lastRunAt", "runCount", "errorCount",
                "consecutiveErrors", "lastError", idx)
       ), job AS (
         INSERT INTO jobs (user_id, workspace_id, campaign_id, template_id, scheduled_job_id, scheduled_job_name,
           scheduled_for, status, config, publisher_domain, llm_provider, llm_model, writing_strategy,
           country, language, queued_at, approval_deadline)
         SELECT v."userId", v."workspaceId", v."campaignId", v."templateId", v."scheduleId",
                v."scheduledJobName", v."occurrence", v."jobStatus", v."config", v."publisherDomain",
                v."llmProvider", v."llmModel", v."writingStrategy", v."country", v."language",
                CASE WHEN v."queuedNow" THEN now() END,
                now() + v."approvalTimeoutHours" * interval '1 hour'
           FROM v
         ON CONFLICT (scheduled_job_id, scheduled_for) DO NOTHING
         RETURNING id, scheduled_job_id, scheduled_for
       ), run AS (
         INSERT INTO schedule_runs (scheduled_job_id, user_id, workspace_id, occurrence_at, outcome, reason, error, job_id,
           processed_at)
         SELECT v."scheduleId", v."userId", v."workspaceId", v."occurrence", v."outcome", v."reason",
                v."error", job.id, now() FROM job JOIN v ON job.scheduled_job_id = v."scheduleId" AND job.scheduled_for = v."occurrence"
         ON CONFLICT (scheduled_job_id, occurrence_at) DO UPDATE
           SET outcome = EXCLUDED.outcome, reason = EXCLUDED.reason, error = EXCLUDED.error,
               job_id = EXCLUDED.job_id, processed_at = EXCLUDED.processed_at
           WHERE schedule_runs.outcome <> 'materialized'
       ), settled AS (
         UPDATE scheduled_jobs
            SET status = v."status", next_run_at = v."nextRunAt", last_run_at = v."lastRunAt",
                run_count = v."runCount", error_count = v."errorCount",
                consecutive_errors = v."consecutiveErrors", last_error = v."lastError",
                updated_at = now()
           FROM v
          WHERE scheduled_jobs.id = v."scheduleId" AND EXISTS (SELECT 1 FROM job WHERE job.scheduled_job_id = v."scheduleId")
       ), event AS (
         INSERT INTO outbox_events (workspace_id, type, payload)
         SELECT v."workspaceId", 'job.created', jsonb_build_object('job_id', job.id, 'status', v."jobStatus", 'schedule_id', v."scheduleId", 'campaign_id', v."campaignId", 'scheduled_for', to_char(v."occurrence" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
           FROM job JOIN v ON job.scheduled_job_id = v."scheduleId" AND job.scheduled_for = v."occurrence"
       ), awaiting AS (
         INSERT INTO outbox_events (workspace_id, type, payload)
         SELECT v."workspaceId", 'job.awaiting_approval', jsonb_build_object('job_id', job.id, 'status', v."jobStatus", 'schedule_id', v."scheduleId", 'campaign_id', v."campaignId", 'scheduled_for', to_char(v."occurrence" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
           FROM job JOIN v ON job.scheduled_job_id = v."scheduleId" AND job.scheduled_for = v."occurrence" WHERE v."jobStatus" = 'awaiting_approval'
       )
       SELECT v.idx::integer AS item, job.id FROM job JOIN v ON job.scheduled_job_id = v."scheduleId" AND job.scheduled_for = v."occurrence""
    `);
  });

  it('the missed occurrences go in with one statement', () => {
    expect(RECORD_MISSED.text).toMatchInlineSnapshot(`
     "
       WITH recorded AS (
         INSERT INTO schedule_runs (scheduled_job_id, user_id, workspace_id, occurrence_at, outcome, reason, processed_at)
         SELECT $1::uuid, $2::text, $3::text, m.at, m.outcome, m.reason, now()
           FROM unnest($4::timestamptz[], $5::text[], $6::varchar[]) AS m(at, reason, outcome)
         ON CONFLICT (scheduled_job_id, occurrence_at) DO NOTHING
         RETURNING occurrence_at, outcome, reason
       )
       INSERT INTO outbox_events (workspace_id, type, payload)
         SELECT $3::text, 'run.missed', jsonb_build_object('schedule_id', $1::uuid, 'occurrence', to_char(recorded.occurrence_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'outcome', recorded.outcome, 'reason', recorded.reason)
           FROM recorded WHERE recorded.outcome = 'missed'"
    `);
  });

  it('binding puts each named value at its number, a value used twice once', () => {
    const values = {
      scheduleId: 'schedule',
      userId: 'user',
      workspaceId: 'user:user',
      occurrence: new Date(1000),
      outcome: 'materialized' as const,
      reason: null,
      error: 'oops',
      status: 'active' as const,
      nextRunAt: new Date(2000),
      lastRunAt: new Date(1000),
      runCount: 3,
      errorCount: 1,
      consecutiveErrors: 0,
      lastError: 'before',
      campaignId: 'campaign',
      templateId: 'template',
      scheduledJobName: 'name',
      config: '{}',
      publisherDomain: 'forbes.com',
      llmProvider: 'anthropic',
      llmModel: 'm',
      writingStrategy: 'expert',
      country: 'us',
      language: 'en',
      jobStatus: 'pending' as const,
      approvalTimeoutHours: null,
      queuedNow: true,
    };
    const second = { ...values, scheduleId: 'other', runCount: 4, queuedNow: false };
    const bound = MATERIALIZE.bind([values, second]);
    // The batch statement unnests one array per name: $n is the array of the n-th column of `v`.
    const columns = /AS v\(([^)]*)\)/
      .exec(MATERIALIZE.text)![1]
      .split(',')
      .map((c) => c.trim().replace(/"/g, ''))
      .filter((c) => c !== 'idx') as (keyof typeof values)[];
    expect(columns).toEqual(expect.arrayContaining(['scheduleId', 'runCount', 'lastError', 'queuedNow']));
    expect(bound).toEqual(columns.map((name) => [values[name], second[name]]));
    expect(bound).toHaveLength(Math.max(...[...MATERIALIZE.text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]))));
    expect(SETTLE.bind(values)).toEqual([
      'schedule',
      'user',
      'user:user',
      new Date(1000),
      'materialized',
      null,
      'oops',
      'active',
      new Date(2000),
      new Date(1000),
      3,
      1,
      0,
      'before',
    ]);
  });

  it('a locked row maps back onto the schedule, with its campaign only when it has one', () => {
    const row = {
      id: 'S',
      user_id: 'U',
      workspace_id: 'team:T',
      campaign_id: null,
      template_id: null,
      schedule_type: 'daily',
      scheduled_at: new Date(0),
      recurrence_pattern: null,
      recurrence_end_date: null,
      timezone: 'UTC',
      max_runs: 3,
      job_config: { a: 1 },
      recurrence_rule: null,
      status: 'active',
      next_run_at: new Date(1),
      last_run_at: null,
      run_count: 2,
      error_count: 1,
      consecutive_errors: 0,
      last_error: null,
      misfire_grace_seconds: 60,
      requires_approval: true,
      approval_timeout_hours: 24,
      version: 4,
      campaign_status: null,
      campaign_start_date: null,
      campaign_end_date: null,
      campaign_requires_approval: null,
      campaign_approval_timeout_hours: null,
      existing_job_id: null,
      existing_job_status: null,
    };
    expect(lockedFrom(row)).toEqual({
      id: 'S',
      userId: 'U',
      workspaceId: 'team:T',
      campaignId: null,
      templateId: null,
      scheduleType: 'daily',
      scheduledAt: new Date(0),
      recurrencePattern: null,
      recurrenceEndDate: null,
      timezone: 'UTC',
      maxRuns: 3,
      jobConfig: { a: 1 },
      recurrenceRule: null,
      status: 'active',
      nextRunAt: new Date(1),
      lastRunAt: null,
      runCount: 2,
      errorCount: 1,
      consecutiveErrors: 0,
      lastError: null,
      misfireGraceSeconds: 60,
      requiresApproval: true,
      approvalTimeoutHours: 24,
      version: 4,
      campaign: null,
      existingJobId: null,
      existingJobStatus: null,
    });
    const inCampaign = lockedFrom({
      ...row,
      campaign_id: 'C',
      campaign_status: 'paused',
      campaign_start_date: new Date(5),
      campaign_end_date: null,
      campaign_requires_approval: true,
      campaign_approval_timeout_hours: 48,
      existing_job_id: 'J',
      existing_job_status: 'awaiting_approval',
    });
    expect(inCampaign).toMatchObject({
      campaignId: 'C',
      campaign: { status: 'paused', startDate: new Date(5), endDate: null, requiresApproval: true, approvalTimeoutHours: 48 },
      existingJobId: 'J',
      existingJobStatus: 'awaiting_approval',
    });
  });
});
