// The baseline server of `npm run bench`: a bare Fastify route returning a constant, nothing else.
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? 3001);
const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));

const stop = () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

await app.listen({ port, host: '127.0.0.1' });
