// Preloaded with NODE_OPTIONS=--require (which refuses --cpu-prof on Node 20): profiles the
// process's main thread from start to exit and writes <pid>.cpuprofile into
// $GANETI_CPU_PROF_DIR. Used by bench/instances.ts --profile.
const inspector = require('node:inspector');
const {writeFileSync} = require('node:fs');
const {join} = require('node:path');

const dir = process.env.GANETI_CPU_PROF_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  // In-thread inspector sessions answer synchronously, so this works in an 'exit' listener.
  process.on('exit', () => {
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
