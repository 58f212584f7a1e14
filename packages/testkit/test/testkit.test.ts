/**
 * The kit's own checks: its assertions fail where they should (a kit assertion that cannot fail
 * would make every suite using it vacuous), and its clean-up helpers refuse what is not theirs.
 */
import type { Redis } from 'ioredis';
import {
  deleteKeysUnder,
  dropDatabase,
  expectProblem,
  expectUnauthorized,
  fieldsOf,
  inHours,
  PinnedClock,
  scratchDatabaseName,
  uniqueName,
  wholeSecondAhead,
} from '../src';

const problem = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => ({
  status,
  headers: { 'content-type': 'application/problem+json; charset=utf-8', ...headers },
  text: JSON.stringify({ type: 'https://example.test/p', title: 'T', status, detail: 'd', ...body }),
});
const invalid = (...fields: string[]) => problem(422, { errors: fields.map((field) => ({ field, message: 'is wrong' })) });

describe('expectProblem', () => {
  it('passes a well-formed problem, and a 422 naming exactly / at least the fields given', () => {
    expectProblem(problem(404, {}), 404, { detail: 'd', title: 'T' });
    expectProblem(invalid('name', 'tags[0]'), 422, { fields: ['tags[0]', 'name'] });
    expectProblem(invalid('name', 'tags[0]'), 422, { fieldsInclude: ['name'] });
    expect(fieldsOf(invalid('a', 'b'))).toEqual(['a', 'b']);
  });

  it.each([
    ['another status', problem(400, {}), 404, {}],
    ['a JSON content type', { ...problem(404, {}), headers: { 'content-type': 'application/json' } }, 404, {}],
    [
      'a body status that differs',
      { ...problem(404, {}), text: JSON.stringify({ type: 't', title: 'T', status: 400, detail: 'd' }) },
      404,
      {},
    ],
    ['no detail', { ...problem(404, {}), text: JSON.stringify({ type: 't', title: 'T', status: 404 }) }, 404, {}],
    ['no title', { ...problem(404, {}), text: JSON.stringify({ type: 't', status: 404, detail: 'd' }) }, 404, {}],
    ['another detail', problem(404, {}), 404, { detail: 'Job not found' }],
    ['a 422 without errors', problem(422, {}), 422, {}],
    ['a 422 error without a message', problem(422, { errors: [{ field: 'name' }] }), 422, {}],
    ['a 422 naming one field more', invalid('name', 'color'), 422, { fields: ['name'] }],
    ['a 422 naming another field', invalid('color'), 422, { fieldsInclude: ['name'] }],
  ] as const)('fails on %s', (_label, res, status, expected) => {
    expect(() => expectProblem(res, status, expected)).toThrow();
  });

  it('expectUnauthorized wants a 401 asking for a bearer token', () => {
    expectUnauthorized(problem(401, {}, { 'www-authenticate': 'Bearer' }));
    expect(() => expectUnauthorized(problem(401, {}))).toThrow();
    expect(() => expectUnauthorized(problem(403, {}, { 'www-authenticate': 'Bearer' }))).toThrow();
  });
});

describe('clock and time', () => {
  it('a pinned clock says the pinned instant until reset, then real time', () => {
    const clock = new PinnedClock();
    clock.pin('2031-02-03T04:05:06.007Z');
    expect(clock.now().toISOString()).toBe('2031-02-03T04:05:06.007Z');
    clock.reset();
    expect(Math.abs(clock.now().getTime() - Date.now())).toBeLessThan(1000);
  });

  it('inHours and wholeSecondAhead give whole seconds', () => {
    expect(Date.parse(inHours(1)) % 1000).toBe(0);
    const ahead = wholeSecondAhead(1500);
    expect(ahead.getTime() % 1000).toBe(0);
    expect(ahead.getTime()).toBeGreaterThanOrEqual(Date.now() + 1400);
  });
});

describe("clean-up refuses what is not a test's own", () => {
  const noRedis = {} as Redis; // never reached: the prefix is refused first

  it.each(['bull', '{scheduler}', 'faults-xyz', 'test-', ''])('deleteKeysUnder refuses the prefix "%s"', async (prefix) => {
    await expect(deleteKeysUnder(noRedis, prefix)).rejects.toThrow(/refusing/);
  });

  it.each(['scheduler', 'scheduler_test', 'postgres', 'scheduler_x_1234567'])('dropDatabase refuses "%s"', async (name) => {
    await expect(dropDatabase(name)).rejects.toThrow(/refusing/);
  });

  it('unique names have the shapes the clean-ups accept', () => {
    expect(uniqueName('faults')).toMatch(/^faults-[0-9a-f]{8}$/);
    expect(scratchDatabaseName('drift')).toMatch(/^scheduler_drift_[0-9a-f]{8}$/);
    expect(uniqueName()).not.toBe(uniqueName());
  });
});
