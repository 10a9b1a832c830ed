// Whether the CLI colours what it prints: only on a terminal, and never when NO_COLOR is set.

/** Colour when writing to a terminal, unless NO_COLOR asks for none (https://no-color.org). */
export function useColour(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR;
}
