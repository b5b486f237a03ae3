// The self-signed cluster certificate (built by hand in DER) and the virtual-path rules.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {createPrivateKey, X509Certificate} from 'node:crypto';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import https from 'node:https';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, test} from 'node:test';
import {resolvePaths} from '../../src/paths.js';
import {generateClusterCertificate, parseClusterPem, type ClusterTls} from '../../src/rpc/certificate.js';
import {isInside, localizeVirtualPath, makeVirtualPath, VirtualPathError} from '../../src/rpc/virtual-path.js';

function handshake(server: ClusterTls, client: ClusterTls | null): Promise<string> {
  const srv = https.createServer(
    {key: server.key, cert: server.cert, ca: server.cert, requestCert: true, rejectUnauthorized: true},
    (_q, r) => r.end('ok'),
  );
  return new Promise((resolve, reject) => {
    srv.listen(0, '127.0.0.1', () => {
      const {port} = srv.address() as AddressInfo;
      const req = https.get(
        {
          host: '127.0.0.1',
          port,
          ca: server.cert,
          ...(client !== null ? {key: client.key, cert: client.cert} : {}),
          checkServerIdentity: () => undefined,
        },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => {
            srv.close();
            resolve(body);
          });
        },
      );
      req.on('error', (err) => {
        srv.close();
        reject(err);
      });
    });
  });
}

describe('cluster certificate', () => {
  const pem = generateClusterCertificate({now: new Date('2026-01-01T00:00:00Z')});
  const tls = parseClusterPem(pem);

  test('is a self-signed X.509 v3 CA certificate valid for five years', () => {
    const cert = new X509Certificate(tls.cert);
    assert.equal(cert.subject, 'CN=ganeti.example.com');
    assert.equal(cert.issuer, cert.subject);
    assert.ok(cert.ca);
    assert.ok(cert.verify(cert.publicKey));
    assert.ok(cert.checkIssued(cert));
    assert.equal(new Date(cert.validTo).getUTCFullYear(), 2030);
    assert.ok(cert.checkPrivateKey(createPrivateKey(tls.key)));
  });

  test('openssl accepts it', {skip: spawnSync('openssl', ['version']).status !== 0}, () => {
    const dir = mkdtempSync(join(tmpdir(), 'ganeti-ts-cert-'));
    try {
      writeFileSync(join(dir, 'server.pem'), pem);
      const res = spawnSync('openssl', ['verify', '-CAfile', join(dir, 'server.pem'), join(dir, 'server.pem')], {encoding: 'utf8'});
      assert.equal(res.status, 0, res.stderr);
    } finally {
      rmSync(dir, {recursive: true});
    }
  });

  test('TLS: the cluster certificate serves as server cert, client cert and CA; others are refused', async () => {
    assert.equal(await handshake(tls, tls), 'ok');
    await assert.rejects(handshake(tls, null));
    await assert.rejects(handshake(tls, parseClusterPem(generateClusterCertificate())));
  });
});

describe('virtual paths', () => {
  const paths = resolvePaths({GANETI_ROOTDIR: '/srv/vc/node2', GANETI_HOSTNAME: 'node2'});
  const real = resolvePaths({});

  test('the root is replaced by the marker and back', () => {
    const v = makeVirtualPath(paths, '/srv/vc/node2/var/lib/ganeti/queue/job-5');
    assert.equal(v, '/###-VIRTUAL-PATH-###,/var/lib/ganeti/queue/job-5');
    assert.equal(localizeVirtualPath(paths, v), '/srv/vc/node2/var/lib/ganeti/queue/job-5');
    assert.equal(localizeVirtualPath(paths, '/###-VIRTUAL-PATH-###,/var/lib/ganeti/queue/../../../../../etc'), '/srv/vc/etc');
    assert.throws(() => localizeVirtualPath(paths, '/var/lib/ganeti/queue/job-5'), VirtualPathError);
    assert.throws(() => makeVirtualPath(paths, '/srv/vc/node3/x'), VirtualPathError);
  });

  test('a real node sends and takes plain absolute paths', () => {
    assert.equal(makeVirtualPath(real, '/var/lib/ganeti/queue/job-5'), '/var/lib/ganeti/queue/job-5');
    assert.equal(localizeVirtualPath(real, '/var/lib/ganeti/queue/../x'), '/var/lib/ganeti/x');
    assert.throws(() => localizeVirtualPath(real, 'relative'), VirtualPathError);
  });

  test('isInside', () => {
    assert.ok(isInside('/a/queue', '/a/queue/job-1'));
    assert.ok(isInside('/a/queue', '/a/queue'));
    assert.ok(!isInside('/a/queue', '/a/queue2/job-1'));
  });
});
