import { API_BASE, RouteGroup } from '../http/route';
import { JsonObject, Type, named } from './schema';

/** Where the document is served; the viewer loads it from here. */
export const OPENAPI_JSON_PATH = `${API_BASE}/openapi.json`;
/** Where the interactive viewer (Swagger UI) is served, with its assets below it. */
export const DOCS_PATH = '/docs';

export const OpenApiDocumentResponse = named(
  'OpenApiDocument',
  Type.Object(
    {
      openapi: Type.Literal('3.1.0'),
      info: JsonObject(),
      jsonSchemaDialect: Type.Optional(Type.String()),
      servers: Type.Optional(Type.Array(JsonObject())),
      tags: Type.Optional(Type.Array(JsonObject())),
      security: Type.Optional(Type.Array(JsonObject())),
      paths: JsonObject(),
      components: JsonObject(),
    },
    { additionalProperties: false, description: 'This document.' },
  ),
);

/** The document and its viewer, without auth (what they serve is built at start-up). */
export const docsApi = new RouteGroup<{ json: string; html: string }>({ base: '', tag: 'docs', secured: false });

docsApi.raw(
  'get',
  OPENAPI_JSON_PATH,
  {
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI document',
    description: 'No token needed.',
    responses: {
      '200': { description: 'The OpenAPI 3.1 document.', content: { 'application/json': { schema: OpenApiDocumentResponse } } },
    },
  },
  (_req, res, { json }) => {
    res.type('application/json').send(json);
  },
);

docsApi.raw(
  'get',
  DOCS_PATH,
  {
    operationId: 'getDocs',
    summary: 'Interactive API documentation (Swagger UI)',
    description: 'No token needed. The page and its assets are served by this API (no external resources).',
    responses: {
      '200': { description: 'The Swagger UI page for this document.', content: { 'text/html': { schema: { type: 'string' } } } },
    },
  },
  (_req, res, { html }) => {
    res.type('html').set('X-Content-Type-Options', 'nosniff').send(html);
  },
);
