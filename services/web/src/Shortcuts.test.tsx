import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { GlobalShortcuts } from './App';

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <GlobalShortcuts />
      <Routes>
        <Route
          path="/runs"
          element={
            <label>
              Search <input />
            </label>
          }
        />
        <Route path="/schedules/new" element={<h1>New schedule page</h1>} />
      </Routes>
    </MemoryRouter>,
  );
}

describe('the n shortcut', () => {
  it('opens a new schedule from anywhere, but not while typing in a field', async () => {
    const user = userEvent.setup();
    renderAt('/runs');
    await user.click(screen.getByLabelText('Search'));
    await user.keyboard('n');
    expect(screen.getByLabelText<HTMLInputElement>('Search').value).toBe('n');
    expect(screen.queryByText('New schedule page')).toBeNull();
    (document.activeElement as HTMLElement).blur();
    await user.keyboard('{Control>}n{/Control}');
    expect(screen.queryByText('New schedule page')).toBeNull();
    await user.keyboard('n');
    expect(await screen.findByText('New schedule page')).toBeTruthy();
  });
});
