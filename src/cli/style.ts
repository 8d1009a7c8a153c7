import { styleText } from 'node:util'

type Colour = 'red' | 'green' | 'yellow' | 'cyan' | 'gray' | 'bold' | 'dim'

/** Colour only on a TTY, and never when NO_COLOR is set (https://no-color.org). */
export function colourEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '')
}

export function paint(colour: Colour, text: string, stream?: NodeJS.WriteStream): string {
  return colourEnabled(stream) ? styleText(colour, text) : text
}
