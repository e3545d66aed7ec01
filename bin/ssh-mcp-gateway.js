#!/usr/bin/env node
// Runs the TypeScript CLI through tsx: no build step between a clone and a running gateway.
import { register } from 'tsx/esm/api';

// Locally the AWS SDK talks to the embedded store; its Node 20 deprecation notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../src/cli/main.ts');
const stop = new Promise((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
process.exitCode = await main(process.argv.slice(2), undefined, stop);
// ssh2 and dynalite may leave sockets draining; the command is done.
process.exit();
