// A port nobody listens on now, for a bench's own processes: other benches on
// this machine use the fixed ones, and a service of another bench answering
// on a fixed port would be measured in place of this bench's own.
import net from "node:net";

export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}
