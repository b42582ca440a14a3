// HipChat's card (a rich notification: --card FILE|-, or "card" in an --ndjson line), checked against
// the fields HipChat's own schema gives them before anything is sent: a 400 after a build is too late.
// Lengths are UTF-16 code units, as HipChat counts them. The top level keeps keys it does not know, as
// HipChat does; the objects HipChat closes (description, activity, attributes) refuse them (typos).
// The schema is built on first use: a send without a card does not pay for it.
import * as z from 'zod/mini';
import { UsageError } from '../../cli/errors.js';
import { describeSchemaIssue } from '../../util/schema-issue.js';
import type { Card } from '../../notifier/message.js';

function text(min: number, max?: number) {
  return z.string().check(z.minLength(min), ...(max === undefined ? [] : [z.maxLength(max)]));
}

function buildSchema() {
  const icon = z.union([text(1), z.looseObject({ url: text(1), 'url@2x': z.optional(text(1)) })], {
    error: 'expected a URL, or {"url", "url@2x"?}',
  });
  return z.looseObject({
    style: z.enum(['file', 'image', 'application', 'link', 'media']),
    title: text(1, 500),
    id: z.optional(text(1)),
    description: z.optional(
      z.union([text(0, 500), z.strictObject({ value: text(1, 1000), format: z.enum(['html', 'text']) })], {
        error: 'expected a string of at most 500 characters, or {"value", "format": "html"|"text"}',
      }),
    ),
    format: z.optional(z.enum(['compact', 'medium'])),
    url: z.optional(text(1)),
    thumbnail: z.optional(
      z.looseObject({
        url: text(1, 250),
        'url@2x': z.optional(text(1, 250)),
        width: z.optional(z.number()),
        height: z.optional(z.number()),
      }),
    ),
    activity: z.optional(z.strictObject({ html: text(1), icon: z.optional(icon) })),
    attributes: z.optional(
      z
        .array(
          z.strictObject({
            label: z.optional(text(1, 50)),
            value: z.strictObject({
              label: text(1),
              url: z.optional(text(1)),
              style: z.optional(
                z.enum(['lozenge', 'lozenge-success', 'lozenge-error', 'lozenge-current', 'lozenge-complete', 'lozenge-moved']),
              ),
              icon: z.optional(icon),
            }),
          }),
        )
        .check(z.minLength(1), z.maxLength(10)),
    ),
    icon: z.optional(icon),
  });
}

let schema: ReturnType<typeof buildSchema> | undefined;

function describeCardIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.map(String).join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') return `${where}: unknown field ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
  if (issue.code === 'invalid_union') return `${where}: ${issue.message}`;
  return describeSchemaIssue(issue);
}

/** The card as sent, or a UsageError starting with `where` ('Invalid --card card.json', 'Invalid "card"'). */
export function checkedCard(value: unknown, where: string): Card & { title: string } {
  schema ??= buildSchema();
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    throw new UsageError(`${where}: ${describeCardIssue(issues[0]!)}${more}`);
  }
  return result.data;
}

/** A card given as JSON text (a --card file or stdin). */
export function parseCard(json: string, where: string): Card & { title: string } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new UsageError(`${where}: not valid JSON`);
  }
  return checkedCard(value, where);
}
