// How the training loop yields to the event loop between batches, so that a signal handler or a Stop button is
// heard: at the least cost the platform allows. A zero-delay timer waits at least 1 ms in Node (4 ms once nested,
// in browsers), time every yield would take from training.
// Platform-neutral: it looks for what the global scope offers.

type Schedule = (callback: () => void) => unknown;

let shared: (() => Promise<void>) | undefined;

/** A function that resolves on a later turn of the event loop: setImmediate (Node), else a MessageChannel message (browsers, workers), else a timer. */
export function eventLoopYield(): () => Promise<void> {
  return (shared ??= choose());
}

function choose(): () => Promise<void> {
  const immediate = (globalThis as { setImmediate?: Schedule }).setImmediate;
  if (typeof immediate === 'function') return () => new Promise<void>((resolve) => immediate(resolve));
  if (typeof MessageChannel === 'function') {
    // One channel for the whole process: a message to ourselves, answered in order.
    const channel = new MessageChannel(), waiting: (() => void)[] = [];
    channel.port1.onmessage = () => waiting.shift()?.();
    return () => new Promise<void>((resolve) => {
      waiting.push(resolve);
      channel.port2.postMessage(0);
    });
  }
  return () => new Promise<void>((resolve) => setTimeout(resolve, 0));
}
