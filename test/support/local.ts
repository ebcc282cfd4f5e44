import { vi } from 'vitest';
import type { AllowedSecretsList } from '../../common/allowed-secrets-file.js';
import { type LocalEnvironment, startLocalEnvironment } from '../../dev/local-environment.js';
import { StdoutCapture } from '../../dev/stdout-capture.js';

/**
 * The stand-ins with the real handler module loaded afresh for this environment (it reads its
 * configuration when loaded), its log lines captured. Secrets Manager retries a rotation twice.
 */
export async function startWithFreshHandler(
  extraEnv?: Record<string, string>,
  allowedSecrets?: AllowedSecretsList,
): Promise<{ env: LocalEnvironment; logs: StdoutCapture }> {
  const logs = new StdoutCapture();
  const env = await startLocalEnvironment({
    env: extraEnv,
    allowedSecrets,
    maxAttempts: 2,
    loadHandler: async () => {
      vi.resetModules();
      return import('../../lambda/handler.js');
    },
  });
  return { env, logs };
}
