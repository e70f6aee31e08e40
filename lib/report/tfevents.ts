/**
 * TensorBoard event files written and read by our own code (tfjs-node's summary writer is not
 * available under Deno): TFRecord framing (little-endian `uint64` length, masked CRC32C of the
 * length, the data, masked CRC32C of the data) around `Event` protocol buffers
 * (tensorflow/core/util/event.proto): `wall_time` (1, double), `step` (2, int64),
 * `file_version` (3, string), `summary` (5) holding `Summary.Value`s with `tag` (1, string)
 * and `simple_value` (2, float). The first record holds `file_version: "brain.Event:2"`, as
 * TensorBoard's writers do.
 *
 * ```ts
 * import { encodeEvents, parseEvents } from "./tfevents.ts";
 * const bytes = encodeEvents([{ wallTime: 0, step: 1, scalars: { "loss/G_A": 0.5 } }]);
 * console.log(parseEvents(bytes)[1].scalars); // { "loss/G_A": 0.5 } (as float32)
 * ```
 * @module
 */

/** One event: scalars at a step (none: a bare event, as the file-version record). */
export interface ScalarEvent {
  /** Seconds since the epoch. */
  wallTime: number;
  /** The step. */
  step: number;
  /** Tag -> value (stored as float32). */
  scalars?: Record<string, number>;
  /** `file_version` (only the first record has one). */
  fileVersion?: string;
}

/** The file-version string of the first record. */
export const FILE_VERSION = "brain.Event:2";

let crcTable: Uint32Array | undefined;

/** CRC-32C (Castagnoli), as TFRecord uses. */
export function crc32c(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 and add a constant, so CRCs of CRCs differ. */
export function maskedCrc32c(data: Uint8Array): number {
  const c = crc32c(data);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** A growable byte buffer with the protobuf wire encodings we need. */
class Writer {
  #bytes: number[] = [];
  varint(v: number): this {
    // Non-negative integers up to 2^53: 7 bits per byte, low bits first.
    let x = v;
    while (x >= 0x80) {
      this.#bytes.push((x % 0x80) | 0x80);
      x = Math.floor(x / 0x80);
    }
    this.#bytes.push(x);
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }
  raw(b: Uint8Array): this {
    for (const x of b) this.#bytes.push(x);
    return this;
  }
  double(field: number, v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    return this.tag(field, 1).raw(b);
  }
  float(field: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return this.tag(field, 5).raw(b);
  }
  bytes(field: number, b: Uint8Array): this {
    return this.tag(field, 2).varint(b.length).raw(b);
  }
  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  done(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }
}

/** One `Event` message. Non-integer or negative steps are rejected (int64 varints). */
export function encodeEvent(e: ScalarEvent): Uint8Array {
  if (!Number.isSafeInteger(e.step) || e.step < 0) {
    throw new RangeError(`Cannot encode step ${e.step}: expected a non-negative integer`);
  }
  const w = new Writer().double(1, e.wallTime).tag(2, 0).varint(e.step);
  if (e.fileVersion !== undefined) w.string(3, e.fileVersion);
  if (e.scalars) {
    const summary = new Writer();
    for (const [tag, value] of Object.entries(e.scalars)) {
      summary.bytes(1, new Writer().string(1, tag).float(2, value).done());
    }
    w.bytes(5, summary.done());
  }
  return w.done();
}

/** One TFRecord: length, its masked CRC, the data, its masked CRC. */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + data.length);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, BigInt(data.length), true);
  v.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  v.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/**
 * An event file: a `file_version` record (at the first event's wall time, step 0), then one
 * record per event.
 */
export function encodeEvents(events: ScalarEvent[]): Uint8Array {
  const records = [
    frameRecord(
      encodeEvent({ wallTime: events[0]?.wallTime ?? 0, step: 0, fileVersion: FILE_VERSION }),
    ),
    ...events.map((e) => frameRecord(encodeEvent(e))),
  ];
  const out = new Uint8Array(records.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of records) {
    out.set(r, at);
    at += r.length;
  }
  return out;
}

/** A corrupt or truncated event file. */
export class EventFileError extends Error {
  /** Makes the error. */
  constructor(message: string) {
    super(message);
    this.name = "EventFileError";
  }
}

class Reader {
  at = 0;
  constructor(readonly b: Uint8Array) {}
  get done(): boolean {
    return this.at >= this.b.length;
  }
  varint(): number {
    let x = 0;
    let mul = 1;
    for (;;) {
      if (this.at >= this.b.length) throw new EventFileError("truncated varint");
      const byte = this.b[this.at++];
      x += (byte & 0x7f) * mul;
      if (byte < 0x80) return x;
      mul *= 0x80;
    }
  }
  take(n: number): Uint8Array {
    if (this.at + n > this.b.length) throw new EventFileError("truncated field");
    const s = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return s;
  }
  /** Reads one field: [field number, wire type, value]. */
  field(): [number, number, number | Uint8Array] {
    const key = this.varint();
    const wire = key & 7;
    const field = Math.floor(key / 8);
    switch (wire) {
      case 0:
        return [field, wire, this.varint()];
      case 1:
        return [field, wire, this.take(8)];
      case 2:
        return [field, wire, this.take(this.varint())];
      case 5:
        return [field, wire, this.take(4)];
      default:
        throw new EventFileError(`unsupported wire type ${wire} of field ${field}`);
    }
  }
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Decodes one `Event` message (unknown fields are skipped). */
export function decodeEvent(data: Uint8Array): ScalarEvent {
  const r = new Reader(data);
  const e: ScalarEvent = { wallTime: 0, step: 0 };
  while (!r.done) {
    const [f, , v] = r.field();
    if (f === 1 && v instanceof Uint8Array) e.wallTime = view(v).getFloat64(0, true);
    else if (f === 2 && typeof v === "number") e.step = v;
    else if (f === 3 && v instanceof Uint8Array) e.fileVersion = new TextDecoder().decode(v);
    else if (f === 5 && v instanceof Uint8Array) {
      e.scalars ??= {};
      const s = new Reader(v);
      while (!s.done) {
        const [sf, , sv] = s.field();
        if (sf !== 1 || !(sv instanceof Uint8Array)) continue;
        const val = new Reader(sv);
        let tag = "";
        let value = NaN;
        while (!val.done) {
          const [vf, , vv] = val.field();
          if (vf === 1 && vv instanceof Uint8Array) tag = new TextDecoder().decode(vv);
          if (vf === 2 && vv instanceof Uint8Array) value = view(vv).getFloat32(0, true);
        }
        e.scalars[tag] = value;
      }
    }
  }
  return e;
}

/**
 * Parses an event file, checking both CRCs of every record. Throws {@link EventFileError}
 * naming the record and offset on a mismatch or truncation.
 */
export function parseEvents(bytes: Uint8Array): ScalarEvent[] {
  const out: ScalarEvent[] = [];
  const v = view(bytes);
  let at = 0;
  while (at < bytes.length) {
    const n = out.length;
    if (at + 12 > bytes.length) throw new EventFileError(`record ${n} at byte ${at}: truncated`);
    const len = Number(v.getBigUint64(at, true));
    if (v.getUint32(at + 8, true) !== maskedCrc32c(bytes.subarray(at, at + 8))) {
      throw new EventFileError(`record ${n} at byte ${at}: length CRC mismatch`);
    }
    if (at + 16 + len > bytes.length) {
      throw new EventFileError(`record ${n} at byte ${at}: truncated data`);
    }
    const data = bytes.subarray(at + 12, at + 12 + len);
    if (v.getUint32(at + 12 + len, true) !== maskedCrc32c(data)) {
      throw new EventFileError(`record ${n} at byte ${at}: data CRC mismatch`);
    }
    out.push(decodeEvent(data));
    at += 16 + len;
  }
  return out;
}
