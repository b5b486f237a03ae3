#!/usr/bin/env node
// `npm start`: runs masterd in the foreground on the embedded default, a one-node cluster
// under ./state/<host>/ (Ganeti's virtual-cluster layout), created on first run.
import {spawnSync, spawn} from 'node:child_process';
import {existsSync, mkdirSync} from 'node:fs';
import {hostname} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {DAEMON_NODE_ARGS} from '../dist/process/detach.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const host = (process.env.GANETI_HOSTNAME || hostname().split('.')[0] || 'node1').toLowerCase();
const root = process.env.GANETI_ROOTDIR || join(repo, 'state', host);
const env = {...process.env, GANETI_ROOTDIR: root, GANETI_HOSTNAME: host};
const bin = join(repo, 'bin', 'ganeti.js');

if (!existsSync(join(root, 'var', 'lib', 'ganeti', 'config.data'))) {
  mkdirSync(root, {recursive: true});
  const init = spawnSync(process.execPath, [bin, 'cluster', 'init', `${host}-cluster`], {env, stdio: 'inherit'});
  if (init.status !== 0) process.exit(init.status ?? 1);
}

const socket = join(root, 'var', 'run', 'ganeti', 'socket', 'ganeti-query');
process.stdout.write(
  `ganeti-ts masterd on ${root}\n` +
    `  LUXI socket: ${socket}\n` +
    `  query it:    GANETI_ROOTDIR=${root} GANETI_HOSTNAME=${host} bin/gnt-job list\n` +
    `  (or: bin/gnt-job list --socket ${socket})\n` +
    '  stop it:     Ctrl-C (twice to exit at once)\n\n',
);
// The daemons' Node options, as bin/ganeti's #! line gives them (src/process/detach.ts).
const child = spawn(process.execPath, [...DAEMON_NODE_ARGS, bin, 'masterd', '-f', ...process.argv.slice(2)], {env, stdio: 'inherit'});
// Ctrl-C reaches the daemon directly (same process group); forwarding it as well would
// count as the second, "exit now" signal. SIGTERM sent to this wrapper alone is passed on.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
