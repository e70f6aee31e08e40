import { assert, assertEquals, assertMatch, assertThrows } from "./_assert.ts";
import { featureMatrix, MetricError } from "../lib/metrics/features.ts";
import { decodeNpy, encodeNpy, type NpyDtype } from "../lib/metrics/npy.ts";
import { findPython, needs } from "./_deps.ts";

/** An `.npy` v1.0 file built by hand: header dict, padding, then `body`. */
function handMade(header: string, body: Uint8Array, version = 1): Uint8Array {
  const text = new TextEncoder().encode(header + "\n");
  const pre = version === 1 ? 10 : 12;
  const out = new Uint8Array(pre + text.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(text, pre);
  out.set(body, pre + text.length);
  return out;
}

Deno.test("encodeNpy()/decodeNpy() round-trip float32 and float64 in both byte orders", () => {
  const values = [1.5, -2.25, 3e-8, 1e30, 0, -0.125];
  for (const dtype of ["<f4", ">f4", "<f8", ">f8"] as NpyDtype[]) {
    const data = dtype.endsWith("4") ? Float32Array.from(values) : Float64Array.from(values);
    const bytes = encodeNpy(featureMatrix(data, 3, 2), { dtype });
    assertEquals((10 + new DataView(bytes.buffer).getUint16(8, true)) % 64, 0, "aligned header");
    const back = decodeNpy(bytes, "x.npy");
    assertEquals([back.rows, back.cols], [3, 2]);
    assert(back.data instanceof (dtype.endsWith("4") ? Float32Array : Float64Array), dtype);
    assertEquals(Array.from(back.data), Array.from(data));
  }
});

Deno.test("decodeNpy() reads hand-made big-endian, Fortran-order and version 2.0 files", () => {
  // >f8, shape (2, 3), values 1..6 in C order.
  const be = new Uint8Array(48);
  [1, 2, 3, 4, 5, 6].forEach((v, i) => new DataView(be.buffer).setFloat64(8 * i, v, false));
  const c = decodeNpy(
    handMade("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3), }", be),
    "c.npy",
  );
  assertEquals(Array.from(c.data), [1, 2, 3, 4, 5, 6]);
  // The same bytes in Fortran order are the columns: [[1, 3, 5], [2, 4, 6]].
  const f = decodeNpy(
    handMade("{'descr': '>f8', 'fortran_order': True, 'shape': (2, 3), }", be),
    "f.npy",
  );
  assertEquals(Array.from(f.data), [1, 3, 5, 2, 4, 6]);
  // <f4, version 2.0 (32-bit header length).
  const le = new Uint8Array(Float32Array.of(0.5, 0.25).buffer);
  const v2 = decodeNpy(
    handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", le, 2),
    "v2.npy",
  );
  assertEquals(Array.from(v2.data), [0.5, 0.25]);
});

Deno.test("decodeNpy() says what is wrong with a file it cannot read", () => {
  const body = new Uint8Array(16);
  const bad = (header: string, bytes = body) =>
    assertThrows(() => decodeNpy(handMade(header, bytes), "bad.npy"), MetricError).message;
  assertMatch(
    assertThrows(() => decodeNpy(new TextEncoder().encode("hello world!"), "t.txt"), MetricError)
      .message,
    /"t.txt".*magic/,
  );
  assertMatch(bad("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }"), /'<i4'/);
  assertMatch(bad("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }"), /not N x D/);
  assertMatch(
    bad("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }"),
    /16 data bytes, expected 48/,
  );
  assertMatch(bad("{'shape': (2, 2)}"), /unparsable header/);
});

// Debian's python3 first (where .ci/run installs python3-numpy).
const numpy = await findPython(["numpy"]);

Deno.test(needs(numpy.missing, {
  name: "decodeNpy() reads files written by NumPy itself",
  async fn() {
    const out = await new Deno.Command(numpy.path!, {
      args: [
        "-c",
        "import numpy as np, io, sys\n" +
        "for dt in ['<f4', '>f4', '<f8', '>f8']:\n" +
        "    b = io.BytesIO(); np.save(b, np.arange(6, dtype=dt).reshape(3, 2) / 4)\n" +
        "    sys.stdout.write(b.getvalue().hex() + '\\n')",
      ],
      stderr: "piped",
    }).output();
    assert(out.success, new TextDecoder().decode(out.stderr));
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
    assertEquals(lines.length, 4);
    for (const hex of lines) {
      const bytes = Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));
      const m = decodeNpy(bytes, "numpy.npy");
      assertEquals([m.rows, m.cols], [3, 2]);
      assertEquals(Array.from(m.data), [0, 0.25, 0.5, 0.75, 1, 1.25]);
    }
  },
}));
