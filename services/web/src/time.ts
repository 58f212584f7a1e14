/** The browser's IANA zone (the editor's default). */
export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Every IANA zone the browser knows, the browser's first; UTC included. */
export function allZones(): string[] {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const set = new Set(['UTC', ...zones]);
  const mine = browserZone();
  set.delete(mine);
  return [mine, ...[...set].sort()];
}

/** The region of a zone ('America/New_York' -> 'America'; 'UTC' -> 'Other'). */
export function regionOf(zone: string): string {
  const slash = zone.indexOf('/');
  return slash > 0 ? zone.slice(0, slash) : 'Other';
}

/** The offset of an ISO 8601 text with one ('2027-03-14T09:00:00-04:00' -> '-04:00'). */
export function offsetOf(local: string): string {
  const match = /([+-]\d{2}:\d{2})(:\d{2})?$/.exec(local);
  return match ? match[1] : 'Z';
}

/** '2027-03-14T09:00:00-04:00' -> wall-clock parts as written (no conversion). */
export function wallClockOf(local: string): { date: string; time: string } {
  return { date: local.slice(0, 10), time: local.slice(11, 16) };
}

/** The zone's short name at an instant ('EDT', 'GMT+1'). */
export function zoneAbbreviation(instant: string | Date, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' }).formatToParts(new Date(instant));
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? zone;
}

/** An instant in a zone, in the browser's locale, with the zone's short name: 'Mar 14, 2027, 09:00 EDT'. */
export function formatInZone(instant: string | Date, zone: string): string {
  return new Intl.DateTimeFormat(undefined, {
    timeZone: zone,
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(instant));
}

/** A date only ('2027-03-31'), in the browser's locale. */
export function formatDate(instant: string | Date): string {
  return new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' }).format(new Date(instant));
}
