// Bulk SQL loading of benchmark schedules (unnest of column arrays, 5,000 rows a statement).
const { randomUUID } = require('node:crypto');
const { parseSchedule, nextOccurrence } = require('../../packages/recurrence/dist');
const { prng } = require('./util');

/** Every bench schedule produces Jobs with this configuration (it has the required publisher_domain). */
const JOB_CONFIG = { publisher_domain: 'bench.example.com', llm_provider: 'anthropic', writing_strategy: 'standard', language: 'en' };

/**
 * Inserts schedule rows as the API stores them: where the schema has `recurrence_rule` (the
 * compiled rule the API keeps with each schedule), it is filled in too. A row's `jobConfig`
 * replaces JOB_CONFIG for it.
 */
async function insertSchedules(pg, rows, chunk = 5000) {
  const { rowCount: hasRule } = await pg.query(
    "SELECT 1 FROM information_schema.columns WHERE table_name = 'scheduled_jobs' AND column_name = 'recurrence_rule'",
  );
  for (let start = 0; start < rows.length; start += chunk) {
    const part = rows.slice(start, start + chunk);
    const col = (f) => part.map(f);
    await pg.query(
      `INSERT INTO scheduled_jobs (id, user_id, workspace_id, campaign_id, name, schedule_type, scheduled_at, recurrence_pattern,
                                   timezone, status, next_run_at, job_config${hasRule ? ', recurrence_rule' : ''})
       SELECT id, user_id, 'user:' || user_id, campaign_id, name, schedule_type, scheduled_at, recurrence_pattern, timezone, status, next_run_at,
              coalesce(config::jsonb, $11::jsonb)${hasRule ? ', rule::jsonb' : ''}
         FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[], $7::text[],
                     $8::text[], $9::text[], $10::timestamptz[], $12::text[], $13::text[])
           AS t(id, user_id, campaign_id, name, schedule_type, scheduled_at, recurrence_pattern, timezone, status, next_run_at, rule, config)`,
      [
        col((r) => r.id),
        col((r) => r.userId),
        col((r) => r.campaignId ?? null),
        col((r) => r.name),
        col((r) => r.type),
        col((r) => r.scheduledAt.toISOString()),
        col((r) => r.pattern ?? null),
        col((r) => r.timezone),
        col((r) => r.status ?? 'active'),
        col((r) => (r.nextRunAt ? r.nextRunAt.toISOString() : null)),
        JSON.stringify(JOB_CONFIG),
        col((r) => (r.rule ? JSON.stringify(r.rule) : null)),
        col((r) => (r.jobConfig ? JSON.stringify(r.jobConfig) : null)),
      ],
    );
  }
}

/** N daily UTC schedules whose first (and next) run is the instant T, spread over 100 users. */
function fireRows(n, at, runId) {
  const rule = parseSchedule({ schedule_type: 'daily', scheduled_at: at, timezone: 'UTC' });
  if (!rule.ok) throw new Error(`fire rule invalid: ${JSON.stringify(rule.errors)}`);
  const rows = [];
  for (let i = 0; i < n; i++) {
    rows.push({
      id: randomUUID(),
      userId: `bench-${runId}-fire-${i % 100}`,
      name: `fire ${i}`,
      type: 'daily',
      scheduledAt: at,
      pattern: null,
      timezone: 'UTC',
      nextRunAt: at,
      rule: rule.rule,
    });
  }
  return { rows, rule: rule.rule };
}

const PATTERNS = {
  weekly: ['weekly:monday,wednesday,friday', 'weekly:tuesday,thursday', 'weekly:saturday'],
  monthly: ['monthly:1,15', 'monthly:last', 'monthly:10'],
  cron: ['0 9 * * 1-5', '30 */6 * * *', '0 8,12,18 * * *', '*/30 9-17 * * 1-5'],
};
const ZONES = ['UTC', 'America/New_York', 'Europe/Paris', 'Asia/Tokyo', 'America/Los_Angeles', 'Europe/London'];

/**
 * A realistic population: `total` active schedules of mixed types (40 % daily, 25 % weekly,
 * 15 % monthly, 20 % cron) in six zones, starting 1 hour to 7 days ahead, with `next_run_at`
 * computed by the recurrence package. `benchUser` owns `owned` of them (spread over its
 * campaigns); the rest belong to other users, 100 each.
 */
function mixedRows(total, { benchUser, owned, campaignIds, runId, now = new Date(), seed = 42 }) {
  const random = prng(seed);
  const rows = [];
  for (let i = 0; i < total; i++) {
    const slot = i % 20;
    const type = slot < 8 ? 'daily' : slot < 13 ? 'weekly' : slot < 16 ? 'monthly' : 'cron';
    const choices = PATTERNS[type];
    const pattern = choices ? choices[Math.floor(random() * choices.length)] : null;
    const timezone = ZONES[Math.floor(random() * ZONES.length)];
    // From an hour ahead (nothing falls due while the bench runs) to a week ahead.
    const startMs = Math.floor((now.getTime() + 3_600_000 + random() * 7 * 86_400_000) / 60_000) * 60_000;
    const parsed = parseSchedule({ schedule_type: type, scheduled_at: new Date(startMs), recurrence_pattern: pattern, timezone });
    if (!parsed.ok) throw new Error(`mixed rule invalid: ${JSON.stringify(parsed.errors)}`);
    const rule = parsed.rule;
    const mine = i < owned;
    rows.push({
      id: randomUUID(),
      userId: mine ? benchUser : `bench-${runId}-user-${Math.floor((i - owned) / 100)}`,
      campaignId: mine && campaignIds.length ? campaignIds[i % campaignIds.length] : null,
      name: `schedule ${i}`,
      type: rule.type,
      scheduledAt: new Date(rule.start),
      pattern: rule.pattern,
      timezone: rule.timezone,
      rule,
      nextRunAt: nextOccurrence(rule, new Date(Date.parse(rule.start) - 1)),
    });
  }
  return rows;
}

async function insertCampaigns(pg, userId, count) {
  const { rows } = await pg.query(
    `INSERT INTO campaigns (user_id, workspace_id, name, status, tags)
     SELECT $1, 'user:' || $1, 'bench campaign ' || g, 'active', ARRAY['bench'] FROM generate_series(1, $2) g RETURNING id`,
    [userId, count],
  );
  return rows.map((r) => r.id);
}

async function truncateAll(pg) {
  // CASCADE: the planning tables (blackouts, calendar_feeds, schedule_skips) reference campaigns and schedules.
  await pg.query('TRUNCATE schedule_runs, jobs, scheduled_jobs, job_templates, campaigns CASCADE');
}

module.exports = { JOB_CONFIG, insertSchedules, fireRows, mixedRows, insertCampaigns, truncateAll };
