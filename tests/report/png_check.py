"""Checks that a PNG screenshot has the expected size and is not blank.

Usage: png_check.py FILE WIDTH HEIGHT

Reads the PNG with the standard library only (zlib; 8-bit RGB or RGBA, not
interlaced: what Chromium writes) and fails unless the image holds several
colours and a fair share of pixels differ from the most common (background)
colour, so that a white page, a black page or one line of text fails.
"""

import struct
import sys
import zlib
from collections import Counter


def read_png(path):
    with open(path, "rb") as file:
        data = file.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    offset, idat, header = 8, b"", None
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace != 0:
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour}, interlace {interlace})")
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    pixels, previous = [], bytearray(stride)
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            up_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
                line[i] = (line[i] + predictor) & 0xFF
        pixels.extend(bytes(line[i : i + 3]) for i in range(0, stride, channels))
        previous = line
    return width, height, pixels


def main():
    path, want_width, want_height = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    width, height, pixels = read_png(path)
    if (width, height) != (want_width, want_height):
        sys.exit(f"{path}: {width}x{height}, expected {want_width}x{want_height}")
    counts = Counter(pixels)
    background, n_background = counts.most_common(1)[0]
    share = 1 - n_background / len(pixels)
    print(f"{path}: {width}x{height}, {len(counts)} colours, {share:.1%} of pixels differ from the background #{background.hex()}")
    if len(counts) < 16:
        sys.exit(f"{path}: only {len(counts)} colours: the page looks blank")
    if share < 0.02:
        sys.exit(f"{path}: only {share:.2%} of pixels are not background: the page looks blank")


if __name__ == "__main__":
    main()
