import { describe, expect, it } from 'vitest';
import { RECORD_STATUSES } from '../../common/rotation-record.js';
import {
  type Action,
  decide,
  type Facts,
  MAX_GENERATIONS,
  MAX_RELOOKS,
  type Proof,
  type RecordFact,
} from '../../lambda/decider.js';
import type { Step } from '../../lambda/event.js';

/** Facts as the executor starts a step: everything unread, the workspace tag present, time to spare. */
function start(step: Step, over: Partial<Facts> = {}): Facts {
  return {
    step,
    version: 'open',
    newerRotation: false,
    currentWritten: false,
    relooks: 0,
    ours: 'unread',
    current: 'unread',
    currentKey: 'unchecked',
    identity: 'confirmed',
    room: true,
    record: { kind: 'unread' },
    regenerate: 'not-sent',
    holders: 'unread',
    store: 'not-needed',
    rescue: 'not-needed',
    rescueProof: 'unchecked',
    proof: 'unchecked',
    mirror: 'none',
    move: 'not-tried',
    written: 'unread',
    merged: false,
    released: false,
    cleaned: false,
    time: { wait: true, regenerate: true, prove: true },
    ...over,
  };
}

/**
 * What a world in which every call succeeds answers to each action (the clean path): the executor's
 * effects on the facts, without AWS or Ringg.
 */
function cleanWorld(f: Facts, a: Action): Facts {
  switch (a.kind) {
    case 'read':
      if (a.which === 'current') return { ...f, current: 'read' };
      if (a.which === 'ours') return { ...f, ours: f.step === 'setSecret' ? 'empty' : 'new-key' };
      return { ...f, written: 'holds-our-key' };
    case 'check-current-key':
      return { ...f, currentKey: 'works' };
    case 'find-holders':
      return { ...f, holders: 'none' };
    case 'claim':
      return {
        ...f,
        record: { kind: 'found', status: 'regenerating', ours: true, live: true, generation: 1, mine: true },
      };
    case 'regenerate':
      return { ...f, regenerate: 'issued', store: 'to-do' };
    case 'store':
      return { ...f, store: 'stored', ours: 'new-key' };
    case 'prove':
      return { ...f, proof: 'proven' };
    case 'write-mirror':
      return { ...f, mirror: 'written' };
    case 'move-current':
      return { ...f, move: 'moved' };
    case 'clean-up':
      return { ...f, cleaned: true };
    case 'read-record':
      // setSecret lists before its claim and finds nothing; finishSecret finds the rotation's record.
      if (f.step === 'setSecret') return { ...f, record: { kind: 'none' } };
      return {
        ...f,
        record: {
          kind: 'found',
          status: 'regenerating',
          ours: true,
          live: false,
          generation: 1,
          mine: false,
        },
      };
    case 'release-pending':
      return { ...f, released: true };
    default:
      throw new Error(`the clean path does not ${a.kind}`);
  }
}

function run(facts: Facts, world = cleanWorld): string[] {
  const trail: string[] = [];
  let f = facts;
  for (let i = 0; i < 50; i++) {
    const a = decide(f);
    if (a.kind === 'done') return [...trail, `done:${a.outcome}`];
    if (a.kind === 'fail') return [...trail, `fail:${a.code}`];
    trail.push(a.kind === 'read' ? `read:${a.which}` : a.kind);
    f = world(f, a);
  }
  throw new Error(`no end: ${trail.join(' ')}`);
}

describe('decide: the clean path of each step', () => {
  it('createSecret reads and checks the current key and looks for other secrets of its workspace, nothing else', () => {
    expect(run(start('createSecret'))).toEqual([
      'read:current',
      'check-current-key',
      'find-holders',
      'done:current-key-verified',
    ]);
  });

  it('createSecret refuses, before anything destructive, a secret whose workspace another secret holds', () => {
    const f = start('createSecret', { current: 'read', currentKey: 'works', identity: 'confirmed' });
    expect(decide(f)).toEqual({ kind: 'find-holders' });
    expect(decide({ ...f, holders: 'shared' })).toEqual({ kind: 'fail', code: 'shared-workspace' });
    expect(decide({ ...f, holders: 'unknown' })).toEqual({ kind: 'fail', code: 'workspace-holders-unknown' });
    expect(decide({ ...f, holders: 'none' })).toEqual({ kind: 'done', outcome: 'current-key-verified' });
  });

  it('createSecret tags an untagged secret from the check first', () => {
    const world = (f: Facts, a: Action) =>
      a.kind === 'tag-workspace' ? { ...f, identity: 'confirmed' as const } : cleanWorld(f, a);
    const f = start('createSecret', { identity: 'untagged' });
    const untagged = (g: Facts, a: Action) =>
      a.kind === 'check-current-key'
        ? { ...g, currentKey: 'works' as const, identity: 'untagged' as const }
        : world(g, a);
    expect(run(f, untagged)).toEqual([
      'read:current',
      'check-current-key',
      'tag-workspace',
      'find-holders',
      'done:current-key-verified',
    ]);
  });

  it('setSecret claims, regenerates, stores, proves and promotes, with no check of the current key first', () => {
    expect(run(start('setSecret'))).toEqual([
      'read:ours',
      'read-record',
      'read:current',
      'claim',
      'regenerate',
      'store',
      'prove',
      'move-current',
      'done:promoted',
    ]);
  });

  it('setSecret with a mirror writes it before the move', () => {
    expect(run(start('setSecret', { mirror: 'to-write' }))).toEqual([
      'read:ours',
      'read-record',
      'read:current',
      'claim',
      'regenerate',
      'store',
      'prove',
      'write-mirror',
      'move-current',
      'done:promoted',
    ]);
  });

  it('setSecret with the key stored reads the record first: it names the version the move replaces', () => {
    const f = start('setSecret', { ours: 'new-key', proof: 'proven' });
    expect(decide(f)).toEqual({ kind: 'read-record' });
    expect(decide({ ...f, record: { kind: 'none' }, currentWritten: true })).toEqual({
      kind: 'read',
      which: 'written',
    });
  });

  it('testSecret proves the stored key', () => {
    expect(run(start('testSecret'))).toEqual(['read:ours', 'prove', 'done:new-key-verified']);
  });

  it('testSecret after the early promotion proves it too', () => {
    expect(run(start('testSecret', { version: 'promoted' }))).toEqual([
      'read:ours',
      'prove',
      'done:new-key-verified',
    ]);
  });

  it('finishSecret after the early promotion only cleans up', () => {
    expect(run(start('finishSecret', { version: 'promoted' }))).toEqual(['clean-up', 'done:finished']);
  });

  it('finishSecret of a deferred promotion moves AWSCURRENT, then cleans up', () => {
    expect(run(start('finishSecret'))).toEqual([
      'read:ours',
      'read-record',
      'move-current',
      'clean-up',
      'done:finished',
    ]);
  });

  it("a rotation that ends with its key known live cleans up other rotations' records too; one that does not, only its own", () => {
    const moved = start('finishSecret', { ours: 'new-key', record: { kind: 'none' }, move: 'moved' });
    expect(decide(moved)).toEqual({ kind: 'clean-up', others: true });
    expect(decide(start('finishSecret', { version: 'promoted' }))).toEqual({
      kind: 'clean-up',
      others: true,
    });
    // An abandoned rotation's late step: a write holds its key, which it proves first.
    const late = start('finishSecret', {
      version: 'detached',
      ours: 'new-key',
      record: { kind: 'none' },
      written: 'holds-our-key',
    });
    expect(decide(late)).toEqual({ kind: 'prove' });
    expect(decide({ ...late, proof: 'proven' })).toEqual({ kind: 'clean-up', others: true });
    expect(decide({ ...late, proof: 'rejected' })).toEqual({ kind: 'clean-up', others: false });
    // AWSCURRENT on its version, moved back there by a person, proves nothing of its key.
    expect(decide(start('finishSecret', { version: 'completed' }))).toEqual({
      kind: 'clean-up',
      others: false,
    });
  });

  it('the configuration test (an empty pending version) checks the current key and changes nothing', () => {
    const world = (f: Facts, a: Action) =>
      a.kind === 'read' && a.which === 'ours' ? { ...f, ours: 'empty' as const } : cleanWorld(f, a);
    expect(run(start('testSecret', { identity: 'untagged' }), world)).toEqual([
      'read:ours',
      'read:current',
      'check-current-key',
      'done:configuration-test-passed',
    ]);
  });

  it('a completed rotation: every step is a no-op but testSecret, which proves the key', () => {
    expect(decide(start('createSecret', { version: 'completed' }))).toEqual({
      kind: 'done',
      outcome: 'already-current',
    });
    expect(decide(start('setSecret', { version: 'completed' }))).toEqual({
      kind: 'done',
      outcome: 'new-key-already-promoted',
    });
    expect(run(start('testSecret', { version: 'completed' }))).toEqual([
      'read:ours',
      'prove',
      'done:new-key-verified',
    ]);
    expect(run(start('finishSecret', { version: 'completed' }))).toEqual(['clean-up', 'done:finished']);
  });
});

describe('decide: interleavings decided in one place', () => {
  it('a live claim of another delivery is waited for, then reported, never raced', () => {
    const other: RecordFact = {
      kind: 'found',
      status: 'regenerating',
      ours: true,
      live: true,
      generation: 1,
      mine: false,
    };
    const f = start('setSecret', { ours: 'empty', current: 'read', record: other });
    expect(decide(f)).toEqual({ kind: 'wait-for-other-delivery' });
    expect(decide({ ...f, time: { ...f.time, wait: false } })).toEqual({
      kind: 'fail',
      code: 'regenerate-in-progress',
    });
  });

  it('a rescued key is proven and stored before anything else; a rejected one is lost only if the current key is dead', () => {
    const rescued: RecordFact = {
      kind: 'found',
      status: 'rescued',
      ours: true,
      live: false,
      generation: 1,
      mine: false,
    };
    const f = start('setSecret', { ours: 'empty', current: 'read', record: rescued });
    expect(decide(f)).toEqual({ kind: 'prove-rescue' });
    expect(decide({ ...f, rescueProof: 'proven', store: 'to-do' })).toEqual({ kind: 'store' });
    expect(decide({ ...f, rescueProof: 'rejected' })).toEqual({ kind: 'check-current-key' });
    expect(decide({ ...f, rescueProof: 'rejected', currentKey: 'works' })).toMatchObject({
      kind: 'fail',
      code: 'rescue-unreadable',
    });
    expect(decide({ ...f, rescueProof: 'rejected', currentKey: 'rejected' })).toMatchObject({
      kind: 'fail',
      code: 'new-key-lost',
    });
  });

  it('createSecret with the current key rejected: looks at the labels again before concluding', () => {
    const f = start('createSecret', { current: 'read', currentKey: 'rejected' });
    expect(decide(f)).toEqual({ kind: 'relook' });
    const relooked = { ...f, relooks: MAX_RELOOKS };
    expect(decide(relooked)).toEqual({ kind: 'read', which: 'ours' });
    expect(decide({ ...relooked, ours: 'new-key' })).toEqual({
      kind: 'done',
      outcome: 'new-key-already-stored',
    });
    expect(decide({ ...relooked, ours: 'empty' })).toEqual({ kind: 'read-record' });
    const nothing = { ...relooked, ours: 'empty' as const, record: { kind: 'none' as const } };
    // Before "changed outside the rotation": another secret of the workspace may hold the live key.
    expect(decide(nothing)).toEqual({ kind: 'find-holders' });
    expect(decide({ ...nothing, holders: 'shared' })).toMatchObject({ code: 'current-key-rejected' });
    expect(decide({ ...nothing, holders: 'none' })).toMatchObject({ code: 'current-key-rejected' });
  });

  it('a refused move is looked at again; setSecret then defers, finishSecret fails with promotion-refused', () => {
    const f = start('setSecret', {
      ours: 'new-key',
      proof: 'proven',
      move: 'refused',
      record: { kind: 'none' },
    });
    expect(decide(f)).toEqual({ kind: 'relook' });
    expect(decide({ ...f, move: 'refused-relooked' })).toEqual({
      kind: 'done',
      outcome: 'promotion-deferred',
    });
    expect(
      decide({ ...f, step: 'finishSecret', move: 'refused-relooked', record: { kind: 'none' } }),
    ).toMatchObject({
      kind: 'fail',
      code: 'promotion-refused',
    });
    // Looked at again and found applied after all.
    expect(decide({ ...f, move: 'refused-relooked', version: 'promoted' })).toEqual({
      kind: 'done',
      outcome: 'promoted',
    });
  });

  it('a version someone wrote during the rotation: kept when it holds our key, merged when our key is proven live', () => {
    const f = start('finishSecret', { ours: 'new-key', currentWritten: true, record: { kind: 'none' } });
    expect(decide(f)).toEqual({ kind: 'read', which: 'written' });
    // The edit holds AWSCURRENT: once the key is proven, AWSPENDING comes off the rotation's version
    // so the service completes it.
    expect(run({ ...f, written: 'holds-our-key' })).toEqual([
      'prove',
      'release-pending',
      'clean-up',
      'done:edit-kept',
    ]);
    const other = { ...f, written: 'other-key' as const };
    expect(decide(other)).toEqual({ kind: 'prove' });
    expect(decide({ ...other, proof: 'proven' })).toEqual({ kind: 'merge-edit' });
    expect(decide({ ...other, proof: 'proven', merged: true })).toEqual({ kind: 'release-pending' });
    expect(decide({ ...other, proof: 'proven', merged: true, released: true })).toEqual({
      kind: 'clean-up',
      others: true,
    });
    expect(decide({ ...other, proof: 'rejected', released: true })).toEqual({
      kind: 'clean-up',
      others: false,
    });
    expect(decide({ ...other, proof: 'proven', written: 'unusable' })).toMatchObject({
      code: 'secret-written-during-rotation',
    });
  });

  it('a rotation overtaken by a newer one ends quietly', () => {
    expect(decide(start('testSecret', { version: 'completed', newerRotation: true }))).toEqual({
      kind: 'done',
      outcome: 'superseded',
    });
    expect(decide(start('testSecret', { version: 'detached', newerRotation: true }))).toEqual({
      kind: 'done',
      outcome: 'superseded',
    });
    const f = start('testSecret', {
      ours: 'new-key',
      proof: 'rejected',
      relooks: MAX_RELOOKS,
      newerRotation: true,
    });
    expect(decide(f)).toEqual({ kind: 'done', outcome: 'superseded' });
    expect(decide({ ...f, newerRotation: false })).toMatchObject({ kind: 'fail', code: 'new-key-rejected' });
  });

  it('gives up claiming after MAX_GENERATIONS proven non-regenerates', () => {
    const ended: RecordFact = {
      kind: 'found',
      status: 'not-regenerated',
      ours: true,
      live: false,
      generation: MAX_GENERATIONS,
      mine: false,
    };
    const f = start('setSecret', { ours: 'empty', current: 'read', currentKey: 'works', record: ended });
    expect(decide(f)).toEqual({ kind: 'fail', code: 'too-many-regenerate-attempts' });
    expect(decide({ ...f, record: { ...ended, generation: MAX_GENERATIONS - 1 } })).toEqual({
      kind: 'claim',
      next: true,
    });
  });
});

/** Every value of every fact the properties below range over (the rest vary at random). */
const STEPS: Step[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];
const PROOFS: Proof[] = [
  'unchecked',
  'proven',
  'rejected',
  'forbidden',
  'unavailable',
  'untagged',
  'no-workspace',
  'wrong-workspace',
  'key-mismatch',
];
const RECORDS: RecordFact[] = [
  { kind: 'unread' },
  { kind: 'none' },
  { kind: 'unreadable' },
  ...RECORD_STATUSES.flatMap((status) =>
    [true, false].flatMap((ours) =>
      [true, false].flatMap((live) =>
        [true, false].flatMap((mine) =>
          [1, MAX_GENERATIONS].map(
            (generation): RecordFact => ({ kind: 'found', status, ours, live, mine, generation }),
          ),
        ),
      ),
    ),
  ),
];

/** A small deterministic PRNG, so a failing combination is reproducible. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Reachable facts only: random runs of each step against a world that may answer every action in any
 * way the executor can report it (a claim taken by another delivery, a refused move, a relook that
 * finds the labels moved, …). Every (facts, action) pair a run meets is checked by the properties.
 */
function reachable(runs: number): { f: Facts; a: Action }[] {
  const random = prng(17);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const bool = () => random() < 0.5;
  const others = RECORDS.filter((r) => r.kind !== 'found' || !r.mine);
  const answer = (f: Facts, a: Action): Facts => {
    switch (a.kind) {
      case 'relook': {
        const moved = bool();
        return {
          ...f,
          relooks: f.relooks + 1,
          version: moved ? pick(['open', 'promoted', 'completed', 'detached'] as const) : f.version,
          newerRotation: moved ? bool() : f.newerRotation,
          currentWritten: moved ? bool() : f.currentWritten,
          move: f.move === 'refused' ? 'refused-relooked' : f.move,
          written: 'unread',
          ours: f.ours === 'empty' ? 'unread' : f.ours,
          ...(moved && bool() ? { current: 'unread' as const, currentKey: 'unchecked' as const } : {}),
        };
      }
      case 'read':
        if (a.which === 'current') return { ...f, current: pick(['read', 'read', 'unusable'] as const) };
        if (a.which === 'ours') return { ...f, ours: pick(['empty', 'new-key', 'same-as-current'] as const) };
        return { ...f, written: pick(['holds-our-key', 'other-key', 'unusable'] as const) };
      case 'read-record':
        return { ...f, record: pick(others) };
      case 'check-current-key': {
        const currentKey = pick(['works', 'works', 'rejected', 'forbidden', 'unavailable'] as const);
        const identity =
          currentKey !== 'works'
            ? ('unknown' as const)
            : f.identity === 'untagged'
              ? pick(['untagged', 'unknown'] as const)
              : pick(['confirmed', 'confirmed', 'mismatch', 'unknown'] as const);
        return { ...f, currentKey, identity };
      }
      case 'tag-workspace':
        return { ...f, identity: 'confirmed' };
      case 'find-holders':
        return { ...f, holders: pick(['none', 'none', 'shared', 'unknown'] as const) };
      case 'claim': {
        if (bool()) return { ...f, record: pick(others) }; // taken: what the read after it finds
        const generation = a.next && f.record.kind === 'found' ? f.record.generation + 1 : 1;
        return {
          ...f,
          record: { kind: 'found', status: 'regenerating', ours: true, live: true, generation, mine: true },
        };
      }
      case 'wait-for-other-delivery':
        return { ...f, ours: 'unread', record: { kind: 'unread' } };
      case 'regenerate': {
        const regenerate = pick(['issued', 'not-regenerated', 'outcome-unknown'] as const);
        return { ...f, regenerate, ...(regenerate === 'issued' ? { store: 'to-do' as const } : {}) };
      }
      case 'record-outcome':
        return f.record.kind === 'found'
          ? {
              ...f,
              record: {
                ...f.record,
                status: f.regenerate === 'not-regenerated' ? 'not-regenerated' : 'outcome-unknown',
                live: false,
              },
            }
          : f;
      case 'prove-rescue': {
        const rescueProof = pick(PROOFS.filter((p) => p !== 'unchecked'));
        return { ...f, rescueProof, ...(rescueProof === 'proven' ? { store: 'to-do' as const } : {}) };
      }
      case 'store': {
        const store = pick(['stored', 'stored', 'conflict', 'kms-refused', 'failed'] as const);
        return { ...f, store, ...(store === 'stored' ? { ours: 'new-key' as const } : {}) };
      }
      case 'rescue':
        return { ...f, rescue: pick(['saved', 'failed'] as const) };
      case 'prove':
        return { ...f, proof: pick(PROOFS.filter((p) => p !== 'unchecked')) };
      case 'write-mirror':
        return { ...f, mirror: pick(['written', 'failed'] as const) };
      case 'mirror-not-written':
        return { ...f, mirror: 'failed' };
      case 'move-current':
        return { ...f, move: pick(['moved', 'refused'] as const) };
      case 'merge-edit':
        return bool() ? { ...f, merged: true } : { ...f, written: 'unusable' };
      case 'clean-up':
        return { ...f, cleaned: true };
      case 'release-pending':
        return { ...f, released: true };
      default:
        throw new Error(`not an action: ${a.kind}`);
    }
  };
  const seen: { f: Facts; a: Action }[] = [];
  for (let i = 0; i < runs; i++) {
    let f = start(pick(STEPS), {
      version: pick(['open', 'open', 'open', 'promoted', 'completed', 'detached'] as const),
      identity: pick(['confirmed', 'confirmed', 'untagged'] as const),
      mirror: pick(['none', 'to-write'] as const),
    });
    if (f.version !== 'open' && f.version !== 'promoted') f = { ...f, newerRotation: bool() };
    if (f.version !== 'completed') f = { ...f, currentWritten: random() < 0.2 };
    for (let round = 0; round < 80; round++) {
      f = { ...f, time: { wait: random() < 0.9, regenerate: random() < 0.9, prove: random() < 0.9 } };
      const a = decide(f);
      seen.push({ f, a });
      if (a.kind === 'done' || a.kind === 'fail') break;
      f = answer(f, a);
    }
  }
  return seen;
}

function* combinations(runs: number): Generator<Facts> {
  for (const { f } of reachable(runs)) yield f;
}

/** Fails with the combination that broke the property (built only then: the loops stay fast). */
function holds(ok: boolean, f: Facts, a: Action): void {
  if (!ok) expect.fail(show(f, a));
}

const SAMPLES = 20_000;
const rescuedRecord = (f: Facts) => f.record.kind === 'found' && f.record.status === 'rescued';
const show = (f: Facts, a: Action) => JSON.stringify({ facts: f, action: a });

describe(`decide: the guarantees over every decision of ${SAMPLES} random runs`, () => {
  it('always answers (every combination has an action)', () => {
    for (const f of combinations(SAMPLES)) {
      const a = decide(f);
      holds(typeof a.kind === 'string', f, a);
    }
  });

  it('regenerates only in setSecret, with our version empty our own fresh claim, no rescued key, the current key read and not known bad, the workspace confirmed, and time for it', () => {
    let seen = 0;
    for (const f of combinations(SAMPLES)) {
      const a = decide(f);
      if (a.kind !== 'regenerate') continue;
      seen++;
      const r = f.record;
      holds(
        f.step === 'setSecret' &&
          f.version === 'open' &&
          f.ours === 'empty' &&
          r.kind === 'found' &&
          r.mine &&
          r.status === 'regenerating' &&
          f.current === 'read' &&
          (f.currentKey === 'unchecked' || f.currentKey === 'works') &&
          f.identity === 'confirmed' &&
          f.regenerate === 'not-sent' &&
          f.rescueProof !== 'proven' &&
          f.time.regenerate,
        f,
        a,
      );
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('claims only in setSecret, with our version empty, no live claim of another delivery, our rescued key never claimed over, and the current key proven again over any earlier record', () => {
    let seen = 0;
    for (const f of combinations(SAMPLES)) {
      const a = decide(f);
      if (a.kind !== 'claim') continue;
      seen++;
      const r = f.record;
      holds(
        f.step === 'setSecret' &&
          f.version === 'open' &&
          f.ours === 'empty' &&
          f.current === 'read' &&
          f.regenerate === 'not-sent' &&
          (r.kind === 'none' ||
            r.kind === 'unread' ||
            (r.kind === 'found' && !(r.ours && r.live) && !(r.ours && r.status === 'rescued'))),
        f,
        a,
      );
      if (r.kind === 'found') holds(f.currentKey === 'works' && f.identity === 'confirmed', f, a);
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('never reports a key lost, or the current key changed outside, while our version holds a new key, and a rescued key only once Ringg rejected it and the current key is dead', () => {
    let seen = 0;
    for (const f of combinations(SAMPLES)) {
      const a = decide(f);
      if (a.kind !== 'fail' || (a.code !== 'new-key-lost' && a.code !== 'current-key-rejected')) continue;
      seen++;
      holds(f.ours !== 'new-key' && f.store !== 'stored', f, a);
      if (rescuedRecord(f)) holds(f.rescueProof === 'rejected' && f.currentKey !== 'works', f, a);
      // Concluded only after the labels were looked at again, or from this invocation's own check.
      holds(f.relooks >= MAX_RELOOKS || f.step === 'setSecret', f, a);
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('moves AWSCURRENT only to a stored live key, from the version it replaces, and in setSecret only once it is proven', () => {
    let seen = 0;
    for (const f of combinations(SAMPLES)) {
      const a = decide(f);
      if (a.kind !== 'move-current') continue;
      seen++;
      holds(f.version === 'open' && !f.currentWritten && f.move === 'not-tried', f, a);
      holds(f.ours === 'new-key' || f.ours === 'same-as-current' || f.store === 'stored', f, a);
      holds(f.step === 'setSecret' || f.step === 'finishSecret', f, a);
      if (f.step === 'setSecret') holds(f.proof === 'proven', f, a);
      holds(f.mirror !== 'to-write', f, a);
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('merges an edit only with our key proven live and the written version usable; never over one holding our key', () => {
    let seen = 0;
    for (const f of combinations(SAMPLES)) {
      const a = decide(f);
      if (a.kind !== 'merge-edit') continue;
      seen++;
      holds(f.proof === 'proven' && f.written === 'other-key' && !f.merged && !f.newerRotation, f, a);
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('setSecret and finishSecret end a rotation (finished, superseded, edit kept or merged) only after the clean-up, unless superseded with a key Ringg may still accept', () => {
    for (const f of combinations(SAMPLES)) {
      const a = decide(f);
      if (a.kind !== 'done' || (f.step !== 'setSecret' && f.step !== 'finishSecret')) continue;
      const keyMayLive = f.ours === 'new-key' && f.proof !== 'rejected';
      if (a.outcome === 'superseded' && keyMayLive) continue;
      if (['finished', 'superseded', 'edit-kept', 'edit-merged'].includes(a.outcome)) holds(f.cleaned, f, a);
    }
  });

  it('never deletes the records of a superseded rotation whose key Ringg may still accept: the newer rotation finds the key through them', () => {
    for (const f of combinations(SAMPLES)) {
      const a = decide(f);
      if (a.kind === 'clean-up' && f.newerRotation && f.version === 'detached' && f.ours === 'new-key')
        holds(f.proof === 'rejected', f, a);
    }
  });

  it("deletes other rotations' records only with this rotation's key known live (proven in the step, or AWSCURRENT moved to it while it holds AWSPENDING)", () => {
    let seen = 0;
    for (const f of combinations(SAMPLES)) {
      const a = decide(f);
      if (a.kind !== 'clean-up' || !a.others) continue;
      seen++;
      holds(f.version === 'promoted' || f.move === 'moved' || f.proof === 'proven', f, a);
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('keeps an edit only with the key it holds proven, and writes the mirror only with a key Ringg proved', () => {
    let kept = 0;
    for (const f of combinations(SAMPLES)) {
      const a = decide(f);
      if (a.kind === 'write-mirror') holds(f.proof === 'proven' || f.step === 'finishSecret', f, a);
      if (a.kind === 'done' && a.outcome === 'edit-kept') {
        kept++;
        holds(f.proof !== 'unchecked' && f.proof !== 'rejected', f, a);
      }
    }
    expect(kept).toBeGreaterThan(0);
  });

  it('createSecret, testSecret and finishSecret never claim, regenerate, store, rescue, or wait', () => {
    const setSecretOnly = [
      'claim',
      'regenerate',
      'store',
      'rescue',
      'prove-rescue',
      'wait-for-other-delivery',
      'record-outcome',
    ];
    for (const f of combinations(SAMPLES)) {
      if (f.step === 'setSecret') continue;
      const a = decide(f);
      holds(!setSecretOnly.includes(a.kind), f, a);
    }
  });

  it('waits only for a live claim of another delivery of this rotation, with our version empty and time to wait', () => {
    for (const f of combinations(SAMPLES)) {
      const a = decide(f);
      if (a.kind !== 'wait-for-other-delivery') continue;
      const r = f.record;
      holds(r.kind === 'found' && r.ours && r.live && !r.mine && f.ours === 'empty' && f.time.wait, f, a);
    }
  });

  it('looks at the labels again at most MAX_RELOOKS times after a failed check, plus once per refused move', () => {
    for (const f of combinations(SAMPLES)) {
      const a = decide(f);
      if (a.kind !== 'relook') continue;
      holds(f.relooks < MAX_RELOOKS || f.move === 'refused', f, a);
    }
  });
});
