import { useId, useMemo, useState } from 'react';
import { allZones, regionOf } from '../time';

/**
 * A searchable IANA time-zone picker: type to filter, pick from the list grouped by region, the
 * browser's zone first.
 */
export function TimeZonePicker({
  value,
  onChange,
  zones = allZones(),
  errorId,
}: {
  value: string;
  onChange: (zone: string) => void;
  zones?: string[];
  errorId?: string;
}) {
  const id = useId();
  const [search, setSearch] = useState('');
  const groups = useMemo(() => {
    const needle = search.trim().toLowerCase().replace(/\s+/g, '_');
    const shown = zones.filter((z) => !needle || z.toLowerCase().includes(needle));
    const first = zones[0];
    const out = new Map<string, string[]>();
    if (shown.includes(first)) out.set('Your time zone', [first]);
    for (const zone of shown) {
      if (zone === first) continue;
      const region = regionOf(zone);
      out.set(region, [...(out.get(region) ?? []), zone]);
    }
    return out;
  }, [zones, search]);
  const count = [...groups.values()].reduce((n, g) => n + g.length, 0);
  return (
    <fieldset className="tz-picker">
      <legend>Time zone</legend>
      <label htmlFor={`${id}-search`}>Search time zones</label>
      <input
        id={`${id}-search`}
        type="search"
        value={search}
        placeholder="e.g. New York"
        onChange={(e) => setSearch(e.target.value)}
        aria-controls={`${id}-zone`}
      />
      <label htmlFor={`${id}-zone`}>
        Zone <span className="muted">({count} shown)</span>
      </label>
      <select
        id={`${id}-zone`}
        name="timezone"
        size={6}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby={errorId}
        aria-invalid={errorId ? true : undefined}
      >
        {!zones.includes(value) && <option value={value}>{value}</option>}
        {[...groups.entries()].map(([region, list]) => (
          <optgroup key={region} label={region}>
            {list.map((zone) => (
              <option key={zone} value={zone}>
                {zone.replace(/_/g, ' ')}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      <p className="muted">
        Selected: <strong>{value}</strong>
      </p>
    </fieldset>
  );
}
