// The config file: read strictly, written atomically under a lock, never "repaired".
// Reads are synchronous (node:fs): the file is small, and node:fs/promises alone costs milliseconds
// of start-up; the lock and atomic-write modules load only when a command writes.
import { lstatSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { describeErrno, errnoCode } from '../util/errno.js';
import { makePrivateFolder, PRIVATE_FILE_MODE } from '../util/file-modes.js';
import { ConfigError } from './errors.js';
import { CONFIG_VERSION, configSchema, describeSchemaIssue, emptyConfig, type ConfigDocument } from './schema.js';

/** A one-line reason for a failed file operation, naming the path. */
export function describeFileError(action: string, path: string, error: unknown): unknown {
  // Only operating-system errors are described here; our own typed errors already say what is wrong.
  if (errnoCode(error) === undefined) return error;
  return new ConfigError(`Cannot ${action} ${path}: ${describeErrno(error)}`);
}

/**
 * The file actually read and written: a symlinked config keeps its link (we write the file it points
 * to). A dangling link is an error rather than something to overwrite.
 */
function locate(path: string): { realPath: string; exists: boolean } {
  let stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { realPath: path, exists: false };
    throw describeFileError('read config file', path, error);
  }
  if (!stats.isSymbolicLink()) return { realPath: path, exists: true };
  try {
    return { realPath: realpathSync(path), exists: true };
  } catch (error) {
    if (errnoCode(error) === 'ENOENT')
      throw new ConfigError(`Cannot read config file ${path}: it is a symbolic link to a file that does not exist`);
    throw describeFileError('read config file', path, error);
  }
}

function parseDocument(path: string, text: string): ConfigDocument {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // V8 quotes the text around the mistake ('Unexpected token 'e', ..."token": abc123"... is not valid JSON'),
    // which may be part of the token: keep only the reason.
    const reason = (error as Error).message.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '');
    throw new ConfigError(`Config file ${path} is not valid JSON (${reason})`);
  }
  const version = (data as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > CONFIG_VERSION) {
    throw new ConfigError(
      `Config file ${path} has version ${version}, newer than this notifier understands (${CONFIG_VERSION}): upgrade notifier`,
    );
  }
  const result = configSchema.safeParse(data);
  if (!result.success) {
    const issues = result.error.issues;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    throw new ConfigError(`Config file ${path} is not a valid notifier configuration: ${describeSchemaIssue(issues[0]!)}${more}`);
  }
  return result.data;
}

function readExisting(path: string, realPath: string): ConfigDocument {
  let text: string;
  try {
    text = readFileSync(realPath, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return emptyConfig();
    throw describeFileError('read config file', path, error);
  }
  return parseDocument(path, text);
}

/** The configuration, or undefined when there is no file yet. Throws ConfigError for any other problem. */
export async function readConfig(path: string): Promise<ConfigDocument | undefined> {
  const { realPath, exists } = locate(path);
  return exists ? readExisting(path, realPath) : undefined;
}

/**
 * Read-modify-write under the file's lock, so concurrent writers never lose each other's changes.
 * The file is replaced atomically or not at all.
 */
export async function updateConfig(path: string, change: (config: ConfigDocument) => void): Promise<ConfigDocument> {
  const { realPath } = locate(path);
  const folder = dirname(realPath);
  try {
    makePrivateFolder(folder);
  } catch (error) {
    throw describeFileError('create config folder', folder, error);
  }
  const [{ withFileLock }, { removeOrphanTempFiles, writeFileAtomic }] = await Promise.all([
    import('../util/lock.js'),
    import('../util/atomic-write.js'),
  ]);
  try {
    return await withFileLock(realPath, async () => {
      removeOrphanTempFiles(folder, basename(realPath));
      const config = readExisting(path, realPath);
      change(config);
      const checked = configSchema.safeParse(config);
      // A change that breaks the schema is a bug of ours, not the user's: refuse to write it.
      if (!checked.success)
        throw new ConfigError(`Refusing to write an invalid configuration: ${describeSchemaIssue(checked.error.issues[0]!)}`);
      writeFileAtomic(realPath, `${JSON.stringify(config, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
      return config;
    });
  } catch (error) {
    throw describeFileError('write config file', path, error);
  }
}
