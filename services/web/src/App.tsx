import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useMemo, useState } from 'react';
import { BrowserRouter, NavLink, Route, Routes } from 'react-router-dom';
import { ApiProvider, apiFor } from './api';
import { clearToken, storedToken, storeToken, takeTokenFromUrl } from './auth';
import { BlackoutsPage } from './pages/Blackouts';
import { CampaignPage, CampaignsPage } from './pages/Campaigns';
import { FeedsPage } from './pages/Feeds';
import { ImportPage } from './pages/Import';
import { JobsPage, RunsPage } from './pages/Activity';
import { NewSchedulePage, SchedulesPage } from './pages/Schedules';
import { SignIn } from './pages/SignIn';
import { TemplatesPage } from './pages/Templates';

/** The calendar (FullCalendar) is its own chunk: the other pages load without it. */
const CalendarPage = lazy(() => import('./pages/Calendar').then((m) => ({ default: m.CalendarPage })));
const CalendarHome = lazy(() => import('./pages/Calendar').then((m) => ({ default: m.CalendarHome })));

const NAV = [
  ['/calendar', 'Calendar'],
  ['/campaigns', 'Campaigns'],
  ['/schedules', 'Schedules'],
  ['/templates', 'Templates'],
  ['/jobs', 'Jobs'],
  ['/runs', 'Runs'],
  ['/blackouts', 'Blackouts'],
  ['/import', 'Import'],
  ['/settings/feeds', 'Feeds'],
] as const;

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
          <a className="skip-link" href="#main">
            Skip to content
          </a>
          <header className="top">
            <strong className="brand">Content Scheduler</strong>
            <nav aria-label="Main">
              {NAV.map(([to, label]) => (
                <NavLink key={to} to={to}>
                  {label}
                </NavLink>
              ))}
            </nav>
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
                <Route path="/templates" element={<TemplatesPage />} />
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
