// CPU seconds (user + system) a process has used, from /proc (Linux): its main thread and all its threads. One home
// for the benches that report CPU per transaction (bench/ab/run.mjs, bench/kafka.mjs).
import { readFileSync } from 'node:fs';

const ticks = (file) => {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks
  // (USER_HZ, 100 on Linux).
  const fields = readFileSync(file, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

export function cpuSeconds(pid) {
  return { main: ticks(`/proc/${pid}/task/${pid}/stat`), all: ticks(`/proc/${pid}/stat`) };
}
