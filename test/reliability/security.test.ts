// Security suite: the LUXI sockets are mode 0660 and the kernel refuses a client outside
// the owner and group; no request can make masterd read or write outside its root
// (checked by running masterd under strace while hostile job ids, archive buckets, names
// and paths are thrown at every method).
import assert from 'node:assert/strict';
import {execFileSync, spawn} from 'node:child_process';
import {createHash} from 'node:crypto';
import {chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {describe, it} from 'node:test';
import {VirtualCluster} from '../cluster/virtual-cluster.js';
import {delayOp, makeNode, type Masterd, REPO, startMasterd, type TestNode, waitJob} from '../helpers/cluster.js';
import {isRoot, rawExchange, report} from './helpers.js';

function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], {stdio: 'ignore'});
    return true;
  } catch {
    return false;
  }
}

/** Runs a tiny LUXI client as another user; resolves with "ok <answer>" or "error <code>". */
function connectAs(uid: number, gid: number, socket: string): Promise<string> {
  const script = `
    const s = require('net').connect(process.argv[1]);
    s.on('connect', () => s.write('{"method": "QueryClusterInfo", "args": []}\\x03'));
    s.on('data', (d) => { console.log('ok ' + d.toString().slice(0, 40)); process.exit(0); });
    s.on('error', (e) => { console.log('error ' + e.code); process.exit(0); });`;
  return new Promise((res, rej) => {
    const p = spawn('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', process.execPath, '-e', script, socket], {
      cwd: '/',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', rej);
    p.on('close', () => res(out.trim()));
  });
}

/** Runs a script as uid/gid 65534 until it prints "ready"; returns its output so far and a stop. */
function startAsNobody(script: string, args: string[]): Promise<{output: string; stop(): void}> {
  return new Promise((res, rej) => {
    const p = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script, ...args], {
      cwd: '/',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (/^ready$/m.test(out)) res({output: out, stop: () => p.kill('SIGKILL')});
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.on('error', rej);
    p.on('exit', () => rej(new Error(`the unprivileged script exited: ${out}`)));
  });
}

/** Makes every directory under `base` searchable by others, as the directories above a real root are. */
function searchableTree(base: string): string[] {
  const dirs = [base];
  for (const rel of readdirSync(base, {recursive: true}) as string[]) {
    const path = join(base, rel);
    if (statSync(path).isDirectory()) dirs.push(path);
  }
  for (const dir of dirs) chmodSync(dir, statSync(dir).mode | 0o001);
  return dirs;
}

/** Makes every directory from `from` down to `to` searchable by group and others. */
function openPath(from: string, to: string): void {
  for (let dir = to; dir.startsWith(from); dir = dirname(dir)) {
    chmodSync(dir, statSync(dir).mode | 0o011);
    if (dir === from) break;
  }
}

describe('security: socket permissions', () => {
  it('both sockets are mode 0660 in a 0770 directory, owned by the daemon user', async () => {
    const node = await makeNode();
    let d: Masterd | null = null;
    try {
      d = await startMasterd(node);
      for (const path of [node.paths.masterSocket, node.paths.querySocket]) {
        const st = statSync(path);
        assert.ok(st.isSocket(), `${path} is a socket`);
        assert.equal((st.mode & 0o777).toString(8), '660', `${path} mode`);
        assert.equal(st.uid, process.getuid!());
      }
      const dirMode = (statSync(node.paths.socketDir).mode & 0o777).toString(8);
      report(`security: sockets 0660; socket directory mode ${dirMode}`);
      assert.equal(dirMode, '770', 'the socket directory is mode 0770 whatever the umask (luxi.md)');
      assert.equal(await d.stop(), 0);
      d = null;
    } finally {
      await d?.kill9();
      node.cleanup();
    }
  });

  it('a client outside the owner and group is refused by the kernel', {
    skip: (!isRoot || !hasTool('setpriv')) && 'needs root and setpriv to run a client as nobody',
  }, async () => {
    const node = await makeNode();
    let d: Masterd | null = null;
    try {
      d = await startMasterd(node);
      // Let everyone reach the socket files, so that only their own mode decides.
      openPath(node.base, node.paths.socketDir);
      const nobody = await connectAs(65534, 65534, node.paths.querySocket);
      assert.equal(nobody, 'error EACCES', 'nobody cannot connect to the query socket');
      assert.equal(await connectAs(65534, 65534, node.paths.masterSocket), 'error EACCES', 'nor to the master socket');
      // Control: the same uid in the socket's group (root's group 0) gets in.
      const grouped = await connectAs(65534, 0, node.paths.querySocket);
      assert.match(grouped, /^ok \{"success":true/, 'a member of the group is served');
      report(`security: uid 65534 without the group: "${nobody}"; with group 0: served`);
      assert.equal(await d.stop(), 0);
      d = null;
    } finally {
      await d?.kill9();
      node.cleanup();
    }
  });
});

// Hostile values for every place a request names something on disk.
function hostileRequests(outside: string, queueDir: string): string[] {
  const rel = `${'../'.repeat(12)}${outside.replace(/^\//, '')}`;
  const strs = [
    outside,
    rel,
    `1/${rel}`,
    `job-1/${rel}`,
    '/etc/passwd',
    '../../../../../../etc/passwd',
    '1/../../../../etc/shadow',
    `${queueDir}/../../../../..${outside}`,
    '1\u0000/etc/passwd',
    '1%2f..%2f..',
  ];
  const ids: unknown[] = [...strs, -1, 1.5, 1e21, 9007199254740993n, 4294967296 * 10000, '007', ' 1 ', '1e3', '0x10'];
  const j = (v: unknown): string => (typeof v === 'bigint' ? v.toString() : JSON.stringify(v));
  const out: string[] = [];
  for (const id of ids) {
    const x = j(id);
    out.push(
      `{"method": "WaitForJobChange", "args": [${x}, ["status"], null, null, 0]}`,
      `{"method": "QueryJobs", "args": [[${x}], ["id", "status"]]}`,
      `{"method": "ArchiveJob", "args": [${x}]}`,
      `{"method": "CancelJob", "args": [${x}]}`,
      `{"method": "ChangeJobPriority", "args": [${x}, 10]}`,
      `{"method": "Query", "args": ["job", ["id"], ["==", "id", ${x}]]}`,
      `{"method": "SubmitJob", "args": [[{"OP_ID": "OP_TEST_DELAY", "duration": 0, "depends": [[${x}, []]]}]]}`,
    );
  }
  for (const s of strs) {
    const x = JSON.stringify(s);
    out.push(
      `{"method": "QueryTags", "args": ["node", ${x}]}`,
      `{"method": "QueryTags", "args": [${x}, ${x}]}`,
      `{"method": "QueryNodes", "args": [[${x}], ["name"], false]}`,
      `{"method": "QueryGroups", "args": [[${x}], ["name"], false]}`,
      `{"method": "Query", "args": [${x}, ["name"], null]}`,
      `{"method": "QueryFields", "args": [${x}, null]}`,
      `{"method": "Query", "args": ["job", [${x}], null]}`,
      `{"method": "QueryConfigValues", "args": [[${x}]]}`,
      `{"method": "SetWatcherPause", "args": [${x}]}`,
      `{"method": "SubmitJob", "args": [[{"OP_ID": "OP_TEST_DELAY", "duration": 0, "on_nodes": [${x}]}]]}`,
      `{"method": "SubmitJob", "args": [[{"OP_ID": "OP_NODE_REMOVE", "node_name": ${x}}]]}`,
      `{"method": "SubmitJob", "args": [[{"OP_ID": "OP_TEST_DELAY", "duration": 0, "comment": ${x}, "reason": [[${x}, ${x}, 1]]}]]}`,
    );
  }
  out.push(
    '{"method": "AutoArchiveJobs", "args": [-1, 5]}',
    '{"method": "ArchiveJob", "args": [9007199254740991]}',
    '{"method": "QueryJobs", "args": [[9007199254740991, 123456789], ["id"]]}',
    `{"method": "SetWatcherPause", "args": [${Math.floor(Date.now() / 1000) + 3600}]}`,
    '{"method": "SetWatcherPause", "args": [null]}',
    '{"method": "SetDrainFlag", "args": [true]}',
    '{"method": "SetDrainFlag", "args": [false]}',
  );
  return out;
}

const WRITE_CALLS =
  /^(mkdir|mkdirat|rename|renameat|renameat2|unlink|unlinkat|rmdir|link|linkat|symlink|symlinkat|chmod|fchmodat|truncate|chown|lchown|fchownat|creat|bind|mknod|mknodat|utimensat)$/;

interface Access {
  time: number;
  call: string;
  path: string;
  write: boolean;
}

/** Parses `strace -f -ttt -e trace=%file,bind` output into absolute paths with read/write. */
function parseStrace(text: string, cwd: string): Access[] {
  const out: Access[] = [];
  for (const line of text.split('\n')) {
    const m = /^(?:\[pid\s+)?\d+\]?\s+(\d+\.\d+)\s+(\w+)\((.*)$/.exec(line);
    if (m === null) continue;
    const [, time, call, rest] = m;
    // Abstract Unix sockets (sun_path=@"...") are not files.
    for (const pm of rest!.matchAll(/(sun_path=@)?"((?:[^"\\]|\\.)*)"/g)) {
      if (pm[1] !== undefined) break;
      const raw = pm[2]!.replace(/\\(.)/g, '$1');
      if (raw === '') continue;
      const path = raw.startsWith('/') ? resolve(raw) : resolve(cwd, raw);
      const write = WRITE_CALLS.test(call!) || ((call === 'open' || call === 'openat') && /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/.test(rest!));
      out.push({time: Number(time), call: call!, path, write});
      if (call !== 'rename' && call !== 'renameat' && call !== 'renameat2' && call !== 'link' && call !== 'linkat' && call !== 'symlink')
        break;
    }
  }
  return out;
}

/** strace is installed and may trace here (containers often forbid ptrace). */
function straceWorks(): boolean {
  try {
    execFileSync('strace', ['-f', '-qq', '-o', '/dev/null', 'true'], {stdio: 'ignore'});
    return true;
  } catch {
    return false;
  }
}

describe('security: nothing outside the root', () => {
  it('no request makes masterd read or write outside GANETI_ROOTDIR', {
    skip: !straceWorks() && 'needs a working strace (ptrace allowed)',
    timeout: 120_000,
  }, async () => {
    const node: TestNode = await makeNode();
    const outside = join(node.base, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret'), 'secret\n');
    writeFileSync(join(outside, 'job-1'), '{"id": 1}');
    const trace = join(node.base, 'strace.out');
    let d: Masterd | null = null;
    try {
      d = await startMasterd(node, {wrapper: ['strace', '-f', '-qq', '-ttt', '-o', trace, '-e', 'trace=%file,bind']});
      const ready = Date.now() / 1000;
      const c = d.client();
      const finished = await c.submitJob([delayOp(0)]);
      assert.equal(await waitJob(c, finished), 'success');
      await c.archiveJob(finished);
      const requests = hostileRequests(outside, node.paths.queueDir);
      let answered = 0;
      for (const req of requests) {
        const res = await rawExchange(node.paths.querySocket, [Buffer.from(`${req}\x03`)], 1, 5000);
        assert.ok(res.replies.length === 1, `answer to ${req}`);
        answered++;
      }
      // An interruptible delay makes its notification socket in $TMPDIR (as Ganeti does).
      const intr = await c.submitJob([delayOp(0.2, {interruptible: true})]);
      assert.equal(await waitJob(c, intr), 'success');
      assert.ok(d.alive());
      assert.equal(await d.stop(), 0);
      d = null;

      const root = `${node.root}/`;
      const accesses = parseStrace(readFileSync(trace, 'utf8'), REPO);
      assert.ok(accesses.length > 100, 'strace recorded the daemon');
      assert.ok(
        accesses.some((a) => a.write && a.path === join(node.paths.queueDir, 'archive', '0', `job-${finished}`)),
        'the trace shows the archive rename',
      );
      const notifyDir = /\/ganeti-ts-notify-[^/]+(\/sock)?$/;
      const writesOutside = accesses.filter(
        (a) => a.write && !a.path.startsWith(root) && !notifyDir.test(a.path) && a.path !== '/dev/null',
      );
      const readAllowed = [
        root,
        `${REPO}/`,
        '/proc/',
        '/sys/',
        '/dev/',
        '/usr/',
        '/lib',
        '/etc/localtime',
        '/etc/hosts',
        '/etc/resolv.conf',
        '/etc/nsswitch.conf',
        '/etc/host.conf',
        '/etc/gai.conf',
        '/etc/ssl/openssl.cnf',
        '/usr/lib/ssl/',
      ];
      // mkdir -p inside the root stats the root's ancestors, and a module loaded on first use
      // (realpath of its path) stats the repository's: metadata only, allowed.
      const ancestorStat = (a: Access): boolean =>
        /stat|access/.test(a.call) && [node.root, REPO].some((d) => `${d}/`.startsWith(`${a.path}/`));
      const readsOutside = accesses.filter(
        (a) =>
          !a.write &&
          a.time >= ready &&
          !readAllowed.some((p) => a.path.startsWith(p)) &&
          !notifyDir.test(a.path) &&
          a.path !== REPO &&
          !ancestorStat(a),
      );
      // Without HOME or SHELL in the environment, oclif's start-up asks libc for the user's own
      // passwd entry (getpwuid); that read happens before the socket is served, so it does not count.
      const touchedBait = accesses.filter(
        (a) => a.path.startsWith(outside) || /shadow/.test(a.path) || (a.time >= ready && /passwd/.test(a.path)),
      );
      const show = (xs: Access[]): string[] => [...new Set(xs.map((a) => `${a.call} ${a.path}`))].slice(0, 20);
      report(
        `security: ${answered} hostile requests answered; strace saw ${accesses.length} file calls ` +
          `(${accesses.filter((a) => a.write).length} writes), ${writesOutside.length} writes and ${readsOutside.length} reads outside the root after start-up ` +
          `(besides ${accesses.filter((a) => notifyDir.test(a.path)).length} calls on the interruptible delay's private socket directory in $TMPDIR)`,
      );
      assert.deepEqual(
        {bait: show(touchedBait), writes: show(writesOutside), reads: show(readsOutside)},
        {bait: [], writes: [], reads: []},
        'file system calls outside the root',
      );
      assert.ok(existsSync(join(outside, 'secret')));
    } finally {
      await d?.kill9();
      node.cleanup();
    }
  });
});

// What an unprivileged local user tries: take the names and files the daemons lock, write
// any file or create one in any directory under the root, talk to noded without the
// cluster certificate.
const ATTACK = `
  const fs = require('fs'), net = require('net'), path = require('path'), https = require('https'), http = require('http');
  const [files, dirs, names, port, host] = JSON.parse(process.argv[1]);
  const out = [];
  for (const name of names) net.createServer().listen(name).on('error', (e) => out.push('bind ' + e.code));
  for (const f of files) {
    for (const flag of ['r', 'r+']) {
      try { fs.openSync(f, flag); out.push('OPENED ' + flag + ' ' + f); } catch (e) { out.push('open ' + e.code); }
    }
  }
  for (const d of dirs) {
    try { fs.writeFileSync(path.join(d, '.nobody'), 'x'); out.push('CREATED in ' + d); } catch (e) { out.push('create ' + e.code); }
  }
  const ask = (mod, cb) => {
    const req = mod.request({host, port, method: 'POST', path: '/master_node_name', rejectUnauthorized: false}, (r) => cb('ANSWERED ' + r.statusCode));
    req.on('error', (e) => cb('refused ' + (e.code || e.message)));
    req.end('[]');
  };
  ask(https, (a) => { out.push('https ' + a); ask(http, (b) => { out.push('http ' + b); console.log(JSON.stringify(out)); console.log('ready'); setInterval(() => {}, 1000); }); });
`;

/** The abstract socket name earlier versions locked a pid file with: anyone could bind it. */
function oldLockName(pidFile: string): string {
  return '\0ganeti-ts:' + createHash('sha256').update(pidFile).digest('hex').slice(0, 32);
}

describe('security: no way in for an unprivileged local user', () => {
  it('cannot block either daemon, write or create any file under the root, or talk to noded', {
    skip: (!isRoot || !hasTool('setpriv')) && 'needs root and setpriv to run as nobody',
    timeout: 120_000,
  }, async () => {
    const vc = await VirtualCluster.create(1);
    const node = vc.master;
    let attacker: {output: string; stop(): void} | null = null;
    try {
      // A first run lays out the tree (queue, lock and pid files, sockets, logs).
      const first = await vc.startNoded(node);
      const master = await vc.startMasterd(node);
      assert.equal(await master.stop(), 0);
      assert.equal(await first.stop(), 0);
      const dirs = searchableTree(vc.base);
      const files = (readdirSync(node.root, {recursive: true}) as string[])
        .map((r) => join(node.root, r))
        .filter((p) => statSync(p).isFile());
      const names = [oldLockName(node.paths.masterdPidFile), oldLockName(node.paths.nodedPidFile)];
      attacker = await startAsNobody(ATTACK, [JSON.stringify([files, dirs, names, vc.port, node.ip])]);
      // Both daemons start while the attacker holds everything it could get.
      const noded = await vc.startNoded(node);
      const masterd = await vc.startMasterd(node);
      const seen = JSON.parse(attacker.output.split('\n')[0]!) as string[];
      const got = seen.filter((l) => /^(OPENED r\+|CREATED|https ANSWERED|http ANSWERED)/.test(l));
      const readable = seen.filter((l) => l.startsWith('OPENED r '));
      report(
        `security: as nobody: ${files.length} files and ${dirs.length} directories under the root tried, ` +
          `${got.length} writable or served; ${readable.length} readable (${[
            ...new Set(readable.map((l) => l.replace(/^.*\/(ssconf_)?/, (_m, ss: string | undefined) => ss ?? ''))),
          ]
            .map((n) => n.replace(/^ssconf_.*/, 'ssconf_*'))
            .filter((n, i, a) => a.indexOf(n) === i)
            .join(', ')}); ` +
          'both daemons started while it held what it could',
      );
      assert.deepEqual(got, [], 'nothing writable, creatable or answering for nobody');
      assert.ok(
        !readable.some((l) => /queue\/lock|\.pid|server\.pem|config\.data/.test(l)),
        `lock, pid, key and config files are private: ${readable.join(', ')}`,
      );
      assert.equal(await masterd.stop(), 0);
      assert.equal(await noded.stop(), 0);
    } finally {
      attacker?.stop();
      await vc.cleanup();
    }
  });
});
