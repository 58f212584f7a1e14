import type { Response } from 'express';
import { QueryReader } from './validation';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

export interface Page {
  limit: number;
  offset: number;
}

export function readPage(query: QueryReader): Page {
  return {
    limit: query.int('limit', DEFAULT_LIMIT, 1, MAX_LIMIT),
    offset: query.int('offset', 0, 0, 1_000_000_000),
  };
}

/** Sends one page of a list: a JSON array, with the total in `X-Total-Count`. */
export function sendPage<T>(res: Response, items: T[], total: number): void {
  res.set('X-Total-Count', String(total));
  res.json(items);
}
