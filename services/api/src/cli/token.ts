import { ConfigError, loadConfig } from '@scheduler/config';
import { ROLES, signToken, type Role, type TokenClaims } from '../http/auth';

const USAGE = 'usage: npm run token -- <user-id> [--workspace <workspace-id>] [--roles viewer,editor,approver,admin] [--ttl seconds]';

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

/** Takes `--name value` out of `args`; undefined when absent. */
function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (value === undefined || value.startsWith('--')) fail(`${name} needs a value\n${USAGE}`);
  args.splice(at, 2);
  return value;
}

/**
 * `npm run token -- <user-id> [--workspace id] [--roles a,b] [--ttl seconds]`: prints a token for
 * the configured secret. Without `--workspace` it works in the user's personal workspace, without
 * `--roles` it has every role (as a token from a provider without those claims).
 */
function main(argv: string[]): void {
  const args = [...argv];
  const claims: TokenClaims = {};
  const ttlText = option(args, '--ttl');
  const ttl = ttlText === undefined ? 3600 : Number(ttlText);
  if (!Number.isInteger(ttl) || ttl <= 0) fail('--ttl takes a whole number of seconds');
  const workspace = option(args, '--workspace');
  if (workspace !== undefined) {
    if (workspace.trim() === '') fail('--workspace takes a workspace id');
    claims.workspace = workspace;
  }
  const roles = option(args, '--roles');
  if (roles !== undefined) {
    const names = roles.split(',').map((name) => name.trim());
    const unknown = names.filter((name) => !(ROLES as readonly string[]).includes(name));
    if (unknown.length) fail(`--roles: unknown role ${unknown.join(', ')} (roles: ${ROLES.join(', ')})`);
    claims.roles = names as Role[];
  }
  const userId = args[0];
  if (!userId || args.length > 1 || userId.startsWith('--')) fail(USAGE);
  try {
    const config = loadConfig(process.env);
    if (config.jwt.usingDevelopmentSecret) {
      console.error('warning: JWT_SECRET is not set; this token is signed with the development secret');
    }
    process.stdout.write(`${signToken(userId, config.jwt, ttl, claims)}\n`);
  } catch (error) {
    fail(error instanceof ConfigError ? error.message : (error as Error).message);
  }
}

main(process.argv.slice(2));
