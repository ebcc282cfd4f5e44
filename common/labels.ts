/** The version a staging label is on, in DescribeSecret's VersionIdsToStages (a label is on one at most). */
export function versionHolding(
  stages: Readonly<Record<string, readonly string[]>>,
  stage: string,
): string | undefined {
  return Object.entries(stages).find(([, labels]) => labels.includes(stage))?.[0];
}
