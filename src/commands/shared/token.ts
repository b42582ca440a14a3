// Where a token given on the command line comes from: --token VALUE, --token=- (stdin),
// --tokenFile FILE, or $HIPCHAT_TOKEN. Keeping it out of argv keeps it out of `ps` and shell history.
// A token input is read up to 64 KB, never further: `--tokenFile /dev/zero` costs no more than that.
import { stringOption, type OptionSpec, type ParsedArgs } from '../../cli/asadmin/options.js';
import { InputError, UsageError } from '../../cli/errors.js';
import { tokenProblem } from '../../config/values.js';
import { describeErrno } from '../../util/errno.js';
import { describeBytes, readAtMost, readFileAtMost, type BoundedRead } from './stdin.js';

export const TOKEN_ENV = 'HIPCHAT_TOKEN';
/** No token is this long: a larger input is the wrong file or an endless stream. */
export const MAX_TOKEN_INPUT_BYTES = 64 * 1024;

export function tokenOptions(required: boolean): OptionSpec[] {
  return [
    {
      name: 'token',
      type: 'string',
      valueName: 'TOKEN',
      required,
      secret: true,
      alternatives: { options: ['tokenFile'], env: [TOKEN_ENV] },
      description: "HipChat API token with the send_notification scope; '-' reads it from stdin",
    },
    { name: 'tokenFile', type: 'string', valueName: 'FILE', description: 'read the token from FILE (its first line)' },
  ];
}

/** The first line of a token input, refused when the input is larger than any token. */
function firstLine(read: BoundedRead, source: string): string {
  if (read.overLimit) throw new UsageError(`${source} is larger than ${describeBytes(MAX_TOKEN_INPUT_BYTES)}: that is not a token`);
  return read.bytes
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/, 1)[0]!
    .trim();
}

/**
 * The token the options give (--token, --token=-, --tokenFile), checked; '' for an explicit empty
 * --token= (asadmin: keep the stored one); undefined when none is given. stdin is asked for only when
 * the token is read from it: building process.stdin costs milliseconds.
 */
export async function readTokenOption(args: ParsedArgs, stdin: () => NodeJS.ReadableStream): Promise<string | undefined> {
  const flag = stringOption(args, 'token');
  const file = stringOption(args, 'tokenFile');
  if (flag !== undefined && file !== undefined) throw new UsageError('Give the token with --token or --tokenFile, not both');

  let token: string | undefined;
  if (flag === '-') {
    token = firstLine(await readAtMost(stdin(), MAX_TOKEN_INPUT_BYTES), 'The token on stdin (--token=-)');
    // Unlike --token=, an empty stdin is a mistake (a secret that did not arrive), not "keep the stored one".
    if (token === '') throw new UsageError('No token on stdin (--token=-)');
  } else if (flag !== undefined) token = flag;
  else if (file !== undefined) {
    let read: BoundedRead;
    try {
      read = readFileAtMost(file, MAX_TOKEN_INPUT_BYTES);
    } catch (error) {
      throw new InputError(`Cannot read token file ${file}: ${describeErrno(error)}`);
    }
    token = firstLine(read, `Token file ${file}`);
    if (token === '') throw new UsageError(`Token file ${file} is empty`);
  }
  if (token) checkToken(token, undefined);
  return token;
}

/** A token from the environment or an option, checked; `variable` names where it came from in the error. */
export function checkToken(token: string, variable: string | undefined): string {
  const problem = tokenProblem(token);
  if (problem) throw new UsageError(variable === undefined ? problem : `${problem} ($${variable})`);
  return token;
}

/** The token given by an option, else by $HIPCHAT_TOKEN (what notification-hipchat-configure stores). */
export async function readGivenToken(
  args: ParsedArgs,
  env: NodeJS.ProcessEnv,
  stdin: () => NodeJS.ReadableStream,
): Promise<string | undefined> {
  const given = await readTokenOption(args, stdin);
  if (given !== undefined) return given;
  const fromEnv = env[TOKEN_ENV];
  return fromEnv ? checkToken(fromEnv, TOKEN_ENV) : fromEnv;
}
