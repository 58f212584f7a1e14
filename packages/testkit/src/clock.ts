/**
 * A clock a test can pin: hand `clock.now` to the code under test (`startTestApp({}, { now:
 * clock.now })`, `new MaterializeService(ds, clock.now)`), `pin()` an instant in a test, and
 * `reset()` in afterEach so that the next test sees real time again.
 */
export class PinnedClock {
  private pinned: Date | null = null;

  /** The pinned instant, or the real time when nothing is pinned. */
  readonly now = (): Date => this.pinned ?? new Date();

  pin(at: Date | string | number): void {
    this.pinned = new Date(at);
  }

  reset(): void {
    this.pinned = null;
  }
}
