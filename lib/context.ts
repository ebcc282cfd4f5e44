import type { RinggRotationContext } from './ringg-rotation-stack.js';

type ContextReader = (key: string) => unknown;

const LISTS = [
  'secretNames',
  'secretArns',
  'githubRefs',
  'githubEnvironments',
  'githubWorkflows',
  'mirrorReaderArns',
] as const;
const STRINGS = [
  'kmsKeyArn',
  'schedule',
  'rotationWindow',
  'ringgBaseUrl',
  'alarmEmail',
  'alarmTopicArn',
  'githubRepository',
  'githubRepositoryId',
  'githubOwnerId',
  'parameterKmsKeyArn',
  'parameterPrefix',
  'parameterStoreMirrorPrefix',
] as const;
const NUMBERS = ['maxConcurrentRotations', 'scheduleStacks'] as const;

/**
 * Reads the stack's context. cdk.json gives lists as JSON arrays, `-c` gives strings: a JSON array
 * or a comma-separated list are both accepted.
 */
export function readRotationContext(get: ContextReader): RinggRotationContext {
  const context: Record<string, unknown> = {};
  for (const key of LISTS) {
    const list = toList(key, get(key));
    if (list) context[key] = list;
  }
  for (const key of STRINGS) {
    const value = get(key);
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string') throw new Error(`Context value "${key}" must be a string.`);
    context[key] = value;
  }
  for (const key of NUMBERS) {
    const value = get(key);
    if (value === undefined || value === '') continue;
    const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number)) {
      throw new Error(`Context value "${key}" must be a whole number; got ${JSON.stringify(value)}.`);
    }
    context[key] = number;
  }
  return context as RinggRotationContext;
}

function toList(key: string, value: unknown): string[] | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = typeof value === 'string' && value.trim().startsWith('[') ? safeJson(value) : value;
  const list =
    typeof parsed === 'string'
      ? parsed
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean)
      : parsed;
  if (!Array.isArray(list) || !list.every((v) => typeof v === 'string' && v !== '')) {
    throw new Error(
      `Context value "${key}" must be a list of strings: a JSON array or a comma-separated string.`,
    );
  }
  return list;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
