import { parameterNamesProblem } from '../common/parameter-names.js';
import { MAX_API_KEY_LENGTH, SECRET_STRING_MAX_BYTES, type SecretFormat } from '../common/secret-value.js';
import { WORKSPACE_TAG_KEY } from '../common/workspace-tag.js';
import { describeFunctionRef, type FunctionRef, rotatedBy } from './function-ref.js';

/**
 * Will the next rotation of a secret work? Facts in, findings out: every decision of
 * `ringg-rotate doctor`, and the part of the bulk preflight that reads the secret's rotation setup.
 * Pure: the facts are gathered beforehand (cli/doctor.ts), read-only. No key ever enters here.
 */

/** What a rotation needs from the secret's own settings: a function, rotation on, no open rotation. */
export interface RotationSetup {
  readonly rotationEnabled: boolean;
  readonly rotationFunction: string | undefined;
  /** AWSPENDING on a version that is not AWSCURRENT. */
  readonly stuck: { readonly versionId: string; readonly since: Date | undefined } | undefined;
}

export type SetupBlocker =
  | { readonly kind: 'no-rotation-function' }
  | { readonly kind: 'other-rotation-function'; readonly rotationFunction: string; readonly expected: string }
  | { readonly kind: 'rotation-off'; readonly rotationFunction: string }
  | { readonly kind: 'rotation-open'; readonly versionId: string; readonly since: Date | undefined };

/**
 * Everything in the secret's settings that stands in the way of starting its next rotation (with
 * `functionRef`: by that function), most fundamental first. The bulk preflight refuses on the first;
 * doctor reports them all.
 */
export function setupBlockers(setup: RotationSetup, functionRef: FunctionRef | undefined): SetupBlocker[] {
  const blockers: SetupBlocker[] = [];
  const fn = setup.rotationFunction;
  if (fn === undefined) blockers.push({ kind: 'no-rotation-function' });
  else if (functionRef && !rotatedBy(functionRef, fn)) {
    blockers.push({
      kind: 'other-rotation-function',
      rotationFunction: fn,
      expected: describeFunctionRef(functionRef),
    });
  } else if (!setup.rotationEnabled) blockers.push({ kind: 'rotation-off', rotationFunction: fn });
  if (setup.stuck) blockers.push({ kind: 'rotation-open', ...setup.stuck });
  return blockers;
}

export const FINDING_CODES = [
  'secret-not-found',
  'secret-access-denied',
  'rotation-disabled',
  'rotation-stuck',
  'secret-name-too-deep',
  'invalid-secret-value',
  'secret-too-large',
  'current-key-rejected',
  'permission-denied',
  'workspace-unknown',
  'workspace-mismatch',
  'workspace-shared',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

/** Something that makes the next rotation fail, or do harm; the message says what to do. */
export interface Finding {
  readonly code: FindingCode;
  readonly message: string;
}

export const CHECKS = [
  'secret-value',
  'current-key',
  'pending-key',
  'workspace-holders',
  'key-manage-permission',
] as const;
export type CheckName = (typeof CHECKS)[number];

/** A check that the caller's permissions, Ringg or the account could not answer: never a finding. */
export interface NotChecked {
  readonly check: CheckName;
  readonly reason: string;
}

export interface Diagnosis {
  readonly secretId: string;
  readonly name: string;
  /** No finding: the next rotation is expected to work (as far as `notChecked` allows to say). */
  readonly ready: boolean;
  /** The workspace the secret's key belongs to: Ringg's answer, else the secret's tag. */
  readonly workspaceId: string | undefined;
  readonly findings: readonly Finding[];
  readonly notChecked: readonly NotChecked[];
}

/** AWSCURRENT's value, as far as it could be read. */
export type ValueFact =
  | { readonly kind: 'read'; readonly format: SecretFormat; readonly worstCaseBytes: number }
  | { readonly kind: 'invalid'; readonly problem: string }
  | { readonly kind: 'unreadable'; readonly reason: string };

/** Ringg's answer to `GET /workspace` with a key. `fingerprint` names the key; it is not the key. */
export type KeyFact =
  | { readonly kind: 'not-asked' }
  | { readonly kind: 'valid'; readonly fingerprint: string; readonly workspaceId: string | undefined }
  | { readonly kind: 'rejected'; readonly fingerprint: string }
  | { readonly kind: 'forbidden'; readonly fingerprint: string }
  | { readonly kind: 'unavailable'; readonly fingerprint: string; readonly detail: string };

/** The open rotation's AWSPENDING key; looked at only when AWSCURRENT is rejected, to never advise killing it. */
export type PendingKeyFact =
  | { readonly kind: 'not-asked' }
  | { readonly kind: 'empty' }
  | { readonly kind: 'unreadable'; readonly reason: string }
  | Exclude<KeyFact, { kind: 'not-asked' }>;

export interface Holder {
  readonly arn: string;
  readonly name: string;
}

/** Other secrets of the account tagged with the secret's workspace (ListSecrets with tag filters). */
export type HoldersFact =
  | { readonly kind: 'listed'; readonly holders: readonly Holder[] }
  | { readonly kind: 'not-listed'; readonly reason: string }
  /** No workspace to look for: no tag, and Ringg was not asked or named none. */
  | { readonly kind: 'no-workspace' };

/** The function's account of the open rotation (its failure tag), when it is about that version. Never a key. */
export interface OpenRotationJournal {
  readonly step: string;
  readonly state: string;
  readonly updatedAt: string;
  readonly lastError?: { readonly code: string; readonly step: string; readonly retryable: boolean };
}

export type SecretFacts =
  | {
      readonly kind: 'unseen';
      readonly secretId: string;
      readonly reason: 'not-found' | 'access-denied';
      /** The configuration problem's message and hint (cli/aws-setup.ts). */
      readonly message: string;
    }
  | {
      readonly kind: 'described';
      readonly secretId: string;
      readonly arn: string;
      readonly name: string;
      readonly setup: RotationSetup;
      readonly workspaceTag: string | undefined;
      readonly journal: OpenRotationJournal | undefined;
      readonly value: ValueFact;
      readonly currentKey: KeyFact;
      readonly pendingKey: PendingKeyFact;
      readonly holders: HoldersFact;
    };

export interface DiagnoseOptions {
  /** The function the secrets must be rotated by (--function), if given. */
  readonly functionRef: FunctionRef | undefined;
  /** ROTATION_PARAMETER_PREFIX as this CLI sees it (the function must use the same). */
  readonly parameterPrefix: string;
  readonly ringgBaseUrl: string;
}

/** The workspace a secret's key belongs to: what Ringg says, else what the tag says. */
export function workspaceOf(facts: SecretFacts): string | undefined {
  if (facts.kind !== 'described') return undefined;
  if (facts.currentKey.kind === 'valid' && facts.currentKey.workspaceId) return facts.currentKey.workspaceId;
  return facts.workspaceTag || undefined;
}

/** One diagnosis per secret, in order. Secrets checked together are compared for a shared workspace. */
export function diagnose(all: readonly SecretFacts[], options: DiagnoseOptions): Diagnosis[] {
  return all.map((facts) => diagnoseOne(facts, all, options));
}

function diagnoseOne(facts: SecretFacts, all: readonly SecretFacts[], options: DiagnoseOptions): Diagnosis {
  if (facts.kind === 'unseen') {
    return {
      secretId: facts.secretId,
      name: facts.secretId,
      ready: false,
      workspaceId: undefined,
      findings: [
        {
          code: facts.reason === 'not-found' ? 'secret-not-found' : 'secret-access-denied',
          message: facts.message,
        },
      ],
      notChecked: [],
    };
  }
  const findings: Finding[] = [];
  const notChecked: NotChecked[] = [];
  const name = facts.name;
  const workspaceId = workspaceOf(facts);
  const others = sharingSecrets(facts, workspaceId, all);

  for (const blocker of setupBlockers(facts.setup, options.functionRef)) {
    findings.push(setupFinding(name, blocker, facts.journal));
  }
  const namesProblem = parameterNamesProblem(options.parameterPrefix, name);
  if (namesProblem) {
    findings.push({
      code: 'secret-name-too-deep',
      message: `${name} cannot be rotated: ${namesProblem} (ROTATION_PARAMETER_PREFIX ${options.parameterPrefix} as this CLI sees it; the function must use the same). The function refuses before anything changes.`,
    });
  }

  const value = facts.value;
  if (value.kind === 'unreadable') {
    notChecked.push({ check: 'secret-value', reason: value.reason });
    notChecked.push({
      check: 'current-key',
      reason: 'Ringg was not asked about the AWSCURRENT key: its value could not be read (see secret-value).',
    });
  } else if (value.kind === 'invalid') {
    findings.push({
      code: 'invalid-secret-value',
      message: `The AWSCURRENT value of ${name} is not a Ringg key the function understands: ${value.problem}. Store the key itself as a plain string, or a JSON object with the key in the string field "apiKey" (docs/doctor.md: invalid-secret-value). The function refuses before anything changes.`,
    });
  } else if (value.worstCaseBytes > SECRET_STRING_MAX_BYTES) {
    findings.push({
      code: 'secret-too-large',
      message: `A new value of ${name} could reach ${value.worstCaseBytes} bytes with the longest key the function accepts (${MAX_API_KEY_LENGTH} characters, each escaped to 2 bytes in JSON), over Secrets Manager's ${SECRET_STRING_MAX_BYTES.toLocaleString('en-US')}-byte limit; the function refuses before regenerating. Shrink the other JSON fields of AWSCURRENT.`,
    });
  }

  findings.push(...keyFindings(facts, others, options));
  if (facts.currentKey.kind === 'unavailable') {
    notChecked.push({
      check: 'current-key',
      reason: `Ringg did not answer usefully about the AWSCURRENT key ${facts.currentKey.fingerprint} (${facts.currentKey.detail}); the function would stop there too, with nothing changed. Run doctor again when Ringg answers.`,
    });
  }
  if (facts.currentKey.kind === 'valid') {
    notChecked.push({
      check: 'key-manage-permission',
      reason:
        'Whether the key may regenerate (manage API keys) shows only by regenerating, which kills it: doctor never asks. Without it the first rotation fails with permission-denied, with nothing lost.',
    });
  }
  if (facts.pendingKey.kind === 'unreadable') {
    notChecked.push({ check: 'pending-key', reason: facts.pendingKey.reason });
  }

  if (facts.holders.kind === 'not-listed') {
    notChecked.push({
      check: 'workspace-holders',
      reason: `${facts.holders.reason}; only the secrets checked here were compared.`,
    });
  } else if (facts.holders.kind === 'no-workspace' && others.length === 0) {
    notChecked.push({
      check: 'workspace-holders',
      reason: `The workspace of ${name} is not known (no ${WORKSPACE_TAG_KEY} tag, and Ringg named none), so other secrets holding it cannot be looked for.`,
    });
  }
  if (others.length > 0 && workspaceId) {
    findings.push({
      code: 'workspace-shared',
      message: `Ringg workspace ${workspaceId} is also held by ${others.map(describeHolder).join(', ')}. A workspace has one live key: rotating any of these secrets kills the key in the others. Keep one secret per workspace: delete the copies and serve other Regions with replica secrets and other accounts with a resource policy (docs/doctor.md: workspace-shared). Until then rotate none of them.`,
    });
  }
  return { secretId: facts.secretId, name, ready: findings.length === 0, workspaceId, findings, notChecked };
}

interface SharingSecret {
  readonly name: string;
  /** How doctor knows: the secret was checked here (its key's workspace), or only its tag says so. */
  readonly source: 'checked' | 'tagged';
  /** For a checked secret: whether Ringg accepts its AWSCURRENT key. */
  readonly key: KeyFact;
}

/** The other secrets holding `workspaceId`: those checked here, and those the account's tags name. */
function sharingSecrets(
  self: Extract<SecretFacts, { kind: 'described' }>,
  workspaceId: string | undefined,
  all: readonly SecretFacts[],
): SharingSecret[] {
  if (!workspaceId) return [];
  const checked = new Map<string, Extract<SecretFacts, { kind: 'described' }>>();
  for (const other of all) if (other.kind === 'described') checked.set(other.arn, other);
  const found = new Map<string, SharingSecret>();
  for (const other of checked.values()) {
    if (other.arn !== self.arn && workspaceOf(other) === workspaceId) {
      found.set(other.arn, { name: other.name, source: 'checked', key: other.currentKey });
    }
  }
  if (self.holders.kind === 'listed') {
    for (const holder of self.holders.holders) {
      const other = checked.get(holder.arn);
      // A secret checked here whose key Ringg places in another workspace does not share this one.
      if (holder.arn === self.arn || found.has(holder.arn) || other) continue;
      found.set(holder.arn, { name: holder.name, source: 'tagged', key: { kind: 'not-asked' } });
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function describeHolder(other: SharingSecret): string {
  if (other.source === 'tagged')
    return `${other.name} (tagged ${WORKSPACE_TAG_KEY} with it, not checked here)`;
  const key = other.key;
  const state =
    key.kind === 'valid'
      ? `Ringg accepts its key ${key.fingerprint}`
      : key.kind === 'rejected'
        ? `Ringg rejects its key ${key.fingerprint}`
        : 'its key not checked';
  return `${other.name} (checked here: ${state})`;
}

function setupFinding(
  name: string,
  blocker: SetupBlocker,
  journal: OpenRotationJournal | undefined,
): Finding {
  switch (blocker.kind) {
    case 'no-rotation-function':
      return {
        code: 'rotation-disabled',
        message: `${name} has no rotation function, so Secrets Manager never rotates it. Add it to the stack (secretNames/secretArns) and deploy.`,
      };
    case 'other-rotation-function':
      return {
        code: 'rotation-disabled',
        message: `${name} is rotated by ${blocker.rotationFunction}, not by ${blocker.expected}: this project's function never runs for it. Leave it out, or check that --function names this project's function (stack output FunctionName).`,
      };
    case 'rotation-off':
      return {
        code: 'rotation-disabled',
        message: `Rotation is turned off on ${name} (function ${blocker.rotationFunction}): no scheduled rotation runs, and ringg-rotate rotate will not turn it back on. Deploy the stack (or enable rotation) to turn it on.`,
      };
    case 'rotation-open': {
      const since = blocker.since ? `created ${blocker.since.toISOString()}` : 'created at a time not known';
      const noted = journal
        ? `; its last attempt failed in ${journal.step} at ${journal.updatedAt}${journal.lastError ? ` with ${journal.lastError.code}${journal.lastError.retryable ? ' (Secrets Manager retries)' : ''}` : ''}`
        : '';
      return {
        code: 'rotation-stuck',
        message: `A rotation of ${name} is open: AWSPENDING is on version ${blocker.versionId} (${since}), not on AWSCURRENT, and Secrets Manager starts no other rotation until it ends${noted}. If it is not running right now, resume it: ringg-rotate resume --secret-id ${name} (runs its remaining steps; no step regenerates twice); ringg-rotate status --secret-id ${name} shows where it is. Never regenerate in the Ringg dashboard while it is open: AWSPENDING or a rescue parameter may hold the new key.`,
      };
    }
  }
}

function keyFindings(
  facts: Extract<SecretFacts, { kind: 'described' }>,
  others: readonly SharingSecret[],
  options: DiagnoseOptions,
): Finding[] {
  const name = facts.name;
  const key = facts.currentKey;
  switch (key.kind) {
    case 'not-asked':
    case 'unavailable':
      return [];
    case 'rejected':
      return [
        {
          code: 'current-key-rejected',
          message: `Ringg rejects the AWSCURRENT key ${key.fingerprint} of ${name} (HTTP 401): no rotation can start from it, and nothing was regenerated. ${recovery(facts, others)}`,
        },
      ];
    case 'forbidden':
      return [
        {
          code: 'permission-denied',
          message: `Ringg answers 403 to GET /workspace with the AWSCURRENT key ${key.fingerprint} of ${name}: the key may not read its workspace, and the function refuses before regenerating. Store a workspace administrator's key with ringg-rotate recover --secret-id ${name}.`,
        },
      ];
    case 'valid': {
      if (key.workspaceId === undefined) {
        return [
          {
            code: 'workspace-unknown',
            message: `Ringg accepts the AWSCURRENT key ${key.fingerprint} of ${name} but its answer names no usable workspace id, so the function cannot tell the new key's workspace and refuses before regenerating. Check that RINGG_BASE_URL is Ringg's API (this CLI used ${options.ringgBaseUrl}).`,
          },
        ];
      }
      if (facts.workspaceTag && facts.workspaceTag !== key.workspaceId) {
        return [
          {
            code: 'workspace-mismatch',
            message: `The AWSCURRENT key ${key.fingerprint} of ${name} belongs to Ringg workspace ${key.workspaceId}, but the secret's tag ${WORKSPACE_TAG_KEY} says ${facts.workspaceTag}; the function refuses to rotate it (wrong-workspace), with nothing changed. If the secret now holds a key of ${key.workspaceId} on purpose, set the tag: aws secretsmanager tag-resource --secret-id ${name} --tags Key=${WORKSPACE_TAG_KEY},Value=${key.workspaceId}. Otherwise store a key of workspace ${facts.workspaceTag} with ringg-rotate recover --secret-id ${name}.`,
          },
        ];
      }
      return [];
    }
  }
}

/** What to do about a rejected AWSCURRENT key, never advising to regenerate while a copy may exist. */
function recovery(
  facts: Extract<SecretFacts, { kind: 'described' }>,
  others: readonly SharingSecret[],
): string {
  const name = facts.name;
  const pending = facts.pendingKey;
  const open = facts.setup.stuck;
  if (open && pending.kind === 'valid' && facts.workspaceTag && pending.workspaceId !== facts.workspaceTag) {
    return `Do not regenerate: the open rotation's AWSPENDING version ${open.versionId} holds key ${pending.fingerprint}, which Ringg accepts, but for workspace ${pending.workspaceId ?? '(none named)'} while the tag says ${facts.workspaceTag}; the function will not promote it. Compare with the Ringg dashboard, then fix the tag or store the right key with ringg-rotate recover --secret-id ${name} (README: error code wrong-workspace).`;
  }
  if (open && pending.kind === 'valid') {
    return `Do not regenerate: the open rotation's AWSPENDING version ${open.versionId} holds key ${pending.fingerprint}, which Ringg accepts. Finish the rotation with it: ringg-rotate resume --secret-id ${name}.`;
  }
  const live = others.find((other) => other.source === 'checked' && other.key.kind === 'valid');
  if (live && live.key.kind === 'valid') {
    return `Do not regenerate: ${live.name} holds the same workspace and Ringg accepts its key ${live.key.fingerprint}, most likely the live one (rotating ${live.name} killed this copy). Store that key here with ringg-rotate recover --secret-id ${name}, or better, keep one secret per workspace (workspace-shared).`;
  }
  const steps: string[] = [];
  if (open) {
    steps.push(
      `a rotation is open on version ${open.versionId}: look for its new key first (a rescue parameter: README "Key lost", step 0); ringg-rotate resume --secret-id ${name} stores a rescued key`,
    );
  }
  const tagged = others.filter((other) => other.source === 'tagged');
  if (tagged.length > 0) {
    steps.push(
      `${tagged.map((other) => other.name).join(', ')} ${tagged.length === 1 ? 'is' : 'are'} tagged with the same workspace: check ${tagged.length === 1 ? 'it' : 'them'} with ringg-rotate doctor --secret-id <id>; a key Ringg accepts there is the live one, to store here with ringg-rotate recover --secret-id ${name}`,
    );
  }
  const first = steps.length > 0 ? `First: ${steps.join('; ')}. ` : '';
  return `${first}Look for a copy of the live key (README "Key lost", step 0); only if none exists, regenerate the key in the Ringg dashboard, then store it with ringg-rotate recover --secret-id ${name}.`;
}
