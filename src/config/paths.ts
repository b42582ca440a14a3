// Where the config file and the shared rate-limit state live (design.md, "Config file").
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

function home(env: NodeJS.ProcessEnv): string {
  return env.HOME || homedir();
}

/** XDG variables only count when absolute, as the XDG spec says. */
function xdgDir(env: NodeJS.ProcessEnv, variable: string, fallback: string[]): string {
  const value = env[variable];
  return value && value.startsWith('/') ? value : join(home(env), ...fallback);
}

export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag) return resolve(flag);
  if (env.NOTIFIER_CONFIG) return resolve(env.NOTIFIER_CONFIG);
  return join(xdgDir(env, 'XDG_CONFIG_HOME', ['.config']), 'notifier', 'config.json');
}

export function resolveStateDir(env: NodeJS.ProcessEnv): string {
  if (env.NOTIFIER_STATE_DIR) return resolve(env.NOTIFIER_STATE_DIR);
  return join(xdgDir(env, 'XDG_STATE_HOME', ['.local', 'state']), 'notifier');
}
