// Drives our daemon with Debian's stock Ganeti 3.0 Python client (package ganeti-3.0).
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {after, before, describe, it} from 'node:test';
import {makeNode, startDaemon, type Daemon, type TestNode} from '../helpers/cluster.js';

const GANETI_PY = '/usr/share/ganeti/3.0';
const available = existsSync(`${GANETI_PY}/ganeti/luxi.py`) && existsSync('/usr/bin/python3');
const skip = available ? false : 'stock Ganeti 3.0 client not installed (scripts/install-interop-client.sh)';

function python(node: TestNode, script: string): {code: number | null; stdout: string; stderr: string} {
  const res = spawnSync('/usr/bin/python3', ['-c', script], {
    env: {...node.env, PYTHONPATH: GANETI_PY},
    encoding: 'utf8',
    timeout: 60_000,
  });
  return {code: res.status, stdout: res.stdout, stderr: res.stderr};
}

function tool(node: TestNode, name: string, args: string[]): {code: number | null; stdout: string; stderr: string} {
  const res = spawnSync('/usr/bin/python3', [`${GANETI_PY}/${name}`, ...args], {
    env: {...node.env, PYTHONPATH: GANETI_PY},
    encoding: 'utf8',
    timeout: 60_000,
  });
  return {code: res.status, stdout: res.stdout, stderr: res.stderr};
}

describe('stock Ganeti 3.0 client against masterd', {skip}, () => {
  let node: TestNode;
  let daemon: Daemon;
  before(async () => {
    node = await makeNode();
    daemon = await startDaemon(node);
  });
  after(async () => {
    await daemon?.stop();
    node?.cleanup();
  });

  it('submits, polls, queries, cancels and archives through ganeti.luxi.Client', () => {
    const res = python(
      node,
      `
import json
from ganeti import luxi, opcodes, cli, errors
c = luxi.Client()
out = {}
jid = c.SubmitJob([opcodes.OpTestDelay(duration=0.1, repeat=2)])
out["jid"] = jid
msgs = []
cli.PollJob(jid, cl=c, feedback_fn=lambda m: msgs.append(m[2]))
out["msgs"] = msgs
out["queryjobs"] = c.QueryJobs([str(jid)], ["status", "opstatus", "summary"])
q = c.Query("job", ["id", "status", "summary"], None)
out["query"] = [[list(f) for f in row] for row in q.data]
out["fields"] = [f.name for f in c.QueryFields("job", None).fields]
many = c.SubmitManyJobs([[opcodes.OpTestDelay(duration=5)], [opcodes.OpTestDelay(duration=0, depends=[[-1, []]])]])
out["many"] = many
out["cancel"] = c.CancelJob(many[1][1])
out["cancel_kill"] = c.CancelJob(many[0][1], True)
out["prio"] = c.ChangeJobPriority(jid, -10)
out["archive"] = c.ArchiveJob(jid)
out["autoarchive"] = c.AutoArchiveJobs(-1)
c.SetQueueDrainFlag(True)
try:
    c.SubmitJob([opcodes.OpTestDelay(duration=0)])
except errors.GenericError as e:
    out["drained"] = str(e)
c.SetQueueDrainFlag(False)
out["config"] = c.QueryConfigValues(["drain_flag", "master_node", "cluster_name"])
out["clusterinfo"] = c.QueryClusterInfo()["name"]
try:
    c.Query("job", ["id"], ["==", "nosuch", 1])
except errors.ParameterError as e:
    out["paramerr"] = str(e)
try:
    c.QueryJobs(None, ["nosuch"])
except errors.OpPrereqError as e:
    out["prereq"] = list(e.args)
print(json.dumps(out))
`,
    );
    assert.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout) as Record<string, unknown>;
    assert.equal(out.jid, 1);
    assert.deepEqual(out.msgs, [' - INFO: Test delay iteration 0/1', ' - INFO: Test delay iteration 1/1']);
    assert.deepEqual(out.queryjobs, [['success', ['success'], ['TEST_DELAY(0.1)']]]);
    assert.deepEqual(out.query, [
      [
        [0, 1],
        [0, 'success'],
        [0, ['TEST_DELAY(0.1)']],
      ],
    ]);
    assert.ok((out.fields as string[]).includes('oplog'));
    assert.deepEqual(out.many, [
      [true, 2],
      [true, 3],
    ]);
    assert.equal((out.cancel as unknown[])[0], true);
    assert.deepEqual(out.cancel_kill, [true, 'SIGKILL send to the process']);
    assert.deepEqual(out.prio, [false, 'Job 1 is finished']);
    assert.equal(out.archive, true);
    assert.equal((out.autoarchive as number[])[1], 0);
    assert.equal(out.drained, 'Queue drained');
    assert.deepEqual(out.config, [false, 'node1', 'cluster.example.com']);
    assert.equal(out.clusterinfo, 'cluster.example.com');
    assert.equal(out.paramerr, "Can't find field named 'nosuch'");
    assert.deepEqual(out.prereq, ['Unknown output fields selected: nosuch', 'wrong_input']);
  });

  it('runs gnt-debug delay and shows the job with stock gnt-job', () => {
    const delay = tool(node, 'gnt-debug', ['delay', '0.2']);
    assert.equal(delay.code, 0, delay.stderr);
    const submit = tool(node, 'gnt-debug', ['delay', '--submit', '0.01']);
    assert.equal(submit.code, 0, submit.stderr);
    const jobId = /JobID: (\d+)/.exec(submit.stderr)?.[1];
    assert.ok(jobId !== undefined, submit.stderr);
    const wait = tool(node, 'gnt-job', ['wait', String(jobId)]);
    assert.equal(wait.code, 0, wait.stderr);
    const list = tool(node, 'gnt-job', ['list', '--no-headers', '--separator=|', String(jobId)]);
    assert.equal(list.stdout, `${jobId}|success|TEST_DELAY(1.0e-2)\n`);
    const info = tool(node, 'gnt-job', ['info', String(jobId)]);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, new RegExp(`- Job ID: ${jobId}\\n  Status: success\\n`));
    assert.match(info.stdout, /gnt:opcode:test_delay/);
    const missing = tool(node, 'gnt-job', ['info', '99999']);
    assert.match(missing.stdout + missing.stderr, /Job ID 99999 not found/);
    const neg = tool(node, 'gnt-debug', ['delay', '--', '-1']);
    assert.notEqual(neg.code, 0);
    assert.match(neg.stderr + neg.stdout, /Duration must be greater than zero/);
  });
});
