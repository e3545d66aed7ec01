/**
 * The baseline for HTTP throughput: the MCP SDK's own stateless Streamable HTTP server on Node,
 * serving the same tool list as the gateway, with no auth, policy or audit. Run as its own process.
 */
import { createServer, type ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ALL_TOOLS } from '../../src/mcp/tools/index.js';

const port = Number(process.argv[2]);
createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    answer(body, res).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
}).listen(port, '127.0.0.1', () => console.log('ready'));

async function answer(body: string, res: ServerResponse): Promise<void> {
  const server = new McpServer({ name: 'bare', version: '1' });
  for (const t of ALL_TOOLS) {
    server.registerTool(
      t.name,
      {
        title: t.title,
        description: t.description,
        inputSchema: t.inputSchema,
        outputSchema: t.outputSchema,
        annotations: t.annotations,
      },
      async () => ({ content: [] }),
    );
  }
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  await transport.handleRequest(res.req, res, JSON.parse(body));
  res.on('close', () => void server.close());
}
