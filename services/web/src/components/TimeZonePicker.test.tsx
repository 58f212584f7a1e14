import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { TimeZonePicker } from './TimeZonePicker';
import { allZones, browserZone } from '../time';

function Harness() {
  const [zone, setZone] = useState(browserZone());
  return <TimeZonePicker value={zone} onChange={setZone} zones={['Europe/Paris', 'America/New_York', 'America/Los_Angeles', 'UTC']} />;
}

describe('TimeZonePicker', () => {
  it("lists the browser's zone first, then every IANA zone", () => {
    const zones = allZones();
    expect(zones[0]).toBe(browserZone());
    expect(zones).toContain('America/New_York');
    expect(zones.length).toBeGreaterThan(300);
  });

  it('filters by search, grouped by region, and picks a zone', async () => {
    const user = userEvent.setup();
    render(<Harness />);
    const select = screen.getByLabelText(/^Zone/);
    await user.type(screen.getByLabelText('Search time zones'), 'new york');
    const options = within(select).getAllByRole('option');
    expect(options.map((o) => o.textContent)).toContain('America/New York');
    expect(options.map((o) => o.textContent)).not.toContain('America/Los Angeles');
    expect(select.querySelector('optgroup[label="America"]')).toBeTruthy();
    await user.selectOptions(select, 'America/New_York');
    expect(screen.getByText('America/New_York', { selector: 'strong' })).toBeTruthy();
  });
});
