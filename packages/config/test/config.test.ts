import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { ConfigError, DEFAULT_EMAIL_FROM, DEVELOPMENT_JWT_SECRET, loadConfig } from '../src';

describe('configuration', () => {
  it('when nothing is set, then the documented defaults apply and the development secret is flagged', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8000,
      databaseUrl: 'postgres://postgres:postgres@127.0.0.1:5432/scheduler',
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'bull',
      rateLimit: { windowSeconds: 60, writes: 30, lists: 60, reads: 100 },
      trustProxy: false,
      bodyLimit: '100kb',
      worker: { port: 9464, reconcileIntervalSeconds: 60, reconcileFullSweepHours: 6, lockSeconds: 10 },
    });
    expect(config.jwt).toMatchObject({ secret: DEVELOPMENT_JWT_SECRET, usingDevelopmentSecret: true, algorithms: ['HS256'] });
  });

  it('when values are set, then they are read and typed', () => {
    const config = loadConfig({
      PORT: '9000',
      JWT_SECRET: 'a-secret-of-sufficient-length',
      RATE_LIMIT_WRITES: '5',
      TRUST_PROXY: '1',
      WORKER_PORT: '0',
      RECONCILE_INTERVAL_SECONDS: '5',
      RECONCILE_FULL_SWEEP_HOURS: '24',
    });
    expect(config.port).toBe(9000);
    expect(config.jwt).toMatchObject({ secret: 'a-secret-of-sufficient-length', usingDevelopmentSecret: false });
    expect(config.rateLimit.writes).toBe(5);
    expect(config.trustProxy).toBe(1);
    expect(config.worker).toMatchObject({ port: 0, reconcileIntervalSeconds: 5, reconcileFullSweepHours: 24 });
    expect(() => loadConfig({ RECONCILE_FULL_SWEEP_HOURS: '0' })).toThrow(/RECONCILE_FULL_SWEEP_HOURS/);
  });

  it('when REDIS_CLUSTER_NODES and OCCURRENCE_SHARDS are set, then the seed nodes and the shard count are read', () => {
    expect(loadConfig({})).toMatchObject({ redisClusterNodes: [], occurrenceShards: 1 });
    const config = loadConfig({ REDIS_CLUSTER_NODES: 'redis-1:7000, 10.0.0.2:7001,[::1]:7002', OCCURRENCE_SHARDS: '6' });
    expect(config.redisClusterNodes).toEqual([
      { host: 'redis-1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(config.occurrenceShards).toBe(6);
  });

  it('when REDIS_CLUSTER_NODES or OCCURRENCE_SHARDS is bad, then start-up names it', () => {
    for (const nodes of ['redis-1', 'redis-1:0', 'redis-1:7000,', 'redis://redis-1:7000', 'a:99999']) {
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: nodes })).toThrow(/REDIS_CLUSTER_NODES/);
    }
    for (const shards of ['0', '-1', 'three', '257']) expect(() => loadConfig({ OCCURRENCE_SHARDS: shards })).toThrow(/OCCURRENCE_SHARDS/);
  });

  it('when several values are bad, then one error names every one of them', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x/y', RATE_LIMIT_READS: '0', LOG_LEVEL: 'loud', JWT_SECRET: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'DATABASE_URL', 'RATE_LIMIT_READS', 'LOG_LEVEL', 'JWT_SECRET']) expect(message).toContain(name);
    expect((error as ConfigError).problems).toHaveLength(5);
  });

  it('when NODE_ENV is production without a secret, then start-up is refused', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
  });

  it('when only a public key is configured, then only the asymmetric algorithm is accepted', () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    // Environments often carry a PEM on one line with literal \n.
    const config = loadConfig({ JWT_PUBLIC_KEY: pem.replace(/\n/g, '\\n'), JWT_PUBLIC_KEY_ALGORITHM: 'ES256' });
    expect(config.jwt.algorithms).toEqual(['ES256']);
    expect(config.jwt.secret).toBeNull();
    expect(config.jwt.publicKey).toBe(pem);
  });

  it('when the public key is not a PEM key, then start-up is refused naming it', () => {
    expect(() => loadConfig({ JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\\nabc\\n-----END PUBLIC KEY-----' })).toThrow(/JWT_PUBLIC_KEY/);
  });

  it('when CORS_ORIGINS is unset, then no origin is allowed; when set, then its origins are read', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: ' https://app.example.com, http://localhost:5173 ' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
  });

  it('when CORS_ORIGINS holds something that is not an origin, then start-up is refused naming it', () => {
    for (const bad of [
      'https://app.example.com/',
      'app.example.com',
      'ftp://files.example.com',
      'https://a.example/path',
      '*,https://a.example',
    ]) {
      expect(() => loadConfig({ CORS_ORIGINS: bad })).toThrow(/CORS_ORIGINS must be/);
    }
  });

  it('when DATABASE_REPLICA_URLS is unset, then there are no replicas; when set, then its URLs are read with the lag limit', () => {
    expect(loadConfig({}).databaseReplicaUrls).toEqual([]);
    expect(loadConfig({}).replicaMaxLagSeconds).toBe(5);
    const config = loadConfig({
      DATABASE_REPLICA_URLS: ' postgres://r1:5432/app, ,postgresql://u:p@r2:5433/app ',
      REPLICA_MAX_LAG_SECONDS: '30',
    });
    expect(config.databaseReplicaUrls).toEqual(['postgres://r1:5432/app', 'postgresql://u:p@r2:5433/app']);
    expect(config.replicaMaxLagSeconds).toBe(30);
  });

  it('when DATABASE_REPLICA_URLS holds a non-postgres URL or REPLICA_MAX_LAG_SECONDS is no whole number, then start-up is refused', () => {
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: 'postgres://r1/app,redis://r2' })).toThrow(/DATABASE_REPLICA_URLS must be/);
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: 'r1:5432' })).toThrow(/DATABASE_REPLICA_URLS must be/);
    // The message names no URL: it may carry a password.
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: 'http://u:secret@r1' })).not.toThrow(/secret/);
    expect(() => loadConfig({ REPLICA_MAX_LAG_SECONDS: '0' })).toThrow(/REPLICA_MAX_LAG_SECONDS must be a whole number/);
    expect(() => loadConfig({ REPLICA_MAX_LAG_SECONDS: '1.5' })).toThrow(/REPLICA_MAX_LAG_SECONDS/);
  });

  it('when the batch keys are unset, then a batch is half of WORKER_CONCURRENCY (at most 50) and waits 5 ms; set, they are read and checked', () => {
    expect(loadConfig({}).worker).toMatchObject({ concurrency: 100, batchSize: 50, batchWaitMs: 5 });
    expect(loadConfig({ WORKER_CONCURRENCY: '30' }).worker).toMatchObject({ concurrency: 30, batchSize: 15 });
    expect(loadConfig({ WORKER_CONCURRENCY: '1' }).worker.batchSize).toBe(1);
    expect(loadConfig({ OCCURRENCE_BATCH_SIZE: '200', OCCURRENCE_BATCH_WAIT_MS: '0' }).worker).toMatchObject({
      batchSize: 200,
      batchWaitMs: 0,
    });
    expect(() => loadConfig({ OCCURRENCE_BATCH_SIZE: '0', OCCURRENCE_BATCH_WAIT_MS: 'soon' })).toThrow(
      /OCCURRENCE_BATCH_SIZE must be a whole number from 1 to 1000[\s\S]*OCCURRENCE_BATCH_WAIT_MS must be a whole number from 0 to 1000/,
    );
  });

  it('when JWT_REQUIRE_EXP is unset, then tokens need exp; false allows them without; another value is refused', () => {
    expect(loadConfig({}).jwt.requireExp).toBe(true);
    expect(loadConfig({ JWT_REQUIRE_EXP: 'false' }).jwt.requireExp).toBe(false);
    expect(() => loadConfig({ JWT_REQUIRE_EXP: 'no' })).toThrow(/JWT_REQUIRE_EXP must be true or false/);
  });
});

describe('configuration: JWT_JWKS_URL, JWT_JWKS_ALGORITHMS', () => {
  const JWKS_URL = 'https://idp.example.com/realms/content/protocol/openid-connect/certs';
  const rsaPem = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

  it('when JWT_JWKS_URL is unset, then there is no key set', () => {
    expect(loadConfig({}).jwt.jwks).toBeNull();
  });

  it('when only JWT_JWKS_URL is set, then RS256 and ES256 are accepted from it, HS256 is off and no development secret is used', () => {
    const config = loadConfig({ JWT_JWKS_URL: JWKS_URL });
    expect(config.jwt).toMatchObject({
      jwks: { url: JWKS_URL, algorithms: ['RS256', 'ES256'] },
      algorithms: ['RS256', 'ES256'],
      secret: null,
      usingDevelopmentSecret: false,
    });
  });

  it('when JWT_SECRET is set too, then HS256 is accepted beside the key set', () => {
    const config = loadConfig({ JWT_JWKS_URL: JWKS_URL, JWT_SECRET: 'a-secret-of-sufficient-length' });
    expect(config.jwt).toMatchObject({ secret: 'a-secret-of-sufficient-length', algorithms: ['HS256', 'RS256', 'ES256'] });
  });

  it('a local provider over http is accepted (tests, a provider beside the API)', () => {
    expect(loadConfig({ JWT_JWKS_URL: 'http://127.0.0.1:8080/certs' }).jwt.jwks?.url).toBe('http://127.0.0.1:8080/certs');
  });

  it('JWT_JWKS_ALGORITHMS pins the list (spaces and repeats tolerated)', () => {
    expect(loadConfig({ JWT_JWKS_URL: JWKS_URL, JWT_JWKS_ALGORITHMS: 'ES256' }).jwt).toMatchObject({
      jwks: { algorithms: ['ES256'] },
      algorithms: ['ES256'],
    });
    expect(loadConfig({ JWT_JWKS_URL: JWKS_URL, JWT_JWKS_ALGORITHMS: ' RS256 , RS256' }).jwt.jwks?.algorithms).toEqual(['RS256']);
  });

  it('production may run with only a key set', () => {
    expect(loadConfig({ NODE_ENV: 'production', JWT_JWKS_URL: JWKS_URL }).jwt.jwks?.url).toBe(JWKS_URL);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_JWKS_URL/);
  });

  it.each([
    ['not a URL', 'idp.example.com/certs', /JWT_JWKS_URL is not a valid URL/],
    ['another scheme', 'ftp://idp.example.com/certs', /JWT_JWKS_URL must be an https or http URL \(got "ftp:"\)/],
    ['credentials in it', 'https://user:pw@idp.example.com/certs', /JWT_JWKS_URL must not carry a user name or password/],
  ])('when JWT_JWKS_URL is %s, then start-up is refused naming it', (_what, url, message) => {
    expect(() => loadConfig({ JWT_JWKS_URL: url })).toThrow(message);
  });

  it.each([['HS256'], ['RS256,none'], ['PS256'], [',']])('when JWT_JWKS_ALGORITHMS is %s, then start-up is refused naming it', (value) => {
    expect(() => loadConfig({ JWT_JWKS_URL: JWKS_URL, JWT_JWKS_ALGORITHMS: value })).toThrow(
      /JWT_JWKS_ALGORITHMS must be a comma-separated list of RS256, ES256/,
    );
  });

  it('when JWT_JWKS_ALGORITHMS is set without JWT_JWKS_URL, then start-up is refused', () => {
    expect(() => loadConfig({ JWT_JWKS_ALGORITHMS: 'RS256' })).toThrow(/JWT_JWKS_ALGORITHMS is set but JWT_JWKS_URL is not/);
  });

  it('when JWT_PUBLIC_KEY and JWT_JWKS_URL are both set, then start-up is refused: one source of public keys', () => {
    expect(() => loadConfig({ JWT_PUBLIC_KEY: rsaPem(), JWT_JWKS_URL: JWKS_URL })).toThrow(/JWT_PUBLIC_KEY and JWT_JWKS_URL are both set/);
  });

  it('a bad JWT_JWKS_URL stops an entry point with exit code 2 and the message naming it, as any bad variable', () => {
    const dist = path.resolve(__dirname, '../dist/index.js');
    const result = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(dist)}).loadConfigOrExit(process.env)`], {
      env: { PATH: process.env.PATH, JWT_JWKS_URL: 'ldap://idp.example.com' },
    });
    expect(result.status).toBe(2);
    expect(result.stderr.toString()).toContain('JWT_JWKS_URL must be an https or http URL (got "ldap:")');
  });
});

describe('email notifications (SMTP_URL, EMAIL_*)', () => {
  it('without SMTP_URL no email is sent; the defaults hold', () => {
    expect(loadConfig({}).email).toEqual({
      smtpUrl: null,
      from: DEFAULT_EMAIL_FROM,
      retries: 8,
      retryDelayMs: 30_000,
      timeoutMs: 20_000,
      concurrency: 5,
    });
  });

  it('SMTP_URL (smtp or smtps, credentials allowed) and EMAIL_FROM are taken as given', () => {
    const config = loadConfig({
      SMTP_URL: 'smtps://user:pass@mail.example.com:465',
      EMAIL_FROM: 'Ops <ops@example.com>',
      EMAIL_RETRIES: '0',
    });
    expect(config.email).toMatchObject({ smtpUrl: 'smtps://user:pass@mail.example.com:465', from: 'Ops <ops@example.com>', retries: 0 });
  });

  it.each(['http://mail.example.com', 'mail.example.com:25', 'smtp://'])(
    'when SMTP_URL is %s, then start-up is refused naming it',
    (url) => {
      expect(() => loadConfig({ SMTP_URL: url })).toThrow(/SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/);
    },
  );
});
