import type { ReactNode } from 'react';
import { ApiError } from '../api';

/** Loading skeleton, error (the problem's detail) or empty state; else the list. */
export function ListState<T>({
  query,
  empty,
  children,
}: {
  query: { isPending: boolean; error: unknown; data?: T[] };
  empty: ReactNode;
  children: (items: T[]) => ReactNode;
}) {
  if (query.isPending)
    return (
      <div className="skeleton" role="status" aria-live="polite">
        <span className="visually-hidden">Loading…</span>
        <div className="skeleton-row" />
        <div className="skeleton-row" />
        <div className="skeleton-row" />
      </div>
    );
  if (query.error) return <ErrorBox error={query.error} />;
  if (!query.data || query.data.length === 0) return <p className="empty">{empty}</p>;
  return <>{children(query.data)}</>;
}

export function ErrorBox({ error }: { error: unknown }) {
  const detail = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
  const title = error instanceof ApiError ? error.problem.title : 'Something went wrong';
  return (
    <div className="error-box" role="alert">
      <strong>{title}</strong>
      <p>{detail}</p>
    </div>
  );
}
