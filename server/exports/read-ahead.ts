/**
 * Reads up to `ahead` items of an async source before they are asked for (issue 21). A cursor
 * read row by row is a conversation: PostgreSQL computes a batch while Node waits, then Node turns
 * it into a file while PostgreSQL waits. Asking for the next batch as soon as the current one is
 * in lets both work at the same time; memory grows by at most `ahead` items.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, ahead: number): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const queue: Array<Promise<IteratorResult<T>>> = [];
  let finished = false;
  try {
    for (;;) {
      while (!finished && queue.length < ahead) {
        const next = iterator.next();
        // A failure is thrown where the item is awaited below; until then it is not "unhandled".
        next.catch(() => {});
        queue.push(next);
      }
      const result = await queue.shift()!;
      if (result.done) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    // Stopped early (the download was cancelled) or failed: let the source close its cursor.
    if (!finished) {
      finished = true;
      await Promise.allSettled(queue);
      await iterator.return?.();
    }
  }
}
