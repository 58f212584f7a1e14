import { randomBytes } from 'node:crypto';

/** A Standard Webhooks secret as the API makes them (`whsec_` + base64 of 32 random bytes). */
export function newWebhookSecretForTests(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
