import cliProgress from 'cli-progress';

/** A progress bar for long CLI work; prints plain lines when stderr is not a terminal (CI, logs). */
export interface Progress {
  tick(step?: number, detail?: string): void;
  setTotal(total: number): void;
  stop(): void;
}

/** Starts a progress bar with a label and a total number of steps. */
export function startProgress(label: string, total: number, options: { quiet?: boolean } = {}): Progress {
  if (options.quiet) return { tick() {}, setTotal() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} {detail}`,
      noTTYOutput: true,
      notTTYSchedule: 1000,
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(total, 1), 0, { detail: '' });
  return {
    tick(step = 1, detail = '') {
      bar.increment(step, { detail });
    },
    setTotal(next) {
      bar.setTotal(Math.max(next, 1));
    },
    stop() {
      bar.stop();
    },
  };
}

/**
 * For work that reports how far it has got as a running total (an import's `onProgress(done, of)`): moves the bar by
 * the whole steps done since the last report, and sets its total when one is given.
 */
export function tickTo(progress: Progress): (done: number, of?: number) => void {
  let shown = 0;
  return (done, of) => {
    if (of !== undefined) progress.setTotal(of);
    const step = Math.floor(done) - shown;
    if (step > 0) {
      progress.tick(step);
      shown += step;
    }
  };
}
