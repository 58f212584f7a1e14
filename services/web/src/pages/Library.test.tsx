import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Schema, Template } from '../api';
import { renderWithApi } from '../test-utils';
import { LibraryPage, readLibraryFavourites } from './Library';
import { TemplatesPage } from './Templates';

const A = '0a0a0a0a-0000-4000-8000-00000000000a';
const B = '0b0b0b0b-0000-4000-8000-00000000000b';

function libraryItem(id: string, name: string, copies: number): Schema<'LibraryTemplate'> {
  return {
    id,
    author_id: 'someone-else',
    name,
    description: null,
    publisher_domain: 'forbes.com',
    llm_provider: null,
    llm_model: null,
    writing_strategy: null,
    country: null,
    language: null,
    max_retries: 3,
    batch_size: 1,
    metadata: {},
    tags: ['finance'],
    copy_count: copies,
    created_at: '2026-11-01T10:00:00.000Z',
    updated_at: '2026-11-01T10:00:00.000Z',
  };
}

function template(overrides: Partial<Template> = {}): Template {
  return {
    id: A,
    user_id: 'me',
    campaign_id: null,
    name: 'My guest post',
    description: null,
    publisher_domain: 'example.com',
    llm_provider: null,
    llm_model: null,
    writing_strategy: null,
    country: null,
    language: null,
    max_retries: 3,
    batch_size: 1,
    metadata: {},
    tags: [],
    use_count: 2,
    is_favorite: false,
    visibility: 'private',
    copy_count: 0,
    copied_from: null,
    created_at: '2026-11-01T10:00:00.000Z',
    updated_at: '2026-11-01T10:00:00.000Z',
    last_used_at: null,
    ...overrides,
  };
}

const LIBRARY = [libraryItem(A, 'Finance listicle', 12), libraryItem(B, 'Tech review', 3)];

describe('the template library', () => {
  beforeEach(() => window.localStorage.clear());

  it('lists the most copied first, searches by text, tag and publisher', async () => {
    const user = userEvent.setup();
    const { calls } = renderWithApi(<LibraryPage />, { 'GET /api/v1/library/templates': { status: 200, body: LIBRARY } });
    const list = await screen.findByRole('list', { name: 'Library templates' });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((li) => li.querySelector('strong')?.textContent),
    ).toEqual(['Finance listicle', 'Tech review']);
    await user.type(screen.getByLabelText('Text'), 'review');
    await user.type(screen.getByLabelText('Tag'), 'finance');
    await user.type(screen.getByLabelText('Publisher'), 'forbes.com');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(calls.filter((c) => c.path === '/api/v1/library/templates')).toHaveLength(2));
    const query = new URLSearchParams(calls.at(-1)!.query);
    expect(Object.fromEntries(query)).toEqual({ limit: '100', q: 'review', tag: 'finance', publisher_domain: 'forbes.com' });
  });

  it('copies a template into my workspace and says where it went', async () => {
    const user = userEvent.setup();
    const { calls } = renderWithApi(<LibraryPage />, {
      'GET /api/v1/library/templates': { status: 200, body: LIBRARY },
      [`POST /api/v1/library/templates/${B}/copy`]: {
        status: 201,
        body: template({ id: 'c0c0c0c0-0000-4000-8000-00000000000c', name: 'Tech review', copied_from: B }),
      },
    });
    await user.click(await screen.findByRole('button', { name: 'Copy Tech review to my templates' }));
    const status = await screen.findByRole('status');
    expect(status.textContent).toContain('Copied into your templates as Tech review');
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual([`/api/v1/library/templates/${B}/copy`]);
  });

  it('keeps favourites in this browser and lists them first', async () => {
    const user = userEvent.setup();
    renderWithApi(<LibraryPage />, { 'GET /api/v1/library/templates': { status: 200, body: LIBRARY } });
    await user.click(await screen.findByRole('button', { name: 'Favourite Tech review' }));
    expect([...readLibraryFavourites()]).toEqual([B]);
    const list = screen.getByRole('list', { name: 'Library templates' });
    expect(within(list).getAllByRole('listitem')[0].textContent).toContain('Tech review');
    expect(screen.getByRole('button', { name: 'Unfavourite Tech review' }).getAttribute('aria-pressed')).toBe('true');
  });
});

describe('sharing my templates', () => {
  it('shares a private template (PUT visibility public) and stops sharing a public one', async () => {
    const user = userEvent.setup();
    let mine = [template(), template({ id: B, name: 'Shared one', visibility: 'public', copy_count: 4 })];
    const { calls } = renderWithApi(<TemplatesPage />, {
      'GET /api/v1/templates': () => ({ status: 200, body: mine }),
      [`PUT /api/v1/templates/${A}`]: (call) => {
        mine = mine.map((t) => (t.id === A ? { ...t, ...(call.body as Partial<Template>) } : t));
        return { status: 200, body: mine[0] };
      },
      [`PUT /api/v1/templates/${B}`]: (call) => ({ status: 200, body: { ...mine[1], ...(call.body as Partial<Template>) } }),
    });
    expect((await screen.findByText(/shared in the library, copied 4 times/)).textContent).toBeTruthy();
    const mineButton = screen.getByRole('button', { name: 'Share My guest post in the library' });
    expect(mineButton.getAttribute('aria-pressed')).toBe('false');
    expect(screen.getByRole('button', { name: 'Share Shared one in the library' }).getAttribute('aria-pressed')).toBe('true');
    await user.click(mineButton);
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Share My guest post in the library' }).getAttribute('aria-pressed')).toBe('true'),
    );
    await user.click(screen.getByRole('button', { name: 'Share Shared one in the library' }));
    const bodies = calls.filter((c) => c.method === 'PUT').map((c) => [c.path, c.body]);
    expect(bodies).toEqual([
      [`/api/v1/templates/${A}`, { visibility: 'public' }],
      [`/api/v1/templates/${B}`, { visibility: 'private' }],
    ]);
  });

  it('uses a template with overrides and shows the created Job', async () => {
    const user = userEvent.setup();
    const { calls } = renderWithApi(<TemplatesPage />, {
      'GET /api/v1/templates': { status: 200, body: [template()] },
      [`POST /api/v1/templates/${A}/use`]: { status: 201, body: { id: 'abcdef12-0000-4000-8000-000000000000', status: 'pending' } },
    });
    await user.click(await screen.findByRole('button', { name: 'Use' }));
    await user.type(screen.getByLabelText('Target URL'), 'https://shop.example.com/p');
    await user.type(screen.getByLabelText(/^Publisher/), 'wired.com');
    await user.type(screen.getByLabelText('Keywords (comma-separated)'), 'a, b');
    await user.click(screen.getByRole('button', { name: 'Create Job' }));
    await screen.findByText(/Created Job/);
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      target_url: 'https://shop.example.com/p',
      publisher_domain: 'wired.com',
      keywords: ['a', 'b'],
    });
  });
});
