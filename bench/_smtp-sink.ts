import { SMTPServer } from 'smtp-server';

/**
 * A local SMTP sink for the mail benchmark, in its own process so that receiving does not take
 * CPU from the sender being measured: accepts everything, keeps nothing but a count. Tells its
 * parent the port, answers { count } on request.
 */
let count = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  maxClients: 100,
  onData(stream, _session, callback) {
    stream.on('end', () => {
      count++;
      callback();
    });
    stream.resume();
  },
});
server.on('error', () => {});
const net = server.listen(0, '127.0.0.1', () => {
  const address = net.address();
  if (address && typeof address === 'object') process.send?.({ port: address.port });
});
process.on('message', (message: unknown) => {
  if (message === 'count') process.send?.({ count });
  if (message === 'reset') {
    count = 0;
    process.send?.({ count });
  }
  if (message === 'stop') server.close(() => process.exit(0));
});
