/**
 * The CDK app (cdk.json points here). Context: tablePrefix (default smg), allowedHosts, auth
 * (`oauth` default, or `key`), publicUrl, and vpc — a JSON object {vpcId, availabilityZones,
 * privateSubnetIds, securityGroupIds?} to reach private fleets.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GatewayStack, type VpcPlacement } from './gateway-stack.js';
import { parseAuthMode } from '../src/compose/oauth.js';

const app = new App();
const context = (key: string): string | undefined => app.node.tryGetContext(key);
const vpc = context('vpc');
new GatewayStack(app, context('stackName') ?? 'SshMcpGateway', {
  tablePrefix: context('tablePrefix') ?? 'smg',
  ...(context('allowedHosts') ? { allowedHosts: context('allowedHosts')! } : {}),
  ...(context('auth') ? { auth: parseAuthMode(context('auth'), 'context "auth"') } : {}),
  ...(context('publicUrl') ? { publicUrl: context('publicUrl')! } : {}),
  ...(vpc ? { vpc: (typeof vpc === 'string' ? JSON.parse(vpc) : vpc) as VpcPlacement } : {}),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
