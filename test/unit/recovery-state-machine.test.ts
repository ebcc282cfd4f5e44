import { describe, expect, it } from 'vitest';
import { MAX_REGENERATE_INTENTS } from '../../lambda/intent-store.js';
import {
  type Action,
  decideNextAction,
  decidePromotion,
  type Facts,
  INTENT_CLOCK_GRACE_MS,
  identityFact,
  intentFact,
  LAMBDA_MAX_TIMEOUT_MS,
  type PromotionAction,
  type PromotionFacts,
} from '../../lambda/recovery-state-machine.js';

/** A setSecret delivery with nothing done yet, the current key proven and the workspace confirmed. */
const base: Facts = {
  mode: 'regenerate',
  pending: 'empty',
  rescue: 'none',
  intent: { kind: 'none' },
  currentKey: 'works',
  identity: 'confirmed',
  roomForNewKey: true,
  canWait: true,
};
const live = { kind: 'live', generation: 1, until: 10_000 } as const;
const ended = { kind: 'ended', generation: 1, outcome: 'unknown' } as const;
const notRegenerated = { kind: 'ended', generation: 1, outcome: 'not-regenerated' } as const;
const fail = (code: string): Action => ({ kind: 'fail', code }) as Action;

const table: [string, Partial<Facts>, Action][] = [
  // A stored or rescued key wins over everything: never regenerate, never advise the dashboard.
  [
    'pending filled',
    { pending: 'filled', currentKey: 'rejected', intent: ended },
    { kind: 'done', outcome: 'new-key-already-stored' },
  ],
  [
    'pending filled, check mode',
    { mode: 'check', pending: 'filled' },
    { kind: 'done', outcome: 'new-key-already-stored' },
  ],
  ['rescue found', { rescue: 'found', currentKey: 'rejected', intent: ended }, { kind: 'complete-rescue' }],
  [
    'rescue found, check mode',
    { mode: 'check', rescue: 'found', currentKey: 'rejected' },
    { kind: 'done', outcome: 'new-key-waiting-in-rescue' },
  ],
  [
    'rescue that is not ours',
    { rescue: 'unreadable', currentKey: 'rejected', intent: ended },
    fail('rescue-unreadable'),
  ],
  // Another delivery owns the regenerate: wait for its outcome, never race it.
  [
    'live intent, time to wait',
    { intent: live, currentKey: 'rejected' },
    { kind: 'wait-for-other-delivery' },
  ],
  [
    'live intent, check mode',
    { mode: 'check', intent: live, currentKey: 'unchecked' },
    { kind: 'wait-for-other-delivery' },
  ],
  ['live intent, no time left', { intent: live, canWait: false }, fail('regenerate-in-progress')],
  // The current key decides what an intent means.
  ['current key unchecked', { currentKey: 'unchecked' }, { kind: 'check-current-key' }],
  [
    'current key unchecked after an ended intent',
    { currentKey: 'unchecked', intent: ended },
    { kind: 'check-current-key' },
  ],
  ['key rejected, no intent ever', { currentKey: 'rejected' }, fail('current-key-rejected')],
  [
    'key rejected, owner said not regenerated',
    { currentKey: 'rejected', intent: notRegenerated },
    fail('current-key-rejected'),
  ],
  [
    'key rejected after an intent with no stored key',
    { currentKey: 'rejected', intent: ended },
    fail('new-key-lost'),
  ],
  [
    'key rejected after an intent, check mode',
    { mode: 'check', currentKey: 'rejected', intent: ended },
    fail('new-key-lost'),
  ],
  ['key forbidden', { currentKey: 'forbidden' }, fail('permission-denied')],
  ['Ringg unavailable', { currentKey: 'unavailable', intent: ended }, fail('ringg-unavailable')],
  // Identity fails closed.
  ['current key of another workspace than the tag', { identity: 'mismatch' }, fail('wrong-workspace')],
  ['Ringg names no workspace', { identity: 'unknown' }, fail('workspace-unknown')],
  ['no tag yet', { identity: 'untagged' }, { kind: 'record-workspace-tag' }],
  ['no tag yet, check mode', { mode: 'check', identity: 'untagged' }, { kind: 'record-workspace-tag' }],
  // Size is checked before any regenerate, in both steps.
  ['no room for the new value', { roomForNewKey: false }, fail('secret-too-large')],
  ['no room, check mode', { mode: 'check', roomForNewKey: false }, fail('secret-too-large')],
  ['check mode, all proven', { mode: 'check' }, { kind: 'done', outcome: 'current-key-verified' }],
  // Regenerate only through a new create-once generation.
  ['nothing yet', {}, { kind: 'regenerate', generation: 1 }],
  [
    'owner over, key still works: it did not regenerate',
    { intent: ended },
    { kind: 'regenerate', generation: 2 },
  ],
  [
    'owner said not regenerated, key works',
    { intent: notRegenerated },
    { kind: 'regenerate', generation: 2 },
  ],
  [
    'too many generations',
    { intent: { kind: 'ended', generation: MAX_REGENERATE_INTENTS, outcome: 'not-regenerated' } },
    fail('too-many-regenerate-attempts'),
  ],
];

describe('decideNextAction: the recovery state machine', () => {
  it.each(table)('%s', (_what, facts, action) => {
    expect(decideNextAction({ ...base, ...facts })).toEqual(action);
  });

  it('never regenerates in check mode, whatever the facts', () => {
    for (const pending of ['filled', 'empty'] as const)
      for (const rescue of ['none', 'found', 'unreadable'] as const)
        for (const intent of [{ kind: 'none' } as const, live, ended, notRegenerated])
          for (const currentKey of ['unchecked', 'works', 'rejected', 'forbidden', 'unavailable'] as const)
            for (const identity of ['confirmed', 'untagged', 'mismatch', 'unknown'] as const) {
              const facts: Facts = { ...base, mode: 'check', pending, rescue, intent, currentKey, identity };
              expect(decideNextAction(facts).kind).not.toBe('regenerate');
            }
  });

  it('regenerates only when no key is stored or rescued, no other delivery is live, and the current key works for the tagged workspace', () => {
    for (const pending of ['filled', 'empty'] as const)
      for (const rescue of ['none', 'found', 'unreadable'] as const)
        for (const intent of [{ kind: 'none' } as const, live, ended, notRegenerated])
          for (const currentKey of ['unchecked', 'works', 'rejected', 'forbidden', 'unavailable'] as const)
            for (const identity of ['confirmed', 'untagged', 'mismatch', 'unknown'] as const)
              for (const roomForNewKey of [true, false]) {
                const facts: Facts = {
                  ...base,
                  pending,
                  rescue,
                  intent,
                  currentKey,
                  identity,
                  roomForNewKey,
                };
                const action = decideNextAction(facts);
                const mayRegenerate =
                  pending === 'empty' &&
                  rescue === 'none' &&
                  intent.kind !== 'live' &&
                  currentKey === 'works' &&
                  identity === 'confirmed' &&
                  roomForNewKey;
                expect(action.kind === 'regenerate', JSON.stringify(facts)).toBe(mayRegenerate);
                // Dashboard advice (key lost) only when nothing holds the new key.
                if (action.kind === 'fail' && action.code === 'new-key-lost') {
                  expect(pending === 'empty' && rescue === 'none').toBe(true);
                }
              }
  });
});

describe('decidePromotion: setSecret once the new key is stored', () => {
  const table: [string, PromotionFacts, PromotionAction][] = [
    [
      'an earlier delivery already moved AWSCURRENT: nothing to prove or move',
      { versionIsCurrent: true, proof: 'unchecked', timeForProof: true },
      { kind: 'already-promoted' },
    ],
    [
      'even with no time left, an already promoted version is reported as such',
      { versionIsCurrent: true, proof: 'unchecked', timeForProof: false },
      { kind: 'already-promoted' },
    ],
    [
      'not yet checked, time left: prove it with Ringg',
      { versionIsCurrent: false, proof: 'unchecked', timeForProof: true },
      { kind: 'prove' },
    ],
    [
      'not yet checked, no time left for a proof and the move: leave it pending',
      { versionIsCurrent: false, proof: 'unchecked', timeForProof: false },
      { kind: 'leave-pending', why: 'no-time' },
    ],
    [
      'proven: move AWSCURRENT now',
      { versionIsCurrent: false, proof: 'proven', timeForProof: false },
      { kind: 'promote' },
    ],
    [
      'not proven (rejected, no answer, another workspace or key): leave it pending for testSecret',
      { versionIsCurrent: false, proof: 'not-proven', timeForProof: true },
      { kind: 'leave-pending', why: 'not-proven' },
    ],
  ];
  it.each(table)('%s', (_what, facts, action) => {
    expect(decidePromotion(facts)).toEqual(action);
  });

  it('never moves AWSCURRENT to a key that is not proven, whatever the other facts', () => {
    for (const versionIsCurrent of [false, true])
      for (const proof of ['unchecked', 'not-proven'] as const)
        for (const timeForProof of [false, true])
          expect(decidePromotion({ versionIsCurrent, proof, timeForProof }).kind).not.toBe('promote');
  });
});

describe('intentFact', () => {
  const record = (expiresAt: number, outcome?: 'not-regenerated' | 'ended') => ({
    kind: 'found' as const,
    generation: 2,
    record: {
      token: 't',
      generation: 2,
      recordedAt: new Date(0).toISOString(),
      expiresAt: new Date(expiresAt).toISOString(),
      ...(outcome ? { outcome } : {}),
    },
  });
  const now = 1_000_000;

  it('is live until its owner is certainly over', () => {
    expect(intentFact(record(now + 5_000), now)).toEqual({
      kind: 'live',
      generation: 2,
      until: now + 5_000 + INTENT_CLOCK_GRACE_MS,
    });
    expect(intentFact(record(now - INTENT_CLOCK_GRACE_MS - 1), now)).toEqual({
      kind: 'ended',
      generation: 2,
      outcome: 'unknown',
    });
  });

  it('takes the outcome its owner recorded', () => {
    expect(intentFact(record(now + 5_000, 'not-regenerated'), now)).toMatchObject({
      outcome: 'not-regenerated',
    });
    expect(intentFact(record(now + 5_000, 'ended'), now)).toMatchObject({
      kind: 'ended',
      outcome: 'unknown',
    });
  });

  it('treats an intent that does not parse, or claims to outlive any Lambda, as "may have regenerated"', () => {
    expect(intentFact({ kind: 'found', generation: 1, record: undefined }, now)).toEqual({
      kind: 'ended',
      generation: 1,
      outcome: 'unknown',
    });
    expect(intentFact(record(now + LAMBDA_MAX_TIMEOUT_MS + 60_000), now)).toMatchObject({
      kind: 'ended',
      outcome: 'unknown',
    });
  });

  it('none is none', () => {
    expect(intentFact({ kind: 'none' }, now)).toEqual({ kind: 'none' });
  });
});

describe('identityFact', () => {
  it.each([
    ['ws-1', 'ws-1', 'confirmed'],
    [undefined, 'ws-1', 'untagged'],
    ['ws-1', 'ws-2', 'mismatch'],
    ['ws-1', undefined, 'unknown'],
    [undefined, undefined, 'unknown'],
  ] as const)('tag %s, Ringg %s: %s', (tag, ringg, fact) => {
    expect(identityFact(tag, ringg)).toBe(fact);
  });
});
