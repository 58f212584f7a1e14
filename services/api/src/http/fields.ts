/** The entity property an API field names: `snake_case` → `camelCase` (`job_config` → `jobConfig`). */
export function propertyOf(field: string): string {
  return field.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

/**
 * Copies the fields a validated body sent onto its entity, each to the property of the same name
 * in camelCase, except those in `skip` (fields the service writes itself, such as a schedule's
 * rule). A validated DTO holds only declared fields that the body sent, so this is a partial
 * update: absent fields keep their stored value, an explicit `null` clears a nullable one.
 * `test/dto-fields.test.ts` checks that every DTO field names a column of its entity.
 */
export function copySentFields(entity: object, dto: object, skip: readonly string[] = []): void {
  const target = entity as Record<string, unknown>;
  for (const [field, value] of Object.entries(dto)) {
    if (value !== undefined && !skip.includes(field)) target[propertyOf(field)] = value;
  }
}
