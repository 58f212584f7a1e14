/**
 * The feed's iCalendar text (RFC 5545), written as one string by concatenation: the same lines,
 * escaping and folding as `ical-generator` 10.2.0 writes for the fields the feed uses (a test
 * compares the two byte for byte), without its object graph per event and its folding, which
 * encodes every character with a new TextEncoder (most of a 5,000-event feed's time).
 */

/** An event of the feed: instants in UTC, texts unescaped. */
export interface IcalEvent {
  uid: string;
  start: Date;
  end: Date;
  stamp: Date;
  summary: string;
  /** Category names (none: no CATEGORIES line). */
  categories: string[];
  url: string;
  description: string;
  /** CONFIRMED, TENTATIVE or CANCELLED. */
  status: string;
}

export interface IcalCalendar {
  /** The calendar's name (NAME and X-WR-CALNAME; escaped as TEXT, which ical-generator does not do). */
  name: string;
  /** `-//company//product//LANG` */
  prodId: string;
}

/** TEXT escaping (RFC 5545 3.3.11): backslash, semicolon and comma escaped, line breaks as `\n`. */
export function escapeText(value: string): string {
  return value.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r\n|\r|\n/g, '\\n');
}

/** `YYYYMMDDTHHMMSSZ` (seconds: the milliseconds are dropped). */
export function icalUtc(d: Date): string {
  const iso = d.toISOString(); // 2026-12-01T10:00:00.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Folds a content line (RFC 5545 3.1) as ical-generator does: a CRLF and a space before the
 * character that would take the line past 74 octets, never inside a character.
 */
export function foldLine(line: string): string {
  // Fast path: ASCII lines of at most 74 octets.
  if (line.length <= 74 && isAscii(line)) return line;
  let out = '';
  let count = 0;
  let from = 0;
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    // A high surrogate goes with the next code unit (as a pair: 4 octets; else as U+FFFD and it).
    const width = code >= 0xd800 && code <= 0xdbff ? 2 : 1;
    const n = code < 0x80 ? 1 : code < 0x800 ? 2 : width === 2 ? Buffer.byteLength(line.slice(i, i + 2)) : 3;
    count += n;
    if (count > 74) {
      out += `${line.slice(from, i)}\r\n `;
      from = i;
      count = n;
    }
    i += width - 1;
  }
  return out + line.slice(from);
}

/** The whole VCALENDAR, lines joined by CRLF (no final CRLF, as ical-generator). */
export function icalText(calendar: IcalCalendar, events: Iterable<IcalEvent>): string {
  const head = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${calendar.prodId}`];
  if (calendar.name) head.push(`NAME:${escapeText(calendar.name)}`, `X-WR-CALNAME:${escapeText(calendar.name)}`);
  let text = head.map(foldLine).join('\r\n');
  for (const e of events) {
    text += '\r\nBEGIN:VEVENT';
    text += `\r\n${foldLine(`UID:${e.uid}`)}`;
    text += '\r\nSEQUENCE:0';
    text += `\r\nDTSTAMP:${icalUtc(e.stamp)}\r\nDTSTART:${icalUtc(e.start)}\r\nDTEND:${icalUtc(e.end)}`;
    text += `\r\n${foldLine(`SUMMARY:${escapeText(e.summary)}`)}`;
    text += `\r\n${foldLine(`DESCRIPTION:${escapeText(e.description)}`)}`;
    if (e.categories.length) text += `\r\n${foldLine(`CATEGORIES:${e.categories.map(escapeText).join(',')}`)}`;
    text += `\r\n${foldLine(`URL;VALUE=URI:${escapeText(e.url)}`)}`;
    text += `\r\nSTATUS:${e.status}\r\nEND:VEVENT`;
  }
  return `${text}\r\nEND:VCALENDAR`;
}
