import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { unwrap, useApi, type Schema } from '../api';
import { ErrorBox, ListState } from '../components/ListState';

type LibraryTemplate = Schema<'LibraryTemplate'>;

const FAVOURITES_KEY = 'scheduler.library-favourites';

/**
 * Favourites of the public library, kept in this browser (localStorage): the API's `is_favorite`
 * belongs to a workspace's own templates, and a library item is another workspace's.
 */
export function readLibraryFavourites(storage: Storage = window.localStorage): Set<string> {
  try {
    const value = JSON.parse(storage.getItem(FAVOURITES_KEY) ?? '[]') as unknown;
    return new Set(Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  } catch {
    return new Set();
  }
}

function writeLibraryFavourites(ids: Set<string>, storage: Storage = window.localStorage) {
  storage.setItem(FAVOURITES_KEY, JSON.stringify([...ids]));
}

/** Favourites first; otherwise the API's order (most copied first). */
export function favouritesFirst(items: LibraryTemplate[], favourites: Set<string>): LibraryTemplate[] {
  return [...items].sort((a, b) => Number(favourites.has(b.id)) - Number(favourites.has(a.id)));
}

/** The public library of every workspace: search by text, tag, publisher; copy into mine; favourites. */
export function LibraryPage() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ q: '', tag: '', publisher: '' });
  const [search, setSearch] = useState({ q: '', tag: '', publisher: '' });
  const [favourites, setFavourites] = useState<Set<string>>(() => readLibraryFavourites());
  const [copied, setCopied] = useState<{ id: string; name: string } | null>(null);
  const library = useQuery({
    queryKey: ['library', search],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/library/templates', {
          params: {
            query: {
              limit: 100,
              ...(search.q.trim() ? { q: search.q.trim() } : {}),
              ...(search.tag.trim() ? { tag: search.tag.trim() } : {}),
              ...(search.publisher.trim() ? { publisher_domain: search.publisher.trim() } : {}),
            },
          },
        }),
      ),
  });
  const copy = useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/v1/library/templates/{id}/copy', { params: { path: { id } }, body: {} })),
    onSuccess: async (template) => {
      setCopied({ id: template.id, name: template.name });
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ['templates'] }),
        queryClient.invalidateQueries({ queryKey: ['library'] }),
      ]);
    },
  });
  const toggleFavourite = (id: string) => {
    const next = new Set(favourites);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    writeLibraryFavourites(next);
    setFavourites(next);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSearch(form);
  };
  return (
    <>
      <h1>Template library</h1>
      <p className="muted">
        Templates every workspace shared, most copied first. Copy one into <Link to="/templates">your templates</Link> to use it. Favourites
        (★) are kept in this browser.
      </p>
      <form className="inline-form" role="search" aria-label="Search the library" onSubmit={submit}>
        <div className="field">
          <label htmlFor="library-q">Text</label>
          <input id="library-q" type="search" value={form.q} onChange={(e) => setForm({ ...form, q: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="library-tag">Tag</label>
          <input id="library-tag" value={form.tag} onChange={(e) => setForm({ ...form, tag: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="library-publisher">Publisher</label>
          <input
            id="library-publisher"
            value={form.publisher}
            placeholder="forbes.com"
            onChange={(e) => setForm({ ...form, publisher: e.target.value })}
          />
        </div>
        <button type="submit">Search</button>
      </form>
      {copied && (
        <p className="success" role="status">
          Copied into your templates as <strong>{copied.name}</strong> — <Link to="/templates">use it there</Link>.
        </p>
      )}
      {copy.error ? <ErrorBox error={copy.error} /> : null}
      <ListState query={library} empty="No shared template matches — try another search, or share one of yours from Templates.">
        {(items) => (
          <ul className="rows" aria-label="Library templates">
            {favouritesFirst(items, favourites).map((t) => (
              <li key={t.id}>
                <button
                  type="button"
                  className="icon"
                  aria-pressed={favourites.has(t.id)}
                  aria-label={favourites.has(t.id) ? `Unfavourite ${t.name}` : `Favourite ${t.name}`}
                  onClick={() => toggleFavourite(t.id)}
                >
                  {favourites.has(t.id) ? '★' : '☆'}
                </button>{' '}
                <strong>{t.name}</strong>{' '}
                <span className="muted">
                  copied {t.copy_count} {t.copy_count === 1 ? 'time' : 'times'}
                  {t.publisher_domain ? ` · ${t.publisher_domain}` : ''}
                  {t.tags.length ? ` · ${t.tags.map((tag) => `#${tag}`).join(' ')}` : ''}
                </span>{' '}
                <button
                  type="button"
                  onClick={() => copy.mutate(t.id)}
                  disabled={copy.isPending}
                  aria-label={`Copy ${t.name} to my templates`}
                >
                  Copy
                </button>
                {t.description ? <p className="muted">{t.description}</p> : null}
              </li>
            ))}
          </ul>
        )}
      </ListState>
    </>
  );
}
