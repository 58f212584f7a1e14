/** What runs a query: a DataSource, an EntityManager or a pg client. */
interface Db {
  query: (sql: string, params: unknown[]) => Promise<unknown>;
}

/**
 * Marks rows in step with what a scheduler write put in Redis. A row changed since the write was
 * made from it (another version, or it started or stopped firing) keeps its newer change
 * sequence out of step: its own write, or the reconciler, deals with it.
 */
const RECORD_SYNCED = `
  UPDATE scheduled_jobs s
     SET scheduler_synced_seq = s.scheduler_change_seq
    FROM unnest($1::uuid[], $2::int[], $3::bool[]) AS v(id, version, firing)
   WHERE s.id = v.id
     AND s.scheduler_synced_seq <> s.scheduler_change_seq
     AND (v.version IS NULL OR s.version = v.version)
     AND (s.status = 'active' AND s.next_run_at IS NOT NULL) = v.firing`;

/**
 * The reconciler's variant: marks rows in step at the change sequence it read with the row it
 * wrote from. A row changed since that read (a higher sequence) may have had its newer write
 * overtaken by the reconciler's older one, so it is marked out of step once more (the next
 * pass writes it from the newer row); rows in step already are left alone.
 */
const RECORD_SYNCED_AT = `
  UPDATE scheduled_jobs s
     SET scheduler_synced_seq = CASE WHEN s.scheduler_change_seq = v.seq THEN v.seq ELSE s.scheduler_synced_seq END,
         scheduler_change_seq = CASE WHEN s.scheduler_change_seq = v.seq THEN v.seq ELSE s.scheduler_change_seq + 1 END
    FROM unnest($1::uuid[], $2::bigint[]) AS v(id, seq)
   WHERE s.id = v.id AND (s.scheduler_change_seq <> v.seq OR s.scheduler_synced_seq <> v.seq)`;

const MARK_OUT_OF_STEP = `UPDATE scheduled_jobs SET scheduler_change_seq = scheduler_change_seq + 1 WHERE id = ANY($1::uuid[])`;

/**
 * The scheduler bookkeeping (`SchedulerSyncLedger` of `@scheduler/queue`) over `scheduled_jobs`'
 * `scheduler_change_seq` / `scheduler_synced_seq` (migration 0019): the after-commit syncs record
 * success with one UPDATE per call (per bulk call), and a failed Redis write marks its rows out of
 * step. Ids that are not schedules' (deleted rows) match nothing.
 */
export function schedulerSyncLedger(db: Db) {
  return {
    synced: (schedules: readonly { id: string; version?: number; firing: boolean }[]) =>
      db.query(RECORD_SYNCED, [schedules.map((s) => s.id), schedules.map((s) => s.version ?? null), schedules.map((s) => s.firing)]),
    outOfStep: (ids: readonly string[]) => db.query(MARK_OUT_OF_STEP, [ids]),
  };
}

/** Marks rows in step at the change sequences read with them (`scheduler_change_seq`, as text). */
export function recordSchedulersSyncedAt(db: Db, rows: readonly { id: string; seq: string }[]): Promise<unknown> {
  return db.query(RECORD_SYNCED_AT, [rows.map((r) => r.id), rows.map((r) => r.seq)]);
}
