// What the host needs to know about this module's linear memory: where its static data ends.
// The host owns the memory (imported) and places its arena above this; kernels never allocate.

/** The first byte above the module's static data: the host arena's lowest legal base. */
export function heapBase(): usize {
  return __heap_base;
}
