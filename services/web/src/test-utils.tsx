import { createClient } from '@scheduler/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router-dom';
import { ApiProvider } from './api';

export interface Call {
  method: string;
  path: string;
  query: string;
  body: unknown;
  /** Request headers, lower-case names. */
  headers: Record<string, string>;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

type Answer = Reply | ((call: Call) => Reply);

/**
 * Renders `ui` with a real typed client whose fetch answers from `routes` ('POST /api/v1/schedule'
 * -> answer) and records every call. An unrouted call answers 404 problem+json.
 */
export function renderWithApi(ui: ReactElement, routes: Record<string, Answer>, { at = '/' }: { at?: string } = {}) {
  const calls: Call[] = [];
  const fetch = async (input: RequestInfo | URL): Promise<Response> => {
    const request = input as Request;
    const url = new URL(request.url);
    const text = await request.text();
    let body: unknown;
    try {
      body = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      body = text;
    }
    const call = {
      method: request.method,
      path: url.pathname,
      query: url.search,
      body,
      headers: Object.fromEntries([...request.headers.entries()].map(([k, v]) => [k.toLowerCase(), v])),
    };
    calls.push(call);
    const answer = routes[`${call.method} ${call.path}`];
    const {
      status,
      body: answerBody,
      headers,
    } = typeof answer === 'function'
      ? answer(call)
      : (answer ?? { status: 404, body: { title: 'Not Found', status: 404, detail: `no route ${call.path}` } });
    if (status === 204) return new Response(null, { status });
    return new Response(JSON.stringify(answerBody), {
      status,
      headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
    });
  };
  const client = createClient({ baseUrl: 'http://localhost', token: 't', fetch });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const result = render(
    <ApiProvider client={client}>
      <QueryClientProvider client={queryClient}>
        <MemoryRouter initialEntries={[at]}>{ui}</MemoryRouter>
      </QueryClientProvider>
    </ApiProvider>,
  );
  return { ...result, calls };
}
