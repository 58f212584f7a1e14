import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { fieldErrors, unwrap, useApi, type Job, type Template } from '../api';
import { ErrorBox, ListState } from '../components/ListState';

/** Favourites first, then the most used. */
export function libraryOrder(templates: Template[]): Template[] {
  return [...templates].sort(
    (a, b) => Number(b.is_favorite) - Number(a.is_favorite) || b.use_count - a.use_count || a.name.localeCompare(b.name),
  );
}

function UseTemplate({ template, onClose }: { template: Template; onClose: () => void }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [targetUrl, setTargetUrl] = useState('');
  const [anchorText, setAnchorText] = useState('');
  const [keywords, setKeywords] = useState('');
  const [publisher, setPublisher] = useState('');
  const [notes, setNotes] = useState('');
  const use = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/templates/{id}/use', {
          params: { path: { id: template.id } },
          body: {
            ...(targetUrl ? { target_url: targetUrl } : {}),
            ...(anchorText ? { anchor_text: anchorText } : {}),
            ...(publisher.trim() ? { publisher_domain: publisher.trim() } : {}),
            ...(notes.trim() ? { notes } : {}),
            ...(keywords.trim()
              ? {
                  keywords: keywords
                    .split(',')
                    .map((k) => k.trim())
                    .filter(Boolean),
                }
              : {}),
          },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['templates'] }),
  });
  const errors = fieldErrors(use.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    use.mutate();
  };
  const job: Job | undefined = use.data;
  return (
    <form className="panel" onSubmit={submit} noValidate aria-label={`Use ${template.name}`}>
      <h3>Use “{template.name}”</h3>
      <div className="field">
        <label htmlFor={`use-url-${template.id}`}>Target URL</label>
        <input id={`use-url-${template.id}`} type="url" value={targetUrl} onChange={(e) => setTargetUrl(e.target.value)} />
        {errors.target_url && <p className="field-error">{errors.target_url.join('; ')}</p>}
      </div>
      <div className="field">
        <label htmlFor={`use-anchor-${template.id}`}>Anchor text</label>
        <input id={`use-anchor-${template.id}`} value={anchorText} onChange={(e) => setAnchorText(e.target.value)} />
        {errors.anchor_text && <p className="field-error">{errors.anchor_text.join('; ')}</p>}
      </div>
      <div className="field">
        <label htmlFor={`use-keywords-${template.id}`}>Keywords (comma-separated)</label>
        <input id={`use-keywords-${template.id}`} value={keywords} onChange={(e) => setKeywords(e.target.value)} />
        {errors.keywords && <p className="field-error">{errors.keywords.join('; ')}</p>}
      </div>
      <div className="field">
        <label htmlFor={`use-publisher-${template.id}`}>Publisher (instead of {template.publisher_domain ?? 'none'})</label>
        <input
          id={`use-publisher-${template.id}`}
          value={publisher}
          placeholder={template.publisher_domain ?? 'forbes.com'}
          onChange={(e) => setPublisher(e.target.value)}
        />
        {errors.publisher_domain && <p className="field-error">{errors.publisher_domain.join('; ')}</p>}
      </div>
      <div className="field">
        <label htmlFor={`use-notes-${template.id}`}>Notes for this Job</label>
        <textarea id={`use-notes-${template.id}`} value={notes} onChange={(e) => setNotes(e.target.value)} rows={2} />
        {errors.notes && <p className="field-error">{errors.notes.join('; ')}</p>}
      </div>
      <button type="submit" className="primary" disabled={use.isPending}>
        Create Job
      </button>{' '}
      <button type="button" onClick={onClose}>
        Close
      </button>
      {use.error && !Object.keys(errors).length ? <ErrorBox error={use.error} /> : null}
      {job && (
        <p role="status" className="success">
          Created Job <code>{job.id}</code> ({job.status}) — see <Link to="/jobs">Jobs</Link>.
        </p>
      )}
    </form>
  );
}

export function TemplatesPage() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [using, setUsing] = useState<string | null>(null);
  const templates = useQuery({
    queryKey: ['templates', 'list'],
    queryFn: () => unwrap(api.GET('/api/v1/templates', { params: { query: { limit: 100 } } })),
  });
  const favorite = useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/v1/templates/{id}/favorite', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['templates'] }),
  });
  // Share = list it in the public library; private takes it out again (its copies stay).
  const share = useMutation({
    mutationFn: ({ id, visibility }: { id: string; visibility: 'public' | 'private' }) =>
      unwrap(api.PUT('/api/v1/templates/{id}', { params: { path: { id } }, body: { visibility } })),
    onSuccess: () =>
      Promise.all([queryClient.invalidateQueries({ queryKey: ['templates'] }), queryClient.invalidateQueries({ queryKey: ['library'] })]),
  });
  return (
    <>
      <h1>Templates</h1>
      <p>
        <Link to="/templates/library">Browse the public template library</Link> to copy what other workspaces shared.
      </p>
      {favorite.error ? <ErrorBox error={favorite.error} /> : null}
      {share.error ? <ErrorBox error={share.error} /> : null}
      <ListState query={templates} empty="No templates yet — create one through the API (POST /api/v1/templates), then use it here.">
        {(items) => (
          <ul className="rows">
            {libraryOrder(items).map((t) => (
              <li key={t.id}>
                <button
                  type="button"
                  className="icon"
                  aria-pressed={t.is_favorite}
                  aria-label={t.is_favorite ? `Unfavourite ${t.name}` : `Favourite ${t.name}`}
                  onClick={() => favorite.mutate(t.id)}
                >
                  {t.is_favorite ? '★' : '☆'}
                </button>{' '}
                <strong>{t.name}</strong>{' '}
                <span className="muted">
                  used {t.use_count} times{t.publisher_domain ? ` · ${t.publisher_domain}` : ''}
                  {t.visibility === 'public' ? ` · shared in the library, copied ${t.copy_count} times` : ''}
                </span>{' '}
                <button
                  type="button"
                  aria-pressed={t.visibility === 'public'}
                  // A toggle: the name stays, aria-pressed says whether it is shared.
                  aria-label={`Share ${t.name} in the library`}
                  disabled={share.isPending}
                  onClick={() => share.mutate({ id: t.id, visibility: t.visibility === 'public' ? 'private' : 'public' })}
                >
                  Share
                </button>{' '}
                <button type="button" onClick={() => setUsing(using === t.id ? null : t.id)} aria-expanded={using === t.id}>
                  Use
                </button>
                {using === t.id && <UseTemplate template={t} onClose={() => setUsing(null)} />}
              </li>
            ))}
          </ul>
        )}
      </ListState>
    </>
  );
}
