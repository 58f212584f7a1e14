/** The committed files' text for an OpenAPI document: `openapi.json` and `src/schema.d.ts`. */
export function render(document: object): Promise<{ json: string; dts: string }>;
