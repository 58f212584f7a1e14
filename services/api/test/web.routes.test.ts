import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { expectProblem } from '@scheduler/testkit';
import { webRoutes } from '../src/web.routes';
import { useTestApp } from './helpers';

/** A built app in a temporary directory, as `vite build` lays it out. */
function fakeBuild(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'web-dist-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div><script src="/app/assets/index-abc123.js"></script>');
  fs.writeFileSync(path.join(dir, 'assets/index-abc123.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'favicon.svg'), '<svg/>');
  return dir;
}

describe('the web app at /app', () => {
  const dir = fakeBuild();
  const app = express().use(webRoutes(dir));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(['/app', '/app/', '/app/index.html', '/app/schedules/new', '/app/campaigns/123?x=1'])(
    '%s is index.html, never cached',
    async (url) => {
      const res = await request(app).get(url);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.text).toContain('<div id="root">');
    },
  );

  it('hashed assets are cached for a year, immutable', async () => {
    const res = await request(app).get('/app/assets/index-abc123.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('other files are served and revalidated', async () => {
    const res = await request(app).get('/app/favicon.svg');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('a missing asset is a plain 404, not the page', async () => {
    const res = await request(app).get('/app/assets/index-old999.js');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).not.toContain('<div id="root">');
  });

  it('HEAD answers like GET, without a body', async () => {
    const res = await request(app).head('/app/schedules');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('a path outside /app (or merely starting with it) is not served', async () => {
    expect((await request(app).get('/application')).status).toBe(404);
    expect((await request(app).get('/index.html')).status).toBe(404);
  });

  it('no traversal out of the build directory', async () => {
    const res = await request(app).get('/app/..%2f..%2fetc%2fpasswd');
    expect(res.text).not.toMatch(/root:/);
  });

  it('without a build: 503 with a plain-text hint, no crash', async () => {
    const missing = express().use(webRoutes(path.join(dir, 'nowhere')));
    for (const url of ['/app', '/app/schedules']) {
      const res = await request(missing).get(url);
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toMatch(/npm run build/);
    }
  });
});

describe('the web app mounted in the API', () => {
  const t = useTestApp();

  it('leaves the API: unknown API paths stay 404 problem+json, wrong methods 405', async () => {
    expectProblem(await request(t.unwrapped).get('/api/v1/nothing').set('Authorization', t.auth('someone')), 404);
    expectProblem(await request(t.unwrapped).delete('/api/v1/campaigns').set('Authorization', t.auth('someone')), 405);
  });

  it('a method other than GET/HEAD under /app falls through to the 404 problem', async () => {
    expectProblem(await request(t.unwrapped).post('/app/schedules'), 404);
  });

  it('GET /app needs no token and answers the page or the not-built hint', async () => {
    const res = await request(t.unwrapped).get('/app/campaigns');
    expect([200, 503]).toContain(res.status);
    expect(res.headers['content-type']).toMatch(res.status === 200 ? /^text\/html/ : /^text\/plain/);
  });
});
