import escapeHtml from 'escape-html';
import type { EventType } from '@scheduler/entities';

/** What an email names: its event, and the schedule and campaign the event is about (null: none, or deleted since). */
export interface EmailSubject {
  eventId: string;
  eventType: string;
  eventAt: Date;
  workspaceId: string;
  payload: Record<string, unknown>;
  schedule: { id: string; name: string; timezone: string } | null;
  campaign: { id: string; name: string } | null;
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

/** Each event type's title, in the product's words (a new type must name its title: the compiler checks it). */
export const EVENT_TITLES = {
  'job.created': 'Job created',
  'job.awaiting_approval': 'Job awaiting approval',
  'job.completed': 'Job completed',
  'job.failed': 'Job failed',
  'run.missed': 'Run missed',
  'run.failed': 'Run failed',
  'schedule.completed': 'Schedule completed',
  'schedule.error': 'Schedule error',
  'campaign.paused': 'Campaign paused',
  'campaign.resumed': 'Campaign resumed',
} satisfies Record<EventType, string>;

/** The payload fields shown besides the schedule, campaign and occurrence, with their labels. */
const DETAILS: [key: string, label: string][] = [
  ['job_id', 'Job'],
  ['status', 'Status'],
  ['outcome', 'Outcome'],
  ['reason', 'Reason'],
  ['error', 'Error'],
  ['error_message', 'Error'],
  ['run_count', 'Runs so far'],
  ['resume_at', 'Resumes at'],
];

/** Text for a header or a line: control characters (a newline in a name) become spaces. */
function plain(value: unknown): string {
  // eslint-disable-next-line no-control-regex
  return String(value).replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

/** `2030-01-01 10:00:00 +01:00 (Europe/Berlin)`: the instant on the wall clock of `timezone`, with its offset. */
export function formatInZone(at: Date, timezone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  // `GMT+01:00`, or `GMT` at offset zero.
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : String(parts.timeZoneName).replace('GMT', '');
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${offset} (${timezone})`;
}

/** `2030-01-01 09:00:00 UTC`. */
export function formatUtc(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** The occurrence an event is about: a Job's `scheduled_for`, a run's `occurrence`. */
function occurrenceOf(payload: Record<string, unknown>): Date | null {
  const raw = payload.scheduled_for ?? payload.occurrence;
  if (typeof raw !== 'string') return null;
  const at = new Date(raw);
  return Number.isNaN(at.getTime()) ? null : at;
}

/**
 * The email of one event: a subject naming the event and its schedule or campaign, and the same
 * lines as plain text and as HTML (every value escaped: a campaign named `<script>` is text).
 * The occurrence is shown on the schedule's wall clock with its offset, and in UTC.
 */
export function renderEmail(s: EmailSubject): EmailContent {
  const title = (EVENT_TITLES as Record<string, string>)[s.eventType] ?? s.eventType;
  const about = [...(s.schedule ? [`schedule "${s.schedule.name}"`] : []), ...(s.campaign ? [`campaign "${s.campaign.name}"`] : [])].join(
    ', ',
  );
  const subject = plain(`${title}${about ? `: ${about}` : ''} [${s.eventType}]`);

  const rows: [label: string, value: string][] = [];
  if (s.schedule) rows.push(['Schedule', `${s.schedule.name} (${s.schedule.id})`]);
  else if (typeof s.payload.schedule_id === 'string') rows.push(['Schedule', `${s.payload.schedule_id} (deleted)`]);
  if (s.campaign) rows.push(['Campaign', `${s.campaign.name} (${s.campaign.id})`]);
  const occurrence = occurrenceOf(s.payload);
  if (occurrence) {
    const zone = s.schedule?.timezone ?? 'UTC';
    rows.push(['Occurrence', formatInZone(occurrence, zone)], ['Occurrence (UTC)', formatUtc(occurrence)]);
  }
  for (const [key, label] of DETAILS) {
    const value = s.payload[key];
    if (typeof value === 'string' ? value !== '' : typeof value === 'number' || typeof value === 'boolean')
      rows.push([label, String(value)]);
  }
  rows.push(['Event', `${s.eventType} ${s.eventId} at ${formatUtc(s.eventAt)}`]);
  const footer =
    `You get this email because your notification settings in workspace ${s.workspaceId} include ${s.eventType}. ` +
    'Change them with PUT /api/v1/notifications.';

  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const text = [title, '', ...rows.map(([label, value]) => `${`${label}:`.padEnd(width)}${plain(value)}`), '', plain(footer), ''].join(
    '\n',
  );
  const e = (value: string) => escapeHtml(value);
  const html = [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${e(subject)}</title></head><body>`,
    `<h1>${e(title)}</h1>`,
    '<table>',
    ...rows.map(([label, value]) => `<tr><th align="left">${e(label)}</th><td>${e(value)}</td></tr>`),
    '</table>',
    `<p>${e(footer)}</p>`,
    '</body></html>',
    '',
  ].join('\n');
  return { subject, text, html };
}
