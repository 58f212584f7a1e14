import { JSONSchema } from 'class-validator-jsonschema';
import { Name, Optional } from '../http/validation';

/** Body of `POST /library/templates/{id}/copy` (optional). */
@JSONSchema({ description: "Optional: the copy's name (the source's name when left out)." })
export class CopyTemplateDto {
  @Optional()
  @Name()
  name?: string;
}
