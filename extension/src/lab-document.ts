// Facts about a lab file read straight from its text, without a full parse, so the code lens
// can place itself while the file is half-written. No `vscode` import: unit-tested.
import { localHostName } from './host-configuration';

export interface LabHeader {
  /** The lab's name, or undefined when the `name:` line has no value yet. */
  name: string | undefined;
  /** Zero-based line of the top-level `name:` key. */
  nameLine: number;
  /** The top-level `host:` value, `local` when absent. */
  host: string;
}

const topLevelKey = (key: string) => new RegExp(`^${key}\\s*:(?:\\s+(?!#)(.*?))?\\s*(?:\\s#.*)?$`);

function scalar(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const quoted = /^(['"])(.*)\1$/.exec(raw);
  return quoted ? quoted[2] : raw;
}

/** The top-level `name:` and `host:` of a lab; undefined when the text has no top-level `name:`. */
export function readLabHeader(text: string): LabHeader | undefined {
  const lines = text.split(/\r?\n/);
  let nameLine = -1;
  let name: string | undefined;
  let host = localHostName;
  lines.forEach((line, index) => {
    const nameMatch = topLevelKey('name').exec(line);
    if (nameMatch && nameLine < 0) {
      nameLine = index;
      name = scalar(nameMatch[1]);
    }
    const hostMatch = topLevelKey('host').exec(line);
    if (hostMatch) host = scalar(hostMatch[1]) ?? localHostName;
  });
  return nameLine < 0 ? undefined : { name, nameLine, host };
}
