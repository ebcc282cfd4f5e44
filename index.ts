// The package's root entry point (`ringg-key-rotation`): the CDK construct, its schedule type, and the
// ready stack with its context reader. The consumer library is `ringg-key-rotation/consumer`; the CLI is
// the `ringg-rotate` bin. Nothing here loads aws-cdk-lib unless this entry point is imported.
export { readRotationContext } from './lib/context.js';
export * from './lib/ringg-key-rotation.js';
export * from './lib/ringg-rotation-stack.js';
export * from './lib/rotation-schedule.js';
