#!/usr/bin/env python3
"""Writes a small but valid DNG (Adobe DNG 1.4) for the tests: no RAW sample can be downloaded
and no binaries are committed, so the tests make their own.

Layout, as Adobe's converter writes it: with --preview, IFD0 is the preview (NewSubFileType 1, a
baseline JPEG stored as one strip, Compression 7) and its SubIFDs tag points at the raw IFD; without
it, IFD0 is the raw image itself. The raw image is an uncompressed 16-bit RGGB Bayer mosaic sampled
from a PPM (so a half-size develop shows the same picture), with BlackLevel/WhiteLevel,
ColorMatrix1 (XYZ→linear sRGB: the "camera" sees sRGB), AsShotNeutral 1,1,1 and Orientation.

Hostile variants: --declare WxH writes the raw IFD's size as WxH while storing the PPM's pixels
(a bomb when WxH is large), --strips-past-end points every strip past the end of the file,
--preview-past-end only the preview's. The preview is stored last, after the raw data.

    make_dng.py --ppm photo.ppm [--preview p.jpg] [--orientation N] [--make M --model M] out.dng
"""
import argparse
import struct

BYTE, ASCII, SHORT, LONG, RATIONAL, SRATIONAL = 1, 2, 3, 4, 5, 10
SIZE = {BYTE: 1, ASCII: 1, SHORT: 2, LONG: 4, RATIONAL: 8, SRATIONAL: 8}


def read_ppm(path):
    data = open(path, 'rb').read()
    fields, pos = [], 0
    while len(fields) < 4:  # magic, width, height, maxval; '#' comments skipped
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b'#':
            pos = data.index(b'\n', pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b'P6' or fields[3] not in (b'255', b'65535'):
        raise SystemExit(f'{path}: want a P6 PPM with 8 or 16 bits')
    w, h = int(fields[1]), int(fields[2])
    if fields[3] == b'255':
        return w, h, data[pos + 1:pos + 1 + 3 * w * h]
    return w, h, data[pos + 1:pos + 1 + 6 * w * h:2]  # 16-bit samples are big-endian: keep the high byte


def jpeg_size(jpeg):
    """Width and height from the first SOFn marker."""
    pos = 2
    while pos + 9 < len(jpeg):
        marker, length = jpeg[pos + 1], struct.unpack('>H', jpeg[pos + 2:pos + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack('>HH', jpeg[pos + 5:pos + 9])
            return w, h
        pos += 2 + length
    raise SystemExit('preview: no SOF marker')


def mosaic(w, h, rgb, black, white):
    """RGGB Bayer samples of an sRGB image, roughly linearised (gamma 2.2) into black..white."""
    lut = [black + round((v / 255.0) ** 2.2 * (white - black)) for v in range(256)]
    out = bytearray(2 * w * h)
    for y in range(h):
        for x in range(w):
            c = (y & 1) + (x & 1)  # 0 = R (even row, even column), 1 = G, 2 = B (odd, odd)
            struct.pack_into('<H', out, 2 * (y * w + x), lut[rgb[3 * (y * w + x) + c]])
    return bytes(out)


class Tiff:
    """Little-endian TIFF writer: IFDs first (offsets known once sizes are), then blobs."""

    def __init__(self):
        self.blobs = []  # (bytes) appended after the IFDs; referenced by index

    def blob(self, data):
        self.blobs.append(data)
        return ('blob', len(self.blobs) - 1)

    @staticmethod
    def encode(typ, values):
        if typ == ASCII:
            return values.encode() + b'\0', len(values) + 1
        fmt = {BYTE: 'B', SHORT: 'H', LONG: 'I', RATIONAL: 'II', SRATIONAL: 'ii'}[typ]
        raw = b''.join(struct.pack('<' + fmt, *(v if isinstance(v, tuple) else (v,))) for v in values)
        return raw, len(values)

    def write(self, ifds, path, strip_shift=(0, 0)):
        # ifds: list of dicts tag → (type, values); values may hold ('blob', i) / ('ifd', i) refs.
        ifd_size = [2 + 12 * len(d) + 4 for d in ifds]
        ifd_off, off = [], 8
        for s in ifd_size:  # each IFD followed by its own out-of-line values
            ifd_off.append(off)
            extra = sum(self.value_len(t, v) for t, v in ifds[len(ifd_off) - 1].values())
            off += s + extra + (extra & 1)
        blob_off = []
        for b in self.blobs:
            off += off & 1
            blob_off.append(off)
            off += len(b)
        out = bytearray(b'II*\0' + struct.pack('<I', ifd_off[0]))
        for i, d in enumerate(ifds):
            assert len(out) == ifd_off[i]
            entries, data = b'', b''
            data_off = ifd_off[i] + ifd_size[i]
            for tag in sorted(d):
                typ, values = d[tag]
                values = [self.resolve(v, blob_off, ifd_off, strip_shift[i] if tag == 273 else 0) for v in values] \
                    if typ != ASCII else values
                raw, count = self.encode(typ, values)
                if len(raw) <= 4:
                    entries += struct.pack('<HHI', tag, typ, count) + raw.ljust(4, b'\0')
                else:
                    entries += struct.pack('<HHII', tag, typ, count, data_off + len(data))
                    data += raw + b'\0' * (len(raw) & 1)
            out += struct.pack('<H', len(d)) + entries + struct.pack('<I', 0) + data
            out += b'\0' * (len(out) & 1)
        for b, o in zip(self.blobs, blob_off):
            out += b'\0' * (o - len(out)) + b
        open(path, 'wb').write(out)

    def value_len(self, typ, values):
        n = len(values) + 1 if typ == ASCII else len(values) * SIZE[typ]
        return 0 if n <= 4 else n + (n & 1)

    @staticmethod
    def resolve(v, blob_off, ifd_off, shift):
        if isinstance(v, tuple) and v and v[0] == 'blob':
            return blob_off[v[1]] + shift
        if isinstance(v, tuple) and v and v[0] == 'ifd':
            return ifd_off[v[1]]
        return v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--ppm', required=True, help='the picture, as a P6 PPM')
    ap.add_argument('--preview', help='a baseline JPEG to embed as the preview')
    ap.add_argument('--orientation', type=int, default=1)
    ap.add_argument('--make', default='Culltest')
    ap.add_argument('--model', default='Synth 1')
    ap.add_argument('--declare', help='WxH written as the raw size instead of the real one')
    ap.add_argument('--strips-past-end', action='store_true', help='strip offsets beyond the end of file')
    ap.add_argument('--preview-past-end', action='store_true', help="the preview's strip offset beyond the end")
    ap.add_argument('out')
    a = ap.parse_args()

    full_w, h, pixels = read_ppm(a.ppm)
    w, h = full_w & ~1, h & ~1  # whole 2×2 CFA cells
    rgb = b''.join(pixels[3 * y * full_w:3 * (y * full_w + w)] for y in range(h))
    black, white = 64, 4095
    t = Tiff()
    raw_blob = t.blob(mosaic(w, h, rgb, black, white))
    dw, dh = map(int, a.declare.split('x')) if a.declare else (w, h)

    raw = {
        254: (LONG, [0]),                       # NewSubFileType: the main image
        256: (LONG, [dw]), 257: (LONG, [dh]),
        258: (SHORT, [16]), 259: (SHORT, [1]),  # 16 bits, uncompressed
        262: (SHORT, [32803]),                  # PhotometricInterpretation: CFA
        273: (LONG, [raw_blob]), 277: (SHORT, [1]), 278: (LONG, [dh]), 279: (LONG, [min(2 * dw * dh, 0xFFFFFFFF)]),
        284: (SHORT, [1]),
        33421: (SHORT, [2, 2]),                 # CFARepeatPatternDim
        33422: (BYTE, [0, 1, 1, 2]),            # CFAPattern: R G / G B
        50714: (LONG, [black]), 50717: (LONG, [white]),
    }
    ident = {
        271: (ASCII, a.make), 272: (ASCII, a.model), 274: (SHORT, [a.orientation]),
        50706: (BYTE, [1, 4, 0, 0]), 50707: (BYTE, [1, 1, 0, 0]),  # DNGVersion, DNGBackwardVersion
        50708: (ASCII, f'{a.make} {a.model}'),                      # UniqueCameraModel
        50721: (SRATIONAL, [(round(v * 10000), 10000) for v in     # ColorMatrix1: XYZ → sRGB
                            (3.2406, -1.5372, -0.4986, -0.9689, 1.8758, 0.0415, 0.0557, -0.2040, 1.0570)]),
        50728: (RATIONAL, [(1, 1)] * 3),                            # AsShotNeutral
        50778: (SHORT, [21]),                                       # CalibrationIlluminant1: D65
    }
    past = 1 << 24
    shift = (past if a.strips_past_end or a.preview_past_end else 0, past if a.strips_past_end else 0)
    if a.preview:
        jpeg = open(a.preview, 'rb').read()
        pw, ph = jpeg_size(jpeg)
        preview = {
            254: (LONG, [1]),                   # NewSubFileType: reduced-resolution preview
            256: (LONG, [pw]), 257: (LONG, [ph]), 258: (SHORT, [8, 8, 8]),
            259: (SHORT, [7]), 262: (SHORT, [6]),  # JPEG, YCbCr
            273: (LONG, [t.blob(jpeg)]), 277: (SHORT, [3]), 278: (LONG, [ph]), 279: (LONG, [len(jpeg)]),
            284: (SHORT, [1]),
            330: (LONG, [('ifd', 1)]),          # SubIFDs: the raw image
        }
        preview.update(ident)
        t.write([preview, raw], a.out, shift)
    else:
        raw.update(ident)
        t.write([raw], a.out, shift[1:])


if __name__ == '__main__':
    main()
