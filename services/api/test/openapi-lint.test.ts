import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openApiDocument } from '../src/openapi/document';

/**
 * The served document under two outside linters, from node_modules and offline: Redocly CLI with
 * its `recommended` rules and Spectral with `spectral:oas`. Both must report nothing at all (no
 * error, no warning). Their configuration is committed in `lint/`.
 */
const LINT_CONFIG = path.join(__dirname, '..', 'lint');

/** The path of a package's command-line script, from its package.json `bin`. */
function cli(pkg: string, name: string): string {
  const manifest = require.resolve(`${pkg}/package.json`);
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> };
  return path.join(path.dirname(manifest), bin[name]);
}

function run(script: string, args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [script, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1', REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
  if (result.error) throw result.error;
  return result;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'openapi-lint-'));
  writeFileSync(path.join(dir, 'openapi.json'), JSON.stringify(openApiDocument, null, 2));
  for (const file of ['redocly.yaml', '.redocly.lint-ignore.yaml', '.spectral.yaml']) {
    copyFileSync(path.join(LINT_CONFIG, file), path.join(dir, file));
  }
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the OpenAPI document under outside linters', () => {
  it("is clean under Redocly CLI's recommended rules (0 errors, 0 warnings)", () => {
    const result = run(cli('@redocly/cli', 'redocly'), ['lint', 'openapi.json', '--config', 'redocly.yaml', '--format', 'json'], dir);
    const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
    };
    const problems = report.problems.map((p) => `${p.ruleId} at ${p.location.map((l) => l.pointer).join(', ')}: ${p.message}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(result.status).toBe(0);
  }, 120_000);

  it("is clean under Spectral's spectral:oas ruleset (0 errors, 0 warnings)", () => {
    const result = run(
      cli('@stoplight/spectral-cli', 'spectral'),
      ['lint', 'openapi.json', '--ruleset', '.spectral.yaml', '--format', 'json', '--fail-severity', 'hint', '--quiet'],
      dir,
    );
    const text = result.stdout.trim();
    const results = (text ? JSON.parse(text.slice(text.indexOf('['))) : []) as { code: string; message: string; path: string[] }[];
    expect(results.map((r) => `${r.code} at ${r.path.join('.')}: ${r.message}`)).toEqual([]);
    expect([result.status, result.stderr.trim()]).toEqual([0, '']);
  }, 120_000);
});
