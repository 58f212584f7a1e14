import { createClient } from '../src';

/** The typed client sends the bearer token and the typed query, and returns problem+json as `error`. */
describe('createClient', () => {
  it('sends the bearer token to the path and parses the answer', async () => {
    const seen: Request[] = [];
    const client = createClient({
      baseUrl: 'http://api.test',
      token: 'abc',
      fetch: (input: string | URL | Request) => {
        seen.push(input as Request);
        return Promise.resolve(new Response(JSON.stringify([]), { status: 200, headers: { 'content-type': 'application/json' } }));
      },
    });
    const { data, error } = await client.GET('/api/v1/campaigns', { params: { query: { limit: 5 } } });
    expect(error).toBeUndefined();
    expect(data).toEqual([]);
    expect(seen[0].url).toBe('http://api.test/api/v1/campaigns?limit=5');
    expect(seen[0].headers.get('authorization')).toBe('Bearer abc');
  });

  it('returns a problem+json body as error', async () => {
    const problem = { title: 'Unprocessable', status: 422, detail: 'bad', errors: [{ field: 'name', message: 'name is required' }] };
    const client = createClient({
      baseUrl: 'http://api.test',
      fetch: () =>
        Promise.resolve(new Response(JSON.stringify(problem), { status: 422, headers: { 'content-type': 'application/problem+json' } })),
    });
    const { data, error } = await client.POST('/api/v1/campaigns', { body: { name: '' } as never });
    expect(data).toBeUndefined();
    expect(error).toEqual(problem);
  });
});
