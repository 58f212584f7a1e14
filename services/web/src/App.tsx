import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { BrowserRouter, Link, NavLink, Route, Routes, useNavigate } from 'react-router-dom';
import { ApiProvider, apiFor } from './api';
import { clearToken, storedToken, storeToken, takeTokenFromUrl } from './auth';
import { BlackoutsPage } from './pages/Blackouts';
import { CampaignPage, CampaignsPage } from './pages/Campaigns';
import { FeedsPage } from './pages/Feeds';
import { ImportPage } from './pages/Import';
import { JobsPage, RunsPage } from './pages/Activity';
import { EditSchedulePage, NewSchedulePage, SchedulesPage } from './pages/Schedules';
import { SignIn } from './pages/SignIn';
import { LibraryPage } from './pages/Library';
import { TemplatesPage } from './pages/Templates';
import { WebhooksPage } from './pages/Webhooks';

/** The calendar (FullCalendar) is its own chunk: the other pages load without it. */
const CalendarPage = lazy(() => import('./pages/Calendar').then((m) => ({ default: m.CalendarPage })));
const CalendarHome = lazy(() => import('./pages/Calendar').then((m) => ({ default: m.CalendarHome })));

const NAV = [
  ['/calendar', 'Calendar'],
  ['/campaigns', 'Campaigns'],
  ['/schedules', 'Schedules'],
  ['/templates', 'Templates'],
  ['/templates/library', 'Library'],
  ['/jobs', 'Jobs'],
  ['/runs', 'Runs'],
  ['/blackouts', 'Blackouts'],
  ['/import', 'Import'],
  ['/settings/feeds', 'Feeds'],
  ['/settings/webhooks', 'Webhooks'],
] as const;

/** True when a key press belongs to a field (or carries a modifier): page shortcuts leave it alone. */
export function isTyping(e: KeyboardEvent): boolean {
  const target = e.target as HTMLElement | null;
  return e.altKey || e.ctrlKey || e.metaKey || !!target?.closest?.('input, select, textarea, [contenteditable="true"]');
}

/** `n` anywhere (not while typing in a field): a new schedule. */
export function GlobalShortcuts() {
  const navigate = useNavigate();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'n' || isTyping(e)) return;
      e.preventDefault();
      void navigate('/schedules/new');
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [navigate]);
  return null;
}

export function App() {
  const [token, setToken] = useState<string | null>(() => takeTokenFromUrl(window.location, window.history) ?? storedToken());
  const queryClient = useMemo(() => new QueryClient({ defaultOptions: { queries: { retry: 1, staleTime: 10_000 } } }), [token]);
  const api = useMemo(() => (token ? apiFor(token) : null), [token]);
  if (!token || !api)
    return (
      <SignIn
        onSignedIn={(t) => {
          storeToken(t);
          setToken(t);
        }}
      />
    );
  return (
    <ApiProvider client={api}>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter basename="/app">
          <GlobalShortcuts />
          <a className="skip-link" href="#main">
            Skip to content
          </a>
          <header className="top">
            <strong className="brand">Content Scheduler</strong>
            <nav aria-label="Main">
              {NAV.map(([to, label]) => (
                // Templates is not active on the library's page (its own entry).
                <NavLink key={to} to={to} end={to === '/templates'}>
                  {label}
                </NavLink>
              ))}
            </nav>
            <Link className="button primary" to="/schedules/new" aria-keyshortcuts="n" title="New schedule (n)">
              New schedule
            </Link>
            <button
              type="button"
              onClick={() => {
                clearToken();
                setToken(null);
              }}
            >
              Sign out
            </button>
          </header>
          <main id="main">
            <Suspense fallback={<p role="status">Loading…</p>}>
              <Routes>
                <Route path="/" element={<CalendarHome />} />
                <Route path="/calendar" element={<CalendarHome />} />
                <Route path="/calendar/:month" element={<CalendarPage />} />
                <Route path="/blackouts" element={<BlackoutsPage />} />
                <Route path="/import" element={<ImportPage />} />
                <Route path="/settings/feeds" element={<FeedsPage />} />
                <Route path="/campaigns" element={<CampaignsPage />} />
                <Route path="/campaigns/:id" element={<CampaignPage />} />
                <Route path="/schedules" element={<SchedulesPage />} />
                <Route path="/schedules/new" element={<NewSchedulePage />} />
                <Route path="/schedules/:id/edit" element={<EditSchedulePage />} />
                <Route path="/templates" element={<TemplatesPage />} />
                <Route path="/templates/library" element={<LibraryPage />} />
                <Route path="/settings/webhooks" element={<WebhooksPage />} />
                <Route path="/jobs" element={<JobsPage />} />
                <Route path="/runs" element={<RunsPage />} />
                <Route
                  path="*"
                  element={
                    <p>
                      No such page. <NavLink to="/calendar">Go to the calendar</NavLink>.
                    </p>
                  }
                />
              </Routes>
            </Suspense>
          </main>
        </BrowserRouter>
      </QueryClientProvider>
    </ApiProvider>
  );
}
