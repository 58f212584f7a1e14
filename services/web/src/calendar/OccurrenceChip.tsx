import { zoneAbbreviation } from '../time';
import { colorOf, STATES, type CalendarOccurrence } from './model';

/**
 * One occurrence: a chip in its campaign's colour with the state's icon and word, the schedule's
 * name and its local time in the schedule's zone. Paused and skipped are greyed. `compact` (the month
 * grid): the word shows on hover and focus (it is always in the accessible text and the tooltip).
 */
export function OccurrenceChip({ occurrence, compact = false }: { occurrence: CalendarOccurrence; compact?: boolean }) {
  const state = STATES[occurrence.state];
  const time = `${occurrence.local.slice(11, 16)} ${zoneAbbreviation(occurrence.at, occurrence.timezone)}`;
  const label = `${occurrence.schedule_name}, ${time}, ${state.word}${occurrence.reason ? ` (${occurrence.reason})` : ''}`;
  return (
    <span
      className={`occurrence occurrence-${occurrence.state}${state.muted ? ' occurrence-muted' : ''}${compact ? ' occurrence-compact' : ''}`}
      style={{ borderLeftColor: colorOf(occurrence) }}
      data-color={colorOf(occurrence)}
      title={label}
    >
      <span className="occurrence-state">
        <span aria-hidden="true">{state.icon}</span> <span className="occurrence-word">{state.word}</span>
      </span>{' '}
      <span className="occurrence-time">{time}</span> <span className="occurrence-name">{occurrence.schedule_name}</span>
    </span>
  );
}
