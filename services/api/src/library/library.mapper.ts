import type { JobTemplate } from '@scheduler/entities';
import { MAX_SUBJECT_LENGTH } from '../http/auth';
import { iso } from '../http/format';
import { NAME_LENGTH } from '../http/validation';
import { Closed, Instant, Nullable, Type, Uuid, named, type Static } from '../openapi/schema';
import { TEMPLATE_SETTINGS, templateSettingsOf } from '../templates/template.mapper';

/**
 * What every workspace sees of a public template: who made it, how often it was copied, and the
 * template's own settings (what a copy gets). Never its workspace's private data: no
 * `campaign_id`, `is_favorite`, `use_count`, `last_used_at`, `copied_from` or workspace.
 */
export const LibraryTemplateResponse = named(
  'LibraryTemplate',
  Closed({
    id: Uuid(),
    author_id: Type.String({ minLength: 1, maxLength: MAX_SUBJECT_LENGTH, description: "The creator's user id (`user_id`)." }),
    name: Type.String({ minLength: 1, maxLength: NAME_LENGTH }),
    description: Nullable(Type.String()),
    ...TEMPLATE_SETTINGS,
    copy_count: Type.Integer({ minimum: 0, description: 'Times the template was copied from the library.' }),
    created_at: Instant(),
    updated_at: Instant(),
  }),
);
export type LibraryTemplateResponse = Static<typeof LibraryTemplateResponse>;

export function libraryTemplateResponse(t: JobTemplate): LibraryTemplateResponse {
  return {
    id: t.id,
    author_id: t.userId,
    name: t.name,
    description: t.description,
    ...templateSettingsOf(t),
    copy_count: t.copyCount,
    created_at: iso(t.createdAt),
    updated_at: iso(t.updatedAt),
  };
}
