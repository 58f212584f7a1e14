import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import jwt from 'jsonwebtoken';

const cli = path.resolve(__dirname, '../dist/cli/token.js');
const secret = 'a-cli-secret-long-enough';

describe('npm run token', () => {
  it('when given a user id, then it prints a one-hour HS256 token for it signed with JWT_SECRET', () => {
    const out = execFileSync(process.execPath, [cli, 'alice'], { env: { ...process.env, JWT_SECRET: secret } })
      .toString()
      .trim();
    const payload = jwt.verify(out, secret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    expect(payload.sub).toBe('alice');
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it('when --ttl is given, then the lifetime follows it', () => {
    const out = execFileSync(process.execPath, [cli, 'bob', '--ttl', '120'], { env: { ...process.env, JWT_SECRET: secret } })
      .toString()
      .trim();
    const payload = jwt.verify(out, secret) as jwt.JwtPayload;
    expect(payload.exp! - payload.iat!).toBe(120);
  });

  it('when only JWT_JWKS_URL is configured, then it exits 2: tokens come from the identity provider', () => {
    const env: Record<string, string | undefined> = { ...process.env, JWT_JWKS_URL: 'https://idp.example.com/certs' };
    delete env.JWT_SECRET;
    const result = spawnSync(process.execPath, [cli, 'alice'], { env });
    expect(result.status).toBe(2);
    expect(result.stdout.toString()).toBe('');
    expect(result.stderr.toString()).toMatch(/only be minted with JWT_SECRET.*JWT_JWKS_URL/);
  });

  it('when JWT_SECRET is set beside JWT_JWKS_URL, then it mints HS256 tokens for local use', () => {
    const out = execFileSync(process.execPath, [cli, 'carol'], {
      env: { ...process.env, JWT_SECRET: secret, JWT_JWKS_URL: 'https://idp.example.com/certs' },
    })
      .toString()
      .trim();
    expect((jwt.verify(out, secret, { algorithms: ['HS256'] }) as jwt.JwtPayload).sub).toBe('carol');
  });

  it('when no user id is given, then it exits 2 with usage', () => {
    const result = spawnSync(process.execPath, [cli], { env: { ...process.env, JWT_SECRET: secret } });
    expect(result.status).toBe(2);
    expect(result.stderr.toString()).toMatch(/usage/);
  });
});
