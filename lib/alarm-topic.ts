import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';

/**
 * The alarm topic. Its policy (an `AWS::SNS::TopicPolicy` replaces SNS's default policy) lets exactly
 * two publishers in: CloudWatch alarms of this account and Region, and EventBridge rules of this
 * account and Region; it refuses publishing without TLS.
 */
export function createAlarmTopic(scope: Construct, alarmEmail: string | undefined): sns.Topic {
  const stack = Stack.of(scope);
  const topic = new sns.Topic(scope, 'Alarms', {
    displayName: 'Ringg key rotation alarms',
  });
  // What `enforceSSL: true` writes, spelled out: that prop came with aws-cdk-lib 2.129, after the peer floor.
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowPublishThroughSSLOnly',
      effect: iam.Effect.DENY,
      principals: [new iam.StarPrincipal()],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: { Bool: { 'aws:SecureTransport': 'false' } },
    }),
  );
  const publisher = (sid: string, service: string, sourceArn: string) =>
    new iam.PolicyStatement({
      sid,
      principals: [new iam.ServicePrincipal(service)],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': sourceArn },
      },
    });
  topic.addToResourcePolicy(
    publisher(
      'CloudWatchAlarmsOfThisAccount',
      'cloudwatch.amazonaws.com',
      stack.formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: '*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    ),
  );
  topic.addToResourcePolicy(
    publisher(
      'EventBridgeRulesOfThisAccount',
      'events.amazonaws.com',
      stack.formatArn({ service: 'events', resource: 'rule', resourceName: '*' }),
    ),
  );
  if (alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(alarmEmail));
  return topic;
}
