import { type BulkCounts, type BulkEntry, categoryOf, errorCodeOf } from './bulk-result.js';
import { adviceForEntry } from './failure-advice.js';
import { SHARED_WORKSPACE } from './preflight.js';

/**
 * Rendering of a bulk rotation for people: one line per finished secret, the final summary table as
 * text, and the same table as Markdown for a CI job summary. Pure: no I/O, never a key.
 */

const RESULT_LABEL: Record<BulkEntry['result'], string> = {
  rotated: 'rotated',
  'would-rotate': 'would rotate',
  started: 'started',
  failed: 'FAILED',
  'timed-out': 'TIMED OUT',
  'key-rejected': 'KEY REJECTED',
  refused: 'REFUSED',
};

const short = (version: string | undefined) => (version ? `${version.slice(0, 8)}…` : '-');
const seconds = (value: number) => `${value.toFixed(1)} s`;

function versionOf(entry: BulkEntry): string | undefined {
  return 'token' in entry ? entry.token : undefined;
}

function keyOf(entry: BulkEntry): string {
  if (entry.result !== 'rotated' && entry.result !== 'key-rejected') return '-';
  return entry.key.fingerprint ?? '(not readable)';
}

/** The line printed when a secret is done, e.g. `[3/20] ringg/a: rotated in 1.2 s, version 1234abcd…, key sha256:…`. */
export function entryLine(entry: BulkEntry, position: number, total: number): string {
  const width = String(total).length;
  const prefix = `[${String(position).padStart(width)}/${total}] ${entry.name}: `;
  switch (entry.result) {
    case 'rotated': {
      const check =
        entry.key.fingerprint === null
          ? ' (proved by the rotation before promotion)'
          : entry.key.verified
            ? ', Ringg accepts it'
            : `, not confirmed with Ringg: ${entry.checkProblem}`;
      return `${prefix}rotated in ${seconds(entry.elapsedSeconds)}, version ${short(entry.token)}, key ${keyOf(entry)}${check}`;
    }
    case 'would-rotate':
      return `${prefix}would rotate (function ${entry.rotationFunction})`;
    case 'started':
      return `${prefix}started, version ${short(entry.token)}`;
    case 'failed':
      return `${prefix}FAILED${entry.step ? ` in ${entry.step}` : ''} after ${seconds(entry.elapsedSeconds)}: ${entry.error.code}`;
    case 'timed-out':
      return `${prefix}TIMED OUT after ${seconds(entry.elapsedSeconds)}${entry.error ? `, last error ${entry.error.code}` : ''}; it may still finish`;
    case 'key-rejected':
      return `${prefix}rotated, but Ringg REJECTS key ${keyOf(entry)} (HTTP ${entry.status})`;
    case 'refused': {
      const shared = entry.error.code === SHARED_WORKSPACE ? (entry.workspace?.sharedWith ?? []) : [];
      const with_ = shared.length > 0 ? ` with ${shared.map((s) => s.name).join(', ')}` : '';
      return `${prefix}REFUSED: ${entry.error.code}${with_}; nothing changed`;
    }
  }
}

function rows(entries: readonly BulkEntry[], fullVersion: boolean): string[][] {
  return entries.map((entry) => [
    entry.name,
    RESULT_LABEL[entry.result],
    fullVersion ? (versionOf(entry) ?? '-') : short(versionOf(entry)),
    keyOf(entry),
    entry.result === 'would-rotate' ? '-' : seconds(entry.elapsedSeconds),
    errorCodeOf(entry) ?? '-',
  ]);
}

const HEADER = ['SECRET', 'RESULT', 'VERSION', 'KEY', 'DURATION', 'ERROR'];

export function totalsLine(counts: BulkCounts, elapsedSeconds: number, dryRun: boolean): string {
  const verb = dryRun ? 'would rotate' : 'rotated';
  return `${counts.total} secret${counts.total === 1 ? '' : 's'}: ${counts.rotated} ${verb}, ${counts.failed} failed, ${counts.refused} refused, in ${seconds(elapsedSeconds)}.`;
}

/** Advice grouped by error code and advice, so fifty secrets with one cause get one line. */
function adviceGroups(entries: readonly BulkEntry[]): { code: string; secrets: string[]; advice: string }[] {
  const groups = new Map<string, { code: string; secrets: string[]; advice: string }>();
  for (const entry of entries) {
    const advice = adviceForEntry(entry);
    if (advice === undefined) continue;
    const code = errorCodeOf(entry) ?? entry.result;
    const key = `${entry.result}:${code}:${advice}`;
    const group = groups.get(key) ?? { code, secrets: [], advice };
    group.secrets.push(entry.name);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * The workspaces more than one secret holds, from the entries' workspace notes: each with its
 * selected secrets first, then the others found in the account by their tag.
 */
export function sharedWorkspaceLines(entries: readonly BulkEntry[]): string[] {
  const groups = new Map<string, Map<string, string>>();
  for (const entry of entries) {
    const note = entry.workspace;
    if (!note?.id || note.sharedWith.length === 0) continue;
    const group = groups.get(note.id) ?? new Map<string, string>();
    group.set(entry.name, entry.name);
    for (const other of note.sharedWith)
      if (!group.has(other.name))
        group.set(other.name, other.selected ? other.name : `${other.name} (not selected)`);
    groups.set(note.id, group);
  }
  return [...groups]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, names]) => `${id}: ${[...names.values()].sort().join(', ')}`);
}

const SHARED_HEADING =
  "Shared workspaces (a workspace has one live key, so rotating one of these secrets kills the others' key; none was rotated):";

/** The final summary as an aligned text table, the totals, and what to do for each failure. */
export function summaryText(
  entries: readonly BulkEntry[],
  counts: BulkCounts,
  elapsedSeconds: number,
  dryRun: boolean,
): string {
  const advice = adviceText(entries);
  return `${summaryTable(entries, counts, elapsedSeconds, dryRun)}${advice ? `\n${advice}` : ''}`;
}

/** The summary's table and totals: the result of a bulk rotation (stdout). */
export function summaryTable(
  entries: readonly BulkEntry[],
  counts: BulkCounts,
  elapsedSeconds: number,
  dryRun: boolean,
): string {
  const table = [HEADER, ...rows(entries, false)];
  const widths = HEADER.map((_, column) => Math.max(...table.map((row) => row[column]?.length ?? 0)));
  const lines = table.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  lines.push('', totalsLine(counts, elapsedSeconds, dryRun));
  const shared = sharedWorkspaceLines(entries);
  if (shared.length > 0) lines.push('', SHARED_HEADING, ...shared.map((line) => `  ${line}`));
  return `${lines.join('\n')}\n`;
}

/** What to do for each error code, naming its secrets (stderr); empty when every secret rotated. */
export function adviceText(entries: readonly BulkEntry[]): string {
  const groups = adviceGroups(entries);
  if (groups.length === 0) return '';
  const lines = ['What to do:'];
  for (const group of groups) {
    lines.push(`  ${group.code} (${group.secrets.join(', ')}):`, `    ${group.advice}`);
  }
  return `${lines.join('\n')}\n`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The same summary as GitHub-flavoured Markdown, with the advice in its own column. */
export function summaryMarkdown(
  entries: readonly BulkEntry[],
  counts: BulkCounts,
  elapsedSeconds: number,
  dryRun: boolean,
): string {
  const lines = [
    `### Ringg key rotation${dryRun ? ' (dry run)' : ''}: ${counts.rotated} of ${counts.total} ${dryRun ? 'would rotate' : 'rotated'}`,
    '',
    totalsLine(counts, elapsedSeconds, dryRun),
    '',
    `| ${[...HEADER.map((h) => h.toLowerCase()), 'what to do'].join(' | ')} |`,
    `|${' --- |'.repeat(HEADER.length + 1)}`,
  ];
  rows(entries, true).forEach((row, index) => {
    const entry = entries[index] as BulkEntry;
    const advice = adviceForEntry(entry) ?? '';
    const values = [...row.map((value, column) => (column === 0 ? `\`${value}\`` : value)), advice];
    lines.push(`| ${values.map(cell).join(' | ')} |`);
  });
  const shared = sharedWorkspaceLines(entries);
  if (shared.length > 0) lines.push('', SHARED_HEADING, '', ...shared.map((line) => `- ${cell(line)}`));
  const failed = entries.filter((entry) => categoryOf(entry) !== 'rotated').length;
  if (failed > 0)
    lines.push('', 'Error codes and their runbooks: README "Rotate everything after an incident".');
  return `${lines.join('\n')}\n`;
}
