import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';
import { loadConfig } from '@scheduler/config';
import { expectProblem, expectUnauthorized, newUserId, TEST_JWT_SECRET } from '@scheduler/testkit';
import { AUTH_FAILURES, JWKS_CACHE_MAX_AGE_MS, JWKS_COOLDOWN_MS, JWKS_RETRY_AFTER_MS, verifyToken } from '../src/http/auth';
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from '../src/http/errors';
import { startTestApp, type TestApp } from './helpers';

/**
 * Tokens from an identity provider, checked against its JWKS (`JWT_JWKS_URL`): a key-set server
 * on a free 127.0.0.1 port, started here, counts its fetches. The clock jose's cache and cooldown
 * read (`Date.now`) is moved forward by the tests; token times (`exp`) use the real one.
 */

const ISSUER = 'https://idp.example.test/realms/content';
const AUDIENCE = 'content-scheduler-api';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyLike;
  jwk: JWK;
  pem: string;
}

async function signingKey(alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  const kid = `${alg.toLowerCase()}-${randomUUID()}`;
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, pem: await exportSPKI(publicKey) };
}

/** A JWKS endpoint: serves `keys` (or fails as `mode` says) and counts the requests it got. */
class KeySetServer {
  keys: JWK[] = [];
  mode: 'serve' | 'error' | 'garbage' = 'serve';
  fetches = 0;
  private server: http.Server | null = null;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/realms/content/protocol/openid-connect/certs`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((_req, res) => {
      this.fetches++;
      if (this.mode === 'error') res.writeHead(500).end('down for maintenance');
      else if (this.mode === 'garbage') res.writeHead(200, { 'Content-Type': 'application/json' }).end('<html>');
      else res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: this.keys }));
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Closes the port: fetches are refused (ECONNREFUSED). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** The clock jose's key-set cache reads, moved forward by the tests (never back). */
const realNow = Date.now.bind(Date);
let clockOffset = 0;
const advance = (ms: number) => {
  clockOffset += ms;
};
beforeAll(() => {
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + clockOffset);
});
afterAll(() => {
  jest.restoreAllMocks();
});

const inAnHour = () => Math.floor(realNow() / 1000) + 3600;

function sign(key: SigningKey, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ iss: ISSUER, aud: AUDIENCE, exp: inAnHour(), ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header })
    .sign(key.privateKey);
}

/** An HS256 token signed with whatever bytes the caller names as the secret. */
function hmacToken(claims: JWTPayload, secret: string | Buffer, header: Record<string, unknown> = {}): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const data = `${encode({ alg: 'HS256', typ: 'JWT', ...header })}.${encode({ iss: ISSUER, aud: AUDIENCE, exp: inAnHour(), ...claims })}`;
  return `${data}.${createHmac('sha256', secret).update(data).digest('base64url')}`;
}

const call = (t: TestApp, token: string) => request(t.app).get('/api/v1/campaigns').set('Authorization', `Bearer ${token}`);

async function expect401(t: TestApp, token: string, reason: string): Promise<void> {
  const res = await call(t, token);
  expectUnauthorized(res);
  expect(res.body.detail).toBe(`Authentication required: ${reason}`);
}

describe('JWT_JWKS_URL: tokens of an identity provider (Keycloak claims: org_id, realm_access.roles)', () => {
  const idp = new KeySetServer();
  let rsa: SigningKey;
  let ec: SigningKey;
  let t: TestApp;

  beforeAll(async () => {
    [rsa, ec] = await Promise.all([signingKey('RS256'), signingKey('ES256')]);
    idp.keys = [rsa.jwk, ec.jwk, { kty: 'oct', kid: 'shared-secret', k: Buffer.from(TEST_JWT_SECRET).toString('base64url') }];
    await idp.start();
    t = await startTestApp({
      JWT_SECRET: '',
      JWT_JWKS_URL: idp.url,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_WORKSPACE_CLAIM: 'org_id',
      JWT_ROLES_CLAIM: 'realm_access.roles',
    });
  });
  afterAll(async () => {
    await t?.close();
    await idp.stop();
  });

  it('the configuration accepts only the key set algorithms: no HS256 without JWT_SECRET, no development secret', () => {
    expect(t.config.jwt).toMatchObject({
      secret: null,
      algorithms: ['RS256', 'ES256'],
      jwks: { url: idp.url, algorithms: ['RS256', 'ES256'] },
      usingDevelopmentSecret: false,
    });
  });

  it('an RS256 and an ES256 token signed with keys of the set are served; the set is fetched once and then cached', async () => {
    expect(idp.fetches).toBe(0);
    const user = newUserId();
    expect((await call(t, await sign(rsa, { sub: user }))).status).toBe(200);
    expect((await call(t, await sign(ec, { sub: user }))).status).toBe(200);
    expect((await call(t, await sign(rsa, { sub: newUserId() }))).status).toBe(200);
    expect(idp.fetches).toBe(1);
  });

  it('the workspace and roles come from the configured claims (org_id, realm_access.roles)', async () => {
    const user = newUserId();
    const token = await sign(rsa, { sub: user, org_id: 'acme', realm_access: { roles: ['offline_access', 'viewer'] } });
    expect(await verifyToken(token, t.config.jwt)).toEqual({ caller: { userId: user, workspaceId: 'team:acme', roles: ['viewer'] } });
    // Through the app itself: the 403 of a write is documented by the roles work, not here.
    const write = await request(t.unwrapped)
      .post('/api/v1/campaigns')
      .set('Authorization', `Bearer ${token}`)
      .send({ name: 'viewer writes' });
    expectProblem(write, 403);
    expect(write.body.detail).toMatch(/the token has viewer$/);
    expect((await call(t, token)).status).toBe(200);
    const editor = await sign(rsa, { sub: user, org_id: 'acme', realm_access: { roles: ['editor'] } });
    const created = await request(t.app).post('/api/v1/campaigns').set('Authorization', `Bearer ${editor}`).send({ name: 'editor writes' });
    expect(created.status).toBe(201);
  });

  it('issuer and audience are checked on key set tokens too', async () => {
    await expect401(t, await sign(rsa, { sub: newUserId(), iss: 'https://elsewhere.example.test/' }), AUTH_FAILURES.invalid);
    await expect401(t, await sign(rsa, { sub: newUserId(), aud: 'another-api' }), AUTH_FAILURES.invalid);
    await expect401(t, await sign(rsa, { sub: newUserId(), exp: Math.floor(realNow() / 1000) - 5 }), AUTH_FAILURES.expired);
  });

  it('a token without kid is checked with the one key of its type in the set', async () => {
    const token = await new SignJWT({ sub: newUserId(), iss: ISSUER, aud: AUDIENCE, exp: inAnHour() })
      .setProtectedHeader({ alg: 'RS256' })
      .sign(rsa.privateKey);
    expect((await call(t, token)).status).toBe(200);
  });

  describe('algorithm confusion is refused', () => {
    it('HS256 tokens signed with the public key bytes (PEM, JWK, modulus), or with a secret the set publishes: the algorithm is not accepted', async () => {
      const claims = { sub: newUserId() };
      for (const bytes of [rsa.pem, rsa.pem.trim(), JSON.stringify(rsa.jwk), Buffer.from(rsa.jwk.n!, 'base64url'), TEST_JWT_SECRET]) {
        await expect401(t, hmacToken(claims, bytes, { kid: rsa.kid }), AUTH_FAILURES.algorithm);
      }
      await expect401(t, hmacToken(claims, TEST_JWT_SECRET, { kid: 'shared-secret' }), AUTH_FAILURES.algorithm);
    });

    it('alg none, and algorithms outside the pinned list (RS512, PS256, ES384), are not accepted', async () => {
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const payload = encode({ sub: newUserId(), iss: ISSUER, aud: AUDIENCE, exp: inAnHour() });
      for (const alg of ['none', 'None', 'RS512', 'PS256', 'ES384', 'EdDSA']) {
        await expect401(t, `${encode({ alg, kid: rsa.kid })}.${payload}.`, AUTH_FAILURES.algorithm);
      }
    });

    it("an RS256 token naming the EC key's kid, an ES256 token naming the RSA key's kid: no key of that kind", async () => {
      advance(JWKS_COOLDOWN_MS);
      const before = idp.fetches;
      const rsaAsEc = await new SignJWT({ sub: newUserId(), iss: ISSUER, aud: AUDIENCE, exp: inAnHour() })
        .setProtectedHeader({ alg: 'RS256', kid: ec.kid })
        .sign(rsa.privateKey);
      await expect401(t, rsaAsEc, AUTH_FAILURES.unknownKey);
      const ecAsRsa = await new SignJWT({ sub: newUserId(), iss: ISSUER, aud: AUDIENCE, exp: inAnHour() })
        .setProtectedHeader({ alg: 'ES256', kid: rsa.kid })
        .sign(ec.privateKey);
      await expect401(t, ecAsRsa, AUTH_FAILURES.unknownKey);
      // The first looked again (the cooldown had passed), the second was within the cooldown.
      expect(idp.fetches).toBe(before + 1);
    });

    it('a token signed with its own key, embedded in the header (jwk) or named by a URL (jku), is refused', async () => {
      const attacker = await signingKey('RS256');
      await expect401(t, await sign(attacker, { sub: newUserId() }, { jwk: attacker.jwk }), AUTH_FAILURES.unknownKey);
      await expect401(t, await sign(attacker, { sub: newUserId() }, { jku: `${idp.url}?evil`, kid: rsa.kid }), AUTH_FAILURES.invalid);
    });
  });

  describe('key rotation and the unknown-kid cooldown', () => {
    let next: SigningKey;
    beforeAll(async () => {
      next = await signingKey('RS256');
    });

    it('when the provider rotates to a new key (new kid), then its tokens are served after one refresh; the withdrawn key is refused', async () => {
      advance(JWKS_COOLDOWN_MS);
      idp.keys = [next.jwk, ec.jwk];
      const before = idp.fetches;
      expect((await call(t, await sign(next, { sub: newUserId() }))).status).toBe(200);
      expect(idp.fetches).toBe(before + 1);
      expect((await call(t, await sign(next, { sub: newUserId() }))).status).toBe(200);
      await expect401(t, await sign(rsa, { sub: newUserId() }), AUTH_FAILURES.unknownKey);
      expect(idp.fetches).toBe(before + 1);
    });

    it('a flood of 50 tokens with unknown kids fetches the set once in a cooldown window, then once again in the next', async () => {
      advance(JWKS_COOLDOWN_MS);
      const stranger = await signingKey('RS256');
      const flood = async () => {
        const tokens = await Promise.all(Array.from({ length: 50 }, () => sign({ ...stranger, kid: randomUUID() }, { sub: newUserId() })));
        const answers = await Promise.all(tokens.map((token) => call(t, token)));
        for (const res of answers) {
          expectUnauthorized(res);
          expect(res.body.detail).toBe(`Authentication required: ${AUTH_FAILURES.unknownKey}`);
        }
      };
      const before = idp.fetches;
      await flood();
      expect(idp.fetches).toBe(before + 1);
      advance(JWKS_COOLDOWN_MS / 2);
      await flood();
      expect(idp.fetches).toBe(before + 1);
      advance(JWKS_COOLDOWN_MS / 2);
      await flood();
      expect(idp.fetches).toBe(before + 2);
      // Known keys are served from the cache throughout.
      expect((await call(t, await sign(next, { sub: newUserId() }))).status).toBe(200);
      expect(idp.fetches).toBe(before + 2);
    });

    it('after JWKS_CACHE_MAX_AGE_MS the set is fetched again even for a known kid', async () => {
      advance(JWKS_CACHE_MAX_AGE_MS);
      const before = idp.fetches;
      expect((await call(t, await sign(next, { sub: newUserId() }))).status).toBe(200);
      expect(idp.fetches).toBe(before + 1);
    });
  });

  describe('the provider unreachable: 503 with Retry-After (the token may be valid), never 500', () => {
    let key: SigningKey;
    beforeAll(() => {
      key = { ...ec };
    });

    const expect503 = async (token: string) => {
      const res = await call(t, token);
      expectProblem(res, 503);
      expect(res.body.detail).toBe(`Authentication unavailable: ${AUTH_FAILURES.keySetUnavailable}`);
      expect(res.headers['retry-after']).toBe(String(UNAVAILABLE_RETRY_AFTER_SECONDS));
      expect(res.text).not.toContain('127.0.0.1');
    };

    it('while the cached set is fresh, its keys keep working when the provider answers 500; an unknown kid is 503', async () => {
      idp.mode = 'error';
      expect((await call(t, await sign(key, { sub: newUserId() }))).status).toBe(200);
      advance(JWKS_COOLDOWN_MS);
      await expect503(await sign({ ...key, kid: randomUUID() }, { sub: newUserId() }));
      // Counted with the database's and the queue's 503s, by dependency.
      const metrics = await request(t.app).get('/metrics');
      expect(metrics.text).toMatch(/api_dependency_unavailable_total\{[^}]*dependency="jwks"[^}]*\} [1-9]/);
    });

    it('after the failed fetch the provider is not asked again for JWKS_RETRY_AFTER_MS; fresh keys still work meanwhile', async () => {
      const before = idp.fetches;
      for (let i = 0; i < 10; i++) await expect503(await sign({ ...key, kid: randomUUID() }, { sub: newUserId() }));
      expect((await call(t, await sign(key, { sub: newUserId() }))).status).toBe(200);
      expect(idp.fetches).toBe(before);
      advance(JWKS_RETRY_AFTER_MS);
      await expect503(await sign({ ...key, kid: randomUUID() }, { sub: newUserId() }));
      expect(idp.fetches).toBe(before + 1);
    });

    it('when the set has expired from the cache and the provider is down (refused, 500 or not JSON), then every token is 503', async () => {
      advance(JWKS_CACHE_MAX_AGE_MS);
      await expect503(await sign(key, { sub: newUserId() }));
      idp.mode = 'garbage';
      advance(JWKS_RETRY_AFTER_MS);
      await expect503(await sign(key, { sub: newUserId() }));
      await idp.stop();
      advance(JWKS_RETRY_AFTER_MS);
      await expect503(await sign(key, { sub: newUserId() }));
    });

    it('when the provider is back, then tokens are served again after the retry pause', async () => {
      idp.mode = 'serve';
      await idp.start();
      advance(JWKS_RETRY_AFTER_MS);
      expect((await call(t, await sign(key, { sub: newUserId() }))).status).toBe(200);
    });
  });
});

describe('JWT_JWKS_URL beside JWT_SECRET, JWT_JWKS_ALGORITHMS=RS256, Auth0-style namespaced claims', () => {
  const idp = new KeySetServer();
  let rsa: SigningKey;
  let ec: SigningKey;
  let t: TestApp;

  beforeAll(async () => {
    [rsa, ec] = await Promise.all([signingKey('RS256'), signingKey('ES256')]);
    idp.keys = [rsa.jwk, ec.jwk];
    await idp.start();
    t = await startTestApp({
      JWT_JWKS_URL: idp.url,
      JWT_JWKS_ALGORITHMS: 'RS256',
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_WORKSPACE_CLAIM: 'https://example.com/workspace_id',
      JWT_ROLES_CLAIM: 'https://example.com/roles',
    });
  });
  afterAll(async () => {
    await t?.close();
    await idp.stop();
  });

  it('HS256 tokens of JWT_SECRET are served beside RS256 key set tokens; ES256 is not accepted', async () => {
    expect(t.config.jwt.algorithms).toEqual(['HS256', 'RS256']);
    expect((await call(t, hmacToken({ sub: newUserId() }, TEST_JWT_SECRET))).status).toBe(200);
    expect((await call(t, await sign(rsa, { sub: newUserId() }))).status).toBe(200);
    await expect401(t, await sign(ec, { sub: newUserId() }), AUTH_FAILURES.algorithm);
  });

  it('an HS256 token signed with the public key text is wrongly signed (checked with the secret only)', async () => {
    for (const bytes of [rsa.pem, JSON.stringify(rsa.jwk)]) {
      await expect401(t, hmacToken({ sub: newUserId() }, bytes, { kid: rsa.kid }), AUTH_FAILURES.invalid);
    }
  });

  it('claims named by URLs with dots are read as top-level claims of exactly that name', async () => {
    const user = newUserId();
    const token = await sign(rsa, { sub: user, 'https://example.com/workspace_id': 'org_42', 'https://example.com/roles': ['approver'] });
    expect(await verifyToken(token, t.config.jwt)).toEqual({ caller: { userId: user, workspaceId: 'team:org_42', roles: ['approver'] } });
    // Through the app itself: the 403 of a write is documented by the roles work, not here.
    const write = await request(t.unwrapped)
      .post('/api/v1/campaigns')
      .set('Authorization', `Bearer ${token}`)
      .send({ name: 'approver writes' });
    expectProblem(write, 403);
  });
});

describe('verifyToken with a key set config', () => {
  it('with no server listening, the answer is "key set unavailable" (not a thrown error)', async () => {
    const server = new KeySetServer();
    await server.start();
    const url = server.url;
    await server.stop();
    const key = await signingKey('RS256');
    const config = loadConfig({ JWT_JWKS_URL: url, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE }).jwt;
    expect(await verifyToken(await sign(key, { sub: 'someone' }), config)).toEqual({ failure: AUTH_FAILURES.keySetUnavailable });
  });
});
