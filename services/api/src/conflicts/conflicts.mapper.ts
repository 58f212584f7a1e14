import { CONFLICT_SCOPES } from '@scheduler/entities';
import { Closed, Instant, Nullable, OneOf, Type, Uuid, named, type Static } from '../openapi/schema';
import type { ConflictSettings, ConflictWindow } from './windows';

const windowFields = {
  window_start: Instant('The first planned run of the window (a window starts at a run).'),
  window_end: Instant('The end of the window (exclusive): the last overfull window start plus the window length.'),
  publisher_domain: Nullable(Type.String({ description: 'The publisher domain counted (lower case); `null` with scope `all`.' })),
  count: Type.Integer({ minimum: 2, description: 'Planned runs in the window.' }),
  max_per_window: Type.Integer({ minimum: 1, description: 'The most one window takes (the settings).' }),
};

export const ConflictWindowResponse = named(
  'ConflictWindow',
  Closed({
    ...windowFields,
    occurrences: Type.Array(Closed({ schedule_id: Uuid(), at: Instant() }), { description: 'The runs in the window, soonest first.' }),
  }),
);
export type ConflictWindowResponse = Static<typeof ConflictWindowResponse>;

export const ConflictsResponse = named(
  'Conflicts',
  Closed({
    from: Instant(),
    to: Instant(),
    window_minutes: Type.Integer({ minimum: 1 }),
    max_per_window: Type.Integer({ minimum: 1 }),
    scope: OneOf(CONFLICT_SCOPES),
    conflicts: Type.Array(ConflictWindowResponse),
    truncated: Type.Boolean({ description: 'True when more windows were found than one response lists (the first ones are).' }),
  }),
);
export type ConflictsResponse = Static<typeof ConflictsResponse>;

/** A warning of a schedule write (create, update, an import row): the write succeeded, but a window is overfull. */
export const ConflictWarning = named(
  'ConflictWarning',
  Closed({
    code: Type.Literal('conflict'),
    message: Type.String(),
    ...windowFields,
  }),
);
export type ConflictWarning = Static<typeof ConflictWarning>;

export const Warnings = () =>
  Type.Array(ConflictWarning, {
    description: "Overfull conflict windows the schedule's runs of the next 30 days fall in (soonest first, at most 10); empty when none.",
  });

export function conflictWindowResponse(w: ConflictWindow, settings: ConflictSettings): ConflictWindowResponse {
  return {
    window_start: new Date(w.start).toISOString(),
    window_end: new Date(w.end).toISOString(),
    publisher_domain: w.publisherDomain,
    count: w.occurrences.length,
    max_per_window: settings.maxPerWindow,
    occurrences: w.occurrences.map((o) => ({ schedule_id: o.scheduleId, at: new Date(o.at).toISOString() })),
  };
}

export function conflictWarning(w: ConflictWindow, settings: ConflictSettings): ConflictWarning {
  const count = w.occurrences.length;
  const who = w.publisherDomain ? `for ${w.publisherDomain}` : 'in the workspace';
  return {
    code: 'conflict',
    message: `${count} runs ${who} between ${new Date(w.start).toISOString()} and ${new Date(w.end).toISOString()}: more than ${settings.maxPerWindow} in ${settings.windowMinutes} minutes`,
    window_start: new Date(w.start).toISOString(),
    window_end: new Date(w.end).toISOString(),
    publisher_domain: w.publisherDomain,
    count,
    max_per_window: settings.maxPerWindow,
  };
}
