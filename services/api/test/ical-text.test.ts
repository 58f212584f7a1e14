/**
 * The feed's own iCalendar writer (`ical-text.ts`) against `ical-generator` 10.2.0, which the
 * feed used before: for random calendars (names, summaries, campaign names and reasons with
 * commas, semicolons, backslashes, line breaks, accents, emoji and long runs that need folding),
 * the two texts are the same, byte for byte. The one deliberate difference: the calendar's name
 * is escaped as TEXT (ical-generator writes it raw, so a line break in it would start a new
 * property), so ical-generator is handed the escaped name.
 */
import fc from 'fast-check';
import ical, { ICalEventStatus } from 'ical-generator';
import { escapeText, foldLine, icalText, type IcalEvent } from '../src/calendar/ical-text';

const STATUSES = ['CONFIRMED', 'TENTATIVE', 'CANCELLED'] as const;
const STATUS_OF: Record<(typeof STATUSES)[number], ICalEventStatus> = {
  CONFIRMED: ICalEventStatus.CONFIRMED,
  TENTATIVE: ICalEventStatus.TENTATIVE,
  CANCELLED: ICalEventStatus.CANCELLED,
};

/** Text with the characters that escaping and folding care about. */
const text = (max: number) =>
  fc
    .array(
      fc.oneof(
        fc.constantFrom(',', ';', '\\', '\n', '\r\n', 'é', '€', '😀', '中', ' ', ':', '"'),
        fc.string({ minLength: 1, maxLength: 30 }),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
      ),
      { maxLength: max },
    )
    .map((parts) => parts.join(''));

const instant = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }).map((t) => new Date(t));

// (The feed's events end after they start; ical-generator swaps the two otherwise.)
const event: fc.Arbitrary<IcalEvent> = fc
  .record({
    uid: fc.uuid().map((u) => `${u}-20261201T100000000Z@content-scheduler`),
    start: instant,
    minutes: fc.integer({ min: 0, max: 600 }),
    stamp: instant,
    summary: text(12),
    categories: fc.array(
      text(4).filter((c) => c.length > 0),
      { maxLength: 1 },
    ),
    url: fc.uuid().map((u) => `http://127.0.0.1:3000/api/v1/schedule/${u}`),
    description: text(6),
    status: fc.constantFrom(...STATUSES),
  })
  .map(({ minutes, ...e }) => ({ ...e, end: new Date(e.start.getTime() + minutes * 60_000) }));

function withGenerator(name: string, events: IcalEvent[]): string {
  const cal = ical({ name: escapeText(name), prodId: { company: 'content-scheduler', product: 'calendar', language: 'EN' } });
  for (const e of events) {
    cal.createEvent({
      id: e.uid,
      start: e.start,
      end: e.end,
      stamp: e.stamp,
      summary: e.summary,
      categories: e.categories.map((c) => ({ name: c })),
      url: e.url,
      description: e.description,
      status: STATUS_OF[e.status as (typeof STATUSES)[number]],
    });
  }
  return cal.toString();
}

it('writes what ical-generator writes for the same calendar, byte for byte', () => {
  fc.assert(
    fc.property(text(8), fc.array(event, { maxLength: 8 }), (name, events) => {
      expect(icalText({ name, prodId: '-//content-scheduler//calendar//EN' }, events)).toBe(withGenerator(name, events));
    }),
    { numRuns: 500 },
  );
});

it('folds a line at 74 octets without splitting a character, and escapes the name', () => {
  const line = `SUMMARY:${'é'.repeat(40)}`;
  const folded = foldLine(line).split('\r\n ');
  expect(folded.length).toBeGreaterThan(1);
  for (const part of folded) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(74);
  expect(folded.join('')).toBe(line);
  const emoji = foldLine(`X:${'😀'.repeat(30)}`);
  expect(emoji).not.toMatch(/[\ud800-\udbff]\r\n/);
  const out = icalText({ name: 'a\nBEGIN:VEVENT;x', prodId: '-//x//y//EN' }, []);
  expect(out).toBe(
    'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nNAME:a\\nBEGIN:VEVENT\\;x\r\nX-WR-CALNAME:a\\nBEGIN:VEVENT\\;x\r\nEND:VCALENDAR',
  );
});
