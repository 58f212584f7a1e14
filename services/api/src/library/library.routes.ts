import type { AppDeps } from '../deps';
import { pageOf, PAGE_QUERY } from '../http/pagination';
import type { QueryParam } from '../http/query';
import type { RateLimiters } from '../http/rate-limit';
import { RouteGroup } from '../http/route';
import { NAME_LENGTH, TAG_LENGTH } from '../http/validation';
import { Type } from '../openapi/schema';
import { templateResponse, TemplateResponse } from '../templates/template.mapper';
import { HOSTNAME_LENGTH } from '../templates/template.dto';
import { CopyTemplateDto } from './library.dto';
import { libraryTemplateResponse, LibraryTemplateResponse } from './library.mapper';
import { LibraryService } from './library.service';

export const libraryApi = new RouteGroup<LibraryService>({ base: '/library/templates', tag: 'library', resource: 'Template' });

/** NUL and the other control characters: no template text to search for holds them (and PostgreSQL cannot take NUL). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** A search text: trimmed (blank is ignored), at most `maxLength` characters, no control characters. */
function searchText(maxLength: number, description: string): QueryParam<string | undefined> {
  return {
    read: (reader, name) =>
      reader.parsed(name, (raw) => {
        const text = raw.trim();
        if ([...text].length > maxLength) return { message: `must be at most ${maxLength} characters long` };
        if (CONTROL_CHARACTERS.test(text)) return { message: 'must not contain control characters' };
        return { value: text === '' ? undefined : text };
      }),
    description,
    schema: { type: 'string', maxLength },
  };
}

export const LIBRARY_QUERY = {
  q: searchText(NAME_LENGTH, 'Only templates whose name or description contains this text (case-insensitive; blank is ignored).'),
  tag: searchText(TAG_LENGTH, 'Only templates with this tag (exact, case-sensitive).'),
  publisher_domain: searchText(HOSTNAME_LENGTH, 'Only templates with this `publisher_domain` (case-insensitive).'),
  ...PAGE_QUERY,
};

libraryApi.get(
  '/',
  {
    operationId: 'listLibraryTemplates',
    summary: "List every workspace's public templates, most copied first",
    description:
      "Ties: oldest first, then by id. Each item is the template's shareable part only (no campaign, favourite, use count " +
      'or other data of its workspace). The filters combine (all must match).',
    kind: 'lists',
    access: 'read',
    read: 'replica',
    query: LIBRARY_QUERY,
    success: { status: 200, description: 'One page of public templates.', schema: Type.Array(LibraryTemplateResponse), paged: true },
  },
  async ({ query }, service) => {
    const filter = { q: query.q, tag: query.tag, publisherDomain: query.publisher_domain };
    const [items, total] = await service.list(filter, pageOf(query));
    return { body: items.map(libraryTemplateResponse), total };
  },
);

libraryApi.get(
  '/:id',
  {
    operationId: 'getLibraryTemplate',
    summary: 'Get a public template',
    description: 'A private template is a 404 here, for every workspace (its own included: it reads it at `/templates/{id}`).',
    kind: 'reads',
    access: 'read',
    success: { status: 200, description: 'The public template.', schema: LibraryTemplateResponse },
  },
  async ({ id }, service) => libraryTemplateResponse(await service.get(id)),
);

libraryApi.post(
  '/:id/copy',
  {
    operationId: 'copyLibraryTemplate',
    summary: "Copy a public template into the caller's templates",
    description:
      "The copy is a private template of the caller's workspace with the source's settings, `copied_from` the source, " +
      "no campaign, `use_count` 0; its name is the source's unless `name` is sent. The source's `copy_count` goes up by " +
      'one in the same transaction. Changing the copy never touches the source, nor the other way round.',
    kind: 'writes',
    access: 'write',
    body: CopyTemplateDto,
    bodyOptional: true,
    success: { status: 201, description: 'The copy (a template of the caller).', schema: TemplateResponse },
  },
  async ({ caller, id, body }, service) => templateResponse(await service.copy(caller, id, body)),
);

export function libraryRoutes(deps: AppDeps, limits: RateLimiters) {
  return libraryApi.router(new LibraryService(deps), limits);
}
