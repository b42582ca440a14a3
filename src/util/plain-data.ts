// JSON as plain data: objects without a prototype, so that a key a user chose ('__proto__',
// 'constructor', 'hasOwnProperty') is an ordinary key, never an inherited property or the prototype
// setter; and a bijective escape of '__proto__' for libraries (zod) that skip that key.

/** The value with every object (arrays' elements too) copied to a null-prototype object, own keys only. */
export function toPlainData<T>(value: T): T {
  return renameKeys(value, (key) => key);
}

/** JSON.parse, with every object a null-prototype object (JSON.parse itself keeps '__proto__' as a key). */
export function parsePlainJson(text: string): unknown {
  return toPlainData(JSON.parse(text) as unknown);
}

const ESCAPE = '\u0000';

/**
 * Renames keys so that none is '__proto__', reversibly: '__proto__' → '\0__proto__', and a key that
 * already starts with '\0' gets one more. unescapeKeys undoes it. For checking data with a library that
 * drops '__proto__' keys.
 */
export function escapeKeys<T>(value: T): T {
  return renameKeys(value, (key) => (key === '__proto__' || key.startsWith(ESCAPE) ? `${ESCAPE}${key}` : key));
}

export function unescapeKeys<T>(value: T): T {
  return renameKeys(value, unescapeKey);
}

export function unescapeKey(key: string): string {
  return key.startsWith(ESCAPE) ? key.slice(1) : key;
}

function renameKeys<T>(value: T, rename: (key: string) => string): T {
  // On a null-prototype object, assigning '__proto__' creates an own property (there is no setter).
  if (Array.isArray(value)) return value.map((item: unknown) => renameKeys(item, rename)) as T;
  if (value === null || typeof value !== 'object') return value;
  const copy = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value)) copy[rename(key)] = renameKeys((value as Record<string, unknown>)[key], rename);
  return copy as T;
}
