// The node daemon as a real process: its procedures, its answers to bad requests, path
// confinement of the queue procedures, TLS, and the no-certificate mode.
import assert from 'node:assert/strict';
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import https from 'node:https';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {deflateSync} from 'node:zlib';
import {InstanceLock} from '../../src/process/instance-lock.js';
import {loadClusterTls, type ClusterTls} from '../../src/rpc/certificate.js';
import {RpcTransport, type RpcTarget} from '../../src/rpc/client.js';
import {VIRTUAL_PATH_PREFIX} from '../../src/rpc/virtual-path.js';
import {VirtualCluster, type VNode} from './virtual-cluster.js';

function raw(
  target: RpcTarget,
  tls: ClusterTls | null,
  method: string,
  path: string,
  body?: string,
): Promise<{status: number; text: string}> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: target.address,
        port: target.port,
        method,
        path,
        ...(tls !== null ? {ca: tls.cert, cert: tls.cert, key: tls.key} : {}),
        checkServerIdentity: () => undefined,
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({status: res.statusCode ?? 0, text}));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('noded', () => {
  let vc: VirtualCluster;
  let node: VNode;
  let target: RpcTarget;
  let rpc: RpcTransport;
  let tls: ClusterTls;
  const v = (p: string): string => VIRTUAL_PATH_PREFIX + p;
  const queue = (...p: string[]): string => join(node.paths.queueDir, ...p);

  before(async () => {
    vc = await VirtualCluster.create(2);
    node = vc.node('node2');
    await vc.startNoded(node);
    target = {name: node.name, address: node.ip, port: vc.port};
    tls = loadClusterTls(node.paths.serverCert)!;
    rpc = new RpcTransport(tls);
  });

  after(async () => {
    rpc.close();
    await vc.cleanup();
  });

  test('answers version, master_node_name and master_info from its ssconf', async () => {
    assert.equal(await rpc.call(target, 'version', [], 5000), 3000000);
    assert.equal(await rpc.call(target, 'master_node_name', [], 5000), 'node1');
    const info = (await rpc.call(target, 'master_info', [], 5000)) as unknown[];
    assert.equal(info[2], 'node1');
    assert.equal(info.length, 5);
  });

  test('bad requests get HTTP errors and the daemon keeps serving', async () => {
    assert.deepEqual(await raw(target, tls, 'GET', '/version'), {status: 400, text: 'Only the POST method is supported\n'});
    const unknown = await raw(target, tls, 'POST', '/no_such_procedure', '[]');
    assert.equal(unknown.status, 404);
    const badJson = await raw(target, tls, 'POST', '/version', '[1, 2');
    assert.equal(badJson.status, 400);
    assert.match(badJson.text, /Invalid JSON/);
    const notArray = await raw(target, tls, 'POST', '/version', '{"a": 1}');
    assert.equal(notArray.status, 400);
    assert.match(notArray.text, /JSON array/);
    assert.deepEqual(await raw(target, tls, 'POST', '/test_delay', '[]'), {status: 200, text: '[false,"Missing argument 1 (duration)"]'});
    assert.equal(await rpc.call(target, 'version', [], 5000), 3000000);
  });

  test('refuses clients without the cluster certificate', async () => {
    await assert.rejects(raw(target, null, 'POST', '/version', '[]'));
    const stranger = new RpcTransport(null, {certFile: '/nowhere/server.pem'});
    // No silent fall-back to plain HTTP: the call fails at once and says why.
    await assert.rejects(stranger.call(target, 'version', [], 5000), {
      message: 'no cluster certificate (/nowhere/server.pem): node daemons answer only over HTTPS with it',
    });
    stranger.close();
  });

  test('test_delay sleeps; a negative duration fails', async () => {
    const t = Date.now();
    assert.equal(await rpc.call(target, 'test_delay', [0.2], 5000), null);
    assert.ok(Date.now() - t >= 190);
    await assert.rejects(rpc.call(target, 'test_delay', [-1], 5000), /Invalid sleep duration/);
  });

  test('queue files: update (plain, zlib, batch), rename into the archive, drain, purge', async () => {
    await rpc.call(target, 'jobqueue_update', [v('/var/lib/ganeti/queue/job-1'), [0, 'one\n']], 5000);
    const big = 'x'.repeat(10000);
    await rpc.call(target, 'jobqueue_update', [v('/var/lib/ganeti/queue/job-2'), [1, deflateSync(big).toString('base64')]], 5000);
    await rpc.call(
      target,
      'jobqueue_update_many',
      [
        [
          [v('/var/lib/ganeti/queue/job-3'), [0, 'three']],
          [v('/var/lib/ganeti/queue/serial'), [0, '3\n']],
        ],
      ],
      5000,
    );
    assert.equal(readFileSync(queue('job-1'), 'utf8'), 'one\n');
    assert.equal(readFileSync(queue('job-2'), 'utf8'), big);
    assert.equal(readFileSync(queue('job-3'), 'utf8'), 'three');
    assert.equal(readFileSync(queue('serial'), 'utf8'), '3\n');

    const renamed = await rpc.call(
      target,
      'jobqueue_rename',
      [[[v('/var/lib/ganeti/queue/job-1'), v('/var/lib/ganeti/queue/archive/0/job-1')]]],
      5000,
    );
    assert.deepEqual(renamed, [null]);
    assert.equal(readFileSync(queue('archive', '0', 'job-1'), 'utf8'), 'one\n');

    await rpc.call(target, 'jobqueue_set_drain_flag', [true], 5000);
    assert.ok(existsSync(queue('drain')));
    await rpc.call(target, 'jobqueue_set_drain_flag', [false], 5000);
    assert.ok(!existsSync(queue('drain')));

    writeFileSync(queue('lock'), '');
    writeFileSync(queue('archive', 'stray'), '');
    await rpc.call(target, 'jobqueue_purge', [], 5000);
    assert.deepEqual(readdirSync(node.paths.queueDir).sort(), ['archive', 'lock']);
    assert.deepEqual(readdirSync(queue('archive')), ['0']);
  });

  test('queue paths must be virtual and stay inside the queue directory', async () => {
    const outside = [
      v('/var/lib/ganeti/queue/../config.data'),
      v('/var/lib/ganeti/queue'),
      v('/var/lib/ganeti/ssconf_master_node'),
      v('/../../../../../../tmp/evil'),
      join(node.paths.queueDir, 'job-9'),
    ];
    for (const name of outside) {
      await assert.rejects(rpc.call(target, 'jobqueue_update', [name, [0, 'x']], 5000), /does not belong|not a virtual path/);
    }
    await assert.rejects(
      rpc.call(target, 'jobqueue_rename', [[[v('/var/lib/ganeti/queue/job-3'), v('/var/lib/ganeti/config.data')]]], 5000),
      /does not belong/,
    );
    assert.equal(readFileSync(node.paths.ssconf('master_node'), 'utf8'), 'node1\n');
  });

  test('queue procedures are refused while a master daemon owns the queue here', async () => {
    const lock = await InstanceLock.acquire(node.paths.masterdPidFile);
    try {
      await assert.rejects(rpc.call(target, 'jobqueue_purge', [], 5000), /owned by a running master daemon/);
    } finally {
      await lock.release();
    }
    assert.equal(await rpc.call(target, 'jobqueue_purge', [], 5000), null);
  });

  test('upload_file takes config.data only; write_ssconf_files and set_watcher_pause', async () => {
    const now = Date.now() / 1000;
    await rpc.call(target, 'upload_file', [[v('/var/lib/ganeti/config.data'), [0, '{"x": 1}\n'], 0o640, 'root', 'root', now, now]], 5000);
    assert.equal(readFileSync(node.paths.configFile, 'utf8'), '{"x": 1}\n');
    // A wider mode from the sender is cut down to what config.data may have.
    await rpc.call(target, 'upload_file', [[v('/var/lib/ganeti/config.data'), [0, '{"x": 2}\n'], 0o666, 'root', 'root', now, now]], 5000);
    assert.equal((statSync(node.paths.configFile).mode & 0o777).toString(8), '640');
    await rpc.call(target, 'upload_file', [[v('/var/lib/ganeti/config.data'), [0, '{"x": 3}\n'], 0o604, 'root', 'root', now, now]], 5000);
    assert.equal((statSync(node.paths.configFile).mode & 0o777).toString(8), '600');
    await assert.rejects(
      rpc.call(target, 'upload_file', [[v('/var/lib/ganeti/server.pem'), [0, 'x'], 0o640, 'root', 'root', now, now]], 5000),
      /not in allowed upload targets/,
    );
    await rpc.call(target, 'write_ssconf_files', [{master_node: 'node9', node_list: 'node1\nnode9'}], 5000);
    assert.equal(await rpc.call(target, 'master_node_name', [], 5000), 'node9');
    assert.equal(readFileSync(node.paths.ssconf('node_list'), 'utf8'), 'node1\nnode9\n');
    await assert.rejects(rpc.call(target, 'write_ssconf_files', [{'../x': 'y'}], 5000), /Invalid ssconf key/);
    await rpc.call(target, 'set_watcher_pause', [now + 3600], 5000);
    assert.equal(readFileSync(node.paths.watcherPauseFile, 'utf8'), `${Math.trunc(now + 3600)}\n`);
    await rpc.call(target, 'set_watcher_pause', [null], 5000);
    assert.ok(!existsSync(node.paths.watcherPauseFile));
  });

  test('a second noded on the same root is refused', async () => {
    const second = await vc.runToExit(node, ['noded', '-f', '-b', node.ip, '-p', String(vc.port + 1)]);
    assert.equal(second.code, 1);
    assert.match(second.output, /Error while locking PID file/);
  });

  test('without a certificate it refuses to start, on any address', async () => {
    const bare = vc.nodes[0]!;
    rmSync(bare.paths.serverCert);
    mkdirSync(bare.paths.dataDir, {recursive: true});
    for (const address of ['0.0.0.0', bare.ip]) {
      const refused = await vc.runToExit(bare, ['noded', '-f', '-b', address, '-p', String(vc.port)]);
      assert.equal(refused.code, 1);
      assert.match(refused.output, /No cluster certificate .*: refusing to serve the node RPC without authentication/);
    }
  });
});
