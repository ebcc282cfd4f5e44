import { STEPS, type Step } from '../common/steps.js';
import { invalidEvent } from './errors.js';

export { STEPS, type Step };

export interface RotationEvent {
  readonly step: Step;
  readonly secretId: string;
  readonly token: string;
  /** Passed through to PutSecretValue for assumed-role and cross-account rotation; never logged. */
  readonly rotationToken: string | undefined;
}

const STEP_SPELLINGS: Record<string, Step> = {
  createSecret: 'createSecret',
  create_secret: 'createSecret',
  setSecret: 'setSecret',
  set_secret: 'setSecret',
  testSecret: 'testSecret',
  test_secret: 'testSecret',
  finishSecret: 'finishSecret',
  finish_secret: 'finishSecret',
};

export function parseEvent(raw: unknown): RotationEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalidEvent('the event is not a JSON object');
  }
  const event = raw as Record<string, unknown>;
  const stepName = event.Step;
  const step =
    typeof stepName === 'string' && Object.hasOwn(STEP_SPELLINGS, stepName)
      ? STEP_SPELLINGS[stepName]
      : undefined;
  if (step === undefined) {
    throw invalidEvent(
      `Step ${describe(stepName)} is not one of ${STEPS.join(', ')} (or their snake_case spellings)`,
    );
  }
  const secretId = requireString(event, 'SecretId');
  const token = requireString(event, 'ClientRequestToken');
  const rotationToken = event.RotationToken;
  if (rotationToken !== undefined && (typeof rotationToken !== 'string' || rotationToken === '')) {
    throw invalidEvent('RotationToken, when present, must be a non-empty string');
  }
  return { step, secretId, token, rotationToken };
}

function requireString(event: Record<string, unknown>, field: string): string {
  const value = event[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalidEvent(`${field} must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return value.length > 40 ? `"${value.slice(0, 40)}…"` : `"${value}"`;
  if (value === null) return 'null';
  return `a ${Array.isArray(value) ? 'list' : typeof value}`;
}
