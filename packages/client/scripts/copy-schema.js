// Part of the root `npm run build`: tsc emits no .d.ts of its own for src/schema.d.ts, so the
// generated types are copied next to dist/index.d.ts, which imports them.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
fs.copyFileSync(path.join(root, 'src/schema.d.ts'), path.join(root, 'dist/schema.d.ts'));
