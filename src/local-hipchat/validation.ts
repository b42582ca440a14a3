// Request body validation with HipChat's error bodies. Messages quote values the way HipChat's Python did
// (u'Red', True, None), because clients and people match on them.
//
// Lengths are counted in UTF-16 code units (JavaScript's `length`). That is the strictest common reading of
// "characters": never less than the number of code points (what Python 3 counts) and what Java and
// HipChat's own web client counted, so a message we accept is within every reading of the limit.
import { MAX_ROOM_NAME_LENGTH as MAX_ROOM_NAME } from '../config/values.js';
import { errorAnswer, HttpAnswer } from './answer.js';

export const COLORS = ['yellow', 'green', 'red', 'purple', 'gray', 'random'] as const;
export type Color = (typeof COLORS)[number];
export type ShownColor = Exclude<Color, 'random'>;
/** The colours a notification is shown in (`random` picks one of them on arrival). */
export const SHOWN_COLORS: readonly ShownColor[] = ['yellow', 'green', 'red', 'purple', 'gray'];
export const isShownColor = (value: unknown): value is ShownColor => SHOWN_COLORS.includes(value as ShownColor);
export const MESSAGE_FORMATS = ['html', 'text'] as const;
export type MessageFormat = (typeof MESSAGE_FORMATS)[number];
const CARD_STYLES = ['file', 'image', 'application', 'link', 'media'];
const CARD_FORMATS = ['compact', 'medium'];
const DESCRIPTION_FORMATS = ['html', 'text'];
const LOZENGES = ['lozenge-success', 'lozenge-error', 'lozenge-current', 'lozenge-complete', 'lozenge-moved', 'lozenge'];
const PRIVACY = ['public', 'private'];

export const MAX_MESSAGE = 10_000;
export const MAX_USER_MESSAGE = 1000;

export interface CardIcon {
  url: string;
  'url@2x'?: string;
}

/** A HipChat card as accepted (unknown keys are kept: a client may send more than we show). */
export interface Card {
  style: string;
  title: string;
  id?: string;
  url?: string;
  format?: string;
  date?: number;
  description?: string | { value: string; format: string };
  thumbnail?: { url: string; 'url@2x'?: string; width?: number; height?: number };
  activity?: { html: string; icon?: string | CardIcon };
  icon?: string | CardIcon;
  attributes?: { label?: string; value: { label: string; url?: string; style?: string; icon?: string | CardIcon } }[];
  [key: string]: unknown;
}

export interface NotificationInput {
  message: string;
  message_format: MessageFormat;
  color: Color;
  notify: boolean;
  from: string;
  attach_to?: string;
  card?: Card;
}

export interface RoomInput {
  name: string;
  topic: string;
  privacy: 'public' | 'private';
  guest_access: boolean;
}

// A repr is cut so that a megabyte of bad input does not come back in the error message.
const MAX_REPR = 200;

/** Python 2-like repr, the way HipChat quoted values in validation messages. */
export function pyRepr(value: unknown, depth = 0): string {
  if (typeof value === 'string') {
    const cut = value.length > MAX_REPR ? `${value.slice(0, MAX_REPR)}...` : value;
    return `u'${cut.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`;
  }
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'number') return String(value);
  if (depth > 2) return '...';
  if (Array.isArray(value)) {
    const shown = value.slice(0, 10).map((v) => pyRepr(v, depth + 1));
    return `[${shown.join(', ')}${value.length > 10 ? ', ...' : ''}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    const shown = entries.slice(0, 10).map(([k, v]) => `${pyRepr(k, depth + 1)}: ${pyRepr(v, depth + 1)}`);
    return `{${shown.join(', ')}${entries.length > 10 ? ', ...' : ''}}`;
  }
  return String(value);
}

/** A failed check: the answer to send. */
class Invalid {
  constructor(readonly answer: HttpAnswer) {}
}

function fail(answer: HttpAnswer): never {
  throw new Invalid(answer);
}

const required = (field: string): never =>
  fail(errorAnswer(400, `Required field '${field}' is missing`, { field, validation: 'required' }));

const wrongType = (field: string, value: unknown, expected: string): never =>
  fail(
    errorAnswer(400, `Value ${pyRepr(value)} for field '${field}' is not of type '${expected}'`, {
      field,
      validation: 'type',
      expected_type: expected,
    }),
  );

const notInEnum = (field: string, value: unknown, allowed: readonly string[]): never =>
  fail(
    errorAnswer(
      400,
      `Value ${pyRepr(value)} for field '${field}' is not in the enumeration: [${allowed.map((v) => pyRepr(v)).join(', ')}]`,
      {
        field,
        validation: 'enum',
        ...(typeof value !== 'string' || value.length <= MAX_REPR ? { value } : {}),
      },
    ),
  );

const wrongLength = (field: string, min: number, max: number): never =>
  fail(errorAnswer(400, `Value for field '${field}' must be between ${min} and ${max} characters long`, { field, validation: 'length' }));

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function object(fields: Record<string, unknown>, key: string, path: string, need: boolean): Record<string, unknown> | undefined {
  const value = fields[key];
  if (value === undefined) return need ? required(path) : undefined;
  return isObject(value) ? value : wrongType(path, value, 'object');
}

function string(fields: Record<string, unknown>, key: string, path: string, min: number, max: number, need: boolean): string | undefined {
  const value = fields[key];
  if (value === undefined) return need ? required(path) : undefined;
  if (typeof value !== 'string') return wrongType(path, value, 'string');
  if (value.length < min || value.length > max) wrongLength(path, min, max);
  return value;
}

function oneOf(fields: Record<string, unknown>, key: string, path: string, allowed: readonly string[], need: boolean): string | undefined {
  const value = fields[key];
  if (value === undefined) return need ? required(path) : undefined;
  return typeof value === 'string' && allowed.includes(value) ? value : notInEnum(path, value, allowed);
}

function boolean(fields: Record<string, unknown>, key: string, path: string): boolean | undefined {
  const value = fields[key];
  if (value === undefined) return undefined;
  return typeof value === 'boolean' ? value : wrongType(path, value, 'boolean');
}

function integer(fields: Record<string, unknown>, key: string, path: string): number | undefined {
  const value = fields[key];
  if (value === undefined) return undefined;
  return Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : wrongType(path, value, 'integer');
}

/** An absolute http(s) URL: the only kind the page will ever link to or load. */
function url(fields: Record<string, unknown>, key: string, path: string, need: boolean): string | undefined {
  const value = string(fields, key, path, 1, 2000, need);
  if (value === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    fail(
      errorAnswer(400, `Value ${pyRepr(value)} for field '${path}' is not a valid http or https URL`, { field: path, validation: 'url' }),
    );
  }
  return value;
}

function icon(fields: Record<string, unknown>, key: string, path: string): void {
  const value = fields[key];
  if (value === undefined || typeof value === 'string') {
    url(fields, key, path, false);
    return;
  }
  const obj = object(fields, key, path, false) as Record<string, unknown>;
  url(obj, 'url', `${path}.url`, true);
  url(obj, 'url@2x', `${path}.url@2x`, false);
}

function validateCard(card: Record<string, unknown>): void {
  oneOf(card, 'style', 'card.style', CARD_STYLES, true);
  string(card, 'title', 'card.title', 1, 500, true);
  string(card, 'id', 'card.id', 1, 100, false);
  url(card, 'url', 'card.url', false);
  oneOf(card, 'format', 'card.format', CARD_FORMATS, false);
  integer(card, 'date', 'card.date');
  if (typeof card.description === 'string' || card.description === undefined) {
    string(card, 'description', 'card.description', 1, 1000, false);
  } else {
    const description = object(card, 'description', 'card.description', false) as Record<string, unknown>;
    string(description, 'value', 'card.description.value', 1, 1000, true);
    oneOf(description, 'format', 'card.description.format', DESCRIPTION_FORMATS, true);
  }
  const thumbnail = object(card, 'thumbnail', 'card.thumbnail', false);
  if (thumbnail !== undefined) {
    url(thumbnail, 'url', 'card.thumbnail.url', true);
    url(thumbnail, 'url@2x', 'card.thumbnail.url@2x', false);
    integer(thumbnail, 'width', 'card.thumbnail.width');
    integer(thumbnail, 'height', 'card.thumbnail.height');
  }
  const activity = object(card, 'activity', 'card.activity', false);
  if (activity !== undefined) {
    string(activity, 'html', 'card.activity.html', 1, MAX_MESSAGE, true);
    icon(activity, 'icon', 'card.activity.icon');
  }
  icon(card, 'icon', 'card.icon');
  const attributes = card.attributes;
  if (attributes === undefined) return;
  if (!Array.isArray(attributes)) wrongType('card.attributes', attributes, 'list');
  const list = attributes as unknown[];
  if (list.length > 100)
    fail(errorAnswer(400, "Field 'card.attributes' may have at most 100 items", { field: 'card.attributes', validation: 'length' }));
  for (const [i, attribute] of list.entries()) {
    const path = `card.attributes[${i}]`;
    if (!isObject(attribute)) wrongType(path, attribute, 'object');
    const attr = attribute as Record<string, unknown>;
    string(attr, 'label', `${path}.label`, 1, 100, false);
    const value = object(attr, 'value', `${path}.value`, true) as Record<string, unknown>;
    string(value, 'label', `${path}.value.label`, 1, 1000, true);
    url(value, 'url', `${path}.value.url`, false);
    oneOf(value, 'style', `${path}.value.style`, LOZENGES, false);
    icon(value, 'icon', `${path}.value.icon`);
  }
}

function run<T>(body: unknown, check: (fields: Record<string, unknown>) => T): T | HttpAnswer {
  if (!isObject(body)) {
    return errorAnswer(400, 'Request body must be a JSON object', { validation: 'type', expected_type: 'object' });
  }
  try {
    return check(body);
  } catch (err) {
    if (err instanceof Invalid) return err.answer;
    throw err;
  }
}

/** POST /v2/room/{room}/notification: the accepted input, or the 400 to answer. */
export function validateNotification(body: unknown): NotificationInput | HttpAnswer {
  return run(body, (fields) => {
    const message = string(fields, 'message', 'message', 1, MAX_MESSAGE, true) as string;
    const input: NotificationInput = {
      message,
      message_format: (oneOf(fields, 'message_format', 'message_format', MESSAGE_FORMATS, false) ?? 'html') as MessageFormat,
      color: (oneOf(fields, 'color', 'color', COLORS, false) ?? 'yellow') as Color,
      notify: boolean(fields, 'notify', 'notify') ?? false,
      from: string(fields, 'from', 'from', 0, 64, false) ?? '',
    };
    const attachTo = string(fields, 'attach_to', 'attach_to', 0, 36, false);
    if (attachTo !== undefined) input.attach_to = attachTo;
    const card = object(fields, 'card', 'card', false);
    if (card !== undefined) {
      validateCard(card);
      input.card = card as Card;
    }
    return input;
  });
}

/** POST /v2/room/{room}/message: a user message, 1-1000 characters. */
export function validateMessage(body: unknown): { message: string } | HttpAnswer {
  return run(body, (fields) => ({ message: string(fields, 'message', 'message', 1, MAX_USER_MESSAGE, true) as string }));
}

/**
 * A room name we can store, show and address: 1-100 characters (config/values.ts's limit, counted in
 * UTF-16 units like every length here), no control characters. Worded as the end of HipChat's
 * "Value for field 'name' ..." (config/values.ts roomNameProblem words notifier's own sentence).
 */
export function roomNameProblem(name: string): string | undefined {
  if (name.length < 1 || name.length > MAX_ROOM_NAME) return `must be between 1 and ${MAX_ROOM_NAME} characters long`;
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) return 'must not contain control characters';
  return undefined;
}

/** POST /v2/room. */
export function validateRoom(body: unknown): RoomInput | HttpAnswer {
  return run(body, (fields) => {
    const name = string(fields, 'name', 'name', 1, MAX_ROOM_NAME, true) as string;
    const problem = roomNameProblem(name);
    if (problem !== undefined) fail(errorAnswer(400, `Value for field 'name' ${problem}`, { field: 'name', validation: 'format' }));
    return {
      name,
      topic: string(fields, 'topic', 'topic', 0, 250, false) ?? '',
      privacy: (oneOf(fields, 'privacy', 'privacy', PRIVACY, false) ?? 'public') as 'public' | 'private',
      guest_access: boolean(fields, 'guest_access', 'guest_access') ?? false,
    };
  });
}
