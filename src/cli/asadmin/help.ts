// `--help` of a subcommand, generated from its declarative option table.
import type { CommandSpec, OptionSpec } from './options.js';

const EXIT_CODE_MEANINGS: Record<number, string> = {
  0: 'success',
  1: 'failed',
  2: 'usage error',
  75: 'temporary failure (retry later)',
  130: 'interrupted',
};

/** Usage lines are wrapped before this column, continuation lines indented. */
const USAGE_WIDTH = 100;
const USAGE_INDENT = '    ';

/** `--name VALUE`, `--flag[=true|false]`; `--flag` alone when compact (the program's own options). */
function optionUsage(option: OptionSpec, compact = false): string {
  if (option.type === 'boolean') return compact ? `--${option.name}` : `--${option.name}[=true|false]`;
  return `--${option.name} ${option.valueName ?? 'VALUE'}`;
}

function optionNotes(option: OptionSpec): string {
  const notes: string[] = [];
  const alternatives = [
    ...(option.alternatives?.options ?? []).map((name) => `--${name}`),
    ...(option.alternatives?.env ?? []).map((name) => `$${name}`),
  ];
  if (option.required) notes.push(alternatives.length > 0 ? `required unless ${alternatives.join(' or ')} is given` : 'required');
  else if (alternatives.length > 0) notes.push(`or ${alternatives.join(', ')}`);
  if (option.defaultValue !== undefined) notes.push(`default: ${String(option.defaultValue)}`);
  return notes.length > 0 ? ` (${notes.join('; ')})` : '';
}

/**
 * The usage of each option, once: an option and its alternatives (`--token TOKEN | --tokenFile FILE |
 * $HIPCHAT_TOKEN`, the first environment variable only) as one part, in (…) when one of them is needed.
 */
function usageParts(options: readonly OptionSpec[], compact = false): string[] {
  const byName = new Map(options.map((option) => [option.name, option]));
  const shownWithAnother = new Set(options.flatMap((option) => option.alternatives?.options ?? []));
  return options
    .filter((option) => !shownWithAnother.has(option.name))
    .map((option) => {
      const alternatives = option.alternatives?.options?.map((name) => byName.get(name)).filter((other) => other !== undefined) ?? [];
      const env = option.alternatives?.env?.[0];
      const choices = [option, ...alternatives].map((choice) => optionUsage(choice, compact)).concat(env === undefined ? [] : [`$${env}`]);
      if (!option.required) return `[${choices.join(' | ')}]`;
      return choices.length > 1 ? `(${choices.join(' | ')})` : choices[0]!;
    });
}

/** 'Usage: notifier …' wrapped at USAGE_WIDTH, never inside a part. */
function usageLines(first: string, parts: readonly string[]): string[] {
  const lines = [first];
  for (const part of parts) {
    const last = lines.at(-1)!;
    if (last.length + 1 + part.length <= USAGE_WIDTH) lines[lines.length - 1] = `${last} ${part}`;
    else lines.push(`${USAGE_INDENT}${part}`);
  }
  return lines;
}

/** The exit codes a command can return, as its help lists them. */
export function exitCodesOf(spec: CommandSpec): number[] {
  const codes = new Set([0, 1, 2, ...(spec.moreExitCodes ?? [])]);
  // A missing required option is prompted for at a terminal, and Ctrl-C there ends the command.
  if (spec.options.some((option) => option.required)) codes.add(130);
  return [...codes].sort((a, b) => a - b);
}

export function formatExitCodes(codes: readonly number[]): string {
  return `Exit codes: ${codes.map((code) => `${code} ${EXIT_CODE_MEANINGS[code]}`).join(', ')}.`;
}

/** The help of a command; `globals` are the program's options, also accepted after the subcommand. */
export function formatCommandHelp(spec: CommandSpec, summary: string, globals: readonly OptionSpec[] = []): string {
  const parts = usageParts(spec.options);
  if (spec.operands) parts.push(spec.operands.usage);
  const lines = [...usageLines(['Usage: notifier', ...usageParts(globals, true), spec.name].join(' '), parts), '', summary];
  if (spec.details) lines.push('', spec.details);

  const listed = [...spec.options, ...globals];
  const width = Math.max(...listed.map((option) => optionUsage(option).length), spec.operands?.usage.length ?? 0);
  lines.push('', 'Options (names are case-insensitive; --no-NAME sets a boolean to false):');
  for (const option of listed) {
    lines.push(`  ${optionUsage(option).padEnd(width)}  ${option.description}${optionNotes(option)}`);
  }
  lines.push(`  ${'--help'.padEnd(width)}  show this help`);
  lines.push(`  ${'--version'.padEnd(width)}  print the version`);
  if (spec.operands) lines.push('', 'Operands:', `  ${spec.operands.usage.padEnd(width)}  ${spec.operands.description}`);

  lines.push('', 'Examples:');
  for (const example of spec.examples) lines.push(`  # ${example.description}`, `  ${example.command}`, '');
  lines.push(formatExitCodes(exitCodesOf(spec)));
  return lines.join('\n');
}
