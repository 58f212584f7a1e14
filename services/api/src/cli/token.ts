import { ConfigError, loadConfig } from '@scheduler/config';
import { signToken } from '../http/auth';

/** `npm run token -- <user-id> [--ttl seconds]`: prints a token for the configured secret. */
function main(argv: string[]): void {
  const args = [...argv];
  let ttl = 3600;
  const ttlAt = args.indexOf('--ttl');
  if (ttlAt >= 0) {
    ttl = Number(args[ttlAt + 1]);
    args.splice(ttlAt, 2);
    if (!Number.isInteger(ttl) || ttl <= 0) {
      console.error('--ttl takes a whole number of seconds');
      process.exit(2);
    }
  }
  const userId = args[0];
  if (!userId) {
    console.error('usage: npm run token -- <user-id> [--ttl seconds]');
    process.exit(2);
  }
  try {
    const config = loadConfig(process.env);
    if (config.jwt.usingDevelopmentSecret) {
      console.error('warning: JWT_SECRET is not set; this token is signed with the development secret');
    }
    process.stdout.write(`${signToken(userId, config.jwt, ttl)}\n`);
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : (error as Error).message);
    process.exit(2);
  }
}

main(process.argv.slice(2));
