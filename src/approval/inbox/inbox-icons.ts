import { crc32, deflateSync } from 'node:zlib'

/**
 * The app icon: a check mark in a ring on a full-bleed square (safe for maskable cropping).
 * PNG sizes are drawn here so no binary files need to ship beside the compiled code.
 */
const BACKGROUND = [0x1d, 0x35, 0x57] as const
const RING = [0xff, 0xff, 0xff] as const
const CHECK = [0x8c, 0xe0, 0xad] as const

// Geometry on a 0..1 square; the SVG below draws the same shapes on 512 units.
const RING_RADIUS = 0.3
const RING_HALF_WIDTH = 0.0225
const CHECK_HALF_WIDTH = 0.03
const CHECK_POINTS: readonly (readonly [number, number])[] = [
  [0.37, 0.51],
  [0.46, 0.6],
  [0.64, 0.41],
]

export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">
<rect width="512" height="512" fill="#1d3557"/>
<circle cx="256" cy="256" r="153.6" fill="none" stroke="#ffffff" stroke-width="23"/>
<path d="M189.4 261.1 L235.5 307.2 L327.7 209.9" fill="none" stroke="#8ce0ad" stroke-width="30.7" stroke-linecap="round" stroke-linejoin="round"/>
</svg>
`

export const ICON_PNG_SIZES = [192, 512] as const
export type IconPngSize = (typeof ICON_PNG_SIZES)[number]

const cache = new Map<number, Buffer>()

/** The icon as a PNG of `size`×`size` pixels (drawn once per size, then cached). */
export function iconPng(size: IconPngSize): Buffer {
  let png = cache.get(size)
  if (!png) {
    png = encodePng(size, drawIcon(size))
    cache.set(size, png)
  }
  return png
}

function drawIcon(size: number): Buffer {
  const stride = size * 4 + 1
  const raw = Buffer.alloc(stride * size)
  for (let y = 0; y < size; y++) {
    raw[y * stride] = 0 // filter type None
    for (let x = 0; x < size; x++) {
      const px = (x + 0.5) / size
      const py = (y + 0.5) / size
      const ringDistance = Math.abs(Math.hypot(px - 0.5, py - 0.5) - RING_RADIUS)
      const ring = coverage(RING_HALF_WIDTH - ringDistance, size)
      const check = coverage(CHECK_HALF_WIDTH - polylineDistance(px, py), size)
      const offset = y * stride + 1 + x * 4
      for (let channel = 0; channel < 3; channel++) {
        let value = BACKGROUND[channel]!
        value = value + (RING[channel]! - value) * ring
        value = value + (CHECK[channel]! - value) * check
        raw[offset + channel] = Math.round(value)
      }
      raw[offset + 3] = 255
    }
  }
  return raw
}

/** Anti-aliasing: a signed distance (in icon units) to a 0..1 pixel coverage. */
function coverage(inside: number, size: number): number {
  return Math.min(1, Math.max(0, inside * size + 0.5))
}

function polylineDistance(px: number, py: number): number {
  let best = Infinity
  for (let i = 0; i + 1 < CHECK_POINTS.length; i++) {
    const [ax, ay] = CHECK_POINTS[i]!
    const [bx, by] = CHECK_POINTS[i + 1]!
    const dx = bx - ax
    const dy = by - ay
    const t = Math.min(1, Math.max(0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    best = Math.min(best, Math.hypot(px - (ax + t * dx), py - (ay + t * dy)))
  }
  return best
}

function encodePng(size: number, raw: Buffer): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header[8] = 8 // bit depth
  header[9] = 6 // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typeAndData) >>> 0)
  return Buffer.concat([length, typeAndData, crc])
}
