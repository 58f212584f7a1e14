import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, fieldErrors, unwrap, useApi, type Schedule, type ScheduleCreate, type ScheduleUpdate } from '../api';
import { browserZone } from '../time';
import { ErrorBox } from './ListState';
import { LivePreview } from './Preview';
import { TimeZonePicker } from './TimeZonePicker';

export const SCHEDULE_TYPES = ['once', 'daily', 'weekly', 'monthly', 'cron'] as const;
export type ScheduleType = (typeof SCHEDULE_TYPES)[number];
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

export interface EditorState {
  name: string;
  type: ScheduleType;
  date: string;
  time: string;
  weekdays: string[];
  monthDays: number[];
  lastDay: boolean;
  cron: string;
  timezone: string;
  campaignId: string;
  templateId: string;
  endDate: string;
  maxRuns: string;
  targetUrl: string;
}

function tomorrow(): string {
  const d = new Date(Date.now() + 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function initialState(overrides: Partial<EditorState> = {}): EditorState {
  return {
    name: '',
    type: 'daily',
    date: tomorrow(),
    time: '09:00',
    weekdays: [],
    monthDays: [],
    lastDay: false,
    cron: '0 9 * * 1-5',
    timezone: browserZone(),
    campaignId: '',
    templateId: '',
    endDate: '',
    maxRuns: '',
    targetUrl: '',
    ...overrides,
  };
}

/** The create body of the form: wall-clock `scheduled_at` in the chosen zone, the type's pattern. */
export function bodyOf(state: EditorState): ScheduleCreate {
  const body: ScheduleCreate = { name: state.name, schedule_type: state.type, timezone: state.timezone };
  if (state.type !== 'cron' || state.date) body.scheduled_at = state.date ? `${state.date}T${state.time || '00:00'}:00` : null;
  if (state.type === 'weekly' && state.weekdays.length) body.recurrence_pattern = `weekly:${state.weekdays.join(',')}`;
  if (state.type === 'monthly' && (state.monthDays.length || state.lastDay))
    body.recurrence_pattern = `monthly:${[...[...state.monthDays].sort((a, b) => a - b).map(String), ...(state.lastDay ? ['last'] : [])].join(',')}`;
  if (state.type === 'cron') body.recurrence_pattern = state.cron;
  if (state.type !== 'once' && state.endDate) body.recurrence_end_date = `${state.endDate}T23:59:59`;
  if (state.type !== 'once' && state.maxRuns) body.max_runs = Number(state.maxRuns);
  if (state.campaignId) body.campaign_id = state.campaignId;
  if (state.templateId) body.template_id = state.templateId;
  // `job_config` carries other keys (`target_url`) into the Job as sent; its schema names only the generation settings.
  if (state.targetUrl) body.job_config = { target_url: state.targetUrl } as ScheduleCreate['job_config'];
  return body;
}

/** An instant's wall-clock date and time in a zone ('2027-03-14', '09:00'). */
export function wallClockIn(instant: string, zone: string): { date: string; time: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** The form's state of a stored schedule: its start and end as wall-clock in its zone, its pattern as toggles. */
export function stateOf(schedule: Schedule): EditorState {
  const zone = schedule.timezone || 'UTC';
  const start = wallClockIn(schedule.scheduled_at, zone);
  const pattern = schedule.recurrence_pattern ?? '';
  const type: ScheduleType = schedule.schedule_type;
  const monthly = type === 'monthly' && pattern.startsWith('monthly:') ? pattern.slice(8).split(',') : [];
  const targetUrl = (schedule.job_config as Record<string, unknown> | undefined)?.target_url;
  return {
    name: schedule.name,
    type,
    date: start.date,
    time: start.time,
    weekdays: type === 'weekly' && pattern.startsWith('weekly:') ? WEEKDAYS.filter((d) => pattern.slice(7).split(',').includes(d)) : [],
    monthDays: monthly.filter((d) => /^\d+$/.test(d)).map(Number),
    lastDay: monthly.includes('last'),
    cron: type === 'cron' ? pattern : '0 9 * * 1-5',
    timezone: zone,
    campaignId: schedule.campaign_id ?? '',
    templateId: schedule.template_id ?? '',
    endDate: schedule.recurrence_end_date ? wallClockIn(schedule.recurrence_end_date, zone).date : '',
    maxRuns: schedule.max_runs ? String(schedule.max_runs) : '',
    targetUrl: typeof targetUrl === 'string' ? targetUrl : '',
  };
}

/**
 * The `PUT` body of an edit: only what differs from the stored schedule (a partial update; an
 * unchanged start in the past is not re-sent, so it is not refused as "in the past"). A cleared
 * optional field is sent as `null`; a new zone re-sends the start (and end), read in that zone.
 */
export function updateOf(before: EditorState, after: EditorState, jobConfig: Record<string, unknown> = {}): ScheduleUpdate {
  const full = (state: EditorState): Record<string, unknown> => {
    const body = bodyOf(state) as Record<string, unknown>;
    return {
      name: body.name,
      schedule_type: body.schedule_type,
      timezone: body.timezone,
      scheduled_at: body.scheduled_at ?? null,
      recurrence_pattern: body.recurrence_pattern ?? null,
      recurrence_end_date: body.recurrence_end_date ?? null,
      max_runs: body.max_runs ?? null,
      campaign_id: body.campaign_id ?? null,
      template_id: body.template_id ?? null,
    };
  };
  const was = full(before);
  const now = full(after);
  const update: Record<string, unknown> = {};
  for (const key of Object.keys(now)) if (JSON.stringify(was[key]) !== JSON.stringify(now[key])) update[key] = now[key];
  if ('timezone' in update) {
    if (now.scheduled_at !== null) update.scheduled_at = now.scheduled_at;
    if (now.recurrence_end_date !== null) update.recurrence_end_date = now.recurrence_end_date;
  }
  // A cron schedule's start is optional: left blank means "unchanged" in an edit.
  if (after.type === 'cron' && update.scheduled_at === null) delete update.scheduled_at;
  if (before.targetUrl !== after.targetUrl) {
    const { target_url: _old, ...rest } = jobConfig;
    update.job_config = after.targetUrl ? { ...rest, target_url: after.targetUrl } : rest;
  }
  return update;
}

/** The messages of `errors[]` for a field, under its control. */
function FieldMessages({ id, messages }: { id: string; messages?: string[] }) {
  if (!messages?.length) return null;
  return (
    <p className="field-error" id={id}>
      {messages.join('; ')}
    </p>
  );
}

function Field({
  label,
  id,
  error,
  errorId,
  children,
}: {
  label: string;
  id: string;
  error?: string[];
  errorId?: string;
  children: ReactNode;
}) {
  return (
    <div className={error?.length ? 'field has-error' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children}
      <FieldMessages id={errorId ?? `${id}-error`} messages={error} />
    </div>
  );
}

/** Fields that the form shows; other fields of `errors[]` are listed above the form. */
const FORM_FIELDS = [
  'name',
  'schedule_type',
  'scheduled_at',
  'recurrence_pattern',
  'recurrence_end_date',
  'timezone',
  'max_runs',
  'campaign_id',
  'template_id',
  'job_config.target_url',
];

/** A stored schedule opened in the editor, with the `ETag` it was read with. */
export interface Editing {
  schedule: Schedule;
  etag: string | null;
}

/**
 * The schedule editor: one form whose fields change with the type, a time-zone picker, the live
 * preview beside it, and the API's 422 `errors[]` under their fields. Without `editing` it
 * creates (`POST`); with it, it changes that schedule (`PUT` with `If-Match`: a `412` says someone
 * else changed it and offers to reload).
 */
export function ScheduleEditor({
  onCreated,
  onSaved,
  onReload,
  initial,
  editing,
}: {
  onCreated?: (schedule: Schedule) => void;
  onSaved?: (schedule: Schedule) => void;
  /** Asked by the 412 notice: read the schedule again (the editor then shows what is stored). */
  onReload?: () => void;
  initial?: Partial<EditorState>;
  editing?: Editing;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const id = useId();
  const stored = useMemo(() => (editing ? stateOf(editing.schedule) : null), [editing]);
  const [state, setState] = useState<EditorState>(() => stored ?? initialState(initial));
  const set = <K extends keyof EditorState>(key: K, value: EditorState[K]) => setState((s) => ({ ...s, [key]: value }));
  const campaigns = useQuery({
    queryKey: ['campaigns', 'options'],
    queryFn: () => unwrap(api.GET('/api/v1/campaigns', { params: { query: { limit: 100 } } })),
  });
  const templates = useQuery({
    queryKey: ['templates', 'options'],
    queryFn: () => unwrap(api.GET('/api/v1/templates', { params: { query: { limit: 100 } } })),
  });
  const create = useMutation({
    mutationFn: (): Promise<Schedule> =>
      editing && stored
        ? unwrap(
            api.PUT('/api/v1/schedule/{id}', {
              params: { path: { id: editing.schedule.id } },
              body: updateOf(stored, state, editing.schedule.job_config as Record<string, unknown>),
              headers: editing.etag ? { 'If-Match': editing.etag } : {},
            }),
          )
        : unwrap(api.POST('/api/v1/schedule', { body: bodyOf(state) })),
    onSuccess: async (schedule) => {
      // The lists, the calendar and the campaigns' stats (schedule counts, upcoming runs) change.
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ['schedules'] }),
        queryClient.invalidateQueries({ queryKey: ['schedule'] }),
        queryClient.invalidateQueries({ queryKey: ['campaigns'] }),
        queryClient.invalidateQueries({ queryKey: ['calendar'] }),
      ]);
      if (editing) onSaved?.(schedule);
      else onCreated?.(schedule);
    },
  });
  const stale = create.error instanceof ApiError && create.error.status === 412;
  const errors = fieldErrors(create.error);
  const other = Object.entries(errors).filter(([field]) => !FORM_FIELDS.includes(field));
  const previewBody = useMemo(() => {
    if (state.type !== 'cron' && !state.date) return null;
    return bodyOf({ ...state, name: state.name.trim() || 'Preview' });
  }, [state]);
  const err = (field: string) => errors[field];
  const described = (field: string) => (errors[field] ? `${id}-${field}-error` : undefined);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const toggleWeekday = (day: string) =>
    set(
      'weekdays',
      state.weekdays.includes(day)
        ? state.weekdays.filter((d) => d !== day)
        : WEEKDAYS.filter((d) => d === day || state.weekdays.includes(d)),
    );
  const toggleMonthDay = (day: number) =>
    set('monthDays', state.monthDays.includes(day) ? state.monthDays.filter((d) => d !== day) : [...state.monthDays, day]);

  return (
    <div className="editor">
      <form onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
        <h2 id={`${id}-title`}>{editing ? `Edit “${editing.schedule.name}”` : 'New schedule'}</h2>
        {stale ? (
          <div className="error-box" role="alert">
            <strong>Someone else changed this schedule since you opened it.</strong>
            <p>Your changes were not saved. Reload to see the stored schedule, then make your changes again.</p>
            <button type="button" onClick={onReload}>
              Reload the schedule
            </button>
          </div>
        ) : create.error && !Object.keys(errors).length ? (
          <ErrorBox error={create.error} />
        ) : null}
        {Object.keys(errors).length > 0 && (
          <div className="error-box" role="alert">
            <strong>The schedule was not saved: fix the fields marked below.</strong>
            {other.length > 0 && (
              <ul>
                {other.map(([field, messages]) => (
                  <li key={field}>
                    {field}: {messages.join('; ')}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        <Field label="Name" id={`${id}-name`} error={err('name')} errorId={described('name')}>
          <input
            id={`${id}-name`}
            name="name"
            value={state.name}
            onChange={(e) => set('name', e.target.value)}
            aria-invalid={!!err('name')}
            aria-describedby={described('name')}
          />
        </Field>
        <Field label="Repeats" id={`${id}-type`} error={err('schedule_type')} errorId={described('schedule_type')}>
          <select
            id={`${id}-type`}
            name="schedule_type"
            value={state.type}
            onChange={(e) => set('type', e.target.value as ScheduleType)}
            aria-describedby={described('schedule_type')}
          >
            <option value="once">Once</option>
            <option value="daily">Every day</option>
            <option value="weekly">Every week</option>
            <option value="monthly">Every month</option>
            <option value="cron">Custom (cron)</option>
          </select>
        </Field>
        <div className="row">
          <Field
            label={state.type === 'once' ? 'Date' : state.type === 'cron' ? 'Starts on (optional)' : 'Starts on'}
            id={`${id}-date`}
            error={err('scheduled_at')}
            errorId={described('scheduled_at')}
          >
            <input
              id={`${id}-date`}
              name="date"
              type="date"
              value={state.date}
              onChange={(e) => set('date', e.target.value)}
              aria-invalid={!!err('scheduled_at')}
              aria-describedby={described('scheduled_at')}
            />
          </Field>
          {state.type !== 'cron' && (
            <Field label="Time" id={`${id}-time`}>
              <input id={`${id}-time`} name="time" type="time" value={state.time} onChange={(e) => set('time', e.target.value)} />
            </Field>
          )}
        </div>
        {state.type === 'weekly' && (
          <fieldset className="chips" aria-describedby={described('recurrence_pattern')}>
            <legend>On these days</legend>
            {WEEKDAYS.map((day) => (
              <label key={day} className="chip">
                <input
                  type="checkbox"
                  name="weekday"
                  value={day}
                  checked={state.weekdays.includes(day)}
                  onChange={() => toggleWeekday(day)}
                />
                {day.slice(0, 1).toUpperCase() + day.slice(1, 3)}
              </label>
            ))}
            <p className="muted">None ticked: the weekday of the start date.</p>
            <FieldMessages id={`${id}-recurrence_pattern-error`} messages={err('recurrence_pattern')} />
          </fieldset>
        )}
        {state.type === 'monthly' && (
          <fieldset className="chips" aria-describedby={described('recurrence_pattern')}>
            <legend>On these days of the month</legend>
            {Array.from({ length: 31 }, (_, i) => i + 1).map((day) => (
              <label key={day} className="chip">
                <input
                  type="checkbox"
                  name="month_day"
                  value={day}
                  checked={state.monthDays.includes(day)}
                  onChange={() => toggleMonthDay(day)}
                />
                {day}
              </label>
            ))}
            <label className="chip">
              <input type="checkbox" name="last_day" checked={state.lastDay} onChange={(e) => set('lastDay', e.target.checked)} />
              Last day
            </label>
            <p className="muted">None ticked: the day of the start date. Days past a month's end run on its last day.</p>
            <FieldMessages id={`${id}-recurrence_pattern-error`} messages={err('recurrence_pattern')} />
          </fieldset>
        )}
        {state.type === 'cron' && (
          <Field
            label="Cron expression (minute hour day month weekday)"
            id={`${id}-cron`}
            error={err('recurrence_pattern')}
            errorId={described('recurrence_pattern')}
          >
            <input
              id={`${id}-cron`}
              name="cron"
              value={state.cron}
              onChange={(e) => set('cron', e.target.value)}
              aria-invalid={!!err('recurrence_pattern')}
              aria-describedby={described('recurrence_pattern')}
              spellCheck={false}
            />
          </Field>
        )}
        <TimeZonePicker value={state.timezone} onChange={(zone) => set('timezone', zone)} errorId={described('timezone')} />
        <FieldMessages id={`${id}-timezone-error`} messages={err('timezone')} />
        {state.type !== 'once' && (
          <div className="row">
            <Field
              label="Ends on (optional)"
              id={`${id}-end`}
              error={err('recurrence_end_date')}
              errorId={described('recurrence_end_date')}
            >
              <input
                id={`${id}-end`}
                name="end_date"
                type="date"
                value={state.endDate}
                onChange={(e) => set('endDate', e.target.value)}
                aria-describedby={described('recurrence_end_date')}
              />
            </Field>
            <Field label="At most this many runs (optional)" id={`${id}-max`} error={err('max_runs')} errorId={described('max_runs')}>
              <input
                id={`${id}-max`}
                name="max_runs"
                type="number"
                min={1}
                value={state.maxRuns}
                onChange={(e) => set('maxRuns', e.target.value)}
                aria-describedby={described('max_runs')}
              />
            </Field>
          </div>
        )}
        <Field label="Campaign" id={`${id}-campaign`} error={err('campaign_id')} errorId={described('campaign_id')}>
          <select
            id={`${id}-campaign`}
            name="campaign_id"
            value={state.campaignId}
            onChange={(e) => set('campaignId', e.target.value)}
            aria-describedby={described('campaign_id')}
          >
            <option value="">No campaign</option>
            {(campaigns.data ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Template" id={`${id}-template`} error={err('template_id')} errorId={described('template_id')}>
          <select
            id={`${id}-template`}
            name="template_id"
            value={state.templateId}
            onChange={(e) => set('templateId', e.target.value)}
            aria-describedby={described('template_id')}
          >
            <option value="">No template</option>
            {(templates.data ?? []).map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </Field>
        <Field
          label="Target URL of the Jobs (optional)"
          id={`${id}-target`}
          error={err('job_config.target_url')}
          errorId={described('job_config.target_url')}
        >
          <input
            id={`${id}-target`}
            name="target_url"
            type="url"
            value={state.targetUrl}
            onChange={(e) => set('targetUrl', e.target.value)}
            aria-describedby={described('job_config.target_url')}
          />
        </Field>
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? 'Saving…' : editing ? 'Save changes' : 'Create schedule'}
        </button>
      </form>
      <LivePreview body={previewBody} />
    </div>
  );
}
