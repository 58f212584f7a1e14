import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as recurrence from '../src';

/** The names the README's "API" section lists as exported: its first ts block. */
function documentedExports(): string[] {
  const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const block = /## API\n\nWhat `@scheduler\/recurrence` exports[^\n]*\n\n```ts\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no "What @scheduler/recurrence exports" block under "## API"');
  const values = [...block[1].matchAll(/^(\w+)[(:]/gm)].map((m) => m[1]);
  const constants = (/^\/\/ constants: (.*)$/m.exec(block[1])?.[1] ?? '').split(',').map((c) => c.trim().split(' ')[0]);
  return [...values, ...constants].filter(Boolean).sort();
}

describe('public exports', () => {
  it('when the package is imported, then it exports exactly the values its README lists (no bench, no test-only helpers)', () => {
    expect(Object.keys(recurrence).sort()).toEqual(documentedExports());
    expect(recurrence).not.toHaveProperty('runRecurrenceBench');
  });
});
