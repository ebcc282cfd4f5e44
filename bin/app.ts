#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readRotationContext } from '../lib/context.js';
import { RinggRotationStack } from '../lib/ringg-rotation-stack.js';

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
new RinggRotationStack(
  app,
  'RinggKeyRotation',
  readRotationContext((key) => app.node.tryGetContext(key)),
  {
    description: 'Rotates Ringg workspace API keys kept in AWS Secrets Manager',
  },
);
app.synth();
