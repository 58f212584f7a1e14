import fc from 'fast-check';
import { getTimeZone } from '../src/zone';
import { localWallMs, transitionsInYear } from './helpers/oracle';

const ZONES = [
  'America/New_York',
  'Europe/Stockholm',
  'Australia/Sydney',
  'Asia/Kathmandu',
  'Asia/Kolkata',
  'Europe/Moscow',
  'Australia/Lord_Howe',
  'Pacific/Apia',
  'Africa/Casablanca',
  'Asia/Gaza',
  'America/Sao_Paulo',
];

describe('time-zone engine (cached offsets)', () => {
  it('when an offset is asked for any instant 1900..9999, then it equals what Intl says', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.UTC(1900, 0, 1) / 1000, max: Date.UTC(9999, 11, 31) / 1000 }),
        (zone, seconds) => {
          const t = seconds * 1000;
          expect(getTimeZone(zone)!.offsetAt(t)).toBe(localWallMs(zone, t) - t);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('when an instant is one second either side of a real transition, then the offset is exact (incl. far-future years)', () => {
    for (const zone of ZONES) {
      for (const year of [1950, 2011, 2027, 2044, 3027, 9876]) {
        for (const t of transitionsInYear(zone, year)) {
          for (const d of [-1000, 0, 1000]) {
            expect([zone, new Date(t + d).toISOString(), getTimeZone(zone)!.offsetAt(t + d)]).toEqual([
              zone,
              new Date(t + d).toISOString(),
              localWallMs(zone, t + d) - (t + d),
            ]);
          }
        }
      }
    }
  });

  it('when two transitions are 7 days apart (Gaza 2040, Recife 2000), then both are found', () => {
    const gaza = getTimeZone('Asia/Gaza')!;
    const recife = getTimeZone('America/Recife')!;
    // offsets on either side of each transition of the short-lived period
    for (const [zone, name, year] of [
      [gaza, 'Asia/Gaza', 2040],
      [recife, 'America/Recife', 2000],
    ] as const) {
      const ts = transitionsInYear(name, year);
      expect(ts.length).toBeGreaterThanOrEqual(2);
      for (const t of ts) {
        expect(zone.offsetAt(t - 1000)).toBe(localWallMs(name, t - 1000) - (t - 1000));
        expect(zone.offsetAt(t)).toBe(localWallMs(name, t) - t);
      }
    }
  });
});
