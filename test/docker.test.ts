import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const composeFile = path.join(root, 'docker/compose.yaml');
const clusterComposeFile = path.join(root, 'docker/compose.cluster.yml');

/** `compose config` of a file, rendered with a JWT_SECRET. */
function renderCompose(file: string): string {
  const [cmd, ...args] = composeCommand();
  return execFileSync(cmd, [...args, '-f', file, 'config'], {
    env: { ...process.env, JWT_SECRET: 'a-secret-for-the-config-check' },
    cwd: root,
  }).toString();
}

/** `docker compose` (v2 plugin) when present, else the standalone `docker-compose`. */
function composeCommand(): string[] {
  if (spawnSync('docker', ['compose', 'version']).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version']).status === 0) return ['docker-compose'];
  throw new Error('Neither `docker compose` nor `docker-compose` is installed (.ci/run installs docker-compose).');
}

describe('container files (checked statically: no Docker engine here)', () => {
  it('the compose file passes `compose config` and defines postgres, redis, migrate, api and worker', () => {
    const out = renderCompose(composeFile);
    for (const service of ['postgres:', 'redis:', 'migrate:', 'api:', 'worker:']) expect(out).toContain(service);
    expect(out).toMatch(/maxmemory-policy[\s\S]*noeviction/);
    expect(out).toMatch(/appendonly[\s\S]*yes/);
    expect(out).toContain('service_completed_successfully');
  });

  it('the cluster compose file passes `compose config`: six cluster-enabled Redis nodes, made into a cluster before the app, which reaches it by REDIS_CLUSTER_NODES', () => {
    const out = renderCompose(clusterComposeFile);
    for (const service of ['postgres:', 'migrate:', 'api:', 'worker:', 'redis-cluster-init:']) expect(out).toContain(service);
    for (let node = 1; node <= 6; node++) expect(out).toContain(`redis-${node}:`);
    expect(out.match(/cluster-enabled/g)?.length).toBe(6);
    expect(out).toMatch(/maxmemory-policy[\s\S]*noeviction/);
    for (const part of ['--cluster create', '--cluster-replicas', '--cluster-yes', 'cluster_state:ok']) expect(out).toContain(part);
    expect(out).toMatch(/REDIS_CLUSTER_NODES: '?redis-1:6379,redis-2:6379/);
    expect(out).toMatch(/OCCURRENCE_SHARDS: '?"?3/);
    // The API and workers wait for the cluster to be made.
    expect(out.match(/redis-cluster-init:\n\s+condition: service_completed_successfully/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it.each(['docker/compose.yaml', 'docker/compose.cluster.yml'])('without JWT_SECRET the compose file %s refuses to render', (file) => {
    const [cmd, ...args] = composeCommand();
    const env = { ...process.env };
    delete env.JWT_SECRET;
    const result = spawnSync(cmd, [...args, '-f', path.join(root, file), 'config'], { env, cwd: root });
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
