import protobuf from 'protobufjs/light.js';

/**
 * The frames of Feishu's long connection (docs/platform/feishu.md §5.5): protobuf `pbbp2.Frame`, as
 * the SDK's WSClient encodes and decodes them. Fields 1–4 are required; a control frame (method 0)
 * carries ping and pong, a data frame (method 1) an event or callback, with its headers saying which.
 */
export interface FrameHeader {
  key: string;
  value: string;
}

export interface Frame {
  SeqID: number;
  LogID: number;
  service: number;
  method: number;
  headers: FrameHeader[];
  payloadEncoding?: string;
  payloadType?: string;
  payload?: Uint8Array;
  LogIDNew?: string;
}

export const FRAME_CONTROL = 0;
export const FRAME_DATA = 1;

const root = protobuf.Root.fromJSON({
  nested: {
    pbbp2: {
      nested: {
        Header: { fields: { key: { rule: 'required', type: 'string', id: 1 }, value: { rule: 'required', type: 'string', id: 2 } } },
        Frame: {
          fields: {
            SeqID: { rule: 'required', type: 'uint64', id: 1 },
            LogID: { rule: 'required', type: 'uint64', id: 2 },
            service: { rule: 'required', type: 'int32', id: 3 },
            method: { rule: 'required', type: 'int32', id: 4 },
            headers: { rule: 'repeated', type: 'Header', id: 5 },
            payloadEncoding: { type: 'string', id: 6 },
            payloadType: { type: 'string', id: 7 },
            payload: { type: 'bytes', id: 8 },
            LogIDNew: { type: 'string', id: 9 },
          },
        },
      },
    },
  },
});
const FrameType = root.lookupType('pbbp2.Frame');

export function encodeFrame(f: Frame): Uint8Array {
  return FrameType.encode(FrameType.fromObject(f)).finish();
}

/** A frame from bytes; throws on bytes that are not one (a missing required field included). */
export function decodeFrame(bytes: Uint8Array): Frame {
  const m = FrameType.toObject(FrameType.decode(bytes), { longs: Number, bytes: Uint8Array, defaults: false, arrays: true });
  return m as Frame;
}

/** A header's value, or undefined. */
export const headerOf = (f: Frame, key: string): string | undefined => f.headers.find((h) => h.key === key)?.value;
