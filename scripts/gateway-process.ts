// How the gateway process is started — the same for `npm start` and the
// benchmark, so what is measured is what runs: the bundled gateway
// (scripts/build-gateway.ts) under plain node.
import { buildGateway } from "./build-gateway.ts";

/**
 * Node flags for the gateway. A small young generation keeps the heap of a
 * process holding thousands of idle connections from ballooning between
 * collections; the cost is more frequent (cheap) scavenges.
 */
export const GATEWAY_NODE_FLAGS = ["--max-semi-space-size=4"];

export async function gatewayCommand(extraNodeArgs: string[] = []): Promise<{ command: string; args: string[] }> {
  const bundle = await buildGateway();
  return { command: process.execPath, args: [...GATEWAY_NODE_FLAGS, ...extraNodeArgs, "--enable-source-maps", bundle] };
}
