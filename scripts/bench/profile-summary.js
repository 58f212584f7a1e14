// `node scripts/bench/profile-summary.js <dir> [--top=N]`: the top self-time frames of the
// .cpuprofile files in <dir> (written by `node --cpu-prof`, e.g. by our workers under
// BENCH_CPU_PROF=<dir> in the fire and burst sections), summed over the files: function,
// url:line, self ms, share of the sampled time that was not idle, and the frames that called it
// most. Each file's own total is printed first.
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');

/** Self time (µs) per node id of one profile: each sample's following time delta goes to its node. */
function selfTimes(profile) {
  const self = new Map();
  const { samples = [], timeDeltas = [] } = profile;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; the time after it is the next delta.
    const delta = i + 1 < timeDeltas.length ? timeDeltas[i + 1] : 0;
    self.set(samples[i], (self.get(samples[i]) || 0) + Math.max(0, delta));
  }
  return self;
}

/** A frame's place for people: the path relative to the repository, lines counted from 1. */
function where(frame) {
  if (!frame.url) return '';
  let url = frame.url.replace(/^file:\/\//, '');
  if (url.startsWith(ROOT + path.sep)) url = path.relative(ROOT, url);
  return `${url}:${frame.lineNumber + 1}`;
}

/** V8's frame for time the thread slept (waiting for I/O or timers): left out of the shares. */
const IDLE = '(idle)';
const isOurs = (frame) => Boolean(frame.url) && !frame.url.startsWith('node:');
const frameKey = (name, at) => `${name}\u0000${at}`;

function summarize(files) {
  const frames = new Map();
  const perFile = [];
  for (const file of files) {
    const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
    const self = selfTimes(profile);
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parentOf = new Map();
    for (const node of profile.nodes) for (const child of node.children || []) parentOf.set(child, node);
    let total = 0;
    let idle = 0;
    for (const [id, us] of self) {
      const node = byId.get(id);
      if (!us || !node) continue;
      const name = node.callFrame.functionName || '(anonymous)';
      total += us;
      if (name === IDLE) idle += us;
      const at = where(node.callFrame);
      const key = frameKey(name, at);
      const entry = frames.get(key) || { name, where: at, us: 0, callers: new Map() };
      entry.us += us;
      // The nearest caller in application or package code (Node's internals and native frames
      // say little about whose work it is).
      let parent = parentOf.get(id);
      while (parent && !isOurs(parent.callFrame) && parentOf.get(parent.id)) parent = parentOf.get(parent.id);
      if (parent) {
        const caller = `${parent.callFrame.functionName || '(anonymous)'} ${where(parent.callFrame)}`.trim();
        entry.callers.set(caller, (entry.callers.get(caller) || 0) + us);
      }
      frames.set(key, entry);
    }
    perFile.push({ file: path.basename(file), totalMs: total / 1000, busyMs: (total - idle) / 1000 });
  }
  const busyUs = perFile.reduce((a, f) => a + f.busyMs * 1000, 0);
  const top = [...frames.values()].filter((f) => f.name !== IDLE).sort((a, b) => b.us - a.us);
  return { perFile, busyMs: busyUs / 1000, top: top.map((f) => ({ ...f, ms: f.us / 1000, share: f.us / busyUs })) };
}

function main() {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--'));
  const topArg = args.find((a) => a.startsWith('--top='));
  const limit = topArg ? Number(topArg.slice('--top='.length)) : 25;
  if (!dir || !(Number.isInteger(limit) && limit > 0)) {
    console.error('usage: node scripts/bench/profile-summary.js <dir with .cpuprofile files> [--top=N]');
    process.exit(2);
  }
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f));
  if (files.length === 0) {
    console.error(`no .cpuprofile files in ${dir}`);
    process.exit(1);
  }
  const { perFile, busyMs, top } = summarize(files);
  for (const f of perFile) console.log(`${f.file}: ${f.totalMs.toFixed(0)} ms sampled, ${f.busyMs.toFixed(0)} ms not idle`);
  console.log(`\ntop ${Math.min(limit, top.length)} self-time frames of ${busyMs.toFixed(0)} ms not idle (${files.length} file(s)):\n`);
  console.log(['self ms', '%', 'function', 'url:line', 'main callers (share of its self time)'].join('\t'));
  for (const f of top.slice(0, limit)) {
    const callers = [...f.callers]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 2)
      .map(([c, us]) => `${c} (${((us / f.us) * 100).toFixed(0)} %)`)
      .join('; ');
    console.log([f.ms.toFixed(1), (f.share * 100).toFixed(1), f.name, f.where, callers].join('\t'));
  }
}

main();
