/**
 * The reference server of `npm run bench`: bare Fastify, one POST route answering a small JSON
 * object, no logger — the ceiling any Fastify route on this machine can reach. Started as its own
 * process, like the server under test.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/', async () => ({ hello: 'world' }));
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
process.stdout.write(`hello-world listening on http://127.0.0.1:${port}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
