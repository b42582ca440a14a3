// Chaos: random trouble on sends (POST .../notification and .../message), for testing how CI scripts and
// notifier itself cope with a flaky HipChat. The text form, for `--chaos` and the control API:
//
//   503=0.1,429=0.05,reset=0.05,delay=2s@0.1
//
// - `STATUS=P`: answer STATUS (429 or 500-599) with probability P; `reset=P`: drop the connection unanswered.
//   These outcomes exclude each other: one random draw picks at most one, so their probabilities add up
//   to at most 1 (`500=0.5,503=0.5` fails every send, half 500 and half 503).
// - `delay=DURATION@P`: before answering (normally or with one of the outcomes above), wait DURATION
//   (`150ms`, `2s`, `1m`; a bare number is seconds, as everywhere in notifier) with probability P; an
//   independent draw.
// - P is a number from 0 to 1 or a percentage (`10%`). Probability 1 always fires and 0 never does.
// - An empty text, `off` or `none`: no chaos.
import { durationText, quote, readDuration } from './duration.js';
import { LocalHipChatOptionError } from './errors.js';

export type ChaosRule =
  | { kind: 'status'; status: number; probability: number }
  | { kind: 'reset'; probability: number }
  | { kind: 'delay'; ms: number; probability: number };

export type ChaosOutcome = { kind: 'status'; status: number } | { kind: 'reset' };

export interface ChaosDecision {
  delayMs: number;
  outcome: ChaosOutcome | undefined;
}

const MAX_DELAY_MS = 300_000;
const EPSILON = 1e-9;

function parseProbability(text: string, item: string): number {
  const match = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/.exec(text.trim());
  const value = match === null ? NaN : Number(match[1]) / (match[2] === '%' ? 100 : 1);
  if (!(value >= 0 && value <= 1)) {
    throw new LocalHipChatOptionError(`Invalid chaos ${quote(item)}: the probability must be from 0 to 1 (or 0% to 100%)`);
  }
  return value;
}

/** Throws a one-line LocalHipChatOptionError unless the rules are usable (used for options and the control API). */
export function checkChaos(rules: readonly ChaosRule[]): void {
  const seen = new Set<string>();
  let total = 0;
  for (const rule of rules) {
    const key = rule.kind === 'status' ? String(rule.status) : rule.kind;
    if (seen.has(key)) throw new LocalHipChatOptionError(`Invalid chaos: ${key} is given twice`);
    seen.add(key);
    if (typeof rule.probability !== 'number' || !(rule.probability >= 0 && rule.probability <= 1)) {
      throw new LocalHipChatOptionError(`Invalid chaos: the probability of ${key} must be from 0 to 1`);
    }
    if (rule.kind === 'status' && !(Number.isInteger(rule.status) && (rule.status === 429 || (rule.status >= 500 && rule.status <= 599)))) {
      throw new LocalHipChatOptionError(`Invalid chaos: status ${String(rule.status)} must be 429 or 500-599`);
    }
    if (rule.kind === 'delay' && !(Number.isInteger(rule.ms) && rule.ms > 0 && rule.ms <= MAX_DELAY_MS)) {
      throw new LocalHipChatOptionError(`Invalid chaos: the delay must be from 1ms to ${durationText(MAX_DELAY_MS)}`);
    }
    if (rule.kind !== 'delay') total += rule.probability;
  }
  if (total > 1 + EPSILON) {
    throw new LocalHipChatOptionError(
      `Invalid chaos: the probabilities of statuses and reset add up to ${Number(total.toFixed(6))}, at most 1`,
    );
  }
}

/** Parses `503=0.1,429=0.05,reset=0.05,delay=2s@0.1` (see the top of this file). */
export function parseChaos(text: string): ChaosRule[] {
  if (/^\s*(off|none)?\s*$/i.test(text)) return [];
  const rules: ChaosRule[] = [];
  for (const item of text.split(',')) {
    const at = item.indexOf('=');
    const key = item
      .slice(0, at === -1 ? item.length : at)
      .trim()
      .toLowerCase();
    const value = at === -1 ? '' : item.slice(at + 1).trim();
    if (at === -1 || value === '') {
      throw new LocalHipChatOptionError(
        `Invalid chaos ${quote(item.trim())}: expected KEY=VALUE such as 503=0.1, reset=0.05 or delay=2s@0.1`,
      );
    }
    if (key === 'reset') {
      rules.push({ kind: 'reset', probability: parseProbability(value, item.trim()) });
    } else if (key === 'delay') {
      const [duration, probability, extra] = value.split('@');
      if (probability === undefined || extra !== undefined) {
        throw new LocalHipChatOptionError(`Invalid chaos ${quote(item.trim())}: expected delay=DURATION@PROBABILITY such as delay=2s@0.1`);
      }
      let ms: number;
      try {
        ms = readDuration(duration ?? '', 'delay');
      } catch {
        throw new LocalHipChatOptionError(`Invalid chaos ${quote(item.trim())}: the delay must be a duration such as 150ms, 2s or 1m`);
      }
      rules.push({ kind: 'delay', ms, probability: parseProbability(probability, item.trim()) });
    } else if (/^\d{3}$/.test(key)) {
      rules.push({ kind: 'status', status: Number(key), probability: parseProbability(value, item.trim()) });
    } else {
      throw new LocalHipChatOptionError(`Invalid chaos ${quote(item.trim())}: the key must be a status (429, 500-599), reset or delay`);
    }
  }
  checkChaos(rules);
  return rules;
}

/** The text form of the rules; round-trips through parseChaos. No rules: `off`. */
export function formatChaos(rules: readonly ChaosRule[]): string {
  if (rules.length === 0) return 'off';
  return rules
    .map((rule) => {
      const p = String(rule.probability);
      if (rule.kind === 'status') return `${rule.status}=${p}`;
      if (rule.kind === 'reset') return `reset=${p}`;
      return `delay=${durationText(rule.ms)}@${p}`;
    })
    .join(',');
}

/**
 * Decides what chaos does to one send. Draws from `random` (values in [0, 1)) only for kinds that have
 * rules, so a test with an injected random source knows exactly which draw goes where: first the delay
 * draw, then one outcome draw.
 */
export function decideChaos(rules: readonly ChaosRule[], random: () => number): ChaosDecision {
  const decision: ChaosDecision = { delayMs: 0, outcome: undefined };
  if (rules.length === 0) return decision;
  const draw = (): number => Math.min(random(), 1 - Number.EPSILON); // a source returning 1 must not beat p = 1
  const delay = rules.find((r) => r.kind === 'delay');
  if (delay !== undefined && draw() < delay.probability) decision.delayMs = delay.ms;
  const outcomes = rules.filter((r) => r.kind !== 'delay');
  if (outcomes.length === 0) return decision;
  const total = outcomes.reduce((sum, r) => sum + r.probability, 0);
  const r = draw();
  let bound = 0;
  for (const [i, rule] of outcomes.entries()) {
    bound += rule.probability;
    // Rounding must not let 0.7 + 0.3 fall short of 1: when the outcomes cover everything, the last one
    // takes the rest.
    const last = i === outcomes.length - 1 && total >= 1 - EPSILON;
    if (rule.probability > 0 && (r < bound || last)) {
      decision.outcome = rule.kind === 'status' ? { kind: 'status', status: rule.status } : { kind: 'reset' };
      return decision;
    }
  }
  return decision;
}
