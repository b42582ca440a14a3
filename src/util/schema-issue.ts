// A zod issue in one line: where in the document, and what is wrong there. Apart from any schema, so that a
// command can word its own schema's issues without loading the config file's.
import type * as z from 'zod/mini';

/** One line saying where and what: 'targets.server.hipchat.enabled: expected boolean'. */
export function describeSchemaIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.map(String).join('.') || '(top level)';
  switch (issue.code) {
    case 'invalid_type':
      return `${where}: expected ${issue.expected}`;
    case 'too_small':
      return `${where}: shorter than ${String(issue.minimum)}`;
    case 'too_big':
      return `${where}: longer than ${String(issue.maximum)}`;
    case 'invalid_value':
      return `${where}: expected ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}`;
    case 'custom':
      return `${where}: ${issue.message}`;
    default:
      return `${where}: invalid (${issue.code})`;
  }
}
