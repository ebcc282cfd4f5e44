import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { RinggKeyRotation } from 'ringg-key-rotation';

const app = new App();
const stack = new Stack(app, 'RinggKeys', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
const rotation = new RinggKeyRotation(stack, 'Rotation', {
  // One secret per Ringg workspace, each already holding that workspace's live key.
  secrets: [secretsmanager.Secret.fromSecretNameV2(stack, 'Prod', 'ringg/prod')],
  alarmEmail: 'oncall@example.com',
});
// After an incident: ringg-rotate rotate --all --function <FunctionName>
new CfnOutput(stack, 'FunctionName', { value: rotation.functionName });
