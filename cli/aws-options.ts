/**
 * Which AWS Region and profile the CLI uses, with the AWS CLI's precedence: the command line, then the
 * environment, then the profile in the shared config file. The profile's own region and credentials
 * are read by the SDK's providers (the client gets `profile`); this module only decides, and is pure.
 */
export interface AwsSelection {
  /** --region on the command line. */
  readonly region?: string | undefined;
  /** --profile on the command line. */
  readonly profile?: string | undefined;
}

export interface AwsSettings {
  /** The Region to use; undefined when it comes from the profile (the SDK reads it). */
  readonly region: string | undefined;
  readonly regionFrom: '--region' | 'AWS_REGION' | 'AWS_DEFAULT_REGION' | 'profile';
  /** The profile to use; undefined for the SDK's default profile. */
  readonly profile: string | undefined;
  readonly profileFrom: '--profile' | 'AWS_PROFILE' | 'default';
}

export function resolveAwsSettings(
  selection: AwsSelection,
  env: Readonly<Record<string, string | undefined>>,
): AwsSettings {
  const set = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
  const [region, regionFrom] = selection.region
    ? ([selection.region, '--region'] as const)
    : set(env.AWS_REGION)
      ? ([set(env.AWS_REGION), 'AWS_REGION'] as const)
      : set(env.AWS_DEFAULT_REGION)
        ? ([set(env.AWS_DEFAULT_REGION), 'AWS_DEFAULT_REGION'] as const)
        : ([undefined, 'profile'] as const);
  const [profile, profileFrom] = selection.profile
    ? ([selection.profile, '--profile'] as const)
    : set(env.AWS_PROFILE)
      ? ([set(env.AWS_PROFILE), 'AWS_PROFILE'] as const)
      : ([undefined, 'default'] as const);
  return { region, regionFrom, profile, profileFrom };
}

/** The part of an SDK client's configuration these settings decide. */
export function sdkClientConfig(settings: AwsSettings): { region?: string; profile?: string } {
  return {
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.profile ? { profile: settings.profile } : {}),
  };
}

/** A Region as the SDK accepts it in a host name: letters, digits and hyphens, e.g. eu-west-1. */
export function regionProblem(region: string): string | undefined {
  return /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(region)
    ? undefined
    : `--region "${region}" is not a Region code such as eu-west-1.`;
}
