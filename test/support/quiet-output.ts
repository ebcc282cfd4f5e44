// vitest setupFiles: the AWS SDK's NodeVersionSupportWarning (nine lines on stderr, once per test file
// on Node 20) says nothing about the code under test. Child processes the tests start are unaffected.
import { dropSdkNodeVersionWarning } from '../../cli/sdk-warning.js';

dropSdkNodeVersionWarning();
