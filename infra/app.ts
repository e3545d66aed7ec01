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
/** A context value given as `-c key=value` (a string) or in cdk.json (any JSON). */
const context = (key: string): unknown => app.node.tryGetContext(key);
const text = (key: string): string | undefined => {
  const value = context(key);
  if (value === undefined || typeof value === 'string') return value;
  throw new Error(`context "${key}" must be a string, not ${JSON.stringify(value)}`);
};
const vpc = context('vpc');
const allowedHosts = text('allowedHosts');
const auth = text('auth');
const publicUrl = text('publicUrl');
new GatewayStack(app, text('stackName') ?? 'SshMcpGateway', {
  tablePrefix: text('tablePrefix') ?? 'smg',
  ...(allowedHosts ? { allowedHosts } : {}),
  ...(auth ? { auth: parseAuthMode(auth, 'context "auth"') } : {}),
  ...(publicUrl ? { publicUrl } : {}),
  ...(vpc ? { vpc: (typeof vpc === 'string' ? JSON.parse(vpc) : vpc) as VpcPlacement } : {}),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
