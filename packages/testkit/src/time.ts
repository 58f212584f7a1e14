export const SECOND = 1_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves null after `ms` without keeping the jest process alive (for races against an exit). */
export const expiry = (ms: number) => new Promise<null>((resolve) => setTimeout(() => resolve(null), ms).unref());

/** Now, down to the whole second (schedules keep whole seconds: the recurrence package drops milliseconds). */
export const wholeSecondNow = (): number => Math.floor(Date.now() / SECOND) * SECOND;

/** The instant `h` hours from now (whole seconds), as an ISO string. */
export const inHours = (h: number): string => new Date(wholeSecondNow() + h * HOUR).toISOString();

/** The next whole second at least `ms` from now. */
export const wholeSecondAhead = (ms: number): Date => new Date(Math.ceil((Date.now() + ms) / SECOND) * SECOND);

/** Seconds since the epoch-ms `from`, to one decimal (for summary lines). */
export const secondsSince = (from: number): string => ((Date.now() - from) / SECOND).toFixed(1);

/** Polls `probe` every `intervalMs` until `done` holds or the deadline passes; returns the last value. */
export async function pollUntil<T>(
  probe: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await sleep(intervalMs);
    value = await probe();
  }
  return value;
}
