// Opening a trace in the page: from a picked or dropped File, or a URL (`?trace=`, `sim view`).
// The bytes stream through the trace reader in chunks; every ~25 ms of work the loader yields to
// the page so the progress bar moves and the page stays responsive on a 100 MB file; a Cancel
// stops it between chunks. Any failure becomes one sentence for the reader: which file, which
// line, what is wrong (sim/trace/reader.ts and format.ts write the line-level messages).

import { readTrace, TraceReadError } from '../sim/trace/reader.ts';
import { TraceModel } from './trace-model.ts';

export type TraceSource = { kind: 'file'; file: File } | { kind: 'url'; url: string };

export interface LoadProgress {
  bytes: number;
  /** Null when the server does not say how big the file is. */
  totalBytes: number | null;
  events: number;
}

export class LoadError extends Error {
  override readonly name = 'LoadError';
}

/** How long the loader works before letting the page paint and handle input. */
const SLICE_MS = 25;

export function sourceName(source: TraceSource): string {
  if (source.kind === 'file') return source.file.name;
  const path = source.url.split('?')[0] ?? source.url;
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)) || source.url;
}

export async function loadTrace(source: TraceSource, onProgress: (progress: LoadProgress) => void, signal: AbortSignal): Promise<TraceModel> {
  const name = sourceName(source);
  const { stream, totalBytes } = await open(source, name, signal);
  let model: TraceModel | null = null;
  try {
    const outcome = await readTrace(
      stream,
      {
        header: (header) => (model = new TraceModel(header, name)),
        event: (event, line) => model?.append(event, line),
        end: (end) => {
          if (model) model.end = end;
        },
      },
      { signal, pause: slicer(), onProgress: (bytes) => onProgress({ bytes, totalBytes, events: model?.length ?? 0 }) },
    );
    const loaded = model as TraceModel | null;
    if (loaded === null) throw new LoadError(`${name}: the file is empty`);
    loaded.finish(outcome.complete, outcome.bytes);
    return loaded;
  } catch (error) {
    if (signal.aborted) throw new LoadError('Loading was cancelled.');
    if (error instanceof TraceReadError) throw new LoadError(`${name}, ${error.message}.`);
    if (error instanceof LoadError) throw error;
    throw new LoadError(`${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function open(source: TraceSource, name: string, signal: AbortSignal): Promise<{ stream: ReadableStream<Uint8Array>; totalBytes: number | null }> {
  if (source.kind === 'file') return { stream: source.file.stream(), totalBytes: source.file.size };
  let response: Response;
  try {
    response = await fetch(source.url, { signal });
  } catch (error) {
    if (signal.aborted) throw new LoadError('Loading was cancelled.');
    throw new LoadError(`Could not fetch ${name} from ${source.url} (${error instanceof Error ? error.message : String(error)}).`);
  }
  if (!response.ok) throw new LoadError(`Could not fetch ${name}: the server answered HTTP ${response.status} ${response.statusText}.`.replace(' .', '.'));
  if (response.body === null) throw new LoadError(`Could not fetch ${name}: the response has no body.`);
  const length = Number(response.headers.get('content-length'));
  const encoded = response.headers.get('content-encoding');
  return { stream: response.body, totalBytes: Number.isFinite(length) && length > 0 && !encoded ? length : null };
}

/** Resolves at once while the slice lasts; after that, on the next task (without timer clamping). */
function slicer(): () => Promise<void> {
  let sliceStart = performance.now();
  return async () => {
    if (performance.now() - sliceStart < SLICE_MS) return;
    await new Promise<void>((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve();
      channel.port2.postMessage(null);
    });
    sliceStart = performance.now();
  };
}
