/** The bearer token of this browser tab: sessionStorage, so closing the tab signs out. */
const KEY = 'scheduler.token';

export function storedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token.trim());
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}

/**
 * `?token=` in the address signs in (the link `npm start` prints): the token is kept and taken
 * out of the address bar, so it is neither bookmarked nor left in the history.
 */
export function takeTokenFromUrl(location: Location, history: History): string | null {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (!token) return null;
  storeToken(token);
  url.searchParams.delete('token');
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  return token;
}
