// Where a token given on the command line comes from: --token VALUE, --token=- (stdin),
// --tokenFile FILE, or $HIPCHAT_TOKEN. Keeping it out of argv keeps it out of `ps` and shell history.
import { readFileSync } from 'node:fs';
import { stringOption, type OptionSpec, type ParsedArgs } from '../../cli/asadmin/options.js';
import { InputError, UsageError } from '../../cli/errors.js';
import { tokenProblem } from '../../config/values.js';
import { errnoCode } from '../../util/errno.js';
import { readAll } from './stdin.js';

export const TOKEN_ENV = 'HIPCHAT_TOKEN';

export function tokenOptions(required: boolean): OptionSpec[] {
  return [
    {
      name: 'token',
      type: 'string',
      valueName: 'TOKEN',
      required,
      secret: true,
      alternatives: required ? { options: ['tokenFile'], env: [TOKEN_ENV] } : undefined,
      description: `HipChat API token with the send_notification scope; '-' reads it from stdin (also: --tokenFile, $${TOKEN_ENV})`,
    },
    { name: 'tokenFile', type: 'string', valueName: 'FILE', description: 'read the token from FILE (first line)' },
  ];
}

function firstLine(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/, 1)[0]!
    .trim();
}

/**
 * The token this invocation gives, '' for an explicit empty --token= (asadmin: keep the stored one),
 * or undefined when none is given at all. stdin is asked for only when the token is read from it:
 * building process.stdin costs milliseconds.
 */
export async function readGivenToken(
  args: ParsedArgs,
  env: NodeJS.ProcessEnv,
  stdin: () => NodeJS.ReadableStream,
): Promise<string | undefined> {
  const flag = stringOption(args, 'token');
  const file = stringOption(args, 'tokenFile');
  if (flag !== undefined && file !== undefined) throw new UsageError('Give the token with --token or --tokenFile, not both');

  let token: string | undefined;
  if (flag === '-') {
    token = firstLine(await readAll(stdin()));
    // Unlike --token=, an empty stdin is a mistake (a secret that did not arrive), not "keep the stored one".
    if (token === '') throw new UsageError('No token on stdin (--token=-)');
  } else if (flag !== undefined) token = flag;
  else if (file !== undefined) {
    try {
      token = firstLine(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new InputError(`Cannot read token file ${file}: ${errnoCode(error) ?? (error as Error).message}`);
    }
    if (token === '') throw new UsageError(`Token file ${file} is empty`);
  } else token = env[TOKEN_ENV];

  if (token) {
    const problem = tokenProblem(token);
    if (problem) throw new UsageError(problem);
  }
  return token;
}
