/**
 * KMS as the stand-ins see it: which keys refuse. Secrets Manager and Parameter Store share one
 * instance (AwsStandIn), so a key that refuses does so for a secret and for a SecureString alike
 * (../shared/aws-limits.md, "KMS refusals are their own errors").
 */
export type KmsRefusal =
  /** Disabled or pending deletion: nothing is encrypted or decrypted under the key. */
  | 'disabled'
  /** Its policy no longer lets the caller encrypt (kms:GenerateDataKey, kms:Encrypt); decrypting still works. */
  | 'encrypt-denied';

/** The key Secrets Manager uses for a secret created without KmsKeyId. */
export const SECRETS_MANAGER_DEFAULT_KEY = 'alias/aws/secretsmanager';
/** The key Parameter Store uses for a SecureString put without KeyId. */
export const SSM_DEFAULT_KEY = 'alias/aws/ssm';

export class KmsKeys {
  private readonly refusals = new Map<string, KmsRefusal>();

  /**
   * From now on `keyId` refuses. Keys are matched as the caller names them (the secret's KmsKeyId,
   * a PutParameter KeyId), without resolving aliases.
   */
  refuse(keyId: string, how: KmsRefusal = 'disabled'): void {
    this.refusals.set(keyId, how);
  }

  /** The key works again (re-enabled, or its policy fixed). */
  restore(keyId: string): void {
    this.refusals.delete(keyId);
  }

  refusal(keyId: string): KmsRefusal | undefined {
    return this.refusals.get(keyId);
  }

  refusesEncrypt(keyId: string): boolean {
    return this.refusals.has(keyId);
  }

  refusesDecrypt(keyId: string): boolean {
    return this.refusals.get(keyId) === 'disabled';
  }
}
