import { checkPattern, CRON_CHECK_CACHE_SIZE } from '../src/compile';

const WALL = Date.UTC(2030, 0, 7, 9, 0, 0);

describe('cron checks kept by expression', () => {
  it('gives schedules that share an expression one matcher, whatever their start', () => {
    const a = checkPattern('cron', '0 9 * * 1-5', WALL);
    const b = checkPattern('cron', '0 9 * * 1-5', WALL + 86_400_000);
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(b.matcher).toBe(a.matcher);
    expect(b.text).toBe('0 9 * * 1-5');
    expect(checkPattern('cron', '30 9 * * 1-5', WALL)).not.toMatchObject({ matcher: a.matcher });
  });

  it('keeps a refused expression refused, with the same message', () => {
    const first = checkPattern('cron', '0 9 31 2 *', WALL);
    expect(first).toEqual({ ok: false, message: 'cron expression can never fire (no listed month has any of the listed days)' });
    expect(checkPattern('cron', '0 9 31 2 *', WALL)).toEqual(first);
  });

  it('forgets the oldest expression once it holds CRON_CHECK_CACHE_SIZE, and still answers it right', () => {
    const oldest = checkPattern('cron', '7 7 * * *', WALL);
    for (let i = 0; i < CRON_CHECK_CACHE_SIZE; i++) checkPattern('cron', `${i % 60} ${Math.floor(i / 60) % 24} ${1 + (i % 28)} * *`, WALL);
    const again = checkPattern('cron', '7 7 * * *', WALL);
    expect(again.ok && oldest.ok).toBe(true);
    if (!again.ok || !oldest.ok) return;
    expect(again.matcher).not.toBe(oldest.matcher);
    const monday = Date.UTC(2030, 0, 7, 7, 7, 0);
    expect(again.matcher.matches(monday)).toBe(true);
    expect(oldest.matcher.matches(monday)).toBe(true);
  });
});
