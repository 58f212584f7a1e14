import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig } from '../src';

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
      worker: { port: 9464, reconcileIntervalSeconds: 60, lockSeconds: 10 },
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
    });
    expect(config.port).toBe(9000);
    expect(config.jwt).toMatchObject({ secret: 'a-secret-of-sufficient-length', usingDevelopmentSecret: false });
    expect(config.rateLimit.writes).toBe(5);
    expect(config.trustProxy).toBe(1);
    expect(config.worker).toMatchObject({ port: 0, reconcileIntervalSeconds: 5 });
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

  it('when JWT_REQUIRE_EXP is unset, then tokens need exp; false allows them without; another value is refused', () => {
    expect(loadConfig({}).jwt.requireExp).toBe(true);
    expect(loadConfig({ JWT_REQUIRE_EXP: 'false' }).jwt.requireExp).toBe(false);
    expect(() => loadConfig({ JWT_REQUIRE_EXP: 'no' })).toThrow(/JWT_REQUIRE_EXP must be true or false/);
  });
});
