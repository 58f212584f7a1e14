/** The routes the real app serves, read from its router: shared by the OpenAPI route coverage and the roles route walk. */
import type { Express } from 'express';

interface RouterLayer {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: RouterLayer[] };
  rawPath?: unknown;
}

/**
 * Every (METHOD, path) the Express app serves, read from its router stack: Express 5 keeps the
 * app's layers in `app.router.stack`; a layer is a route (`layer.route`) or a mounted router
 * (`layer.handle.stack`, mount path in `layer.rawPath`). Paths come out in OpenAPI form.
 */
export function servedRoutes(app: Express): string[] {
  const root = (app as unknown as { router?: { stack?: RouterLayer[] } }).router;
  if (!root?.stack) throw new Error('app.router.stack not found: is this Express 5?');
  const join = (prefix: string, path: string) => {
    const joined = `${prefix}/${path}`.replace(/\/{2,}/g, '/');
    return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
  };
  const out: string[] = [];
  const walk = (stack: RouterLayer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        if (typeof layer.route.path !== 'string') throw new Error(`Route path ${String(layer.route.path)} is not a string`);
        const path = join(prefix, layer.route.path).replace(/:(\w+)/g, '{$1}');
        for (const [method, enabled] of Object.entries(layer.route.methods)) {
          if (enabled && method !== '_all') out.push(`${method.toUpperCase()} ${path}`);
        }
      } else if (layer.handle?.stack) {
        if (typeof layer.rawPath !== 'string') throw new Error('A mounted router has no string mount path (layer.rawPath)');
        walk(layer.handle.stack, join(prefix, layer.rawPath));
      }
    }
  };
  walk(root.stack, '');
  return out;
}
