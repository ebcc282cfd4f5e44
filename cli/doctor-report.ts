import type { Diagnosis } from './doctor-findings.js';

/**
 * What `ringg-rotate doctor` prints: a table for people, the same as Markdown for a CI job summary,
 * and one JSON document. Pure; the diagnoses hold fingerprints and workspace ids, never a key.
 */

export interface DoctorRun {
  readonly diagnoses: readonly Diagnosis[];
  /** --all: the function asked for, and how many secrets ListSecrets returned in all. */
  readonly listing?: { readonly functionName: string; readonly listed: number };
  readonly exitCode: number;
}

const counts = (diagnoses: readonly Diagnosis[]) => ({
  total: diagnoses.length,
  ready: diagnoses.filter((d) => d.ready).length,
});

export function doctorHeading(run: Pick<DoctorRun, 'diagnoses' | 'listing'>): string {
  const n = run.diagnoses.length;
  const what = `${n} secret${n === 1 ? '' : 's'}`;
  const scope = run.listing
    ? `${what} rotated by ${run.listing.functionName} (of ${run.listing.listed} listed)`
    : what;
  return `Doctor: checking ${scope}; read-only: nothing is regenerated or written, no key is printed.`;
}

function verdict(run: DoctorRun): string {
  const { total, ready } = counts(run.diagnoses);
  if (total === 0) return `No secret to check; check --function. Exit ${run.exitCode}.`;
  if (ready === total) return `Every secret is ready (${total} of ${total}). Exit ${run.exitCode}.`;
  return `${ready} of ${total} secrets ready; ${total - ready} need${total - ready === 1 ? 's' : ''} action. Exit ${run.exitCode}.`;
}

const list = (items: readonly string[]) => (items.length === 0 ? '-' : items.join(', '));

/** Groups the not-checked entries that read the same, so a reason shared by many secrets shows once. */
function notCheckedGroups(
  diagnoses: readonly Diagnosis[],
): { check: string; reason: string; secrets: string[] }[] {
  const groups = new Map<string, { check: string; reason: string; secrets: string[] }>();
  for (const d of diagnoses) {
    for (const n of d.notChecked) {
      const key = `${n.check}\n${n.reason}`;
      const group = groups.get(key) ?? { check: n.check, reason: n.reason, secrets: [] };
      group.secrets.push(d.name);
      groups.set(key, group);
    }
  }
  return [...groups.values()];
}

export function doctorText(run: DoctorRun): string {
  const header = ['SECRET', 'READY', 'FINDINGS', 'NOT CHECKED'];
  const rows = run.diagnoses.map((d) => [
    d.name,
    d.ready ? 'yes' : 'NO',
    list(d.findings.map((f) => f.code)),
    list(d.notChecked.map((n) => n.check)),
  ]);
  const widths = header.map((h, column) =>
    Math.max(h.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  const lines = [doctorHeading(run), ''];
  if (rows.length > 0) lines.push(line(header), ...rows.map(line));
  const needing = run.diagnoses.filter((d) => d.findings.length > 0);
  if (needing.length > 0) {
    lines.push('', 'What to do:');
    for (const d of needing) {
      lines.push(`  ${d.name}:`);
      for (const f of d.findings) lines.push(`    ${f.code}: ${f.message}`);
    }
  }
  const groups = notCheckedGroups(run.diagnoses);
  if (groups.length > 0) {
    lines.push('', 'Not checked (not findings; the exit code does not count them):');
    for (const g of groups) lines.push(`  ${g.check} (${g.secrets.join(', ')}):`, `    ${g.reason}`);
  }
  lines.push('', verdict(run));
  return `${lines.join('\n')}\n`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The table as GitHub-flavoured Markdown, what to do in its own column. */
export function doctorMarkdown(run: DoctorRun): string {
  const { total, ready } = counts(run.diagnoses);
  const lines = [
    `### Ringg key rotation doctor: ${ready} of ${total} ready`,
    '',
    doctorHeading(run),
    '',
    '| secret | ready | findings | what to do | not checked |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const d of run.diagnoses) {
    lines.push(
      `| ${[
        `\`${d.name}\``,
        d.ready ? 'yes' : '**no**',
        list(d.findings.map((f) => f.code)),
        d.findings.map((f) => `${f.code}: ${f.message}`).join('<br>'),
        list(d.notChecked.map((n) => n.check)),
      ]
        .map(cell)
        .join(' | ')} |`,
    );
  }
  const groups = notCheckedGroups(run.diagnoses);
  if (groups.length > 0) {
    lines.push('', 'Not checked (never a finding):', '');
    for (const g of groups)
      lines.push(`- ${g.check} (${g.secrets.map((s) => `\`${s}\``).join(', ')}): ${g.reason}`);
  }
  lines.push('', verdict(run), '');
  return `${lines.join('\n')}\n`;
}

/** The JSON document: `{"secrets":[{"secretId","ready","findings":[{"code","message"}],"notChecked":[…]}]}` and a few more fields. */
export function doctorJson(run: DoctorRun): Record<string, unknown> {
  const { total, ready } = counts(run.diagnoses);
  return {
    command: 'doctor',
    ...(run.listing ? { function: run.listing.functionName, listed: run.listing.listed } : {}),
    ready: total > 0 && ready === total,
    exitCode: run.exitCode,
    secrets: run.diagnoses.map((d) => ({
      secretId: d.secretId,
      name: d.name,
      ready: d.ready,
      workspaceId: d.workspaceId ?? null,
      findings: d.findings.map((f) => ({ code: f.code, message: f.message })),
      notChecked: d.notChecked.map((n) => ({ check: n.check, reason: n.reason })),
    })),
  };
}
