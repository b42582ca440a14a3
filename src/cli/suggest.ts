// "Did you mean …?" for a mistyped subcommand or option, as git does: names that start with what was
// typed, else the names closest to it in Damerau-Levenshtein distance (a swap of two neighbouring
// letters counts as one edit), case-insensitively.

/** At most this many names are suggested; more would be a list, not a suggestion. */
const MAX_SUGGESTIONS = 5;
/** A prefix shorter than this (`s`, `--t`) matches too much to mean anything. */
const MIN_PREFIX = 3;

/** Edits (insert, delete, replace, swap of neighbours) from a to b: the optimal-string-alignment distance. */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The candidates that `typed` most likely meant, best first; none when nothing is close. */
export function closeMatches(typed: string, candidates: readonly string[]): string[] {
  const wanted = typed.toLowerCase();
  if (wanted === '') return [];
  if (wanted.length >= MIN_PREFIX) {
    const prefixed = candidates.filter((name) => name.toLowerCase().startsWith(wanted));
    if (prefixed.length > 0) return prefixed.length <= MAX_SUGGESTIONS ? prefixed : [];
  }
  // A third of the typed length, at least one edit: `roomNme` is one from roomName, `x` is not close to `yz`.
  const allowed = Math.max(1, Math.floor(wanted.length / 3));
  const scored = candidates
    .map((name) => ({ name, distance: editDistance(wanted, name.toLowerCase()) }))
    .filter(({ distance }) => distance <= allowed);
  if (scored.length === 0) return [];
  const best = Math.min(...scored.map(({ distance }) => distance));
  return scored
    .filter(({ distance }) => distance === best)
    .map(({ name }) => name)
    .slice(0, MAX_SUGGESTIONS);
}

/** ' Did you mean X?' / ' Did you mean X or Y?' to end a message with, or '' when nothing is close. */
export function didYouMean(typed: string, candidates: readonly string[], shown: (name: string) => string = (name) => name): string {
  const matches = closeMatches(typed, candidates).map(shown);
  if (matches.length === 0) return '';
  const list = matches.length === 1 ? matches[0]! : `${matches.slice(0, -1).join(', ')} or ${matches.at(-1)}`;
  return ` Did you mean ${list}?`;
}
