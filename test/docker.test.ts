import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const composeFile = path.join(root, 'docker/compose.yaml');

/** `docker compose` (v2 plugin) when present, else the standalone `docker-compose`. */
function composeCommand(): string[] {
  if (spawnSync('docker', ['compose', 'version']).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version']).status === 0) return ['docker-compose'];
  throw new Error('Neither `docker compose` nor `docker-compose` is installed (.ci/run installs docker-compose).');
}

describe('container files (checked statically: no Docker engine here)', () => {
  it('the compose file passes `compose config` and defines postgres, redis, migrate, api and worker', () => {
    const [cmd, ...args] = composeCommand();
    const out = execFileSync(cmd, [...args, '-f', composeFile, 'config'], {
      env: { ...process.env, JWT_SECRET: 'a-secret-for-the-config-check' },
      cwd: root,
    }).toString();
    for (const service of ['postgres:', 'redis:', 'migrate:', 'api:', 'worker:']) expect(out).toContain(service);
    expect(out).toMatch(/maxmemory-policy[\s\S]*noeviction/);
    expect(out).toMatch(/appendonly[\s\S]*yes/);
    expect(out).toContain('service_completed_successfully');
  });

  it('without JWT_SECRET the compose file refuses to render', () => {
    const [cmd, ...args] = composeCommand();
    const env = { ...process.env };
    delete env.JWT_SECRET;
    const result = spawnSync(cmd, [...args, '-f', composeFile, 'config'], { env, cwd: root });
    expect(result.status).not.toBe(0);
    expect(result.stderr.toString()).toMatch(/JWT_SECRET/);
  });

  it('the Dockerfile is multi-stage, runs as a non-root user and has a HEALTHCHECK', () => {
    const dockerfile = readFileSync(path.join(root, 'docker/Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    // Every workspace's manifest is copied before `npm ci`, so the dependency layer caches.
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
    for (const workspace of manifest.workspaces) expect(dockerfile).toContain(`COPY ${workspace}/package.json ${workspace}/`);
  });
});
