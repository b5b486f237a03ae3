// Benchmark helper: one process serving the node daemons of many virtual nodes (one
// NodeServer per node, each on its node's own loopback address, with its node's root), so
// that clusters of hundreds of nodes fit on one machine. Prints "ready" once all listen.
//   node --import tsx bench/noded-host.ts PORT BASE NAME=IP [NAME=IP ...]
import {join} from 'node:path';
import {pino} from 'pino';
import {nodeProcedures} from '../src/noded/procedures.js';
import {NodeServer} from '../src/noded/server.js';
import {resolvePaths} from '../src/paths.js';
import {loadClusterTls} from '../src/rpc/certificate.js';

const [port, base, ...nodes] = process.argv.slice(2);
const log = pino({level: 'warn'});
const servers = await Promise.all(
  nodes.map(async (spec) => {
    const [name, ip] = spec.split('=') as [string, string];
    const paths = resolvePaths({GANETI_ROOTDIR: join(base!, name), GANETI_HOSTNAME: name});
    const tls = loadClusterTls(paths.serverCert);
    if (tls === null) throw new Error(`${name} has no cluster certificate ${paths.serverCert}`);
    const server = new NodeServer({procedures: nodeProcedures(paths), tls, log});
    await server.listen(Number(port), ip);
    return server;
  }),
);
process.stdout.write('ready\n');
process.on('SIGTERM', () => void Promise.all(servers.map((s) => s.close())).then(() => process.exit(0)));
