// `npm run generate -w packages/client`: writes packages/client/openapi.json and
// packages/client/src/schema.d.ts from the BUILT API code (run `npm run build` first). No server
// is started: the document is the object `buildOpenApiDocument()` returns. Commit both files; a
// test (packages/client/test/generated.test.ts) fails when they drift from the routes.
const fs = require('node:fs');
const path = require('node:path');
const { render } = require('./render');

async function main() {
  const { buildOpenApiDocument } = require('../../../services/api/dist/openapi/document');
  const { json, dts } = await render(buildOpenApiDocument());
  const root = path.resolve(__dirname, '..');
  fs.writeFileSync(path.join(root, 'openapi.json'), json);
  fs.writeFileSync(path.join(root, 'src/schema.d.ts'), dts);
  console.log(`wrote openapi.json (${json.length} bytes) and src/schema.d.ts (${dts.length} bytes)`);
}

main().catch((error) => {
  console.error(`generate failed: ${error.stack || error}`);
  process.exit(1);
});
