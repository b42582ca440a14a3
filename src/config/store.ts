// The config file: read strictly, written atomically under a lock, never "repaired".
// Reads are synchronous (node:fs): the file is small, and node:fs/promises alone costs milliseconds
// of start-up; the lock and atomic-write modules load only when a command writes.
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname } from 'node:path';
import { describeErrno, describeErrnoCode, errnoCode } from '../util/errno.js';
import { makePrivateFolder, PRIVATE_FILE_MODE } from '../util/file-modes.js';
import { parsePlainJson } from '../util/plain-data.js';
import { folderProblem, readableByOthers, writableByOthers } from '../util/safe-fs.js';
import { ConfigError } from './errors.js';
import { describeSchemaIssue } from '../util/schema-issue.js';
import { checkConfig, CONFIG_VERSION, emptyConfig, type ConfigDocument } from './schema.js';

export interface ReadOptions {
  /** Told when the file holds a token and others may read it (the CLI's stderr, the service's log). */
  warn: (text: string) => void;
}

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

/**
 * Refuses a config file, or the folder it lies in, that others may write: they could send its token to a
 * server of theirs. A sticky folder (like /tmp) is fine: others cannot replace what is ours there.
 * Returns the file's stats when it exists.
 */
function checkPermissions(path: string, realPath: string): Stats | undefined {
  const folder = dirname(realPath);
  let problem: string | undefined;
  let stats: Stats;
  try {
    problem = folderProblem(folder, { followLink: true, allowSticky: true });
    if (problem === undefined) stats = statSync(realPath);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw describeFileError('read config file', path, error);
  }
  if (problem) throw new ConfigError(`Config folder ${folder} ${problem}`);
  // A folder in its place is reported when it is read.
  if (!stats!.isFile()) return undefined;
  const writable = writableByOthers(stats!);
  if (writable) throw new ConfigError(`Config file ${path} ${writable}, so anyone could redirect its token: run chmod 600 ${path}`);
  return stats!;
}

function holdsToken(config: ConfigDocument): boolean {
  return Object.values(config.targets).some((section) => Boolean(section.hipchat?.token));
}

function parseDocument(path: string, text: string): ConfigDocument {
  let data: unknown;
  try {
    // Plain data: a target named '__proto__' or 'constructor' is a key like any other.
    data = parsePlainJson(text);
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
  const result = checkConfig(data);
  if (!result.success) {
    const issues = result.issues;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    throw new ConfigError(`Config file ${path} is not a valid notifier configuration: ${describeSchemaIssue(issues[0]!)}${more}`);
  }
  return result.data;
}

/** Far more than any configuration needs (a target takes about a kilobyte): a bigger file is not one of ours. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** The file's text: a regular file (a FIFO would block the read) of at most MAX_CONFIG_BYTES. */
function readText(path: string, realPath: string): string {
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  const fd = openSync(realPath, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw new ConfigError(`Cannot read config file ${path}: ${describeErrnoCode('EISDIR')}`);
    if (!stats.isFile()) throw new ConfigError(`Config file ${path} is not a regular file`);
    if (stats.size > MAX_CONFIG_BYTES) throw new ConfigError(`Config file ${path} is larger than 1 MB: not a notifier configuration`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

function readExisting(path: string, realPath: string): ConfigDocument {
  let text: string;
  try {
    text = readText(path, realPath);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return emptyConfig();
    throw describeFileError('read config file', path, error);
  }
  return parseDocument(path, text);
}

/**
 * The configuration, or undefined when there is no file yet. Throws ConfigError for any other problem,
 * also when others may write the file or its folder; warns when others may read a file that holds a token.
 */
export async function readConfig(path: string, options: ReadOptions): Promise<ConfigDocument | undefined> {
  const { realPath, exists } = locate(path);
  if (!exists) return undefined;
  const stats = checkPermissions(path, realPath);
  const config = readExisting(path, realPath);
  const readable = stats && readableByOthers(stats);
  if (readable && holdsToken(config)) options.warn(`Config file ${path} ${readable} and holds a token: run chmod 600 ${path}`);
  return config;
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
  checkPermissions(path, realPath);
  const [{ withFileLock }, { removeOrphanTempFiles, writeFileAtomic }] = await Promise.all([
    import('../util/lock.js'),
    import('../util/atomic-write.js'),
  ]);
  try {
    return await withFileLock(realPath, async () => {
      removeOrphanTempFiles(folder, basename(realPath));
      const config = readExisting(path, realPath);
      change(config);
      const checked = checkConfig(config);
      // A change that breaks the schema is a bug of ours, not the user's: refuse to write it.
      if (!checked.success) throw new ConfigError(`Refusing to write an invalid configuration: ${describeSchemaIssue(checked.issues[0]!)}`);
      writeFileAtomic(realPath, `${JSON.stringify(config, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
      return config;
    });
  } catch (error) {
    throw describeFileError('write config file', path, error);
  }
}
