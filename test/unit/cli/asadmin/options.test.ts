import { describe, expect, it } from 'vitest';
import {
  missingRequiredOptions,
  missingRequiredOptionsError,
  parseArgs,
  stringOption,
  stringsOption,
  type CommandSpec,
} from '../../../../src/cli/asadmin/options.js';

const spec: CommandSpec = {
  name: 'notification-hipchat-configure',
  options: [
    { name: 'enabled', type: 'boolean', required: true, description: '' },
    { name: 'roomName', type: 'string', required: true, description: '' },
    { name: 'token', type: 'string', required: true, description: '', alternatives: { options: ['tokenFile'], env: ['HIPCHAT_TOKEN'] } },
    { name: 'tokenFile', type: 'string', description: '' },
    { name: 'noisy', type: 'boolean', description: '' },
    { name: 'message', type: 'string', description: '', verbatim: true },
  ],
  examples: [],
};
const withOperands: CommandSpec = { ...spec, name: 'send', operands: { usage: '[MESSAGE...]', description: '' } };

function parse(...argv: string[]) {
  const { options, operands } = parseArgs(withOperands, argv);
  return { options: Object.fromEntries(options), operands };
}

function parseError(...argv: string[]): string {
  try {
    parseArgs(withOperands, argv);
  } catch (error) {
    expect((error as Error).name).toBe('UsageError');
    return (error as Error).message;
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
}

describe('asadmin option parsing (asadmin.md §1)', () => {
  it('takes a value inline with --name=value', () => {
    expect(parse('--roomName=ops team').options).toEqual({ roomName: 'ops team' });
  });

  it('keeps everything after the first = as the value', () => {
    expect(parse('--token=a=b=').options).toEqual({ token: 'a=b=' });
  });

  it('takes the next argument as the value of a non-boolean option', () => {
    expect(parse('--roomName', 'ops', 'rest')).toEqual({ options: { roomName: 'ops' }, operands: ['rest'] });
  });

  it('reports a missing value at the end of the line', () => {
    expect(parseError('--roomName')).toBe('Missing value for option: roomName');
  });

  it('treats a bare boolean as true', () => {
    expect(parse('--enabled').options).toEqual({ enabled: true });
  });

  it('lets a boolean consume a following true/false in any case', () => {
    expect(parse('--enabled', 'FALSE', 'x')).toEqual({ options: { enabled: false }, operands: ['x'] });
    expect(parse('--enabled', 'True').options).toEqual({ enabled: true });
  });

  it('leaves any other following word as an operand', () => {
    expect(parse('--enabled', 'maybe')).toEqual({ options: { enabled: true }, operands: ['maybe'] });
    expect(parse('--enabled', 'yes')).toEqual({ options: { enabled: true }, operands: ['yes'] });
  });

  it('accepts explicit --flag=true / --flag=false in any case', () => {
    expect(parse('--enabled=false').options).toEqual({ enabled: false });
    expect(parse('--ENABLED=TRUE').options).toEqual({ enabled: true });
  });

  it("refuses any other inline boolean value with asadmin's text", () => {
    expect(parseError('--enabled=maybe')).toBe('Invalid boolean value for option: enabled, Value: maybe');
    expect(parseError('--enabled=')).toBe('Invalid boolean value for option: enabled, Value: ');
  });

  it('sets a boolean false with --no-flag', () => {
    expect(parse('--no-enabled').options).toEqual({ enabled: false });
    expect(parse('--NO-Enabled').options).toEqual({ enabled: false });
  });

  it('matches an exact name before the no- prefix', () => {
    expect(parse('--noisy').options).toEqual({ noisy: true });
    expect(parse('--no-noisy').options).toEqual({ noisy: false });
  });

  it('refuses --no- on a non-boolean option', () => {
    expect(parseError('--no-roomName')).toBe('"--no" illegal with non-boolean option: roomName');
  });

  it('refuses a value on --no-flag', () => {
    expect(parseError('--no-enabled=x')).toBe('Option may not have value: --no-enabled=x');
  });

  it('matches option names case-insensitively', () => {
    expect(parse('--roomname', 'a').options).toEqual({ roomName: 'a' });
    expect(parse('--ROOMNAME=b').options).toEqual({ roomName: 'b' });
  });

  it('names an unknown option as typed', () => {
    expect(parseError('--bogus')).toBe('Invalid option: --bogus');
    expect(parseError('--BoGus=1')).toBe('Invalid option: --BoGus');
    expect(parseError('-x')).toBe('Invalid option: -x');
  });

  it('refuses an option given twice, whatever its spelling', () => {
    expect(parseError('--roomName=a', '--roomname', 'b')).toBe('Repeats not allowed for option: roomName');
    expect(parseError('--enabled', '--no-enabled')).toBe('Repeats not allowed for option: enabled');
  });

  it('ends options at -- and treats a lone - as an operand', () => {
    expect(parse('--', '--enabled', '-')).toEqual({ options: {}, operands: ['--enabled', '-'] });
    expect(parse('-').operands).toEqual(['-']);
  });

  it('recognises --help anywhere', () => {
    expect(parseArgs(spec, ['--enabled', '--help']).help).toBe(true);
  });

  it('refuses operands where the command takes none', () => {
    expect(() => parseArgs(spec, ['--enabled', 'maybe'])).toThrow(
      'Command notification-hipchat-configure takes no operands, but 1 was given',
    );
  });
});

describe('trimming (Parser.java L324-325: if (value != null) value = value.trim();)', () => {
  it("trims option values at both ends as Java's trim() does, inline or following, booleans too", () => {
    expect(parse('--roomName=  ops team \t', '--token', '\r\n tok\u0000', '--enabled= FALSE ').options).toEqual({
      roomName: 'ops team',
      token: 'tok',
      enabled: false,
    });
    // U+00A0 is not a character Java's trim() removes.
    expect(parse('--roomName=\u00a0ops ').options).toEqual({ roomName: '\u00a0ops' });
    expect(parse('--roomName=   ').options).toEqual({ roomName: '' });
  });

  it('keeps operands, verbatim options and the untrimmed look-ahead of a boolean as given', () => {
    expect(parse('--message', '  indented\n', ' operand ').options).toEqual({ message: '  indented\n' });
    expect(parse(' operand ').operands).toEqual([' operand ']);
    // asadmin tests the argument after a boolean untrimmed: " true" is an operand, not its value.
    expect(parse('--noisy', ' true')).toEqual({ options: { noisy: true }, operands: [' true'] });
  });
});

describe('repeatable options', () => {
  const repeatable: CommandSpec = {
    name: 'start-local-hipchat',
    options: [
      { name: 'token', type: 'string', repeatable: true, description: '' },
      { name: 'port', type: 'string', description: '' },
    ],
    examples: [],
  };

  it('keeps every value in order, however the name is spelt and the value given', () => {
    const args = parseArgs(repeatable, ['--token=a', '--port', '1', '--TOKEN', ' b ', '--token=a']);
    expect(stringsOption(args, 'token')).toEqual(['a', 'b', 'a']);
    expect(Object.fromEntries(args.options)).toEqual({ token: ['a', 'b', 'a'], port: '1' });
    // stringOption never hands a list where one value is expected
    expect(stringOption(args, 'token')).toBeUndefined();
    expect(stringsOption(parseArgs(repeatable, ['--token', 'only']), 'token')).toEqual(['only']);
    expect(stringsOption(parseArgs(repeatable, []), 'token')).toBeUndefined();
  });

  it('still refuses repeats of the options that are not declared repeatable', () => {
    expect(() => parseArgs(repeatable, ['--token=a', '--port=1', '--port=2'])).toThrow('Repeats not allowed for option: port');
  });
});

describe('required options', () => {
  it('lists the missing ones, honouring alternatives', () => {
    const args = parseArgs(spec, ['--enabled']);
    expect(missingRequiredOptions(spec, args, {}).map((option) => option.name)).toEqual(['roomName', 'token']);
    expect(missingRequiredOptions(spec, args, { HIPCHAT_TOKEN: 'x' }).map((option) => option.name)).toEqual(['roomName']);
    const withFile = parseArgs(spec, ['--enabled', '--roomName=a', '--tokenFile=f']);
    expect(missingRequiredOptions(spec, withFile, {})).toEqual([]);
  });

  it('words the error as asadmin does', () => {
    expect(missingRequiredOptionsError('notification-hipchat-configure', ['roomName', 'token']).message).toBe(
      [
        'Option --roomName is required but was not specified',
        'Option --token is required but was not specified',
        'Command notification-hipchat-configure is missing required options',
      ].join('\n'),
    );
  });
});
