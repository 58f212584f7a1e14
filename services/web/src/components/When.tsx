import { browserZone, formatInZone } from '../time';

/** An instant in the schedule's zone with its offset; the viewer's zone on hover when it differs. */
export function When({ at, zone }: { at: string | null | undefined; zone: string }) {
  if (!at) return <span className="muted">—</span>;
  const viewer = browserZone();
  const title = viewer !== zone ? `${formatInZone(at, viewer)} (your time)` : undefined;
  return (
    <time dateTime={at} title={title}>
      {formatInZone(at, zone)}
    </time>
  );
}
