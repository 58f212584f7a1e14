import { query } from './query';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;
export const MAX_OFFSET = 1_000_000_000;

export interface Page {
  limit: number;
  offset: number;
}

/** The query parameters of every list: `limit` and `offset`. */
export const PAGE_QUERY = {
  limit: query.int({ min: 1, max: MAX_LIMIT, default: DEFAULT_LIMIT, description: 'Page size.', component: 'Limit' }),
  offset: query.int({ min: 0, max: MAX_OFFSET, default: 0, description: 'Items to skip.', component: 'Offset' }),
};

/** The page of a read query that includes `PAGE_QUERY`. */
export function pageOf(values: Page): Page {
  return { limit: values.limit, offset: values.offset };
}
