import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';
import { createDataSource } from '@scheduler/entities';
import type { ApiMetrics, Logger } from '@scheduler/telemetry';
import { unavailableDependency } from '../http/errors';

/**
 * The API's read router over PostgreSQL streaming replicas (`DATABASE_REPLICA_URLS`).
 *
 * A route declares `read: 'replica'` (lists, calendar, stats, previews); the route wrapper runs its
 * handler inside `route()`, which picks a usable replica for the request, and services read through
 * `readManager(deps)`: that replica's manager inside such a route, the primary's everywhere else.
 * So every write, every transaction and every read a write makes stays on the primary without the
 * services knowing which route called them.
 *
 * Why not TypeORM's `replication: { master, slaves }`: it picks a slave at random per query and
 * cannot skip one that is down or lagging, nor one that has not replayed the caller's last write;
 * and its default mode sends every read outside a transaction (auth-like checks of writes too) to a
 * slave. Here each replica has its own pool, checked every `CHECK_INTERVAL_MS`:
 *
 * - usable when reachable, in recovery, and its replay lag is at most `REPLICA_MAX_LAG_SECONDS`:
 *   0 when it has replayed all it received (an idle primary sends nothing, so the age of the last
 *   replayed commit says nothing then), else `now() - pg_last_xact_replay_timestamp()`;
 * - read-your-writes: after a workspace's write the API stores the primary's WAL position under the
 *   workspace in Redis (a short TTL, only ever raised); a replica serves that workspace's reads
 *   only once its replay position (as of its last check) has reached it, else the primary does;
 * - a replica that fails mid-request (connection lost, a recovery conflict) gets an immediate check
 *   (which marks it down if it is) and the read is answered by the primary: the client sees no error.
 */

/** How often each replica's reachability, replay position and lag are checked. */
export const CHECK_INTERVAL_MS = 1_000;
/** A health check that takes longer than this counts as a failure. */
const CHECK_TIMEOUT_MS = 2_000;
/** A new replica connection waits at most this long (a stopped replica must not hold up a read). */
const CONNECT_TIMEOUT_MS = 1_000;
/** SQLSTATE 40001: a standby cancelled the query (conflict with recovery); the primary can answer it. */
const RECOVERY_CONFLICT = '40001';

/**
 * Raises the workspace's last-write position (a zero-padded hex LSN, so text order is LSN order)
 * and renews its TTL; a concurrent older position never lowers it.
 */
const RAISE_LSN = `local current = redis.call('GET', KEYS[1])
if (not current) or ARGV[1] > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1`;

/** The Redis commands the router needs (a single Redis or a cluster client). */
export interface LsnStore {
  get(key: string): Promise<string | null>;
  eval(script: string, keys: number, ...args: (string | number)[]): Promise<unknown>;
}

export type ReadReason = 'replica' | 'no_replica' | 'none_usable' | 'read_your_writes' | 'replica_failed';

/** One replica as `/metrics` shows it (and tests read it). */
export interface ReplicaHealth {
  /** `host:port/database` (no credentials). */
  name: string;
  usable: boolean;
  /** Replay lag in seconds at the last check; null when unreachable or not measurable. */
  lagSeconds: number | null;
  /** Replay position at the last check (bytes of WAL), null when unknown. */
  replayLsn: bigint | null;
  /** Why it is skipped, when it is. */
  problem: string | null;
}

interface Replica extends ReplicaHealth {
  url: string;
  dataSource: DataSource | null;
}

export interface ReadRouterOptions {
  /** Where `noteWrite` reads the WAL position (the API's `dataSource`). */
  primary: DataSource;
  replicaUrls: string[];
  maxLagSeconds: number;
  poolSize?: number;
  redis: LsnStore;
  /** Prefix of the read-your-writes keys (`<prefix>:rw:<workspace id>`). */
  keyPrefix: string;
  metrics: Pick<ApiMetrics, 'routedReads' | 'replicaLag' | 'replicaUsable'>;
  logger: Logger;
  checkIntervalMs?: number;
}

/** `X/Y` (pg_lsn text) as a number of bytes. */
export function parseLsn(text: string): bigint {
  const [high, low] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

/** `host:port/database` of a URL, for labels and logs (never its password). */
export function replicaName(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

/** A failure of the replica itself (connection, shutdown, recovery conflict), not of the request. */
function isReplicaFailure(error: unknown): boolean {
  if (unavailableDependency(error) === 'postgres') return true;
  const { code, driverError } = error as { code?: unknown; driverError?: { code?: unknown } };
  return (code ?? driverError?.code) === RECOVERY_CONFLICT;
}

export class ReadRouter {
  private readonly scope = new AsyncLocalStorage<EntityManager>();
  private readonly replicas: Replica[];
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  private turn = 0;

  constructor(private readonly options: ReadRouterOptions) {
    this.replicas = options.replicaUrls.map((url) => ({
      url,
      name: replicaName(url),
      dataSource: null,
      usable: false,
      lagSeconds: null,
      replayLsn: null,
      problem: 'not checked yet',
    }));
  }

  /** True when replicas are configured (else routing and write bookkeeping are no-ops). */
  get enabled(): boolean {
    return this.replicas.length > 0;
  }

  /** The replica manager of the current request, or undefined (the primary's then). */
  current(): EntityManager | undefined {
    return this.scope.getStore();
  }

  health(): ReplicaHealth[] {
    return this.replicas.map(({ name, usable, lagSeconds, replayLsn, problem }) => ({ name, usable, lagSeconds, replayLsn, problem }));
  }

  /** Checks every replica now, then every `checkIntervalMs` until `close()`. */
  async start(): Promise<void> {
    if (!this.enabled) return;
    await this.check();
    // A slow pass is not doubled by the timer.
    this.timer = setInterval(() => {
      if (!this.checking) void this.check();
    }, this.options.checkIntervalMs ?? CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.checking;
    await Promise.allSettled(this.replicas.flatMap((r) => (r.dataSource ? [r.dataSource.destroy()] : [])));
  }

  /**
   * A health pass over every replica that starts now (after the one running, if any): what it
   * finds is at least as new as the call.
   */
  check(): Promise<void> {
    const pass = (this.checking ?? Promise.resolve()).then(async () => {
      await Promise.all(this.replicas.map((replica) => this.checkOne(replica)));
    });
    this.checking = pass;
    void pass.finally(() => {
      if (this.checking === pass) this.checking = null;
    });
    return pass;
  }

  /**
   * Runs a replica-declared route's handler: on a usable replica that has replayed the workspace's
   * last write, else on the primary. A replica failing mid-request is retried on the primary (the
   * handler only reads).
   */
  async route<T>(workspaceId: string, handler: () => Promise<T>): Promise<T> {
    const { routedReads } = this.options.metrics;
    const onPrimary = (reason: ReadReason) => {
      routedReads.inc({ target: 'primary', reason });
      return handler();
    };
    if (!this.enabled) return onPrimary('no_replica');
    const usable = this.replicas.filter((r) => r.usable && r.dataSource);
    if (!usable.length) return onPrimary('none_usable');
    let required: bigint | null;
    try {
      const noted = await this.options.redis.get(this.lsnKey(workspaceId));
      required = noted === null ? null : BigInt(`0x${noted}`);
    } catch (error) {
      // Without the workspace's last write position no replica is known to be fresh enough.
      this.options.logger.warn({ err: error }, 'read routing: last write position unavailable; reading from the primary');
      return onPrimary('read_your_writes');
    }
    const fresh = required === null ? usable : usable.filter((r) => r.replayLsn !== null && r.replayLsn >= required);
    if (!fresh.length) return onPrimary('read_your_writes');
    const replica = fresh[this.turn++ % fresh.length];
    try {
      const result = await this.scope.run(replica.dataSource!.manager, handler);
      routedReads.inc({ target: 'replica', reason: 'replica' });
      return result;
    } catch (error) {
      if (!isReplicaFailure(error)) throw error;
      // The error may come from the primary too (a handler can touch both): a check now decides
      // whether the replica is down, and the read is answered by the primary meanwhile.
      this.options.logger.warn({ err: error, replica: replica.name }, 'read on a PostgreSQL replica failed: answered by the primary');
      void this.check();
      return onPrimary('replica_failed');
    }
  }

  /**
   * After a workspace's write has committed: remembers the primary's WAL position for it, so its
   * next reads go to a replica only once that replica has replayed the write. The insert position,
   * not `pg_current_wal_lsn()` (the write position): with `synchronous_commit = off` a commit can
   * return before its record is written out, and the write position would then be short of it. Kept for the lag
   * limit plus two checks: after that any usable replica has replayed it.
   */
  async noteWrite(workspaceId: string): Promise<void> {
    if (!this.enabled) return;
    try {
      const [{ lsn }] = await this.options.primary.query<{ lsn: string }[]>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
      const ttlMs = this.options.maxLagSeconds * 1000 + 2 * (this.options.checkIntervalMs ?? CHECK_INTERVAL_MS) + 1000;
      await this.options.redis.eval(RAISE_LSN, 1, this.lsnKey(workspaceId), parseLsn(lsn).toString(16).padStart(16, '0'), ttlMs);
    } catch (error) {
      // The write has committed and is answered; its reads may briefly miss it on a replica.
      this.options.logger.warn({ err: error }, 'read routing: could not record the write position (read-your-writes not ensured)');
    }
  }

  private lsnKey(workspaceId: string): string {
    return `${this.options.keyPrefix}:rw:${workspaceId}`;
  }

  private markDown(replica: Replica, error: unknown): void {
    if (replica.usable)
      this.options.logger.warn({ err: error, replica: replica.name }, 'PostgreSQL replica failed: reading from the primary');
    replica.usable = false;
    replica.lagSeconds = null;
    replica.problem = error instanceof Error ? error.message : String(error);
    this.options.metrics.replicaUsable.set({ replica: replica.name }, 0);
  }

  private async checkOne(replica: Replica): Promise<void> {
    let timeout: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.measure(replica),
        new Promise((_, reject) => {
          timeout = setTimeout(() => reject(new Error(`health check took over ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      this.markDown(replica, error);
    } finally {
      clearTimeout(timeout);
    }
  }

  private async measure(replica: Replica): Promise<void> {
    if (!replica.dataSource) {
      // A replica down at start-up must not stop the API: its pool is opened by a later check.
      const dataSource = createDataSource(replica.url, {
        applicationName: 'content-scheduler-api-replica',
        poolSize: this.options.poolSize,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
      });
      await dataSource.initialize();
      replica.dataSource = dataSource;
    }
    const [row] = await replica.dataSource.query<{ in_recovery: boolean; replay_lsn: string | null; lag_seconds: number | null }[]>(
      `SELECT pg_is_in_recovery() AS in_recovery,
              pg_last_wal_replay_lsn()::text AS replay_lsn,
              CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                   ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END AS lag_seconds`,
    );
    const wasUsable = replica.usable;
    replica.replayLsn = row.replay_lsn === null ? null : parseLsn(row.replay_lsn);
    replica.lagSeconds = row.lag_seconds === null ? null : Math.max(0, Number(row.lag_seconds));
    replica.problem = !row.in_recovery
      ? 'not in recovery (promoted, or not a replica): skipped'
      : replica.lagSeconds === null
        ? 'replay lag unknown (nothing replayed yet)'
        : replica.lagSeconds > this.options.maxLagSeconds
          ? `replay lag ${replica.lagSeconds.toFixed(1)} s over REPLICA_MAX_LAG_SECONDS (${this.options.maxLagSeconds})`
          : null;
    replica.usable = replica.problem === null;
    const { replicaLag, replicaUsable } = this.options.metrics;
    const { logger } = this.options;
    if (replica.lagSeconds !== null) replicaLag.set({ replica: replica.name }, replica.lagSeconds);
    replicaUsable.set({ replica: replica.name }, replica.usable ? 1 : 0);
    if (wasUsable !== replica.usable) {
      if (replica.usable) logger.info({ replica: replica.name }, 'PostgreSQL replica usable: reads go to it');
      else logger.warn({ replica: replica.name, problem: replica.problem }, 'PostgreSQL replica skipped');
    }
  }
}

/**
 * Where a service reads: the request's replica inside a `read: 'replica'` route, else the
 * primary (`deps.dataSource`). Transactions never go through this: they are the primary's.
 */
export function readManager(deps: { dataSource: DataSource; reads: ReadRouter }): EntityManager {
  return deps.reads.current() ?? deps.dataSource.manager;
}

/** `app.locals` key of the app's router: the route wrapper finds it there (`readRouterOf`). */
export const READ_ROUTER = 'readRouter';

export function readRouterOf(req: { app: { locals: Record<string, unknown> } }): ReadRouter | undefined {
  return req.app.locals[READ_ROUTER] as ReadRouter | undefined;
}
