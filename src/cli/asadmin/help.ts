// `--help` of a subcommand, generated from its declarative option table.
import type { CommandSpec, OptionSpec } from './options.js';

function optionUsage(option: OptionSpec): string {
  if (option.type === 'boolean') return `--${option.name}[=true|false]`;
  return `--${option.name} ${option.valueName ?? 'VALUE'}`;
}

function optionNotes(option: OptionSpec): string {
  const notes: string[] = [];
  if (option.required) {
    const alternatives = [
      ...(option.alternatives?.options ?? []).map((name) => `--${name}`),
      ...(option.alternatives?.env ?? []).map((name) => `$${name}`),
    ];
    notes.push(alternatives.length > 0 ? `required unless ${alternatives.join(' or ')} is given` : 'required');
  }
  if (option.defaultValue !== undefined) notes.push(`default: ${String(option.defaultValue)}`);
  return notes.length > 0 ? ` (${notes.join('; ')})` : '';
}

export function formatCommandHelp(spec: CommandSpec, summary: string): string {
  const usageParts = spec.options.map((option) => (option.required ? optionUsage(option) : `[${optionUsage(option)}]`));
  if (spec.operands) usageParts.push(spec.operands.usage);
  const lines = [`Usage: notifier [--config FILE] [--terse] ${spec.name} ${usageParts.join(' ')}`, '', summary];
  if (spec.details) lines.push('', spec.details);

  const width = Math.max(...spec.options.map((option) => optionUsage(option).length), spec.operands?.usage.length ?? 0);
  lines.push('', 'Options (names are case-insensitive; --no-NAME sets a boolean to false):');
  for (const option of spec.options) {
    lines.push(`  ${optionUsage(option).padEnd(width)}  ${option.description}${optionNotes(option)}`);
  }
  lines.push(`  ${'--help'.padEnd(width)}  show this help`);
  if (spec.operands) lines.push('', 'Operands:', `  ${spec.operands.usage.padEnd(width)}  ${spec.operands.description}`);

  lines.push('', 'Examples:');
  for (const example of spec.examples) lines.push(`  # ${example.description}`, `  ${example.command}`, '');
  lines.push('Exit codes: 0 success, 1 failed, 2 usage error, 75 temporary failure (retry later).');
  return lines.join('\n');
}
