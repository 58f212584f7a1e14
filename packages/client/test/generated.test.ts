import fs from 'node:fs';
import path from 'node:path';
import { buildOpenApiDocument } from '../../../services/api/src/openapi/document';
import { execFileSync } from 'node:child_process';

const root = path.resolve(__dirname, '..');
const committed = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

/**
 * The committed openapi.json and src/schema.d.ts are regenerated here, in memory, from the route
 * groups' source: a route, DTO or response change without `npm run generate -w packages/client`
 * fails this test, so the typed client cannot drift from the API.
 */
describe('@scheduler/client generated files', () => {
  let generated: { json: string; dts: string };
  beforeAll(() => {
    // In a node child: openapi-typescript needs ESM packages that jest cannot require.
    const out = execFileSync(process.execPath, [path.join(root, 'scripts/render.js')], {
      input: JSON.stringify(buildOpenApiDocument()),
      maxBuffer: 64 * 1024 * 1024,
    });
    generated = JSON.parse(out.toString('utf8')) as { json: string; dts: string };
  }, 60_000);

  it('openapi.json is the document the routes build', () => {
    expect(committed('openapi.json')).toBe(generated.json);
  });

  it('src/schema.d.ts is openapi-typescript of that document', () => {
    expect(committed('src/schema.d.ts')).toBe(generated.dts);
  });

  it('types every operation of the document', () => {
    const document = JSON.parse(generated.json) as { paths: Record<string, Record<string, { operationId?: string }>> };
    const ids = Object.values(document.paths).flatMap((p) =>
      Object.values(p).flatMap((o) => (o && typeof o === 'object' && o.operationId ? [o.operationId] : [])),
    );
    expect(ids.length).toBeGreaterThan(20);
    for (const id of ids) expect(generated.dts).toContain(`    ${id}: {`);
  });
});
