import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TEST_DATABASE_URL, uniqueName } from '@scheduler/testkit';

const root = path.resolve(__dirname, '..');

/** The bash blocks of the README's "Try it" section, in order. */
function tryItScript(): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('## Try it');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end);
  const blocks = [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.join('\n');
}

describe('the README use cases, run as written against `npm start`', () => {
  let child: ChildProcess;
  let port = 0;
  let output = '';
  beforeAll(async () => {
    // What `npm start` runs after building: migrate, then the API and one worker.
    child = spawn(process.execPath, [path.join(root, 'scripts/start.js')], {
      env: {
        ...process.env,
        PORT: '0',
        WORKER_PORT: '0',
        QUEUE_PREFIX: uniqueName('readme'),
        DATABASE_URL: TEST_DATABASE_URL,
        JWT_SECRET: '',
        LOG_LEVEL: 'info',
        // The script runs every block in seconds, past the default 30 writes a minute of one
        // workspace; a person pasting the blocks stays well inside it.
        RATE_LIMIT_WRITES: '300',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const deadline = Date.now() + 30_000;
    while (!(port && output.includes('"msg":"worker started"')) && Date.now() < deadline) {
      const match = /"port":(\d+)[^\n]*"msg":"api listening"/.exec(output);
      if (match) port = Number(match[1]);
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!port) throw new Error(`npm start did not come up:\n${output}`);
  });
  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGINT');
      await exited;
    }
  });

  it('every curl succeeds (HTTP errors fail the script) and the demo schedule fires a Job', () => {
    const user = `readme-${randomUUID()}`;
    const script = [
      'set -euo pipefail',
      // Any 4xx/5xx makes curl, and so the script, fail.
      'curl() { command curl --fail-with-body "$@"; }',
      tryItScript()
        .replace(/http:\/\/localhost:8000/g, `http://127.0.0.1:${port}`)
        .replace(/npm run -s token -- alice/g, `npm run -s token -- ${user}`)
        .replace('TEAM=acme', `TEAM=acme-${randomUUID()}`),
    ].join('\n');
    const result = spawnSync('bash', ['-c', script], { cwd: root, env: { ...process.env, JWT_SECRET: '' }, timeout: 120_000 });
    const stdout = result.stdout.toString();
    if (result.status !== 0) throw new Error(`script failed (${result.status}):\n${stdout}\n${result.stderr.toString()}`);
    // The last command lists the user's Jobs: the template use and the fired demo schedule.
    expect(stdout).toMatch(/"scheduled_for":"\d{4}-[^"]+Z","status":"pending"/);
    expect(stdout).toContain('"country":"uk"');
    expect(stdout).toContain('"name":"Forbes Q1 2027"');
    // Importing a spreadsheet: the dry run and the commit of the two rows, and the export of one of them.
    expect(stdout).toContain('{"dry_run":true,"total":2,"valid":2,"invalid":0,"import_id":null,"rows":[{"row":2,"ok":true');
    expect(stdout).toContain('"next_run_at":"2027-12-01T08:00:00.000Z","local":"2027-12-01T09:00:00+01:00"');
    expect(stdout).toContain('{"dry_run":false,"total":2,"valid":2,"invalid":0,"import_id":"');
    expect(stdout).toContain(
      'Monday digest,,,,weekly,2027-12-06T08:30:00,weekly:monday,,America/New_York,,"{""publisher_domain"":""news.example.com""}",3600,latest,false,',
    );
    // Working as a team: the editor's change seen by the viewer, whose delete is refused; alice sees nothing.
    expect(stdout).toContain('"description":"Edited by Dave"');
    expect(stdout).toMatch(/"title":"Forbidden","status":403/);
    // Alice's read (404), then the team's audit log of the campaign: Dave's update first, then Carol's create.
    expect(stdout).toMatch(
      /404\n\{"items":\[\{[^\n]*"actor":"dave","action":"update","entity_type":"campaign"[^\n]*"changes":\{"description":\{"new":"Edited by Dave","old":null\}\}[^\n]*"actor":"carol","action":"create"[^\n]*"next_cursor":null\}\s*$/,
    );
    // Sharing templates: the library's item (alice's, counted once after bob's copy), bob's private copy, his refused PUT.
    expect(stdout).toMatch(new RegExp(`"author_id":"${user}","name":"Forbes Expert"[^\n]*"copy_count":1,`));
    expect(stdout).toMatch(
      /"user_id":"bob","campaign_id":null,"name":"Forbes Expert \(bob\)"[^\n]*"visibility":"private","copy_count":0,"copied_from":"[0-9a-f-]{36}"/,
    );
    expect(stdout).toMatch(/"copied_from":"[0-9a-f-]{36}"[^\n]*\}\{[^\n]*"copy_count":1,[^\n]*\}404\n/);
    // The approval block: one Job approved by the approver token, one rejected with the reason.
    expect(stdout).toContain(`"status":"pending"`);
    expect(stdout).toContain(`"decided_by":"${user}"`);
    expect(stdout).toContain('"status_reason":"Off-brand tone for this client"');
    // Run now and skip: the manual run once, the skip moving next_run_at, the un-skip's 204.
    expect(stdout.match(/"trigger":"manual"/g)).toHaveLength(1);
    expect(stdout).toContain('"occurrence_at":"2027-12-25T08:00:00.000Z"');
    expect(stdout).toContain('"next_run_at":"2027-12-26T08:00:00.000Z"');
    expect(stdout).toMatch(/"next_run_at":"2027-12-26T08:00:00.000Z"[^\n]*\}204\n/);
    // Planning a month: the calendar's first page, the four runs the blackout takes, the forecast, the feed.
    expect(stdout).toMatch(/"schedule_name":"Gift guide of the day"[^\n]*"local":"2027-12-01T09:00:00\+01:00"[^\n]*"next_cursor":"[^"]+"/);
    expect(stdout.match(/"state":"skipped","job_id":null,"job_status":null,"reason":"blackout: Christmas break"/g)).toHaveLength(4);
    expect(stdout).toContain(
      '{"projected_jobs_by_end_date":32,"will_meet_target":false,"projected_target_date":null,"projected_spend_usd":null}',
    );
    expect(stdout).toMatch(/BEGIN:VCALENDAR\s+VERSION:2\.0\s+PRODID:/);
  }, 150_000);
});
