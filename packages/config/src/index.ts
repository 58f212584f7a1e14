import { createPublicKey } from 'node:crypto';

/**
 * The one typed configuration of both services. It is read from the environment once, at
 * start-up (`loadConfig(process.env)` in each `main.ts`), and handed down; nothing else in the
 * code base reads `process.env`. A bad value stops start-up with one message naming every bad
 * variable.
 */

export interface RateLimitConfig {
  /** Length of one rate-limit window, in seconds. */
  windowSeconds: number;
  /** Requests per window for creates and other writes. */
  writes: number;
  /** Requests per window for list endpoints. */
  lists: number;
  /** Requests per window for single reads. */
  reads: number;
}

/** Algorithms a JWKS key may sign with (`JWT_JWKS_ALGORITHMS`). */
export const JWKS_ALGORITHMS = ['RS256', 'ES256'] as const;
export type JwksAlgorithm = (typeof JWKS_ALGORITHMS)[number];

export interface JwksConfig {
  /** `JWT_JWKS_URL`: where the provider publishes its signing keys (https, or http for a local provider). */
  url: string;
  /** The pinned algorithms of tokens checked against the key set. */
  algorithms: JwksAlgorithm[];
}

export interface JwtConfig {
  /** HS256 secret; null when only a public key or a key set (JWKS) is configured. */
  secret: string | null;
  /** PEM public key for RS256/ES256 tokens, or null. */
  publicKey: string | null;
  /** The pinned list of accepted algorithms (all key sources together). */
  algorithms: ('HS256' | 'RS256' | 'ES256')[];
  /**
   * The identity provider's key set (`JWT_JWKS_URL`), or null: tokens whose `alg` is one of
   * `algorithms` (`JWT_JWKS_ALGORITHMS`, default `RS256,ES256`) are checked with the key its `kid`
   * names there. Never HS256: a key set holds public keys.
   */
  jwks: JwksConfig | null;
  issuer: string | null;
  audience: string | null;
  /** Refuse tokens without an `exp` claim (`JWT_REQUIRE_EXP`, default true). */
  requireExp: boolean;
  /**
   * The claim naming the caller's team workspace (`JWT_WORKSPACE_CLAIM`, default `workspace_id`);
   * a token without it works in its `sub`'s personal workspace. A top-level claim of that exact
   * name, else a dotted path (`org.id`).
   */
  workspaceClaim: string;
  /** The claim listing the caller's roles (`JWT_ROLES_CLAIM`, default `roles`; a dotted path such as `realm_access.roles` too). */
  rolesClaim: string;
  /** True when no secret was configured and the development secret is in use. */
  usingDevelopmentSecret: boolean;
}

export interface Config {
  nodeEnv: string;
  port: number;
  databaseUrl: string;
  /**
   * `DATABASE_REPLICA_URLS` (comma-separated postgres URLs of streaming replicas; empty: none): the
   * API's list, calendar, stats and preview reads go to a healthy one; every write, and every read
   * of a write, stays on `databaseUrl`. The worker never uses them.
   */
  databaseReplicaUrls: string[];
  /**
   * `REPLICA_MAX_LAG_SECONDS` (default 5): a replica whose replay is further behind than this (or
   * that is unreachable) is skipped until it catches up; the primary serves instead.
   */
  replicaMaxLagSeconds: number;
  redisUrl: string;
  /**
   * `REDIS_CLUSTER_NODES=host:port,host:port,…`: seed nodes of a Redis Cluster; when set it wins
   * over `REDIS_URL` (every connection is an ioredis `Cluster` and every queue's keys carry a
   * hash tag). Empty (the default): one Redis at `REDIS_URL`.
   */
  redisClusterNodes: RedisNode[];
  /** Key prefix of every BullMQ key in Redis. */
  queuePrefix: string;
  /**
   * `OCCURRENCE_SHARDS` (default 1, at most `MAX_OCCURRENCE_SHARDS`): how many queues the
   * occurrence schedulers are spread over (a schedule's shard is a stable hash of its id), so
   * that on a cluster the firing load spreads over the masters. Changing it makes the reconciler
   * move the schedulers to their new shards.
   */
  occurrenceShards: number;
  jwt: JwtConfig;
  rateLimit: RateLimitConfig;
  /** Express `trust proxy` setting: false, a hop count, or a list of addresses/subnets. */
  trustProxy: boolean | number | string;
  /** Largest accepted JSON body, e.g. `100kb`. */
  bodyLimit: string;
  /**
   * Browser origins allowed to call the API across origins (CORS), `scheme://host[:port]`; empty
   * (the default) sends no CORS headers at all; `['*']` allows any origin.
   */
  corsOrigins: string[];
  logLevel: string;
  /**
   * `PUBLIC_BASE_URL`: the API's public origin (`https://scheduler.example.com`, a path prefix too),
   * for absolute addresses it hands out (iCal feed URLs); null: the request's own scheme and host.
   */
  publicBaseUrl: string | null;
  webhooks: WebhookConfig;
  email: EmailConfig;
  worker: {
    /** Port of the worker's health/metrics HTTP server; 0 takes a free port. */
    port: number;
    /**
     * `WORKER_CONCURRENCY`: occurrences one worker process holds at once (default 100); about
     * twice `OCCURRENCE_BATCH_SIZE`, so one batch fills while the previous one is written.
     */
    concurrency: number;
    /**
     * `OCCURRENCE_BATCH_SIZE`: occurrences materialized together, in one transaction and one
     * content-queue add (default `defaultOccurrenceBatchSize`: half of `WORKER_CONCURRENCY`, at
     * most 50; 1: each alone).
     */
    batchSize: number;
    /**
     * `OCCURRENCE_BATCH_WAIT_MS`: the longest a batch waits to fill after its first occurrence
     * arrived (default 5; 0: only what arrives in the same turn of the event loop).
     */
    batchWaitMs: number;
    /** Seconds between two reconcile passes. */
    reconcileIntervalSeconds: number;
    /**
     * Hours between two full sweeps of the reconciler (every active schedule read against Redis,
     * and every scheduler against PostgreSQL). The passes in between read only the schedules
     * PostgreSQL records as out of step and the overdue ones; a Redis flush or restart is
     * detected by the next pass (its token is gone) and swept at once.
     */
    reconcileFullSweepHours: number;
    /**
     * BullMQ lock on an occurrence in hand (renewed every half of it) and the stalled-job check
     * interval: how soon the occurrences a crashed worker held go to another worker.
     */
    lockSeconds: number;
  };
}

/** One seed node of `REDIS_CLUSTER_NODES`. */
export interface RedisNode {
  host: string;
  port: number;
}

/** The largest `OCCURRENCE_SHARDS`. */
export const MAX_OCCURRENCE_SHARDS = 256;

/** `REDIS_CLUSTER_NODES`: comma-separated `host:port` seed nodes (IPv6 hosts in brackets); empty when unset. */
function parseClusterNodes(reader: Reader, raw: string | null): RedisNode[] {
  if (raw === null || raw.trim() === '') return [];
  const nodes: RedisNode[] = [];
  for (const item of raw.split(',').map((part) => part.trim())) {
    const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(item);
    const port = match ? Number(match[2]) : 0;
    if (!match || port < 1 || port > 65535) {
      reader.problems.push(`REDIS_CLUSTER_NODES must be a comma-separated list of host:port (got "${item}" in "${raw}")`);
      return [];
    }
    nodes.push({ host: match[1].replace(/^\[|\]$/g, ''), port });
  }
  return nodes;
}

/** Webhook delivery (`WEBHOOK_*`). */
export interface WebhookConfig {
  /** `WEBHOOK_ALLOW_PRIVATE_NETWORKS=true`: URLs may reach loopback, private and link-local addresses (default false). */
  allowPrivateNetworks: boolean;
  /** `WEBHOOK_TIMEOUT_MS`: one attempt's limit, connect to last byte (default 10 000). */
  timeoutMs: number;
  /**
   * `WEBHOOK_RETRY_DELAYS_SECONDS`: the wait before each retry, comma-separated; the number of
   * values is the number of retries (default `DEFAULT_WEBHOOK_RETRY_DELAYS_SECONDS`, about a day).
   */
  retryDelaysMs: number[];
  /** `WEBHOOK_DISABLE_AFTER_SECONDS`: an endpoint whose attempts all failed for this long is disabled (default a day). */
  disableAfterMs: number;
  /** `WEBHOOK_DISPATCH_INTERVAL_MS`: how often the dispatcher polls the outbox (default 500). */
  dispatchIntervalMs: number;
  /** `WEBHOOK_CONCURRENCY`: deliveries one worker process makes at once (default 10). */
  concurrency: number;
  /** `WEBHOOK_DISPATCH=false`: this worker runs no outbox dispatcher (it still delivers); default true. */
  dispatch: boolean;
}

/** Email notifications (`SMTP_URL`, `EMAIL_*`). */
export interface EmailConfig {
  /**
   * `SMTP_URL`: where emails are sent (`smtp://user:pass@host:587`, `smtps://host:465`; nodemailer's
   * connection URL, its query options too); null: this server sends no email (settings are still
   * stored, and `GET /notifications` says delivery is not configured).
   */
  smtpUrl: string | null;
  /** `EMAIL_FROM`: the `From` of every email (default `DEFAULT_EMAIL_FROM`). */
  from: string;
  /** `EMAIL_RETRIES`: retries of a failed send (default 8). */
  retries: number;
  /** `EMAIL_RETRY_DELAY_MS`: the first retry's wait; each next one doubles it (default 30 000: 30 s … 64 min, about 2 h in all). */
  retryDelayMs: number;
  /** `EMAIL_TIMEOUT_MS`: one SMTP attempt's connection, greeting and socket limit (default 20 000). */
  timeoutMs: number;
  /** `EMAIL_CONCURRENCY`: emails one worker process sends at once (default 5). */
  concurrency: number;
}

/**
 * The default `OCCURRENCE_BATCH_SIZE`: half the occurrences a worker holds (so one batch fills
 * while the previous one is written and handed over), at most 50, at least 1.
 */
export function defaultOccurrenceBatchSize(workerConcurrency: number): number {
  return Math.max(1, Math.min(50, Math.floor(workerConcurrency / 2)));
}

export const DEFAULT_EMAIL_FROM = 'Content Scheduler <scheduler@localhost>';

/** `SMTP_URL`: an smtp: or smtps: URL, or null. */
function parseSmtpUrl(reader: Reader, raw: string | null): string | null {
  if (raw === null) return null;
  try {
    const url = new URL(raw);
    if (!['smtp:', 'smtps:'].includes(url.protocol) || !url.hostname) throw new Error('bad');
    return raw;
  } catch {
    reader.problems.push('SMTP_URL must be an smtp:// or smtps:// URL such as smtp://user:password@mail.example.com:587');
    return null;
  }
}

/** The retry schedule: 10 s, 1 min, 5 min, 30 min, 1 h, 2 h, 4 h, 8 h, 8 h (23 h 46 min 10 s after the first attempt). */
export const DEFAULT_WEBHOOK_RETRY_DELAYS_SECONDS = [10, 60, 300, 1800, 3600, 7200, 14_400, 28_800, 28_800];

/** `WEBHOOK_RETRY_DELAYS_SECONDS`: 1 to 30 comma-separated non-negative numbers of seconds (decimals allowed). */
function parseRetryDelays(reader: Reader, raw: string | null): number[] {
  if (raw === null) return DEFAULT_WEBHOOK_RETRY_DELAYS_SECONDS.map((s) => s * 1000);
  const values = raw.split(',').map((v) => Number(v.trim()));
  if (values.length < 1 || values.length > 30 || values.some((v) => !Number.isFinite(v) || v < 0 || v > 7 * 86_400)) {
    reader.problems.push(`WEBHOOK_RETRY_DELAYS_SECONDS must be 1 to 30 comma-separated seconds from 0 to 604800 (got "${raw}")`);
    return DEFAULT_WEBHOOK_RETRY_DELAYS_SECONDS.map((s) => s * 1000);
  }
  return values.map((v) => Math.round(v * 1000));
}

export const DEVELOPMENT_JWT_SECRET = 'development-only-secret-change-me';

/** Rate-limit budgets when `RATE_LIMIT_*` are not set (also shown in the API's documentation). */
export const DEFAULT_RATE_LIMIT: RateLimitConfig = { windowSeconds: 60, writes: 30, lists: 60, reads: 100 };

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string, fallback: string): string {
    const raw = this.env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    return raw.trim();
  }

  optional(name: string): string | null {
    const raw = this.env[name];
    return raw === undefined || raw.trim() === '' ? null : raw.trim();
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw.trim());
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  }

  url(name: string, fallback: string, protocols: string[]): string {
    const value = this.string(name, fallback);
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) {
        this.problems.push(`${name} must be a ${protocols.join(' or ')} URL (got "${parsed.protocol}")`);
      }
    } catch {
      this.problems.push(`${name} is not a valid URL`);
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.optional(name);
    if (raw === null) return fallback;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    this.problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = this.string(name, fallback);
    if (!allowed.includes(value as T)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
      return fallback;
    }
    return value as T;
  }
}

/** `DATABASE_REPLICA_URLS`: comma-separated postgres: or postgresql: URLs (blank entries ignored). */
function parseReplicaUrls(reader: Reader, raw: string | null): string[] {
  if (raw === null) return [];
  const urls = raw
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  const bad = urls.filter((url) => {
    try {
      return !['postgres:', 'postgresql:'].includes(new URL(url).protocol);
    } catch {
      return true;
    }
  });
  if (bad.length) {
    // No values in the message: a URL may carry a password.
    reader.problems.push(`DATABASE_REPLICA_URLS must be comma-separated postgres:// URLs (${bad.length} of ${urls.length} are not)`);
  }
  return urls;
}

/** `CORS_ORIGINS`: comma-separated origins (`https://app.example.com,http://localhost:5173`), or `*`. */
function parseCorsOrigins(reader: Reader, raw: string | null): string[] {
  if (raw === null) return [];
  const origins = raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (origins.length === 1 && origins[0] === '*') return origins;
  const bad = origins.filter((origin) => {
    try {
      const url = new URL(origin);
      return !['http:', 'https:'].includes(url.protocol) || url.origin !== origin;
    } catch {
      return true;
    }
  });
  if (bad.length) {
    reader.problems.push(
      `CORS_ORIGINS must be * or comma-separated origins such as https://app.example.com (scheme, host, optional port; ` +
        `no path or trailing slash); not ${bad.map((b) => `"${b}"`).join(', ')}`,
    );
  }
  return origins;
}

/**
 * `JWT_JWKS_URL` (an http or https URL without credentials) and `JWT_JWKS_ALGORITHMS` (comma-separated,
 * from RS256 and ES256; default both), or null without a URL.
 */
function parseJwks(reader: Reader, url: string | null, algorithmsText: string | null): JwksConfig | null {
  if (url === null) {
    if (algorithmsText !== null) reader.problems.push('JWT_JWKS_ALGORITHMS is set but JWT_JWKS_URL is not');
    return null;
  }
  try {
    const parsed = new URL(url);
    if (!['http:', 'https:'].includes(parsed.protocol)) {
      reader.problems.push(`JWT_JWKS_URL must be an https or http URL (got "${parsed.protocol}")`);
    } else if (parsed.username || parsed.password) {
      reader.problems.push('JWT_JWKS_URL must not carry a user name or password');
    }
  } catch {
    reader.problems.push('JWT_JWKS_URL is not a valid URL');
  }
  let algorithms: JwksAlgorithm[] = [...JWKS_ALGORITHMS];
  if (algorithmsText !== null) {
    const names = algorithmsText
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    const bad = names.filter((name) => !(JWKS_ALGORITHMS as readonly string[]).includes(name));
    if (names.length === 0 || bad.length > 0) {
      reader.problems.push(`JWT_JWKS_ALGORITHMS must be a comma-separated list of ${JWKS_ALGORITHMS.join(', ')} (got "${algorithmsText}")`);
    } else {
      algorithms = [...new Set(names as JwksAlgorithm[])];
    }
  }
  return { url, algorithms };
}

/** `PUBLIC_BASE_URL`: an http(s) URL without credentials, query or fragment; kept without a trailing slash. */
function parsePublicBaseUrl(reader: Reader, raw: string | null): string | null {
  if (raw === null) return null;
  try {
    const url = new URL(raw);
    if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password || url.search || url.hash) throw new Error('bad');
    return raw.replace(/\/+$/, '');
  } catch {
    reader.problems.push(`PUBLIC_BASE_URL must be an http or https URL such as https://scheduler.example.com (got "${raw}")`);
    return null;
  }
}

function parseTrustProxy(reader: Reader, raw: string | null): boolean | number | string {
  if (raw === null || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  if (/^[0-9a-fA-F.:/, a-z]+$/.test(raw)) return raw;
  reader.problems.push('TRUST_PROXY must be false, true, a hop count, or a list of addresses');
  return false;
}

export function loadConfig(env: Env): Config {
  const r = new Reader(env);
  const nodeEnv = r.string('NODE_ENV', 'development');
  const secret = r.optional('JWT_SECRET');
  const publicKey = r.optional('JWT_PUBLIC_KEY')?.replace(/\\n/g, '\n') ?? null;
  const jwks = parseJwks(r, r.optional('JWT_JWKS_URL'), r.optional('JWT_JWKS_ALGORITHMS'));
  if (nodeEnv === 'production' && !secret && !publicKey && !jwks) {
    r.problems.push('JWT_SECRET (or JWT_PUBLIC_KEY or JWT_JWKS_URL) is required when NODE_ENV=production');
  }
  if (publicKey && jwks) {
    r.problems.push('JWT_PUBLIC_KEY and JWT_JWKS_URL are both set: configure one source of public keys');
  }
  if (secret !== null && secret.length < 16) {
    r.problems.push('JWT_SECRET must be at least 16 characters');
  }
  if (publicKey) {
    try {
      createPublicKey(publicKey);
    } catch {
      r.problems.push('JWT_PUBLIC_KEY is not a PEM public key');
    }
  }
  const algorithms: JwtConfig['algorithms'] = [];
  // HS256 only with a secret, or with no public key source at all (the development secret).
  if (secret || (!publicKey && !jwks)) algorithms.push('HS256');
  if (publicKey) {
    const alg = r.oneOf('JWT_PUBLIC_KEY_ALGORITHM', 'RS256', ['RS256', 'ES256'] as const);
    algorithms.push(alg);
  }
  if (jwks) for (const alg of jwks.algorithms) if (!algorithms.includes(alg)) algorithms.push(alg);

  const workerConcurrency = r.int('WORKER_CONCURRENCY', 100, 1, 1000);
  const config: Config = {
    nodeEnv,
    port: r.int('PORT', 8000, 0, 65535),
    databaseUrl: r.url('DATABASE_URL', 'postgres://postgres:postgres@127.0.0.1:5432/scheduler', ['postgres:', 'postgresql:']),
    databaseReplicaUrls: parseReplicaUrls(r, r.optional('DATABASE_REPLICA_URLS')),
    replicaMaxLagSeconds: r.int('REPLICA_MAX_LAG_SECONDS', 5, 1, 3600),
    redisUrl: r.url('REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    redisClusterNodes: parseClusterNodes(r, r.optional('REDIS_CLUSTER_NODES')),
    queuePrefix: r.string('QUEUE_PREFIX', 'bull'),
    occurrenceShards: r.int('OCCURRENCE_SHARDS', 1, 1, MAX_OCCURRENCE_SHARDS),
    jwt: {
      secret: secret ?? (publicKey || jwks ? null : DEVELOPMENT_JWT_SECRET),
      publicKey,
      algorithms,
      jwks,
      issuer: r.optional('JWT_ISSUER'),
      audience: r.optional('JWT_AUDIENCE'),
      requireExp: r.bool('JWT_REQUIRE_EXP', true),
      workspaceClaim: r.string('JWT_WORKSPACE_CLAIM', 'workspace_id'),
      rolesClaim: r.string('JWT_ROLES_CLAIM', 'roles'),
      usingDevelopmentSecret: !secret && !publicKey && !jwks,
    },
    rateLimit: {
      windowSeconds: r.int('RATE_LIMIT_WINDOW_SECONDS', DEFAULT_RATE_LIMIT.windowSeconds, 1, 86_400),
      writes: r.int('RATE_LIMIT_WRITES', DEFAULT_RATE_LIMIT.writes, 1, 1_000_000),
      lists: r.int('RATE_LIMIT_LISTS', DEFAULT_RATE_LIMIT.lists, 1, 1_000_000),
      reads: r.int('RATE_LIMIT_READS', DEFAULT_RATE_LIMIT.reads, 1, 1_000_000),
    },
    trustProxy: parseTrustProxy(r, r.optional('TRUST_PROXY')),
    bodyLimit: r.string('BODY_LIMIT', '100kb'),
    corsOrigins: parseCorsOrigins(r, r.optional('CORS_ORIGINS')),
    publicBaseUrl: parsePublicBaseUrl(r, r.optional('PUBLIC_BASE_URL')),
    logLevel: r.oneOf('LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    webhooks: {
      allowPrivateNetworks: r.bool('WEBHOOK_ALLOW_PRIVATE_NETWORKS', false),
      timeoutMs: r.int('WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
      retryDelaysMs: parseRetryDelays(r, r.optional('WEBHOOK_RETRY_DELAYS_SECONDS')),
      disableAfterMs: r.int('WEBHOOK_DISABLE_AFTER_SECONDS', 86_400, 1, 30 * 86_400) * 1000,
      dispatchIntervalMs: r.int('WEBHOOK_DISPATCH_INTERVAL_MS', 500, 10, 60_000),
      concurrency: r.int('WEBHOOK_CONCURRENCY', 10, 1, 200),
      dispatch: r.bool('WEBHOOK_DISPATCH', true),
    },
    email: {
      smtpUrl: parseSmtpUrl(r, r.optional('SMTP_URL')),
      from: r.string('EMAIL_FROM', DEFAULT_EMAIL_FROM),
      retries: r.int('EMAIL_RETRIES', 8, 0, 30),
      retryDelayMs: r.int('EMAIL_RETRY_DELAY_MS', 30_000, 10, 3_600_000),
      timeoutMs: r.int('EMAIL_TIMEOUT_MS', 20_000, 100, 120_000),
      concurrency: r.int('EMAIL_CONCURRENCY', 5, 1, 100),
    },
    worker: {
      port: r.int('WORKER_PORT', 9464, 0, 65535),
      concurrency: workerConcurrency,
      batchSize: r.int('OCCURRENCE_BATCH_SIZE', defaultOccurrenceBatchSize(workerConcurrency), 1, 1000),
      batchWaitMs: r.int('OCCURRENCE_BATCH_WAIT_MS', 5, 0, 1000),
      reconcileIntervalSeconds: r.int('RECONCILE_INTERVAL_SECONDS', 60, 1, 86_400),
      reconcileFullSweepHours: r.int('RECONCILE_FULL_SWEEP_HOURS', 6, 1, 720),
      lockSeconds: r.int('WORKER_LOCK_SECONDS', 10, 2, 600),
    },
  };
  if (!/^\d+(b|kb|mb)$/i.test(config.bodyLimit)) {
    r.problems.push(`BODY_LIMIT must look like 100kb or 1mb (got "${config.bodyLimit}")`);
  }
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

/**
 * For entry points: the configuration, or exit 2 with the message naming every bad variable
 * (no stack trace: the operator needs the list, not our internals).
 */
export function loadConfigOrExit(env: Env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}
