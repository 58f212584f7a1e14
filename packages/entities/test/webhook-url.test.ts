import { addressProblem, checkWebhookTarget, webhookUrlFormProblem, type HostResolver } from '../src/webhook-url';

/** A resolver that answers from a table (no real DNS): the tests decide what a name resolves to. */
const table =
  (answers: Record<string, string[]>): HostResolver =>
  (host) => {
    const addresses = answers[host];
    if (!addresses) return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
    return Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };

const resolver = table({
  'public.example': ['93.184.216.34'],
  'internal.example': ['10.1.2.3'],
  'mixed.example': ['93.184.216.34', '192.168.1.10'],
  'v6.example': ['2606:2800:220:1:248:1893:25c8:1946'],
  'mapped.example': ['::ffff:127.0.0.1'],
});

const check = (url: string, allowPrivate = false) => checkWebhookTarget(new URL(url), allowPrivate, resolver);

describe('the SSRF guard of webhook URLs', () => {
  it.each([
    ['loopback', 'http://127.0.0.1/hook'],
    ['loopback elsewhere in 127/8', 'http://127.8.9.10/'],
    ['IPv6 loopback', 'http://[::1]/'],
    ['RFC 1918 10/8', 'https://10.0.0.1/'],
    ['RFC 1918 172.16/12', 'https://172.16.5.4/'],
    ['RFC 1918 172.31', 'https://172.31.255.255/'],
    ['RFC 1918 192.168/16', 'https://192.168.0.10/'],
    ['cloud metadata (link-local)', 'http://169.254.169.254/latest/meta-data/'],
    ['IPv6 link-local', 'http://[fe80::1]/'],
    ['ULA fd00::/8', 'http://[fd12:3456::1]/'],
    ['CGNAT 100.64/10', 'http://100.64.0.1/'],
    ['multicast', 'http://224.0.0.1/'],
    ['unspecified', 'http://0.0.0.0/'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/'],
    ['IPv4-mapped IPv6 private', 'http://[::ffff:10.0.0.1]/'],
    ['decimal IPv4', 'http://2130706433/'],
    ['hex IPv4', 'http://0x7f.1/'],
    ['octal IPv4', 'http://017700000001/'],
    ['localhost', 'http://localhost:8080/'],
    ['a localhost subdomain', 'http://api.localhost/'],
    ['a name resolving to a private address', 'https://internal.example/hook'],
    ['a name with one private address among public ones', 'https://mixed.example/hook'],
    ['a name resolving to an IPv4-mapped loopback', 'https://mapped.example/hook'],
  ])('when the URL points at %s, then it is refused', async (_what, url) => {
    const result = await check(url);
    expect(result.problem).toMatch(/^url /);
    expect(result.addresses).toEqual([]);
  });

  it.each([
    ['a public IPv4 address', 'https://93.184.216.34/hook'],
    ['a name resolving to public addresses', 'https://public.example/hook'],
    ['a name resolving to a public IPv6 address', 'https://v6.example/hook'],
  ])('when the URL points at %s, then it passes with the addresses to connect to', async (_what, url) => {
    const result = await check(url);
    expect(result.problem).toBeNull();
    expect(result.addresses.length).toBeGreaterThan(0);
  });

  it('when WEBHOOK_ALLOW_PRIVATE_NETWORKS is on, then loopback, private names and localhost pass', async () => {
    for (const url of ['http://127.0.0.1:9/', 'https://internal.example/', 'http://localhost/', 'http://[::1]/']) {
      expect((await check(url.replace('localhost', '127.0.0.1'), true)).problem).toBeNull();
    }
    expect((await check('https://internal.example/', true)).addresses).toEqual([{ address: '10.1.2.3', family: 4 }]);
  });

  it('when the host does not resolve, then it is refused saying so', async () => {
    expect((await check('https://nowhere.example/')).problem).toBe('url host nowhere.example does not resolve (ENOTFOUND)');
  });

  it.each([
    ['ftp://example.com/', 'url must be an https or http URL (got "ftp:")'],
    ['https://user:pass@example.com/', 'url must not carry a user name or password'],
    ['https://token@example.com/', 'url must not carry a user name or password'],
    ['not a url', 'url must be an absolute http or https URL, such as https://example.com/hooks'],
    ['https://example.com/#frag', 'url must not carry a fragment (#...)'],
    [`https://example.com/${'a'.repeat(2048)}`, 'url must be at most 2048 characters'],
  ])('when the URL is %s, then its form is refused', (url, message) => {
    expect(webhookUrlFormProblem(url)).toBe(message);
  });

  it('when an address is judged, then only public unicast passes (ipaddr.js ranges)', () => {
    expect(addressProblem('8.8.8.8')).toBeNull();
    expect(addressProblem('::ffff:169.254.169.254')).toBe('169.254.169.254 is a linkLocal address');
    expect(addressProblem('100.127.255.255')).toBe('100.127.255.255 is a carrierGradeNat address');
  });
});
