import type { RecordStatus } from '../common/rotation-record.js';
import type { Step } from './event.js';

/**
 * The one place that decides what a step does next, for all four steps and the promotion. Pure: the
 * executor (rotation.ts) observes, asks, acts and asks again until the answer is `done` or `fail`.
 * Every fact starts unknown and is observed only when a decision needs it, so a clean rotation makes
 * the fewest calls. The guarantees, each kept by the rule named:
 * - regenerate only with the AWSCURRENT key, while our version is empty, no key is rescued, no other
 *   delivery's claim is live, the current key works and its workspace is the tag (`regenerateOrWait`);
 * - a stored or rescued key always wins; nothing is reported lost while a copy exists (`whyRejected`);
 * - AWSCURRENT never moves away from a version that holds the live key: the move names the version it
 *   replaces, and a refused move is looked at again (`moved`);
 * - an edit made during the rotation is kept (`foreign`): its fields with the live key, never undone;
 * - labels are looked at again before anything is concluded from a failed check (`relook`);
 * - a rotation overtaken by a newer one ends quietly, and records are deleted when a rotation ends:
 *   another rotation's only by a step that knows this rotation's key live (`cleanThen`).
 */

/** Where the rotation's version stands, from the labels. */
export type VersionState =
  /** AWSPENDING only: the steps run as usual. */
  | 'open'
  /** AWSCURRENT and AWSPENDING: setSecret promoted it; the service has not completed the rotation yet. */
  | 'promoted'
  /** AWSCURRENT without AWSPENDING: the rotation is complete. */
  | 'completed'
  /** Neither: the rotation was abandoned (someone wrote a version) or superseded. */
  | 'detached';

export type KeyCheck = 'unchecked' | 'works' | 'rejected' | 'forbidden' | 'unavailable';

/** What Ringg proved about a key the rotation means to promote (see proofOf in rotation.ts). */
export type Proof =
  | 'unchecked'
  | 'proven'
  | 'rejected'
  | 'forbidden'
  | 'unavailable'
  | 'untagged'
  | 'no-workspace'
  | 'wrong-workspace'
  | 'key-mismatch';

export type RecordFact =
  | { readonly kind: 'unread' }
  | { readonly kind: 'none' }
  | { readonly kind: 'unreadable' }
  | {
      readonly kind: 'found';
      readonly status: RecordStatus;
      /** The record's token is this rotation's (else an earlier rotation's, left over). */
      readonly ours: boolean;
      /** Its owner may still be running (status `regenerating`, `until` not passed). */
      readonly live: boolean;
      readonly generation: number;
      /** Created by this invocation. */
      readonly mine: boolean;
    };

export interface Facts {
  readonly step: Step;
  readonly version: VersionState;
  /** AWSPENDING sits on a version other than the rotation's: a newer rotation is under way. */
  readonly newerRotation: boolean;
  /** AWSCURRENT is on another version than the one this rotation replaces: someone wrote the secret. */
  readonly currentWritten: boolean;
  /** How many times the labels were looked at again after a failed check or move. */
  readonly relooks: number;
  /** The rotation's version: unread, empty, holding the AWSCURRENT key (a configuration test), or a new key. */
  readonly ours: 'unread' | 'empty' | 'same-as-current' | 'new-key';
  readonly current: 'unread' | 'read' | 'unusable';
  readonly currentKey: KeyCheck;
  /** The tag against Ringg's answer for the current key (meaningful once it works). */
  readonly identity: 'confirmed' | 'untagged' | 'mismatch' | 'unknown';
  /** The new value fits Secrets Manager whatever key Ringg issues. */
  readonly room: boolean;
  readonly record: RecordFact;
  /**
   * This invocation's regenerate. `rejected`: Ringg answered 401, so the key it was sent with is dead
   * (a stale read of AWSCURRENT, a key stored by another delivery, or a change outside the rotation).
   */
  readonly regenerate: 'not-sent' | 'issued' | 'rejected' | 'not-regenerated' | 'outcome-unknown';
  /** Other secrets of this account and Region tagged with the same workspace (one workspace, one live key). */
  readonly holders: 'unread' | 'none' | 'shared' | 'unknown';
  /** Writing the new key (issued or rescued) to the rotation's version. */
  readonly store: 'not-needed' | 'to-do' | 'stored' | 'conflict' | 'kms-refused' | 'failed';
  readonly rescue: 'not-needed' | 'saved' | 'failed';
  /** A rescued key (from the record) checked with Ringg before it is stored. */
  readonly rescueProof: Proof;
  /** The rotation's key checked with Ringg before AWSCURRENT moves to it (or in testSecret). */
  readonly proof: Proof;
  readonly mirror: 'none' | 'to-write' | 'written' | 'failed';
  /** `refused-relooked`: refused, and the labels looked at again since. */
  readonly move: 'not-tried' | 'moved' | 'refused' | 'refused-relooked';
  /** The version someone wrote, against the rotation's key. */
  readonly written: 'unread' | 'holds-our-key' | 'other-key' | 'unusable';
  readonly merged: boolean;
  /** AWSPENDING taken off the rotation's version, where a kept edit holds AWSCURRENT. */
  readonly released: boolean;
  readonly cleaned: boolean;
  /** Time left for: waiting a poll for another delivery, a regenerate and its storage, a proof and the move. */
  readonly time: { readonly wait: boolean; readonly regenerate: boolean; readonly prove: boolean };
}

export type FailureCode =
  | 'version-not-pending'
  | 'invalid-secret-value'
  | 'current-key-rejected'
  | 'new-key-lost'
  | 'new-key-rejected'
  | 'new-key-not-readable'
  | 'new-key-rescued'
  | 'new-key-unsaved'
  | 'kms-key-refused'
  | 'secret-write-conflict'
  | 'secret-written-during-rotation'
  | 'pending-version-empty'
  | 'permission-denied'
  | 'ringg-unavailable'
  | 'regenerate-in-progress'
  | 'regenerate-failed'
  | 'rescue-unreadable'
  | 'wrong-workspace'
  | 'workspace-unknown'
  | 'key-mismatch'
  | 'secret-too-large'
  | 'promotion-refused'
  | 'shared-workspace'
  | 'workspace-holders-unknown'
  | 'too-many-regenerate-attempts';

export type Outcome =
  | 'already-current'
  | 'new-key-already-promoted'
  | 'current-key-verified'
  | 'new-key-already-stored'
  | 'new-key-waiting-in-rescue'
  | 'promoted'
  | 'promotion-deferred'
  | 'edit-kept'
  | 'edit-merged'
  | 'superseded'
  | 'configuration-test-passed'
  | 'new-key-verified'
  | 'finished';

export type Which = 'current' | 'ours' | 'written';

export type Action =
  | { readonly kind: 'done'; readonly outcome: Outcome }
  | { readonly kind: 'fail'; readonly code: FailureCode; readonly about?: 'current' | 'new' | 'rescued' }
  /** Describe again (after a short settle) and re-read what depended on the labels. */
  | { readonly kind: 'relook' }
  | { readonly kind: 'read'; readonly which: Which }
  | { readonly kind: 'read-record' }
  | { readonly kind: 'check-current-key' }
  | { readonly kind: 'tag-workspace' }
  /** ListSecrets by the workspace tag: the other secrets holding the same workspace. */
  | { readonly kind: 'find-holders' }
  /** Create the record (create-once); `next`: overwrite our own ended claim with generation + 1. */
  | { readonly kind: 'claim'; readonly next: boolean }
  | { readonly kind: 'wait-for-other-delivery' }
  | { readonly kind: 'regenerate' }
  | { readonly kind: 'record-outcome' }
  | { readonly kind: 'prove-rescue' }
  | { readonly kind: 'store' }
  | { readonly kind: 'rescue' }
  | { readonly kind: 'prove' }
  | { readonly kind: 'write-mirror' }
  /** The mirror stays as it is, reported as a failed mirror write: the key cannot be proven now. */
  | { readonly kind: 'mirror-not-written' }
  | { readonly kind: 'move-current' }
  /** A new version: the written version's fields with the rotation's key, as AWSCURRENT. */
  | { readonly kind: 'merge-edit' }
  /**
   * Delete this rotation's records; `others`: those of other rotations too that no open or newer
   * rotation needs, which only a step that knows this rotation's key live may do (each other key is
   * then dead: a workspace has one live key).
   */
  | { readonly kind: 'clean-up'; readonly others: boolean }
  /**
   * Take AWSPENDING off the rotation's version: AWSCURRENT stays on a version someone wrote, and
   * with AWSPENDING elsewhere the service would count the rotation open forever.
   */
  | { readonly kind: 'release-pending' };

/** How often a step looks at the labels again before it concludes from a failed check or move. */
export const MAX_RELOOKS = 1;
/** Claims one rotation may make (each one a regenerate that provably changed nothing). */
export const MAX_GENERATIONS = 10;

const done = (outcome: Outcome): Action => ({ kind: 'done', outcome });
const fail = (code: FailureCode, about?: 'current' | 'new' | 'rescued'): Action =>
  about ? { kind: 'fail', code, about } : { kind: 'fail', code };

export function decide(f: Facts): Action {
  switch (f.step) {
    case 'createSecret':
      return createSecret(f);
    case 'setSecret':
      return setSecret(f);
    case 'testSecret':
      return testSecret(f);
    case 'finishSecret':
      return finishSecret(f);
  }
}

function createSecret(f: Facts): Action {
  if (f.version === 'completed') return done('already-current');
  if (f.version === 'promoted') return done('new-key-already-promoted');
  if (f.version === 'detached') return fail('version-not-pending');
  return checkedCurrentKey(f) ?? done('current-key-verified');
}

/**
 * Proves the current key works and belongs to the tagged workspace, and that the new value will fit;
 * undefined once all of that holds. A rejected key is explained by `whyRejected`.
 */
function checkedCurrentKey(f: Facts): Action | undefined {
  if (f.current === 'unread') return { kind: 'read', which: 'current' };
  if (f.current === 'unusable') return fail('invalid-secret-value', 'current');
  switch (f.currentKey) {
    case 'unchecked':
      return { kind: 'check-current-key' };
    case 'rejected':
      return whyRejected(f);
    case 'forbidden':
      return fail('permission-denied', 'current');
    case 'unavailable':
      return fail('ringg-unavailable', 'current');
    case 'works':
      break;
  }
  if (f.identity === 'mismatch') return fail('wrong-workspace', 'current');
  if (f.identity === 'unknown') return fail('workspace-unknown', 'current');
  if (f.identity === 'untagged') return { kind: 'tag-workspace' };
  if (!f.room) return fail('secret-too-large');
  // Before anything destructive: rotating one of several secrets of a workspace kills the others' key.
  if (f.step === 'createSecret') {
    if (f.holders === 'unread') return { kind: 'find-holders' };
    if (f.holders === 'shared') return fail('shared-workspace');
    if (f.holders === 'unknown') return fail('workspace-holders-unknown');
  }
  return undefined;
}

/** Rejected, nothing of this rotation explains it: the other holders of the workspace may. */
function rejectedOutright(f: Facts): Action {
  return f.holders === 'unread' ? { kind: 'find-holders' } : fail('current-key-rejected', 'current');
}

/**
 * Ringg rejects the current key. A stale label read, a stored or rescued key, or a regenerate of this
 * rotation explain it before "changed outside the rotation" may be said.
 */
function whyRejected(f: Facts): Action {
  if (f.relooks < MAX_RELOOKS) return { kind: 'relook' };
  if (f.ours === 'unread') return { kind: 'read', which: 'ours' };
  if (f.ours === 'new-key') {
    return f.step === 'testSecret' ? { kind: 'prove' } : done('new-key-already-stored');
  }
  if (f.record.kind === 'unread') return { kind: 'read-record' };
  if (f.record.kind === 'unreadable') return fail('rescue-unreadable');
  if (f.record.kind === 'found') {
    const r = f.record;
    if (r.status === 'rescued') {
      // A key found unproven (Ringg unavailable, the tag gone) is not known to be waiting.
      if (f.rescueProof === 'unchecked' || f.rescueProof === 'proven')
        return done('new-key-waiting-in-rescue');
      return fail(
        f.rescueProof === 'unavailable' ? 'ringg-unavailable' : proofFailure(f.rescueProof),
        'rescued',
      );
    }
    if (r.ours && r.status !== 'not-regenerated') {
      // testSecret runs only after setSecret succeeded: the key was stored, and reads empty for now.
      if (f.step === 'testSecret') return fail('new-key-not-readable');
      return fail(r.live ? 'regenerate-in-progress' : 'new-key-lost');
    }
  }
  return rejectedOutright(f);
}

function setSecret(f: Facts): Action {
  if (f.version === 'completed' || f.version === 'promoted') {
    return done(f.move === 'not-tried' ? 'new-key-already-promoted' : 'promoted');
  }
  // Detached at the start: this is not the rotation in progress. (Detached later: someone wrote.)
  if (f.version === 'detached' && f.relooks === 0) return fail('version-not-pending');
  // Never regenerate over a stored key, even one someone else wrote into the version.
  if (f.ours === 'unread') return { kind: 'read', which: 'ours' };
  if (f.ours === 'new-key' || f.ours === 'same-as-current' || f.store === 'stored') return promotion(f);
  if (f.record.kind === 'unread') return { kind: 'read-record' };
  if (f.version === 'detached') return fail('version-not-pending');
  if (f.current === 'unread') return { kind: 'read', which: 'current' };
  if (f.current === 'unusable') return fail('invalid-secret-value', 'current');
  if (f.regenerate === 'issued' || f.rescueProof === 'proven') return storeNewKey(f);
  // A 401 to the PATCH: a stale AWSCURRENT read, or a key stored meanwhile, explains it before anything else.
  if (f.regenerate === 'rejected') {
    if (f.relooks < MAX_RELOOKS) return { kind: 'relook' };
    if (f.record.kind === 'found' && f.record.status === 'rescued') return regenerateOrWait(f);
  }
  if (f.regenerate !== 'not-sent') {
    if (f.record.kind === 'found' && f.record.mine && f.record.status === 'regenerating') {
      return { kind: 'record-outcome' };
    }
    return f.regenerate === 'rejected' ? rejectedOutright(f) : fail('regenerate-failed');
  }
  return regenerateOrWait(f);
}

/** With the new key in memory: store it, and if Secrets Manager will not take it, rescue it first. */
function storeNewKey(f: Facts): Action {
  if (f.store === 'to-do') return { kind: 'store' };
  if (f.rescue === 'not-needed') return { kind: 'rescue' };
  // Issued just now, it is held in memory only: the old key is dead, whatever refused the write (the
  // message names KMS). A key found elsewhere still waits there.
  if (f.rescue === 'failed') return fail('new-key-unsaved', f.regenerate === 'issued' ? 'new' : 'rescued');
  if (f.store === 'kms-refused') return fail('kms-key-refused');
  if (f.store === 'conflict') return fail('secret-write-conflict');
  return fail('new-key-rescued');
}

function regenerateOrWait(f: Facts): Action {
  const r = f.record;
  if (r.kind === 'unreadable') return fail('rescue-unreadable');
  // Before any claim: a key rescued by this rotation or an abandoned one may be the live key.
  if (r.kind === 'unread') return { kind: 'read-record' };
  if (r.kind === 'none') {
    // setSecret follows createSecret's proof of the current key; it checks again only when the tag is
    // missing (removed since) or a check already ran in this invocation.
    if (f.identity === 'untagged' || f.currentKey !== 'unchecked') {
      const current = checkedCurrentKey({ ...f, relooks: MAX_RELOOKS });
      if (current) return current.kind === 'done' ? fail('current-key-rejected', 'current') : current;
    }
    return { kind: 'claim', next: false };
  }
  if (r.status === 'rescued') {
    switch (f.rescueProof) {
      case 'unchecked':
        return { kind: 'prove-rescue' };
      case 'proven':
        return { kind: 'store' };
      case 'rejected': {
        // This rotation's rescued key Ringg rejects is lost only if the current key is dead too;
        // another rotation's says nothing of this one: the current key's rejection is explained as ever.
        const lost = r.ours ? fail('new-key-lost') : rejectedOutright(f);
        if (f.currentKey === 'rejected') return lost;
        const current = checkedCurrentKey({ ...f, relooks: MAX_RELOOKS });
        if (current) return current.kind === 'done' ? lost : current;
        return r.ours ? fail('rescue-unreadable') : { kind: 'claim', next: false };
      }
      case 'forbidden':
        return fail('permission-denied', 'rescued');
      case 'unavailable':
        return fail('ringg-unavailable', 'rescued');
      default:
        return fail(proofFailure(f.rescueProof), 'rescued');
    }
  }
  if (r.mine) {
    // A check made in this invocation (a takeover, a missing tag) must have proven the key and its workspace.
    if (f.currentKey !== 'unchecked' || f.identity !== 'confirmed') {
      const current = checkedCurrentKey({ ...f, relooks: MAX_RELOOKS });
      if (current) return current.kind === 'done' ? fail('current-key-rejected', 'current') : current;
    }
    return f.time.regenerate ? { kind: 'regenerate' } : fail('ringg-unavailable');
  }
  if (r.ours && r.live) {
    if (f.ours === 'empty' && f.time.wait) return { kind: 'wait-for-other-delivery' };
    return fail('regenerate-in-progress');
  }
  // An ended claim (ours) or a leftover of an earlier rotation: claim anew only once the current key
  // is proven again, since the owner may have regenerated. Rejected, the labels and our version are
  // looked at again first: another delivery may have claimed, stored and promoted meanwhile.
  const current = checkedCurrentKey(f);
  if (current) {
    if (current.kind === 'fail' && current.code === 'current-key-rejected' && r.ours) {
      return fail(r.status === 'not-regenerated' ? 'current-key-rejected' : 'new-key-lost');
    }
    return current.kind === 'done' ? fail('current-key-rejected', 'current') : current;
  }
  if (r.ours && r.generation >= MAX_GENERATIONS) return fail('too-many-regenerate-attempts');
  return { kind: 'claim', next: true };
}

/** setSecret with the new key stored: prove it and move AWSCURRENT at once (Ringg killed the old key). */
function promotion(f: Facts): Action {
  // The record names the version this rotation replaces (best effort: else AWSCURRENT as the step began).
  if (f.record.kind === 'unread') return { kind: 'read-record' };
  if (f.proof === 'unchecked') return f.time.prove ? { kind: 'prove' } : done('promotion-deferred');
  if (f.proof !== 'proven') return done('promotion-deferred');
  return moved(f) ?? done('promoted');
}

/**
 * Writes the mirror and moves AWSCURRENT to the rotation's version, naming the version it replaces.
 * A refused move is looked at again: applied after all, or a write by someone else (kept), or left
 * to the next step. Undefined once AWSCURRENT holds the rotation's key.
 */
function moved(f: Facts): Action | undefined {
  if (f.version === 'promoted' || f.version === 'completed' || f.move === 'moved') return undefined;
  if (f.currentWritten || f.version === 'detached') return foreign(f);
  if (f.mirror === 'to-write') return { kind: 'write-mirror' };
  if (f.move === 'not-tried') return { kind: 'move-current' };
  if (f.move === 'refused') return { kind: 'relook' };
  return f.step === 'setSecret' ? done('promotion-deferred') : fail('promotion-refused');
}

/**
 * AWSCURRENT is on a version someone else wrote. Holding the rotation's key, it is kept; holding
 * another key while the rotation's key is proven live, its fields are kept with the live key; the
 * rotation's key dead means a newer rotation replaced it: nothing of this one is left to keep.
 */
function foreign(f: Facts): Action {
  if (f.newerRotation) {
    // Unless our key is proven dead, its record is how the newer rotation finds it (stranded).
    if (f.ours !== 'new-key' || f.proof === 'rejected') return cleanThen(f, 'superseded');
    return f.proof === 'unchecked' ? { kind: 'prove' } : done('superseded');
  }
  if (f.written === 'unread') return { kind: 'read', which: 'written' };
  // Kept or merged, the key is proven first: a late step of an abandoned rotation meets its own dead
  // key in a version written since, which is no edit to keep and no key for the mirror.
  if (f.proof === 'unchecked') return { kind: 'prove' };
  if (f.proof === 'rejected') return released(f) ?? cleanThen(f, 'superseded');
  if (f.written === 'holds-our-key') {
    // The mirror follows AWSCURRENT, once it holds this rotation's key and Ringg accepts it.
    // Not proven (Ringg unavailable): the edit is kept all the same, the mirror is not written (its
    // failure alarms), and an abandoned rotation is not failed for it: nothing would retry it.
    if (f.mirror === 'to-write')
      return f.proof === 'proven' ? { kind: 'write-mirror' } : { kind: 'mirror-not-written' };
    return released(f) ?? cleanThen(f, 'edit-kept');
  }
  if (f.proof !== 'proven') return fail(proofFailure(f.proof), 'new');
  if (f.written === 'unusable') return fail('secret-written-during-rotation');
  if (!f.merged) return { kind: 'merge-edit' };
  if (f.mirror === 'to-write') return { kind: 'write-mirror' };
  return released(f) ?? cleanThen(f, 'edit-merged');
}

function released(f: Facts): Action | undefined {
  return f.version === 'open' && !f.released ? { kind: 'release-pending' } : undefined;
}

function cleanThen(f: Facts, outcome: Outcome): Action {
  // Known live: proven in this step, or AWSCURRENT moved to the rotation's version while AWSPENDING
  // holds it (no rotation can have regenerated since: a newer one takes AWSPENDING). AWSCURRENT alone
  // proves nothing: a person may move it back to a version whose key is dead.
  const others = f.version === 'promoted' || f.move === 'moved' || f.proof === 'proven';
  return f.cleaned ? done(outcome) : { kind: 'clean-up', others };
}

/** RotateImmediately=false and CloudFormation: the configuration test proves the current key, nothing else. */
function configurationTest(f: Facts): Action {
  const identity = f.identity === 'untagged' ? 'confirmed' : f.identity;
  return checkedCurrentKey({ ...f, room: true, identity }) ?? done('configuration-test-passed');
}

function testSecret(f: Facts): Action {
  if (f.version === 'completed' && f.newerRotation) return done('superseded');
  if (f.version === 'detached') return detachedTest(f);
  if (f.ours === 'unread') return { kind: 'read', which: 'ours' };
  if (f.ours === 'empty' || f.ours === 'same-as-current') return configurationTest(f);
  if (f.proof === 'unchecked') return { kind: 'prove' };
  if (f.proof === 'proven') return done('new-key-verified');
  if (f.proof === 'rejected') {
    // The key that was proven in setSecret is dead: a newer rotation, or a stale read, explains it.
    if (f.relooks < MAX_RELOOKS) return { kind: 'relook' };
    if (f.newerRotation || f.currentWritten) return done('superseded');
    return fail('new-key-rejected', 'new');
  }
  return fail(proofFailure(f.proof), 'new');
}

/**
 * testSecret after someone wrote a version (the service abandoned the rotation: no finishSecret
 * follows) or a newer rotation took over: the write is kept, merged with the live key as in finishSecret.
 */
function detachedTest(f: Facts): Action {
  if (f.newerRotation) return done('superseded');
  if (f.ours === 'unread') return { kind: 'read', which: 'ours' };
  if (f.ours === 'empty') return fail('version-not-pending');
  return foreign(f);
}

function finishSecret(f: Facts): Action {
  if (f.version === 'completed' || f.version === 'promoted') return cleanThen(f, 'finished');
  // The record says which version this rotation replaces: another holder of AWSCURRENT is an edit
  // (best effort once the key is stored: else AWSCURRENT as the step began).
  if (f.ours === 'unread') return { kind: 'read', which: 'ours' };
  if (f.record.kind === 'unread') return { kind: 'read-record' };
  if (f.ours === 'empty')
    return f.version === 'detached' ? fail('version-not-pending') : fail('pending-version-empty');
  if (f.ours === 'same-as-current') return cleanThen(f, 'finished');
  const move = moved(f);
  if (move) return move;
  return cleanThen(f, 'finished');
}

function proofFailure(proof: Exclude<Proof, 'unchecked' | 'proven'>): FailureCode {
  switch (proof) {
    case 'rejected':
      return 'new-key-rejected';
    case 'forbidden':
      return 'permission-denied';
    case 'unavailable':
      return 'ringg-unavailable';
    case 'untagged':
    case 'no-workspace':
      return 'workspace-unknown';
    case 'wrong-workspace':
      return 'wrong-workspace';
    case 'key-mismatch':
      return 'key-mismatch';
  }
}
