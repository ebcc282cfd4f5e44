import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { optionsOf } from '../../cli/args.js';
import { COMMANDS } from '../../cli/commands.js';
import { AWS_OPTIONS, COMMON_OPTIONS } from '../../cli/common-options.js';
import { BULK_EXIT_RULE, EXIT, EXIT_CODE_MEANINGS } from '../../cli/exit-codes.js';
import { globalHelp } from '../../cli/help.js';

/** docs/cli.md and --help say what the code does: kept in step by this test. */
const doc = readFileSync('docs/cli.md', 'utf8');

describe('docs/cli.md', () => {
  it('has the exit-code table of cli/exit-codes.ts, row for row', () => {
    const section = doc.slice(doc.indexOf('## Exit codes'), doc.indexOf('## Ctrl-C'));
    const rows = section.split('\n').filter((line) => /^\| \d+ \|/.test(line));
    expect(rows).toEqual(EXIT_CODE_MEANINGS.map(({ code, meaning }) => `| ${code} | ${meaning} |`));
    expect(section).toContain(BULK_EXIT_RULE);
  });

  it('lists every command and every option of the conventions table', () => {
    for (const command of COMMANDS) expect(doc).toContain(`| \`${command.name} `);
    for (const option of [...AWS_OPTIONS, ...COMMON_OPTIONS]) expect(doc).toContain(`\`--${option.name}`);
  });
});

describe('the command table', () => {
  it('gives every exit code a meaning, and every command option a help text', () => {
    expect(EXIT_CODE_MEANINGS.map((entry) => entry.code).sort((a, b) => a - b)).toEqual(
      Object.values(EXIT).sort((a, b) => a - b),
    );
    for (const command of COMMANDS) {
      expect(command.summary.length, command.name).toBeGreaterThan(10);
      for (const option of optionsOf(command))
        expect(option.help.length, `${command.name} --${option.name}`).toBeGreaterThan(5);
      expect(command.exitCodes).toContain(EXIT.usage);
    }
    expect(globalHelp()).toContain(
      `  130  ${EXIT_CODE_MEANINGS.at(-1)?.meaning.split(' ').slice(0, 3).join(' ')}`,
    );
  });
});
