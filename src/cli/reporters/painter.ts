import type { Effect } from '../../policy/request.js'
import { paint } from '../style.js'

export type Colour = Parameters<typeof paint>[0]

/** Colours text, or leaves it plain (files, pipes, NO_COLOR). */
export type Painter = (colour: Colour, text: string) => string

export const plain: Painter = (_colour, text) => text

/** Paints for stdout: colour only on a TTY and without NO_COLOR. */
export const stdoutPainter: Painter = (colour, text) => paint(colour, text, process.stdout)

export function effectColour(effect: Effect): Colour {
  return effect === 'allow' ? 'green' : effect === 'deny' ? 'red' : 'yellow'
}
